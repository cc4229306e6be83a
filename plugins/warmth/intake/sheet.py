"""One worksheet's rows, read from its XML, and what they hide.

While the rows are read (`scan`), `Found` notes what cannot be taken as records:

- formula cells (``<f>``): the file keeps a formula's last result, which can be
  stale (``=1+1`` saved as 999999), and a record has no reason to hold one;
- cells longer than `XLSX_MAX_CELL_CHARS` (kept as their length only, never shown);
- hidden rows and columns holding something: rows hidden by hand, by a filter
  or an outline, rows of height 0 and columns of width 0, and rows or columns
  hidden by default (``zeroHeight``, ``defaultColWidth="0"``).

A value beyond column `XLSX_MAX_COLUMNS`, or more than `XLSX_MAX_CELLS` cells
once the rows are padded to one width, stops the scan at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache

from openpyxl.utils.cell import get_column_letter
from openpyxl.utils.datetime import from_excel, from_ISO8601

from warmth.intake.package import Package, Refused, unreadable

# Longest text a cell may hold: record cells are short (a note is at most 200 characters).
XLSX_MAX_CELL_CHARS = 1_000
# Rightmost column a value may stand in (records have 16 columns, a real-name table a few more).
XLSX_MAX_COLUMNS = 200
# Rows holding values × the widest of them: what the rows may cost in memory.
XLSX_MAX_CELLS = 2_000_000
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384
SHOWN = 10  # cells, rows or columns named in one message

TRUE = ("1", "true")


class TooLong:
    """A text over `XLSX_MAX_CELL_CHARS`, kept as its length only."""

    __slots__ = ("length",)

    def __init__(self, length: int):
        self.length = length


@dataclass(frozen=True)
class Cells:
    """What a cell's value depends on beyond the sheet: shared strings, date styles, the date system."""

    strings: list
    dates: frozenset[int]
    durations: frozenset[int]
    epoch: object


@dataclass
class Found:
    """What a sheet holds that cannot be read as records: the first few places, and counts."""

    formulas: list[str] = field(default_factory=list)
    formula_count: int = 0
    long: list[str] = field(default_factory=list)
    long_count: int = 0
    hidden_rows: list[int] = field(default_factory=list)
    hidden_row_count: int = 0
    hidden_columns: dict[int, str] = field(default_factory=dict)  # column → first cell holding something
    merged: list[tuple[str, int, int]] = field(default_factory=list)  # merged ranges: (ref, first row, last row)

    def refusal(self) -> Refused | None:
        """The first of these to fix, as a refusal (over-long cells first: nothing of them is shown)."""
        if self.long:
            return Refused("cell-too-long", **_listed(self.long, self.long_count, "cells"), max=f"{XLSX_MAX_CELL_CHARS:,}")
        if self.formulas:
            return Refused("formula-cell", **_listed(self.formulas, self.formula_count, "cells"))
        if self.hidden_rows:
            return Refused("hidden-rows", **_listed([str(n) for n in self.hidden_rows], self.hidden_row_count, "rows"))
        if self.hidden_columns:
            columns = sorted(self.hidden_columns)
            letters = [get_column_letter(c) for c in columns[:SHOWN]]
            return Refused("hidden-columns", **_listed(letters, len(columns), "columns"), cell=self.hidden_columns[columns[0]])
        return None


def _listed(names: list[str], count: int, key: str) -> dict[str, object]:
    more = count > len(names)
    return {key: "、".join(names) + ("……" if more else ""), key + "_en": ", ".join(names) + (", …" if more else ""), "count": count}


class _Columns:
    """Hidden columns: <col hidden="1"> or width 0, or, when the default width is 0, every column not shown."""

    def __init__(self):
        self.hidden: set[int] = set()
        self.shown: set[int] = set()
        self.default_hidden = False

    def __bool__(self) -> bool:
        return bool(self.hidden) or self.default_hidden

    def __contains__(self, column: int) -> bool:
        return column in self.hidden or (self.default_hidden and column not in self.shown)

    def add(self, col) -> None:
        low, high = _number(col.get("min")), _number(col.get("max"))
        if low is None or high is None or not 1 <= low <= high <= EXCEL_MAX_COLUMNS:
            raise unreadable("columns")
        hidden = col.get("hidden", "").lower() in TRUE or _number(col.get("width")) == 0
        (self.hidden if hidden else self.shown).update(range(int(low), int(high) + 1))


