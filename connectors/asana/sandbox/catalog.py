"""The custom fields every sandbox project carries, and the sections it starts with."""

from __future__ import annotations

SECTIONS = ["To do", "Doing", "Waiting", "Done"]
STATUS = "Status"
JIRA_KEY = "Jira key"
BUDGET_STATUS = "Budget status"
#: (name, type, enum option names)
FIELDS: list[tuple[str, str, list[str]]] = [
    (STATUS, "enum", ["To do", "Doing", "Waiting", "Done"]),
    (JIRA_KEY, "text", []),
    (BUDGET_STATUS, "enum", ["approved", "pending", "rejected", "over budget", "unknown"]),
]
#: friendly keyword names (Python API) for the fields above
ALIASES = {"status": STATUS, "jira_key": JIRA_KEY, "budget_status": BUDGET_STATUS}
COLORS = ["green", "yellow-orange", "blue", "red", "purple", "aqua"]
