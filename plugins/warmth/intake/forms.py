"""Form-style sheets: what Chinese government spreadsheets hold besides the table.

A district's file is seldom a clean table. Above the header it has a title
(``沙湾区2012年送温暖专项资金发放实名制汇总表``, merged across the columns) and
lines such as ``填报单位：…`` and ``填报日期：…``; the first column is often a
序号 (1, 2, 3 …); below the rows come a 合计 row (sometimes 小计 rows between
groups) and signature lines (``填表人：…  审核人：…  联系电话：…``).

This module tells these apart from the records, as staff mean them:

- `find_header`: the header is the first row (of the first `HEADER_SEARCH_ROWS`)
  whose cells name at least two known columns, in Chinese or English, with
  line breaks and spaces inside a cell ignored; the lines above it are skipped
  (the caller says so in one notice line, by row number only: a title line
  may hold a name or a phone number);
- `is_serial`: a 序号 column, ignored;
- `split_rows`: 合计/小计/总计 rows and footer lines, recognised on the few
  rows whose 记录编号 cannot be a record id (every row of a clean file has one,
  so a clean file costs one regex over one column). Total rows are never
  records: their figures are checked against the rows they sum
  (`total_problems`); footer lines are dropped, and nothing of them is shown
  (they hold names and phone numbers).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from warmth.core.money import AMOUNT_PATTERN, parse_fen
from warmth.core.problems import Problem
from warmth.core.schema import COLUMN_ZH, RECORD_ID_PATTERN, normalize_header
from warmth.intake.cells import fullmatch

HEADER_SEARCH_ROWS = 30  # a header lower than this is not a form's header
HEADER_MIN_KNOWN = 2  # column names a row must hold to be taken as the header
SERIAL_HEADERS = frozenset({"序号", "序", "顺序号", "no", "no.", "#"})
TOTAL = re.compile(r"(?:总合计|合计|小计|总计|共计)(?:[(（][^)）]{0,8}[)）])?[:：]?")
SUBTOTAL = "小计"
# A footer line starts (in its first non-empty cell) with one of these: who filled in, checked or signs the form.
FOOTER = re.compile(
    r"(?:填表人|填报人|制表人|审核人|审批人|复核人|负责人|单位负责人|经办人|联系人|联系电话|电话|手机|"
    r"填报日期|填表日期|制表日期|报送日期|日期|单位[(（]?盖章[)）]?|盖章|签字|签名)\s*[:：]?"
)
# Below the first footer line, a row of at most this many cells that is not a record is footer too;
# a fuller row stays a row (and is checked as a record: nothing typed as data is dropped unseen).
FOOTER_CELLS = 2
TOTALLED = ("amount_yuan", "quantity")  # the figures a total row is checked on


def bare(text: object) -> str:
    """A header cell as compared: normalised, every space and line break removed."""
    return re.sub(r"\s+", "", normalize_header(str(text or "")))


def known_names(columns) -> frozenset[str]:
    """Every header a form's header row may hold: the columns' names, Chinese and English, and 序号."""
    return frozenset({bare(c.name) for c in columns} | {bare(c.zh) for c in columns} | SERIAL_HEADERS)


def find_header(rows: Iterable[tuple[int, list]], known: frozenset[str]) -> int | None:
    """Index (in ``rows``) of the first row naming at least two known columns, or None."""
    for index, (_, cells) in enumerate(rows):
        if index >= HEADER_SEARCH_ROWS:
            break
        hits = {bare(c) for c in cells if isinstance(c, str)} & known
        if len(hits - SERIAL_HEADERS) >= HEADER_MIN_KNOWN:
            return index
    return None


def is_serial(header: str) -> bool:
    return bare(header) in SERIAL_HEADERS


def skipped_notice(name: str, header_row: int) -> str:
    """The one notice line for lines skipped above the header (row numbers only, never their text)."""
    above = "第 1 行" if header_row == 2 else f"第 1–{header_row - 1} 行"
    above_en = "row 1" if header_row == 2 else f"rows 1–{header_row - 1}"
    return (
        f"{name}：表头在第 {header_row} 行，已跳过表头上方的标题、填报单位等{above}。"
        f" / {name}: header found in row {header_row}; the title lines above it ({above_en}) were skipped."
    )


@dataclass(frozen=True)
class Split:
    """Which rows of a frame are records, totals and footer lines."""

    totals: pd.Series  # bool per row: a 合计/小计/总计 row
    subtotal: pd.Series  # bool per row: of those, a 小计 row
    footer: pd.Series  # bool per row: a footer line (or a short line below the first one that is not a record)

    @property
    def records(self) -> pd.Series:
        return ~(self.totals | self.footer)


def split_rows(frame: pd.DataFrame, text_columns: list[str]) -> Split:
    """Find total rows and footer lines among the rows whose 记录编号 is not a record id.

    ``text_columns``: the frame's columns in sheet order (the 序号 column included).
    Only the candidate rows are looked at cell by cell; a clean file has none.
    """
    none = pd.Series(False, index=frame.index)
    if "record_id" in frame.columns:
        candidate = ~fullmatch(frame["record_id"], RECORD_ID_PATTERN)
    else:
        candidate = pd.Series(True, index=frame.index)
    if not candidate.any():
        return Split(none, none, none.copy())
    totals, subtotal, footer = none.copy(), none.copy(), none.copy()
    footer_started = False
    for index, cells in zip(frame.index[candidate.to_numpy()], frame.loc[candidate, text_columns].itertuples(index=False, name=None)):
        filled = [c for c in cells if c]
        if not filled:
            continue
        if not footer_started and any(TOTAL.fullmatch(bare(c)) for c in filled[:3]):
            totals[index] = True
            subtotal[index] = any(bare(c).startswith(SUBTOTAL) for c in filled[:3])
        elif FOOTER.match(bare(filled[0])):
            footer[index] = True
            footer_started = True
        elif footer_started and len(filled) <= FOOTER_CELLS:
            footer[index] = True  # below the signature lines: a date, a stamp, a name
    return Split(totals, subtotal, footer)


def _fen(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(fen, readable) of amount texts; unreadable ones are 0 and marked."""
    ok = fullmatch(values, AMOUNT_PATTERN)
    fen = pd.Series(0, index=values.index, dtype="int64")
    if ok.any():
        fen[ok] = parse_fen(values[ok])
    return fen, ok


