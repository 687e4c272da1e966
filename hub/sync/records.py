"""Canonical records as the engine sees them: flat field -> JSON value dicts.

The engine compares, stores in shadows and audits JSON values only (dates as ISO strings,
money as normalised decimal strings, people as case-folded e-mails, projects by key), so a
value read back from the database equals the value that was written, on every database.
References to people and projects are resolved here, with caches per batch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import Date, Numeric, false, inspect, select, update
from sqlalchemy.orm import Session, lazyload

from hub.ids import new_id
from hub.mapping.values import to_json
from hub.model.enums import Entity
from hub.store.base import UTCDateTime
from hub.store.canonical import Account, Person, PersonEmail, Project, RecordMixin, Task
from hub.store.sync import SyncCursor
from hub.store.tables import RECORD_TABLES

_NOT_FIELDS = {"id", "version", "created_at", "updated_at", "deleted_at", "custom", "provenance",
               "risks"}  # risks are derived by the hub, never synced
#: engine field (also the relationship's name) -> referenced kind: people by e-mail, projects
#: by key
REFERENCES: dict[Entity, dict[str, str]] = {
    Entity.project: {"owner": "person"},
    Entity.task: {"project": "project"},
    Entity.person: {"manager": "person"},
    Entity.absence: {"person": "person"},
    Entity.budget_line: {"project": "project"},
    Entity.comment: {},  # comments are written by hub.sync.comments, not the mapping engine
    Entity.account: {"owner": "person"},
    Entity.opportunity: {"account": "account", "owner": "person", "project": "project"},
}
#: columns the engine never writes directly (references and derived ids)
_HIDDEN = {"owner_id", "project_id", "manager_id", "person_id", "parent_id", "primary_email",
           "account_id"}


def field_provenance(provenance: dict[str, Any], name: str) -> dict[str, Any]:
    """Who last set field `name`: its own entry, else the record's shared one (`*`), which
    a record created in one go carries instead of one entry per field."""
    return dict(provenance.get(name) or provenance.get("*") or {})


def column_fields(entity: Entity) -> list[str]:
    """The plain column fields of an entity the engine reads and writes."""
    return [name for name, _ in _columns(entity).items() if name not in _NOT_FIELDS | _HIDDEN]


@cache
def _row_template(entity: Entity) -> dict[str, Any]:
    """Every engine column with its scalar default, the start of a bulk-insert row."""
    columns = _columns(entity)
    template = {}
    for name in column_fields(entity):
        default = columns[name].default
        template[name] = None if default is None or callable(default.arg) else default.arg
    for name in REFERENCES[entity]:
        template[f"{name}_id"] = None
    return template


def _columns(entity: Entity) -> Any:
    return inspect(RECORD_TABLES[entity]).columns


def engine_fields(entity: Entity) -> list[str]:
    """Every non-custom field name the engine knows for `entity`."""
    extra = ["email"] if entity is Entity.person else []
    extra += ["assignees"] if entity is Entity.task else []
    return column_fields(entity) + list(REFERENCES[entity]) + extra


class RecordStore:
    """Reads and writes canonical records in JSON values, resolving references with caches.

    One instance per transaction: it caches people by e-mail and projects by key.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self._people: dict[str, Person] = {}
        self._projects: dict[str, Project] = {}
        self._accounts: dict[str, Account] = {}
        self._no_accounts: set[str] = set()  # looked up and not found
        self._absent: set[str] = set()  # looked up and not found: created on first use

    # -- loading -------------------------------------------------------------------------
    def load(self, entity: Entity, ids: Iterable[str], *,
             for_update: bool = False) -> dict[str, RecordMixin]:
        """The records with these ids, in one query. With `for_update` (a change will be
        decided from them) each row is locked until the transaction ends, in id order, so that
        another connector's batch changing the same record waits and then reads this one's
        result, instead of deciding from the same old values (a lost update, no conflict)."""
        wanted = list(set(ids))
        if not wanted:
            return {}
        table = RECORD_TABLES[entity]
        query = select(table).where(table.id.in_(wanted))
        if for_update:
            write_lock(self.session)
            query = query.order_by(table.id).with_for_update(of=table) \
                .execution_options(populate_existing=True)
        rows = self.session.scalars(query).all()
        found: dict[str, RecordMixin] = {r.id: r for r in rows}
        self._remember(entity, found.values())
        return found

    def preload_people(self, emails: Iterable[str]) -> None:
        """Cache the people with these e-mails (one query) before resolving many references."""
        wanted = [e for e in set(emails) if e and e not in self._people and e not in self._absent]
        if wanted:
            # References need the person, not their e-mails or manager chain: those load
            # only if something reads them.
            for email, person in self.session.execute(
                    select(PersonEmail.email, Person).join(Person)
                    .where(PersonEmail.email.in_(wanted))
                    .options(lazyload(Person.emails), lazyload(Person.manager))):
                self._people[email] = person
            self._absent.update(e for e in wanted if e not in self._people)

    def preload_projects(self, keys: Iterable[str]) -> None:
        """Cache the projects with these keys (one query)."""
        wanted = [k for k in set(keys) if k and k not in self._projects and k not in self._absent]
        if wanted:
            for project in self.session.scalars(
                    select(Project).where(Project.key.in_(wanted))
                    .options(lazyload(Project.owner))):
                self._projects[str(project.key)] = project
            self._absent.update(k for k in wanted if k not in self._projects)

    def _remember(self, entity: Entity, records: Iterable[RecordMixin]) -> None:
        for record in records:
            if isinstance(record, Person):
                for address in record.emails:
                    self._people.setdefault(address.email, record)
            elif isinstance(record, Project) and record.key:
                self._projects.setdefault(record.key, record)
            elif isinstance(record, Account) and record.key:
                self._accounts.setdefault(record.key, record)

    # -- reading -------------------------------------------------------------------------
    def values(self, entity: Entity, record: RecordMixin) -> dict[str, Any]:
        """Every field of `record` as JSON values, custom fields as `custom.<name>`."""
        out = {name: to_json(getattr(record, name)) for name in column_fields(entity)}
        for name in REFERENCES[entity]:
            target = getattr(record, name)
            out[name] = None if target is None else (
                target.primary_email if isinstance(target, Person) else target.key)
        if isinstance(record, Task):
            out["assignees"] = sorted(p.primary_email or "" for p in record.assignees)
        if isinstance(record, Person):
            out["email"] = record.primary_email
        for key, value in (record.custom or {}).items():
            out[f"custom.{key}"] = value
        return out

    # -- writing -------------------------------------------------------------------------
    def create(self, entity: Entity, record_id: str | None = None) -> RecordMixin:
        """A new, empty record of `entity`, added to the session."""
        record = RECORD_TABLES[entity]()
        record.id = record_id or new_id()
        record.custom, record.provenance, record.version = {}, {}, 1
        self.session.add(record)
        self._remember(entity, [record])
        return record

    def write(self, entity: Entity, record: RecordMixin, changes: dict[str, Any]) -> None:
        """Set fields from JSON values; references are resolved (people and projects are
        created from an e-mail or key the hub has not seen yet)."""
        # A half-written new record must not be flushed by a lookup query on the way.
        with self.session.no_autoflush:
            self._write(entity, record, changes)

    def _write(self, entity: Entity, record: RecordMixin, changes: dict[str, Any]) -> None:
        custom = dict(record.custom or {})
        convert = _converters(entity)
        for name, value in changes.items():
            if name.startswith("custom."):
                key = name.removeprefix("custom.")
                if value is None:
                    custom.pop(key, None)
                else:
                    custom[key] = value
            elif name in REFERENCES[entity]:
                kind = REFERENCES[entity][name]
                # Set the relationship, not the id: the flush then inserts the target first.
                setattr(record, name, self.target(kind, value))
            elif name == "assignees" and isinstance(record, Task):
                record.assignees = [p for p in (self.person(e) for e in value or []) if p]
            elif name == "email" and isinstance(record, Person):
                self._set_email(record, value)
            else:
                to_python = convert.get(name)
                setattr(record, name, to_python(value) if to_python and value is not None
                        else value)
        record.custom = custom

    def new_row(self, entity: Entity, record_id: str,
                values: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
        """A new record as a row for a bulk insert, and (for tasks) its assignees' person ids.

        Backfills create thousands of records a page; rows skip the ORM's per-object work.
        """
        convert = _converters(entity)
        row = dict(_row_template(entity))
        row["custom"] = {}
        for name, value in values.items():
            if name.startswith("custom."):
                if value is not None:
                    row["custom"][name.removeprefix("custom.")] = value
            elif name in REFERENCES[entity]:
                target = self.target(REFERENCES[entity][name], value)
                row[f"{name}_id"] = target.id if target else None
            elif name in row:
                to_python = convert.get(name)
                row[name] = to_python(value) if to_python and value is not None else value
        people = [p.id for p in (self.person(e) for e in values.get("assignees") or []) if p]
        row["id"] = record_id
        return row, people

    def target(self, kind: str, ref: str | None) -> Person | Project | Account | None:
        """The record a reference of `kind` names: a person by e-mail, a project or an account
        by key."""
        if kind == "person":
            return self.person(ref)
        return self.project(ref) if kind == "project" else self.account(ref)

    def account(self, key: str | None) -> Account | None:
        """The account with this key (the CRM's id or number); a new one named after the key
        when unseen, as a project is."""
        if not key:
            return None
        account = self._accounts.get(key)
        if account is None and key not in self._no_accounts:
            self.preload_accounts([key])
            account = self._accounts.get(key)
        if account is None:
            account = Account(id=new_id(), key=key, name=key, custom={}, provenance={},
                              version=1)
            self.session.add(account)
            self._accounts[key] = account
        return account

    def preload_accounts(self, keys: Iterable[str]) -> None:
        """Cache the accounts with these keys (one query)."""
        wanted = [k for k in set(keys) if k and k not in self._accounts
                  and k not in self._no_accounts]
        if wanted:
            with self.session.no_autoflush:
                for account in self.session.scalars(
                        select(Account).where(Account.key.in_(wanted))
                        .options(lazyload(Account.owner))):
                    self._accounts[str(account.key)] = account
            self._no_accounts.update(k for k in wanted if k not in self._accounts)

    def person(self, email: str | None) -> Person | None:
        """The person with this e-mail; a new one when the hub has not met them yet."""
        if not email:
            return None
        person = self._people.get(email)
        if person is None and email not in self._absent:
            self.preload_people([email])
            person = self._people.get(email)
        if person is None:
            person = Person(id=new_id(), display_name=email.split("@")[0], primary_email=email,
                            custom={"unverified": True}, provenance={}, version=1)
            person.emails = [PersonEmail(email=email, is_primary=True)]
            self.session.add(person)
            self._people[email] = person
        return person

    def met(self, email: str) -> Person | None:
        """The person with this e-mail if this transaction has loaded or made them already
        (a placeholder for an assignee earlier in the batch), without a query."""
        return self._people.get(email)

    def project(self, key: str | None) -> Project | None:
        """The project with this key; a new one named after the key when unseen."""
        if not key:
            return None
        project = self._projects.get(key)
        if project is None and key not in self._absent:
            self.preload_projects([key])
            project = self._projects.get(key)
        if project is None:
            project = Project(id=new_id(), key=key, name=key, custom={}, provenance={},
                              version=1)
            self.session.add(project)
            self._projects[key] = project
        return project

    def _set_email(self, person: Person, email: str | None) -> None:
        person.primary_email = email
        if email is None:
            return
        for address in person.emails:
            address.is_primary = address.email == email
        if email not in {a.email for a in person.emails}:
            person.emails.append(PersonEmail(email=email, is_primary=True))
        self._people[email] = person


@cache
def _converters(entity: Entity) -> dict[str, Callable[[Any], Any]]:
    """JSON value -> column value, for the columns whose JSON form is not their value."""
    columns = _columns(entity)
    out: dict[str, Callable[[Any], Any]] = {}
    for name in column_fields(entity):
        column_type = columns[name].type
        if isinstance(column_type, Date):
            out[name] = date.fromisoformat
        elif isinstance(column_type, UTCDateTime):
            out[name] = datetime.fromisoformat
        elif isinstance(column_type, Numeric):
            out[name] = lambda v: Decimal(str(v))
    return out


def write_lock(session: Session) -> None:
    """Make the session's transaction a writer now. PostgreSQL locks the rows read
    `FOR UPDATE`; SQLite (one writer at a time, and its driver begins a transaction only at
    the first write) needs a write before the reads, or two transactions may both read a
    record, then write one after the other, the second never seeing the first's change."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(SyncCursor).where(false()).values(stream=SyncCursor.stream))
