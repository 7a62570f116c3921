"""Spreadsheets (.xlsx/.xlsm, .xls, .ods) and CSV as text a person can cite (the one file that
imports ``openpyxl``).

Route, and why: a spreadsheet is read natively, not rendered. A rendered sheet is split into
printed pages at whatever the print area says, so "page 7" would mean nothing to a reader who
opens the workbook; a sheet name and a row range do. So:

- .xlsx/.xlsm: openpyxl in read-only mode (streams rows, keeps memory flat on huge sheets),
  cached values (``data_only``: what Excel last showed, not formulas), external links not loaded.
- .xls and .ods (and an .xlsx openpyxl cannot open): converted to .xlsx by LibreOffice headless
  first (``ingest.libreoffice``), then read the same way, so one reader defines the result.
- .csv: the csv module, the dialect sniffed (``,`` ``;`` tab ``|``), the encoding UTF-8 (with or
  without BOM), then Windows-1252, then Latin-1.

Result: one page per visible sheet, in tab order (page n is the n-th visible sheet). Hidden and
very hidden sheets, chart sheets and empty rows are not indexed. The header row is recognised (the
first row among the first ten with two or more cells that are all text) and every row below it
reads "Header: value · Header: value", so each row carries its column names into whatever chunk
it lands in. Rows above the header (a sheet title) read as plain text. Rows are grouped under
headings "Sheet › rows a–b" sized to fit one chunk, so a chunk's section says where to look.
Limits: a workbook is read for at most ``DEADLINE_S`` seconds and ``MAX_CELLS`` cells; past them
the rest is not indexed and a last line says so.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import re
import time
import warnings
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
from defusedxml import DefusedXmlException
from openpyxl.utils.exceptions import InvalidFileException

from ingest import libreoffice
from ingest.document import ParsedDocument
from ingest.office_guard import PROTECTED, open_container
from retrieval.errors import IngestError
from retrieval.tokens import count_tokens

log = logging.getLogger(__name__)

SEP = " · "
DEADLINE_S = 90.0
MAX_CELLS = 3_000_000
MAX_FIELD = 1_000_000  # characters in one CSV field
#: Excel's own limit for one cell: a longer shared string is a crafted file, not data
MAX_CELL_CHARS = 32_767
#: characters read from one workbook (~1M words): a 1 MB string shared by 12,000 cells would
#: otherwise expand to 12 GB of text
MAX_CHARS = 5_000_000
HEADER_SCAN = 10
MAX_HEADER_CHARS = 200
_ROWS_DASH = "–"
_MD_LINE = re.compile(r"^(\s*)(#{1,6}\s|```)")


@dataclass(frozen=True)
class Sheet:
    name: str
    rows: list[tuple[int, list[str]]]  # (1-based row number, cell texts) of non-empty rows
    truncated: bool = False


def cell_text(value: Any) -> str:
    """A cell as a person reads it: whole numbers without ".0", dates as ISO dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.10g}"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return " ".join(str(value).split())


_CURRENCY_FORMAT = re.compile(r"\[\$([^\]-]*)|€|EUR|CHF|GBP|£|USD|\$")
_SYMBOLS = {"€": "EUR", "£": "GBP", "$": "$"}
_UNIT_HEADER = re.compile(r"^(.+?)\s*[(\[]\s*(EUR|USD|CHF|GBP|€|\$|£)\s*[)\]]\s*$", re.I)
_NUMBER = re.compile(r"-?[\d,]*\.?\d+")


