"""Any tabular file (XLSX, CSV in any of the usual encodings) read into rows keyed by column,
each row with its location, for whatever entity the caller maps them to.

The caller describes the columns it wants (`TableSpec`): a key, the header texts it may have in
the languages the files come in, and a type. `readers.open_table` finds the sheet and header row
(the first row whose cells name every required column), and `TableFile.rows()` streams the
data rows with parsed values and, per cell that didn't parse, a `CellProblem` naming the file,
sheet, row and column. Whole-file problems are `FileProblem`s naming the file: corrupt,
password-protected, missing sheet, header not found, unsupported format. Nothing here knows
budgets or people, so the HR exports reader uses it as it is.

XLSX is read with openpyxl in read-only (streaming) mode; CSV is decoded from UTF-8 (with or
without BOM), UTF-16 (SAP's "spreadsheet" export), Windows-1252 or GBK, detected or configured,
with the delimiter sniffed or configured.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from connectors.excel.cells import (
    PARSERS,
    SYMBOLS,
    CellError,
    ColumnType,
    DateOrder,
    DecimalStyle,
    Style,
    normalise_text,
    parse_money,
)
from hub.errors import Permanent

#: the value `lastModifiedBy` of workbooks the hub saved: their formulas have no cached values
HUB_MARKER = "integration-hub"
XLSX_SUFFIXES = (".xlsx", ".xlsm")
CSV_SUFFIXES = (".csv", ".txt", ".tsv", ".dat")
_HEADER_CURRENCY = re.compile(r"\s*[(\[]\s*([A-Za-z]{3}|[€$£¥￥])\s*[)\]]\s*$")
_TOTALS = {"summe", "gesamt", "gesamtsumme", "total", "totals", "sum", "subtotal",
           "zwischensumme", "合计", "总计", "小计", "*", "**", "***"}


class FileProblem(Permanent):
    """A file that can't be imported at all; nothing of it is. The message names the file."""

    def __init__(self, path: Path | str, reason: str, *, incomplete: bool = False) -> None:
        super().__init__(f"{Path(path).name}: {reason}")
        self.path = Path(path)
        #: the file may simply not be complete yet (still being copied)
        self.incomplete = incomplete


class CorruptFile(FileProblem):
    """Not a readable workbook or text file."""


class PasswordProtected(FileProblem):
    """An encrypted workbook (Excel's "Protect with password")."""


class SheetMissing(FileProblem):
    """The configured sheet isn't in the workbook."""


class HeaderNotFound(FileProblem):
    """No row names the required columns."""


class UnsupportedFormat(FileProblem):
    """A file kind the reader doesn't take (legacy .xls, .ods)."""


@dataclass(frozen=True)
class Column:
    """A column the caller wants: `key` in the rows, the header texts that name it."""

    key: str
    aliases: tuple[str, ...]
    type: ColumnType = "text"
    required: bool = False


@dataclass(frozen=True)
class TableSpec:
    """The columns of one kind of table; `currency` names the column that a money cell's own
    currency (`EUR 1.234,56`) fills when that column is empty."""

    columns: tuple[Column, ...]
    currency: str | None = None

    def column(self, key: str) -> Column:
        """The column with `key`."""
        return next(c for c in self.columns if c.key == key)

    def alias_index(self) -> dict[str, str]:
        """Normalised header text -> column key (the column's own key names it too)."""
        index: dict[str, str] = {}
        for column in self.columns:
            for name in (*column.aliases, column.key):
                index.setdefault(header_key(name), column.key)
        return index


@dataclass(frozen=True)
class ReadOptions:
    """How to read one source's files; `auto` detects."""

    sheet: str | None = None
    header_row: int | None = None  # 1-based; None: the first row naming the required columns
    encoding: str = "auto"
    delimiter: str | None = None
    decimal: DecimalStyle = "auto"
    date_order: DateOrder = "auto"
    yen: str = "CNY"
    header_scan: int = 30  # rows searched for the header


@dataclass(frozen=True)
class CellProblem:
    """A cell that didn't parse."""

    column: str  # the column's key
    header: str  # as the file writes it
    letter: str  # A, B, ... AA
    value: Any
    reason: str

    def describe(self, file: str, sheet: str | None, row: int) -> str:
        """One line a person can act on."""
        where = f"{file}, sheet {sheet}" if sheet else file
        return (f"{where}, row {row}, column {self.header} ({self.letter}): "
                f"{normalise_text(self.value)!r} {self.reason}")


