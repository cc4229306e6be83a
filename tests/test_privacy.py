"""The privacy model (README "Privacy"), checked on what the site publishes, by code that reads the files.

Every record-level file: each group of records agreeing on the quasi-identifiers
holds at least k records, no group (categories aside) holds only sensitive
categories, and no column links two records of one person. Every published
table: each cell holds 0 or at least k records (people, for people counts).
Totals by destination, source, round and aid type equal the raw inputs.
"""

from __future__ import annotations

import re
import shutil
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

import independent
from conftest import build, make_data
from independent import read_rows, yuan
from test_validate import EN, row, write_csv

QUASI_IDENTIFIERS = ("district", "round", "aid_type", "disbursing_unit", "recipient_group", "date", "category")
LINKING = ("recipient_ref", "filed_on", "note")
# The tables the site publishes, by the record fields they group by (README "Privacy" lists them).
TABLES = (
    ("district",), ("fund_source",), ("category",), ("recipient_group",), ("aid_type",), ("round",),
    ("district", "round"), ("district", "fund_source"), ("district", "category"), ("district", "recipient_group"),
    ("district", "aid_type"), ("fund_source", "category"), ("category", "recipient_group"), ("category", "aid_type"),
    ("round", "fund_source"), ("round", "category"), ("fund_source", "district", "category"),
)


def smallest(counts: Counter) -> int:
    return min(counts.values()) if counts else 0


def audit(site: Path, camp: dict) -> dict[str, int]:
    """The smallest group or cell of each kind over every published file (0 where there is none)."""
    privacy = camp.get("privacy", {})
    sensitive = set(privacy.get("sensitive_categories", ["医疗救助", "心理疏导"]))
    other_item = privacy.get("other_item_label", "其他物资")
    data = site / "data"
    found: dict[str, int] = {}
    record_files = sorted(data.glob("disbursements.csv")) + sorted(data.glob("rounds/*/disbursements.csv")) + sorted(
        data.glob("districts/*/disbursements.csv")
    )
    assert len(record_files) > 2
    groups, plain = [], []
    for path in record_files:
        rows = read_rows(path)
        assert all(r[f] == "" for r in rows for f in LINKING), path  # nothing links two records of one person
        groups.append(smallest(Counter(tuple(r[q] for q in QUASI_IDENTIFIERS) for r in rows)))
        cats: dict[tuple, set] = defaultdict(set)
        for r in rows:
            cats[tuple(r[q] for q in QUASI_IDENTIFIERS[:-1])].add(r["category"])
        plain.append(min((0 if c <= sensitive else 1) for c in cats.values()))
    found["record groups"] = min(groups)
    assert min(plain) == 1, "a published group holds only sensitive categories"
    rows = read_rows(data / "disbursements.csv")
    for dims in TABLES:
        found[" × ".join(dims)] = smallest(Counter(tuple(r[d] for d in dims) for r in rows))
    goods = Counter((r["district"], r["item"], r["unit"] if r["item"] != other_item else "") for r in rows if r["aid_type"] == "goods")
    found["goods rows"] = smallest(goods)
    for path in sorted(data.glob("summary/by-*.csv")):
        found[path.name] = min(int(r["records"]) for r in read_rows(path) if r["records"] != "0")
    table = read_rows(data / "summary/campaign-table.csv")
    people = [int(r[k]) for r in table for k in r if k.startswith("reached_") and r[k] not in ("", "0")]
    found["people counts"] = min(people)
    person_rules = [r for r in read_rows(data / "findings.csv") if r["rule"].startswith("fairness-")]
    assert all(r["record_ids"] == "" for r in person_rules)  # findings about people list no record
    found["people in findings"] = min((int(re.search(r"(\d+) 位受助人", r["explanation"]).group(1)) for r in person_rules), default=99)
    return found


def assert_protected(site: Path, data: Path) -> dict[str, int]:
    camp = independent.campaign(data)
    k = camp.get("privacy", {}).get("min_group_size", 3)
    found = audit(site, camp)
    assert all(v >= k for v in found.values()), {name: v for name, v in found.items() if v < k}
    # totals by where the money went are exactly those of the inputs, and every value was only generalised
    raw = independent.records(data)
    published = independent.published(raw, read_rows(site / "data/disbursements.csv"), camp)
    for key in ("district", "fund_source", "round", "aid_type"):
        a, b = defaultdict(int), defaultdict(int)
        for r in raw:
            a[r[key]] += r["fen"]
        for r in published:
            b[r[key]] += r["fen"]
        assert a == b, key
    return found


def test_the_sample_site_is_protected(default_site, root):
    found = assert_protected(default_site, root / "data")
    assert found["record groups"] >= 3 and found["people counts"] >= 3


@pytest.fixture(scope="module")
def big_site(tmp_path_factory, root) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("privacy-100k")
    data = make_data(base / "data", records=100_000, seed=11)
    build(root, data, base / "site", None)
    return data, base / "site"


