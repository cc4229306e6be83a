"""Aggregation on a hand-made data set whose figures are known by construction."""

from __future__ import annotations

import pandas as pd
import pytest

from warmth.figures.aggregate import breakdown, matrix, report_status
from warmth.figures.dataset import read_dataset
from warmth.site.pages import all_pages

from test_validate import EN, row, write_csv

A = "a" * 64
B = "b" * 64


@pytest.fixture
def ds(tmp_path, root):
    data = tmp_path / "data"
    data.mkdir()
    # k = 1: aggregation is tested here, small-group coarsening in test_privacy.py
    toml = (root / "data" / "campaign.toml").read_text(encoding="utf-8").replace("min_group_size = 3", "min_group_size = 1")
    (data / "campaign.toml").write_text(toml, encoding="utf-8")
    write_csv(data / "rounds/2012-01/x.csv", EN, [
        row(record_id="1", district="沙湾区", amount_yuan="100.10", recipient_ref=A),
        row(record_id="2", district="沙湾区", amount_yuan="0.20", recipient_ref=A, category="医疗救助"),
        row(record_id="3", district="市中区", amount_yuan="5", recipient_ref=A, aid_type="物资", item="大米", quantity="2.5", unit="袋"),
        row(record_id="4", district="市中区", amount_yuan="7.05", recipient_ref="", aid_type="goods", item="大米", quantity="1", unit="袋"),
    ])
    write_csv(data / "rounds/2012-02/y.csv", EN, [
        row(record_id="5", round="2012-02", district="沙湾区", amount_yuan="1000", recipient_ref=B, fund_source="社会捐赠"),
    ])
    write_csv(data / "allocations.csv", ["fund_source", "district", "amount_yuan"], [["市总工会配套资金", "沙湾区", "50.00"]])
    return read_dataset(data)


def test_totals_and_recipients(ds):
    agg = ds.agg
    assert agg.total_fen == 10010 + 20 + 500 + 705 + 100000
    assert agg.records == 5
    assert agg.recipients_total == 2 and agg.records_without_ref == 1
    assert agg.recipients["district"]["沙湾区"] == 2 and agg.recipients["district"]["市中区"] == 1
    assert agg.recipients["round"] == {"2012-01": 1, "2012-02": 1}


def test_breakdown_is_in_declared_order_with_every_name(ds):
    rows = breakdown(ds.agg.cube, "district", ds.campaign, unreported={"金口河区"})
    assert [r["name"] for r in rows] == ds.campaign.names("destinations")
    by = {r["name"]: r for r in rows}
    assert (by["沙湾区"]["records"], by["沙湾区"]["fen"]) == (3, 10010 + 20 + 100000)
    assert (by["市中区"]["records"], by["市中区"]["fen"]) == (2, 1205)
    assert by["金口河区"]["reported"] is False and by["沙湾区"]["reported"] is True
    aid = {r["name"]: r["fen"] for r in breakdown(ds.agg.cube, "aid_type", ds.campaign)}
    assert aid == {"cash": 110030, "goods": 1205, "service": 0}


def test_goods_quantities_add_exactly(ds):
    goods = ds.agg.goods
    (item,) = goods.itertuples(index=False)
    assert (item.district, item.item, item.unit, item.quantity, item.fen) == ("市中区", "大米", "袋", 350, 1205)


def test_allocations_and_report_status(ds):
    alloc = ds.agg.allocations.set_index(["fund_source", "district"])
    assert alloc.loc[("市总工会配套资金", "沙湾区")].tolist() == [5000, 10030, 5000 - 10030]
    assert alloc.loc[("社会捐赠", "沙湾区")].tolist() == [0, 100000, -100000]
    status = {r["name"]: r["cells"] for r in report_status(ds.agg.cube, ds.campaign)}
    assert status["市中区"][0] == {"round": "2012-01", "records": 2, "fen": 1205} and status["市中区"][1] is None
    assert status["金口河区"] == [None, None]


def test_matrix_totals(ds):
    m = matrix(ds.agg.cube, "district", "category", ds.campaign)
    assert m["columns"] == ["生活救助", "医疗救助"]
    assert [r["name"] for r in m["rows"]] == ["市中区", "沙湾区"]
    assert m["total"] == ds.agg.total_fen and sum(m["column_totals"]) == m["total"]


def test_pages_mark_never_reported_destinations(ds):
    pages = {p.save_as: p for p in all_pages(ds, {})}
    home = {r["name"]: r for r in pages["index.html"].data["by_district"]}
    assert home["金口河区"]["reported"] is False and home["沙湾区"]["reported"] is True
    jkh = pages["districts/jinkouhe/index.html"]
    assert jkh.data["reported"] is False and jkh.charts == []
    r2 = pages["rounds/2012-02/index.html"].data
    assert {row["name"] for row in r2["missing"]} == set(ds.campaign.names("destinations")) - {"沙湾区"}


def test_person_codes_count_people_once_and_are_shared_read_only():
    """Refs a, (empty), b, a: two people; the empty ref is nobody. Asked again for the same array (the checked and
    the published records share it), the same read-only codes come back, not a second hashing."""
    from warmth.figures.people import person_codes

    refs = pd.Series(["a" * 64, "", "b" * 64, "a" * 64], dtype="str")
    codes, people = person_codes(refs)
    assert people == 2 and codes[1] == -1 and codes[0] == codes[3] != codes[2] and min(codes[0], codes[2]) >= 0
    again, _ = person_codes(refs.copy())
    assert again is codes and not codes.flags.writeable
    other, people = person_codes(pd.Series(["c" * 64], dtype="str"))
    assert people == 1 and list(other) == [0]