@dataclass
class Row:
    """One data row: values by column key (a column whose cell was empty holds None; one whose
    value is unknown, a formula never calculated, is left out) and the cells that failed."""

    number: int  # as the file counts rows, 1-based
    values: dict[str, Any]
    problems: list[CellProblem] = field(default_factory=list)
    cells: dict[str, Any] = field(default_factory=dict)  # raw cells by header, for quarantine


def header_key(text: Any) -> str:
    """A header cell as matched against aliases: compatibility-folded, case-folded, inner
    spaces collapsed, a unit in brackets and trailing punctuation dropped."""
    value = unicodedata.normalize("NFKC", normalise_text(text)).casefold()
    value = _HEADER_CURRENCY.sub("", value)
    value = re.sub(r"[\s_]+", " ", value).strip(" .:*")
    return value


def header_currency(text: Any) -> str | None:
    """The currency a header names in brackets, `Plan (EUR)` -> EUR."""
    found = _HEADER_CURRENCY.search(normalise_text(text))
    if not found:
        return None
    unit = found[1]
    return SYMBOLS.get(unit, unit.upper())


def column_letter(index: int) -> str:
    """0 -> A, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# -- opening -------------------------------------------------------------------------------
class TableFile:
    """An open file with its sheet and header found; `rows()` streams its data rows."""

    def __init__(self, path: Path, spec: TableSpec, options: ReadOptions, *, kind: str,
                 sheet: str | None, header_row: int, header: Sequence[Any],
                 rows: Iterator[tuple[Any, ...]], style: Style, encoding: str | None = None,
                 delimiter: str | None = None, closer: Any = None,
                 last_row: int | None = None) -> None:
        self.path, self.spec, self.options = path, spec, options
        self.kind, self.sheet, self.header_row = kind, sheet, header_row
        self.encoding, self.delimiter = encoding, delimiter
        self.style = style
        index = spec.alias_index()
        #: column key -> position in the row
        self.positions: dict[str, int] = {}
        #: column key -> the header as the file writes it
        self.headers: dict[str, str] = {}
        self.currencies: dict[str, str] = {}
        for position, cell in enumerate(header):
            key = index.get(header_key(cell))
            if key is not None and key not in self.positions:
                self.positions[key] = position
                self.headers[key] = normalise_text(cell)
                unit = header_currency(cell)
                if unit:
                    self.currencies[key] = unit
        self.header_cells = [normalise_text(c) for c in header]
        self._rows = rows
        self._closer = closer
        self.skipped = 0  # blank, separator and totals lines
        #: the last row number, where the file says it up front (an XLSX sheet's dimension)
        self.last_row = last_row

    @property
    def name(self) -> str:
        """The file's name, as messages show it."""
        return self.path.name

    def missing(self) -> list[str]:
        """Keys of columns the spec has and this file doesn't."""
        return [c.key for c in self.spec.columns if c.key not in self.positions]

    def rows(self) -> Iterator[Row]:
        """The data rows below the header, parsed."""
        columns = [(c, self.positions[c.key]) for c in self.spec.columns
                   if c.key in self.positions]
        currency_key = self.spec.currency
        number = self.header_row
        for cells in self._rows:
            number += 1
            if _blank(cells):
                self.skipped += 1
                continue
            row = Row(number, {})
            found_currency: tuple[str, str] | None = None  # (currency, from column key)
            for column, position in columns:
                raw = cells[position] if position < len(cells) else None
                if raw is UNCOMPUTED:
                    continue
                try:
                    if column.type == "money":
                        value, unit = parse_money(raw, self.style)
                        unit = unit or self.currencies.get(column.key)
                        if unit and value is not None:
                            if found_currency and found_currency[0] != unit:
                                raise CellError(f"is in {unit}, but "
                                                f"{self.headers[found_currency[1]]} is in "
                                                f"{found_currency[0]}")
                            found_currency = (unit, column.key)
                    else:
                        value = PARSERS[column.type](raw, self.style)
                except CellError as exc:
                    row.problems.append(CellProblem(column.key, self.headers[column.key],
                                                    column_letter(position), raw, str(exc)))
                    continue
                row.values[column.key] = value
            if currency_key and found_currency:
                written = row.values.get(currency_key)
                if not written:
                    row.values[currency_key] = found_currency[0]
                elif str(written).upper() != found_currency[0] and \
                        SYMBOLS.get(str(written), "") != found_currency[0]:
                    column = self.spec.column(currency_key)
                    row.problems.append(CellProblem(
                        currency_key, self.headers.get(currency_key, column.key),
                        column_letter(self.positions.get(currency_key, 0)), written,
                        f"disagrees with the amount in {self.headers[found_currency[1]]} "
                        f"({found_currency[0]})"))
            if currency_key and isinstance(row.values.get(currency_key), str):
                row.values[currency_key] = _currency_code(row.values[currency_key], self.style)
            row.cells = {self.header_cells[i] or column_letter(i): plain_value(c)
                         for i, c in enumerate(cells) if i < len(self.header_cells)
                         and c is not None and c is not UNCOMPUTED}
            yield row

    def close(self) -> None:
        """Release the file."""
        if self._closer is not None:
            self._closer()
            self._closer = None

    def __enter__(self) -> TableFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def is_totals_row(row: Row) -> bool:
    """A row whose text says it sums others (Summe, Total, 合计): not data."""
    return any(header_key(v) in _TOTALS for v in row.cells.values() if isinstance(v, str))


