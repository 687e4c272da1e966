"""`hub serve`: the API and webhook server, on the embedded default or PostgreSQL."""

from __future__ import annotations

import logging

import uvicorn

from hub.api.app import create_app
from hub.cli.common import Loaded, out
from hub.logs import configure
from hub.store import migrate
from hub.store.db import is_sqlite, make_engine

log = logging.getLogger(__name__)


def serve(loaded: Loaded, host: str | None, port: int | None) -> None:
    """Prepare the database and run the server until interrupted."""
    config = loaded.config
    configure(config.logging.level, config.logging.format)
    url = config.database.url.get_secret_value()
    engine = make_engine(url)
    auto = config.database.auto_upgrade
    if auto if auto is not None else is_sqlite(url):
        before = migrate.current_revision(engine)
        migrate.upgrade(engine)
        after = migrate.current_revision(engine)
        if before != after:
            log.info("database %s upgraded: %s -> %s", config.database.display_url,
                     before or "empty", after)
    elif migrate.current_revision(engine) != migrate.head_revision(engine):
        log.warning("database schema is behind the code: run `hub db upgrade`; "
                    "/readyz answers 503 until then")
    bind_host, bind_port = host or config.server.host, port or config.server.port
    out.print(f"hub serving on http://{bind_host}:{bind_port} "
              f"(docs at /docs), database {config.database.display_url}")
    app = create_app(config, engine)
    uvicorn.run(app, host=bind_host, port=bind_port, log_config=None,
                access_log=config.logging.level == "debug")
    engine.dispose()
