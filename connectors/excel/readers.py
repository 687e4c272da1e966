"""Opening a tabular file: which reader it needs (by its first bytes, then its name), and the
two readers, XLSX (openpyxl, read-only streaming) and CSV (encoding, delimiter and decimal
style detected unless configured). Both find the sheet and header with `tables` and hand back
a `TableFile` streaming the rows."""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

from connectors.excel.cells import DecimalStyle
from connectors.excel.tables import (
    HUB_MARKER,
    UNCOMPUTED,
    XLSX_SUFFIXES,
    CorruptFile,
    FileProblem,
    PasswordProtected,
    ReadOptions,
    SheetMissing,
    TableFile,
    TableSpec,
    UnsupportedFormat,
    find_header,
    header_error,
    header_key,
    read_style,
)

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")


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
            at = find_header(path, spec, options, head, f"sheet {name}: ")
            if at is None:
                continue
            style = read_style(options, epoch_1904=bool(getattr(workbook, "epoch", None)
                                                    and workbook.epoch.year == 1904))
            closers = [workbook.close] + ([formulas.close] if formulas is not None else [])

            def close(closers: list[Any] = closers) -> None:
                for closer in closers:
                    closer()

            return TableFile(path, spec, options, kind="xlsx", sheet=name, header_row=at + 1,
                             header=head[at], rows=_chain(head[at + 1:], rows), style=style,
                             closer=close, last_row=sheet.max_row)
        where = f"sheet {candidates[0]}: " if options.sheet else ""
        raise header_error(path, spec, options, first_head, where)
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
        yield tuple(UNCOMPUTED if v is None and isinstance(f, str) and f.startswith("=")
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
    at = find_header(path, spec, options, head, "")
    if at is None:
        raise header_error(path, spec, options, head, "")
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows: Iterator[tuple[Any, ...]] = (tuple(_unpipe(r) if delimiter == "|" else r)
                                       for r in reader)
    for _ in range(at + 1):
        next(rows, None)
    style = read_style(options)
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
