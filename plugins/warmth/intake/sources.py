"""What districts really send, turned into rows of text.

Districts and the city's own staff work in Excel (or WPS) on Chinese Windows.
Their files arrive as:

- CSV in UTF-8 with a BOM ("CSV UTF-8"), plain UTF-8, or GB18030 (Excel's plain
  "CSV" on Chinese Windows; GB18030 is a superset of GBK and GB2312);
- .xlsx workbooks, whose cells are typed (numbers, dates, booleans, text);
- now and then a workbook renamed to .csv, or an old binary .xls.

The functions here are pure readers: bytes or a file in, text out, or a
`SourceError` that says what is wrong in Chinese and English — never a
traceback. Every value comes out as text (IDs must not turn into numbers);
checking values is the caller's job.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import gc
import io
import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from warmth.core.codes import CODE
from warmth.core.problems import Problem, WarmthError, excerpt
from warmth.core.schema import normalize_header
from warmth.intake import workbookcache
from warmth.intake.forms import HEADER_SEARCH_ROWS, find_header
from warmth.intake.package import Refused
from warmth.intake.sheet import Found
from warmth.intake.workbook import Workbook

__all__ = [
    "SourceError",
    "decode_csv",
    "read_csv_rows",
    "read_rows",
    "read_sheet",
    "read_xlsx",
]


ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and password-protected .xlsx
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)

# Excel keeps 15 significant digits: a number at or above 10**15 may already
# have lost digits (an 18-digit ID typed into a number cell ends in "000").
EXCEL_DIGITS = 15
LAST_SERIAL = 2958465  # 9999-12-31, the last date Excel knows


# Values a message quotes from the file itself (the rest are made by the code).
QUOTED = ("value", "sheet", "suffix", "suffix_en", "part")
SHEET_NAME_CHARS = 31  # Excel's own limit for a sheet name


class SourceError(WarmthError):
    """A whole file cannot be read: a problem code (core/codes.py) with its message.

    Values quoted from the file appear as short masked excerpts (`core.problems.excerpt`).
    """

    def __init__(self, rule: str, variant: str = "", **values):
        self.rule = rule
        values = {k: excerpt(v) if k in QUOTED else v for k, v in values.items()}
        self.message_zh, self.message_en = CODE[rule].message(variant, **values)
        super().__init__(f"{self.message_zh}\n{self.message_en} [{rule}]")

    def problem(self, file: str, row: int = 0) -> Problem:
        """The same as a Problem of ``file``."""
        return Problem(file, row, "", "", self.rule, self.message_zh, self.message_en)


# --------------------------------------------------------------------- CSV


def _line_of(raw: bytes, offset: int) -> int:
    return raw.count(b"\n", 0, offset) + 1


def decode_csv(raw: bytes) -> tuple[str, str]:
    """The text of a CSV file and the encoding it was in, decided deterministically.

    UTF-8 with BOM → ``utf-8-sig``; valid UTF-8 → ``utf-8``; else GB18030 when
    it decodes strictly → ``gb18030``; else `SourceError` rule ``encoding``
    naming the byte offset. Files that are not text at all (NUL bytes, a zip
    or OLE2 header: a workbook renamed to .csv) are refused as rule ``binary``.
    The returned text has no BOM.
    """
    if raw.startswith(UTF16_BOMS):
        raise SourceError("encoding", "utf16")
    if raw.startswith(ZIP_MAGIC):
        raise SourceError("binary", "xlsx")
    if raw.startswith(OLE2_MAGIC):
        raise SourceError("binary", "xls")
    nul = raw.find(b"\x00")
    if nul >= 0:
        raise SourceError("binary", offset=nul)
    if raw.startswith(codecs.BOM_UTF8):
        try:
            return raw[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            offset = exc.start + 3
            raise SourceError("encoding", "bom", offset=offset, line=_line_of(raw, offset)) from None
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_at = exc.start
    try:
        return raw.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        gb_at = exc.start
    raise SourceError(
        "encoding", utf8_at=utf8_at, utf8_line=_line_of(raw, utf8_at), gb_at=gb_at, gb_line=_line_of(raw, gb_at)
    )


def read_csv_rows(raw: bytes, header_names: frozenset[str] = frozenset()) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """A CSV file as (header cells, [(spreadsheet row number, cells)]), every cell stripped text.

    Same shape and rules as `read_xlsx`: header = row 1 (record 1), or with
    ``header_names`` the first record naming two of them (title lines above
    it skipped, a title line's missing fields tolerated); blank rows
    skipped with their numbers kept, trailing unnamed empty columns dropped.
    A row with a different number of fields than the header is refused
    (rule ``ragged-row``; trailing empty fields are tolerated).
    """
    text, _ = decode_csv(raw)
    if not text.strip():
        raise SourceError("empty-file")
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise SourceError("unreadable", "csv", detail=exc) from None
    at = find_header([(i + 1, [c.strip() for c in r]) for i, r in enumerate(records[:HEADER_SEARCH_ROWS])], header_names) or 0
    header = [cell.strip() for cell in records[at]] if records else []
    if not any(header):
        raise SourceError("no-header")
    width = len(header)
    rows: list[tuple[int, list[str]]] = []
    ragged: list[int] = []
    for number, record in enumerate(records[at + 1 :], start=at + 2):
        cells = [cell.strip() for cell in record]
        if not any(cells):
            continue
        if len(cells) > width and not any(cells[width:]):
            cells = cells[:width]
        if len(cells) != width:
            ragged.append(number)
            continue
        rows.append((number, cells))
    if ragged:
        shown = "、".join(str(n) for n in ragged[:10]) + ("……" if len(ragged) > 10 else "")
        shown_en = ", ".join(str(n) for n in ragged[:10]) + (", …" if len(ragged) > 10 else "")
        raise SourceError("ragged-row", "rows", rows=shown, rows_en=shown_en, width=width)
    return _trim_columns(header, rows)


# -------------------------------------------------------------------- xlsx


def _number_text(value: int | float) -> str:
    """Excel's number as the text a person sees in the cell (up to 15 significant digits)."""
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        return repr(value)
    if abs(value) >= 10**EXCEL_DIGITS:
        # Beyond Excel's precision: show it as Excel does, so it cannot pass for an exact ID.
        return f"{value:.{EXCEL_DIGITS}G}"
    if value.is_integer():
        return str(int(value))
    # Round to the 15 digits Excel shows (a formula's 1200.4999999999998 is 1200.5 on screen).
    return format(Decimal(f"{value:.{EXCEL_DIGITS}g}").normalize(), "f")


def _datetime_text(value: dt.datetime) -> str:
    if (value.hour, value.minute, value.second) == (0, 0, 0) and value.microsecond < 500_000:
        return value.date().isoformat()
    value = value + dt.timedelta(microseconds=500_000)  # Excel stores times as fractions of a day
    return value.strftime("%Y-%m-%d %H:%M:%S")


def _cell_text(value, *, date_column: bool, id_column: bool, epoch) -> str:
    """One cell → text, by the rules in `read_xlsx`."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        if date_column and 1 <= value <= LAST_SERIAL:
            from openpyxl.utils.datetime import from_excel

            return _datetime_text(from_excel(value, epoch=epoch))
        if id_column and abs(value) >= 10**EXCEL_DIGITS:
            # An ID typed into a number cell: Excel has already dropped its last digits.
            return f"{float(value):.{EXCEL_DIGITS}G}"
        return _number_text(value)
    if isinstance(value, dt.datetime):
        return _datetime_text(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.replace(microsecond=0).isoformat()
    return str(value).strip()  # timedelta ([h]:mm cells) and anything newer


def _trim_columns(header: list[str], rows: list[tuple[int, list[str]]]) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Pad every row to one width, then drop trailing columns with no header and no values."""
    width = max([len(header)] + [len(cells) for _, cells in rows])
    header = header + [""] * (width - len(header))
    rows = [(n, cells + [""] * (width - len(cells))) for n, cells in rows]
    while width and not header[width - 1] and not any(cells[width - 1] for _, cells in rows):
        width -= 1
    return header[:width], [(n, cells[:width]) for n, cells in rows]


def _unreadable(exc: BaseException | None = None) -> SourceError:
    detail = f"（{type(exc).__name__}）" if exc is not None else ""
    detail_en = f" ({type(exc).__name__})" if exc is not None else ""
    return SourceError("unreadable", "xlsx", detail_zh=detail, detail_en=detail_en)


def _sheet_names(names: list[str]) -> dict[str, str]:
    shown = [excerpt(n, SHEET_NAME_CHARS) for n in names]
    return {"others": "、".join(f"“{t}”" for t in shown), "others_en": ", ".join(shown)}


@dataclass(frozen=True)
class SheetText:
    """A worksheet as text: its header, its rows (spreadsheet numbers kept), where the header was, its merged ranges."""

    header: list[str]
    rows: list[tuple[int, list[str]]]
    header_row: int = 1
    merged: tuple[tuple[str, int, int], ...] = ()


def read_xlsx(
    path: Path | str | bytes,
    *,
    date_columns: frozenset[str] = frozenset(),
    id_columns: frozenset[str] = frozenset(),
) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The first worksheet of an .xlsx workbook as (header, rows) of text: `read_sheet` with the header in row 1."""
    sheet = read_sheet(path, date_columns=date_columns, id_columns=id_columns)
    return sheet.header, sheet.rows


def read_sheet(
    path: Path | str | bytes,
    *,
    date_columns: frozenset[str] = frozenset(),
    id_columns: frozenset[str] = frozenset(),
    header_names: frozenset[str] = frozenset(),
) -> SheetText:
    """The first worksheet of an .xlsx workbook as text.

    With ``header_names`` (bare names: `forms.bare`), the header is the first
    row naming two of them (`forms.find_header`: a form's title and 填报单位
    lines above it are skipped), else row 1. The text is kept in the workbook
    cache by the SHA-256 of the workbook's bytes (`intake.workbookcache`): an
    unchanged workbook is not parsed again.

    Returns (header cells, [(spreadsheet row number, cells)]); the header is row
    1 of the sheet, rows keep the sheet's numbers, rows with only empty cells
    are skipped, and trailing columns with no header and no values are dropped.

    Cell → text: None → ""; text stripped; booleans "TRUE"/"FALSE"; integers as
    written; numbers as Excel shows them (1200.0 → "1200", 1200.5 → "1200.5",
    rounded to Excel's 15 significant digits, and from 10**15 up in Excel's
    "5.11102198001011E+17" form, since such a number has already lost digits);
    dates "YYYY-MM-DD" (with " HH:MM:SS" when a time is set). A number in a
    column whose normalised header (`schema.normalize_header`, with or
    without its inner spaces) is in ``date_columns`` is an Excel date serial
    (openpyxl's ``from_excel``, the workbook's date system) and becomes a date
    too; numbers out of Excel's date range stay numbers for the validator to
    name. In a column listed in ``id_columns`` every number of 16 or more
    digits is given in the E+ form, so a truncated ID can never pass for a real one.

    The workbook is read by `intake.workbook` behind the caps of
    `intake.package` (sizes, expansion, defusedxml), and refused rather than
    read in part or read wrong: a part too large or too compressed
    (``xlsx-too-large``, ``xlsx-compression-ratio``), XML with a DTD
    (``xlsx-unsafe-xml``), a cell over 1,000 characters (``cell-too-long``), a
    formula (``formula-cell``), hidden rows or columns holding something
    (``hidden-rows``, ``hidden-columns``), a hidden worksheet holding something
    (``hidden-sheet``; empty hidden sheets are ignored), other visible
    worksheets holding data (``extra-sheets``). Damaged or non-xlsx input →
    rule ``unreadable``; an old .xls (or encrypted workbook) → ``unsupported-format``
    with the advice to save as .xlsx or CSV; an empty first sheet → ``empty-file``; an empty row 1
    above data → ``no-header``. A missing file raises OSError as usual.
    """
    raw = bytes(path) if isinstance(path, bytes | bytearray) else Path(path).read_bytes()
    if raw.startswith(OLE2_MAGIC):
        raise SourceError("unsupported-format", "encrypted")
    if not raw.startswith(ZIP_MAGIC):
        raise _unreadable()
    key = workbookcache.key(raw, sorted(date_columns), sorted(id_columns), sorted(header_names))
    cached = workbookcache.load(key)
    if cached is not None:
        return SheetText(cached["header"], [(n, c) for n, c in cached["rows"]], cached["header_row"],
                         tuple((r, a, b) for r, a, b in cached["merged"]))
    try:
        with _collector_paused():
            book = Workbook(raw)
            try:
                sheet = _read_book(book, date_columns, id_columns, header_names)
            finally:
                book.close()
    except Refused as exc:
        raise SourceError(exc.rule, exc.variant, **exc.values) from None
    except SourceError:
        raise
    except Exception as exc:  # noqa: BLE001 - a damaged workbook can fail in any part of its XML
        raise _unreadable(exc) from None
    workbookcache.store(key, {"header": sheet.header, "rows": sheet.rows, "header_row": sheet.header_row, "merged": sheet.merged})
    return sheet


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector paused while a workbook is read (reference counting still frees everything).

    A read makes millions of short-lived XML elements while it keeps every row:
    the collector, woken every 700 allocations, walks the rows kept over and
    over (about 1 s of a 2.5 s read of 50,000 rows). The elements, rows and
    cells a read makes hold no reference cycles, so reference counting frees
    them as before; only a refusal's traceback (a few dozen objects) waits for
    the collector's next pass.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _read_book(book: Workbook, date_columns: frozenset[str], id_columns: frozenset[str], header_names: frozenset[str]) -> SheetText:
    hidden = [s.name for s in book.sheets if s.hidden and book.has_values(s)]
    if hidden:
        raise SourceError("hidden-sheet", **_sheet_names(hidden))
    sheets = [s for s in book.sheets if not s.hidden]
    if not sheets:
        raise SourceError("empty-file", "no-sheet")
    first = sheets[0]
    found = Found()
    raw_rows = list(book.rows(first, found))
    at = find_header(raw_rows[:HEADER_SEARCH_ROWS], header_names) if header_names else None
    if at is None:  # the header is row 1 (or missing)
        at = 0 if raw_rows and raw_rows[0][0] == 1 else -1
    header_row = raw_rows[at][0] if at >= 0 else 1
    header = [_cell_text(v, date_column=False, id_column=False, epoch=book.epoch) for v in raw_rows[at][1]] if at >= 0 else []
    keys = [(normalize_header(h), re.sub(r"\s+", "", normalize_header(h))) for h in header]
    kinds = [(bool({k, bare} & date_columns), bool({k, bare} & id_columns)) for k, bare in keys]
    rows: list[tuple[int, list[str]]] = []
    epoch = book.epoch
    for number, values in raw_rows[at + 1 :] if at >= 0 else raw_rows:
        cells = [  # text (most cells) and empty cells directly; the rest by `_cell_text`
            v.strip() if v.__class__ is str else "" if v is None else
            _cell_text(v, date_column=i < len(kinds) and kinds[i][0], id_column=i < len(kinds) and kinds[i][1], epoch=epoch)
            for i, v in enumerate(values)
        ]
        if any(cells):
            rows.append((number, cells))
    if not any(header) and not rows:
        raise SourceError("empty-file", "sheet", sheet=excerpt(first.name, SHEET_NAME_CHARS))
    if not any(header):
        raise SourceError("no-header", "sheet", sheet=excerpt(first.name, SHEET_NAME_CHARS))
    extra = [s.name for s in sheets[1:] if book.has_values(s)]
    if extra:
        raise SourceError("extra-sheets", sheet=excerpt(first.name, SHEET_NAME_CHARS), **_sheet_names(extra))
    header, rows = _trim_columns(header, rows)
    return SheetText(header, rows, header_row, tuple(found.merged))


# ------------------------------------------------------------ either kind


def read_rows(
    path: Path,
    *,
    date_columns: frozenset[str] = frozenset(),
    id_columns: frozenset[str] = frozenset(),
    header_names: frozenset[str] = frozenset(),
) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """A .csv or .xlsx file as (header, rows) by its extension; .xls and others refused.

    With ``header_names`` the header is the first row naming two of them (a title above it is skipped).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return read_csv_rows(path.read_bytes(), header_names)
    if suffix in (".xlsx", ".xlsm"):
        sheet = read_sheet(path, date_columns=date_columns, id_columns=id_columns, header_names=header_names)
        return sheet.header, sheet.rows
    if suffix == ".xls":
        raise SourceError("unsupported-format")
    raise SourceError("unsupported-format", "suffix", suffix=suffix or "无扩展名", suffix_en=suffix or "no extension")
