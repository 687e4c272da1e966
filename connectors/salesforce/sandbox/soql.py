"""The SOQL the sandbox answers: what the hub and the common extractors send, no more.

    SELECT f1, f2, Owner.Email FROM Opportunity
      [WHERE cond [AND|OR cond]...] [ORDER BY f [ASC|DESC], ...] [LIMIT n] [OFFSET n]

A condition is `field op literal` (op: = != < <= > >=, IN (...)), literals are 'quoted
strings', numbers, true/false, null, dates (2026-05-01) and date-times (2026-05-01T09:00:00Z or
+hh:mm / +hhmm, optionally with milliseconds). Anything else is Salesforce's MALFORMED_QUERY.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

_TOKEN = re.compile(r"""\s*(?:
    (?P<string>'(?:[^'\\]|\\.)*')
  | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:?\d{2}))
  | (?P<date>\d{4}-\d{2}-\d{2})
  | (?P<number>-?\d+(?:\.\d+)?)
  | (?P<op>!=|<=|>=|=|<|>|\(|\)|,)
  | (?P<word>[A-Za-z_][A-Za-z0-9_.]*)
)""", re.VERBOSE)
_KEYWORDS = {"select", "from", "where", "and", "or", "order", "by", "asc", "desc", "limit",
             "offset", "in", "not", "nulls", "first", "last", "true", "false", "null"}


class MalformedQuery(ValueError):
    """A query Salesforce would refuse (MALFORMED_QUERY), with its reason."""


@dataclass
class Query:
    """A parsed SELECT."""

    fields: list[str]
    sobject: str
    where: Callable[[dict[str, Any]], bool] | None = None
    order: list[tuple[str, bool]] = field(default_factory=list)  # (field, descending)
    limit: int | None = None
    offset: int = 0
    where_fields: set[str] = field(default_factory=set)


def parse_time(text: str) -> datetime:
    """A SOQL or API date-time literal as an aware datetime."""
    value = text.replace("Z", "+00:00")
    if re.search(r"[+-]\d{4}$", value):
        value = value[:-2] + ":" + value[-2:]
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        found = _TOKEN.match(text, pos)
        if not found or found.end() == pos:
            raise MalformedQuery(f"unexpected token: '{text[pos:pos + 20].strip()}'")
        kind = found.lastgroup or ""
        out.append((kind, found.group(kind)))
        pos = found.end()
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens, self.at = _tokens(text), 0
        self.fields_used: set[str] = set()

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def next(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise MalformedQuery("unexpected end of query")
        self.at += 1
        return token

    def keyword(self, *words: str) -> bool:
        token = self.peek()
        if token and token[0] == "word" and token[1].lower() in words:
            self.at += 1
            return True
        return False

    def expect(self, word: str) -> None:
        if not self.keyword(word):
            found = self.peek()
            raise MalformedQuery(f"expecting '{word.upper()}', found "
                                 f"'{found[1] if found else 'end of query'}'")

    def name(self) -> str:
        kind, text = self.next()
        if kind != "word" or text.lower() in _KEYWORDS:
            raise MalformedQuery(f"unexpected token: '{text}'")
        return text

    def query(self) -> Query:
        self.expect("select")
        fields = [self.name()]
        while self.peek() == ("op", ","):
            self.next()
            fields.append(self.name())
        self.expect("from")
        query = Query(fields, self.name())
        if self.keyword("where"):
            query.where = self.disjunction()
        if self.keyword("order"):
            self.expect("by")
            while True:
                name = self.name()
                descending = self.keyword("desc")
                if not descending:
                    self.keyword("asc")
                if self.keyword("nulls"):
                    self.keyword("first", "last")
                query.order.append((name, descending))
                if self.peek() != ("op", ","):
                    break
                self.next()
        if self.keyword("limit"):
            query.limit = self.whole()
        if self.keyword("offset"):
            query.offset = self.whole()
        if self.peek() is not None:
            raise MalformedQuery(f"unexpected token: '{self.next()[1]}'")
        query.where_fields = self.fields_used
        return query

    def whole(self) -> int:
        kind, text = self.next()
        if kind != "number" or "." in text:
            raise MalformedQuery(f"expecting a whole number, found '{text}'")
        return int(text)

    def disjunction(self) -> Callable[[dict[str, Any]], bool]:
        parts = [self.conjunction()]
        while self.keyword("or"):
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else (lambda r: any(p(r) for p in parts))

    def conjunction(self) -> Callable[[dict[str, Any]], bool]:
        parts = [self.condition()]
        while self.keyword("and"):
            parts.append(self.condition())
        return parts[0] if len(parts) == 1 else (lambda r: all(p(r) for p in parts))

    def condition(self) -> Callable[[dict[str, Any]], bool]:
        if self.peek() == ("op", "("):
            self.next()
            inner = self.disjunction()
            if self.next() != ("op", ")"):
                raise MalformedQuery("expecting ')'")
            return inner
        name = self.name()
        self.fields_used.add(name)
        negate = self.keyword("not")
        if self.keyword("in"):
            if self.next() != ("op", "("):
                raise MalformedQuery("expecting '(' after IN")
            values = [self.literal()]
            while self.peek() == ("op", ","):
                self.next()
                values.append(self.literal())
            if self.next() != ("op", ")"):
                raise MalformedQuery("expecting ')'")
            return lambda r: (_value(r, name) in values) != negate
        if negate:
            raise MalformedQuery("expecting 'IN' after NOT")
        kind, op = self.next()
        if kind != "op" or op in "(),":
            raise MalformedQuery(f"unexpected token: '{op}'")
        literal = self.literal()
        return lambda r: _compare(_value(r, name), op, literal)

    def literal(self) -> Any:
        kind, text = self.next()
        if kind == "string":
            return text[1:-1].replace("\\'", "'").replace("\\\\", "\\")
        if kind == "datetime":
            return parse_time(text)
        if kind == "date":
            return date.fromisoformat(text)
        if kind == "number":
            return float(text) if "." in text else int(text)
        if kind == "word" and text.lower() in ("true", "false"):
            return text.lower() == "true"
        if kind == "word" and text.lower() == "null":
            return None
        raise MalformedQuery(f"unexpected token: '{text}'")


def _value(record: dict[str, Any], name: str) -> Any:
    value = record.get(name)
    if isinstance(value, str) and len(value) >= 20 and value[4] == "-" and "T" in value:
        return parse_time(value)  # stored date-times compare as times
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        return date.fromisoformat(value)
    return value


def _compare(left: Any, op: str, right: Any) -> bool:
    if op == "=":
        return bool(left == right)
    if op == "!=":
        return bool(left != right)
    if left is None or right is None:
        return False
    try:
        return bool({"<": left < right, "<=": left <= right, ">": left > right,
                     ">=": left >= right}[op])
    except TypeError:
        return False


def parse(text: str) -> Query:
    """Parse a SOQL SELECT, or raise `MalformedQuery`."""
    return _Parser(text).query()


def sort_key(record: dict[str, Any], name: str) -> tuple[int, Any]:
    """Nulls first (SOQL's default for ascending), then the value."""
    value = _value(record, name)
    return (0, "") if value is None else (1, value)
