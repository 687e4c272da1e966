"""The JQL parser of the Jira sandbox: precedence, lists, EMPTY, functions, ORDER BY, and
Jira's syntax error messages."""

from __future__ import annotations

import pytest

from connectors.jira.sandbox.jql import (
    And,
    Clause,
    Empty,
    Function,
    JqlError,
    Not,
    Or,
    Value,
    parse,
)


def test_and_binds_tighter_than_or() -> None:
    query = parse("project = RD OR project = LAUNCH AND status = Done")

    assert query.where == Or((
        Clause("project", "=", Value("RD")),
        And((Clause("project", "=", Value("LAUNCH")), Clause("status", "=", Value("Done"))))))


def test_parentheses_not_lists_and_keywords_in_any_case() -> None:
    query = parse("not (key In (RD-1, 'RD-2') or assignee IS not empty) "
                  "order BY updated desc, key")

    assert query.where == Not(Or((
        Clause("key", "in", (Value("RD-1"), Value("RD-2", quoted=True))),
        Clause("assignee", "is not", Empty()))))
    assert query.order_by == (("updated", True), ("key", False))


def test_quoted_values_functions_and_property_fields() -> None:
    query = parse('issue.property[hub].id = "a \\"b\\"" AND assignee = currentUser() '
                  'AND updated >= "2026/11/21 10:00" AND status not in (Done, EMPTY)')

    assert isinstance(query.where, And)
    prop, user, updated, status = query.where.parts
    assert prop == Clause("issue.property[hub].id", "=", Value('a "b"', quoted=True))
    assert user == Clause("assignee", "=", Function("currentUser"))
    assert updated == Clause("updated", ">=", Value("2026/11/21 10:00", quoted=True))
    assert status == Clause("status", "not in", (Value("Done"), Empty()))


def test_an_empty_query_matches_everything() -> None:
    assert parse("  ").where is None
    assert parse("ORDER BY created").order_by == (("created", False),)


@pytest.mark.parametrize(("jql", "message"), [
    ("project = ", "Error in the JQL Query: Expecting either a value, list or function before "
                   "the end of the query."),
    ("project = AND", "Error in the JQL Query: Expecting either a value, list or function but "
                      "got 'AND'. You must surround 'AND' in quotation marks to use it as a "
                      "value. (line 1, character 11)"),
    ("(project = RD", "Error in the JQL Query: Expecting ')' before the end of the query."),
    ("project = RD status = Done", "Error in the JQL Query: Expecting either 'OR' or 'AND' but "
                                   "got 'status'. (line 1, character 14)"),
    ("project in RD", "Error in the JQL Query: Expecting '(' but got 'RD'. "
                      "(line 1, character 12)"),
    ("assignee is Bob", "Error in the JQL Query: Expecting 'EMPTY' or 'NULL' but got 'Bob'. "
                        "(line 1, character 13)"),
    ("summary = a % b", "Error in the JQL Query: The character '%' is a reserved JQL "
                        "character. You must enclose it in a string or use the escape "
                        "'\\u0025' instead. (line 1, character 13)"),
    ("project = RD\nAND = 1", "Error in the JQL Query: Expecting a field name but got '='. "
                              "(line 2, character 5)"),
])
def test_syntax_errors_use_jiras_words(jql: str, message: str) -> None:
    with pytest.raises(JqlError) as info:
        parse(jql)

    assert str(info.value) == message
