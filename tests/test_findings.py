"""Findings: every campaign rule with a planted breach and a clean near miss, exact amounts,
listed record ids, deterministic order, small-group protection, and the planted
breaches of the embedded sample data (checked against an independent per-record
computation)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from warmth.core.campaign import load_campaign
from warmth.figures.dataset import read_dataset
from warmth.figures.findings import (
    COLUMNS,
    ID_LIMIT,
    RULE_CODES,
    RULES,
    find,
    for_district,
    for_source,
    summary,
)
from warmth.figures.findings import (
    factorize_refs as _factorize_refs,
)
from warmth.intake.load import load_records
from warmth.intake.submissions import load_submissions
from warmth.intake.validate import validate_records

import independent
from independent import read_rows
from test_validate import EN, row, write_csv

PEI = "市总工会配套资金"
SHE = "社会捐赠"
CAI = "市财政安排资金"
ZHONG = "中央财政追加资金"
R = {i: f"{i:02x}a" * 21 + "b" for i in range(1, 20)}  # distinct 64-hex refs (with a letter, as real digests have)


def ref(i: int) -> str:
    return R[i]


def typed_records(data: Path, campaign):
    """The records as validate_records returns them: before small-group coarsening."""
    problems: list = []
    records, found, _ = validate_records(load_records(data, problems).frame, campaign)
    assert not problems and not found
    return records


def findings_of(data: Path, **kwargs) -> pd.DataFrame:
    ds = read_dataset(data)
    return find(typed_records(data, ds.campaign), ds.agg.allocations, ds.campaign, published=ds.records, **kwargs)


def prepare(tmp_path: Path, root: Path, k: int = 1) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    toml = (root / "data" / "campaign.toml").read_text(encoding="utf-8")
    (data / "campaign.toml").write_text(toml.replace("min_group_size = 3", f"min_group_size = {k}"), encoding="utf-8")
    return data


def hw(record_id: str, amount: str, r: int, *, filed: str = "2011-01-01", **changes) -> list[str]:
    """A cash record for a hardship worker in 沙湾区 paid by 市总工会配套资金 (override anything)."""
    values = dict(record_id=record_id, amount_yuan=amount, recipient_ref=ref(r) if r else "", filed_on=filed,
                  fund_source=PEI)
    values.update(changes)
    return row(**values)


@pytest.fixture
def planted(tmp_path, root) -> Path:
    """A hand-made data set with one planted breach and one clean near miss per rule."""
    data = prepare(tmp_path, root)
    write_csv(data / "rounds/2012-01/shawan.csv", EN, [
        hw("S-01", "800.00", 1, filed="2010-05-01"),
        hw("S-02", "300.50", 2, filed=""),  # file-first-missing
        hw("S-03", "1000", 3, category="医疗救助", date="2012-01-05", filed="2012-01-06"),  # file-first-late
        hw("S-04", "99.99", 4, category="医疗救助", date="2012-01-05", filed="2012-01-05"),  # same day: clean
        hw("S-05", "500", 5, category="助学救助", recipient_group="困难职工子女", filed=""),  # not 困难职工: clean
        hw("S-06", "200", 6, fund_source=SHE, category="就业援助", recipient_group="农民工", filed=""),  # earmark
        hw("S-07", "50", 0, fund_source=SHE, category="就业援助", recipient_group="农民工", filed=""),  # earmark
        hw("S-08", "100", 8, fund_source=SHE),  # 社会捐赠 may pay 生活救助: clean
        hw("S-09", "600", 11),
        hw("S-10", "700", 12),
        hw("S-11", "150", 13, category="医疗救助"),
        hw("S-12", "160", 13, category="医疗救助", fund_source=SHE),  # same ref, other source: clean repeat
        hw("S-13", "25", 0, fund_source=SHE, category="就业援助", recipient_group="农民工", filed=""),  # earmark
    ])
    write_csv(data / "rounds/2012-02/shawan.csv", EN, [
        hw("S2-01", "600", 11, round="2012-02", date="2012-01-21"),  # R11 again: fairness-repeat
        hw("S2-02", "700", 12, round="2012-02", date="2012-01-21", category="医疗救助"),  # other category: clean
    ])
    write_csv(data / "rounds/2012-01/shizhong.csv", EN, [
        hw("Z-01", "500", 1, district="市中区", filed="2010-05-01"),  # R1 in a second destination
        hw("Z-02", "300", 9, district="市中区", fund_source=CAI, category="一线职工慰问", recipient_group="一线职工", filed=""),
        hw("Z-03", "40.70", 10, district="市中区", fund_source=ZHONG, category="一线职工慰问",
           recipient_group="一线职工", filed=""),  # earmark
        hw("Z-04", "10", 0, district="市中区", fund_source=SHE, recipient_group="农民工", filed=""),  # empty ref
    ])
    write_csv(data / "allocations.csv", ["fund_source", "district", "amount_yuan"], [
        [PEI, "沙湾区", "5349.99"],  # disbursed 5,450.49: over by 100.50
        [PEI, "市中区", "500.00"],  # exactly spent
        [CAI, "市中区", "1000"],  # 700.00 unspent
        [ZHONG, "市中区", "40.70"],  # exactly spent
        [SHE, "市中区", "10.00"],  # exactly spent
        [ZHONG, "金口河区", "300"],  # nothing spent: 300.00 unspent
    ])  # 社会捐赠 × 沙湾区 has no allocation and 535.00 disbursed
    return data


def by_rule(findings: pd.DataFrame, rule: str) -> list[dict]:
    return findings.loc[findings["rule"] == rule].to_dict("records")


def key_of(f: dict) -> tuple:
    return (f["district"], f["fund_source"], f["record_ids"], f["records"], f["amount_fen"])


# --- shape and API ---------------------------------------------------------


def test_rules_are_declared_in_order_with_codes_and_severities():
    assert RULE_CODES == (
        "over-allocation", "unspent-balance", "earmark", "file-first-missing", "file-first-late",
        "fairness-multi-district", "fairness-repeat", "late-report", "missing-report",
    )
    assert [r.severity for r in RULES] == ["high", "medium", "high", "medium", "high", "medium", "low", "medium", "high"]
    for rule in RULES:
        assert rule.zh and rule.en and len(rule.explanation_zh) > 20


def test_columns_and_types(planted):
    f = findings_of(planted)
    assert tuple(f.columns) == COLUMNS
    assert f["records"].dtype == np.int64 and f["amount_fen"].dtype == np.int64
    for column in COLUMNS:
        if column not in ("records", "amount_fen"):
            assert all(isinstance(v, str) for v in f[column])
    assert set(f["severity"]) <= {"high", "medium", "low"}
    assert (f["explanation_zh"] != "").all() and (f["explanation_en"] != "").all()


# --- one planted breach and one clean near miss per rule -----------------------


def test_over_allocation(planted):
    found = by_rule(findings_of(planted), "over-allocation")
    assert [key_of(f) for f in found] == [
        ("沙湾区", PEI, "S-01 S-02 S-03 S-04 S-05 S-09 S-10 S-11 S2-01 S2-02", 10, 10050),
        ("沙湾区", SHE, "S-06 S-07 S-08 S-12 S-13", 5, 53500),  # nothing allocated at all
    ]
    assert "¥5,349.99" in found[0]["explanation_zh"] and "¥5,450.49" in found[0]["explanation_zh"]
    assert "¥100.50" in found[0]["explanation_zh"] and "¥100.50" in found[0]["explanation_en"]
    # clean: the exactly spent pairs of 市中区 are not findings
    assert all(f["district"] != "市中区" for f in found)


def test_over_allocation_lists_at_most_fifty_ids(tmp_path, root):
    data = prepare(tmp_path, root)
    write_csv(data / "rounds/2012-01/a.csv", EN, [hw(f"A-{i:03d}", "1.01", 0) for i in range(ID_LIMIT + 10, 0, -1)])
    (f,) = by_rule(findings_of(data), "over-allocation")
    ids = f["record_ids"].split(" ")
    assert ids == [f"A-{i:03d}" for i in range(1, ID_LIMIT + 1)]
    assert f["records"] == ID_LIMIT + 10 and f["amount_fen"] == 101 * (ID_LIMIT + 10)
    assert f"…等 {ID_LIMIT + 10} 条" in f["explanation_zh"]


def test_unspent_balance_only_when_the_campaign_is_over(planted):
    # 市中区 sent no records in round 2012-02 but its report arrived (it disbursed nothing more): all its reports are in
    subs, _ = load_submissions(write_submissions(planted, [["2012-02", "市中区", "2012-02-20"]]), read_dataset(planted).campaign)
    found = by_rule(findings_of(planted, submissions=subs), "unspent-balance")
    assert [key_of(f) for f in found] == [
        ("市中区", CAI, "", 0, 70000),
        # 金口河区 was allocated money but sent no report at all: that is a missing report, not unspent money
    ]
    assert "金口河区" in {f["district"] for f in by_rule(findings_of(planted, submissions=subs), "missing-report")}
    assert "¥700.00" in found[0]["explanation_zh"]
    assert by_rule(findings_of(planted, submissions=subs, campaign_over=False), "unspent-balance") == []


def test_no_unspent_balance_beside_a_missing_report(planted):
    """A destination whose report for a round is missing has not said what it spent: its balance is not
    "unspent" money (README "Findings"); the missing report is the finding."""
    f = findings_of(planted)
    assert by_rule(f, "unspent-balance") == []  # 市中区 has 700.00 left, but its 2012-02 report is missing
    assert any(x["district"] == "市中区" and "2012-02" in x["explanation_zh"] for x in by_rule(f, "missing-report"))


def test_earmark(planted):
    found = by_rule(findings_of(planted), "earmark")
    assert [key_of(f) for f in found] == [
        ("市中区", ZHONG, "Z-03", 1, 4070),
        ("沙湾区", SHE, "S-06 S-07 S-13", 3, 27500),
    ]
    assert "“一线职工慰问”" in found[0]["explanation_zh"] and "就业援助" in found[1]["explanation_zh"]
    # clean: 社会捐赠 paying 生活救助 (S-08) and 市财政安排资金 paying 一线职工慰问 (Z-02)
    listed = " ".join(f["record_ids"] for f in found).split()
    assert "S-08" not in listed and "Z-02" not in listed


def test_file_first_missing(planted):
    found = by_rule(findings_of(planted), "file-first-missing")
    # S-05 (困难职工子女) and the 一线职工 / 农民工 records have no file date either: not hardship workers
    assert [key_of(f) for f in found] == [("沙湾区", "", "S-02", 1, 30050)]
    assert "建档日期" in found[0]["explanation_zh"]


def test_file_first_late(planted):
    found = by_rule(findings_of(planted), "file-first-late")
    # S-04 was filed the day it was helped: clean
    assert [key_of(f) for f in found] == [("沙湾区", "", "S-03", 1, 100000)]


def test_file_first_rules_need_the_hardship_group(planted):
    toml = planted / "campaign.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('"困难职工"', '"困难职工们"'), encoding="utf-8")
    for path in planted.glob("rounds/*/*.csv"):
        path.write_text(path.read_text(encoding="utf-8-sig").replace(",困难职工,", ",困难职工们,"), encoding="utf-8")
    f = findings_of(planted)
    assert not f["rule"].isin(["file-first-missing", "file-first-late"]).any()
    assert len(by_rule(f, "earmark")) == 2


def detail(data: Path, which: str) -> list[tuple]:
    """The private audit report's person-level rows (staff/audit_report.py), as finding keys."""
    from warmth.figures.findings.context import Context
    from warmth.figures.findings.fairness import multi_district_detail, repeat_detail

    ds = read_dataset(data)
    table = {"multi": multi_district_detail, "repeat": repeat_detail}[which](Context(ds.checked, ds.campaign, ds.records)).to_pandas()
    return [(r.district, r.fund_source, r.record_ids, r.records, r.amount_fen, r.explanation_zh) for r in table.itertuples()]


