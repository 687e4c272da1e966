"""Benchmark: a Jira backfill through the whole hub pipeline into SQLite, against tap-jira.

The Jira sandbox runs in its own process over https (no latency, no faults), seeded with
--issues issues. The hub side is `hub sync rd-jira --full` on a fresh SQLite file: search
pages of 100 issues (the sandbox's cap with fields), changelog on as in production, then
normalise + reconcile + store. The peer is tap-jira (the Singer tap from PyPI, in its own venv
under .bench/) reading the `issues` stream of the same sandbox to a file: pages of its own
size (50), `*all` fields with changelog and transitions, each record checked against its
schema. Each run is its own process, timed from start to exit (interpreter start-up included
on both sides) and its peak RSS taken from wait4. Run:

    .venv/bin/python bench/jira_backfill.py [--issues 20000] [--repeat 3] [--keep]

Target: the hub >= 2x tap-jira's records/s, with a lower peak RSS.
"""

from __future__ import annotations

import argparse
import base64
import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import _jira_tap as tap_jira

EMAIL, TOKEN = "hub@example.com", "jira-token"
TAP_VENV = ROOT / ".bench" / "tap-jira-venv"
TICKS = os.sysconf("SC_CLK_TCK")


# -- the sandbox, in its own process --------------------------------------------------------
def serve_sandbox(issues: int, port: int, cert_dir: Path) -> None:
    """Child: seed exactly `issues` issues (over 4 projects when they divide evenly), then
    serve the sandbox over https until terminated."""
    from connectors.jira.sandbox import JiraSandbox
    from hub.cli.sandbox_cmd import run_sandbox

    sandbox = JiraSandbox(email=EMAIL, token=TOKEN)
    projects = next(p for p in (4, 3, 2, 1) if issues % p == 0)
    sandbox.seed(projects=projects, issues_per_project=issues // projects, users=50)
    run_sandbox(sandbox.app, name="Jira", host="127.0.0.1", port=port, tls=True,
                cert_dir=cert_dir, credentials=[])


def start_sandbox(issues: int, workdir: Path) -> tuple[subprocess.Popen[bytes], str, Path]:
    """The sandbox process, its base URL and certificate, once it answers."""
    import httpx

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    cert_dir = workdir / "certs"
    proc = subprocess.Popen([sys.executable, __file__, "--sandbox", str(issues), str(port),
                             str(cert_dir)], stdout=subprocess.DEVNULL,
                            stderr=(workdir / "sandbox.log").open("wb"))
    url, certfile = f"https://127.0.0.1:{port}", cert_dir / "sandbox.crt"
    auth = "Basic " + base64.b64encode(f"{EMAIL}:{TOKEN}".encode()).decode()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the sandbox exited:\n{(workdir / 'sandbox.log').read_text()}")
        try:
            answer = httpx.get(f"{url}/rest/api/2/serverInfo", headers={"Authorization": auth},
                               verify=str(certfile), timeout=2)
            if answer.status_code == 200:
                return proc, url, certfile
        except (httpx.HTTPError, OSError):
            pass
        time.sleep(0.2)
    proc.terminate()
    raise SystemExit("the sandbox did not answer within 120 s")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


# -- one measured run -----------------------------------------------------------------------
def measure(argv: list[str], sandbox_pid: int, stdout: Path) -> dict[str, float]:
    """Run `argv` to completion: wall seconds, its peak RSS (MB) and the sandbox's CPU seconds
    meanwhile."""
    served_before = cpu_seconds(sandbox_pid)
    started = time.perf_counter()
    with stdout.open("wb") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.PIPE)
        assert proc.stderr is not None
        errors = proc.stderr.read()  # the pipe is drained while the child runs
        _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv[:4])} ... failed ({proc.returncode}):\n"
                         f"{errors.decode(errors='replace')[-4000:]}")
    return {"seconds": seconds, "peak_mb": usage.ru_maxrss / 1024,
            "sandbox_cpu": cpu_seconds(sandbox_pid) - served_before}


def hub_config(workdir: Path, url: str, certfile: Path, db: Path, changelog: bool) -> Path:
    # Jira refuses unbounded searches, so the backfill gets the tap's scope as its JQL.
    path = workdir / f"hub-{'changelog' if changelog else 'plain'}.yaml"
    path.write_text(f"""\
database: {{url: "sqlite:///{db}"}}
logging: {{level: warning}}
connectors:
  rd-jira:
    kind: jira
    base_url: {url}
    email: {EMAIL}
    api_token: {TOKEN}
    jql: 'updated >= "2000/01/01"'
    page_size: 100
    changelog: {str(changelog).lower()}
    verify_tls: {certfile}
""")
    return path


