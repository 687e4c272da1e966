"""Editable issue fields: reading a value as Jira's API takes it (checked, with Jira's error
wording), applying `update` operations, and the changelog items a change produces."""

from __future__ import annotations

from datetime import date
from typing import Any, Protocol

from connectors.jira.sandbox.catalog import (
    BUDGET_OPTIONS,
    BUDGET_STATUS,
    EDITABLE,
    FIELD_NAMES,
    PRIORITIES,
    RESOLUTIONS,
    STORY_POINTS,
    lookup,
)
from connectors.jira.sandbox.errors import JiraApiError, cannot_set, field_error
from connectors.jira.sandbox.model import Issue, User
from connectors.jira.sandbox.workflow import Status
from hub.mapping.adf import adf_to_text, text_to_adf

NOT_ADF = "Operation value must be an Atlassian Document (see the Atlassian Document Format)"


class Directory(Protocol):
    """What reading values needs from the site."""

    def user(self, account_id: str) -> User | None:
        """The account with this id."""

    def find(self, ref: str) -> Issue | None:
        """The issue with this id or key."""


def read_fields(site: Directory, fields: dict[str, Any], update: dict[str, Any],
                current: dict[str, Any], api_version: int,
                allowed: set[str] | frozenset[str] = frozenset(EDITABLE)) -> dict[str, Any]:
    """The new internal values that `fields` and `update` (Jira's edit body) ask for; 400 with
    every offending field named, as Jira does."""
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    for name in [*fields, *(n for n in update if n not in fields)]:
        if name not in allowed:
            errors.update(cannot_set(name).errors)
            continue
        if name in fields and name in update:
            errors[name] = (f"Field '{name}' cannot be set in both 'fields' and 'update'.")
            continue
        try:
            if name in fields:
                out[name] = read_value(site, name, fields[name], api_version)
            else:
                out[name] = _apply_ops(site, name, update[name], current.get(name), api_version)
        except JiraApiError as exc:
            errors.update(exc.errors)
    if errors:
        raise JiraApiError(400, errors=errors)
    return out


def _apply_ops(site: Directory, name: str, ops: Any, value: Any, api_version: int) -> Any:
    if not isinstance(ops, list):
        raise field_error(name, "Operation value must be a list of operations")
    for op in ops:
        if not isinstance(op, dict) or len(op) != 1:
            raise field_error(name, "Each operation must have exactly one verb")
        verb, arg = next(iter(op.items()))
        if verb == "set":
            value = read_value(site, name, arg, api_version)
        elif name == "labels" and verb in ("add", "remove"):
            label = _label(arg)
            labels = list(value or [])
            if verb == "add" and label not in labels:
                labels.append(label)
            elif verb == "remove" and label in labels:
                labels.remove(label)
            value = sorted(labels)
        else:
            raise field_error(name, f"Field '{name}' does not support operation '{verb}'")
    return value


def read_value(site: Directory, name: str, raw: Any, api_version: int) -> Any:
    """One field's value, from Jira's API form to the internal form."""
    if name == "summary":
        if not isinstance(raw, str) or not raw.strip():
            raise field_error(name, "You must specify a summary of the issue.")
        if "\n" in raw or "\r" in raw:
            raise field_error(name, "The summary is invalid because it contains newline "
                                    "characters.")
        if len(raw) > 255:
            raise field_error(name, "Summary must be less than 255 characters.")
        return raw
    if name == "description":
        return _description(raw, api_version)
    if name in ("assignee", "reporter"):
        return _account(site, name, raw)
    if name == "priority":
        if raw is None:
            return None
        found = lookup(PRIORITIES, raw)
        if found is None:
            raise field_error(name, "Specify a valid 'id' or 'name' for Priority")
        return found
    if name == "duedate":
        if raw in (None, ""):
            return None
        try:
            return date.fromisoformat(str(raw)).isoformat()
        except ValueError:
            raise field_error(name, f"Error parsing date string: {raw}") from None
    if name == "labels":
        if raw is None:
            return []
        if not isinstance(raw, list):
            raise field_error(name, "Operation value must be an array of strings")
        return sorted({_label(label) for label in raw})
    if name == "parent":
        return _parent(site, raw)
    if name == STORY_POINTS:
        if raw is not None and (isinstance(raw, bool) or not isinstance(raw, int | float)):
            raise field_error(name, "Operation value must be a number")
        return raw
    if name == BUDGET_STATUS:
        return _option(name, raw)
    raise cannot_set(name)


