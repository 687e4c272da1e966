"""/ui/portal: the partner portal's page and its request form."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from hub.api.deps import ClockDep, SessionDep
from hub.api.resources import kinds
from hub.api.writes import after_write
from hub.model.enums import Entity
from hub.model.text import NO_NUL
from hub.store.sync import Link
from hub.ui import portal
from hub.ui.portfolio import PortfolioQuery, portfolio
from hub.ui.web import PREFIX, CsrfDep, SignedInDep, back_with, page

router = APIRouter(prefix=PREFIX, include_in_schema=False)


@router.get("/portal")
def portal_page(request: Request, who: SignedInDep, session: SessionDep,
                clock: ClockDep) -> Response:
    """A partner's shared projects, its requests and their status, and the request form."""
    principal = who.principal
    projects = portfolio(session, principal, PortfolioQuery(sort="key"), clock().date(),
                         kinds(request))
    requests = portal.requests_of(session, principal)
    links = {link.record_id: link for link in session.scalars(select(Link).where(
        Link.entity == Entity.task, Link.record_id.in_([t.id for t in requests]),
        Link.deleted_at.is_(None)))} if requests else {}
    config = request.app.state.config.portal
    return page(request, "portal.html", {
        "projects": projects, "requests": requests, "links": links, "kinds": portal.KINDS,
        "takes_requests": config.requests_to is not None, "form": {}, "error": None}, who=who)


@router.post("/portal/requests")
async def send_request(request: Request, who: CsrfDep, session: SessionDep, clock: ClockDep,
                       project: Annotated[str, Form(max_length=64, pattern=NO_NUL)] = "",
                       kind: Annotated[str, Form(max_length=32, pattern=NO_NUL)] = "",
                       title: Annotated[str, Form(max_length=400, pattern=NO_NUL)] = "",
                       details: Annotated[str, Form(max_length=8000, pattern=NO_NUL)] = "",
                       link: Annotated[str, Form(max_length=2000, pattern=NO_NUL)] = ""
                       ) -> Response:
    """Check a partner's request and turn it into a task in the configured tool."""
    try:
        asked = portal.PartnerRequest.model_validate({
            "project": project, "kind": kind, "title": title, "details": details,
            "link": link.strip() or None})
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'form'}: {e['msg']}"
                             for e in exc.errors(include_url=False))
        return page(request, "refused.html", {"message": f"The request was not sent: "
                                                         f"{problems}."},
                    who=who, status_code=400)
    portal_url = str(request.url_for("portal_page"))

    def send() -> str:
        task = portal.submit(session, request.app.state.runtime, request.app.state.config,
                             who.principal, asked, clock(), portal_url)
        session.commit()
        return task.title

    try:
        title_sent = await run_in_threadpool(send)
    except portal.PortalRefused as exc:
        session.rollback()
        return page(request, "refused.html", {"message": str(exc)}, who=who,
                    status_code=exc.status)
    await after_write(request)
    return back_with(request, f"{PREFIX}/portal",
                     f"Sent: “{title_sent}” is on its way to the team's tool.")