def test_fairness_multi_district(planted):
    # R1 in 市中区 and 沙湾区; the empty refs of S-07, S-13 (沙湾区) and Z-04 (市中区) are nobody.
    # Public (k = 1 here): per destination, people, records and money; no ref, no record id.
    found = by_rule(findings_of(planted), "fairness-multi-district")
    assert [key_of(f) for f in found] == [("市中区", "", "", 1, 50000), ("沙湾区", "", "", 1, 80000)]
    assert all(ref(1) not in f["explanation_zh"] + f["explanation_en"] for f in found)
    assert "1 位受助人在其他区县也领取了救助" in found[0]["explanation_zh"]
    # private: the ref and its records, for the union's discipline office
    ((where, source, ids, n, fen, zh),) = detail(planted, "multi")
    assert (where, source, ids, n, fen) == ("市中区、沙湾区", "", "S-01 Z-01", 2, 130000)
    assert ref(1) in zh and "2 个区县" in zh


def test_fairness_repeat(planted):
    # R1 twice from 市总工会配套资金 (生活救助) across two destinations, R11 twice in 沙湾区;
    # R12 (other category), R13 (other source) and the empty refs are clean.
    found = by_rule(findings_of(planted), "fairness-repeat")
    assert [key_of(f) for f in found] == [("市中区", "", "", 1, 50000), ("沙湾区", "", "", 3, 200000)]
    assert "2 位受助人" in found[1]["explanation_zh"]  # R1 and R11: people, not records
    private = detail(planted, "repeat")
    assert [row[:5] for row in private] == [
        ("市中区、沙湾区", PEI, "S-01 Z-01", 2, 130000),
        ("沙湾区", PEI, "S-09 S2-01", 2, 120000),
    ]
    assert ref(11) in private[1][5] and "“生活救助”" in private[1][5] and "2 次" in private[1][5]


