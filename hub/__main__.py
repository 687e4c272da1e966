"""`python -m hub` is the `hub` command."""

from __future__ import annotations

from hub.cli.main import main

main()
