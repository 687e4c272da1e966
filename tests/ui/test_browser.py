"""The dashboard in a real browser: Playwright driving Debian's Chromium (/usr/bin/chromium)
against the hub served on a local port. Screenshots of each page land in `.screenshots/`
(or $HUB_SCREENSHOTS) to look at; nothing asserts on them.

These run once (on SQLite, their own database: not `db` tests). Without Chromium they are
skipped with the reason, except in CI (CI=true), where they must run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from hub.api.app import create_app
from hub.config.models import PortalConfig
from hub.model.enums import TaskStatus
from hub.store.canonical import Task
from hub.store.db import make_engine
from hub.store.sync import Conflict, ConflictState, IntentState, PushIntent
from hub.store.tables import metadata
from hub.sync.jobs import poll_connector
from hub.sync.push import push_intent
from hub.testing.fake import FakeTool
from hub.testing.server import RunningServer, serve
from tests.api.world import NOW, World, seed
from tests.sync.harness import fake_config, fake_registry, fake_tools
from tests.ui.browser import SHOTS, WAIT_MS, chromium, sync_api


class Hub:
    """The served hub, its database and the seeded world."""

    def __init__(self, server: RunningServer, engine: Engine, world: World, app: FastAPI,
                 tools: dict[str, FakeTool]) -> None:
        self.url, self.engine, self.world = server.url, engine, world
        self.app, self.tools = app, tools


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('ui') / 'hub.db'}")
    metadata.create_all(engine)
    world = seed(engine)
    tools = fake_tools(["a", "b"], clock=lambda: NOW)
    config = fake_config(tools).model_copy(update={"portal": PortalConfig(requests_to="a")})
    app = create_app(config, engine, fake_registry())
    app.state.clock = lambda: NOW
    with serve(app) as server:
        yield Hub(server, engine, world, app, tools)
    engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def _page(browser: Any, hub: Hub, role: str, locale: str = "en-GB") -> Any:
    """A new browser context signed in with the world's token of `role`."""
    context = browser.new_context(base_url=hub.url, locale=locale,
                                  viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto("/ui/portfolio")
    assert page.url.endswith("/ui/sign-in")
    page.fill("#token", hub.world.tokens[role])
    page.click("button[type=submit]")
    page.wait_for_url("**/ui/portfolio")
    return page


def _run(work: Coroutine[Any, Any, Any]) -> Any:
    """Run engine work to its end on a loop of its own (Playwright's sync API holds one in
    this thread)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, work).result()


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_sign_in_and_filter_the_portfolio(browser: Any, hub: Hub) -> None:
    page = _page(browser, hub, "manager")
    rows = page.locator("#portfolio-rows tr[data-project]")
    assert sorted(rows.evaluate_all("rs => rs.map(r => r.dataset.project)")) == ["MK", "RD"]
    _shot(page, "portfolio")
    page.select_option("select[name=department]", "Marketing")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**department=Marketing**")
    assert rows.evaluate_all("rs => rs.map(r => r.dataset.project)") == ["MK"]
    page.fill("input[name=q]", "nothing like this")
    page.click("form.filters button[type=submit]")
    sync_api.expect(page.get_by_text("No projects match.")).to_be_visible()
    page.context.close()


def test_a_partner_sees_only_its_project_and_no_people_data(browser: Any, hub: Hub) -> None:
    page = _page(browser, hub, "partner")
    rows = page.locator("#portfolio-rows tr[data-project]")
    assert rows.evaluate_all("rs => rs.map(r => r.dataset.project)") == ["RD"]
    assert page.get_by_role("link", name="Conflicts").count() == 0
    page.goto("/ui/projects/RD")
    sync_api.expect(page.get_by_role("heading", name="Burn-up")).to_be_visible()
    html = page.content()
    assert "alice@example.com" not in html
    assert "Budget lines" not in html
    assert "Absences before due dates" not in html
    _shot(page, "partner-project")
    page.goto("/ui/workload")
    assert "alice@example.com" not in page.content()
    page.context.close()


def test_a_change_shows_on_an_open_project_page_without_a_reload(browser: Any,
                                                                 hub: Hub) -> None:
    page = _page(browser, hub, "manager")
    page.goto("/ui/projects/RD")
    page.evaluate("window.notReloaded = true")
    _shot(page, "project")
    task = hub.world.ids["rd_done"]
    with httpx.Client(base_url=hub.url, headers=hub.world.auth("manager")) as api:
        version = api.get(f"/api/v1/tasks/{task}").headers["etag"]
        answer = api.patch(f"/api/v1/tasks/{task}", json={"title": "Pick a quieter motor"},
                           headers={"If-Match": version})
        assert answer.status_code == 200, answer.text
    sync_api.expect(page.locator("#tasks")).to_contain_text("Pick a quieter motor",
                                                           timeout=WAIT_MS)
    assert page.evaluate("window.notReloaded") is True
    page.context.close()


def test_the_chinese_interface_renders(browser: Any, hub: Hub) -> None:
    page = _page(browser, hub, "manager", locale="zh-CN")
    sync_api.expect(page.get_by_role("heading", name="项目组合")).to_be_visible()
    assert "2026年12月1日" in page.content()
    _shot(page, "portfolio-zh")
    page.get_by_role("link", name="English").click()
    sync_api.expect(page.get_by_role("heading", name="Portfolio")).to_be_visible()
    page.context.close()


def test_a_form_posted_without_the_csrf_token_is_refused(browser: Any, hub: Hub) -> None:
    page = _page(browser, hub, "manager")
    conflict = hub.world.ids["mk_conflict"]
    answer = page.request.post(f"/ui/conflicts/{conflict}/resolve", form={"side": "a"})
    assert answer.status == 403
    with Session(hub.engine) as session:
        found = session.get(Conflict, conflict)
        assert found is not None
        assert found.state is ConflictState.open
    page.context.close()


def test_resolving_a_conflict_on_the_page(browser: Any, hub: Hub) -> None:
    page = _page(browser, hub, "manager")
    page.goto("/ui/conflicts")
    _shot(page, "conflicts")
    conflict = hub.world.ids["mk_conflict"]
    page.locator(f"#conflict-{conflict}").get_by_role("button", name="Keep this: a").click()
    sync_api.expect(page.get_by_role("status")).to_contain_text("Resolved")
    with Session(hub.engine) as session:
        found, task = session.get(Conflict, conflict), session.get(Task, hub.world.ids["mk_task"])
        assert found is not None
        assert found.state is ConflictState.resolved
        assert task is not None
        assert task.status is TaskStatus.done  # side a's value, now on its way to every tool
    page.context.close()


def test_retrying_a_failed_push_from_the_health_page(browser: Any, hub: Hub) -> None:
    page = _page(browser, hub, "admin")
    page.goto("/ui/health")
    _shot(page, "health")
    page.get_by_role("button", name="Retry (a)").click()
    sync_api.expect(page.get_by_role("status")).to_contain_text("queued again")
    with Session(hub.engine) as session:
        states = {i.state for i in session.query(PushIntent).filter_by(connector_id="a")}
        assert IntentState.failed not in states
    page.context.close()


def test_the_plan_shows_a_gantt_chart(browser: Any, hub: Hub) -> None:
    page = _page(browser, hub, "manager")
    page.goto("/ui/projects/RD/plan")
    sync_api.expect(page.locator("svg.gantt")).to_be_visible()
    _shot(page, "plan")
    for name in ("workload", "activity"):
        page.goto(f"/ui/{name}")
        _shot(page, name)
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.goto("/ui/portfolio")
    _shot(page, "portfolio-phone")
    page.context.close()


def test_a_partners_request_becomes_a_task_in_the_tool_and_its_status_shows_back(
        browser: Any, hub: Hub) -> None:
    page = _page(browser, hub, "partner")
    page.goto("/ui/portal")
    page.select_option("select[name=kind]", "delivery_report")
    page.fill("input[name=title]", "Batch 3 delivered")
    page.fill("input[name=link]", "https://docs.acme.example/batch-3.pdf")
    page.click("form.stack button[type=submit]")
    sync_api.expect(page.get_by_role("status")).to_contain_text("Batch 3 delivered")
    with Session(hub.engine) as session:
        task = session.query(Task).filter_by(title="[Acme] Batch 3 delivered").one()
        intent = session.query(PushIntent).filter_by(record_id=task.id).one()
        task_id, intent_id = task.id, intent.id
    rt = hub.app.state.runtime
    _run(push_intent(rt, intent_id))  # what the runner does in `hub serve`
    [created] = [o for o in hub.tools["a"].objects.values() if o.hub_id == task_id]
    assert "partner:Acme" in created.fields["labels"]
    hub.tools["a"].user_edit(created.remote_id, status="Review")
    _run(poll_connector(rt, "a"))
    row = page.locator(f"#request-{task_id}")
    sync_api.expect(row).to_contain_text("Review", timeout=WAIT_MS)  # live, no reload
    _shot(page, "portal")
    page.context.close()


def test_dragging_a_card_to_done_changes_the_task(browser: Any, hub: Hub) -> None:
    page = _page(browser, hub, "manager")
    page.goto("/ui/projects/RD/board")
    task = hub.world.ids["rd_task"]
    with Session(hub.engine) as session:
        before = session.get(Task, task)
        assert before is not None
        assert before.status is not TaskStatus.done
    # by its title: the card's lower half is its keyboard form
    page.locator(f'.kcard[data-task="{task}"]').drag_to(
        page.locator('.column[data-status="done"]'), source_position={"x": 12, "y": 10})
    sync_api.expect(page.locator(f'.column[data-status="done"] .kcard[data-task="{task}"]')
                    ).to_be_visible()
    _shot(page, "board")
    with Session(hub.engine) as session:
        after = session.get(Task, task)
        assert after is not None
        assert after.status is TaskStatus.done
    page.context.close()
