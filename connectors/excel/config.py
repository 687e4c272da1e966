"""Settings of a finance (Excel / SAP export) connector: where the files are dropped, how they
are read, what may be written back, and which reports the hub writes there."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from connectors.excel.cells import ColumnType
from connectors.excel.presets import PRESETS
from hub.config.types import Duration
from hub.sdk.config import ConnectorConfig, PollConfig, StrictModel


class SourceConfig(StrictModel):
    """One export: a file, or a glob whose newest match is the export's current version."""

    path: str = Field(description="file or glob, e.g. drop/finance/budget_*.xlsx (relative to "
                                  "the config file); the newest match is the current version")
    sheet: str | None = Field(default=None, description="sheet name; default: the first sheet "
                                                        "with the header")
    header_row: int | None = Field(default=None, ge=1, description="1-based; default: the "
                                   "first row naming the required columns")
    encoding: str = Field(default="auto", description="CSV: auto, utf-8, utf-16, cp1252, gbk..")
    delimiter: str | None = Field(default=None, description="CSV: , ; tab or |; default sniffed")
    decimal: Literal["auto", "comma", "point"] = Field(
        default="auto", description="how numbers write decimals: 1.234,56 (comma) or 1,234.56")
    date_order: Literal["auto", "dmy", "mdy", "ymd"] = Field(
        default="auto", description="order of 01/02/2026-style dates (auto: day first)")
    yen: str = Field(default="CNY", description="the currency ¥ stands for (CNY or JPY)")

    @field_validator("delimiter")
    @classmethod
    def _delimiter(cls, value: str | None) -> str | None:
        if value in ("tab", "\\t"):
            return "\t"
        if value is not None and len(value) != 1:
            raise ValueError("must be one character (or tab)")
        return value

    @field_validator("encoding")
    @classmethod
    def _encoding(cls, value: str) -> str:
        import codecs

        if value != "auto":
            try:
                codecs.lookup(value)
            except LookupError:
                raise ValueError(f"{value!r} is not an encoding Python knows "
                                 "(e.g. utf-8, utf-16, cp1252, gbk)") from None
        return value


class ColumnConfig(StrictModel):
    """More header names for a preset's column, or a column of your own."""

    aliases: list[str] = Field(default_factory=list, description="header texts naming it")
    type: ColumnType | None = Field(default=None, description="text, number, money, int, date, "
                                                              "period, email or bool")
    required: bool | None = Field(default=None, description="the header must have it")


class WriteBackConfig(StrictModel):
    """Writing hub values into the source workbook, in place."""

    enabled: bool = Field(default=True, description="false: the hub never writes the source")
    columns: list[str] | None = Field(
        default=None, description="column keys the hub may write (default: the preset's, "
                                  "e.g. status for excel_plan; none for sap_budget)")
    backup_dir: str | None = Field(
        default=None, description="where a copy goes before each write; default "
                                  ".hub-backups beside the file")
    keep_backups: int = Field(default=20, ge=0, description="backups kept per file")


class ReportConfig(StrictModel):
    """A workbook the hub writes from its reconciled data and rewrites after changes."""

    report: Literal["portfolio"] = Field(default="portfolio", description="which report")
    path: str = Field(description="the .xlsx to write (relative to the config file)")
    sheet: str = Field(default="Portfolio", description="sheet name")


class ExcelConfig(ConnectorConfig):
    """Finance's Excel workbooks and SAP exports, read from a drop folder and written back."""

    kind: Literal["excel"] = "excel"
    preset: Literal["sap_budget", "excel_plan"] = Field(
        default="sap_budget", description="what the files hold: sap_budget (budget lines) or "
                                          "excel_plan (tasks and milestones)")
    sources: dict[str, SourceConfig] = Field(
        default_factory=dict, description="source name -> the export's file or glob")
    columns: dict[str, list[str] | ColumnConfig] = Field(
        default_factory=dict, description="column key -> more header names (a list), or "
                                          "{aliases, type, required}")
    key: list[str] | None = Field(default=None, description="columns that identify a row "
                                                            "across versions; default: preset's")
    write_back: WriteBackConfig = Field(default_factory=WriteBackConfig)
    reports: list[ReportConfig] = Field(default_factory=list)
    settle: Duration = Field(default=timedelta(seconds=5),
                             description="a file changed this recently is still being copied: "
                                         "it is read at a later poll")
    incomplete_grace: Duration = Field(
        default=timedelta(minutes=10), description="an unreadable file younger than this may be "
                                                   "a copy in progress: retried, not rejected")
    page_size: int = Field(default=1000, ge=1, le=20000, description="rows per batch")
    poll: PollConfig = Field(default_factory=lambda: PollConfig(every=timedelta(minutes=1),
                                                                overlap=timedelta(0)))

    @model_validator(mode="before")
    @classmethod
    def _default_mapping(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("mapping") is None:
            from hub.mapping import default_mapping_path

            preset = data.get("preset", cls.model_fields["preset"].default)
            if preset in PRESETS:
                data = {**data, "mapping": default_mapping_path(str(preset))}
        return data

    @field_validator("sources", mode="after")
    @classmethod
    def _resolve_sources(cls, value: dict[str, SourceConfig],
                         info: ValidationInfo) -> dict[str, SourceConfig]:
        base = _base(info)
        return {name: s.model_copy(update={"path": _resolve(base, s.path)})
                for name, s in value.items()}

    @field_validator("reports", mode="after")
    @classmethod
    def _resolve_reports(cls, value: list[ReportConfig],
                         info: ValidationInfo) -> list[ReportConfig]:
        base = _base(info)
        return [r.model_copy(update={"path": _resolve(base, r.path)}) for r in value]

    @field_validator("write_back", mode="after")
    @classmethod
    def _resolve_backups(cls, value: WriteBackConfig, info: ValidationInfo) -> WriteBackConfig:
        if value.backup_dir is None:
            return value
        return value.model_copy(update={"backup_dir": _resolve(_base(info), value.backup_dir)})


def _base(info: ValidationInfo) -> Path | None:
    context = info.context or {}
    base = context.get("base_dir") if isinstance(context, dict) else None
    return Path(base) if base is not None else None


def _resolve(base: Path | None, path: str) -> str:
    expanded = Path(path).expanduser()
    if base is None or expanded.is_absolute():
        return str(expanded)
    return str((base / expanded).resolve())