def _description(raw: Any, api_version: int) -> Any:
    if raw is None:
        return None
    if api_version == 2:
        if not isinstance(raw, str):
            raise field_error("description", "Operation value must be a string")
        return text_to_adf(raw) if raw.strip() else None
    if not isinstance(raw, dict) or raw.get("type") != "doc" or not isinstance(
            raw.get("content", []), list):
        raise field_error("description", NOT_ADF)
    return raw


def _account(site: Directory, name: str, raw: Any) -> str | None:
    if raw is None:
        return None
    account = raw.get("accountId", raw.get("id")) if isinstance(raw, dict) else None
    if not isinstance(account, str) or not account:
        raise field_error(name, "Specify the user by accountId")
    user = site.user(account)
    if user is None:
        raise field_error(name, f"User '{account}' does not exist.")
    if not user.active:
        raise field_error(name, f"User '{user.display_name}' cannot be assigned issues.")
    return account


def _parent(site: Directory, raw: Any) -> int | None:
    if raw is None:
        return None
    ref = raw.get("key", raw.get("id")) if isinstance(raw, dict) else None
    parent = site.find(str(ref)) if ref is not None else None
    if parent is None:
        raise field_error("parent", "Could not find issue by id or key.")
    return parent.id


def _option(name: str, raw: Any) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise field_error(name, "Specify a valid 'id' or 'value' for the option")
    found = lookup(BUDGET_OPTIONS, raw)
    if found is None:
        what = f"id '{raw['id']}'" if "id" in raw else f"value '{raw.get('value')}'"
        raise field_error(name, f"Option {what} is not valid")
    return found


def _label(raw: Any) -> str:
    if not isinstance(raw, str) or not raw:
        raise field_error("labels", "Labels must be non-empty strings")
    if " " in raw:
        raise field_error("labels", f"The label '{raw}' contains spaces which is invalid.")
    if len(raw) > 255:
        raise field_error("labels", "The label must not exceed 255 characters.")
    return raw


def resolution_id(raw: Any) -> str:
    """The resolution a transition body names; 400 when it names none that exists."""
    found = lookup(RESOLUTIONS, raw)
    if found is None:
        raise field_error("resolution", f"Resolution '{raw}' is not valid")
    return found


# -- changelog -------------------------------------------------------------------------------
def change_items(site: Directory, old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    """Changelog items for the fields whose value differs between `old` and `new`."""
    return [item(site, name, old.get(name), value) for name, value in new.items()
            if _normal(old.get(name)) != _normal(value)]


def _normal(value: Any) -> Any:
    return None if value in ([], "") else value


def item(site: Directory, name: str, old: Any, new: Any) -> dict[str, Any]:
    """One changelog item, shaped as Jira's (ids in from/to, display text in the strings)."""
    custom = name.startswith("customfield_")
    label = FIELD_NAMES.get(name, name) if custom else name
    if name == "parent":
        label = "IssueParentAssociation"
    raw_old, text_old = _display(site, name, old)
    raw_new, text_new = _display(site, name, new)
    return {"field": label, "fieldtype": "custom" if custom else "jira", "fieldId": name,
            "from": raw_old, "fromString": text_old, "to": raw_new, "toString": text_new}


def status_item(old: Status, new: Status) -> dict[str, Any]:
    """The changelog item of a transition."""
    return {"field": "status", "fieldtype": "jira", "fieldId": "status", "from": old.id,
            "fromString": old.name, "to": new.id, "toString": new.name}


def resolution_item(old: str | None, new: str | None) -> dict[str, Any]:
    """The changelog item of a resolution being set or cleared."""
    return {"field": "resolution", "fieldtype": "jira", "fieldId": "resolution", "from": old,
            "fromString": RESOLUTIONS.get(old) if old else None, "to": new,
            "toString": RESOLUTIONS.get(new) if new else None}


def _display(site: Directory, name: str, value: Any) -> tuple[str | None, str | None]:
    if value is None or value == []:
        return None, None
    if name in ("assignee", "reporter"):
        user = site.user(value)
        return value, user.display_name if user else value
    if name == "priority":
        return value, PRIORITIES.get(value)
    if name == BUDGET_STATUS:
        return value, BUDGET_OPTIONS.get(value)
    if name == "duedate":
        return value, f"{value} 00:00:00.0"
    if name == "labels":
        return None, " ".join(value)
    if name == "description":
        return None, adf_to_text(value)
    if name == "parent":
        parent = site.find(str(value))
        return str(value), parent.key if parent else None
    if name == STORY_POINTS:
        return None, str(value)
    return None, str(value)
