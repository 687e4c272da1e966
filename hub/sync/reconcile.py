"""Per-field reconciliation: given what a tool now says, what the hub holds, and what that tool
held before (its shadow), decide what is true under the field's policy. Pure: no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hub.config.sync import FieldPolicy, OwnerPolicy
from hub.store.sync import ConflictState


@dataclass(frozen=True)
class Decision:
    """What to do with one changed field."""

    apply: bool  # the canonical value becomes the tool's value
    concurrent: bool  # the hub's value also moved since this tool's shadow
    conflict: ConflictState | None  # record a conflict row in this state
    reason: str


def decide(policy: FieldPolicy, *, source: str, new: Any, current: Any, base: Any,
           new_time: datetime | None, current_time: datetime | None,
           current_source: str | None, exact: bool = False) -> Decision:
    """Reconcile one field a tool changed (`new` differs from its shadow `base`).

    A change is concurrent when the canonical value moved away from this tool's shadow and
    the tool changed it to something else; every concurrent change leaves a conflict row.
    `exact` says both times are the fields' own (not whole-record) change times: then an edit
    older than the hub's value loses under `latest` even when the hub's value came back to
    what this tool last held.
    """
    concurrent = current != base and new != current
    settled = ConflictState.resolved if concurrent else None
    if isinstance(policy, OwnerPolicy):
        if source == policy.owner:
            return Decision(True, concurrent, settled, f"{source} owns the field")
        if current_source is None or (current is None and current_source != policy.owner):
            # Nothing from the owner yet (the value is empty, or a placeholder no source
            # set, such as a person's name made from their e-mail): hold the tool's value
            # until the owner speaks.
            return Decision(True, concurrent, settled, f"provisional until {policy.owner} sets it")
        return Decision(False, concurrent, settled, f"owned by {policy.owner}: reverted")
    if not concurrent:
        if policy == "latest" and exact and new_time and current_time and \
                new_time < current_time:
            # The hub's value was set again after this edit: the edit is the older one.
            return Decision(False, True, ConflictState.resolved,
                            "latest: the hub's value is newer")
        return Decision(True, False, None, "changed")
    if policy == "manual":
        return Decision(False, True, ConflictState.open, "concurrent edit: a person decides")
    if _newer(new_time, source, current_time, current_source):
        return Decision(True, True, settled, "latest: this edit is newer")
    return Decision(False, True, settled, "latest: the hub's value is newer")


def _newer(new_time: datetime | None, source: str, current_time: datetime | None,
           current_source: str | None) -> bool:
    if current_time is None:
        return True
    if new_time is None:
        return False
    if new_time != current_time:
        return new_time > current_time
    # Same instant: any fixed order works, as long as every replica picks the same winner.
    return source > (current_source or "")
