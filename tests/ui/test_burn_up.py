"""The project page's burn-up: per day, the tasks due by then and the tasks done by then,
counted by the database, as a count over the tasks themselves gives them."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from hub.auth.principal import Principal
from hub.model.enums import TaskStatus
from hub.store.auth import Role
from hub.store.canonical import Project, Task
from hub.ui.project import burn_up
from tests.api.world import TODAY, World

MANAGER = Principal("m", "lead", Role.manager)


def test_each_point_counts_the_tasks_due_and_done_by_its_day(engine: Engine,
                                                             world: World) -> None:
    start = TODAY - timedelta(days=40)
    with Session(engine) as session, session.begin():
        project = session.scalars(select(Project).where(Project.key == "RD")).one()
        for i in range(90):
            due = start + timedelta(days=i % 70) if i % 9 else None
            status = (TaskStatus.done, TaskStatus.in_progress, TaskStatus.cancelled)[i % 3]
            done_at = datetime.combine(start + timedelta(days=i % 45), time(23, 30), UTC) \
                if status is TaskStatus.done and i % 4 else None
            session.add(Task(project=project, title=f"t{i}", status=status, due_date=due,
                             completed_at=done_at, custom={}, provenance={}, version=1))
    with Session(engine) as session:
        burn = burn_up(session, MANAGER, world.ids["rd_project"], start, None, TODAY)
        tasks = session.execute(select(Task.due_date, Task.completed_at, Task.status).where(
            Task.project_id == world.ids["rd_project"],
            Task.status != TaskStatus.cancelled)).all()
    assert burn is not None
    assert burn["total"] == len(tasks) == 62
    assert burn["done_without_date"] == sum(1 for _d, c, s in tasks
                                            if s is TaskStatus.done and c is None) > 0
    assert burn["points"][0]["day"] == start
    assert burn["points"][-1]["day"] == start + timedelta(days=69)  # the last due date
    for point in burn["points"]:
        day: date = point["day"]
        assert point["planned"] == sum(1 for d, _c, _s in tasks if d and d <= day)
        done = sum(1 for _d, c, s in tasks if s is TaskStatus.done and c and c.date() <= day)
        assert point["done"] == (done if day <= TODAY else None)
    assert burn["points"][-1]["planned"] == sum(1 for d, _c, _s in tasks if d)


def test_a_project_without_tasks_has_no_burn_up(engine: Engine, world: World) -> None:
    with Session(engine) as session, session.begin():
        for task in session.scalars(select(Task).where(
                Task.project_id == world.ids["rd_project"])):
            task.status = TaskStatus.cancelled
    with Session(engine) as session:
        assert burn_up(session, MANAGER, world.ids["rd_project"], None, None, TODAY) is None
