"""The sandbox's org: Account, Opportunity and User records with Salesforce's ids, field rules,
system fields and recycle bin (deleted records stay 15 days for getDeleted and queryAll)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

#: the key prefix of each object's ids
PREFIXES = {"Account": "001", "Opportunity": "006", "User": "005"}
#: the stages of the default sales process: probability, closed, won
STAGES: dict[str, tuple[int, bool, bool]] = {
    "Prospecting": (10, False, False), "Qualification": (10, False, False),
    "Needs Analysis": (20, False, False), "Value Proposition": (50, False, False),
    "Id. Decision Makers": (60, False, False), "Perception Analysis": (70, False, False),
    "Proposal/Price Quote": (75, False, False), "Negotiation/Review": (90, False, False),
    "Closed Won": (100, True, True), "Closed Lost": (0, True, False),
}
#: fields a caller may write, per object (custom fields end in __c)
WRITABLE: dict[str, set[str]] = {
    "Account": {"Name", "Industry", "Website", "AccountNumber", "OwnerId", "Hub_Id__c"},
    "Opportunity": {"Name", "AccountId", "StageName", "Amount", "CurrencyIsoCode", "CloseDate",
                    "Probability", "OwnerId", "Hub_Id__c", "Delivery_Project__c",
                    "Delivery_Percent_Done__c", "Delivery_Status__c", "Next_Milestone__c",
                    "Next_Milestone_Date__c", "Budget_Status__c"},
    "User": {"Name", "Email", "Username", "Department"},
}
SYSTEM = {"Id", "IsDeleted", "CreatedDate", "LastModifiedDate", "SystemModstamp",
          "LastModifiedById", "CreatedById"}
DERIVED = {"Opportunity": {"IsClosed", "IsWon"}}
#: relationship name -> (its id field, the object it points at)
RELATIONS = {"Owner": ("OwnerId", "User"), "Account": ("AccountId", "Account"),
             "LastModifiedBy": ("LastModifiedById", "User")}
EXTERNAL_IDS = {"Hub_Id__c"}
REQUIRED = {"Account": ("Name",), "Opportunity": ("Name", "StageName", "CloseDate"),
            "User": ("Username",)}
#: how long deleted records stay in the recycle bin (getDeleted's window)
RECYCLE_DAYS = 15


def fields_of(sobject: str) -> set[str]:
    """Every field of `sobject` a query may name."""
    return WRITABLE[sobject] | SYSTEM | DERIVED.get(sobject, set())


def stamp(moment: float) -> str:
    """Salesforce's date-time format: 2026-11-21T10:00:00.000+0000."""
    when = datetime.fromtimestamp(moment, UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}+0000"


class FieldErrors(Exception):
    """A write Salesforce refuses: `[{"message", "errorCode", "fields"}]`."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(errors[0]["message"])
        self.errors = errors


def _error(code: str, message: str, *names: str) -> dict[str, Any]:
    return {"message": message, "errorCode": code, "fields": list(names)}


@dataclass
class Org:
    """The org's records, by object and id, with a clock for the system fields."""

    clock: Any
    records: dict[str, dict[str, dict[str, Any]]] = field(
        default_factory=lambda: {name: {} for name in PREFIXES})
    counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    actor: str = ""

    def new_id(self, sobject: str) -> str:
        """An 18-character id with the object's key prefix."""
        return f"{PREFIXES[sobject]}5g{next(self.counter):010d}AAA"

    def check(self, sobject: str, values: dict[str, Any], *, creating: bool) -> None:
        """Refuse what Salesforce refuses: unknown or read-only fields, bad picklist values,
        missing required fields, references to nothing."""
        errors = []
        for name in values:
            if name in SYSTEM or name in DERIVED.get(sobject, set()):
                errors.append(_error("INVALID_FIELD_FOR_INSERT_UPDATE",
                                     f"Unable to create/update fields: {name}. Please check "
                                     "the security settings of this field and verify that it "
                                     "is read/write for your profile or permission set.", name))
            elif name not in WRITABLE[sobject]:
                errors.append(_error("INVALID_FIELD",
                                     f"No such column '{name}' on sobject of type {sobject}",
                                     name))
        stage = values.get("StageName")
        if "StageName" in values and stage not in STAGES:
            errors.append(_error("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                                 f"Stage: bad value for restricted picklist field: {stage}",
                                 "StageName"))
        for ref, (id_field, target) in RELATIONS.items():
            given = values.get(id_field)
            if id_field in values and given and given not in self.records[target]:
                errors.append(_error("INVALID_CROSS_REFERENCE_KEY",
                                     f"{ref} ID: id value of incorrect type: {given}", id_field))
        if creating:
            missing = [n for n in REQUIRED[sobject] if values.get(n) in (None, "")]
            if missing:
                errors.append(_error("REQUIRED_FIELD_MISSING",
                                     f"Required fields are missing: [{', '.join(missing)}]",
                                     *missing))
        if errors:
            raise FieldErrors(errors)

    def create(self, sobject: str, values: dict[str, Any]) -> dict[str, Any]:
        """A new record, checked."""
        self.check(sobject, values, creating=True)
        now = stamp(self.clock())
        record_id = self.new_id(sobject)
        record: dict[str, Any] = {n: None for n in WRITABLE[sobject]}
        record.update(Id=record_id, IsDeleted=False, CreatedDate=now, CreatedById=self.actor,
                      **values)
        self._derive(sobject, record, set(values))
        self._touch(record, now)
        self.records[sobject][record_id] = record
        return record

    def update(self, sobject: str, record: dict[str, Any], values: dict[str, Any]) -> None:
        """Change a live record, checked."""
        self.check(sobject, values, creating=False)
        record.update(values)
        self._derive(sobject, record, set(values))
        self._touch(record, stamp(self.clock()))

    def delete(self, record: dict[str, Any]) -> None:
        """Move a record to the recycle bin."""
        record["IsDeleted"] = True
        self._touch(record, stamp(self.clock()))

    def _touch(self, record: dict[str, Any], now: str) -> None:
        record["LastModifiedDate"] = record["SystemModstamp"] = now
        record["LastModifiedById"] = self.actor

    @staticmethod
    def _derive(sobject: str, record: dict[str, Any], given: set[str]) -> None:
        if sobject != "Opportunity" or record.get("StageName") not in STAGES:
            return
        probability, closed, won = STAGES[record["StageName"]]
        record["IsClosed"], record["IsWon"] = closed, won
        if "StageName" in given and "Probability" not in given:
            record["Probability"] = probability

    def find(self, sobject: str, record_id: str) -> dict[str, Any] | None:
        """A record by its 15- or 18-character id (deleted ones too)."""
        table = self.records.get(sobject, {})
        if len(record_id) == 15:
            return next((r for k, r in table.items() if k[:15] == record_id), None)
        return table.get(record_id)

    def by_external_id(self, sobject: str, name: str, value: str) -> list[dict[str, Any]]:
        """Live records whose external id field `name` is `value`."""
        return [r for r in self.records[sobject].values()
                if not r["IsDeleted"] and r.get(name) == value]

    def deleted_between(self, sobject: str, start: datetime, end: datetime) -> list[dict[str, Any]]:
        """Records deleted in [start, end], still in the recycle bin."""
        out = []
        for record in self.records[sobject].values():
            if record["IsDeleted"]:
                when = _time(record["SystemModstamp"])
                if start <= when <= end:
                    out.append({"id": record["Id"], "deletedDate": record["SystemModstamp"]})
        return out

    def purge(self) -> None:
        """Empty the recycle bin of records deleted more than 15 days ago."""
        limit = datetime.fromtimestamp(self.clock(), UTC) - timedelta(days=RECYCLE_DAYS)
        for table in self.records.values():
            for record_id in [k for k, r in table.items()
                              if r["IsDeleted"] and _time(r["SystemModstamp"]) < limit]:
                del table[record_id]


