"""The REPORT= workbook a district clerk can act on.

`make check FILE=<district file> REPORT=<name>.xlsx` writes two worksheets:

1. 问题汇总 — the problems by kind: how many, on which rows, what to do;
2. 原表（已标出问题） — the district's own sheet as they sent it: every row at
   its own row number, their header, their values as typed (numbers as
   numbers, dates as dates), each bad cell filled red with a comment in Chinese
   that names the column by its Chinese name and says what to write instead,
   with an example; and a last column 需要修改 listing the row's problems.

Nothing personal is given back beyond what the district sent, and less: every
text cell, and every number that looks like an ID or phone number, is masked
like every message (`pii.detect.mask`); below the header only the record
columns and 序号 are given back (a 姓名 or 身份证号 column keeps its header and a
comment, not its values); footer lines (填表人、联系电话 …) are left out.
Texts come from core/codes.py.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook as OutBook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill

from warmth.core.campaign import DIMENSIONS, Campaign
from warmth.core.codes import CODE, EXAMPLES, REPORT_TEXTS
from warmth.core.problems import Problem
from warmth.core.schema import COLUMN_ZH, FORMULA_START, RECORD_COLUMNS, header_map
from warmth.intake.forms import FOOTER, HEADER_SEARCH_ROWS, SERIAL_HEADERS, TOTAL, bare, find_header, known_names
from warmth.intake.load import read_table
from warmth.intake.sources import decode_csv
from warmth.intake.workbook import Workbook
from warmth.pii.detect import mask

BAD = PatternFill("solid", start_color="FFC7CE", end_color="FFC7CE")  # Excel's own "bad" red
HEAD = PatternFill("solid", start_color="DDEBF7", end_color="DDEBF7")
NUMBER = re.compile(r"-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")
NUMBER_COLUMNS = ("amount_yuan", "quantity")
AUTHOR = "市总工会"
SHOWN_ROWS = 20


def _raw_rows(source: Path) -> list[tuple[int, list]] | None:
    """The sheet's rows as typed (xlsx values; CSV text), or None when the file cannot be read."""
    raw = source.read_bytes()
    try:
        if source.suffix.lower() == ".xlsx":
            book = Workbook(raw)
            try:
                sheets = [s for s in book.sheets if not s.hidden]
                return list(book.rows(sheets[0])) if sheets else None
            finally:
                book.close()
        text, _ = decode_csv(raw)
        return [(i + 1, cells) for i, cells in enumerate(csv.reader(io.StringIO(text, newline="")))]
    except Exception:  # noqa: BLE001 - an unreadable file gets the summary sheet only
        return None


def _value(value, column: str | None):
    """A cell as the district typed it, safe to write: text masked, numbers as numbers."""
    if isinstance(value, str):
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        text = ILLEGAL_CHARACTERS_RE.sub("", mask(value))
        if column in NUMBER_COLUMNS and NUMBER.fullmatch(text.strip()):
            number = float(text.strip().replace(",", ""))
            return int(number) if number.is_integer() else number
        return text
    if isinstance(value, dt.time | dt.timedelta):
        return str(value)
    if isinstance(value, int | float) and not isinstance(value, bool):  # an ID or phone number typed as a number
        text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
        return mask(text) if mask(text) != text else value
    return value


def _advice(problem: Problem, column: str, campaign: Campaign | None) -> str:
    """What the comment says: the column's Chinese name, the problem, an example of what to write."""
    zh = COLUMN_ZH.get(column, column)
    text = f"【{zh}】{problem.message_zh}" if zh else problem.message_zh
    if problem.rule == "undeclared-name" and campaign is not None and column in DIMENSIONS and REPORT_TEXTS["declared"] not in text:
        text += REPORT_TEXTS["declared"] + "、".join(campaign.names(DIMENSIONS[column][0]))
    elif column in EXAMPLES and "例如" not in text:
        text += REPORT_TEXTS["example"] + EXAMPLES[column]
    return text


