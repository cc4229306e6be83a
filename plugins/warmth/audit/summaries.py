"""The files under summary/, each re-computed from the records (`Totals`) and compared to the fen.

One function per check; each takes the CSV files and the totals and returns a `Check`.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal

from warmth.audit.csvfiles import CsvFiles, Unreadable, decimal, money
from warmth.audit.folder import ALLOC_VS, ALLOCATIONS, CAMPAIGN_TABLE, PACKAGE, RECORDS, SUMMARIES
from warmth.audit.report import Check
from warmth.audit.totals import Sum, Totals

SUMMARY_HEADER = ["name", "records", "amount_yuan"]
ALLOC_VS_HEADER = ["fund_source", "district", "allocated_yuan", "disbursed_yuan", "balance_yuan"]
ALLOCATIONS_HEADER = ["fund_source", "district", "amount_yuan"]
UNREPORTED_EMPTY = {"district", "round"}  # README: never 0.00 for a destination or round that sent nothing
AID_TYPES = ("cash", "goods", "service")
ALLOC_VS_NAME = (f"拨付与发放重新计算 {ALLOC_VS}", f"{ALLOC_VS} re-computed from disbursements.csv and allocations.csv")
CAMPAIGN_TABLE_NAME = (f"统计表重新计算 {CAMPAIGN_TABLE}", f"{CAMPAIGN_TABLE} re-computed from disbursements.csv")
_COUNT = re.compile(r"0|[1-9][0-9]*")


def summary_name(rel: str) -> tuple[str, str]:
    return (f"汇总重新计算 {rel}", f"{rel} re-computed from disbursements.csv")


def _bad_rows_note(totals: Totals) -> list[str]:
    if not totals.bad_rows:
        return []
    rows = ", ".join(str(n) for n in totals.bad_rows[:10])
    return [f"{RECORDS} 第 {rows} 行的金额或字段数有误，按 0 计 / rows {rows}: bad amount or field count, counted as 0"]


def _header_issue(rel: str, table: list[list[str]], expected: list[str]) -> str | None:
    if table and table[0] == expected:
        return None
    return f"{rel}: 表头应为 / header should be {','.join(expected)}"


def check_summary(csvs: CsvFiles, totals: Totals, rel: str) -> Check:
    """summary/by-<dimension>.csv: one row per value, its records and amount; empty amount = not yet reported."""
    name = summary_name(rel)
    try:
        table = csvs.table(rel)
    except Unreadable as exc:
        return Check.of(name, [str(exc)], "")
    wrong_header = _header_issue(rel, table, SUMMARY_HEADER)
    if wrong_header:
        return Check.of(name, [f"{wrong_header}: {table[0] if table else 'empty'}"], "")
    dim = SUMMARIES[rel]
    sums = totals.sums[dim]
    issues = _bad_rows_note(totals)
    seen = set()
    for number, row in enumerate(table[1:], 2):
        if len(row) != 3:
            issues.append(f"{rel} 第{number}行 (row {number}): 应有 3 个字段 / should have 3 fields: {row}")
            continue
        value, records, amount = row
        where = f"{rel} 第{number}行 (row {number}) {value}"
        if value in seen:
            issues.append(f"{where}: 名称重复 / name listed twice")
        seen.add(value)
        count, total = sums.get(value, Sum(0, Decimal(0)))
        if not _COUNT.fullmatch(records):
            issues.append(f"{where}: records = {records!r} 不是整数 / is not a whole number")
        elif int(records) != count:
            issues.append(f"{where}: records 文件 / file {records}，重新计算 / re-computed {count}")
        if amount == "":
            if count or records != "0":
                issues.append(f"{where}: 金额为空（未报送），但有 {count} 条记录 / empty amount (not yet reported) but {count} records")
            continue
        stated = decimal(amount)
        if stated is None:
            issues.append(f"{where}: amount_yuan = {amount!r} 不是金额 / is not an amount")
        elif stated != total:
            issues.append(f"{where}: amount_yuan 文件 / file {amount}，重新计算 / re-computed {money(total)}")
        elif dim in UNREPORTED_EMPTY and count == 0:
            issues.append(
                f"{where}: 没有记录时金额应为空（未报送），不应为 {amount} / no records: the amount must be empty (not yet reported), not {amount}"
            )
    for value in sorted(set(sums) - seen):
        count, total = sums[value]
        issues.append(
            f"{rel}: 缺少 {value!r}（{RECORDS} 中 {count} 条，{money(total)} 元）/ {value!r} is missing ({count} records, {money(total)} yuan in {RECORDS})"
        )
    return Check.of(name, issues, f"{len(table) - 1} 行，与 {RECORDS} 一致 / rows, match {RECORDS}")


def allocated_amounts(table: list[list[str]], issues: list[str]) -> dict[tuple[str, str], Decimal]:
    """allocations.csv: (fund_source, district) → amount allocated."""
    allocated: dict[tuple[str, str], Decimal] = {}
    for number, row in enumerate(table[1:], 2):
        value = decimal(row[2]) if len(row) == 3 else None
        if value is None:
            issues.append(f"{ALLOCATIONS} 第{number}行 (row {number}): 不是 fund_source,district,amount_yuan: {row}")
            continue
        if (row[0], row[1]) in allocated:
            issues.append(f"{ALLOCATIONS} 第{number}行 (row {number}): {row[0]} × {row[1]} 重复 / listed twice")
        allocated[(row[0], row[1])] = value
    return allocated


def check_allocated_vs_disbursed(csvs: CsvFiles, totals: Totals) -> Check:
    """One row per (fund source, destination): allocated as in allocations.csv, disbursed re-computed, balance = the difference."""
    try:
        table, allocations = csvs.tables(ALLOC_VS, ALLOCATIONS)
    except Unreadable as exc:
        return Check.of(ALLOC_VS_NAME, [str(exc)], "")
    wrong_header = _header_issue(ALLOC_VS, table, ALLOC_VS_HEADER) or _header_issue(ALLOCATIONS, allocations, ALLOCATIONS_HEADER)
    if wrong_header:
        return Check.of(ALLOC_VS_NAME, [wrong_header], "")
    issues = _bad_rows_note(totals)
    allocated = allocated_amounts(allocations, issues)
    pairs = totals.pairs
    seen = set()
    for number, row in enumerate(table[1:], 2):
        if len(row) != 5:
            issues.append(f"{ALLOC_VS} 第{number}行 (row {number}): 应有 5 个字段 / should have 5 fields: {row}")
            continue
        source, district, alloc_text, disb_text, bal_text = row
        pair = (source, district)
        where = f"{ALLOC_VS} 第{number}行 (row {number}) {source} × {district}"
        if pair in seen:
            issues.append(f"{where}: 重复 / listed twice")
        seen.add(pair)
        alloc = decimal(alloc_text)
        if pair not in allocated:
            issues.append(f"{where}: {ALLOCATIONS} 中没有这一对 / pair not in {ALLOCATIONS}")
        elif alloc != allocated[pair]:
            issues.append(f"{where}: allocated_yuan 文件 / file {alloc_text}，{ALLOCATIONS} 中为 / in {ALLOCATIONS} {money(allocated[pair])}")
        records = totals.districts[district].records if district in totals.districts else 0
        if disb_text == "" or bal_text == "":
            if records or disb_text != bal_text:
                issues.append(
                    f"{where}: 发放或结余为空（未报送），但该区县有 {records} 条记录 / "
                    f"empty disbursed or balance (not yet reported), but the destination has {records} records"
                )
            continue
        disb, bal = decimal(disb_text), decimal(bal_text)
        if disb is None or bal is None or alloc is None:
            issues.append(f"{where}: 金额格式不对 / malformed amount: {row[2:]}")
            continue
        disbursed = pairs.get(pair, Decimal(0))
        if disb != disbursed:
            issues.append(f"{where}: disbursed_yuan 文件 / file {disb_text}，重新计算 / re-computed {money(disbursed)}")
        if bal != alloc - disb:
            issues.append(f"{where}: balance_yuan {bal_text} ≠ allocated − disbursed = {money(alloc - disb)}")
        if not records:
            issues.append(f"{where}: 该区县没有记录，发放与结余应为空 / destination has no records: disbursed and balance must be empty")
    for pair in sorted(set(pairs) - seen):
        issues.append(f"{ALLOC_VS}: 缺少 {pair[0]} × {pair[1]}（发放 {money(pairs[pair])} 元）/ pair missing (disbursed {money(pairs[pair])})")
    for pair in sorted(set(allocated) - seen):
        issues.append(f"{ALLOC_VS}: 缺少 {ALLOCATIONS} 中的 {pair[0]} × {pair[1]} / pair from {ALLOCATIONS} missing")
    return Check.of(ALLOC_VS_NAME, issues, f"{len(table) - 1} 行，与记录和拨付表一致 / rows, match the records and allocations")


def _column_titles(csvs: CsvFiles) -> dict[str, str]:
    """The campaign table's column titles from datapackage.json: a fund source's column is titled '<source>（元）'.

    Empty when datapackage.json is not a data package (its own check says so): then only the aid-type columns are checked.
    """
    try:
        package = json.loads((csvs.folder.path / PACKAGE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    resources = package.get("resources") if isinstance(package, dict) else None
    for resource in resources if isinstance(resources, list) else []:
        if isinstance(resource, dict) and resource.get("path") == CAMPAIGN_TABLE:
            schema = resource.get("schema")
            fields = schema.get("fields") if isinstance(schema, dict) else None
            if isinstance(fields, list):
                return {f["name"]: str(f.get("title", "")) for f in fields if isinstance(f, dict) and isinstance(f.get("name"), str)}
    return {}


def check_campaign_table(csvs: CsvFiles, totals: Totals) -> Check:
    """Money per destination by aid type and by fund source, and people reached, from the records."""
    try:
        table = csvs.table(CAMPAIGN_TABLE)
    except Unreadable as exc:
        return Check.of(CAMPAIGN_TABLE_NAME, [str(exc)], "")
    if not table:
        return Check.of(CAMPAIGN_TABLE_NAME, [f"{CAMPAIGN_TABLE}: 空文件，没有表头 / empty file, no header"], "")
    header, *rows = table
    titles = _column_titles(csvs)
    issues = []
    for row in rows:
        cells = dict(zip(header, row))
        district = cells.get("district", "")
        if district == "合计":
            continue
        aid = totals.aid_money.get(district, {})
        sources = totals.source_money.get(district, {})
        expected = {"total_yuan": sum((aid.get(t, Decimal(0)) for t in AID_TYPES), Decimal(0))}
        for t in AID_TYPES:
            expected[f"{t}_yuan"] = aid.get(t, Decimal(0))
        for key in header:
            if key.endswith("_yuan") and key not in expected and titles.get(key, "").endswith("（元）"):
                expected[key] = sources.get(titles[key].removesuffix("（元）"), Decimal(0))
        for key, value in expected.items():
            if key in cells and decimal(cells[key]) != value:
                issues.append(f"{CAMPAIGN_TABLE} {district} {key}: {cells[key]} ≠ {money(value)}")
        people = totals.people.get(district, 0)
        if totals.people and "reached_total" in cells and cells["reached_total"] != str(people):
            issues.append(f"{CAMPAIGN_TABLE} {district} reached_total: {cells['reached_total']} ≠ {people}")
    if totals.people:
        detail = "各区县金额和受助人数与记录一致 / matches the records"
    else:  # the site withholds recipient refs (privacy), so people cannot be counted from the records
        detail = (
            "各区县金额与记录一致；受助人编码不公开，受助人数无法由公开记录重新计算 / "
            "money matches the records; recipient refs are withheld, so people reached cannot be recounted"
        )
    detail = "; ".join(issues[:10]) if issues else detail
    return Check(*CAMPAIGN_TABLE_NAME, not issues, detail)
