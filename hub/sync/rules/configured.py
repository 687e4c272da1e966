"""Task risks and the rules of `config.yaml` (`rules:`) run with the derivations, each round
(`hub.rules`)."""

from __future__ import annotations

from hub.rules import engine, risks
from hub.sync.derive import ROUND_HOOKS

# Risks first: the rules see a risk raised in this round in the next one.
for hook in (risks.run_round, engine.run_round):
    if hook not in ROUND_HOOKS:
        ROUND_HOOKS.append(hook)
