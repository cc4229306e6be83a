"""Every figure the site shows, in the cell where it is shown, against the raw input files.

Pages are read with the standard library's HTML parser (tests/html_tables.py):
a figure is looked up by its row label and column header, or by its stat term,
never searched for anywhere in the page. Expected values come from
tests/independent.py, which reads only the raw CSV files and campaign.toml
(csv, tomllib, Decimal; small groups merged as README "Privacy" describes).
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from html_tables import Table, read_page

import independent
from independent import TWO_DECIMALS, read_rows, yuan

OTHER = "其他"
DIMENSIONS = {"区县": "district", "资金来源": "fund_source", "救助类别": "category", "受助群体": "recipient_group", "救助形式": "aid_type"}


def money(fen: int) -> str:
    """How the site shows an amount: ¥1,234.50, -¥2,596.28."""
    return f"{'-' if fen < 0 else ''}¥{Decimal(abs(fen)) / 100:,.2f}"


def count(n: int) -> str:
    return f"{n:,}"


class Truth:
    """The raw inputs, read independently of the plugin."""

    def __init__(self, data: Path, site: Path):
        self.campaign = independent.campaign(data)
        self.raw = independent.records(data)
        site_rows = read_rows(site / "data/disbursements.csv")
        self.rows = independent.published(self.raw, site_rows, self.campaign)  # generalised as published, checked
        self.allocated = independent.allocations(data)
        self.findings = independent.findings(data, site_rows)
        self.dests = independent.names(self.campaign, "destinations")
        self.sources = independent.names(self.campaign, "fund_sources")
        self.categories = independent.names(self.campaign, "categories")
        self.groups = independent.names(self.campaign, "recipient_groups")
        self.round_ids = [r["id"] for r in self.campaign["rounds"]]
        # destinations with a round's report missing (README "Pages"): their balance is not known
        sent = {(r["district"], r["round"]) for r in self.rows}
        self.incomplete = {d: [i for i in self.round_ids if (d, i) not in sent] for d in self.dests}
        self.incomplete = {d: ids for d, ids in self.incomplete.items() if ids}
        self.round_labels = {r["id"]: r["label"] for r in self.campaign["rounds"]}

    def slug(self, key: str, name: str) -> str:
        (slug,) = [item["slug"] for item in self.campaign[key] if item["name"] == name]
        return slug

    def pages(self) -> dict[str, tuple[str, str | None]]:
        """Page path → (field, value) of the records it covers; (None, None) for all."""
        pages = {"index.html": (None, None)}
        for key, field in (("destinations", "district"), ("fund_sources", "fund_source"), ("categories", "category")):
            folder = {"destinations": "districts", "fund_sources": "sources", "categories": "categories"}[key]
            for item in self.campaign[key]:
                pages[f"{folder}/{item['slug']}/index.html"] = (field, item["name"])
        for round_id in self.round_ids:
            pages[f"rounds/{round_id}/index.html"] = ("round", round_id)
        return pages

    def scope(self, field: str | None, value: str | None) -> list[dict]:
        return self.rows if field is None else [r for r in self.rows if r[field] == value]


@pytest.fixture(scope="module")
def truth(root, default_site) -> Truth:
    return Truth(root / "data", default_site)


def totals(rows: list[dict], field: str) -> dict[str, tuple[int, int]]:
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        key = independent.AID_ZH[row[field]] if field == "aid_type" else row[field]
        out[key][0] += 1
        out[key][1] += row["fen"]
    return {k: (n, f) for k, (n, f) in out.items()}


def refs(rows: list[dict]) -> int:
    return len({r["recipient_ref"] for r in rows if r["recipient_ref"]})


def declared(truth: Truth, field: str) -> list[str]:
    return {
        "district": truth.dests,
        "fund_source": truth.sources,
        "category": truth.categories + [OTHER],
        "recipient_group": truth.groups + [OTHER],
        "aid_type": ["现金", "物资", "服务"],
    }[field]


def check_breakdown(table: Table, rows: list[dict], reported: set[str], truth: Truth, marked: bool = True) -> None:
    """A 记录数 / 金额 / 占比 table: every cell of every row, and the 合计 row.

    ``marked``: destinations with a round missing are marked (every page but a round's own).
    """
    field = DIMENSIONS[table.columns[0]]
    expected = totals(rows, field)
    total_n, total_fen = len(rows), sum(r["fen"] for r in rows)
    labels = table.labels()
    order = declared(truth, field)
    assert labels == sorted(labels, key=order.index), (table.caption, labels)  # declared order
    assert {k for k, (n, _) in expected.items() if n} <= set(labels), table.caption
    for label in labels:
        cells = table.row(label)
        n, fen = expected.get(label, (0, 0))
        if field == "district" and label not in reported:
            assert n == 0 and "未报送" in " ".join(cells.values()) and "¥" not in " ".join(cells.values()), (table.caption, cells)
            continue
        assert (cells["记录数"], cells["金额（元）"]) == (count(n), money(fen)), (table.caption, label)
        share_text, _, flag = cells["占比"].partition("% ")
        share = Decimal(share_text.rstrip("%"))
        # a destination with a round missing says so beside its share, in words (not by colour alone)
        missing = truth.incomplete.get(label, []) if marked and field == "district" and label in reported else []
        said = "、".join(unicodedata.normalize("NFKC", truth.round_labels[i]) for i in missing) + "未报送" if missing else ""
        assert flag == said, (table.caption, label, flag)
        assert abs(share - Decimal(100 * fen) / total_fen) <= Decimal("0.05"), (table.caption, label, share)
    foot = table.row("合计")
    assert (foot["记录数"], foot["金额（元）"]) == (count(total_n), money(total_fen)), table.caption


def test_every_breakdown_table_on_every_page(default_site, truth):
    checked = 0
    for path, (field, value) in truth.pages().items():
        page = read_page(default_site / path)
        rows = truth.scope(field, value)
        reported = {r["district"] for r in rows} if field == "round" else {r["district"] for r in truth.rows}
        for table in page.tables:
            if table.columns[1:] == ["记录数", "金额（元）", "占比"] and table.columns[0] in DIMENSIONS:
                check_breakdown(table, rows, reported, truth, marked=field != "round")
                checked += 1
    # home 5, each destination 4, source 2, category 4, round 3
    assert checked == 5 + 4 * len(truth.dests) + 2 * len(truth.sources) + 4 * len(truth.categories) + 3 * len(truth.round_ids)


def test_stats_on_every_page(default_site, truth):
    for path, (field, value) in truth.pages().items():
        stats = read_page(default_site / path).stats
        rows = truth.scope(field, value)
        amount, n = money(sum(r["fen"] for r in rows)), f"{count(len(rows))} 条"
        if field == "round":
            assert stats == {"本批新增金额": amount, "本批新增记录": n, "本批受助对象": f"{count(refs(rows))} 个"}, path
            continue
        assert (stats["发放总额"], stats["发放记录"]) == (amount, n), path
        if field in (None, "district"):
            assert stats["受助对象"] == f"{count(refs(rows))} 个", path
        spent = sum(r["fen"] for r in rows)
        if field is None:
            assert stats["拨付总额"] == money(sum(truth.allocated.values()))
        elif field == "district":
            given = sum(fen for (_, dest), fen in truth.allocated.items() if dest == value)
            assert stats["拨付结余"] == ("未报送" if value in truth.incomplete else money(given - spent)), path
        elif field == "fund_source":
            given = sum(fen for (source, _), fen in truth.allocated.items() if source == value)
            settled = [r for r in rows if r["district"] not in truth.incomplete]
            left = sum(fen for (source, dest), fen in truth.allocated.items() if source == value and dest not in truth.incomplete)
            assert (stats["拨付总额"], stats["结余"]) == (money(given), money(left - sum(r["fen"] for r in settled))), path


def test_home_flow_and_report_status_tables(default_site, truth):
    page = read_page(default_site / "index.html")
    for caption, first, second in (("资金来源 → 救助类别", "fund_source", "category"), ("救助类别 → 区县", "category", "district")):
        expected: dict[tuple[str, str], int] = defaultdict(int)
        for r in truth.rows:
            expected[(r[first], r[second])] += r["fen"]
        table = page.table(caption)
        shown = {(a, b): amount for a, b, amount in table.rows}
        assert shown == {key: money(fen) for key, fen in expected.items() if fen}, caption
    status = page.table("各区县报送情况")
    assert status.labels() == truth.dests
    for label, *cells in status.rows:
        assert len(cells) == len(truth.round_ids)
        for round_id, cell in zip(truth.round_ids, cells):
            mine = [r for r in truth.rows if r["district"] == label and r["round"] == round_id]
            assert cell == (f"{count(len(mine))} 条 {money(sum(r['fen'] for r in mine))}" if mine else "未报送"), (label, round_id)


def test_allocation_tables_on_destination_and_source_pages(default_site, truth):
    spent: dict[tuple[str, str], int] = defaultdict(int)
    for r in truth.rows:
        spent[(r["fund_source"], r["district"])] += r["fen"]
    pairs = {pair for pair in set(truth.allocated) | set(spent) if truth.allocated.get(pair, 0) or spent.get(pair, 0)}
    for key, folder, position in (("destinations", "districts", 1), ("fund_sources", "sources", 0)):
        for item in truth.campaign[key]:
            table = read_page(default_site / folder / item["slug"] / "index.html").table("拨付与发放对照")
            order = truth.sources if position == 1 else truth.dests
            mine = sorted((p for p in pairs if p[position] == item["name"]), key=lambda p: order.index(p[1 - position]))
            assert table.labels() == [p[1 - position] for p in mine], item["name"]
            for pair in mine:
                cells = table.row(pair[1 - position])
                given, out = truth.allocated.get(pair, 0), spent.get(pair, 0)
                assert (cells["拨付（元）"], cells["已发放（元）"]) == (money(given), money(out)), pair
                balance = cells["结余（元）"]
                if pair[1] in truth.incomplete:  # a report missing: never shown as settled
                    assert balance == "未报送", pair
                    continue
                assert balance == money(given - out) if given >= out else balance == f"{money(given - out)} 超出拨付", pair
            foot = table.row("合计")
            given, out = sum(truth.allocated.get(p, 0) for p in mine), sum(spent.get(p, 0) for p in mine)
            settled = [p for p in mine if p[1] not in truth.incomplete]
            left = sum(truth.allocated.get(p, 0) - spent.get(p, 0) for p in settled)
            assert (foot["拨付（元）"], foot["已发放（元）"], foot["结余（元）"]) == (money(given), money(out), money(left) if settled else "未报送")


def test_source_pages_category_matrix(default_site, truth):
    for source in truth.campaign["fund_sources"]:
        rows = [r for r in truth.rows if r["fund_source"] == source["name"]]
        table = read_page(default_site / "sources" / source["slug"] / "index.html").table(f"{source['name']}在各区县、各救助类别")
        cell: dict[tuple[str, str], int] = defaultdict(int)
        for r in rows:
            cell[(r["district"], r["category"])] += r["fen"]
        columns = table.columns[1:-1]
        assert table.columns[-1] == "合计" and set(columns) >= {c for _, c in cell}
        assert table.labels() == [d for d in truth.dests if any(r["district"] == d for r in rows)]
        for dest in table.labels():
            shown = table.row(dest)
            assert [shown[c] for c in columns] == [money(cell.get((dest, c), 0)) for c in columns], dest
            assert shown["合计"] == money(sum(r["fen"] for r in rows if r["district"] == dest))
        foot = table.row("合计")
        assert [foot[c] for c in columns] == [money(sum(r["fen"] for r in rows if r["category"] == c)) for c in columns]
        assert foot["合计"] == money(sum(r["fen"] for r in rows))


def test_goods_tables_on_destination_pages(default_site, truth):
    other_item = truth.campaign.get("privacy", {}).get("other_item_label", "其他物资")
    for dest in truth.campaign["destinations"]:
        goods: dict[tuple[str, str], list] = defaultdict(lambda: [Decimal(0), 0, 0])
        for r in truth.rows:
            if r["district"] == dest["name"] and r["aid_type"] == "goods":
                key = (r["item"], r["unit"]) if r["item"] != other_item else (other_item, "（多种）")  # README: rare goods, one row
                goods[key][0] += Decimal(r["quantity"])
                goods[key][1] += 1
                goods[key][2] += r["fen"]
        table = read_page(default_site / "districts" / dest["slug"] / "index.html").table(f"{dest['name']}发放的物资")
        shown = {(r[0], r[2]): (r[1], r[3], r[4]) for r in table.rows}
        expected = {
            key: ("—" if key[0] == other_item else f"{q.normalize():,f}", count(n), money(f)) for key, (q, n, f) in goods.items()
        }
        assert shown == expected, dest["name"]
        assert table.foot == [["合计", "", "", count(sum(n for _, n, _ in goods.values())), money(sum(f for _, _, f in goods.values()))]]


RULES_ZH = {  # the rule names the findings page shows (README "Findings" lists the codes)
    "over-allocation": "超出拨付额发放", "unspent-balance": "资金未用完", "earmark": "超出专款用途",
    "file-first-missing": "困难职工缺建档日期", "file-first-late": "先帮扶后建档", "fairness-multi-district": "跨区县受助",
    "fairness-repeat": "同类多次受助", "late-report": "逾期报送", "missing-report": "未报送",
}  # fmt: skip
SEVERITY_ZH = {  # README "Findings": high 高, medium 中, low 低
    "over-allocation": "高", "unspent-balance": "中", "earmark": "高", "file-first-missing": "中", "file-first-late": "高",
    "fairness-multi-district": "中", "fairness-repeat": "低", "late-report": "中", "missing-report": "高",
}  # fmt: skip
PAGE_LIMIT = 200  # the findings page lists the first 200 findings of a rule, findings.csv has them all


def test_findings_page_counts_and_rows(default_site, truth):
    page = read_page(default_site / "findings/index.html")
    summary = page.table("各项规则的核查结果")
    # grouped by severity, high first (README "Findings"), then in the rules' order
    by_severity = sorted(RULES_ZH, key=lambda code: "高中低".index(SEVERITY_ZH[code]))
    assert summary.labels() == [RULES_ZH[code] for code in by_severity]
    for code, zh in RULES_ZH.items():
        mine = [f for f in truth.findings if f[0] == code]
        total = sum(f[5] for f in mine)
        cells = summary.row(zh)
        assert cells["严重程度"] == SEVERITY_ZH[code], code
        assert cells["问题数"] == count(len(mine)), code
        assert cells["涉及金额（元）"] == (money(total) if total else "—"), code
        if not mine:
            continue
        table = page.table(section=code)
        assert len(table.rows) == min(len(mine), PAGE_LIMIT), code
        expected = {(d, s or "—", count(n), money(a) if (a or n) else "—") for _, d, s, _, n, a in mine}
        for row in table.rows:
            cells = dict(zip(table.columns, row))
            assert (cells["区县"], cells["资金来源"], cells["记录数"], cells["金额（元）"]) in expected, (code, row)


def campaign_table(truth: Truth) -> tuple[list[tuple[str, str, str]], list[list]]:
    """The 送温暖工程统计表 from the raw records: [(csv key, title, kind)], rows of values (people int, money Decimal yuan)."""
    groups = truth.groups + [OTHER]
    people = {(d, g): {r["recipient_ref"] for r in truth.rows if r["district"] == d and r["recipient_group"] == g and r["recipient_ref"]}
              for d in truth.dests for g in groups}
    kept = [g for g in groups if any(people[(d, g)] for d in truth.dests)]
    columns = [("district", "区县", "name")]
    columns += [(f"reached_{'other' if g == OTHER else truth.slug('recipient_groups', g)}", f"受助{g}（人/户）", "people") for g in kept]
    columns += [("reached_total", "受助合计（人/户，去重）", "people")]
    columns += [(f"{truth.slug('fund_sources', s)}_yuan", f"{s}（元）", "money") for s in truth.sources]
    columns += [("goods_yuan", "物资价值（元）", "money"), ("cash_yuan", "现金（元）", "money"), ("service_yuan", "服务价值（元）", "money")]
    columns += [("total_yuan", "合计（元）", "money")]

    def yuan_of(rows):
        return Decimal(sum(r["fen"] for r in rows)) / 100

    table = []
    for d in truth.dests:
        mine = [r for r in truth.rows if r["district"] == d]
        row = [d] + [len(people[(d, g)]) for g in kept] + [refs(mine)]
        row += [yuan_of([r for r in mine if r["fund_source"] == s]) for s in truth.sources]
        row += [yuan_of([r for r in mine if r["aid_type"] == t]) for t in ("goods", "cash", "service")] + [yuan_of(mine)]
        table.append(row)
    total = ["合计"] + [sum(row[i] for row in table) for i in range(1, len(columns))]
    total[len(kept) + 1] = refs(truth.rows)  # a person reached in two destinations counts once
    return columns, table + [total]


def test_campaign_table_csv_every_cell(default_site, truth):
    columns, expected = campaign_table(truth)
    got = read_rows(default_site / "data/summary/campaign-table.csv")
    assert [list(r) for r in got] == [[key for key, _, _ in columns]] * len(got)
    assert len(got) == len(expected)
    for row, want in zip(got, expected):
        for (key, _, kind), value in zip(columns, want):
            cell = row[key]
            if kind == "money":
                assert TWO_DECIMALS.fullmatch(cell) and yuan(cell) == value, (want[0], key, cell)
            else:
                assert cell == str(value), (want[0], key, cell)


def test_campaign_table_xlsx_every_cell(default_site, truth):
    from openpyxl import load_workbook

    columns, expected = campaign_table(truth)
    sheet = load_workbook(default_site / "data/summary/campaign-table.xlsx").active
    assert "送温暖工程统计表" in sheet["A1"].value
    assert sheet.max_row == 2 + len(expected) and sheet.max_column == len(columns)
    assert [c.value for c in sheet[2]] == [title for _, title, _ in columns]
    for cells, want in zip(sheet.iter_rows(min_row=3), expected, strict=True):
        for cell, (key, _, kind), value in zip(cells, columns, want, strict=True):
            if kind == "money":
                # a number cell (not text) that Excel shows with two decimals; floats hold 2-decimal yuan exactly
                assert isinstance(cell.value, int | float) and Decimal(repr(cell.value)) == value, (want[0], key, cell.value)
                assert cell.number_format == "#,##0.00", (want[0], key)
            elif kind == "people":
                assert isinstance(cell.value, int) and cell.value == value, (want[0], key, cell.value)
            else:
                assert cell.value == value


def test_campaign_table_page_every_cell(default_site, truth):
    columns, expected = campaign_table(truth)
    table = read_page(default_site / "table/index.html").table("各区县送温暖工程统计")
    assert table.columns == [title for _, title, _ in columns]
    shown = table.rows + table.foot
    assert [r[0] for r in shown] == [r[0] for r in expected]
    for row, want in zip(shown, expected):
        formatted = [want[0]] + [money(int(v * 100)) if kind == "money" else count(v) for (_, _, kind), v in zip(columns[1:], want[1:])]
        assert row == formatted, want[0]


def test_summary_files_recompute_from_the_raw_inputs(default_site, truth):
    """Every /data/summary/by-….csv, the aid types included, against the raw records (published labels)."""
    for file, field in (("by-district.csv", "district"), ("by-fund-source.csv", "fund_source"), ("by-category.csv", "category"),
                        ("by-recipient-group.csv", "recipient_group"), ("by-aid-type.csv", "aid_type"), ("by-round.csv", "round")):
        summary = read_rows(default_site / "data/summary" / file)
        assert list(summary[0]) == ["name", "records", "amount_yuan"], file
        expected: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for r in truth.rows:
            expected[r[field]][0] += 1
            expected[r[field]][1] += r["fen"]
        got = {r["name"]: (int(r["records"]), independent.fen(r["amount_yuan"])) for r in summary if int(r["records"])}
        assert got == {k: tuple(v) for k, v in expected.items()}, file
        assert all(TWO_DECIMALS.fullmatch(r["amount_yuan"]) for r in summary if int(r["records"])), file
    aid = read_rows(default_site / "data/summary/by-aid-type.csv")
    assert [r["name"] for r in aid] == ["cash", "goods", "service"]


def test_allocated_vs_disbursed_recomputes(default_site, truth):
    spent: dict[tuple[str, str], int] = defaultdict(int)
    for r in truth.rows:
        spent[(r["fund_source"], r["district"])] += r["fen"]
    got = read_rows(default_site / "data/summary/allocated-vs-disbursed.csv")
    assert [(r["fund_source"], r["district"]) for r in got] == [(s, d) for s in truth.sources for d in truth.dests]
    for r in got:
        pair = (r["fund_source"], r["district"])
        given, out = truth.allocated.get(pair, 0), spent.get(pair, 0)
        assert (independent.fen(r["allocated_yuan"]), independent.fen(r["disbursed_yuan"]), independent.fen(r["balance_yuan"])) == (
            given, out, given - out), pair


def test_the_about_page_counts_the_generalised_records(default_site, truth):
    """README "Privacy": the about page says how many records had a value generalised (read from the downloads)."""
    fields = ("category", "recipient_group", "disbursing_unit", "item")
    merged = sum(1 for raw, pub in zip(truth.raw, truth.rows) if any(raw[f] != pub[f] for f in fields) or not pub["date"])
    assert merged > 0
    about = (default_site / "about/index.html").read_text(encoding="utf-8")
    assert f"本次共有 <strong>{count(merged)}</strong> 条记录" in about


PAGE_SLICE = 50  # destination and fund-source pages list a page's first 50 findings


def page_findings(truth: Truth, field: str, name: str) -> list[tuple]:
    if field == "district":  # a finding about several destinations belongs to each
        return [f for f in truth.findings if name in f[1].split("、")]
    return [f for f in truth.findings if f[2] == name]


def test_findings_tables_on_destination_and_source_pages(default_site, truth):
    for key, folder, field in (("destinations", "districts", "district"), ("fund_sources", "sources", "fund_source")):
        for item in truth.campaign[key]:
            page = read_page(default_site / folder / item["slug"] / "index.html")
            mine = page_findings(truth, field, item["name"])
            tables = [t for t in page.tables if t.section == "findings"]
            if not mine:
                assert tables == [], item["name"]
                continue
            (table,) = tables
            assert len(table.rows) == min(len(mine), PAGE_SLICE), item["name"]
            expected = {(d, s or "—", count(n), money(a) if (a or n) else "—") for _, d, s, _, n, a in mine}
            for row in table.rows:
                cells = dict(zip(table.columns, row))
                assert (cells["区县"], cells["资金来源"], cells["记录数"], cells["金额（元）"]) in expected, (item["name"], row)


def test_destination_and_source_pages_say_how_many_findings_are_not_listed(default_site, truth):
    for key, folder, field in (("destinations", "districts", "district"), ("fund_sources", "sources", "fund_source")):
        for item in truth.campaign[key]:
            mine = page_findings(truth, field, item["name"])
            body = (default_site / folder / item["slug"] / "index.html").read_text(encoding="utf-8")
            section = body[body.index('<h2 id="findings">'):] if '<h2 id="findings">' in body else ""
            more = re.findall(r"另有 ([\d,]+) 条", section)
            assert more == ([count(len(mine) - PAGE_SLICE)] if len(mine) > PAGE_SLICE else []), item["name"]