def test_person_findings_below_k_people_are_merged_or_withheld(tmp_path, root):
    """README "Findings": rows about people hold at least k people; with fewer in all, nothing is published."""
    data = prepare(tmp_path, root, k=3)
    people = [hw(f"A-{i}", "100", i) for i in range(1, 4)] + [hw(f"B-{i}", "100", i, district="市中区") for i in range(1, 4)]
    write_csv(data / "rounds/2012-01/a.csv", EN, people + [hw(f"C-{i}", "100", 9 + i) for i in range(1, 4)])
    found = by_rule(findings_of(data), "fairness-multi-district")
    assert [key_of(f) for f in found] == [("市中区", "", "", 3, 30000), ("沙湾区", "", "", 3, 30000)]
    write_csv(data / "rounds/2012-01/a.csv", EN, people[:2] + people[3:5] + [hw(f"C-{i}", "100", 9 + i) for i in range(1, 4)])
    assert by_rule(findings_of(data), "fairness-multi-district") == []  # 2 people in all: nothing public
    assert len(detail(data, "multi")) == 2  # but the private report names both


def test_missing_report_without_submissions(planted):
    found = by_rule(findings_of(planted), "missing-report")
    campaign_dests = independent.names(independent.campaign(planted), "destinations")
    expected = [(d, r) for d in campaign_dests for r in ("2012-01", "2012-02")
                if (d, r) not in {("沙湾区", "2012-01"), ("沙湾区", "2012-02"), ("市中区", "2012-01")}]
    assert len(found) == len(expected) == 21
    assert [f["district"] for f in found] == [d for d, _ in expected]  # declared order, then round
    assert [r in f["explanation_zh"] for f, (_, r) in zip(found, expected)] == [True] * 21
    assert all(f["records"] == 0 and f["amount_fen"] == 0 and f["record_ids"] == "" for f in found)
    assert by_rule(findings_of(planted, campaign_over=False), "missing-report") == []


