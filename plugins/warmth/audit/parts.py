"""Each round's and each destination's record file holds exactly its rows of ``disbursements.csv``.

A part file (``rounds/<round>/disbursements.csv``, ``districts/<slug>/disbursements.csv``)
is streamed once and its digest compared with the one `Totals` kept; only when
they differ are the part and ``disbursements.csv`` read again, side by side, to
name the first row that differs. A sealed round's file is left to the ledger check.
"""

from __future__ import annotations

import hashlib
import re
from typing import NamedTuple

from warmth.audit.csvfiles import CsvFiles, Unreadable
from warmth.audit.folder import RECORDS
from warmth.audit.report import Check
from warmth.audit.totals import Totals, row_token

FOLDERS = {"round": "rounds", "district": "districts"}
WHAT = {"round": "批次 / round", "district": "区县 / district"}
NAMES = {
    "round": ("各批次文件与全部记录一致", "rounds/<round>/disbursements.csv = the round's rows of disbursements.csv"),
    "district": ("各区县文件与全部记录一致", "districts/<slug>/disbursements.csv = the destination's rows of disbursements.csv"),
}


class _Part(NamedTuple):
    value: str | None  # the round or destination of its rows (None: no rows)
    records: int
    sha256: str
    stray: tuple[int, str] | None  # the first row of another round or destination: (row, value)


def parts_name(key: str) -> tuple[str, str]:
    return NAMES[key]


def check_parts(csvs: CsvFiles, totals: Totals, key: str, sealed: frozenset[str] = frozenset()) -> Check:
    """key "round": every rounds/<round>/ file (sealed rounds excepted); key "district": every districts/<slug>/ file."""
    folder = FOLDERS[key]
    pattern = re.compile(rf"{folder}/([^/]+)/{re.escape(RECORDS)}")
    files = {m.group(1): rel for rel in csvs.folder.files if (m := pattern.fullmatch(rel))}
    expected = totals.digests(key)
    issues = []
    covered: dict[str, str] = {}
    checked = 0
    skipped = []
    for name, rel in sorted(files.items()):
        if key == "round" and name in sealed:
            skipped.append(name)
            continue  # a sealed round is published as sealed: the ledger check covers it
        try:
            part = _read_part(csvs, rel, totals, key, name if key == "round" else None)
        except Unreadable as exc:
            issues.append(str(exc))
            continue
        if part is None:
            issues.append(f"{rel}: 表头与 {RECORDS} 不同 / header differs from {RECORDS}")
            continue
        checked += 1
        value = part.value
        if value is None:
            issues.append(f"{rel}: 没有记录 / holds no records")
            continue
        if part.stray is not None:
            row, cell = part.stray
            issues.append(f"{rel} 第{row}行 (row {row}): {key} = {cell!r}，本文件应只有 {WHAT[key]} {value!r}")
            continue
        if value in covered:
            issues.append(f"{rel}: 与 {covered[value]} 是同一个 {key} {value!r} / same {key} as {covered[value]}")
        covered[value] = rel
        want = expected.get(value)
        if want is None or (part.records, part.sha256) != (want.records, want.sha256):
            issues.append(_first_difference(csvs, rel, key, value, part.records, want.records if want else 0))
    for value in sorted(expected):
        if value not in covered and not (key == "round" and value in sealed):
            count = expected[value].records
            issues.append(
                f"{RECORDS} 中 {key} = {value!r} 有 {count} 条记录，但没有对应的 {folder}/…/{RECORDS} / "
                f"{count} records with {key} = {value!r} but no {folder}/…/{RECORDS}"
            )
    passed = f"{checked} 个文件与 {RECORDS} 一致 / files match {RECORDS}"
    if skipped:
        passed += f"；已封存批次按账本核对 / sealed rounds checked against the ledger: {', '.join(skipped)}"
    return Check.of(parts_name(key), issues, passed)


def _read_part(csvs: CsvFiles, rel: str, totals: Totals, key: str, value: str | None) -> _Part | None:
    """Stream a part file: its value of `key`, count and digest; None when its header is not that of disbursements.csv."""
    rows = csvs.rows(rel)
    header = next(rows, None)
    if header is None or tuple(header) != totals.header:
        rows.close()
        return None
    position = totals.header.index(key)
    digest, count, stray = hashlib.sha256(), 0, None
    for number, fields in enumerate(rows, 2):
        cell = fields[position] if position < len(fields) else ""
        if value is None:
            value = cell
        if cell != value and stray is None:
            stray = (number, cell)
        digest.update(row_token(fields))
        count += 1
    return _Part(value, count, digest.hexdigest(), stray)


def _cell(row: list[str], i: int) -> str | None:
    return row[i] if i < len(row) else None


def _first_difference(csvs: CsvFiles, rel: str, key: str, value: str, count: int, expected: int) -> str:
    """Read the part file beside disbursements.csv again and name the first row that differs."""
    main_rows = csvs.rows(RECORDS)
    header = next(main_rows)
    position = header.index(key)
    wanted = (fields for fields in main_rows if position < len(fields) and fields[position] == value)
    part_rows = csvs.rows(rel)
    next(part_rows)
    try:
        for number, (mine, theirs) in enumerate(zip(part_rows, wanted), 2):
            if mine != theirs:
                diffs = [
                    f"{header[i] if i < len(header) else i}: {_cell(mine, i) or ''!r} ≠ {RECORDS} {_cell(theirs, i) or ''!r}"
                    for i in range(max(len(mine), len(theirs)))
                    if _cell(mine, i) != _cell(theirs, i)
                ]
                at = header.index("record_id") if "record_id" in header else len(theirs)
                rid = f" record_id {theirs[at]!r}" if at < len(theirs) else ""
                return (
                    f"{rel} 第{number}行 (row {number}){rid}: 与 {RECORDS} 中 {key} = {value!r} 的第 {number - 1} 条不同 / "
                    f"differs from the {key}'s row {number - 1} in {RECORDS}: {'; '.join(diffs[:4])}"
                )
    except Unreadable as exc:
        return str(exc)
    finally:
        main_rows.close()
        part_rows.close()
    return f"{rel}: {count} 条记录，{RECORDS} 中 {key} = {value!r} 有 {expected} 条 / {count} records, {RECORDS} has {expected} with {key} = {value!r}"
