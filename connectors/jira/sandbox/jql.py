"""A JQL parser for the subset the sandbox serves: clauses (`field op value`), AND, OR, NOT,
parentheses, lists, functions, EMPTY, and ORDER BY; with Jira's syntax error messages.

Keywords are case-insensitive; values may be quoted ("..." or '...') or bare. The parser knows
nothing about fields: `search` gives clauses their meaning.
"""

from __future__ import annotations

from dataclasses import dataclass

KEYWORDS = {"and", "or", "not", "in", "is", "empty", "null", "order", "by", "asc", "desc"}
OPERATORS = ("!=", "!~", ">=", "<=", "=", ">", "<", "~")
_RESERVED = set(";?%^$#@")  # reserved outside strings (Jira allows / . [ ] - in bare values)
_STOP = set(" \t\r\n()\"',=!<>~") | _RESERVED
_VALID_OPERATORS = ("The valid operators are '=', '!=', '<', '>', '<=', '>=', '~', '!~', 'IN', "
                    "'NOT IN', 'IS' and 'IS NOT'.")


class JqlError(ValueError):
    """A query Jira would refuse; `str(error)` is Jira's message."""


@dataclass(frozen=True)
class Value:
    """A literal; `quoted` tells "EMPTY" (a word) apart from EMPTY (the keyword)."""

    text: str
    quoted: bool = False


@dataclass(frozen=True)
class Function:
    """A JQL function call such as `currentUser()` or `now()`."""

    name: str
    args: tuple[str, ...] = ()


@dataclass(frozen=True)
class Empty:
    """EMPTY / NULL."""


Operand = Value | Function | Empty | tuple[Value | Function | Empty, ...]


@dataclass(frozen=True)
class Clause:
    """`field op operand`; `op` is lower case: =, !=, ~, in, not in, is, is not, <, >..."""

    field: str
    op: str
    operand: Operand


@dataclass(frozen=True)
class And:
    """All parts hold."""

    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    """Any part holds."""

    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    """The part does not hold."""

    part: Node


Node = Clause | And | Or | Not


@dataclass(frozen=True)
class Query:
    """A parsed query: the condition (None: every issue) and ORDER BY as (field, descending)."""

    where: Node | None
    order_by: tuple[tuple[str, bool], ...] = ()


@dataclass(frozen=True)
class _Token:
    kind: str  # word, str, op, (, ), ",", eof
    text: str
    at: int

    def keyword(self, *words: str) -> bool:
        return self.kind == "word" and self.text.lower() in words