def write_submissions(data: Path, rows: list[list[str]], header=("round", "district", "received_on")) -> Path:
    path = data / "submissions.csv"
    write_csv(path, list(header), rows)
    return path


def test_late_and_missing_report_with_submissions(planted):
    path = write_submissions(planted, [
        ["2012-01", "沙湾区", "2012-01-18"],
        ["2012-01", "市中区", "2012-01-21"],  # one day late
        ["2012-02", "沙湾区", "2012/2/29"],  # on the deadline: clean
        ["2012-01", "五通桥区", "2012年1月19日"],  # a report without records: not missing
    ])
    ds = read_dataset(planted)
    subs, problems = load_submissions(path, ds.campaign)
    assert problems == []
    assert subs.to_dict("list") == {
        "round": ["2012-01", "2012-01", "2012-02", "2012-01"],
        "district": ["沙湾区", "市中区", "沙湾区", "五通桥区"],
        "received_on": ["2012-01-18", "2012-01-21", "2012-02-29", "2012-01-19"],
    }
    f = findings_of(planted, submissions=subs)
    late = by_rule(f, "late-report")
    assert [key_of(x) for x in late] == [("市中区", "", "", 4, 50000 + 30000 + 4070 + 1000)]
    assert "2012-01-21" in late[0]["explanation_zh"] and "2012-01-20" in late[0]["explanation_zh"]
    missing = {(x["district"], "2012-02" if "2012-02" in x["explanation_zh"] else "2012-01") for x in by_rule(f, "missing-report")}
    dests = independent.names(independent.campaign(planted), "destinations")
    round1 = {(d, "2012-01") for d in dests if d not in ("沙湾区", "市中区", "五通桥区")}
    round2 = {(d, "2012-02") for d in dests if d != "沙湾区"}
    assert missing == round1 | round2
    # before the campaign is over only round 2012-01 (deadline before the end of the window) is due
    f = findings_of(planted, submissions=subs, campaign_over=False)
    assert {x["district"] for x in by_rule(f, "missing-report")} == {d for d, _ in round1}
    assert len(by_rule(f, "late-report")) == 1


