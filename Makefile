# The two commands: `make demo` runs the hub on its embedded default; `make test` passes the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Test processes: most tests wait on servers and subprocesses, so two share 2 cores well.
TEST_WORKERS ?= 2

.PHONY: install demo test lint typecheck test-sqlite test-postgres serve clean

$(STAMP): pyproject.toml setup.py
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed (set PYTHON=python3.11)")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@# Type checkers can't follow setuptools' editable import hook: a path entry lets mypy see
	@# hub and connectors, in this tree and in a plugin's own project using this venv.
	@$(BIN)/python -c 'import pathlib, site; pathlib.Path(site.getsitepackages()[0], "integration_hub_typing.pth").write_text(str(pathlib.Path.cwd()) + "\n")'
	@touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/hub demo

serve: install
	$(BIN)/hub serve

lint: install
	$(BIN)/ruff check .

typecheck: install
	$(BIN)/mypy hub connectors tests

test-sqlite: install
	@echo "== tests on SQLite =="
	HUB_TEST_BACKEND=sqlite $(BIN)/pytest -n $(TEST_WORKERS)

test-postgres: install
	@echo "== database tests on PostgreSQL ($${HUB_TEST_DATABASE_URL:-127.0.0.1:5432/test}) =="
	HUB_TEST_BACKEND=postgres $(BIN)/pytest -n $(TEST_WORKERS) -m db

test: lint typecheck test-sqlite test-postgres

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache *.egg-info