def _time(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z")


def view(org: Org, sobject: str, record: dict[str, Any], names: list[str] | None,
         base: str) -> dict[str, Any]:
    """A record as the REST API shows it: `attributes` first, then the fields asked for
    (relationship fields such as Owner.Email as nested records)."""
    out: dict[str, Any] = {"attributes": {
        "type": sobject, "url": f"{base}/sobjects/{sobject}/{record['Id']}"}}
    for name in names or sorted(fields_of(sobject)):
        relation, dot, inner = name.partition(".")
        if not dot:
            out[name] = record.get(name)
            continue
        id_field, target = RELATIONS[relation]
        other = org.records[target].get(record.get(id_field) or "")
        if other is None:
            out[relation] = None
            continue
        nested = out.get(relation) or {"attributes": {
            "type": target, "url": f"{base}/sobjects/{target}/{other['Id']}"}}
        nested[inner] = other.get(inner)
        out[relation] = nested
    return out


def known_field(sobject: str, name: str) -> bool:
    """Whether a query may name `name` on `sobject` (relationship fields one level deep)."""
    relation, dot, inner = name.partition(".")
    if not dot:
        return name in fields_of(sobject)
    target = RELATIONS.get(relation)
    return target is not None and target[0] in fields_of(sobject) and \
        inner in fields_of(target[1])


def flat_value(org: Org, record: dict[str, Any], name: str) -> Any:
    """A field's value for WHERE and ORDER BY, relationship fields followed."""
    relation, dot, inner = name.partition(".")
    if not dot:
        return record.get(name)
    id_field, target = RELATIONS[relation]
    other = org.records[target].get(record.get(id_field) or "")
    return None if other is None else other.get(inner)


#: the describe type of fields that aren't strings
_TYPES = {"Id": "id", "IsDeleted": "boolean", "IsClosed": "boolean", "IsWon": "boolean",
          "CreatedDate": "datetime", "LastModifiedDate": "datetime",
          "SystemModstamp": "datetime", "CloseDate": "date", "Next_Milestone_Date__c": "date",
          "Amount": "currency", "Probability": "percent", "Delivery_Percent_Done__c": "percent",
          "StageName": "picklist", "Industry": "picklist", "CurrencyIsoCode": "picklist",
          "Website": "url", "Email": "email"}


def describe(sobject: str) -> dict[str, Any]:
    """`sobjects/{type}/describe`: the object's fields, their types and references."""
    references = {id_field: (relation, target) for relation, (id_field, target)
                  in RELATIONS.items()}
    fields = []
    for name in sorted(fields_of(sobject)):
        relation = references.get(name)
        kind = "reference" if relation else _TYPES.get(name, "string")
        fields.append({
            "name": name, "label": name.removesuffix("__c").replace("_", " "), "type": kind,
            "nillable": name not in SYSTEM and name not in REQUIRED[sobject],
            "custom": name.endswith("__c"), "updateable": name in WRITABLE[sobject],
            "createable": name in WRITABLE[sobject], "externalId": name in EXTERNAL_IDS,
            "unique": name in EXTERNAL_IDS, "filterable": True, "sortable": True,
            "referenceTo": [relation[1]] if relation else [],
            "relationshipName": relation[0] if relation else None,
            "picklistValues": [{"value": s, "label": s, "active": True} for s in STAGES]
            if name == "StageName" else []})
    return {"name": sobject, "label": sobject, "keyPrefix": PREFIXES[sobject],
            "queryable": True, "replicateable": True, "retrieveable": True,
            "customSetting": False, "fields": fields}
