"""JQL against the sandbox's issues: what each clause means for each field, Jira's
minute-granular date comparison, ORDER BY, and the value errors Jira answers with.

Dates are read in the searching user's time zone and compared at minute precision, as Jira
does: `updated > "2026/11/21 10:00"` leaves out an issue updated at 10:00:30.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from connectors.jira.sandbox.catalog import (
    BUDGET_OPTIONS,
    BUDGET_STATUS,
    CATEGORIES,
    ISSUE_TYPES,
    PRIORITIES,
    RESOLUTIONS,
    STORY_POINTS,
    lookup,
)
from connectors.jira.sandbox.jql import And as AndNode
from connectors.jira.sandbox.jql import Clause, Empty, Function, JqlError, Node, Value
from connectors.jira.sandbox.jql import Not as NotNode
from connectors.jira.sandbox.jql import Or as OrNode
from connectors.jira.sandbox.model import MINUTE_MS, Issue, User, to_ms
from hub.mapping.adf import adf_to_text

if TYPE_CHECKING:
    from connectors.jira.sandbox.state import JiraState

Predicate = Callable[[Issue], bool]
EQUALITY = ("=", "!=", "in", "not in", "is", "is not")
RANGE = ("<", "<=", ">", ">=")
_DATE_FORMATS = ("%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M", "%Y/%m/%d", "%Y-%m-%d")
_PERIOD = re.compile(r"^([-+]?)\s*((?:\d+\s*[wdhm]\s*)+)$", re.IGNORECASE)
_PERIOD_PART = re.compile(r"(\d+)\s*([wdhm])", re.IGNORECASE)
_PROPERTY = re.compile(r"^issue\.property\[([^\]]+)\](?:\.(.+))?$", re.IGNORECASE)
_UNITS = {"w": 7 * 1440, "d": 1440, "h": 60, "m": 1}
_RANGE_TESTS: dict[str, Callable[[Any, Any], bool]] = {
    "<": lambda a, b: bool(a < b), "<=": lambda a, b: bool(a <= b),
    ">": lambda a, b: bool(a > b), ">=": lambda a, b: bool(a >= b)}
_DATE_FIELDS: dict[str, Callable[[Issue], int | None]] = {
    "updated": lambda i: i.updated, "updateddate": lambda i: i.updated,
    "created": lambda i: i.created, "createddate": lambda i: i.created,
    "resolved": lambda i: i.resolved, "resolutiondate": lambda i: i.resolved,
    "statuscategorychangeddate": lambda i: i.category_changed,
}


@dataclass
class _Field:
    """How one JQL field reads an issue: `get` gives comparable values, `resolve` turns a
    literal into one (raising Jira's error when it names nothing)."""

    name: str
    get: Callable[[Issue], list[Any]]
    resolve: Callable[[str], Any]
    ops: tuple[str, ...] = EQUALITY
    dates: bool = False


class Compiler:
    """Turns a parsed query into a predicate and a sort key for one searching user."""

    def __init__(self, site: JiraState, caller: User | None, now_ms: int) -> None:
        self.site = site
        self.caller = caller
        self.now = now_ms
        self.zone: tzinfo = caller.zone if caller else site.default_zone

    # -- conditions ------------------------------------------------------------------------
    def predicate(self, node: Node) -> Predicate:
        """A function telling whether an issue matches `node`."""
        if isinstance(node, AndNode):
            parts = [self.predicate(p) for p in node.parts]
            return lambda issue: all(p(issue) for p in parts)
        if isinstance(node, OrNode):
            parts = [self.predicate(p) for p in node.parts]
            return lambda issue: any(p(issue) for p in parts)
        if isinstance(node, NotNode):
            inner = self.predicate(node.part)
            return lambda issue: not inner(issue)
        return self.clause(node)

    def clause(self, clause: Clause) -> Predicate:
        """One `field op operand` clause."""
        name = clause.field
        field = self.field(name)
        if clause.op not in field.ops:
            raise JqlError(f"The operator '{clause.op.upper()}' is not supported by the "
                           f"'{name}' field.")
        operand = clause.operand
        get = field.get
        if isinstance(operand, Empty):
            if clause.op in ("is", "="):
                return lambda issue: not get(issue)
            if clause.op in ("is not", "!="):
                return lambda issue: bool(get(issue))
            raise JqlError(f"The operator '{clause.op.upper()}' does not support the value "
                           "EMPTY.")
        items = operand if isinstance(operand, tuple) else (operand,)
        wanted = [None if isinstance(v, Empty) else self.literal(field, v) for v in items]
        if clause.op in ("~", "!~"):
            words = [word for w in wanted if w is not None for word in str(w).split()]

            def contains(issue: Issue) -> bool:
                texts = get(issue)
                found = all(any(w in text for text in texts) for w in words)
                return found if clause.op == "~" else bool(texts) and not found
            return contains
        if clause.op in RANGE:
            bound, op = wanted[0], clause.op

            def within(issue: Issue) -> bool:
                return any(_RANGE_TESTS[op](value, bound) for value in get(issue))
            return within
        targets = set(wanted)
        has_empty = None in targets
        targets.discard(None)
        if clause.op in ("=", "in"):
            return lambda issue: (not targets.isdisjoint(get(issue))
                                  or (has_empty and not get(issue)))

        def differs(issue: Issue) -> bool:
            values = get(issue)
            return bool(values) and targets.isdisjoint(values)  # Jira's != skips empty fields
        return differs

    def literal(self, field: _Field, value: Value | Function) -> Any:
        """A literal or function result as the field compares it."""
        if isinstance(value, Function):
            return self.function(field, value)
        return field.resolve(value.text)

    def function(self, field: _Field, call: Function) -> Any:
        """The JQL functions the sandbox knows."""
        name = call.name.lower()
        if name == "currentuser" and field.name in ("assignee", "reporter", "creator"):
            return self.caller.account_id if self.caller else None
        if name in ("now", "startofday", "endofday") and field.dates:
            moment = datetime.fromtimestamp(self.now / 1000, self.zone)
            if call.args:
                moment += timedelta(minutes=self.period_minutes(call.args[0], field.name))
            if name == "startofday":
                moment = moment.replace(hour=0, minute=0, second=0, microsecond=0)
            elif name == "endofday":
                moment = moment.replace(hour=23, minute=59, second=0, microsecond=0)
            return to_ms(moment) // MINUTE_MS * MINUTE_MS
        raise JqlError(f"Unable to find JQL function '{call.name}()'.")

    # -- fields ----------------------------------------------------------------------------
    def field(self, name: str) -> _Field:
        """What `name` means in a clause; Jira's error for a field it does not know."""
        low = name.lower()
        if low in _DATE_FIELDS:
            get_ms = _DATE_FIELDS[low]
            return _Field(low, lambda i: _minute(get_ms(i)), lambda text: self.date(text, name),
                          EQUALITY + RANGE, dates=True)
        if low in ("due", "duedate"):
            return _Field(low, self.due, lambda text: self.date(text, name), EQUALITY + RANGE,
                          dates=True)
        if low in ("key", "issuekey", "issue", "id"):
            return _Field(low, lambda i: [i.id], lambda text: self.issue_id(text, name))
        if low == "project":
            return _Field(low, lambda i: [i.project.id], self.project)
        if low == "status":
            return _Field(low, lambda i: [i.status.name.casefold()],
                          lambda text: self.status(text, name))
        if low == "statuscategory":
            return _Field(low, lambda i: [i.status.category], self.category)
        if low in ("assignee", "reporter", "creator"):
            return _Field(low, _user_getter(low), lambda text: self.user(text, name))
        if low == "priority":
            return _Field(low, lambda i: _some(i.values.get("priority")),
                          lambda text: _known(lookup(PRIORITIES, text), text, name))
        if low == "resolution":
            return _Field(low, lambda i: _some(i.resolution), self.resolution)
        if low in ("issuetype", "type"):
            types = {k: v[0] for k, v in ISSUE_TYPES.items()}
            return _Field(low, lambda i: [i.issuetype],
                          lambda text: _known(lookup(types, text), text, name))
        if low == "labels":
            return _Field(low, lambda i: list(i.values.get("labels") or []), lambda text: text)
        if low == "parent":
            return _Field(low, lambda i: _some(i.values.get("parent")),
                          lambda text: self.issue_id(text, name))
        if low in ("summary", "description", "text"):
            return _Field(low, _text_getter(low), lambda text: text.casefold(),
                          ("~", "!~", "is", "is not"))
        if low in (f"cf[{STORY_POINTS[12:]}]", STORY_POINTS, "story point estimate"):
            return _Field(low, lambda i: _some(i.values.get(STORY_POINTS)),
                          lambda text: _number(text, name), EQUALITY + RANGE)
        if low in (f"cf[{BUDGET_STATUS[12:]}]", BUDGET_STATUS, "hub budget status"):
            return _Field(low, lambda i: _some(i.values.get(BUDGET_STATUS)),
                          lambda text: _option(text, name))
        if match := _PROPERTY.match(name):
            key, path = match.group(1), (match.group(2) or "").split(".")
            return _Field(low, lambda i: _property(i, key, path), lambda text: text)
        raise JqlError(f"Field '{name}' does not exist or you do not have permission to view "
                       "it.")

    def date(self, text: str, field: str) -> int:
        """A JQL date literal (absolute or a period such as `-5d`) as epoch ms, minute-aligned."""
        stripped = text.strip()
        for pattern in _DATE_FORMATS:
            try:
                moment = datetime.strptime(stripped, pattern).replace(tzinfo=self.zone)
            except ValueError:
                continue
            return to_ms(moment)
        minutes = self.period_minutes(stripped, field)
        return (self.now + minutes * MINUTE_MS) // MINUTE_MS * MINUTE_MS

    def period_minutes(self, text: str, field: str) -> int:
        """Minutes in a period such as `-5d` or `4w 2d`."""
        match = _PERIOD.match(text.strip())
        if not match:
            raise JqlError(f"Date value '{text}' for field '{field}' is invalid. Valid "
                           "formats include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', "
                           "'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'.")
        total = sum(int(n) * _UNITS[unit.lower()] for n, unit in _PERIOD_PART.findall(text))
        return -total if match.group(1) == "-" else total

    def due(self, issue: Issue) -> list[int]:
        """The due date as midnight in the searcher's zone."""
        value = issue.values.get("duedate")
        if not value:
            return []
        return [to_ms(datetime.fromisoformat(value).replace(tzinfo=self.zone))]

    def issue_id(self, text: str, field: str) -> int:
        """The issue a key or id names; Jira refuses keys that do not exist."""
        found = self.site.find(text)
        if found is None:
            raise JqlError(f"An issue with key '{text}' does not exist for field '{field}'.")
        return found.id

    def project(self, text: str) -> int:
        """A project by key, name or id."""
        low = text.casefold()
        for project in self.site.projects.values():
            if low in (project.key.casefold(), project.name.casefold(), str(project.id)):
                return project.id
        raise JqlError(f"The value '{text}' does not exist for the field 'project'.")

    def status(self, text: str, field: str) -> str:
        """A status by name or id, in any project's workflow."""
        for project in self.site.projects.values():
            found = project.workflow.find(text)
            if found is not None:
                return found.name.casefold()
        raise JqlError(f"The value '{text}' does not exist for the field '{field}'.")

    def category(self, text: str) -> str:
        """A status category by key, name or id."""
        for key, category in CATEGORIES.items():
            if text.casefold() in (key, category.name.casefold(), str(category.id)):
                return key
        raise JqlError(f"The value '{text}' does not exist for the field 'statusCategory'.")

    def user(self, text: str, field: str) -> str:
        """An account by id, e-mail or display name."""
        found = self.site.user(text) or self.site.user_by_email(text) or next(
            (u for u in self.site.users.values()
             if u.display_name.casefold() == text.casefold()), None)
        if found is None:
            raise JqlError(f"The value '{text}' does not exist for the field '{field}'.")
        return found.account_id

    def resolution(self, text: str) -> str | None:
        """A resolution by name or id; `Unresolved` matches issues without one."""
        if text.casefold() == "unresolved":
            return None
        return _known(lookup(RESOLUTIONS, text), text, "resolution")

    # -- order -----------------------------------------------------------------------------
    def sort(self, issues: list[Issue], order: Iterable[tuple[str, bool]]) -> list[Issue]:
        """Issues in ORDER BY order (default: created, newest first), ties by id."""
        keys = list(order) or [("created", True)]
        issues.sort(key=lambda i: i.id, reverse=keys[0][1])
        for name, descending in reversed(keys):
            key = self.sort_key(name)
            present = [i for i in issues if key(i) is not None]
            missing = [i for i in issues if key(i) is None]
            present.sort(key=key, reverse=descending)
            issues = present + missing  # Jira puts empty values last
        return issues

    def sort_key(self, name: str) -> Callable[[Issue], Any]:
        """What ORDER BY `name` sorts on."""
        low = name.lower()
        if low in _DATE_FIELDS:
            return _DATE_FIELDS[low]
        keys: dict[str, Callable[[Issue], Any]] = {
            "key": lambda i: (i.project.key, i.number), "id": lambda i: i.id,
            "due": lambda i: i.values.get("duedate"),
            "duedate": lambda i: i.values.get("duedate"),
            "priority": lambda i: i.values.get("priority"),
            "summary": lambda i: i.values.get("summary", "").casefold(),
            "status": lambda i: i.status.name, "project": lambda i: i.project.key,
            "assignee": lambda i: i.values.get("assignee"),
            f"cf[{STORY_POINTS[12:]}]": lambda i: i.values.get(STORY_POINTS)}
        keys["issuekey"] = keys["key"]
        if low in keys:
            return keys[low]
        self.field(name)  # a field Jira knows but cannot sort on, or one it does not know
        raise JqlError(f"Field '{name}' does not support sorting.")


def _minute(ms: int | None) -> list[int]:
    return [] if ms is None else [ms // MINUTE_MS * MINUTE_MS]


def _some(value: Any) -> list[Any]:
    return [] if value is None else [value]


def _known(found: str | None, text: str, field: str) -> str:
    if found is None:
        raise JqlError(f"The value '{text}' does not exist for the field '{field}'.")
    return found


def _number(text: str, field: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise JqlError(f"The value '{text}' is not a valid number for the field "
                       f"'{field}'.") from None


def _option(text: str, field: str) -> str:
    found = lookup(BUDGET_OPTIONS, {"value": text}) or lookup(BUDGET_OPTIONS, {"id": text})
    if found is None:
        raise JqlError(f"The option '{text}' for field '{field}' does not exist.")
    return found


def _user_getter(name: str) -> Callable[[Issue], list[Any]]:
    if name == "creator":
        return lambda i: _some(i.creator)
    return lambda i: _some(i.values.get(name))


def _text_getter(name: str) -> Callable[[Issue], list[str]]:
    def get(issue: Issue) -> list[str]:
        summary = issue.values.get("summary") or ""
        described = adf_to_text(issue.values.get("description")) if name != "summary" else ""
        texts = {"summary": [summary], "description": [described or ""],
                 "text": [summary, described or ""]}[name]
        return [t.casefold() for t in texts if t]
    return get


def _property(issue: Issue, key: str, path: list[str]) -> list[str]:
    value: Any = issue.properties.get(key)
    for part in path:
        if not part:
            continue
        value = value.get(part) if isinstance(value, dict) else None
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [str(v).lower() if isinstance(v, bool) else str(v) for v in items]