@dataclass
class _Layout:
    """The district's sheet as typed, where its header stands, and which of its columns is which."""

    rows: list[tuple[int, list]]
    header_row: int  # 0: no header found
    column_of: dict[str, int]  # canonical name, or the header as a message shows it → 1-based column
    canonical: dict[int, str]  # 1-based column → canonical name
    records: set[int]  # rows read as records
    serial: set[int]  # 1-based columns headed 序号

    def shown(self, number: int, column: int) -> bool:
        """Whether a cell is given back: the header and what stands above it, and below it only the
        record columns and 序号 (a column outside the record format — 姓名, 身份证号 … — is left blank)."""
        return number <= self.header_row or column in self.canonical or column in self.serial

    def is_footer(self, number: int, values: list) -> bool:
        """A signature line below the header (填表人、联系电话 …): never given back."""
        filled = [bare(v) for v in values if isinstance(v, str) and v.strip()]
        is_total = number > self.header_row and any(TOTAL.fullmatch(c) for c in filled[:3])
        return number != self.header_row and number not in self.records and not is_total and bool(filled) and bool(FOOTER.match(filled[0]))


def _layout(source: Path, name: str) -> _Layout:
    rows = (_raw_rows(source) if source.is_file() else None) or []
    at = find_header([(n, v) for n, v in rows[:HEADER_SEARCH_ROWS]], known_names(RECORD_COLUMNS)) if rows else None
    if at is None:
        at = 0 if rows and rows[0][0] == 1 else None
    mapping = {bare(k): v for k, v in header_map(RECORD_COLUMNS).items()}
    column_of: dict[str, int] = {}
    canonical: dict[int, str] = {}
    serial: set[int] = set()
    if at is not None:
        for i, cell in enumerate(rows[at][1], start=1):
            if isinstance(cell, str) and cell.strip():
                column_of.setdefault(mask(cell.strip()), i)
                if bare(cell) in mapping:
                    column_of.setdefault(mapping[bare(cell)], i)
                    canonical[i] = mapping[bare(cell)]
                elif bare(cell) in SERIAL_HEADERS:
                    serial.add(i)
    frame, _ = read_table(source, name, RECORD_COLUMNS, []) if at is not None else (None, "")
    records = set(frame["_row"].tolist()) if frame is not None else set()
    return _Layout(rows, rows[at][0] if at is not None else 0, column_of, canonical, records, serial)


def _advice_by_place(problems: list[Problem], layout: _Layout, campaign: Campaign | None):
    """The advice per bad cell and per row (a missing column has no cell)."""
    by_cell: dict[tuple[int, int], list[str]] = defaultdict(list)
    by_row: dict[int, list[str]] = defaultdict(list)
    for p in problems:
        if p.row <= 0:
            continue
        column = p.column if p.column in COLUMN_ZH else ""
        advice = _advice(p, column, campaign)
        if layout.rows and (p.row != layout.header_row or p.rule != "missing-column"):
            by_cell[(p.row, layout.column_of.get(p.column, 1))].append(advice)
        by_row[p.row].append(advice)
    return by_cell, by_row


def report_workbook(problems: list[Problem], source: Path, name: str, campaign: Campaign | None) -> OutBook:
    """The two-sheet workbook for one district file (see the module's docstring)."""
    book = OutBook()
    summary = book.active
    summary.title = REPORT_TEXTS["summary_sheet"]
    sheet = book.create_sheet(REPORT_TEXTS["data_sheet"])
    layout = _layout(source, name)
    header_row = layout.header_row
    width = max([len(v) for _, v in layout.rows] or [0])
    hidden_said = False
    for number, values in layout.rows:
        if layout.is_footer(number, values):
            if not hidden_said:  # a signature line: names and phone numbers are not given back
                sheet.cell(number, 1, REPORT_TEXTS["footer_hidden"]).data_type = "s"
                hidden_said = True
            continue
        for i, value in enumerate(values, start=1):
            if not layout.shown(number, i):
                continue
            shown = _value(value, layout.canonical.get(i) if number != header_row else None)
            if shown is None or shown == "":
                continue
            cell = sheet.cell(number, i, shown)
            if isinstance(shown, str):
                cell.data_type = "s"  # never a formula
                cell.quotePrefix = shown.startswith(FORMULA_START)
            elif isinstance(value, dt.datetime | dt.date):
                cell.number_format = "yyyy-mm-dd"
            if number == header_row:
                cell.fill, cell.font = HEAD, Font(bold=True)
                if not layout.shown(number + 1, i):
                    cell.comment = Comment(REPORT_TEXTS["column_hidden"], AUTHOR)

    by_cell, by_row = _advice_by_place(problems, layout, campaign)
    for (row, col), texts in by_cell.items():
        cell = sheet.cell(row, col)
        cell.fill = BAD
        comment = Comment("\n".join(dict.fromkeys(texts)), AUTHOR)
        comment.width, comment.height = 320, 40 + 60 * len(texts)
        cell.comment = comment
    if by_row and header_row:
        fix = width + 1
        head = sheet.cell(header_row, fix, REPORT_TEXTS["fix_column"])
        head.fill, head.font = BAD, Font(bold=True)
        for row, texts in by_row.items():
            sheet.cell(row, fix, "；".join(dict.fromkeys(texts))).data_type = "s"
        sheet.column_dimensions[head.column_letter].width = 60
    _summary(summary, problems, campaign)
    return book


