"""/api/v1/tasks/{id}/comments: a task's comment thread, each comment with its origin."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from hub.api.answer import JSONAnswer
from hub.api.deps import PrincipalDep, ReadSessionDep, RecordRef, release
from hub.api.resources import READ_RESPONSES, as_problems, kinds
from hub.query.comments import task_comments

router = APIRouter(tags=["tasks"])


class CommentThread(BaseModel):
    """A task's comments, oldest first."""

    data: list[dict[str, Any]] = Field(description=(
        "comments: body (mentions as @Name, resolved in `mentions`), author, written_at, "
        "edited_at, attachments as links, origin (the tool it was written in) and sources "
        "(its copy in each tool)"))


@router.get("/tasks/{task_id}/comments", response_model=CommentThread,
            responses=READ_RESPONSES, summary="List a task's comments")
def list_task_comments(
        request: Request, task_id: RecordRef, principal: PrincipalDep,
        session: ReadSessionDep,
        include_deleted: Annotated[bool, Query(description="deleted comments too")] = False,
) -> JSONResponse:
    """The comments on a task, from every tool that holds it, with where each was written.
    A partner sees only comments on shared tasks, and none kept internal."""
    with as_problems():
        data = task_comments(session, principal, task_id, kinds(request), include_deleted)
    release(session)
    return JSONAnswer({"data": data})
