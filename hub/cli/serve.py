"""`hub serve`: the API and webhook server, on the embedded default or PostgreSQL."""

from __future__ import annotations

import os

import typer
import uvicorn
from fastapi import FastAPI
from uvicorn.supervisors import Multiprocess

from hub.api.app import create_app
from hub.cli.common import Loaded, err, load, open_database, out
from hub.cli.listen import bind
from hub.logs import configure

WORKERS_NEED_POSTGRES = ("{file}runner: the job queue needs PostgreSQL, and database.url is "
                         "SQLite: `hub serve` runs the jobs itself there (drop --no-workers), or "
                         "set database.url to postgresql://... to scale out")
PROCESSES_NEED_QUEUE = ("--processes {n}: several serving processes need the job queue (the "
                        "jobs must not run in each): add --no-workers and run `hub worker` "
                        "processes (PostgreSQL), or serve with one process")


def serve(loaded: Loaded, host: str | None, port: int | None, no_workers: bool = False,
          processes: int = 1) -> int:
    """Prepare the database and run the server until interrupted (in `processes` processes
    sharing the port); returns the exit code."""
    config = loaded.config
    queue = no_workers or config.runner == "queue"
    if queue and config.database.is_sqlite:
        err.print(WORKERS_NEED_POSTGRES.format(file=f"{loaded.path} " if loaded.path else ""),
                  markup=False)
        return 2
    if processes > 1 and not queue:
        err.print(PROCESSES_NEED_QUEUE.format(n=processes), markup=False)
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
    access_log = config.logging.level == "debug"
    if processes > 1:
        engine.dispose()  # each process opens its own
        if loaded.path is not None:
            os.environ["HUB_CONFIG"] = str(loaded.path.resolve())  # what `replica_app` reads
        uvicorn_config = uvicorn.Config("hub.cli.serve:replica_app", factory=True,
                                        host=bind_host, port=bind_port, workers=processes,
                                        log_config=None, access_log=access_log)
        try:
            Multiprocess(uvicorn_config, sockets=[sock]).run()
        finally:
            sock.close()
        return 0
    app = create_app(config, engine, loaded.registry, background=not queue, queue=queue)
    server = uvicorn.Server(uvicorn.Config(app, host=bind_host, port=bind_port, log_config=None,
                                           access_log=access_log))
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
        engine.dispose()
    return 0 if server.started else 1  # not started: the app could not (its log says why)


def replica_app() -> FastAPI:
    """The app of one process of `hub serve --processes N` (uvicorn builds it in each): the
    config HUB_CONFIG names, jobs handed to the queue."""
    loaded = load(None, announce_defaults=False)
    engine = open_database(loaded.config)
    return create_app(loaded.config, engine, loaded.registry, background=False, queue=True)
