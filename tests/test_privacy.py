"""Small groups: every published destination × category × group has ≥ k records,
and totals by destination and fund source are unchanged to the fen."""

from __future__ import annotations

from collections import Counter, defaultdict
from decimal import Decimal

from warmth.figures.dataset import read_dataset

from independent import raw_records, read_rows, yuan
from test_validate import EN, row, write_csv


def test_small_combinations_are_merged_step_by_step(data):
    rows = []
    n = 0

    def add(count, **kw):
        nonlocal n
        for _ in range(count):
            n += 1
            rows.append(row(record_id=f"R-{n}", **kw))

    add(5, district="沙湾区", category="生活救助", recipient_group="困难职工")  # big enough: untouched
    add(2, district="沙湾区", category="生活救助", recipient_group="农民工")  # → (生活救助, 其他) with the next
    add(1, district="沙湾区", category="生活救助", recipient_group="劳动模范")
    add(1, district="沙湾区", category="医疗救助", recipient_group="困难职工")  # alone: → (其他, 其他)
    add(1, district="沙湾区", category="助学救助", recipient_group="困难职工子女")
    add(1, district="沙湾区", category="就业援助", recipient_group="农民工")
    add(4, district="市中区", category="医疗救助", recipient_group="困难职工")
    add(1, district="市中区", category="心理疏导", recipient_group="农民工")  # bucket of 1: pulls in the 4
    write_csv(data / "rounds/2012-01/a.csv", EN, rows)
    ds = read_dataset(data)
    got = Counter(zip(ds.records["district"].astype(str), ds.records["category"].astype(str), ds.records["recipient_group"].astype(str)))
    assert got == {
        ("沙湾区", "生活救助", "困难职工"): 5,
        ("沙湾区", "生活救助", "其他"): 3,
        ("沙湾区", "其他", "其他"): 3,
        ("市中区", "其他", "其他"): 5,
    }
    assert ds.coarsening.records == 2 + 1 + 1 + 1 + 1 + 4 + 1
    assert ds.coarsening.unavoidable == ()


def test_published_site_has_no_small_combination_and_totals_reconcile(default_site, root):
    k = 3
    published = read_rows(default_site / "data/disbursements.csv")
    combos = Counter((r["district"], r["category"], r["recipient_group"]) for r in published)
    assert min(combos.values()) >= k
    raw = raw_records(root / "data")
    for key in ("district", "fund_source", "round"):
        a, b = defaultdict(Decimal), defaultdict(Decimal)
        for r in raw:
            a[r[key]] += yuan(r["amount_yuan"])
        for r in published:
            b[r[key]] += yuan(r["amount_yuan"])
        assert a == b, key
    merged = sum(1 for r, p in zip(sorted(raw, key=lambda r: r["record_id"]), sorted(published, key=lambda r: r["record_id"]))
                 if (r["category"], r["recipient_group"]) != (p["category"], p["recipient_group"]))
    assert merged > 0, "the sample data has small groups, so some records must be merged"
    about = (default_site / "about/index.html").read_text(encoding="utf-8")
    assert f"<strong>{merged:,}</strong> 条记录" in about
