"""Any tabular file (XLSX, CSV in any of the usual encodings) read into rows keyed by column,
each row with its location, for whatever entity the caller maps them to.

The caller describes the columns it wants (`TableSpec`): a key, the header texts it may have in
the languages the files come in, and a type. `open_table` finds the sheet and the header row
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

import codecs
import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

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
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")
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
                 delimiter: str | None = None, closer: Any = None) -> None:
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
                if raw is _UNCOMPUTED:
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
            row.cells = {self.header_cells[i] or column_letter(i): _plain(c)
                         for i, c in enumerate(cells) if i < len(self.header_cells)
                         and c is not None and c is not _UNCOMPUTED}
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


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


class _Uncomputed:
    def __repr__(self) -> str:
        return "<formula not calculated>"


_UNCOMPUTED: Any = _Uncomputed()


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


def file_kind(path: Path) -> Literal["xlsx", "csv"]:
    """What reader a file needs, by its first bytes and then its name."""
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(b"PK"):
        return "xlsx"
    if head.startswith(_OLE_MAGIC):
        data = path.read_bytes()
        if _ENCRYPTED in data:
            raise PasswordProtected(path, "the workbook is password-protected; save a copy "
                                          "without a password (File > Info > Protect Workbook)")
        raise UnsupportedFormat(path, "is a legacy Excel 97-2003 (.xls) workbook; save it as "
                                      ".xlsx or export CSV")
    if path.suffix.lower() in XLSX_SUFFIXES:
        if not head:
            raise CorruptFile(path, "is empty", incomplete=True)
        raise CorruptFile(path, "is not an Excel workbook (no ZIP container)", incomplete=True)
    if path.suffix.lower() in (".xls", ".ods", ".numbers"):
        raise UnsupportedFormat(path, f"{path.suffix} files are not read; save as .xlsx or CSV")
    return "csv"


def open_table(path: Path | str, spec: TableSpec, options: ReadOptions | None = None) -> TableFile:
    """Open `path`, find its sheet and header; raises a `FileProblem` naming the file."""
    path = Path(path)
    options = options or ReadOptions()
    try:
        kind = file_kind(path)
    except OSError as exc:
        raise CorruptFile(path, f"can't be read ({exc.strerror or exc})") from None
    if kind == "xlsx":
        return _open_xlsx(path, spec, options)
    return _open_csv(path, spec, options)


def _style(options: ReadOptions, epoch_1904: bool = False) -> Style:
    return Style(decimal=options.decimal, date_order=options.date_order,
                 epoch_1904=epoch_1904, yen=options.yen)


def _find_header(path: Path, spec: TableSpec, options: ReadOptions,
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


def _header_error(path: Path, spec: TableSpec, options: ReadOptions,
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


# -- XLSX ----------------------------------------------------------------------------------
def _open_xlsx(path: Path, spec: TableSpec, options: ReadOptions) -> TableFile:
    import openpyxl  # imported here: CSV-only users don't pay for it

    try:
        with zipfile.ZipFile(path) as archive:
            broken = archive.testzip()
        if broken is not None:
            raise CorruptFile(path, f"is damaged (member {broken} fails its checksum)",
                              incomplete=True)
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except FileProblem:
        raise
    except zipfile.BadZipFile:
        raise CorruptFile(path, "is not a complete Excel workbook (the ZIP container is "
                                "damaged or cut short)", incomplete=True) from None
    except (KeyError, ValueError, OSError, TypeError) as exc:
        raise CorruptFile(path, f"is not a readable Excel workbook ({exc})") from None
    formulas = None
    try:
        names = list(workbook.sheetnames)
        if options.sheet is not None:
            wanted = [n for n in names if n.strip().casefold() == options.sheet.strip().casefold()]
            if not wanted:
                raise SheetMissing(path, f"has no sheet {options.sheet!r} (sheets: "
                                         f"{', '.join(names)})")
            candidates = wanted
        else:
            candidates = names
        uncached = (workbook.properties.lastModifiedBy or "") == HUB_MARKER
        if uncached:
            formulas = openpyxl.load_workbook(path, read_only=True, data_only=False)
        first_head: list[tuple[Any, ...]] = []
        for name in candidates:
            sheet = workbook[name]
            rows = sheet.iter_rows(values_only=True)
            if formulas is not None:
                rows = _with_formulas(rows, formulas[name].iter_rows(values_only=True))
            head = _take(rows, max(options.header_scan, options.header_row or 0))
            first_head = first_head or head
            at = _find_header(path, spec, options, head, f"sheet {name}: ")
            if at is None:
                continue
            style = _style(options, epoch_1904=bool(getattr(workbook, "epoch", None)
                                                    and workbook.epoch.year == 1904))
            closers = [workbook.close] + ([formulas.close] if formulas is not None else [])

            def close(closers: list[Any] = closers) -> None:
                for closer in closers:
                    closer()

            return TableFile(path, spec, options, kind="xlsx", sheet=name, header_row=at + 1,
                             header=head[at], rows=_chain(head[at + 1:], rows), style=style,
                             closer=close)
        where = f"sheet {candidates[0]}: " if options.sheet else ""
        raise _header_error(path, spec, options, first_head, where)
    except BaseException:
        workbook.close()
        if formulas is not None:
            formulas.close()
        raise


def _with_formulas(values: Iterator[tuple[Any, ...]],
                   formulas: Iterator[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    """Cached values, with formulas that have none (the workbook was saved by the hub and not
    opened in Excel since) marked as unknown."""
    for cached, written in zip(values, formulas, strict=False):
        yield tuple(_UNCOMPUTED if v is None and isinstance(f, str) and f.startswith("=")
                    else v for v, f in zip(cached, written, strict=False)) + tuple(
            cached[len(written):])


def _take(rows: Iterator[Any], count: int) -> list[Any]:
    out = []
    for row in rows:
        out.append(row)
        if len(out) >= count:
            break
    return out


def _chain(first: list[tuple[Any, ...]],
           rest: Iterator[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    yield from first
    yield from rest


# -- CSV -----------------------------------------------------------------------------------
_CANDIDATES = ("utf-8", "gbk", "cp1252")
_DELIMITERS = (",", ";", "\t", "|")


def _open_csv(path: Path, spec: TableSpec, options: ReadOptions) -> TableFile:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CorruptFile(path, f"can't be read ({exc.strerror or exc})") from None
    if not data.strip():
        raise CorruptFile(path, "is empty", incomplete=True)
    if b"\x00" in data[:4096] and not _utf16(data):
        raise CorruptFile(path, "is a binary file, not CSV or Excel")
    best: tuple[int, str, str, str, list[list[str]]] | None = None
    for encoding in _encodings(data, options.encoding):
        try:
            text = _decode(data, encoding)
        except UnicodeDecodeError as exc:
            if options.encoding != "auto" or encoding.startswith("utf-16"):
                offset = exc.start
                incomplete = offset >= len(data) - 4
                raise CorruptFile(path, f"is not valid {encoding} text (byte {offset})",
                                  incomplete=incomplete) from None
            continue
        delimiter = options.delimiter or _sniff(text)
        head: list[tuple[Any, ...]] = [
            tuple(_unpipe(cells) if delimiter == "|" else cells)
            for cells in _take(iter(csv.reader(io.StringIO(text), delimiter=delimiter)),
                               max(options.header_scan, options.header_row or 0))]
        score = _header_score(spec, head, encoding)
        if best is None or score > best[0]:
            best = (score, encoding, text, delimiter, [list(r) for r in head])
        if score and encoding == "utf-8":
            break  # valid UTF-8 that shows the header is UTF-8
    if best is None:
        raise CorruptFile(path, "is not text in any of the encodings tried "
                                f"({', '.join(_CANDIDATES)}); set encoding:")
    _score, encoding, text, delimiter, head_rows = best
    head = [tuple(r) for r in head_rows]
    at = _find_header(path, spec, options, head, "")
    if at is None:
        raise _header_error(path, spec, options, head, "")
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows: Iterator[tuple[Any, ...]] = (tuple(_unpipe(r) if delimiter == "|" else r)
                                       for r in reader)
    for _ in range(at + 1):
        next(rows, None)
    style = _style(options)
    if style.decimal == "auto":
        style.decimal = _decimal_evidence(text, delimiter)
    return TableFile(path, spec, options, kind="csv", sheet=None, header_row=at + 1,
                     header=head[at], rows=rows, style=style, encoding=encoding,
                     delimiter=delimiter)


def _utf16(data: bytes) -> bool:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    sample = data[:2000]
    return sample.count(b"\x00") > len(sample) // 4


def _encodings(data: bytes, configured: str) -> list[str]:
    if configured != "auto":
        return [configured]
    if data.startswith(codecs.BOM_UTF8):
        return ["utf-8-sig"]
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return ["utf-16"]
    if _utf16(data):
        sample = data[:2000]
        odd = sample[1::2].count(b"\x00")
        return ["utf-16-le" if odd > sample[0::2].count(b"\x00") else "utf-16-be"]
    return list(_CANDIDATES)


def _decode(data: bytes, encoding: str) -> str:
    text = data.decode(encoding)
    return text[1:] if text.startswith("\ufeff") else text


def _sniff(text: str) -> str:
    """The delimiter that splits the most lines into the same number (> 1) of fields."""
    lines = text.splitlines()[:60]
    best, best_score = ",", (0, 0)
    for delimiter in _DELIMITERS:
        counts = [len(r) for r in csv.reader(lines, delimiter=delimiter)]
        wide = [c for c in counts if c > 1]
        if not wide:
            continue
        common = max(set(wide), key=wide.count)
        score = (wide.count(common), common)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _unpipe(cells: Sequence[str]) -> list[str]:
    """SAP list output `| a | b |`: the empty fields outside the first and last pipe go."""
    out = [c.strip() for c in cells]
    if out and out[0] == "":
        out = out[1:]
    if out and out[-1] == "":
        out = out[:-1]
    return out


def _header_score(spec: TableSpec, head: Sequence[Sequence[Any]], encoding: str) -> int:
    """How well a decoding shows the header: columns found, then (on a tie between legacy
    code pages) GBK when it found Chinese headers, else Windows-1252."""
    index = spec.alias_index()
    best, cjk = 0, False
    for cells in head:
        keys = [k for k in (header_key(c) for c in cells) if k in index]
        found = len({index[k] for k in keys})
        if found > best:
            best, cjk = found, any(_is_cjk(k) for k in keys)
    bonus = 2 if encoding == "gbk" and cjk else 1 if encoding == "cp1252" else 0
    return best * 4 + bonus if best else 0


def _is_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


_COMMA_DECIMAL = re.compile(r"(?<![\d.,])\d{1,3}(?:\.\d{3})+,\d+(?![\d.,])"
                            r"|(?<![\d.,])\d+,\d{1,2}-?(?![\d.,])")
_POINT_DECIMAL = re.compile(r"(?<![\d.,])\d{1,3}(?:,\d{3})+\.\d+(?![\d.,])"
                            r"|(?<![\d.,])\d+\.\d{1,2}(?![\d.,])")


def _decimal_evidence(text: str, delimiter: str) -> DecimalStyle:
    """How the file writes decimals, judged from its unambiguous numbers (`1.234,56`)."""
    sample = text[:200_000]
    comma = len(_COMMA_DECIMAL.findall(sample))
    point = len(_POINT_DECIMAL.findall(sample))
    if comma > point:
        return "comma"
    if point > comma:
        return "point"
    return "auto"
