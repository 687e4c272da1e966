"""The rules of `config.yaml` (`rules:`) run with the derivations, each round (`hub.rules`)."""

from __future__ import annotations

from hub.rules.engine import run_round
from hub.sync.derive import ROUND_HOOKS

if run_round not in ROUND_HOOKS:
    ROUND_HOOKS.append(run_round)
