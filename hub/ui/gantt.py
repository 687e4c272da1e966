"""A project's plan as a Gantt chart, drawn on the server as SVG: one bar per task from its
start to its due date (a day's bar when it has no start; a diamond for a task labelled
`milestone`), arrows from each blocker to what it blocks, and today's line."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from hub.ui.i18n import as_date

ROW = 26
LEFT = 260
WIDTH = 960


@dataclass(frozen=True)
class Bar:
    """One task on the chart."""

    id: str
    title: str
    status: str
    version: int | None
    start: date
    due: date
    milestone: bool
    y: int
    x1: float
    x2: float


@dataclass(frozen=True)
class Chart:
    """The chart's bars, dependency arrows, scale and today's line."""

    bars: list[Bar]
    arrows: list[tuple[float, int, float, int]]
    first: date
    last: date
    today_x: float | None
    height: int
    width: int
    ticks: list[tuple[float, date]]
    undated: int


def chart(tasks: list[dict[str, Any]], today: date) -> Chart | None:
    """The chart of `tasks` (as the API lists them); None when none has a date."""
    dated = []
    for task in tasks:
        due = as_date(task.get("due_date"))
        start = as_date(task.get("start_date"))
        if due is None and start is None:
            continue
        milestone = "milestone" in (task.get("labels") or [])
        # a task with only a due date: a day's bar ending there
        start = start or (due - timedelta(days=1) if due and not milestone else due)
        due = due or start
        if start is None or due is None:
            continue
        dated.append((task, min(start, due), max(start, due), milestone))
    if not dated:
        return None
    dated.sort(key=lambda d: (d[1], d[2]))
    first = min(today, *(d[1] for d in dated)) - timedelta(days=2)
    last = max(today, *(d[2] for d in dated)) + timedelta(days=2)
    span = max(1, (last - first).days)

    def x(day: date) -> float:
        return round(LEFT + (day - first).days * (WIDTH - LEFT - 10) / span, 1)

    bars = [Bar(t["id"], t["title"], t["status"], t.get("version"), s, d, m, 30 + i * ROW,
                x(s), max(x(d), x(s) + 4)) for i, (t, s, d, m) in enumerate(dated)]
    by_id = {b.id: b for b in bars}
    arrows = [(by_id[blocker].x2, by_id[blocker].y + 9, bar.x1, bar.y + 9)
              for bar in bars for task in tasks if task["id"] == bar.id
              for blocker in task.get("blocked_by") or [] if blocker in by_id]
    step = max(1, span // 8)
    ticks = [(x(first + timedelta(days=d)), first + timedelta(days=d))
             for d in range(0, span + 1, step)]
    return Chart(bars, arrows, first, last, x(today) if first <= today <= last else None,
                 40 + len(bars) * ROW, WIDTH, ticks, len(tasks) - len(dated))
