"""Serve an ASGI app (a sandbox, or the hub itself) on a free local port, in a background
thread, for tests, the demo and benchmarks: real sockets, no mocks."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@dataclass
class RunningServer:
    """A server started by `serve`: where it listens."""

    url: str
    port: int
    server: uvicorn.Server


@contextmanager
def serve(app: Any, *, host: str = "127.0.0.1", port: int | None = None,
          certfile: Path | None = None, keyfile: Path | None = None,
          startup_timeout: float = 15.0) -> Iterator[RunningServer]:
    """Run `app` until the block ends; TLS when a certificate is given."""
    port = port or free_port(host)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on",
                            ssl_certfile=str(certfile) if certfile else None,
                            ssl_keyfile=str(keyfile) if keyfile else None)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"server-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"server on {host}:{port} did not start")
        time.sleep(0.01)  # uvicorn sets `started` from its own thread; nothing to await here
    scheme = "https" if certfile else "http"
    try:
        yield RunningServer(f"{scheme}://{host}:{port}", port, server)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def self_signed_certificate(directory: Path, host: str = "127.0.0.1") -> tuple[Path, Path]:
    """A self-signed certificate for `host` (for clients that insist on https), as
    (certfile, keyfile); clients trust it through SSL_CERT_FILE / REQUESTS_CA_BUNDLE."""
    from datetime import UTC, datetime, timedelta
    from ipaddress import ip_address

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.now(UTC)
    alt: list[x509.GeneralName] = [x509.DNSName("localhost")]
    try:
        alt.append(x509.IPAddress(ip_address(host)))
    except ValueError:
        alt.append(x509.DNSName(host))
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=7))
            .add_extension(x509.SubjectAlternativeName(alt), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    directory.mkdir(parents=True, exist_ok=True)
    certfile, keyfile = directory / "sandbox.crt", directory / "sandbox.key"
    certfile.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    keyfile.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                          serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    return certfile, keyfile


def client_context(certfile: Path) -> ssl.SSLContext:
    """An SSL context that trusts `certfile` (for httpx clients of a TLS sandbox)."""
    return ssl.create_default_context(cafile=str(certfile))


def ignore_disconnects(app: Any) -> None:
    """A client that hangs up mid-request (the hub stopping while a poll was in flight) is no
    error of a sandbox's: answer nobody, log nothing."""
    from starlette.requests import ClientDisconnect, Request
    from starlette.responses import Response

    async def gone(request: Request, exc: Exception) -> Response:
        return Response(status_code=400)

    app.add_exception_handler(ClientDisconnect, gone)
