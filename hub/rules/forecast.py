"""A delivery forecast per project: Monte Carlo over the project's own history of finished
tasks per day.

What it assumes: the days ahead look like the days behind. Each simulated future day finishes
as many tasks as a day drawn at random (with replacement) from the project's last
`risks.forecast_history` of calendar days, counted from its first finished task, weekends and
idle days included; the open tasks are all that is left (no new scope); tasks are
interchangeable in size. P50 and P85 are the days by which half and 85% of the runs finished;
the chance of missing the due date is the share of runs that finished after it. A project with
no finished task in the window gets no forecast, and says so.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.config.rules import RisksConfig
from hub.model.enums import ProjectStatus, TaskStatus
from hub.store.canonical import Project, Task
from hub.store.notify import Forecast

RISK = "forecast_late"
_OPEN = (TaskStatus.todo, TaskStatus.in_progress, TaskStatus.blocked, TaskStatus.in_review)
_MAX_DAYS = 3650  # a run that would take ten years stops there


@dataclass(frozen=True)
class Outcome:
    """The forecast of one project."""

    remaining: int
    p50: date | None
    p85: date | None
    probability_late: float | None
    reason: str


def simulate(per_day: Sequence[int], remaining: int, start: date, due: date | None,
             runs: int, rng: random.Random) -> Outcome:
    """Days to finish `remaining` tasks, drawing each day's throughput from `per_day`."""
    if remaining <= 0:
        return Outcome(0, start, start, 0.0 if due is not None else None, "nothing left to do")
    if not per_day or not any(per_day):
        return Outcome(remaining, None, None, None,
                       "no task finished in the history window: no forecast")
    finishes: list[int] = []
    for _ in range(runs):
        left, days = remaining, 0
        while left > 0 and days < _MAX_DAYS:
            left -= rng.choice(per_day)
            days += 1
        finishes.append(days)
    finishes.sort()
    p50 = start + timedelta(days=finishes[int(0.50 * (runs - 1))])
    p85 = start + timedelta(days=finishes[int(0.85 * (runs - 1))])
    late = None
    if due is not None:
        late = sum(1 for d in finishes if start + timedelta(days=d) > due) / runs
    mean = sum(per_day) / len(per_day)
    return Outcome(remaining, p50, p85, late,
                   f"{remaining} open task(s), {mean:.2f} finished a day over "
                   f"{len(per_day)} day(s) of history")


def throughput(session: Session, project_id: str, today: date,
               window: timedelta) -> list[int]:
    """Tasks of the project finished on each day of the window (from its first one)."""
    since = today - window
    done = Counter(d.date() for d in session.scalars(select(Task.completed_at).where(
        Task.project_id == project_id, Task.deleted_at.is_(None),
        Task.status == TaskStatus.done, Task.completed_at.isnot(None))) if d is not None
        and since <= d.date() < today)
    if not done:
        return []
    first = min(done)
    return [done.get(first + timedelta(days=i), 0) for i in range((today - first).days)]


def refresh_forecasts(session: Session, now: datetime, settings: RisksConfig,
                      seed: int | None = None) -> dict[str, Outcome]:
    """Recompute every active project's forecast (rows in `forecast`); returns them."""
    today = now.date()
    rng = random.Random(seed)
    remaining: dict[str, int] = {str(project_id): int(count) for project_id, count in
                                 session.execute(select(Task.project_id, func.count()).where(
                                     Task.deleted_at.is_(None), Task.status.in_(_OPEN),
                                     Task.project_id.isnot(None)).group_by(Task.project_id))}
    out: dict[str, Outcome] = {}
    for project in session.scalars(select(Project).where(
            Project.deleted_at.is_(None), Project.status == ProjectStatus.active)):
        per_day = throughput(session, project.id, today, settings.forecast_history)
        outcome = simulate(per_day, int(remaining.get(project.id, 0)), today, project.due_date,
                           settings.forecast_runs, rng)
        row = session.get(Forecast, project.id) or Forecast(project_id=project.id)
        row.remaining, row.p50, row.p85 = outcome.remaining, outcome.p50, outcome.p85
        row.due_date, row.probability_late = project.due_date, outcome.probability_late
        row.reason, row.computed_at = outcome.reason, now
        session.add(row)
        out[project.id] = outcome
    return out


def is_late(outcome: Outcome | Forecast | None, settings: RisksConfig) -> bool:
    """Whether the forecast carries the `forecast_late` risk."""
    return outcome is not None and outcome.probability_late is not None and \
        outcome.probability_late > settings.forecast_late_above
