"""An .xlsx workbook read from its XML parts: which sheets it has, whether they
are hidden, its shared strings and the styles that make a number a date.

Why not openpyxl's reader: what a district's workbook may hide has to be seen
while its cells are read. openpyxl's read-only mode cannot tell hidden rows or
columns, gives a formula's saved result as if it were a value, parses every
part without a limit on what it holds, and needs 10–14 s for 50,000 rows.
Here each part is read once, through `package.Package` (caps on sizes and
expansion, defusedxml on every part, the records of one 8 KiB chunk in memory
at a time), by the standard library's C parser; `sheet.scan` reads a
worksheet's rows and notes what they hide (about 1.3 s for 50,000 rows of 17
columns, on 2 cores at load average 1–2).

Cell values are what openpyxl gives (its own helpers decide which number
formats are dates and turn serials into dates), so the text that
`sources.read_xlsx` makes of them is unchanged.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from dataclasses import dataclass

from openpyxl.styles.numbers import builtin_format_code, is_date_format, is_timedelta_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, WINDOWS_EPOCH

from warmth.intake.package import Package, unreadable
from warmth.intake.sheet import XLSX_MAX_CELL_CHARS, Cells, Found, TooLong, content, scan, text_of

TRUE = ("1", "true")
CELL_SHEETS = ("/worksheet", "/xlMacrosheet", "/xlIntlMacrosheet")  # the kinds of sheet that hold cells


@dataclass(frozen=True)
class Sheet:
    name: str
    part: str
    hidden: bool  # state "hidden" or "veryHidden"


def _resolve(base: str, target: str) -> str:
    """A relationship's target as a part name (targets are relative to the part's folder, or absolute)."""
    path = target[1:] if target.startswith("/") else posixpath.normpath(posixpath.join(base, target))
    if path == ".." or path.startswith("../"):
        raise unreadable("relationship")
    return path


class Workbook:
    """The sheets of an .xlsx file (all of them, in the workbook's order) and how to read their cells."""

    def __init__(self, raw: bytes):
        self.package = Package(raw)
        try:
            main = self._office_document()
            rels = self._relationships(main)
            self.sheets, epoch = self._read_workbook(main, rels)
            dates, durations = self._read_styles(self._first(rels, "/styles"))
            self._cells = Cells(self._read_strings(self._first(rels, "/sharedStrings")), dates, durations, epoch)
        except BaseException:
            self.package.close()
            raise

    @property
    def epoch(self):
        return self._cells.epoch

    def close(self) -> None:
        self.package.close()

    def rows(self, sheet: Sheet, found: Found | None = None) -> Iterator[tuple[int, list]]:
        """(row number, values from column A to the last value) of every row of ``sheet`` holding a value.

        Values are None, str, int, float, bool, datetime, date, time or timedelta.
        After the last row, a formula, a cell too long, or a hidden row or column
        holding something is refused (`sheet.Found.refusal`). ``found`` (if given)
        receives the sheet's merged ranges too.
        """
        found = Found() if found is None else found
        yield from scan(self.package, sheet.part, self._cells, found)
        refusal = found.refusal()
        if refusal is not None:
            raise refusal

    def has_values(self, sheet: Sheet) -> bool:
        """Whether ``sheet`` holds anything: a value that is not blank, or a formula (stops at the first)."""
        found = Found()
        for _, values in scan(self.package, sheet.part, self._cells, found):
            if found.formula_count or found.long_count or any(content(v) for v in values):
                return True
        return bool(found.formula_count or found.long_count)

    # ---------------------------------------------------------------- parts

    def _part(self, name: str | None) -> str | None:
        """The zip member of a part name (Excel compares part names without case)."""
        if name is None or self.package.has(name):
            return name
        return self.package.lower.get(name.lower())

    def _office_document(self) -> str:
        for rel in self._rel_elements("_rels/.rels"):
            if rel.get("Type", "").endswith("/officeDocument"):
                part = self._part(_resolve("", rel.get("Target", "")))
                if part is not None:
                    return part
        raise unreadable("no workbook part")

    def _rel_elements(self, name: str) -> Iterator:
        part = self._part(name)
        if part is not None:
            for _, rel, _ in self.package.records(part, ("Relationship",)):
                yield rel

    def _relationships(self, part: str) -> dict[str, tuple[str, str]]:
        """Id → (type, part name) of a part's relationships inside the file."""
        folder, name = posixpath.split(part)
        found = {}
        for rel in self._rel_elements(posixpath.join(folder, "_rels", name + ".rels")):
            if rel.get("TargetMode") != "External":
                found[rel.get("Id", "")] = (rel.get("Type", ""), _resolve(folder, rel.get("Target", "")))
        return found

    def _first(self, rels: dict[str, tuple[str, str]], kind: str) -> str | None:
        return next((self._part(path) for rtype, path in rels.values() if rtype.endswith(kind)), None)

    def _read_workbook(self, main: str, rels: dict[str, tuple[str, str]]) -> tuple[list[Sheet], object]:
        sheets, epoch = [], WINDOWS_EPOCH
        for name, el, _ in self.package.records(main, ("workbookPr", "sheet")):
            if name == "workbookPr":
                epoch = CALENDAR_MAC_1904 if el.get("date1904", "").lower() in TRUE else WINDOWS_EPOCH
                continue
            rid = next((v for k, v in el.attrib.items() if k.startswith("{") and k.endswith("}id")), None)
            if rid not in rels:
                raise unreadable("sheet without its part")
            rtype, path = rels[rid]
            if rtype.endswith(CELL_SHEETS):  # chart sheets hold no cells
                part = self._part(path)
                if part is None:
                    raise unreadable("sheet without its part")
                sheets.append(Sheet(el.get("name", ""), part, el.get("state", "visible") in ("hidden", "veryHidden")))
        return sheets, epoch

    def _read_styles(self, part: str | None) -> tuple[frozenset[int], frozenset[int]]:
        """The cell styles (indexes into cellXfs) whose number format is a date, and a duration."""
        if part is None:
            return frozenset(), frozenset()
        custom: dict[int, str] = {}
        formats: list[int] = []
        try:
            for name, el, parent in self.package.records(part, ("numFmt", "xf")):
                if name == "numFmt":
                    custom[int(el.get("numFmtId", "-1"))] = el.get("formatCode", "")
                elif parent == "cellXfs":
                    formats.append(int(el.get("numFmtId", "0")))
        except ValueError:
            raise unreadable("styles") from None
        codes = [custom[n] if n in custom else builtin_format_code(n) for n in formats]
        return (
            frozenset(i for i, code in enumerate(codes) if is_date_format(code)),
            frozenset(i for i, code in enumerate(codes) if is_timedelta_format(code)),
        )

    def _read_strings(self, part: str | None) -> list[str | TooLong]:
        """The shared strings; one over `XLSX_MAX_CELL_CHARS` is kept as its length only."""
        strings: list[str | TooLong] = []
        if part is not None:
            for _, si, _ in self.package.records(part, ("si",)):
                text = text_of(si).replace("x005F_", "")  # as openpyxl reads shared strings
                strings.append(text if len(text) <= XLSX_MAX_CELL_CHARS else TooLong(len(text)))
        return strings
