"""`hub serve`: the API and webhook server, on the embedded default or PostgreSQL."""

from __future__ import annotations

import typer
import uvicorn

from hub.api.app import create_app
from hub.cli.common import Loaded, open_database, out
from hub.cli.listen import bind
from hub.logs import configure


def serve(loaded: Loaded, host: str | None, port: int | None) -> None:
    """Prepare the database and run the server until interrupted."""
    config = loaded.config
    configure(config.logging.level, config.logging.format)
    bind_host, bind_port = host or config.server.host, port or config.server.port
    sock = bind(bind_host, bind_port)  # before anything says "serving"
    try:
        engine = open_database(config)
    except typer.Exit:
        sock.close()
        raise
    connectors = ", ".join(cid for cid, c in config.connectors.items() if c.enabled)
    out.print(f"hub serving on http://{bind_host}:{bind_port} (docs at /docs); config "
              f"{loaded.path or 'none (the defaults)'}, database {config.database.display_url}, "
              f"connectors: {connectors or 'none'}")
    app = create_app(config, engine, loaded.registry, background=True)
    server = uvicorn.Server(uvicorn.Config(app, host=bind_host, port=bind_port, log_config=None,
                                           access_log=config.logging.level == "debug"))
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
        engine.dispose()
    if not server.started:  # the app could not start (its log says why)
        raise typer.Exit(code=1)
