"""The .xlsx reader's two ways through a part give the same records and the same refusal.

`Package.records` reads a part with the C tree builder (`package._batches`) and
hands anything unusual to the event-by-event reading (`Package._events`), which
starts again and skips what was given. Both are compared here on workbooks made
to be awkward: deep nesting, crowded records, damaged XML at every place, with
the tree looked at after every few bytes as well as after every 8 KiB.
"""

from __future__ import annotations

import datetime as dt
import gc
import io
import random
import xml.etree.ElementTree as ET
import zipfile

import pytest
from test_hostile_files import HEADER, MAIN, book, cells_xml, one_sheet

from warmth.intake import package
from warmth.intake.package import Package, Refused
from warmth.intake.sheet import Found
from warmth.intake.sources import SourceError, read_xlsx
from warmth.intake.workbook import Workbook

SHEET = "xl/worksheets/sheet1.xml"
WANTED = ("row", "col", "sheetFormatPr", "mergeCell")
ROWS = cells_xml([HEADER] + [[f"SW-{i}", i * 3 + 0.5, "慰问" * (i % 5)] for i in range(1, 120)])


def outcome(records) -> tuple[list, tuple | None]:
    """What the caller sees: each record as text (without its tail, which no reader uses), then the refusal."""
    seen = []
    try:
        for name, el, parent in records:
            tail, el.tail = el.tail, None
            seen.append((name, ET.tostring(el), parent))
            el.tail = tail
    except Refused as exc:
        return seen, (exc.rule, exc.variant, exc.values)
    return seen, None


def both(text: str) -> tuple[tuple, tuple]:
    """(records, event by event) of a sheet part holding ``text``."""
    pkg = Package(_with_sheet(book(("记录", "visible", "")), text))
    fast = outcome(pkg.records(SHEET, WANTED))
    try:
        root = pkg._check_prolog(SHEET)
    except Refused as exc:  # damage before the root element: neither way starts
        return fast, ([], (exc.rule, exc.variant, exc.values))
    full = {root[: root.find("}") + 1] + w: w for w in WANTED}
    return fast, outcome(pkg._events(SHEET, full))


def _with_sheet(raw: bytes, text: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, text.encode() if info.filename == SHEET else src.read(info.filename))
    return out.getvalue()