def test_load_submissions_problems(planted):
    ds = read_dataset(planted)
    assert load_submissions(planted / "submissions.csv", ds.campaign) == (None, [])
    path = write_submissions(planted, [
        ["2012-01", "沙湾", "2012-01-18"],
        ["2012-03", "市中区", "2012-01-18"],
        ["2012-01", "市中区", "2012-13-01"],
        ["2012-02", "市中区", "2012-02-01"],
        ["2012-02", "市中区", "2012-02-02"],
        ["2012-02", "", "2012-02-02"],
    ], header=("批次", "区县", "收到日期"))
    subs, problems = load_submissions(path, ds.campaign)
    assert [(p.row, p.column, p.rule) for p in problems] == [
        (2, "district", "undeclared-name"),
        (3, "round", "undeclared-name"),
        (4, "received_on", "date-format"),
        (6, "district", "duplicate-submission"),
        (7, "district", "required"),
    ]
    assert "沙湾区" in problems[0].message_zh  # the suggestion
    assert "第 5 行" in problems[3].message_zh
    assert subs.to_dict("records") == [{"round": "2012-02", "district": "市中区", "received_on": "2012-02-01"}]


# --- order, summary, slices ------------------------------------------------


def sort_key(f: dict, campaign: dict) -> tuple:
    """Declared order, from the campaign file as tomllib reads it."""
    dests, sources = independent.names(campaign, "destinations"), independent.names(campaign, "fund_sources")
    return (
        RULE_CODES.index(f["rule"]),
        tuple(dests.index(d) for d in f["district"].split("、")),
        sources.index(f["fund_source"]) if f["fund_source"] else -1,
        f["record_ids"],
    )


def assert_ordered(findings: pd.DataFrame, campaign: dict) -> None:
    keys = [sort_key(f, campaign) for f in findings.to_dict("records")]
    assert keys == sorted(keys)
    for ids in findings["record_ids"]:
        assert ids.split() == sorted(ids.split())