def _yuan(fen: int) -> str:
    return f"{fen // 100:,}.{fen % 100:02d}"


def total_problems(frame: pd.DataFrame, split: Split, name: str, labels: dict[str, str]) -> list[Problem]:
    """A total row whose figures differ from the sum of the rows it totals.

    A 小计 row totals the records since the previous 小计 (or the header); a 合计
    or 总计 row totals every record above it. A column is checked when the total
    row has a figure in it and every record it totals has a readable one (an
    unreadable figure is reported on its own row).
    """
    problems: list[Problem] = []
    if not split.totals.any():
        return problems
    records = split.records.to_numpy()
    positions = np.flatnonzero(split.totals.to_numpy())
    subtotal = split.subtotal.to_numpy()
    for column in TOTALLED:
        if column not in frame.columns:
            continue
        fen, ok = _fen(frame[column])
        running = np.concatenate([[0], np.cumsum(np.where(records, fen.to_numpy(), 0))])
        bad = np.concatenate([[0], np.cumsum(records & ~ok.to_numpy() & (frame[column] != "").to_numpy())])
        start = 0
        for at in positions:  # a few total rows per file
            begin = start if subtotal[at] else 0
            if subtotal[at]:
                start = at + 1
            typed = frame[column].iat[at]
            if typed == "" or bad[at] - bad[begin]:
                continue
            total_fen, total_ok = _fen(pd.Series([typed]))
            expected = int(running[at] - running[begin])
            if not total_ok.iat[0] or int(total_fen.iat[0]) != expected:
                problems.append(Problem.of(
                    "total-mismatch", name, int(frame["_row"].iat[at]), column, typed,
                    label=labels.get(column, column), column=column, sum=_yuan(expected),
                ))
    return problems


def merged_problems(merged: list[tuple[str, int, int]], record_rows: np.ndarray, name: str) -> list[Problem]:
    """A merged range (ref, first row, last row) that covers a record row: the values would be read wrong."""
    rows = np.sort(record_rows)
    problems = []
    for ref, first, last in merged:
        at = np.searchsorted(rows, first)
        if at < len(rows) and rows[at] <= last:
            problems.append(Problem.of("merged-cells", name, int(rows[at]), "", "", range=ref))
    return problems


def is_header(cells: list, known: frozenset[str]) -> bool:
    """Whether a row names at least two known columns (what `find_header` looks for)."""
    return find_header([(1, list(cells))], known) == 0


def csv_form(text: str, known: frozenset[str], name: str, problems: list[Problem]):
    """A CSV whose first line is not the header: (header, rows, row numbers, header row), or None.

    None when no line of the first `HEADER_SEARCH_ROWS` is a header (the first
    line is then reported as the header it is). Rows shorter than the header
    are padded (Excel writes a title line as ``title,,,``); a longer row with
    values past the header is ragged.
    """
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:
        return None
    at = find_header([(i + 1, [c.strip() for c in r]) for i, r in enumerate(records[:HEADER_SEARCH_ROWS])], known)
    if not at:
        return None
    header = [c.strip() for c in records[at]]
    width = len(header)
    rows, numbers, ragged = [], [], False
    for number, record in enumerate(records[at + 1 :], start=at + 2):
        if not any(c.strip() for c in record):
            continue
        if len(record) > width and any(c.strip() for c in record[width:]):
            problems.append(Problem.of("ragged-row", name, number, "", len(record), fields=len(record), width=width))
            ragged = True
            continue
        rows.append((record + [""] * width)[:width])
        numbers.append(number)
    return None if ragged and not rows else (header, rows, numbers, at + 1)


def shape_form(
    frame: pd.DataFrame, name: str, header_row: int, merged, problems: list[Problem], notices: list[str] | None
) -> pd.DataFrame:
    """The frame's records only: total rows checked and dropped, footer lines dropped, merged data cells reported.

    ``frame``: the sheet's columns in order (canonical names, or ``_skip…``/``_drop…``) and ``_row``.
    """
    columns = [c for c in frame.columns if c != "_row"]
    split = split_rows(frame, columns)
    problems.extend(total_problems(frame, split, name, COLUMN_ZH))
    records = frame.loc[split.records] if split.totals.any() or split.footer.any() else frame  # a clean file: no copy
    if merged:
        problems.extend(merged_problems(list(merged), records["_row"].to_numpy(), name))
    said = []
    if header_row > 1:
        said.append(skipped_notice(name, header_row))
    if split.totals.any() or split.footer.any():
        count_t, count_f = int(split.totals.sum()), int(split.footer.sum())
        said.append(
            f"{name}：{count_t} 行合计（小计）已核对、不作为记录；{count_f} 行签名栏（填表人、审核人、联系电话等）已忽略，不公开。"
            f" / {name}: {count_t} total row(s) checked and not taken as records; {count_f} footer line(s) ignored, not published."
        )
    if notices is not None:
        notices.extend(said)
    return records
