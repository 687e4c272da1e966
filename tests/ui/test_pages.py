"""The dashboard over HTTP (no browser): sign-in and its cookie, CSRF, sign-out, what each
role sees, the filters, and the actions (resolve, retry, move) going through the engine."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from hub.auth.tokens import revoke_token
from hub.model.enums import TaskStatus
from hub.store.auth import ApiToken
from hub.store.canonical import Task
from hub.store.sync import Conflict, ConflictState, IntentState, PushIntent
from hub.store.ui import UiSession
from tests.api.world import NOW, World
from tests.ui.conftest import csrf_of, sign_in

Client = Callable[[str], TestClient]


def test_a_page_without_a_session_sends_the_browser_to_sign_in(app: FastAPI) -> None:
    with TestClient(app) as client:
        answer = client.get("/ui/portfolio", follow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["location"] == "/ui/sign-in"
        live = client.get("/ui/portfolio?fragment=true", headers={"HX-Request": "true"})
        assert live.status_code == 401
        assert live.headers["HX-Redirect"] == "/ui/sign-in"


def test_signing_in_sets_an_httponly_lax_cookie_secure_only_behind_tls(
        app: FastAPI, world: World) -> None:
    with TestClient(app) as client:
        form = client.get("/ui/sign-in")
        answer = client.post("/ui/sign-in", data={"token": world.tokens["manager"],
                                                  "csrf": csrf_of(form.text)},
                             follow_redirects=False)
        cookie = answer.headers["set-cookie"]
        assert answer.status_code == 303
        assert answer.headers["location"] == "/ui/portfolio"
        assert "hub_session=" in cookie
        assert "HttpOnly" in cookie
        assert "SameSite=lax" in cookie
        assert "Secure" not in cookie
        assert world.tokens["manager"] not in cookie  # the token itself never goes back
    with TestClient(app, base_url="https://hub.example") as tls:
        form = tls.get("/ui/sign-in")
        answer = tls.post("/ui/sign-in", data={"token": world.tokens["manager"],
                                               "csrf": csrf_of(form.text)},
                          follow_redirects=False)
        assert "Secure" in answer.headers["set-cookie"]


def test_a_wrong_token_is_refused_with_the_reason(app: FastAPI) -> None:
    with TestClient(app) as client:
        form = client.get("/ui/sign-in")
        answer = client.post("/ui/sign-in", data={"token": "hub_nope", "csrf": csrf_of(form.text)})
        assert answer.status_code == 401
        assert "the token is not valid" in answer.text
        assert client.get("/ui/portfolio", follow_redirects=False).status_code == 303


def test_forms_without_the_csrf_secret_are_refused(signed_in: Client, world: World,
                                                   engine: Engine) -> None:
    with TestClient(signed_in("admin").app) as fresh:
        # sign-in itself: no double-submit secret, no session
        refused = fresh.post("/ui/sign-in", data={"token": world.tokens["admin"]})
        assert refused.status_code == 403
        assert "CSRF" in refused.text
    client = signed_in("admin")
    conflict = world.ids["rd_conflict"]
    answer = client.post(f"/ui/conflicts/{conflict}/resolve", data={"side": "a"})
    assert answer.status_code == 403
    assert "CSRF" in answer.text
    forged = client.post(f"/ui/conflicts/{conflict}/resolve", data={"side": "a", "csrf": "x"})
    assert forged.status_code == 403
    with Session(engine) as session:
        assert session.get(Conflict, conflict).state is ConflictState.open  # type: ignore[union-attr]


def test_signing_out_ends_the_session(signed_in: Client) -> None:
    client = signed_in("manager")
    page = client.get("/ui/portfolio")
    assert client.post("/ui/sign-out", data={"csrf": csrf_of(page.text)},
                       follow_redirects=False).status_code == 303
    assert client.get("/ui/portfolio", follow_redirects=False).status_code == 303


def test_revoking_the_token_ends_its_sessions(signed_in: Client, engine: Engine) -> None:
    client = signed_in("manager")
    assert client.get("/ui/portfolio").status_code == 200
    with Session(engine) as session:
        token = session.scalars(select(ApiToken).where(ApiToken.name == "manager-token")).one()
        revoke_token(session, token.id, NOW - timedelta(seconds=1))
        session.commit()
    assert client.get("/ui/portfolio", follow_redirects=False).status_code == 303


def test_the_portfolio_shows_every_project_and_filters_them(signed_in: Client) -> None:
    client = signed_in("manager")
    everything = client.get("/ui/portfolio").text
    assert "Rover drive" in everything
    assert "Market kickoff" in everything
    assert "€400.50 / €1,000.00" in everything  # budget burn, localised
    rd_only = client.get("/ui/portfolio", params={"department": "R&D"}).text
    assert "Rover drive" in rd_only
    assert "Market kickoff" not in rd_only
    found = client.get("/ui/portfolio", params={"q": "market"}).text
    assert "Market kickoff" in found
    assert "Rover drive" not in found
    assert "No projects match." in client.get("/ui/portfolio",
                                              params={"status": "done"}).text
    # both projects have overdue open tasks (due 1 Oct, today 2 Nov): at risk
    assert "Rover drive" in client.get("/ui/portfolio", params={"risk": "at_risk"}).text
    assert "Rover drive" not in client.get("/ui/portfolio", params={"risk": "on_track"}).text


def test_bad_filters_are_a_400_that_names_them(signed_in: Client) -> None:
    client = signed_in("manager")
    answer = client.get("/ui/portfolio", params={"status": "sleeping"})
    assert answer.status_code == 400
    assert "sleeping" in answer.text
    assert client.get("/ui/portfolio", params={"risk": "huge"}).status_code == 400
    assert client.get("/ui/portfolio", params={"sort": "secret"}).status_code == 400
    assert client.get("/ui/portfolio", params={"q": "x" * 500}).status_code == 400


def test_a_partner_sees_its_project_and_no_people_data(signed_in: Client, world: World) -> None:
    client = signed_in("partner")
    portfolio = client.get("/ui/portfolio").text
    assert "Rover drive" in portfolio
    assert "Market kickoff" not in portfolio
    project = client.get("/ui/projects/RD").text
    assert "Design gearbox" in project
    for page in (portfolio, project, client.get("/ui/workload").text,
                 client.get("/ui/activity").text):
        assert "alice@example.com" not in page  # people by display name only
        assert "Budget lines" not in page
        assert "Absences before due dates" not in page
        assert "R&amp;D</td>" not in page  # people's departments are HR data
    assert client.get("/ui/projects/MK").status_code == 404
    assert client.get("/ui/conflicts").status_code == 403
    assert client.get("/ui/health").status_code == 403


def test_a_department_sees_its_own(signed_in: Client) -> None:
    client = signed_in("department")
    portfolio = client.get("/ui/portfolio").text
    assert "Rover drive" in portfolio
    assert "Market kickoff" not in portfolio
    assert client.get("/ui/projects/MK").status_code == 404


def test_the_project_page_shows_its_widgets(signed_in: Client) -> None:
    page = signed_in("manager").get("/ui/projects/RD").text
    for shown in ("Tasks by status", "Burn-up", "<svg", "Budget lines", "On-time rate",
                  "Absences before due dates", "Alice Rivera", "Latest changes",
                  "Design gearbox", "Acme"):
        assert shown in page, shown


def test_chinese_is_chosen_from_accept_language_or_the_switch(signed_in: Client) -> None:
    client = signed_in("manager")
    zh = client.get("/ui/portfolio", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"})
    assert "项目组合" in zh.text
    assert 'lang="zh-Hans"' in zh.text
    assert "2026年12月1日" in zh.text  # the due date, written the Chinese way
    client.get("/ui/language/en")
    assert "Portfolio" in client.get("/ui/portfolio",
                                     headers={"Accept-Language": "zh-CN"}).text


def test_resolving_a_conflict_keeps_that_side(signed_in: Client, world: World,
                                              engine: Engine) -> None:
    client = signed_in("manager")
    page = client.get("/ui/conflicts")
    assert "Design gearbox" in page.text
    assert "blocked" in page.text
    answer = client.post(f"/ui/conflicts/{world.ids['rd_conflict']}/resolve",
                         data={"side": "b", "csrf": csrf_of(page.text)})
    assert answer.status_code == 200
    assert "Resolved" in answer.text
    with Session(engine) as session:
        conflict = session.get(Conflict, world.ids["rd_conflict"])
        task = session.get(Task, world.ids["rd_task"])
        assert conflict is not None
        assert conflict.state is ConflictState.resolved
        assert task is not None
        assert task.status is TaskStatus.blocked


def test_retrying_failed_pushes_queues_them_again(signed_in: Client, engine: Engine) -> None:
    client = signed_in("admin")
    page = client.get("/ui/health")
    assert "a: transition refused for rd" in page.text
    assert "Weird" in page.text
    answer = client.post("/ui/health/a/retry", data={"csrf": csrf_of(page.text)})
    assert "2 failed push(es) to a queued again" in answer.text
    with Session(engine) as session:
        states = set(session.scalars(select(PushIntent.state)
                                     .where(PushIntent.connector_id == "a")))
        assert IntentState.failed not in states
    manager = signed_in("manager")
    refused = manager.post("/ui/health/a/retry", data={"csrf": csrf_of(
        manager.get("/ui/health").text)})
    assert refused.status_code == 403


def test_moving_a_card_changes_the_task_like_a_patch(signed_in: Client, world: World,
                                                     engine: Engine) -> None:
    client = signed_in("manager")
    board = client.get("/ui/projects/RD/board").text
    answer = client.post(f"/ui/tasks/{world.ids['rd_task']}/move", data={
        "csrf": csrf_of(board), "status": "done", "version": "1",
        "back": "/ui/projects/RD/board"})
    assert answer.status_code == 200
    assert "Moved" in answer.text
    with Session(engine) as session:
        task = session.get(Task, world.ids["rd_task"])
        assert task is not None
        assert task.status is TaskStatus.done
    stale = client.post(f"/ui/tasks/{world.ids['rd_task']}/move", data={
        "csrf": csrf_of(board), "status": "todo", "version": "1"})
    assert "changed since you read it" in stale.text
    partner = signed_in("partner")
    refused = partner.post(f"/ui/tasks/{world.ids['rd_task']}/move", data={
        "csrf": csrf_of(partner.get("/ui/portfolio").text), "status": "todo", "version": "2"})
    assert "can only read" in refused.text


def test_the_plan_draws_tasks_and_moving_a_bar_changes_the_due_date(
        signed_in: Client, world: World, engine: Engine) -> None:
    client = signed_in("manager")
    plan = client.get("/ui/projects/RD/plan").text
    assert "<svg" in plan
    assert "Design gearbox" in plan
    assert 'class="today"' in plan
    answer = client.post(f"/ui/tasks/{world.ids['rd_task']}/move", data={
        "csrf": csrf_of(plan), "due_date": "2026-11-20", "version": "1",
        "back": "/ui/projects/RD/plan"})
    assert "Moved" in answer.text
    with Session(engine) as session:
        task = session.get(Task, world.ids["rd_task"])
        assert task is not None
        assert str(task.due_date) == "2026-11-20"
    bad = client.post(f"/ui/tasks/{world.ids['rd_task']}/move", data={
        "csrf": csrf_of(plan), "due_date": "someday", "version": "2"})
    assert "due_date" in bad.text


def test_hr_derived_risks_show_to_the_company_not_to_a_partner(
        signed_in: Client, world: World, engine: Engine) -> None:
    with Session(engine) as session:
        task = session.get(Task, world.ids["rd_task"])
        assert task is not None
        task.risks = ["assignee_inactive"]
        session.commit()
    reason = "an assignee is marked as leaving or on leave in HR"
    assert reason in signed_in("manager").get("/ui/projects/RD").text
    assert "1 Risks" in signed_in("manager").get("/ui/portfolio").text
    partner = signed_in("partner")
    assert reason not in partner.get("/ui/projects/RD").text
    assert "1 Risks" not in partner.get("/ui/portfolio").text


def test_pages_run_only_the_packages_own_scripts_and_are_not_framed(signed_in: Client) -> None:
    answer = signed_in("manager").get("/ui/portfolio")
    policy = answer.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert 'src="/ui/static/htmx.min.js"' in answer.text
    assert "https://" not in answer.text.split("</head>")[0]  # nothing from a CDN
    assert signed_in("manager").get("/ui/static/htmx.min.js").status_code == 200


def test_a_nul_anywhere_is_a_400_not_a_500(signed_in: Client, world: World) -> None:
    client = signed_in("manager")
    for url in ("/ui/projects/R%00D", "/ui/activity?person=a%00b", "/ui/portfolio?q=%00",
                "/ui/projects/RD/board?widget=%00"):
        assert client.get(url).status_code == 400, url
    csrf = csrf_of(client.get("/ui/portfolio").text)
    answer = client.post(f"/ui/tasks/{world.ids['rd_task']}/move",
                         data={"csrf": csrf, "status": "do\x00ne", "version": "1"})
    assert answer.status_code == 422  # a form field the hub refuses, named in the answer
    assert "status" in answer.text


def test_ended_sessions_are_forgotten_at_the_next_sign_in(app: FastAPI, world: World,
                                                          engine: Engine) -> None:
    with TestClient(app) as first:
        sign_in(first, world.tokens["manager"])
    app.state.clock = lambda: NOW + timedelta(days=2)  # the first session expired a day ago
    with TestClient(app) as second:
        sign_in(second, world.tokens["manager"])
    with Session(engine) as session:
        assert len(list(session.scalars(select(UiSession)))) == 1