def report_table(problems: list[Problem], source: Path, name: str, campaign: Campaign | None) -> list[list[str]]:
    """The REPORT=<name>.csv table: the district's header, then each row with a problem as typed, and what to fix.

    A CSV cannot mark a cell, so each row says in its last column which column
    (by its Chinese name) is wrong and what to write instead; the first column
    is the row's number in the district's sheet.
    """
    layout = _layout(source, name)
    by_row = _advice_by_place(problems, layout, campaign)[1]
    width = max([len(v) for _, v in layout.rows] or [0])
    header = next((v for n, v in layout.rows if n == layout.header_row), [])
    table = [[REPORT_TEXTS["row_column"], *_texts(header, width, layout, layout.header_row), REPORT_TEXTS["fix_column"]]]
    whole = [_advice(p, "", campaign) for p in problems if p.row <= 0]
    if whole:
        table.append([REPORT_TEXTS["whole_file"], *[""] * width, "；".join(dict.fromkeys(whole))])
    typed = dict(layout.rows)
    for number in sorted(by_row):
        values = typed.get(number, [])
        if layout.is_footer(number, values):
            values = [REPORT_TEXTS["footer_hidden"]]
        table.append([str(number), *_texts(values, width, layout, number), "；".join(dict.fromkeys(by_row[number]))])
    return table


def _texts(values: list, width: int, layout: _Layout, number: int) -> list[str]:
    """Cells as text, as typed: text masked, dates as dates, numbers without a trailing .0; only the cells
    `_Layout.shown` gives back."""
    out = []
    for i, value in enumerate(list(values) + [None] * (width - len(values)), start=1):
        shown = _value(value, None) if layout.shown(number, i) else None
        if shown is None:
            out.append("")
        elif isinstance(shown, dt.datetime):
            out.append(shown.date().isoformat() if shown.time() == dt.time() else shown.isoformat(sep=" "))
        elif isinstance(shown, float) and shown.is_integer():
            out.append(str(int(shown)))
        else:
            out.append(str(shown))
    return out


def _summary(sheet, problems: list[Problem], campaign: Campaign | None) -> None:
    sheet.append([REPORT_TEXTS["intro"]])
    sheet["A1"].alignment = Alignment(wrap_text=True)
    sheet.merge_cells("A1:E1")
    sheet.row_dimensions[1].height = 48
    sheet.append([])
    sheet.append(["问题", "处数", "所在行", "怎么改", "problem (English)"])
    for cell in sheet[3]:
        cell.font, cell.fill = Font(bold=True), HEAD
    by_rule: dict[str, list[Problem]] = defaultdict(list)
    for p in problems:
        by_rule[p.rule].append(p)
    if not by_rule:
        sheet.append([REPORT_TEXTS["none_left"]])
    for rule, found in by_rule.items():
        rows = sorted({p.row for p in found if p.row > 0})
        shown = "、".join(str(r) for r in rows[:SHOWN_ROWS]) + ("……" if len(rows) > SHOWN_ROWS else "")
        first = found[0]
        column = first.column if first.column in COLUMN_ZH else ""
        values = [CODE[rule].title_zh, len(found), shown or REPORT_TEXTS["whole_file"], _advice(first, column, campaign), first.message_en]
        sheet.append(values)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for letter, width in zip("ABCDE", (18, 8, 24, 70, 50)):
        sheet.column_dimensions[letter].width = width


def report_bytes(problems: list[Problem], source: Path, name: str, campaign: Campaign | None) -> bytes:
    buffer = io.BytesIO()
    report_workbook(problems, source, name, campaign).save(buffer)
    return buffer.getvalue()
