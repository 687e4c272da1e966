"""Benchmark: a Salesforce backfill of opportunities through the whole hub pipeline into SQLite,
against a real peer (tap-salesforce, the Singer tap from PyPI) reading the same sandbox.

The Salesforce sandbox runs in its own process over https (no latency, no faults), seeded with
--opportunities open deals (and one account per ten). The hub side is `hub sync sales --full`
on a fresh SQLite file, objects: [Opportunity]: SOQL on SystemModstamp in batches of 2,000 via
`nextRecordsUrl`, simple-salesforce in the connector's thread pool, JWT bearer sign-in, then
normalise + reconcile + store. The peer (extract only, to a file) runs in its own venv under
.bench/ when `--peer` is given and the tap installs; see `_salesforce_tap.py`. Each run is its
own process, timed from start to exit, peak RSS from wait4. Run:

    .venv/bin/python bench/salesforce_backfill.py [--opportunities 50000] [--repeat 1] [--peer]

Target: the hub's full pipeline >= 1.5x the peer's extract-only records/s.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from jira_backfill import import_floor, measure, row, summary

CONSUMER_KEY, USER = "hub-connected-app", "integration@aurora.example"


def serve_sandbox(opportunities: int, port: int, workdir: Path) -> None:
    """Child: seed the org, then serve it over https until terminated."""
    from connectors.salesforce.sandbox import SalesforceSandbox
    from connectors.salesforce.sandbox.seed import key_pair, seed
    from hub.cli.sandbox_cmd import run_sandbox

    certificate = key_pair(workdir / "app.key")
    sandbox = SalesforceSandbox(certificate=certificate, consumer_key=CONSUMER_KEY,
                                username=USER, daily_limit=10_000_000)
    seed(sandbox, opportunities, 7)
    sandbox.connected_app.refresh_tokens["bench-refresh"] = sandbox.integration["Id"]
    run_sandbox(sandbox.app, name="Salesforce", host="127.0.0.1", port=port, tls=True,
                cert_dir=workdir / "certs", credentials=[])


def start_sandbox(opportunities: int, workdir: Path) -> tuple[subprocess.Popen[bytes], str, Path]:
    """The sandbox process, its URL and TLS certificate, once it answers."""
    import httpx

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen([sys.executable, __file__, "--sandbox", str(opportunities),
                             str(port), str(workdir)], stdout=subprocess.DEVNULL,
                            stderr=(workdir / "sandbox.log").open("wb"))
    url, certfile = f"https://127.0.0.1:{port}", workdir / "certs" / "sandbox.crt"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the sandbox exited:\n{(workdir / 'sandbox.log').read_text()}")
        try:
            answer = httpx.post(f"{url}/services/oauth2/token", verify=str(certfile), timeout=2,
                                data={"grant_type": "client_credentials"})
            if answer.status_code in (400, 401):
                return proc, url, certfile
        except (httpx.HTTPError, OSError):
            pass
        time.sleep(0.3)
    proc.terminate()
    raise SystemExit("the sandbox did not answer within 300 s")


def run_hub(workdir: Path, url: str, certfile: Path, sandbox_pid: int,
            run: int) -> dict[str, float]:
    db = workdir / f"hub-{run}.db"
    config = workdir / "hub.yaml"
    config.write_text(f"""\
database: {{url: "sqlite:///{db}"}}
logging: {{level: warning}}
connectors:
  sales:
    kind: salesforce
    instance_url: {url}
    login_url: {url}
    audience: https://login.salesforce.com
    client_id: {CONSUMER_KEY}
    username: {USER}
    private_key_file: {workdir / "app.key"}
    ca_bundle: {certfile}
    objects: [Opportunity]
""")
    result = measure([sys.executable, "-m", "hub", "sync", "sales", "--full", "-c",
                      str(config)], sandbox_pid, workdir / "hub.out")
    with sqlite3.connect(db) as conn:
        result["records"] = conn.execute("SELECT count(*) FROM opportunity").fetchone()[0]
    db.unlink()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--opportunities", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--peer", action="store_true", help="also run tap-salesforce")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--sandbox", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sandbox:
        serve_sandbox(int(args.sandbox[0]), int(args.sandbox[1]), Path(args.sandbox[2]))
        return
    workdir = Path(tempfile.mkdtemp(prefix="salesforce-backfill-"))
    sandbox, url, certfile = start_sandbox(args.opportunities, workdir)
    peer: list[dict[str, float]] = []
    peer_note = "not run (--peer not given)"
    try:
        hub = [run_hub(workdir, url, certfile, sandbox.pid, run) for run in range(args.repeat)]
        if args.peer:
            import _salesforce_tap as tap

            try:
                peer = [tap.run(workdir, url, certfile, sandbox.pid, measure)
                        for _ in range(args.repeat)]
                peer_note = ""
            except tap.PeerUnavailable as exc:
                peer_note = f"not run: {exc}"
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=30)
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    hub_s = summary(hub)
    print(f"salesforce backfill: {args.opportunities:,} opportunities from the sandbox over "
          f"https (no latency), median of {args.repeat} run(s)")
    print(f"{'side':<26} {'records':>8} {'seconds':>8} {'records/s':>10} {'peak RSS':>10} "
          f"{'sandbox CPU':>11}")
    print(row("hub (full pipeline)", hub_s))
    if hub_s["records"] != args.opportunities:
        print(f"MISS: the hub stored {hub_s['records']:,.0f} of {args.opportunities:,}")
    if peer:
        peer_s = summary(peer)
        print(row("tap-salesforce (extract)", peer_s))
        if peer_s["records"] != args.opportunities:
            print(f"MISS: the peer read {peer_s['records']:,.0f} of {args.opportunities:,}")
        print(f"ratio hub/peer: {hub_s['rate'] / peer_s['rate']:.2f}x records/s "
              "(target >= 1.50x)")
    else:
        print(f"peer: {peer_note}")
    floor = import_floor(sys.executable, "hub.cli.main, connectors.salesforce.connector")
    print(f"import floor (code loaded, nothing read): hub {floor:.0f}MB")


if __name__ == "__main__":
    main()
