"""The demo company: who works where, which projects each department runs, and their tasks.

Everything is derived from a fixed seed, so two runs tell the same story. R&D plans in Jira,
marketing in Asana, finance in SAP exports, HR in BambooHR; the product launch ("Aurora") is
the joint project: its Jira issues and the campaign's Asana tasks are the same work, tied by
the Asana task's "Jira key" field.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

DOMAIN = "aurora.example"


@dataclass(frozen=True)
class Employee:
    first: str
    last: str
    title: str
    department: str
    manager: str | None = None  # the manager's e-mail

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"

    @property
    def email(self) -> str:
        return f"{self.first}.{self.last}@{DOMAIN}".lower()


@dataclass(frozen=True)
class Plan:
    """A project as one department's tool holds it."""

    key: str
    name: str
    department: str
    tool: str  # jira | asana
    titles: tuple[str, ...]
    tasks: int


@dataclass
class DemoTask:
    title: str
    assignee: str | None
    status: str  # canonical: todo, in_progress, in_review, done
    due: date | None
    jira_key: str | None = None  # set once the Jira issue exists (joint tasks)


@dataclass(frozen=True)
class Away:
    """Time off HR knows of, in the days before a task of that person is due."""

    person: str  # e-mail
    start: date
    end: date
    task: str  # the title of the task it puts at risk
    due: date


@dataclass(frozen=True)
class Partner:
    """An outside company that sees one project (a partner token)."""

    name: str
    project: str  # the key shared with it


@dataclass
class Company:
    people: list[Employee]
    plans: list[Plan]
    tasks: dict[str, list[DemoTask]] = field(default_factory=dict)  # plan key -> its tasks
    joint: int = 24  # the first N tasks of LAUNCH are also in the Asana campaign
    absences: list[Away] = field(default_factory=list)
    partner: Partner = Partner("Pixelwerk Studio", "MOB")  # the agency building the app

    def staff(self, department: str) -> list[Employee]:
        return [p for p in self.people if p.department == department]


_RD = [("Priya", "Raman", "Head of Engineering"), ("Jonas", "Weber", "Staff Engineer"),
       ("Mei", "Chen", "Senior Engineer"), ("Tomás", "Ortega", "Engineer"),
       ("Aiko", "Tanaka", "Engineer"), ("Lukas", "Brandt", "Engineer"),
       ("Sara", "Lindqvist", "QA Engineer"), ("Omar", "Haddad", "Engineer"),
       ("Nina", "Kowalski", "Product Manager"), ("Ravi", "Iyer", "Engineer")]
_MKT = [("Claire", "Dubois", "Head of Marketing"), ("Lena", "Fischer", "Campaign Manager"),
        ("Marco", "Rossi", "Content Lead"), ("Hana", "Sato", "Designer"),
        ("Ben", "Carter", "Events Manager"), ("Zoe", "Martin", "Social Media")]
_FIN = [("Thomas", "Berg", "CFO"), ("Anja", "Keller", "Controller"),
        ("Wei", "Zhang", "Financial Analyst")]
_HR = [("Grace", "Okafor", "HR Business Partner")]

_LAUNCH = ("Finalize pricing page copy", "Feature flag for Aurora rollout", "Launch webinar",
           "Press kit screenshots", "Release notes", "Beta customer interviews",
           "Onboarding checklist", "Demo environment", "Launch blog post",
           "Partner enablement deck", "In-app announcement", "Load test before launch")
_CORE = ("Upgrade PostgreSQL driver", "Rate limiter for public API", "Audit log export",
         "SSO with SAML", "Fix flaky billing test", "Cache invalidation on project rename",
         "Deprecate v1 search endpoint", "Background job retries", "Metrics dashboard",
         "Reduce cold start time")
_MOBILE = ("Offline mode for tasks", "Push notification settings", "Dark mode",
           "Crash on login with SSO", "Tablet layout", "App store screenshots",
           "Accessibility audit fixes", "Deep links into projects")
_WEB = ("New homepage hero", "Customer logos section", "Pricing page redesign",
        "SEO audit", "Case study: Nordwind GmbH", "Cookie banner update", "Blog migration")
_FAIR = ("Book booth at Hannover Messe", "Booth design", "Giveaways order",
         "Travel and hotel", "Lead capture app", "Follow-up e-mail sequence")


def company(seed: int = 7) -> Company:
    """The demo company with its people, projects and a few hundred tasks."""
    rng = random.Random(seed)
    people: list[Employee] = []
    for department, names in (("R&D", _RD), ("Marketing", _MKT), ("Finance", _FIN),
                              ("HR", _HR)):
        head = Employee(*names[0], department=department)
        people.append(head)
        people += [Employee(*p, department=department, manager=head.email) for p in names[1:]]
    plans = [
        Plan("LAUNCH", "Aurora product launch", "R&D", "jira", _LAUNCH, 48),
        Plan("CORE", "Core platform", "R&D", "jira", _CORE, 90),
        Plan("MOB", "Mobile app", "R&D", "jira", _MOBILE, 60),
        Plan("WEB", "Website relaunch", "Marketing", "asana", _WEB, 40),
        Plan("FAIR", "Trade fair 2027", "Marketing", "asana", _FAIR, 30),
    ]
    result = Company(people, plans)
    today = date.today()
    for plan in plans:
        staff = result.staff(plan.department)[1:]
        tasks = []
        for n in range(plan.tasks):
            base = plan.titles[n % len(plan.titles)]
            title = base if n < len(plan.titles) else f"{base} ({n // len(plan.titles) + 1})"
            status = rng.choices(["todo", "in_progress", "in_review", "done"],
                                 weights=[4, 3, 1, 2])[0]
            due = today + timedelta(days=rng.randint(-10, 60)) if rng.random() < 0.8 else None
            tasks.append(DemoTask(title, rng.choice(staff).email, status, due))
        result.tasks[plan.key] = tasks
    result.absences = _absences(result, today)
    return result


def _absences(company: Company, today: date) -> list[Away]:
    """A few people away in the days before one of their open tasks is due (not the launch's
    people: the day in the life needs them at work)."""
    out: list[Away] = []
    taken: set[str] = set()
    for key in ("CORE", "MOB", "WEB"):
        for task in company.tasks[key]:
            if task.status == "done" or not task.assignee or task.assignee in taken or \
                    task.due is None or task.due < today + timedelta(days=8):
                continue
            taken.add(task.assignee)
            out.append(Away(task.assignee, task.due - timedelta(days=6),
                            task.due - timedelta(days=3), task.title, task.due))
            break
    return out
