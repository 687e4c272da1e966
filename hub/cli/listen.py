"""The server's listening socket, bound before anything says "serving": a port in use or an
address not on this machine is one line and exit code 2, not a log record and a traceback."""

from __future__ import annotations

import errno
import socket
from typing import NoReturn

import typer

from hub.cli.common import err


def bind(host: str, port: int) -> socket.socket:
    """A socket bound to `host`:`port` (uvicorn listens on it); exits 2 saying what to change
    when it can't be had."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    except socket.gaierror:
        _refuse(f"{host} is not an address of this machine (try --host or server.host: "
                "127.0.0.1 for this machine only, 0.0.0.0 for every interface)")
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            _refuse(f"port {port} is in use (try --port or server.port)")
        if exc.errno == errno.EACCES:
            _refuse(f"port {port} needs administrator rights here (use a port above 1023: "
                    "--port or server.port)")
        if exc.errno == errno.EADDRNOTAVAIL:
            _refuse(f"{host} is not an address of this machine (try --host or server.host: "
                    "127.0.0.1 for this machine only, 0.0.0.0 for every interface)")
        _refuse(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
    sock.set_inheritable(True)
    return sock


def _refuse(message: str) -> NoReturn:
    err.print(message, markup=False)
    raise typer.Exit(code=2)
