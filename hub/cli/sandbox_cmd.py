"""`hub sandbox <kind>`: run a tool's sandbox (a faithful fake of its API) on a local port, for
trying the hub, demos and manual testing. The kinds are the sandboxes installed under the
`hub.sandboxes` entry-point group (a plugin's too); each one's options come from its `options`
model (`hub.testing.served`), and `run_sandbox` prints where it listens and how to sign in."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from hub.cli.common import err, out
from hub.sdk.registry import UnknownSandbox, load_sandbox, sandbox_kinds


class _Sandboxes(TyperGroup):
    """One command per installed sandbox, built when it is asked for (loading a sandbox
    imports its web app: only the one that runs is loaded)."""

    def list_commands(self, ctx: Any) -> list[str]:
        return sandbox_kinds()

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in sandbox_kinds():
            return None
        try:
            cls = load_sandbox(cmd_name)
        except UnknownSandbox as exc:
            return typer.main.get_command(_broken(cmd_name, str(exc)))
        return typer.main.get_command(_command(cmd_name, cls))


app = typer.Typer(cls=_Sandboxes, no_args_is_help=True,
                  help="Run a sandbox of a tool's API locally (test credentials, fake data).")


@app.callback()
def sandboxes() -> None:
    """Run a sandbox of a tool's API locally (test credentials, fake data)."""

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


def _command(kind: str, cls: Any) -> typer.Typer:
    """A one-command app: the shared options (port, host, TLS) and the sandbox's own."""
    own = cls.options.model_fields
    params = [
        inspect.Parameter("port", inspect.Parameter.KEYWORD_ONLY, default=cls.default_port,
                          annotation=PortOption),
        inspect.Parameter("host", inspect.Parameter.KEYWORD_ONLY, default="127.0.0.1",
                          annotation=HostOption),
        *(inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=field.default,
                            annotation=Annotated[field.annotation, typer.Option(
                                help=field.description or "")])
          for name, field in own.items()),
        inspect.Parameter("tls", inspect.Parameter.KEYWORD_ONLY, default=False,
                          annotation=TlsOption),
        inspect.Parameter("cert_dir", inspect.Parameter.KEYWORD_ONLY, default=Path(".sandbox"),
                          annotation=CertDirOption),
    ]

    def serve(**given: Any) -> None:
        options = cls.options(**{name: given[name] for name in own})
        sandbox = cls.from_options(options)
        run_sandbox(sandbox.app, name=cls.title, host=given["host"], port=given["port"],
                    tls=given["tls"], cert_dir=given["cert_dir"], credentials=sandbox.welcome())

    serve.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    serve.__annotations__ = {p.name: p.annotation for p in params}
    single = typer.Typer(add_completion=False)
    summary = getattr(cls, "summary", None) or (inspect.getdoc(cls) or "").split("\n\n")[0] \
        or f"A sandbox of {cls.title}."
    single.command(kind, help=summary)(serve)
    return single


def _broken(kind: str, reason: str) -> typer.Typer:
    single = typer.Typer(add_completion=False)

    @single.command(kind, help=f"(failed to load) {reason}")
    def fail() -> None:
        err.print(reason, markup=False)
        raise typer.Exit(code=2)

    return single
