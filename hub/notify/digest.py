# ruff: noqa: RUF001 - Chinese messages use Chinese punctuation
"""Daily digests per project, department, manager or for everything: what was done, what
changed, new and cleared risks, open conflicts, budget movement and the delivery forecasts of
the last day, written once a day (a unique row per subject, day and language, so two processes
asking at once make one) and sent through the chosen channels. Each digest is built for its
channel's audience: the visibility policy decides which records and risks it mentions."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hub.auth import policy
from hub.auth.principal import Principal
from hub.config.rules import Audience, DigestTarget, Language
from hub.model.enums import Entity, TaskStatus
from hub.query.scope import visible
from hub.rules.audience import principal_of
from hub.store.canonical import BudgetLine, Person, Project, Task
from hub.store.notify import Digest, Forecast, Notification, NotificationState
from hub.store.sync import AuditEntry, Conflict, ConflictState
from hub.sync import wake
from hub.sync.dispatch import Job
from hub.sync.runtime import Runtime

_LISTED = 10  # items a list shows; the facts keep them all
_TEXT: dict[Language, dict[str, str]] = {
    "en": {"title": "Daily digest {subject}, {day}", "done": "Done ({n})",
           "changed": "Changed: {changes} change(s) to {records} record(s)",
           "raised": "New risks ({n})", "cleared": "Cleared risks ({n})",
           "conflicts": "Open conflicts: {n}", "budget": "Budget movement ({n})",
           "forecast": "Forecast", "nothing": "Nothing happened.",
           "fc": "{project}: P50 {p50}, P85 {p85}, due {due}, {late} chance of missing it",
           "nofc": "{project}: {reason}", "all": "for everything",
           "more": "- and {n} more"},
    "zh": {"title": "每日摘要 {subject}（{day}）", "done": "已完成（{n}）",
           "changed": "变更：{records} 条记录共 {changes} 处变更",
           "raised": "新风险（{n}）", "cleared": "已解除的风险（{n}）",
           "conflicts": "未解决的冲突：{n}", "budget": "预算变动（{n}）",
           "forecast": "交付预测", "nothing": "今天没有变化。",
           "fc": "{project}：P50 {p50}，P85 {p85}，截止 {due}，延期概率 {late}",
           "nofc": "{project}：{reason}", "all": "（全部）", "more": "- 另有 {n} 项"},
}


def _projects(session: Session, target: DigestTarget, key: str | None) -> ColumnElement[bool]:
    if target.scope == "project" and key:
        return Project.key == key
    if target.scope == "department" and key:
        return Project.department == key
    if target.scope == "manager" and key:
        owner = select(Person.id).where(Person.primary_email == key).scalar_subquery()
        return Project.owner_id == owner
    return true()


def subjects(session: Session, target: DigestTarget) -> list[str | None]:
    """The subjects of a target: its key, or every project/department/manager."""
    if target.key or target.scope == "all":
        return [target.key]
    if target.scope == "project":
        return list(session.scalars(select(Project.key).where(
            Project.deleted_at.is_(None), Project.key.isnot(None)).order_by(Project.key)))
    if target.scope == "department":
        return list(session.scalars(select(Project.department).where(
            Project.deleted_at.is_(None), Project.department.isnot(None)).distinct()))
    return list(session.scalars(select(Person.primary_email).join(
        Project, Project.owner_id == Person.id).where(Project.deleted_at.is_(None)).distinct()))


def build(session: Session, target: DigestTarget, key: str | None, principal: Principal,
          day: date, now: datetime) -> dict[str, Any]:
    """The facts of one digest as the principal may read them."""
    since = now - timedelta(days=1)
    in_scope = _projects(session, target, key)
    projects = {pid: (pkey or name) for pid, pkey, name in session.execute(
        select(Project.id, Project.key, Project.name).where(
            in_scope, Project.deleted_at.is_(None), visible(Entity.project, principal)))}
    task_rows = session.execute(select(Task.id, Task.title, Task.status, Task.completed_at)
                                .where(Task.project_id.in_(list(projects)),
                                       visible(Entity.task, principal))).all()
    titles = {t.id: t.title for t in task_rows}
    done = sorted(t.title for t in task_rows if t.status == TaskStatus.done
                  and t.completed_at is not None and t.completed_at >= since)
    hidden = policy.hidden_values(principal, Entity.task, "risks")
    audits = list(session.scalars(select(AuditEntry).where(
        AuditEntry.at >= since, AuditEntry.at <= now,
        AuditEntry.record_id.in_([*titles, *projects]))))
    raised: list[str] = []
    cleared: list[str] = []
    for entry in audits:
        risks = (entry.changes or {}).get("risks")
        if entry.entity is Entity.task and isinstance(risks, dict) and "new" in risks:
            old, new = set(risks.get("old") or []), set(risks.get("new") or [])
            name = titles.get(entry.record_id, entry.record_id)
            raised += [f"{name}: {r}" for r in sorted(new - old) if r not in hidden]
            cleared += [f"{name}: {r}" for r in sorted(old - new) if r not in hidden]
    changes = Counter(e.record_id for e in audits if e.source and not e.source.startswith(
        ("derive:", "rule:")))
    conflicts = 0
    if policy.may_read_conflicts(principal):
        conflicts = len(list(session.scalars(select(Conflict.id).where(
            Conflict.state == ConflictState.open,
            Conflict.record_id.in_([*titles, *projects])))))
    budget: list[str] = []
    if policy.may_read(principal, Entity.budget_line, "approval_status"):
        lines = {b.id: projects.get(b.project_id or "", "") for b in session.scalars(
            select(BudgetLine).where(BudgetLine.project_id.in_(list(projects))))}
        for entry in session.scalars(select(AuditEntry).where(
                AuditEntry.entity == Entity.budget_line, AuditEntry.at >= since,
                AuditEntry.record_id.in_(list(lines)))):
            for name, change in sorted((entry.changes or {}).items()):
                # an update holds {old, new}; a create the new value alone
                before, after = (change.get("old"), change.get("new")) \
                    if isinstance(change, dict) else (None, change)
                if name in ("approval_status", "approved", "actual") and before != after:
                    budget.append(f"{lines[entry.record_id]} {name}: {before} → {after}")
    forecasts = [{"project": projects[f.project_id], "p50": _d(f.p50), "p85": _d(f.p85),
                  "due": _d(f.due_date), "late": f.probability_late, "reason": f.reason}
                 for f in session.scalars(select(Forecast).where(
                     Forecast.project_id.in_(list(projects))).order_by(Forecast.project_id))]
    return {"day": day.isoformat(), "projects": sorted(projects.values()), "done": done,
            "changes": sum(changes.values()), "changed_records": len(changes),
            "risks_raised": raised, "risks_cleared": cleared, "open_conflicts": conflicts,
            "budget": budget, "forecasts": forecasts}


def _d(value: date | None) -> str:
    return value.isoformat() if value else "—"


def render_digest(facts: dict[str, Any], subject: str, language: Language) -> tuple[str, str]:
    """The digest's title and body in `language`."""
    text = _TEXT[language]
    title = text["title"].format(subject=subject, day=facts["day"])
    parts: list[str] = []
    for key, items in (("done", facts["done"]), ("raised", facts["risks_raised"]),
                       ("cleared", facts["risks_cleared"]), ("budget", facts["budget"])):
        if items:
            shown = [f"- {i}" for i in items[:_LISTED]]
            if len(items) > _LISTED:
                shown.append(text["more"].format(n=len(items) - _LISTED))
            parts.append(text[key].format(n=len(items)) + "\n" + "\n".join(shown))
    if facts["changes"]:
        parts.append(text["changed"].format(changes=facts["changes"],
                                            records=facts["changed_records"]))
    if facts["open_conflicts"]:
        parts.append(text["conflicts"].format(n=facts["open_conflicts"]))
    if facts["forecasts"]:
        lines = [text["fc"].format(project=f["project"], p50=f["p50"], p85=f["p85"],
                                   due=f["due"], late=f"{f['late']:.0%}")
                 if f["late"] is not None else text["nofc"].format(**f)
                 for f in facts["forecasts"]]
        parts.append(text["forecast"] + "\n" + "\n".join(f"- {line}" for line in lines))
    return title, "\n\n".join(parts) or text["nothing"]


