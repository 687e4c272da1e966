"""A won deal becomes a delivery project (`sync.deals` in the config).

When an opportunity reaches the configured stage (default: any won stage) and is not linked to
a project yet, the hub links it to its account's delivery project, or makes one: a project from
the template (key, name, department) and its kickoff tasks, each queued for creation in the
delivery tool (`to`). It happens once: a replay, a second poll or webhook of the same change
finds the deal linked and does nothing; a second won deal of the same account joins the
account's project instead of making another.

A deal that leaves the won stage after delivery started (re-opened, lost) deletes nothing: the
project gets a risk (`custom.deal_risk`) that says so; winning it again clears it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from hub.config.sync import DealRule
from hub.model.enums import Entity, OpportunityStatus, ProjectStatus, TaskStatus
from hub.store.canonical import Account, Opportunity, Project, Task
from hub.store.sync import AuditEntry, IntentState, PushIntent
from hub.sync.derive import DeriveContext, Rule, register

WATCHED = ("status", "stage")


def _rule_for(ctx: DeriveContext, deal: Opportunity) -> DealRule | None:
    """The first `sync.deals` rule whose stage the deal is in."""
    rules = ctx.rt.config.sync.deals if ctx.rt is not None else []
    for rule in rules:
        if rule.stage is not None and deal.stage == rule.stage:
            return rule
        if rule.stage is None and deal.status == OpportunityStatus.won:
            return rule
    return None


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").upper()[:40]


def _fill(template: str, deal: Opportunity, account: Account | None) -> str:
    return template.format(account_key=(account.key if account else None) or deal.id,
                           account_name=account.name if account else deal.name,
                           account_slug=_slug(account.name if account else deal.name),
                           deal_id=deal.id)


def _account_project(ctx: DeriveContext, deal: Opportunity) -> Project | None:
    """The delivery project another deal of the same account is linked to."""
    if deal.account_id is None:
        return None
    return ctx.session.scalars(
        select(Project).join(Opportunity, Opportunity.project_id == Project.id)
        .where(Opportunity.account_id == deal.account_id, Opportunity.id != deal.id,
               Project.deleted_at.is_(None)).order_by(Project.created_at).limit(1)).first()


def _audit_created(ctx: DeriveContext, entity: Entity, record_id: str,
                   values: Mapping[str, Any]) -> None:
    ctx.session.add(AuditEntry(
        entity=entity, record_id=record_id, action="create",
        changes={k: {"old": None, "new": v} for k, v in values.items()},
        source=ctx.rule.source, delivery="derive", at=ctx.now))


def _start_delivery(ctx: DeriveContext, rule: DealRule, deal: Opportunity) -> Project:
    """The delivery project of a won deal, made from the template with its kickoff tasks (the
    tasks queued for creation in the delivery tool)."""
    account = deal.account
    key = _fill(rule.project_key, deal, account)
    # A project the delivery tool has already (a Jira project by its key) is taken as it is.
    existing = ctx.session.scalars(select(Project).where(Project.key == key)).first()
    project = ctx.store.project(key)
    assert project is not None
    stamp = {"source": ctx.rule.source, "link": None, "at": ctx.now.isoformat(), "v": 1,
             "exact": True}
    if existing is None:
        project.name = _fill(rule.project_name, deal, account)
        project.department, project.status = rule.department, ProjectStatus.active
        project.start_date = ctx.now.date()
        project.custom = {"account": account.key if account else None, "deal": deal.id}
        project.provenance = {"*": stamp}
        _audit_created(ctx, Entity.project, project.id, {
            "key": key, "name": project.name, "department": rule.department,
            "status": "active"})
    connectors = ctx.rt.connectors if ctx.rt is not None else {}
    for title in rule.tasks:
        task = ctx.store.create(Entity.task)
        assert isinstance(task, Task)
        task.title, task.status, task.project = title, TaskStatus.todo, project
        task.provenance = {"*": stamp}
        _audit_created(ctx, Entity.task, task.id, {"title": title, "project": key,
                                                   "status": "todo"})
        if rule.to in connectors:
            ctx.session.add(PushIntent(
                connector_id=rule.to, entity=Entity.task, record_id=task.id, link_id=None,
                create=True, attempts=0, next_attempt_at=ctx.now, state=IntentState.pending))
    return project


def _derive(ctx: DeriveContext) -> dict[str, dict[str, Any]]:
    if ctx.rt is None or not ctx.rt.config.sync.deals:
        return {}
    deals = ctx.store.load(Entity.opportunity, ctx.changes.ids(Entity.opportunity, WATCHED))
    out: dict[str, dict[str, Any]] = {}
    for deal in deals.values():
        assert isinstance(deal, Opportunity)
        if deal.deleted_at is not None or deal.project_id is not None:
            continue  # once: a linked deal stays linked
        rule = _rule_for(ctx, deal)
        if rule is None:
            continue
        project = _account_project(ctx, deal) or _start_delivery(ctx, rule, deal)
        ctx.session.flush()
        out[deal.id] = {"project": project.key}
    return out


def _risks(ctx: DeriveContext) -> dict[str, dict[str, Any]]:
    """A risk on the delivery project of a deal that left the won stage; none once won."""
    if ctx.rt is None or not ctx.rt.config.sync.deals:
        return {}
    deals = ctx.store.load(Entity.opportunity, ctx.changes.ids(Entity.opportunity, WATCHED))
    out: dict[str, dict[str, Any]] = {}
    for deal in deals.values():
        assert isinstance(deal, Opportunity)
        if deal.project_id is None:
            continue
        if _rule_for(ctx, deal) is not None:
            out[deal.project_id] = {"custom.deal_risk": None}
        else:
            lost = deal.status == OpportunityStatus.lost
            out[deal.project_id] = {"custom.deal_risk": (
                f"the deal {deal.name!r} was {'lost' if lost else 're-opened'} "
                f"({deal.stage}) after delivery started")}
    return out


register(Rule(name="deal_delivery", target=Entity.opportunity, sets=("project",),
              watches={Entity.opportunity: WATCHED}, derive=_derive))
register(Rule(name="deal_risk", target=Entity.project, sets=("custom.deal_risk",),
              watches={Entity.opportunity: WATCHED}, derive=_risks))