def formatted(value: Any, number_format: str) -> str:
    """A number as its cell format shows it, where that matters to a reader: percentages
    (0.56 shown as 56%), thousands separators and fixed decimals, and a currency."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not number_format:
        return cell_text(value)
    fmt = re.sub(r'"[^"]*"|\\.', lambda m: m.group()[1:-1] if m.group().startswith('"')
                 else m.group()[1:], number_format.split(";")[0])
    if "%" in fmt:
        return f"{round(value * 100, 4):g}%"
    decimals = len(m.group(1)) if (m := re.search(r"\.(0+)", fmt)) else None
    if "#,##0" in fmt or "#,###" in fmt:
        text = f"{value:,.{decimals or 0}f}" if decimals is not None or float(
            value).is_integer() else f"{value:,}"
    elif decimals is not None:
        text = f"{value:.{decimals}f}"
    else:
        text = cell_text(value)
    currency = _CURRENCY_FORMAT.search(fmt)
    if currency and currency.group(1) != "":  # "[$-409]" is a locale tag, not a currency
        code = currency.group() if currency.group(1) is None else currency.group(1)
        return f"{_SYMBOLS.get(code, code)} {text}".replace("$ ", "$")
    return text


def labelled(name: str, value: str) -> str:
    """"Header: value"; a currency named in the header goes with a plain amount ("List
    price (EUR)" and 849 read "List price: EUR 849"), as a person would say it."""
    m = _UNIT_HEADER.match(name)
    if m and _NUMBER.fullmatch(value):
        code = m.group(2).upper()
        return f"{m.group(1)}: {_SYMBOLS.get(code, code)} {value}".replace("$ ", "$")
    return f"{name}: {value}"


def _is_text(cell: str) -> bool:
    return bool(re.search(r"[^\W\d_]", cell)) and not re.fullmatch(
        r"[-+]?[\d.,\s%€$£]+|\d{4}-\d\d-\d\d.*", cell)


def _header_index(rows: Sequence[tuple[int, list[str]]]) -> int | None:
    for i, (_, cells) in enumerate(rows[:HEADER_SCAN]):
        filled = [c for c in cells if c]
        # a column name is short: a row of long texts is data, however textual
        if (len(filled) >= 2 and all(_is_text(c) and len(c) <= MAX_HEADER_CHARS
                                     for c in filled) and i + 1 < len(rows)):
            return i
    return None


def _column_name(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return f"Column {name}"


def _plain(line: str) -> str:
    """A cell that starts like a Markdown heading or code fence must not become one."""
    return _MD_LINE.sub(lambda m: m.group(1) + m.group(2).replace("#", "No.").replace(
        "```", "'''"), line)


def render_rows(sheet: Sheet) -> list[tuple[int, str]]:
    """(row number, text) of every row: "Header: value · …" below the header row."""
    header_at = _header_index(sheet.rows)
    out: list[tuple[int, str]] = []
    names: list[str] = []
    for i, (number, cells) in enumerate(sheet.rows):
        if header_at is not None and i == header_at:
            names = [c or _column_name(j) for j, c in enumerate(cells)]
            out.append((number, _plain(SEP.join(c for c in cells if c))))
            continue
        filled = [c for c in cells if c]
        note = len(filled) == 1 and len(filled[0]) > 40 and len(names) >= 3
        if header_at is not None and i > header_at and not note:
            parts = [labelled(names[j] if j < len(names) else _column_name(j), c)
                     for j, c in enumerate(cells) if c]
        else:
            parts = filled  # above the header (a title), or a note under the table
        out.append((number, _plain(SEP.join(parts))))
    return out


def sheet_page(sheet: Sheet, block_tokens: int) -> str:
    """The sheet as one page: rows under headings "Sheet › rows a–b", each block sized to
    fit ``block_tokens`` (blocks balanced, so none is a sliver that a chunk would merge)."""
    rows = render_rows(sheet)
    if not rows:
        return ""
    sizes = [count_tokens(text) + 1 for _, text in rows]
    heading_cost = count_tokens(f"{sheet.name} › rows 10000–10000") + 2
    budget = max(block_tokens - heading_cost, 16)
    n_blocks = max(1, -(-sum(sizes) // budget))
    target = -(-sum(sizes) // n_blocks)
    blocks: list[list[tuple[int, str]]] = [[]]
    used = 0
    for (number, text), size in zip(rows, sizes, strict=True):
        if blocks[-1] and (used + size > budget or used >= target):
            blocks.append([])
            used = 0
        blocks[-1].append((number, text))
        used += size
    lines: list[str] = []
    for block in blocks:
        first, last = block[0][0], block[-1][0]
        where = f"row {first}" if first == last else f"rows {first}{_ROWS_DASH}{last}"
        lines.append(f"# {_plain(sheet.name).strip() or 'Sheet'} › {where}")
        lines.append("")
        for _, text in block:
            lines.append(text)
            lines.append("")  # a row is a paragraph of its own: never merged with the next
    if sheet.truncated:
        lines.append("(The rest of this sheet was not indexed: it is larger than docqa reads.)")
    return "\n".join(lines).strip()


class _Budget:
    def __init__(self, name: str) -> None:
        self.name = name
        self.cells = 0
        self.chars = 0
        self.deadline = time.monotonic() + DEADLINE_S
        self.exhausted = False

    def take(self, n: int, chars: int = 0) -> bool:
        self.cells += n
        self.chars += chars
        if (self.cells > MAX_CELLS or self.chars > MAX_CHARS
                or time.monotonic() > self.deadline):
            self.exhausted = True
        return not self.exhausted


def _collect(rows: Iterable[Sequence[Any]], budget: _Budget, *, cells_given: bool = False
             ) -> tuple[list[tuple[int, list[str]]], bool]:
    """Non-empty rows as cell texts; ``cells_given``: the rows hold openpyxl cells (value and
    number format), else plain values."""
    out: list[tuple[int, list[str]]] = []
    for number, values in enumerate(rows, start=1):
        if not budget.take(max(len(values), 1)):
            return out, True
        cells = [c[:MAX_CELL_CHARS] for c in (
            [formatted(c.value, getattr(c, "number_format", "") or "") for c in values]
            if cells_given else [cell_text(v) for v in values])]
        if not budget.take(0, sum(map(len, cells))):
            return out, True
        while cells and not cells[-1]:
            cells.pop()
        if cells:
            out.append((number, cells))
    return out, False


def _workbook_sheets(name: str, raw: bytes) -> tuple[str, list[Sheet]]:
    budget = _Budget(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about every unknown extension
        book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True,
                                      keep_links=False)
        try:
            title = (book.properties.title or "").strip() if book.properties else ""
            sheets: list[Sheet] = []
            for ws in book.worksheets:
                if getattr(ws, "sheet_state", "visible") != "visible":
                    continue  # hidden or very hidden: not indexed
                if budget.exhausted:
                    sheets.append(Sheet(ws.title, [], truncated=True))
                    continue
                reset = getattr(ws, "reset_dimensions", None)
                if reset is not None:  # a lying <dimension> must not pad rows to 16,384 cells
                    reset()
                rows, truncated = _collect(ws.iter_rows(), budget, cells_given=True)
                sheets.append(Sheet(ws.title, rows, truncated))
        finally:
            book.close()
    return title, sheets


def _converted(name: str, raw: bytes, suffix: str) -> bytes:
    return libreoffice.convert(name, raw, suffix, "xlsx:Calc MS Excel 2007 XML")


def read_workbook(path: Path, raw: bytes, name: str, block_tokens: int = 160) -> ParsedDocument:
    """An Excel or OpenDocument workbook, one page per visible sheet."""
    suffix = path.suffix.lower()
    container = open_container(name, raw)
    data = container.raw
    converted = container.kind != "zip" or suffix == ".ods"
    if converted:  # legacy .xls, OpenDocument, or whatever LibreOffice recognises
        data = _converted(name, data, ".xls" if container.kind == "ole" else suffix)
        open_container(name, data)  # LibreOffice's own output is checked like any other
    try:
        title, sheets = _workbook_sheets(name, data)
    except Exception as e:  # openpyxl raises anything on damaged parts; LibreOffice may cope
        if converted or isinstance(e, DefusedXmlException) or not libreoffice.available():
            raise _unreadable(name, e) from e
        log.info("%s: openpyxl failed (%s); retrying through LibreOffice", name, e)
        data = _converted(name, data, ".xlsx")
        open_container(name, data)
        try:
            title, sheets = _workbook_sheets(name, data)
        except Exception as again:
            raise _unreadable(name, again) from again
    if not sheets:
        raise IngestError(name, "the workbook has no visible sheet with cells")
    pages = tuple(sheet_page(s, block_tokens) for s in sheets)
    return ParsedDocument(title=title or _stem_title(name), pages=pages, markdown_headings=True)


def _unreadable(name: str, error: Exception) -> IngestError:
    if isinstance(error, InvalidFileException):
        return IngestError(name, "this is not a workbook Excel can open (damaged, or another "
                                 "kind of file with a spreadsheet's name)")
    text = str(error).splitlines()[0][:160] if str(error) else type(error).__name__
    if isinstance(error, DefusedXmlException):
        return IngestError(name, "the workbook's XML declares entities, which docqa refuses "
                                 "(a known attack on XML parsers)")
    return IngestError(name, f"the workbook is damaged and could not be read ({text})")


def _stem_title(name: str) -> str:
    return Path(name).stem.replace("_", " ").replace("-", " ").strip()


def _decode(name: str, raw: bytes) -> str:
    if b"\x00" in raw[:4096]:
        if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
            return raw.decode("utf-16")
        raise IngestError(name, "this looks like a binary file, not CSV text")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def _dialect(sample: str) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        return csv.excel


def _csv_rows(text: str) -> Iterator[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), _dialect(text[:65536]))
    yield from reader


def read_csv(path: Path, raw: bytes, name: str, block_tokens: int = 160) -> ParsedDocument:
    """A CSV file as one sheet named after the file."""
    text = _decode(name, raw)
    budget = _Budget(name)
    previous = csv.field_size_limit()
    csv.field_size_limit(MAX_FIELD)
    try:
        rows, truncated = _collect(_csv_rows(text), budget)
    except csv.Error as e:
        raise IngestError(name, f"the CSV file could not be read ({e})") from e
    finally:
        csv.field_size_limit(previous)
    if not rows:
        raise IngestError(name, "the CSV file contains no values")
    sheet = Sheet(Path(name).stem or "CSV", rows, truncated)
    return ParsedDocument(title=_stem_title(name), pages=(sheet_page(sheet, block_tokens),),
                          markdown_headings=True)


def read_spreadsheet(path: Path, raw: bytes, name: str,
                     block_tokens: int = 160) -> ParsedDocument:
    if path.suffix.lower() == ".csv":
        return read_csv(path, raw, name, block_tokens)
    return read_workbook(path, raw, name, block_tokens)


__all__ = ["PROTECTED", "read_csv", "read_spreadsheet", "read_workbook"]
