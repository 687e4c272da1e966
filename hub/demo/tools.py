"""The departments' tools for the demo: sandboxes of Jira, Asana, Trello, BambooHR and
Salesforce and a finance drop folder, seeded with the demo company; the sandboxes are served
over real HTTP.
The design team works on Trello: its cards for the launch name their Jira issue.

The sandboxes are found through the `hub.sandboxes` entry points, as `hub sandbox` finds them:
the demo names the tools it plays with, the hub's code imports none of them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hub.demo.cast import Company, DemoTask, Employee
from hub.demo.finance import budgets, write_export
from hub.demo.sales import DELIVERY, SalesOrg, running_org
from hub.sdk.registry import load_sandbox
from hub.testing.robots import RobotSandbox
from hub.testing.server import serve

JIRA_EMAIL = "integration-hub@aurora.example"
JIRA_TOKEN = "demo-jira-api-token"  # noqa: S105 - a sandbox's credential
JIRA_SECRET = "demo-jira-webhook-secret"  # noqa: S105
ASANA_TOKEN = "demo-asana-pat"  # noqa: S105
BAMBOO_KEY = "demo-bamboohr-api-key"
BAMBOO_SECRET = "demo-bamboohr-webhook-key"  # noqa: S105
TRELLO_KEY = "demo-trello-key"
TRELLO_TOKEN = "demo-trello-token"  # noqa: S105
TRELLO_SECRET = "demo-trello-app-secret"  # noqa: S105
DINGTALK_TOKEN = "demo-dingtalk-access-token"  # noqa: S105
DINGTALK_SECRET = "SECdemo-dingtalk-signing-secret"  # noqa: S105
CAMPAIGN = "Aurora launch campaign"
DESIGN = 6  # the first launch issues the design team also has cards for

_JIRA_STATUS = {"todo": "To Do", "in_progress": "In Progress", "in_review": "In Review",
                "done": "Done"}
_ASANA_SECTION = {"todo": "To do", "in_progress": "Doing", "in_review": "Doing",
                  "done": "Done"}
_TRELLO_LIST = {"todo": "To Do", "in_progress": "Doing", "in_review": "Review", "done": "Done"}


@dataclass
class Tools:
    """The running sandboxes and where the demo's objects are in them."""

    jira: Any  # the jira, asana, trello and bamboohr sandboxes (hub.sandboxes entry points)
    asana: Any
    trello: Any
    hr: Any
    jira_url: str
    asana_url: str
    trello_url: str
    hr_url: str
    finance_drop: Path
    asana_projects: dict[str, str] = field(default_factory=dict)  # name -> gid
    asana_codes: dict[str, str] = field(default_factory=dict)  # name -> the project's key
    #: (plan key, task index) -> Jira issue key / Asana task gid
    jira_keys: dict[tuple[str, int], str] = field(default_factory=dict)
    asana_gids: dict[tuple[str, int], str] = field(default_factory=dict)
    #: Jira issue key -> the design team's Trello card id
    trello_cards: dict[str, str] = field(default_factory=dict)
    #: Trello username -> e-mail (Trello shows e-mails to their owner only)
    trello_members: dict[str, str] = field(default_factory=dict)
    #: the R&D lead's DingTalk group robot (a local receiver checking the signature)
    robots: RobotSandbox | None = None
    robots_url: str = ""
    #: sales' Salesforce org, with a deal about to be won
    sales: SalesOrg | None = None

    def campaign_gid(self, jira_key: str) -> str:
        """The Asana campaign task that is the same work as a Jira issue."""
        for (plan, index), key in self.jira_keys.items():
            if key == jira_key and (plan, index) in self.asana_gids:
                return self.asana_gids[(plan, index)]
        raise KeyError(jira_key)


def asana_email(person: Employee) -> str:
    """Asana keeps the address as the person typed it at sign-up: other casing, same person."""
    local, _, domain = person.email.partition("@")
    return f"{local.title()}@{domain.title()}"


