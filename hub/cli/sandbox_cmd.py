"""`hub sandbox <tool>`: run a tool's sandbox (a faithful fake of its API) on a local port, for
trying the hub, demos and manual testing. One command per tool; each builds its sandbox's ASGI
app and hands it to `run_sandbox`, which prints where it listens and how to sign in."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import typer

from hub.cli.common import out

app = typer.Typer(help="Run a sandbox of a tool's API locally (test credentials, fake data).",
                  no_args_is_help=True)

PortOption = Annotated[int, typer.Option(help="port to listen on")]
HostOption = Annotated[str, typer.Option(help="interface to listen on")]
TlsOption = Annotated[bool, typer.Option("--tls", help="serve https with a self-signed "
                                                       "certificate (clients trust it through "
                                                       "SSL_CERT_FILE / REQUESTS_CA_BUNDLE)")]
CertDirOption = Annotated[Path, typer.Option(help="where the --tls certificate is written")]


def run_sandbox(asgi: Any, *, name: str, host: str, port: int, tls: bool, cert_dir: Path,
                credentials: list[str]) -> None:
    """Serve `asgi` with uvicorn until Ctrl-C, after printing its URL and credentials."""
    import uvicorn

    certfile = keyfile = None
    if tls:
        from hub.testing.server import self_signed_certificate

        certfile, keyfile = self_signed_certificate(cert_dir.resolve(), host)
    scheme = "https" if tls else "http"
    out.print(f"{name} sandbox on {scheme}://{host}:{port} (Ctrl-C stops it)")
    for line in credentials:
        out.print(f"  {line}")
    if certfile:
        out.print(f"  certificate: {certfile} (export SSL_CERT_FILE={certfile})")
    uvicorn.run(asgi, host=host, port=port, log_level="warning",
                ssl_certfile=str(certfile) if certfile else None,
                ssl_keyfile=str(keyfile) if keyfile else None)


@app.command()
def jira(
    port: PortOption = 8081,
    host: HostOption = "127.0.0.1",
    seed_issues: Annotated[int, typer.Option(help="issues to seed, over 3 projects")] = 0,
    seed: Annotated[int, typer.Option(help="random seed of the data and faults")] = 0,
    email: Annotated[str, typer.Option(help="the API account's e-mail")] = "hub@example.com",
    token: Annotated[str, typer.Option(help="the API account's token")] = "jira-token",  # noqa: S107
    tls: TlsOption = False,
    cert_dir: CertDirOption = Path(".sandbox"),
) -> None:
    """A Jira Cloud sandbox: REST API v3 and v2, JQL search, workflows, webhooks, knobs."""
    from connectors.jira.sandbox import JiraSandbox

    sandbox = JiraSandbox(email=email, token=token, seed=seed)
    if seed_issues > 0:
        projects = 3 if seed_issues >= 3 else 1
        sandbox.seed(projects=projects, issues_per_project=math.ceil(seed_issues / projects),
                     users=10)
    else:
        sandbox.add_project("RD", "Research & Development")
    keys = ", ".join(sorted(sandbox.state.projects))
    run_sandbox(sandbox.app, name="Jira", host=host, port=port, tls=tls, cert_dir=cert_dir,
                credentials=[f"email: {email}", f"API token: {token}",
                             f"projects: {keys} ({len(sandbox.state.issues)} issues)",
                             "knobs: /_sandbox/faults, /_sandbox/seed, /_sandbox/webhooks"])


@app.command()
def asana(
    port: PortOption = 8082,
    host: HostOption = "127.0.0.1",
    seed_tasks: Annotated[int, typer.Option(help="tasks to seed, over 3 projects")] = 0,
    seed: Annotated[int, typer.Option(help="random seed of the data and faults")] = 0,
    token: Annotated[str, typer.Option(help="the personal access token")] = "asana-pat",  # noqa: S107
    tls: TlsOption = False,
    cert_dir: CertDirOption = Path(".sandbox"),
) -> None:
    """An Asana sandbox: /api/1.0 tasks, sections, custom fields, events, webhooks, knobs."""
    from connectors.asana.sandbox import AsanaSandbox

    sandbox = AsanaSandbox(token=token, seed=seed)
    if seed_tasks > 0:
        projects = 3 if seed_tasks >= 3 else 1
        sandbox.seed(projects=projects, tasks_per_project=math.ceil(seed_tasks / projects),
                     users=10)
    else:
        sandbox.add_project("Spring Campaign")
    projects_line = ", ".join(f"{p.name} ({p.gid})" for p in sandbox.state.projects.values())
    run_sandbox(sandbox.app, name="Asana", host=host, port=port, tls=tls, cert_dir=cert_dir,
                credentials=[f"API base: /api/1.0, Authorization: Bearer {token}",
                             f"workspace: {sandbox.state.workspace_gid}",
                             f"projects: {projects_line} ({len(sandbox.state.tasks)} tasks)",
                             "knobs: /_sandbox/faults, /_sandbox/seed, /_sandbox/webhooks, "
                             "/_sandbox/events/expire"])


@app.command()
def bamboohr(
    port: PortOption = 8083,
    host: HostOption = "127.0.0.1",
    seed_employees: Annotated[int, typer.Option(help="employees to seed (with managers)")] = 0,
    departments: Annotated[int, typer.Option(help="departments the seeded people work in")] = 4,
    seed_time_off: Annotated[int, typer.Option(help="time off requests to seed")] = 10,
    seed: Annotated[int, typer.Option(help="random seed of the data and faults")] = 0,
    api_key: Annotated[str, typer.Option(help="the API key (Basic-auth user name)")] = "bamboo-key",
    webhook_url: Annotated[str | None, typer.Option(
        help="register a webhook to this URL at start (e.g. http://127.0.0.1:8080/webhooks/hr)")
    ] = None,
    webhook_key: Annotated[str | None, typer.Option(
        help="the webhook's private key (the hub's webhook.secret); default: a random one")
    ] = None,
    tls: TlsOption = False,
    cert_dir: CertDirOption = Path(".sandbox"),
) -> None:
    """A BambooHR sandbox: employees, the change feed, time off, who's out, webhooks, knobs."""
    from connectors.hr.sandbox import BambooHRSandbox

    sandbox = BambooHRSandbox(api_key=api_key, seed=seed)
    if seed_employees > 0:
        sandbox.seed(employees=seed_employees, departments=departments, time_off=seed_time_off)
    lines = [f"API key: {api_key} (Basic auth user name; any password)",
             f"employees: {len(sandbox.state.live())}, time off requests: "
             f"{len(sandbox.state.requests)}"]
    if webhook_url:
        hook_id, key = sandbox.register_webhook(webhook_url, private_key=webhook_key)
        lines.append(f"webhook {hook_id} -> {webhook_url}, private key: {key}")
    lines.append("knobs: /_sandbox/employees (PATCH .../{id or e-mail}, POST .../terminate), "
                 "/_sandbox/time_off, /_sandbox/faults, /_sandbox/seed, /_sandbox/webhooks")
    run_sandbox(sandbox.app, name="BambooHR", host=host, port=port, tls=tls, cert_dir=cert_dir,
                credentials=lines)