def test_order_is_declared_and_independent_of_input_order(planted):
    ds = read_dataset(planted)
    records = typed_records(planted, ds.campaign)
    first = find(records, ds.agg.allocations, ds.campaign, published=ds.records)
    assert_ordered(first, independent.campaign(planted))
    assert first["rule"].tolist() == sorted(first["rule"], key=RULE_CODES.index)
    shuffled = np.random.default_rng(1).permutation(len(records))
    again = find(records.iloc[shuffled], ds.agg.allocations.iloc[::-1], ds.campaign, published=ds.records.iloc[shuffled])
    pd.testing.assert_frame_equal(first, again)
    pd.testing.assert_frame_equal(first, find(records, ds.agg.allocations, ds.campaign))  # coarsened inside


def test_summary_and_slices(planted):
    f = findings_of(planted)
    rows = summary(f)
    assert [r["code"] for r in rows] == list(RULE_CODES)
    got = {r["code"]: (r["count"], r["amount_fen"]) for r in rows}
    assert got["over-allocation"] == (2, 10050 + 53500)
    assert got["unspent-balance"] == (0, 0)  # 市中区's 2012-02 report and all of 金口河区's are missing instead
    assert got["earmark"] == (2, 4070 + 27500)
    assert got["late-report"] == (0, 0)
    assert got["missing-report"] == (21, 0)
    assert rows[0]["zh"] == RULES[0].zh and rows[0]["severity"] == "high"
    sw = for_district(f, "沙湾区")
    assert "沙湾区" in set(sw["district"]) and set(sw["district"]) <= {"沙湾区", "市中区、沙湾区"}
    assert for_district(f, "市中").empty  # whole names only
    assert set(for_source(f, SHE)["rule"]) == {"over-allocation", "earmark"}
    assert list(for_source(f, SHE).index) == [0, 1]


def test_clean_data_has_no_findings(tmp_path, root):
    data = prepare(tmp_path, root)
    campaign_rounds = ("2012-01", "2012-02")
    toml = load_campaign(data / "campaign.toml")
    rows, alloc = [], []
    for i, dest in enumerate(toml.names("destinations")):
        for j, rnd in enumerate(campaign_rounds):
            rows.append(hw(f"C-{i}-{j}", "100", 0, round=rnd, district=dest, date="2012-01-10",
                           recipient_ref=f"{i:02x}{j:02x}e" * 12 + "f" * 4, filed="2012-01-10"))
        alloc.append([PEI, dest, "200.00"])
    for rnd in campaign_rounds:
        write_csv(data / f"rounds/{rnd}/all.csv", EN, [r for r in rows if r[1] == rnd])
    write_csv(data / "allocations.csv", ["fund_source", "district", "amount_yuan"], alloc)
    f = findings_of(data)
    assert f.empty and tuple(f.columns) == COLUMNS
    assert f["records"].dtype == np.int64
    assert all(r["count"] == 0 for r in summary(f))


def test_empty_records(planted):
    ds = read_dataset(planted)
    records = typed_records(planted, ds.campaign).iloc[:0]
    f = find(records, ds.agg.allocations, ds.campaign)
    assert set(f["rule"]) == {"missing-report"}  # nothing reported anywhere: no balance is "unspent"
    assert len(by_rule(f, "missing-report")) == 24


# --- small groups: findings never undo coarsening ------------------------------


def test_coarsened_records_are_counted_but_not_named(tmp_path, root):
    data = prepare(tmp_path, root, k=3)
    write_csv(data / "rounds/2012-01/a.csv", EN, [
        *[hw(f"A-{i}", "100", 0) for i in range(1, 6)],  # (生活救助, 困难职工): 5, published as is
        *[hw(f"M-{i}", "50", 0, category="医疗救助", filed="" if i == 1 else "2011-01-01") for i in range(1, 3)],  # 2: hidden
        hw("E-1", "70", 0, fund_source=SHE, category="就业援助", recipient_group="农民工"),  # 1: hidden
        *[hw(f"P-{i}", "30", 7, category="心理疏导", recipient_group="农民工") for i in range(1, 3)],  # 2: hidden
        *[hw(f"B-{i}", "20", 0, fund_source=SHE, category="困难企业慰问", recipient_group="困难企业")
          for i in range(1, 4)],  # a breach in a published combination of 3
    ])
    ds = read_dataset(data)
    published = ds.records.set_index("record_id")
    assert published.loc["E-1", "category"] == "其他" and published.loc["M-1", "recipient_group"] == "其他"
    f = findings_of(data)

    earmark = by_rule(f, "earmark")  # E-1 and B-1..3 break 社会捐赠's earmark
    assert sum(x["records"] for x in earmark) == 4 and sum(x["amount_fen"] for x in earmark) == 7000 + 6000
    hidden = [x for x in earmark if not x["record_ids"]]
    assert hidden and all("不列出" in x["explanation_zh"] and "就业援助" not in x["explanation_zh"] for x in hidden)
    (missing,) = by_rule(f, "file-first-missing")
    assert key_of(missing) == ("沙湾区", "", "", 1, 5000) and "不列出" in missing["explanation_zh"]
    assert not by_rule(f, "fairness-repeat")  # one person (P-1, P-2): below k, nothing about them is public
    assert_not_revealing(f, ds.records, ds.campaign)
    assert set(finding_keys(f)) == independent.findings(data, site_rows(tmp_path, root, data))


