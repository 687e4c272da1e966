"""A day in the life: people work in their own tools, the hub keeps the tools in step.

Each step acts as a person in one tool's sandbox, then waits for the outcome where the other
people look (their tools, or the hub's API) and reports how long it took to get there.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx

from hub.demo.cast import Company, DemoTask, Employee
from hub.demo.finance import budgets, write_export
from hub.demo.sales import won_deal
from hub.demo.steps import Narrator, StepFailed, wait_for
from hub.demo.tools import Tools, asana_email

WITHIN = 30.0  # seconds a step may take before the demo calls it failed
_OPEN = "todo,in_progress,in_review,blocked"


class DayInTheLife:
    """The scripted day, over running tools and a running hub."""

    def __init__(self, company: Company, tools: Tools, api: httpx.Client,
                 narrator: Narrator) -> None:
        self.company, self.tools, self.api, self.narrator = company, tools, api, narrator
        self._joint = iter(self._joint_tasks())

    def run(self) -> bool:
        steps = [
            ("A developer moves a launch issue to Done in Jira", self.jira_done),
            ("Marketing moves a due date in Asana", self.asana_due_date),
            ("Finance drops an export that rejects a budget", self.budget_rejected),
            ("HR marks an engineer as leaving", self.leaver),
            ("Two people rename the same task at once", self.conflict),
        ]
        if self.tools.sales is not None:
            steps.append(("Sales wins a deal in Salesforce", self.deal_won))
        for title, step in steps:
            self.narrator.step(title, step)
        return all(o.ok for o in self.narrator.outcomes)

    # -- the steps ---------------------------------------------------------------------------
    def jira_done(self) -> tuple[str, dict[str, Any]]:
        task = next(self._joint)
        key, gid = self._where(task)
        self.narrator.say(f"   {_person(task.assignee)} moves {key} \"{task.title}\" to Done "
                          "in Jira")
        self.tools.jira.transition(key, "Done", actor=task.assignee)
        wait_for(lambda: self.tools.asana.task(gid)["completed"], WITHIN,
                 f"Asana task {gid} completed")
        card = self.tools.trello_cards.get(key)
        if card is None:
            return (f"the campaign's Asana task \"{task.title}\" is completed",
                    {"jira_key": key, "asana_gid": gid, "asana_completed": True})
        wait_for(lambda: self._trello_list(card) == "Done", WITHIN,
                 f"Trello card {card} in Done")
        return (f"the campaign's Asana task \"{task.title}\" is completed, and the design "
                "team's Trello card is in Done",
                {"jira_key": key, "asana_gid": gid, "asana_completed": True,
                 "trello_card": card, "trello_list": "Done"})

    def _trello_list(self, card: str) -> str | None:
        found = self.tools.trello.cards.get(card)
        listed = self.tools.trello.lists.get(found["idList"]) if found else None
        return str(listed["name"]) if listed else None

    def asana_due_date(self) -> tuple[str, dict[str, Any]]:
        task = next(self._joint)
        key, gid = self._where(task)
        marketer = self.company.staff("Marketing")[1]
        new_due = (task.due or date.today()) + timedelta(days=7)
        self.narrator.say(f"   {marketer.name} moves \"{task.title}\" to {new_due} in Asana")
        self.tools.asana.update_task(gid, due_on=new_due, actor=asana_email(marketer))
        wait_for(lambda: self.tools.jira.issue(key)["fields"]["duedate"] == new_due.isoformat(),
                 WITHIN, f"Jira {key} due {new_due}")
        return (f"Jira {key} is now due {new_due}",
                {"jira_key": key, "jira_duedate": new_due.isoformat()})

    def budget_rejected(self) -> tuple[str, dict[str, Any]]:
        rows = [replace(r, approved=Decimal(0), status="Abgelehnt") if r.project == "LAUNCH"
                else r for r in budgets(self.company)]
        export = write_export(self.tools.finance_drop, "budget_2026-11.txt", rows)
        self.narrator.say(f"   finance's SAP job drops {export.name}: the LAUNCH budget is "
                          "\"Abgelehnt\" (rejected)")
        wait_for(lambda: self._project("LAUNCH")["budget_status"] == "rejected", WITHIN,
                 "project LAUNCH budget rejected in the hub")
        issues = [k for (plan, _), k in self.tools.jira_keys.items() if plan == "LAUNCH"]
        tasks = [g for (plan, _), g in self.tools.asana_gids.items() if plan == "LAUNCH"]
        wait_for(lambda: all(self._jira_budget(k) == "rejected" for k in issues)
                 and all(self._asana_budget(g) == "rejected" for g in tasks), WITHIN,
                 "every LAUNCH issue and campaign task showing the rejected budget")
        robots = self.tools.robots
        message = "" if robots is None else wait_for(
            lambda: next((m.text for m in robots.of("dingtalk") if "LAUNCH" in m.text), None),
            WITHIN, "the R&D lead's DingTalk group told of it")
        if message:
            self.narrator.say("   the R&D lead's DingTalk group receives (signed):")
            for line in message.splitlines():
                if line.strip():
                    self.narrator.say(f"     {line}")
        return (f"project LAUNCH is budget \"rejected\"; all {len(issues)} LAUNCH issues in "
                f"Jira and {len(tasks)} campaign tasks in Asana show it, and R&D's DingTalk "
                "group was told",
                {"project_budget_status": "rejected", "jira_issues": len(issues),
                 "asana_tasks": len(tasks), "dingtalk": message})

    def leaver(self) -> tuple[str, dict[str, Any]]:
        engineer = self._busiest_engineer()
        open_tasks = self._total({"assignee": engineer.email, "status": _OPEN})
        self.narrator.say(f"   HR records that {engineer.name} leaves the company "
                          f"({open_tasks} open tasks in Jira)")
        self.tools.hr.terminate(engineer.email)
        wait_for(lambda: self._total({"assignee": engineer.email, "status": _OPEN,
                                      "risk": "assignee_inactive"}) == open_tasks, WITHIN,
                 f"{open_tasks} tasks of {engineer.name} at risk")
        still = self._total({"assignee": engineer.email, "status": _OPEN})
        return (f"all {open_tasks} open tasks of {engineer.name} carry the "
                f"assignee_inactive risk, still assigned to {engineer.first} for a manager to "
                "hand over", {"person": engineer.email, "open_tasks": open_tasks,
                              "at_risk": open_tasks, "still_assigned": still})

    def conflict(self) -> tuple[str, dict[str, Any]]:
        task = next(self._joint)
        key, gid = self._where(task)
        dev, marketer = task.assignee, self.company.staff("Marketing")[2]
        jira_title, asana_title = f"{task.title}: v2 scope", f"{task.title} (campaign cut)"
        self.narrator.say(f"   in the same moment, {_person(dev)} renames {key} to "
                          f"\"{jira_title}\" in Jira and {marketer.name} renames it to "
                          f"\"{asana_title}\" in Asana")
        self.tools.jira.edit_issue(key, summary=jira_title, actor=dev)
        self.tools.asana.update_task(gid, name=asana_title, actor=asana_email(marketer))
        conflict = wait_for(lambda: self._open_conflict({jira_title, asana_title}), WITHIN,
                            "an open conflict on the title")
        sides = ", ".join(f"{c['source']}: \"{c['value']}\"" for c in conflict["candidates"])
        self.narrator.say(f"   the hub opens conflict {conflict['id']} ({sides}); a manager "
                          "resolves it through the API, keeping marketing's title")
        answer = self.api.post(f"/api/v1/conflicts/{conflict['id']}/resolve",
                               json={"side": "mkt-asana"})
        if answer.status_code != 200:
            raise StepFailed(f"resolving the conflict answered {answer.status_code}: "
                             f"{answer.text}")
        wait_for(lambda: self.tools.jira.issue(key)["fields"]["summary"] == asana_title
                 and self.tools.asana.task(gid)["name"] == asana_title, WITHIN,
                 f"both tools titled \"{asana_title}\"")
        return (f"conflict resolved; Jira and Asana both read \"{asana_title}\"",
                {"conflict": conflict["id"], "jira_summary": asana_title,
                 "asana_name": asana_title})

    def deal_won(self) -> tuple[str, dict[str, Any]]:
        assert self.tools.sales is not None
        developer = self.company.staff("R&D")[1]
        return won_deal(self.tools.sales, self.tools.jira, developer, self.narrator)

    # -- helpers -----------------------------------------------------------------------------
    def _joint_tasks(self) -> list[DemoTask]:
        tasks = self.company.tasks["LAUNCH"][:self.company.joint]
        return [t for t in tasks if t.status != "done" and t.assignee]

    def _busiest_engineer(self) -> Employee:
        engineers = self.company.staff("R&D")[1:]
        return max(engineers, key=lambda e: sum(
            t.assignee == e.email and t.status != "done"
            for p in ("CORE", "MOB") for t in self.company.tasks[p]))

    def _project(self, key: str) -> dict[str, Any]:
        answer = self.api.get(f"/api/v1/projects/{key}")
        return dict(answer.json()) if answer.status_code == 200 else {"budget_status": None}

    def _jira_budget(self, key: str) -> str | None:
        field = self.tools.jira.issue(key)["fields"].get("customfield_10050")
        return field.get("value") if isinstance(field, dict) else None

    def _asana_budget(self, gid: str) -> str | None:
        for field in self.tools.asana.task(gid)["custom_fields"]:
            if field["name"] == "Budget status" and field.get("enum_value"):
                return str(field["enum_value"]["name"])
        return None

    def _total(self, params: dict[str, str]) -> int:
        answer = self.api.get("/api/v1/tasks", params={**params, "include": "total",
                                                         "limit": "1"})
        answer.raise_for_status()
        return int(answer.json()["total"])

    def _where(self, task: DemoTask) -> tuple[str, str]:
        assert task.jira_key is not None
        return task.jira_key, self.tools.campaign_gid(task.jira_key)

    def _open_conflict(self, values: set[str]) -> dict[str, Any] | None:
        page = self.api.get("/api/v1/conflicts", params={"state": "open", "entity": "task"})
        page.raise_for_status()
        for conflict in page.json()["items"]:
            if conflict["field"] == "title" and \
                    values <= {c["value"] for c in conflict["candidates"]}:
                return dict(conflict)
        return None


def _person(email: str | None) -> str:
    return (email or "someone").split("@")[0].replace(".", " ").title()