def _currency_code(text: str, style: Style) -> str:
    value = normalise_text(text)
    if value in ("¥", "￥"):
        return style.yen
    return SYMBOLS.get(value, value.upper())


def plain_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


class _Uncomputed:
    def __repr__(self) -> str:
        return "<formula not calculated>"


UNCOMPUTED: Any = _Uncomputed()


def _blank(cells: Sequence[Any]) -> bool:
    for cell in cells:
        if cell is None:
            continue
        if isinstance(cell, str):
            text = cell.strip()
            if text and set(text) - set("-=_|+ "):
                return False
            continue
        return False
    return True


def read_style(options: ReadOptions, epoch_1904: bool = False) -> Style:
    return Style(decimal=options.decimal, date_order=options.date_order,
                 epoch_1904=epoch_1904, yen=options.yen)


def find_header(path: Path, spec: TableSpec, options: ReadOptions,
                 head: list[tuple[Any, ...]], where: str) -> int | None:
    """The index in `head` of the header row, or None."""
    index = spec.alias_index()
    required = {c.key for c in spec.columns if c.required}
    if options.header_row is not None:
        at = options.header_row - 1
        return at if at < len(head) else None
    for at, cells in enumerate(head):
        found = {index[k] for k in (header_key(c) for c in cells if c is not None) if k in index}
        if required <= found and len(found) >= min(2, len(spec.columns)):
            return at
    return None


def header_error(path: Path, spec: TableSpec, options: ReadOptions,
                  head: list[tuple[Any, ...]], where: str) -> HeaderNotFound:
    index = spec.alias_index()
    required = [c for c in spec.columns if c.required]
    if options.header_row is not None:
        cells = head[options.header_row - 1] if options.header_row <= len(head) else ()
        found = {k for k in (index.get(header_key(c)) for c in cells) if k}
        missing = [c for c in required if c.key not in found]
        names = "; ".join(f"{c.key} ({' / '.join(c.aliases[:3])})" for c in missing)
        return HeaderNotFound(path, f"{where}row {options.header_row} (header_row) lacks "
                                    f"the columns {names}")
    best: tuple[Any, ...] | None = None
    best_found: set[str] = set()
    for cells in head:
        found = {index[k] for k in (header_key(c) for c in cells if c is not None) if k in index}
        if len(found) > len(best_found):
            best, best_found = cells, found
    missing = [c for c in required if c.key not in best_found]
    expected = "; ".join(f"{c.key} ({' / '.join(c.aliases[:3])})" for c in missing)
    seen = ", ".join(normalise_text(c) for c in (best or ()) if c is not None)[:200]
    detail = f" (closest row had: {seen})" if seen else ""
    return HeaderNotFound(path, f"{where}no header row found in the first {options.header_scan} "
                                f"rows: missing {expected}{detail}")