def assert_not_revealing(findings: pd.DataFrame, published: pd.DataFrame, campaign) -> None:
    """No listed record is one whose category (earmark) or group (file-first) was coarsened."""
    pub = published.set_index("record_id")
    other = campaign.other_label
    for f in findings.to_dict("records"):
        ids = f["record_ids"].split()
        if f["rule"] == "earmark":
            assert (pub.loc[ids, "category"] != other).all()
        if f["rule"].startswith("file-first"):
            assert (pub.loc[ids, "recipient_group"] != other).all()


def test_coarsened_records_are_refused_as_input(planted):
    ds = read_dataset(prepare_k3_copy(planted))
    with pytest.raises(ValueError, match="before small-group coarsening"):
        find(ds.records, ds.agg.allocations, ds.campaign)


def prepare_k3_copy(data: Path) -> Path:
    toml = data / "campaign.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("min_group_size = 1", "min_group_size = 3"), encoding="utf-8")
    assert read_dataset(data).privacy.records > 0
    return data


# --- refs are factorised exactly --------------------------------------------------


def test_ref_codes_are_exact_in_every_path(monkeypatch):
    import pyarrow as pa

    import warmth.figures.findings.arrays as findings

    def check(values):
        codes, rep = _factorize_refs(pa.array(values, type=pa.large_string()))
        for i, v in enumerate(values):
            assert (codes[i] == -1) == (v == "")
            if v:
                assert values[rep[codes[i]]] == v
        for i, v in enumerate(values):
            for j, w in enumerate(values):
                if v and w:
                    assert (codes[i] == codes[j]) == (v == w)

    same_len = [R[1], "", R[2], R[1], R[3], "", R[2]]
    check(same_len)  # fixed-width words
    check([R[1], "a" * 40, R[1], "", "a" * 40])  # mixed lengths: dictionary encoding
    check(["a" * 32, "b" * 32, "a" * 32])  # 32 characters: fixed-width words
    check(["a" * 33, "a" * 33, "b" * 33])  # not a multiple of 8: dictionary encoding
    check(["", ""])
    monkeypatch.setattr(findings, "_hash_words", lambda words: np.zeros(len(words), dtype=np.uint64))
    check(same_len)  # every hash collides: caught, dictionary encoding


# --- the embedded sample data ---------------------------------------------


@pytest.fixture(scope="module")
def sample(root, tmp_path_factory):
    from warmth.tools.sample import generate

    fresh = tmp_path_factory.mktemp("sample")
    shutil.copy(root / "data" / "campaign.toml", fresh / "campaign.toml")
    summary_ = generate(fresh, fresh / "campaign.toml")
    ds = read_dataset(root / "data")
    records = typed_records(root / "data", ds.campaign)
    return summary_, ds, records, find(records, ds.agg.allocations, ds.campaign, published=ds.records), fresh


