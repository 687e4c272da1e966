"""`hub serve`: the API and webhook server, on the embedded default or PostgreSQL."""

from __future__ import annotations

import uvicorn

from hub.api.app import create_app
from hub.cli.common import Loaded, open_database, out
from hub.logs import configure


def serve(loaded: Loaded, host: str | None, port: int | None) -> None:
    """Prepare the database and run the server until interrupted."""
    config = loaded.config
    configure(config.logging.level, config.logging.format)
    engine = open_database(config)
    bind_host, bind_port = host or config.server.host, port or config.server.port
    out.print(f"hub serving on http://{bind_host}:{bind_port} "
              f"(docs at /docs), database {config.database.display_url}")
    app = create_app(config, engine, loaded.registry, background=True)
    uvicorn.run(app, host=bind_host, port=bind_port, log_config=None,
                access_log=config.logging.level == "debug")
    engine.dispose()
