"""GET /api/v1/tasks/{id}/comments: a task's thread with each comment's origin, through the one
visibility policy: a partner reads comments on shared tasks only, none internal, and no
e-mails; a task out of scope is a 404, as for the task itself."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from hub.model.enums import Entity
from hub.store.canonical import Person
from hub.store.comments import Comment
from hub.store.sync import Link
from tests.api.world import NOW, World


def _comments(engine: Engine, world: World) -> None:
    with Session(engine) as session:
        alice = session.get_one(Person, world.ids["rd_person"])
        rows = [
            ("rd_task", "Ship it on Friday, @Alice Rivera", False, None),
            ("rd_task", "Root cause: the cache (R&D only)", True, None),
            ("rd_task", "Old note", False, NOW),
            ("mk_task", "Banner copy is ready", False, None),
        ]
        for n, (task, body, internal, deleted) in enumerate(rows):
            comment = Comment(task_id=world.ids[task], author=alice, author_name="Alice Rivera",
                              body=body, mentions=[{"name": "@Alice Rivera",
                                                    "email": "alice@example.com"}],
                              attachments=[], kind="comment",
                              written_at=NOW + timedelta(minutes=n), source="a",
                              source_remote_id=f"c{n}", internal=internal, deleted_at=deleted,
                              custom={}, provenance={}, version=1)
            session.add(comment)
            session.flush()
            session.add(Link(connector_id="a", remote_type="comment", remote_id=f"c{n}",
                             entity=Entity.comment, record_id=comment.id,
                             shadow={"body": body}, url=f"https://a.example/c{n}"))
        session.commit()


def test_a_manager_reads_the_thread_with_origins(client: TestClient, world: World,
                                                 engine: Engine) -> None:
    _comments(engine, world)
    answer = client.get(f"/api/v1/tasks/{world.ids['rd_task']}/comments",
                        headers=world.auth("manager"))
    assert answer.status_code == 200
    data = answer.json()["data"]
    assert [c["body"] for c in data] == ["Ship it on Friday, @Alice Rivera",
                                         "Root cause: the cache (R&D only)"]
    assert data[0]["origin"] == {"connector": "a", "kind": "fake"}
    assert data[0]["sources"][0]["url"] == "https://a.example/c0"
    assert data[0]["author"]["display_name"] == "Alice Rivera"
    assert data[0]["mentions"] == [{"name": "@Alice Rivera", "email": "alice@example.com"}]
    deleted = client.get(f"/api/v1/tasks/{world.ids['rd_task']}/comments",
                         params={"include_deleted": "true"}, headers=world.auth("manager"))
    assert len(deleted.json()["data"]) == 3


def test_a_partner_reads_shared_comments_only_and_none_internal(
        client: TestClient, world: World, engine: Engine) -> None:
    _comments(engine, world)
    shared = client.get(f"/api/v1/tasks/{world.ids['rd_task']}/comments",
                        headers=world.auth("partner"))
    other = client.get(f"/api/v1/tasks/{world.ids['mk_task']}/comments",
                       headers=world.auth("partner"))

    assert shared.status_code == 200
    [comment] = shared.json()["data"]
    assert comment["body"] == "Ship it on Friday, @Alice Rivera"
    assert comment["mentions"] == [{"name": "@Alice Rivera"}]  # no e-mails for a partner
    assert "provenance" not in comment
    assert other.status_code == 404
    assert "Banner" not in other.text
