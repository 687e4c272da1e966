"""Salesforce records as the hub reads them: the fields each sObject is read with, and one
record in the engine's terms (its time, URL, hub id, and the deal's status beside its stage)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from connectors.salesforce.config import SalesforceConfig
from hub.sdk.connector import RemoteRecord

_COMMON = ("Id", "Name", "OwnerId", "Owner.Email", "Owner.Department", "SystemModstamp")
_FIELDS = {
    "Account": ("Industry", "Website", "AccountNumber"),
    "Opportunity": ("AccountId", "StageName", "Amount", "CloseDate", "Probability", "IsClosed",
                    "IsWon"),
}


def fields(config: SalesforceConfig, sobject: str) -> list[str]:
    """The fields a poll reads of `sobject`: the mapped ones, the hub id, and on opportunities
    the delivery fields the hub writes (so their echo is recognised)."""
    names = [*_COMMON, *_FIELDS[sobject], config.hub_id_field]
    if sobject == "Opportunity":
        names += list(config.progress_fields.model_dump().values())
        if config.currency_field:
            names.append(config.currency_field)
    return list(dict.fromkeys(names))


def parse_time(value: Any) -> datetime | None:
    """Salesforce's 2026-11-21T10:00:00.000+0000 as an aware datetime."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%f%z")
    except ValueError:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def soql_time(moment: datetime) -> str:
    """A date-time literal SOQL takes (seconds, UTC)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def deal_status(payload: dict[str, Any]) -> str:
    """won, lost or open, from Salesforce's IsWon and IsClosed."""
    if payload.get("IsWon"):
        return "won"
    return "lost" if payload.get("IsClosed") else "open"


def to_record(config: SalesforceConfig, row: dict[str, Any]) -> RemoteRecord:
    """A query row (or sObject read) as a remote record."""
    payload = {k: v for k, v in row.items() if k != "attributes"}
    sobject = str((row.get("attributes") or {}).get("type") or "Opportunity")
    if sobject == "Opportunity":
        payload["Status"] = deal_status(payload)
    record_id = str(payload["Id"])
    return RemoteRecord(
        sobject, record_id, payload, updated_at=parse_time(payload.get("SystemModstamp")),
        version=str(payload.get("SystemModstamp") or ""),
        url=f"{config.instance_url.rstrip('/')}/lightning/r/{sobject}/{record_id}/view",
        hub_id=payload.get(config.hub_id_field) or None)