def test_a_100k_build_is_protected(big_site):
    data, site = big_site
    assert_protected(site, data)


def test_small_groups_are_generalised_and_totals_kept(data, tmp_path, root):
    """A hand-made destination where nearly every record would single someone out."""
    rows = []
    n = 0

    def add(count, **kw):
        nonlocal n
        for _ in range(count):
            n += 1
            rows.append(row(record_id=f"R-{n}", **kw))

    add(5, district="沙湾区", category="生活救助", recipient_group="困难职工")
    add(2, district="沙湾区", category="生活救助", recipient_group="农民工", disbursing_unit="沙湾区某社区")
    add(1, district="沙湾区", category="医疗救助", recipient_group="困难职工", date="2011-12-21")
    add(1, district="沙湾区", category="助学救助", recipient_group="困难职工子女")
    add(4, district="市中区", category="医疗救助", recipient_group="困难职工")
    add(1, district="市中区", category="心理疏导", recipient_group="农民工")
    write_csv(data / "rounds/2012-01/a.csv", EN, rows)
    site = tmp_path / "site"
    build(root, data, site)
    published = read_rows(site / "data/disbursements.csv")
    raw = {r["record_id"]: r for r in rows_by_id(rows)}
    # each published group of quasi-identifiers holds at least 3 records
    assert smallest(Counter(tuple(r[q] for q in QUASI_IDENTIFIERS) for r in published)) >= 3
    # 市中区's five records are all medical or counselling: they may not form a group of only those
    zhong = [r for r in published if r["district"] == "市中区"]
    assert {r["category"] for r in zhong} - {"医疗救助", "心理疏导"}
    # amounts and destinations are untouched
    assert all(yuan(r["amount_yuan"]) == yuan(raw[r["record_id"]]["amount_yuan"]) for r in published)
    assert sum((yuan(r["amount_yuan"]) for r in published), Decimal(0)) == sum((yuan(r[EN.index("amount_yuan")]) for r in rows), Decimal(0))
    about = (site / "about/index.html").read_text(encoding="utf-8")
    assert "如何保护受助人" in about and "至少 3 条" in about


def rows_by_id(rows: list[list[str]]) -> list[dict]:
    return [dict(zip(EN, r)) for r in rows]


def test_a_stratum_below_k_is_named_as_unavoidable(data, tmp_path, root):
    """Two records are all 市中区 sent in round 2012-01: hiding them would hide where the money went."""
    write_csv(data / "rounds/2012-01/a.csv", EN, [row(record_id="A-1", district="市中区"), row(record_id="A-2", district="市中区")]
              + [row(record_id=f"S-{i}") for i in range(6)])
    site = tmp_path / "site"
    build(root, data, site)
    about = (site / "about/index.html").read_text(encoding="utf-8")
    assert "仍照常公开" in about and "市中区" in about[about.index("仍照常公开") - 200:]


def test_notes_are_published_only_when_the_campaign_allows(small_data, tmp_path, root):
    toml = small_data / "campaign.toml"
    site = tmp_path / "site"
    build(root, small_data, site)
    assert all(r["note"] == "" for r in read_rows(site / "data/disbursements.csv"))
    toml.write_text(toml.read_text(encoding="utf-8").replace("publish_notes = false", "publish_notes = true"), encoding="utf-8")
    shutil.rmtree(site)
    build(root, small_data, site)
    notes = [r["note"] for r in read_rows(site / "data/disbursements.csv") if r["note"]]
    assert notes, "the sample has notes; with publish_notes = true they are published"


def test_the_private_audit_report_names_refs_and_is_kept_private(tmp_path, root):
    """make audit-report: the person-level detail the site withholds, written only where asked and never over a file."""
    import subprocess
    import sys

    out = tmp_path / "private" / "audit.csv"
    run = lambda *extra: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "warmth", "audit-report", "--data", str(root / "data"), "--out", str(out), *extra],
        capture_output=True, text=True, cwd=root, env={"PYTHONPATH": str(root / "plugins"), "PATH": "/usr/bin:/bin"},
    )
    done = run()
    assert done.returncode == 0, done.stderr
    rows = read_rows(out)
    refs = {r["recipient_ref"] for r in independent.records(root / "data") if r["recipient_ref"]}
    assert rows and all(any(ref in r["说明 explanation"] for ref in refs) for r in rows[:20])
    assert (out.stat().st_mode & 0o077) == 0  # readable by its owner only
    again = run()
    assert again.returncode == 1 and "REPLACE=1" in again.stderr  # never over an existing file unless asked
    assert run("--replace").returncode == 0
    inside = subprocess.run(
        [sys.executable, "-m", "warmth", "audit-report", "--data", str(root / "data"), "--out", str(root / "data" / "x.csv")],
        capture_output=True, text=True, cwd=root, env={"PYTHONPATH": str(root / "plugins"), "PATH": "/usr/bin:/bin"},
    )
    assert inside.returncode == 1 and "数据文件夹" in inside.stderr and not (root / "data" / "x.csv").exists()