def test_sample_data_shows_the_planted_breaches(sample):
    summary_, ds, _records, f, fresh = sample
    planted_ = summary_["planted"]
    earmark_ids = sorted(" ".join(by_rule_frame(f, "earmark")["record_ids"]).split())
    assert by_rule_frame(f, "earmark")["records"].sum() == planted_["earmark_breaches"] == 12  # all counted
    assert 0 < len(earmark_ids) <= 12  # ids of records whose category privacy merged are not listed
    assert "EMS-2012-01-000028" in earmark_ids
    assert by_rule_frame(f, "file-first-missing")["records"].sum() == planted_["filed_on_missing_records"]
    assert by_rule_frame(f, "file-first-late")["records"].sum() == planted_["filed_on_late_records"]
    over = planted_["over_spent"]
    (row_,) = by_rule(f, "over-allocation")
    assert (row_["fund_source"], row_["district"]) == (over["fund_source"], over["district"]) == (ZHONG, "马边彝族自治县")
    assert row_["amount_fen"] == over["disbursed_fen"] - over["allocated_fen"]
    exact = planted_["exactly_spent"]
    spent = for_source(for_district(f, exact["district"]), exact["fund_source"])
    assert not spent["rule"].isin(["over-allocation", "unspent-balance"]).any()
    (missing,) = by_rule(f, "missing-report")
    assert missing["district"] == "沐川县" and "2012-02" in missing["explanation_zh"]
    assert summary_["missing_reports"] == ["rounds/2012-02/muchuan.csv"]
    # the embedded data is the default generation: the same findings from the fresh copy
    fresh_ds = read_dataset(fresh)
    again = find(typed_records(fresh, fresh_ds.campaign), fresh_ds.agg.allocations, fresh_ds.campaign, published=fresh_ds.records)
    pd.testing.assert_frame_equal(f, again)


def by_rule_frame(findings: pd.DataFrame, rule: str) -> pd.DataFrame:
    return findings.loc[findings["rule"] == rule]


def test_sample_findings_are_ordered_and_do_not_undo_coarsening(sample, root):
    _summary, ds, _records, f, _fresh = sample
    assert ds.privacy.records > 0
    assert_ordered(f, independent.campaign(root / "data"))
    assert_not_revealing(f, ds.records, ds.campaign)


def finding_keys(findings: pd.DataFrame) -> list[tuple]:
    return [tuple(x) for x in findings[["rule", "district", "fund_source", "record_ids", "records", "amount_fen"]].itertuples(index=False)]


def test_sample_findings_match_an_independent_per_record_computation(sample, root, default_site):
    """Every rule recomputed record by record from the raw files only (tests/independent.py: csv, tomllib, Decimal)."""
    f = sample[3]
    got = finding_keys(f)
    assert len(got) == len(set(got))
    assert set(got) == independent.findings(root / "data", read_rows(default_site / "data/disbursements.csv"))
    assert len(by_rule(f, "fairness-repeat")) >= 3 and len(by_rule(f, "fairness-multi-district")) >= 3


def site_rows(tmp_path: Path, root: Path, data: Path) -> list[dict]:
    """The records as a build of ``data`` publishes them (its disbursements.csv, read with the csv module)."""
    from conftest import build

    out = tmp_path / "site-for-labels"
    build(root, data, out)
    return read_rows(out / "data/disbursements.csv")


def test_planted_findings_match_the_independent_reading(planted, tmp_path, root):
    assert set(finding_keys(findings_of(planted))) == independent.findings(planted, site_rows(tmp_path, root, planted))


def test_late_report_shows_in_the_status_table(tmp_path, root, small_data):
    from conftest import build

    (small_data / "submissions.csv").write_text(
        "round,district,received_on\n2012-01,沙湾区,2012-01-25\n2012-01,市中区,2012/1/18\n", encoding="utf-8"
    )
    out = tmp_path / "site"
    build(root, small_data, out)
    home = (out / "index.html").read_text(encoding="utf-8")
    assert "2012-01-25 收到（逾期）" in home and "2012-01-18 收到" in home and "2012-01-18 收到（逾期）" not in home
    late = [r for r in read_rows(out / "data/findings.csv") if r["rule"] == "late-report"]
    assert [r["district"] for r in late] == ["沙湾区"]