def sheet(body: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<worksheet xmlns="{MAIN}">{body}</worksheet>'


def deep(n: int) -> str:
    return "<x>" * n + "</x>" * n


CASES = {
    "plain": sheet(f"<sheetFormatPr/><cols><col min='1' max='2'/></cols><sheetData>{ROWS}</sheetData>"
                   "<mergeCells><mergeCell ref='A1:B1'/></mergeCells>"),
    "deep 64 before": sheet(deep(63) + f"<sheetData>{ROWS}</sheetData>"),
    "deep 65 before": sheet(deep(64) + f"<sheetData>{ROWS}</sheetData>"),
    "deep among rows": sheet(f"<sheetData>{ROWS[:3000]}{deep(70)}{ROWS[ROWS.index('<row', 3000):]}</sheetData>"),
    "deep after": sheet(f"<sheetData>{ROWS}</sheetData>{deep(100)}"),
    "deep inside a record": sheet(f"<sheetData>{ROWS}<row r='500'>{deep(300)}</row></sheetData>"),
    "crowded record": sheet(f"<sheetData>{ROWS}<row r='500'>{'<x/>' * 3_000}</row></sheetData>"),
    "crowded, then damage": sheet(f"<sheetData>{ROWS}<row r='500'>{'<x><y/></x>' * 1_500}</row><<"),
    "record in a record": sheet(f"<sheetData><row r='1'><row r='2'/><c r='A1'><v>1</v></c></row>{ROWS}</sheetData>"),
    "rows out of sheetData": sheet(f"{ROWS[:2000]}<sheetData>{ROWS}</sheetData>"),
    "truncated": sheet(f"<sheetData>{ROWS}</sheetData>")[:-40],
    "junk after the root": sheet(f"<sheetData>{ROWS}</sheetData>") + "<x/>",
    "noise": sheet("<sheetData>" + ROWS.replace("</row>", "</row> <!-- c --> <?pi x?> text ") + "</sheetData>"),
    "prefixed": sheet(f"<m:sheetData xmlns:m='{MAIN}'>" + ROWS.replace("<row", "<m:row").replace("</row>", "</m:row>")
                      + "</m:sheetData>"),
}


@pytest.mark.parametrize("feed", [package.FEED, 7, 64])
@pytest.mark.parametrize("case", sorted(CASES))
def test_the_tree_and_the_events_give_the_same_records_and_refusal(monkeypatch, case, feed):
    monkeypatch.setattr(package, "FEED", feed)
    monkeypatch.setattr(package, "FAST_RECORD_ELEMENTS", 2_000)
    fast, events = both(CASES[case])
    assert fast == events
    assert events[0] or events[1]


def test_the_same_on_damaged_xml_everywhere(monkeypatch):
    monkeypatch.setattr(package, "FEED", 100)
    rng = random.Random(8)
    text = CASES["plain"]
    for _ in range(150):
        damaged = list(text)
        for _ in range(rng.choice((1, 2, 3))):
            at = rng.randrange(len(damaged))
            roll = rng.random()
            if roll < 0.4:
                damaged[at] = rng.choice('<>/"=0123456789 rvcx')
            elif roll < 0.7:
                del damaged[at : at + rng.randrange(1, 40)]
            else:
                damaged[at:at] = rng.choice(["<x>" * 70, "</row>", "<row>", '<row r="2">', "]]>", "&bogus;", "<x/>" * 2_100])
        fast, events = both("".join(damaged))
        assert fast == events


def test_a_record_limit_lower_than_the_fast_one_is_kept(monkeypatch):
    monkeypatch.setattr(package, "XLSX_MAX_RECORD_ELEMENTS", 30)
    fast, events = both(sheet(f"<sheetData>{ROWS}<row r='500'>{'<x/>' * 31}</row></sheetData>"))
    assert fast == events and events[1] == ("xlsx-too-large", "elements", {"max": "30"})


def test_an_ordinary_workbook_is_read_without_the_event_by_event_reading(monkeypatch):
    def never(*args):
        raise AssertionError("read event by event")

    monkeypatch.setattr(Package, "_events", never)
    raw = book(("记录", "visible", f"<cols><col min='1' max='3' width='9'/></cols><sheetData>{ROWS}</sheetData>"),
               strings=["一", "二"])
    header, rows = read_xlsx(raw)
    assert header == HEADER and len(rows) == 119 and rows[0] == (2, ["SW-1", "3.5", "慰问"])
    book_ = Workbook(raw)
    try:
        assert book_.has_values(book_.sheets[0])
    finally:
        book_.close()


def test_an_ordinary_sheet_is_read_a_few_rows_at_a_time():
    """The tree never holds more than the rows of one chunk: each is given, then dropped."""
    raw = one_sheet(cells_xml([HEADER] + [[f"SW-{i}", i, "慰问"] for i in range(1, 3_000)]))
    pkg = Package(raw)
    largest = 0
    batches = package._batches(pkg._chunks(SHEET), {f"{{{MAIN}}}row": "row"})
    for batch in batches:
        largest = max(largest, len(batch))
    assert 0 < largest < 200



def test_cells_of_every_kind_keep_their_values():
    """The cells `sheet._row` reads itself (one <v>: a shared string, a plain number) and those it leaves to `_value`."""
    cells = (
        '<c r="A1" t="s"><v>0</v></c><c r="B1"><f>1+1</f><v>2</v></c><c r="C1"><v>1</v><v>2</v></c>'
        '<c r="D1" t="inlineStr"><is><r><t>a</t></r><rPh><t>x</t></rPh><r><rPr/><t>b</t></r></is></c>'
        '<c r="E1" t="b"><v>1</v></c><c r="F1" t="e"><v>#N/A</v></c><c r="G1" t="str"><v>s</v></c>'
        '<c r="H1" t="d"><v>2020-01-02T03:04:05</v></c><c r="I1" t="s"><v>-1</v></c><c r="J1" s="0"><v>1e3</v></c>'
        '<c><v>7</v></c><c r="M1" t="s"><v> 1 </v></c><c r="N1" t="n"><v>1_0</v></c><c r="O1"><v></v></c>'
        '<c r="P1" t="s"><v>1</v><v>0</v></c>'
    )
    book_ = Workbook(book(("记录", "visible", f'<sheetData><row r="1">{cells}</row></sheetData>'), strings=["一", "二"]))
    found, rows = Found(), []
    try:
        with pytest.raises(Refused) as exc:
            rows.extend(book_.rows(book_.sheets[0], found))
    finally:
        book_.close()
    assert exc.value.rule == "formula-cell" and found.formulas == ["B1"]
    when = dt.datetime(2020, 1, 2, 3, 4, 5)
    assert rows == [(1, ["一", 2, 2, "ab", True, "#N/A", "s", when, "二", 1000.0, 7, None, "二", 10, None, "一"])]
    for bad in ('<c r="B1" t="s"><v>9</v></c>', '<c r="B1" t="s"><v>x</v></c>', '<c r="B1" s="x"><v>1</v></c>',
                '<c r="B1"><v>1.5.2</v></c>'):
        book_ = Workbook(book(("记录", "visible", f'<sheetData><row r="1">{bad}</row></sheetData>'), strings=["一"]))
        try:
            with pytest.raises(Refused) as exc:
                list(book_.rows(book_.sheets[0]))
        finally:
            book_.close()
        assert (exc.value.rule, exc.value.values["detail_en"]) == ("unreadable", " (cell value)")


def test_the_cycle_collector_is_paused_only_while_a_workbook_is_read(monkeypatch):
    monkeypatch.setenv("WARMTH_WORKBOOK_CACHE", "")
    states = []
    real = Workbook.__init__

    def spy(self, raw):
        states.append(gc.isenabled())
        real(self, raw)

    monkeypatch.setattr(Workbook, "__init__", spy)
    raw = one_sheet(cells_xml([HEADER, ["SW-1", 1, "慰问"]]))
    assert gc.isenabled()
    assert read_xlsx(raw)[1] == [(2, ["SW-1", "1", "慰问"])]
    with pytest.raises(SourceError):
        read_xlsx(one_sheet(cells_xml([HEADER]) + '<row r="2"><c r="A2"><f>1</f><v>1</v></c></row>'))
    assert gc.isenabled() and states == [False, False]
    gc.disable()
    try:
        read_xlsx(raw)
        assert not gc.isenabled()  # a caller's own pause is kept
    finally:
        gc.enable()