def scan(package: Package, part: str, cells: Cells, found: Found) -> Iterator[tuple[int, list]]:
    """(row number, values from column A to the last value) of every row holding a value; notes go to ``found``."""
    columns = _Columns()
    rows_hidden = False  # every row hidden unless it says otherwise (sheetFormatPr zeroHeight)
    last = used = width = 0
    tags: tuple[str, ...] = ()
    for name, el, _ in package.records(part, ("row", "col", "sheetFormatPr", "mergeCell")):
        if name == "row":
            if not tags:
                ns = el.tag[: -len("row")]
                tags = (ns + "c", ns + "v", ns + "f", ns + "is")
            r = el.get("r")
            number = last + 1 if r is None else _int(r)
            if not last < number <= EXCEL_MAX_ROWS:
                raise unreadable("row order")
            last = number
            values = _row(el, number, r, tags, cells, found, columns if columns else None)
            if not values:
                continue
            if _row_hidden(el, rows_hidden) and any(content(v) for v in values):
                found.hidden_row_count += 1
                if len(found.hidden_rows) < SHOWN:
                    found.hidden_rows.append(number)
            used += 1
            width = max(width, len(values))
            if used * width > XLSX_MAX_CELLS:
                raise Refused("xlsx-too-large", "cells", max=f"{XLSX_MAX_CELLS:,}", rows=f"{used:,}", width=width)
            yield number, values
        elif name == "col":
            columns.add(el)
        elif name == "mergeCell":
            _merged(el.get("ref", ""), found)
        else:
            rows_hidden = el.get("zeroHeight", "").lower() in TRUE
            columns.default_hidden = _number(el.get("defaultColWidth")) == 0


def _merged(ref: str, found: Found) -> None:
    """Note a merged range by its rows (the data rows it covers are a problem for the caller)."""
    match = re.fullmatch(r"([A-Z]{1,3})([0-9]{1,7})(?::([A-Z]{1,3})([0-9]{1,7}))?", ref.upper())
    if match is None:
        raise unreadable("merged cells")
    first = _int(match[2])
    last = _int(match[4]) if match[4] else first
    if len(found.merged) < XLSX_MAX_COLUMNS * 10:  # the first few thousand: enough to name them
        found.merged.append((ref.upper(), min(first, last), max(first, last)))