@contextmanager
def running_tools(company: Company, directory: Path) -> Iterator[Tools]:
    """Seed the sandboxes with `company` and serve them until the block ends; finance's drop
    folder is `directory`/finance-drop, with the year's first SAP export in it."""
    jira = load_sandbox("jira")(email=JIRA_EMAIL, token=JIRA_TOKEN, seed=7)
    asana = load_sandbox("asana")(token=ASANA_TOKEN, seed=7)
    hr = load_sandbox("bamboohr")(api_key=BAMBOO_KEY, company_domain="aurora", seed=7)
    designer = company.staff("Marketing")[3]  # the hub holds the design lead's token
    trello = load_sandbox("trello")(key=TRELLO_KEY, token=TRELLO_TOKEN, secret=TRELLO_SECRET,
                                    board="Aurora launch design", seed=7,
                                    account=(designer.email, designer.name))
    with ExitStack() as stack:
        jira_server = stack.enter_context(serve(jira.app))
        asana_server = stack.enter_context(serve(asana.app))
        trello_server = stack.enter_context(serve(trello.app))
        hr_server = stack.enter_context(serve(hr.app))
        robots = RobotSandbox(dingtalk={DINGTALK_TOKEN: DINGTALK_SECRET})
        robots_server = stack.enter_context(serve(robots.app))
        tools = Tools(jira, asana, trello, hr, jira_server.url, asana_server.url,
                      trello_server.url, hr_server.url, directory / "finance-drop",
                      robots=robots, robots_url=robots_server.url,
                      sales=stack.enter_context(running_org(directory)))
        write_export(tools.finance_drop, "budget_2026-10.txt", budgets(company), age=3600)
        _seed_hr(tools, company)
        _seed_jira(tools, company)
        _seed_asana(tools, company)
        _seed_trello(tools, company)
        yield tools


def _seed_hr(tools: Tools, company: Company) -> None:
    for person in company.people:  # managers first: the cast lists each head first
        tools.hr.add_employee(person.first, person.last, person.email,
                              department=person.department, manager=person.manager,
                              title=person.title)
    for away in company.absences:  # approved time off, before one of their tasks is due
        tools.hr.add_time_off(away.person, away.start, away.end, kind="Vacation")


def _seed_jira(tools: Tools, company: Company) -> None:
    for person in company.staff("R&D") + company.staff("Marketing"):
        tools.jira.add_user(person.email, person.name)
    tools.jira.add_project(DELIVERY, "Customer deliveries")  # won deals are delivered here
    for plan in company.plans:
        if plan.tool != "jira":
            continue
        tools.jira.add_project(plan.key, plan.name)
        for index, task in enumerate(company.tasks[plan.key]):
            if plan.key == "LAUNCH" and index < company.joint and task.status == "in_review":
                task.status = "in_progress"  # Asana has no review column for the joint ones
            issue = tools.jira.create_issue(plan.key, task.title, actor=task.assignee,
                                            **_jira_fields(task))
            task.jira_key = str(issue["key"])
            tools.jira_keys[(plan.key, index)] = task.jira_key


def _jira_fields(task: DemoTask) -> dict[str, Any]:
    fields: dict[str, Any] = {"assignee": task.assignee, "priority": "Medium"}
    if task.due:
        fields["duedate"] = task.due
    if task.status != "todo":
        fields["status"] = _JIRA_STATUS[task.status]
    return fields


def _seed_asana(tools: Tools, company: Company) -> None:
    for person in company.staff("Marketing") + company.staff("R&D"):
        tools.asana.add_user(asana_email(person), person.name)
    projects = [(CAMPAIGN, "LAUNCH")] + [(p.name, p.key) for p in company.plans
                                          if p.tool == "asana"]
    for name, key in projects:
        gid = str(tools.asana.add_project(name)["gid"])
        tools.asana_projects[name] = gid
        tools.asana_codes[name] = key
        tasks = company.tasks[key][:company.joint] if key == "LAUNCH" else company.tasks[key]
        for index, task in enumerate(tasks):
            fields = _asana_fields(task, company)
            created = tools.asana.create_task(gid, task.title, **fields)
            tools.asana_gids[(key, index)] = str(created["gid"])


def _asana_fields(task: DemoTask, company: Company) -> dict[str, Any]:
    by_email = {p.email: p for p in company.people}
    fields: dict[str, Any] = {"section": _ASANA_SECTION[task.status],
                              "status": _ASANA_SECTION[task.status]}
    if task.assignee:
        fields["assignee"] = asana_email(by_email[task.assignee])
    if task.due:
        fields["due_on"] = task.due
    if task.status == "done":
        fields["completed"] = True
    if task.jira_key:
        fields["jira_key"] = task.jira_key
    return fields


def _seed_trello(tools: Tools, company: Company) -> None:
    """The design team's board: a card per launch issue it works on, naming the issue."""
    by_email = {p.email: p for p in company.people}
    for index, task in enumerate(company.tasks["LAUNCH"][:DESIGN]):
        person = by_email[task.assignee] if task.assignee else None
        if person and tools.trello.members.find(email=person.email) is None:
            member = tools.trello.add_member(person.email, person.name)
            tools.trello_members[member["username"]] = person.email
        fields: dict[str, Any] = {"desc": f"Design work for the launch.\nJira: {task.jira_key}"}
        if person:
            fields["members"] = [person.email]
        if task.due:
            fields["due"] = task.due.isoformat()
        card = tools.trello.create_card(task.title, list_name=_TRELLO_LIST[task.status],
                                        **fields)
        tools.trello_cards[str(task.jira_key)] = str(card["id"])
        assert tools.jira_keys[("LAUNCH", index)] == task.jira_key