def run_hub(workdir: Path, url: str, certfile: Path, sandbox_pid: int, changelog: bool,
            run: int) -> dict[str, float]:
    db = workdir / f"hub-{changelog}-{run}.db"
    config = hub_config(workdir, url, certfile, db, changelog)
    result = measure([sys.executable, "-m", "hub", "sync", "rd-jira", "--full", "-c",
                      str(config)], sandbox_pid, workdir / "hub.out")
    with sqlite3.connect(db) as conn:
        result["records"] = conn.execute("SELECT count(*) FROM task").fetchone()[0]
    db.unlink()
    return result


def run_tap(workdir: Path, tap: Path, config: Path, catalog: Path,
            sandbox_pid: int) -> dict[str, float]:
    output = workdir / "tap.out"
    result = measure([str(tap), "-c", str(config), "-p", str(catalog)], sandbox_pid, output)
    result["records"] = tap_jira.count_records(output)
    output.unlink()
    return result


def import_floor(python: str, modules: str) -> float:
    """Peak RSS (MB) of a process that only imports `modules`: the code loaded, nothing read."""
    proc = subprocess.Popen([python, "-c", f"import {modules}"])
    _, _, usage = os.wait4(proc.pid, 0)
    return usage.ru_maxrss / 1024


# -- the table ------------------------------------------------------------------------------
def summary(runs: list[dict[str, float]]) -> dict[str, float]:
    """Median rate over the runs; the largest peak RSS."""
    return {"records": runs[0]["records"],
            "seconds": statistics.median(r["seconds"] for r in runs),
            "rate": statistics.median(r["records"] / r["seconds"] for r in runs),
            "peak_mb": max(r["peak_mb"] for r in runs),
            "sandbox_cpu": statistics.median(r["sandbox_cpu"] for r in runs)}


def row(name: str, s: dict[str, float]) -> str:
    return (f"{name:<26} {s['records']:>8,.0f} {s['seconds']:>8.2f} {s['rate']:>10,.0f} "
            f"{s['peak_mb']:>8.0f}MB {s['sandbox_cpu']:>11.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each side; the median rate is reported")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--sandbox", nargs=3, metavar=("ISSUES", "PORT", "CERT_DIR"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sandbox:
        serve_sandbox(int(args.sandbox[0]), int(args.sandbox[1]), Path(args.sandbox[2]))
        return
    tap = tap_jira.ensure_venv(TAP_VENV)
    workdir = Path(tempfile.mkdtemp(prefix="jira-backfill-"))
    sandbox, url, certfile = start_sandbox(args.issues, workdir)
    try:
        tap_jira.trust(TAP_VENV, certfile)
        tap_config = tap_jira.write_config(workdir, url, EMAIL, TOKEN)
        catalog = tap_jira.write_catalog(tap, tap_config, workdir)
        sides: dict[str, list[dict[str, float]]] = {"hub": [], "hub-plain": [], "tap": []}
        for run in range(args.repeat):  # interleaved, so drift hits every side alike
            sides["hub"].append(run_hub(workdir, url, certfile, sandbox.pid, True, run))
            sides["tap"].append(run_tap(workdir, tap, tap_config, catalog, sandbox.pid))
            sides["hub-plain"].append(run_hub(workdir, url, certfile, sandbox.pid, False, run))
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=30)
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    hub, plain, tap_s = (summary(sides[k]) for k in ("hub", "hub-plain", "tap"))
    for name, s in (("hub", hub), ("hub-plain", plain), ("tap", tap_s)):
        if s["records"] != args.issues:
            raise SystemExit(f"{name} read {s['records']:,.0f} of {args.issues:,} issues")
    print(f"jira backfill: {args.issues:,} issues from the sandbox over https (no latency), "
          f"median of {args.repeat} runs")
    print(f"{'side':<26} {'records':>8} {'seconds':>8} {'records/s':>10} {'peak RSS':>10} "
          f"{'sandbox CPU':>11}")
    print(row("hub (changelog on)", hub))
    print(row("hub (changelog off)", plain))
    print(row(f"tap-jira {tap_jira.TAP_VERSION}", tap_s))
    print(f"ratio hub/tap: {hub['rate'] / tap_s['rate']:.2f}x records/s, "
          f"{hub['peak_mb'] / tap_s['peak_mb']:.2f}x peak RSS "
          f"(changelog off: {plain['rate'] / tap_s['rate']:.2f}x, "
          f"{plain['peak_mb'] / tap_s['peak_mb']:.2f}x)")
    hub_floor = import_floor(sys.executable, "hub.cli.main, hub.cli.sync_cmd, "
                                             "connectors.jira.connector")
    tap_floor = import_floor(str(TAP_VENV / "bin" / "python"), "tap_jira")
    print(f"import floor (code loaded, nothing read): hub {hub_floor:.0f}MB, "
          f"tap-jira {tap_floor:.0f}MB")
    print("target: records/s ratio >= 2.00x with a lower peak RSS (RSS ratio < 1.00x)")


if __name__ == "__main__":
    main()
