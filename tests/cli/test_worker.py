"""`hub worker` and `hub serve --no-workers` need PostgreSQL: on SQLite they stop with a
message saying what to do, as `runner: queue` does at load time."""

from __future__ import annotations

from pathlib import Path

from tests.plugins import run_hub


def test_a_worker_on_sqlite_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text(f"database:\n  url: sqlite:///{tmp_path}/hub.db\n")

    worker = run_hub("worker", "-c", "config.yaml", cwd=tmp_path)
    serve = run_hub("serve", "--no-workers", "-c", "config.yaml", cwd=tmp_path)

    assert worker.returncode == 2
    assert "config.yaml database.url: `hub worker` takes its jobs from PostgreSQL, and this " \
           "is SQLite" in worker.stderr
    assert serve.returncode == 2
    assert "runner: the job queue needs PostgreSQL, and database.url is SQLite" in serve.stderr
    assert not (tmp_path / "hub.db").exists()  # nothing was started or created


def test_runner_queue_on_sqlite_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text(
        f"database:\n  url: sqlite:///{tmp_path}/hub.db\nrunner: queue\n")

    checked = run_hub("check", "-c", "config.yaml", cwd=tmp_path)

    assert checked.returncode == 2
    assert "config.yaml:3 runner: queue needs PostgreSQL, and database.url is SQLite" \
        in checked.stderr
