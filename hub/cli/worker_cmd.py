"""`hub worker`: run the hub's jobs from the job queue (the scaled-out mode, PostgreSQL)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from hub.cli.common import Loaded, err, open_database, out
from hub.store import migrate
from hub.sync.runtime import Runtime
from hub.sync.worker import QueueWorker

WORKER_NEEDS_POSTGRES = ("`hub worker` takes its jobs from PostgreSQL, and this is SQLite "
                         "(set database.url to postgresql://...; on SQLite `hub serve` runs "
                         "the jobs itself)")


def run_worker(loaded: Loaded, concurrency: int | None, alive_file: Path | None = None) -> int:
    """Run jobs until SIGINT or SIGTERM; returns the exit code."""
    config = loaded.config
    if config.database.is_sqlite:
        where = f"{loaded.path} " if loaded.path else ""
        err.print(f"{where}database.url: {WORKER_NEEDS_POSTGRES}", markup=False)
        return 2
    engine = open_database(config)
    try:
        behind = migrate.schema_behind(engine)
        if behind is not None:  # a newer schema is fine: the next release is rolling out
            err.print(f"hub worker can't start: {behind}", markup=False)
            return 1
        rt = Runtime(config, loaded.registry, engine)
        worker = QueueWorker(rt, concurrency=concurrency, alive_file=alive_file)
        out.print(f"hub worker {worker.name} running {worker.concurrency} jobs at once, "
                  f"database {config.database.display_url}")
        asyncio.run(worker.run())
    finally:
        engine.dispose()
    return 0