def parse(text: str) -> Query:
    """Parse a JQL query; JqlError (with Jira's wording) when it is not valid."""
    return _Parser(text).query()


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.i = 0

    # -- helpers ---------------------------------------------------------------------------
    @property
    def peek(self) -> _Token:
        return self.tokens[self.i]

    def take(self) -> _Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def fail(self, expected: str, token: _Token, extra: str = "") -> JqlError:
        if token.kind == "eof":
            return JqlError(f"Error in the JQL Query: Expecting {expected} before the end of the "
                            f"query.{(' ' + extra) if extra else ''}")
        return JqlError(f"Error in the JQL Query: Expecting {expected} but got '{token.text}'."
                        f"{(' ' + extra) if extra else ''} {_where(self.text, token.at)}")

    # -- grammar ---------------------------------------------------------------------------
    def query(self) -> Query:
        where = None if self.peek.kind == "eof" or self.peek.keyword("order") else self.or_()
        order: list[tuple[str, bool]] = []
        if self.peek.keyword("order"):
            self.take()
            if not self.peek.keyword("by"):
                raise self.fail("'BY'", self.peek)
            self.take()
            while True:
                order.append(self.sort_item())
                if self.peek.kind != ",":
                    break
                self.take()
        if self.peek.kind != "eof":
            raise self.fail("either 'OR' or 'AND'", self.peek)
        return Query(where, tuple(order))

    def sort_item(self) -> tuple[str, bool]:
        token = self.take()
        if token.kind not in ("word", "str") or (token.kind == "word" and token.text.lower()
                                                  in KEYWORDS):
            raise self.fail("a field name", token)
        descending = False
        if self.peek.keyword("asc", "desc"):
            descending = self.take().text.lower() == "desc"
        return token.text, descending

    def or_(self) -> Node:
        parts = [self.and_()]
        while self.peek.keyword("or", "||"):
            self.take()
            parts.append(self.and_())
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def and_(self) -> Node:
        parts = [self.unary()]
        while self.peek.keyword("and", "&&"):
            self.take()
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def unary(self) -> Node:
        if self.peek.keyword("not"):
            self.take()
            return Not(self.unary())
        if self.peek.kind == "(":
            self.take()
            inner = self.or_()
            if self.peek.kind != ")":
                raise self.fail("')'", self.peek)
            self.take()
            return inner
        return self.clause()

    def clause(self) -> Clause:
        token = self.take()
        if token.kind == "str" or (token.kind == "word" and token.text.lower() not in KEYWORDS):
            field = token.text
        else:
            raise self.fail("a field name", token)
        op = self.operator()
        if op in ("is", "is not"):
            if not self.peek.keyword("empty", "null"):
                raise self.fail("'EMPTY' or 'NULL'", self.peek)
            self.take()
            return Clause(field, op, Empty())
        if op in ("in", "not in"):
            return Clause(field, op, self.list_or_function())
        return Clause(field, op, self.operand())

    def operator(self) -> str:
        token = self.peek
        if token.kind == "op":
            self.take()
            return token.text
        if token.keyword("in"):
            self.take()
            return "in"
        if token.keyword("is"):
            self.take()
            if self.peek.keyword("not"):
                self.take()
                return "is not"
            return "is"
        if token.keyword("not") and self.tokens[self.i + 1].keyword("in"):
            self.i += 2
            return "not in"
        raise self.fail("operator", token, _VALID_OPERATORS)

    def list_or_function(self) -> Operand:
        if self.peek.kind != "(":
            single = self.operand()
            if isinstance(single, Function):
                return single
            raise self.fail("'('", self.tokens[self.i - 1])
        self.take()
        items: list[Value | Function | Empty] = []
        while True:
            item = self.operand()
            assert not isinstance(item, tuple)  # operand() never returns a list
            items.append(item)
            if self.peek.kind == ",":
                self.take()
                continue
            if self.peek.kind != ")":
                raise self.fail("')'", self.peek)
            self.take()
            return tuple(items)

    def operand(self) -> Operand:
        token = self.peek
        if token.kind == "str":
            self.take()
            return Value(token.text, quoted=True)
        if token.keyword("empty", "null"):
            self.take()
            return Empty()
        if token.kind == "word" and token.text.lower() not in KEYWORDS:
            self.take()
            if self.peek.kind == "(":
                return self.function(token.text)
            return Value(token.text)
        extra = ""
        if token.kind == "word":
            extra = f"You must surround '{token.text}' in quotation marks to use it as a value."
        raise self.fail("either a value, list or function", token, extra)

    def function(self, name: str) -> Function:
        self.take()  # (
        args: list[str] = []
        while self.peek.kind != ")":
            token = self.take()
            if token.kind not in ("word", "str"):
                raise self.fail("')'", token)
            args.append(token.text)
            if self.peek.kind == ",":
                self.take()
        self.take()
        return Function(name, tuple(args))


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char.isspace():
            i += 1
        elif char in "(),":
            tokens.append(_Token(char, char, i))
            i += 1
        elif char in "\"'":
            i = _string(text, i, tokens)
        elif op := next((o for o in OPERATORS if text.startswith(o, i)), None):
            tokens.append(_Token("op", op, i))
            i += len(op)
        elif char in _STOP:
            raise JqlError(f"Error in the JQL Query: The character '{char}' is a reserved JQL "
                           f"character. You must enclose it in a string or use the escape "
                           f"'\\u{ord(char):04x}' instead. {_where(text, i)}")
        else:
            start = i
            while i < n and text[i] not in _STOP:
                i += 1
            tokens.append(_Token("word", text[start:i], start))
    tokens.append(_Token("eof", "", n))
    return tokens


def _string(text: str, start: int, tokens: list[_Token]) -> int:
    quote, i, out = text[start], start + 1, []
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            out.append({"n": "\n", "t": "\t", "r": "\r"}.get(text[i + 1], text[i + 1]))
            i += 2
            continue
        if char == quote:
            tokens.append(_Token("str", "".join(out), start))
            return i + 1
        out.append(char)
        i += 1
    raise JqlError(f"Error in the JQL Query: The quoted string '{''.join(out)}' has not been "
                   f"completed. {_where(text, start)}")


def _where(text: str, offset: int) -> str:
    """Jira's `(line L, character C)`, 1-based."""
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return f"(line {line}, character {column})"