def _row(row, number: int, r: str | None, tags: tuple[str, ...], cells: Cells, found: Found, hidden: _Columns | None) -> list:
    """The values of one <row> (empty when it holds none); notes its formulas, long cells, hidden columns.

    Runs once per cell of the sheet: a cell of one <v> holding a shared string
    or a plain number is read here, anything else by `_value`, with the same result.
    """
    C, V, F, IS = tags
    strings, dates = cells.strings, cells.dates
    values: list = []
    column = 0
    for cell in row:
        if cell.tag != C:
            continue
        get = cell.get
        ref = get("r")
        if ref:
            letters = ref.rstrip("0123456789")
            at = _column(letters)
            if ref[len(letters):] != r and _int(ref[len(letters):]) != number:
                raise unreadable("cell reference")
        else:
            at = column + 1
        if at <= column:
            raise unreadable("cell order")
        column = at
        formula = inline = None
        if len(cell) == 1 and cell[0].tag == V:
            raw = cell[0].text
        else:
            raw = None
            for part in cell:
                tag = part.tag
                if tag == V:
                    raw = part.text
                elif tag == F:
                    formula = part
                elif tag == IS:
                    inline = part
            if formula is not None:
                found.formula_count += 1
                if len(found.formulas) < SHOWN:
                    found.formulas.append(f"{get_column_letter(at)}{number}")
        kind = get("t", "n")
        if not raw or len(raw) > XLSX_MAX_CELL_CHARS or (kind != "s" and kind != "n"):
            value = _value(kind, raw, inline, get("s"), cells)
        elif kind == "s":
            try:
                value = strings[int(raw)]
            except (ValueError, IndexError, TypeError, OverflowError):
                raise unreadable("cell value") from None
        else:
            style = get("s")
            try:
                value = float(raw) if ("." in raw or "e" in raw or "E" in raw) else int(raw)
                index = int(style) if style else 0
            except (ValueError, TypeError, OverflowError):
                raise unreadable("cell value") from None
            if index in dates:
                value = _value(kind, raw, inline, style, cells)
        if value is None:
            continue
        if isinstance(value, TooLong):
            found.long_count += 1
            if len(found.long) < SHOWN:
                found.long.append(f"{get_column_letter(at)}{number}")
            continue
        if at > XLSX_MAX_COLUMNS:
            raise Refused("xlsx-too-large", "columns", cell=f"{get_column_letter(at)}{number}", column=at, max=XLSX_MAX_COLUMNS)
        if hidden is not None and at in hidden and at not in found.hidden_columns and content(value):
            found.hidden_columns[at] = f"{get_column_letter(at)}{number}"
        if at - 1 > len(values):
            values.extend([None] * (at - 1 - len(values)))
        values.append(value)
    return values


def _value(kind: str, raw: str | None, inline, style: str | None, cells: Cells):
    """One cell's value as openpyxl gives it with ``data_only`` (a formula's saved result)."""
    if kind == "inlineStr":
        if inline is None:
            return None
        text = text_of(inline)
        return text if len(text) <= XLSX_MAX_CELL_CHARS else TooLong(len(text))
    if not raw:
        return None
    if len(raw) > XLSX_MAX_CELL_CHARS:
        return TooLong(len(raw))
    try:
        if kind == "n":
            value = float(raw) if ("." in raw or "e" in raw or "E" in raw) else int(raw)
            index = int(style) if style else 0
            if index in cells.dates:
                try:
                    return from_excel(value, cells.epoch, timedelta=index in cells.durations)
                except (OverflowError, ValueError):
                    return "#VALUE!"
            return value
        if kind == "s":
            return cells.strings[int(raw)]
        if kind == "b":
            return bool(int(raw))
        if kind in ("str", "e"):  # a formula's text result, an error such as #N/A
            return raw
        if kind == "d":
            return from_ISO8601(raw)
    except (ValueError, IndexError, TypeError, OverflowError):
        raise unreadable("cell value") from None
    raise unreadable("cell type")


def text_of(node) -> str:
    """The text of a shared or inline string: its <t>, and the <t> of its rich-text runs (not phonetic runs)."""
    parts = []
    for child in node:
        tag = child.tag.rpartition("}")[2]
        if tag == "t":
            parts.append(child.text or "")
        elif tag == "r":
            parts.extend(t.text or "" for t in child if t.tag.rpartition("}")[2] == "t")
    return "".join(parts)


def content(value) -> bool:
    """Whether a value shows anything (not None, not blank text)."""
    return value is not None and not (isinstance(value, str) and not value.strip())


@cache
def _column(letters: str) -> int:
    """1 for A, 27 for AA; `unreadable` for anything that is not a column Excel has."""
    if not 1 <= len(letters) <= 3 or not letters.isascii() or not letters.isalpha():
        raise unreadable("cell reference")
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    if number > EXCEL_MAX_COLUMNS:
        raise unreadable("cell reference")
    return number


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise unreadable("row number") from None


def _number(text: str | None) -> float | None:
    try:
        return float(text) if text is not None else None
    except ValueError:
        return None


def _row_hidden(row, by_default: bool) -> bool:
    if row.get("hidden", "").lower() in TRUE or _number(row.get("ht")) == 0:
        return True
    return by_default and not (row.get("customHeight", "").lower() in TRUE and (_number(row.get("ht")) or 0) > 0)
