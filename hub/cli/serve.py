"""`hub serve`: the API and webhook server, on the embedded default or PostgreSQL."""

from __future__ import annotations

import typer
import uvicorn

from hub.api.app import create_app
from hub.cli.common import Loaded, err, open_database, out
from hub.cli.listen import bind
from hub.logs import configure

WORKERS_NEED_POSTGRES = ("{file}runner: the job queue needs PostgreSQL, and database.url is "
                         "SQLite: `hub serve` runs the jobs itself there (drop --no-workers), or "
                         "set database.url to postgresql://... to scale out")


def serve(loaded: Loaded, host: str | None, port: int | None, no_workers: bool = False) -> int:
    """Prepare the database and run the server until interrupted; returns the exit code."""
    config = loaded.config
    queue = no_workers or config.runner == "queue"
    if queue and config.database.is_sqlite:
        err.print(WORKERS_NEED_POSTGRES.format(file=f"{loaded.path} " if loaded.path else ""),
                  markup=False)
        return 2
    configure(config.logging.level, config.logging.format)
    bind_host, bind_port = host or config.server.host, port or config.server.port
    sock = bind(bind_host, bind_port)  # before anything says "serving"
    try:
        engine = open_database(config)
    except typer.Exit:
        sock.close()
        raise
    connectors = ", ".join(cid for cid, c in config.connectors.items() if c.enabled)
    jobs = "jobs queued for `hub worker` processes" if queue else "jobs run here"
    out.print(f"hub serving on http://{bind_host}:{bind_port} (docs at /docs); config "
              f"{loaded.path or 'none (the defaults)'}, database {config.database.display_url}, "
              f"connectors: {connectors or 'none'}; {jobs}")
    app = create_app(config, engine, loaded.registry, background=not queue, queue=queue)
    server = uvicorn.Server(uvicorn.Config(app, host=bind_host, port=bind_port, log_config=None,
                                           access_log=config.logging.level == "debug"))
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
        engine.dispose()
    return 0 if server.started else 1  # not started: the app could not (its log says why)