def due_digests(rt: Runtime, now: datetime) -> int:
    """Write today's digests if their time has come and they aren't written yet (in any
    process), and queue them to their channels; returns how many were written."""
    settings = rt.config.digests
    if not settings.targets or now.time().replace(tzinfo=None) < settings.at:
        return 0
    written = 0
    for target in settings.targets:
        with rt.sessions() as session:
            keys = subjects(session, target)
        for key in keys:
            channels: list[str | None] = list(target.channels) or [None]
            for name in channels:
                written += _write_one(rt, target, key, name, now)
    return written


def _write_one(rt: Runtime, target: DigestTarget, key: str | None, channel: str | None,
               now: datetime) -> int:
    day = now.date()
    settings = rt.config.channels.get(channel) if channel else None
    language: Language = settings.language if settings else "en"
    audience = settings.audience if settings else Audience(role="manager")
    principal = principal_of(channel or "digest", audience)
    subject = key or _TEXT[language]["all"]
    scope_key = f"{key or '*'}@{channel or '-'}"
    try:
        with rt.sessions.begin() as session:
            if session.scalar(select(Digest.id).where(
                    Digest.scope == target.scope, Digest.key == scope_key, Digest.day == day,
                    Digest.language == language)) is not None:
                return 0
            facts = build(session, target, key, principal, day, now)
            title, body = render_digest(facts, subject, language)
            session.add(Digest(scope=target.scope, key=scope_key, day=day, language=language,
                               title=title, body=body, facts=facts, created_at=now))
            if channel:
                session.add(Notification(
                    channel=channel, rule="digest", title=title[:300], body=body,
                    dedupe_key=f"digest:{target.scope}:{scope_key}:{day}", language=language,
                    state=NotificationState.pending, attempts=0, next_attempt_at=now,
                    created_at=now))
                wake.ask(session, {Job("notify")})
    except IntegrityError:
        return 0  # another process wrote it first
    return 1
