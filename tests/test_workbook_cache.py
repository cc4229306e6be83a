"""Issue 11, item 6: an unchanged workbook is not parsed again (intake/workbookcache.py)."""

from __future__ import annotations

import os
import stat
import time

import pytest
from openpyxl import Workbook

from warmth.intake import sources, workbookcache
from warmth.intake.sources import SourceError, read_sheet

from test_validate import ZH, row


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "workbooks"
    monkeypatch.setenv(workbookcache.ENVIRONMENT, str(folder))
    return folder


def book(path, rows=3, formula=False):
    wb = Workbook()
    wb.active.append(["沙湾区送温暖发放表"])
    wb.active.append(ZH)
    for i in range(rows):
        wb.active.append(row(record_id=f"W-{i}", amount_yuan=100 + i))
    if formula:
        wb.active["M3"] = "=1+1"
    wb.save(path)
    return path


def parses(monkeypatch) -> list[int]:
    """Count how often the XML reader opens a workbook."""
    calls = []
    real = sources.Workbook

    def counting(raw):
        calls.append(1)
        return real(raw)

    monkeypatch.setattr(sources, "Workbook", counting)
    return calls


def entries(folder):
    return sorted(p for p in folder.rglob("*.json"))


def test_second_read_comes_from_the_cache(cache, tmp_path, monkeypatch):
    path = book(tmp_path / "a.xlsx")
    calls = parses(monkeypatch)
    names = frozenset({"记录编号", "批次", "发放日期"})
    first = read_sheet(path, header_names=names)
    second = read_sheet(path, header_names=names)
    assert len(calls) == 1
    assert first == second
    assert second.header_row == 2 and [n for n, _ in second.rows] == [3, 4, 5]
    assert second.rows[0][1][ZH.index("金额（元）")] == "100"
    (entry,) = entries(cache)
    assert not entry.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)  # read-only


def test_changed_bytes_or_options_are_parsed_again(cache, tmp_path, monkeypatch):
    path = book(tmp_path / "a.xlsx")
    calls = parses(monkeypatch)
    read_sheet(path)
    read_sheet(path, date_columns=frozenset({"发放日期"}))  # other options: another entry
    book(path, rows=4)
    assert len(read_sheet(path).rows) == 5  # title is row 1 here (no header names): 1 + 4 rows below the header
    assert len(calls) == 3


def test_an_entry_that_fails_its_digest_is_not_used(cache, tmp_path, monkeypatch):
    path = book(tmp_path / "a.xlsx")
    good = read_sheet(path)
    (entry,) = entries(cache)
    os.chmod(entry, 0o644)
    entry.write_bytes(entry.read_bytes().replace(b'"100"', b'"999"'))  # someone edits an amount in the cache
    calls = parses(monkeypatch)
    assert read_sheet(path) == good
    assert len(calls) == 1
    assert b'"999"' not in entry.read_bytes()  # written again


def test_a_refused_workbook_is_never_cached(cache, tmp_path, monkeypatch):
    path = book(tmp_path / "a.xlsx", formula=True)
    for _ in range(2):
        with pytest.raises(SourceError) as err:
            read_sheet(path)
        assert err.value.rule == "formula-cell"
    assert entries(cache) == []


def test_cache_off(tmp_path, monkeypatch):
    monkeypatch.setenv(workbookcache.ENVIRONMENT, "")
    path = book(tmp_path / "a.xlsx")
    calls = parses(monkeypatch)
    read_sheet(path)
    read_sheet(path)
    assert len(calls) == 2


def test_only_the_most_recently_used_entries_are_kept(cache, tmp_path, monkeypatch):
    monkeypatch.setattr(workbookcache, "KEEP", 2)
    names = frozenset({"记录编号", "批次", "发放日期"})
    tick = lambda: time.sleep(0.02)  # noqa: E731 - file times are coarse (a few ms): keep the order of uses clear
    first = book(tmp_path / "first.xlsx", rows=1)
    read_sheet(first, header_names=names)
    for n in (2, 3):
        tick()
        read_sheet(book(tmp_path / f"b{n}.xlsx", rows=n), header_names=names)
    assert len(entries(cache)) == 2  # the first workbook's entry went
    (cache / "ab").mkdir(exist_ok=True)
    (cache / "ab" / "notes.json").write_text("{}", encoding="utf-8")  # not an entry: never swept
    calls = parses(monkeypatch)
    tick()
    read_sheet(tmp_path / "b3.xlsx", header_names=names)  # used again: now the most recent …
    tick()
    read_sheet(first, header_names=names)  # … so storing the first again removes b2's, not b3's
    assert len(calls) == 1 and len(entries(cache)) == 3 and (cache / "ab" / "notes.json").exists()
    read_sheet(tmp_path / "b3.xlsx", header_names=names)
    assert len(calls) == 1
