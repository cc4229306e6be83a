"""Corrections end to end: figures change, history is public, nothing is edited in place."""

from __future__ import annotations

from conftest import build
from independent import read_rows, yuan


def test_corrections_change_figures_and_keep_history(tmp_path, root, small_data, cache_dir):
    records = read_rows(small_data / "rounds/2012-01/shawan.csv")
    first, second = records[0], records[1]
    (small_data / "corrections.csv").write_text(
        "correction_id,record_id,field,old_value,new_value,reason,date,round\n"
        f"C-1,{first['record_id']},amount_yuan,{first['amount_yuan']},{yuan(first['amount_yuan']) + 100},金额录入少了100元,2012-01-25,2012-02\n"
        f"C-2,{second['record_id']},withdrawn,,,重复发放已收回,2012-01-26,2012-02\n",
        encoding="utf-8",
    )
    before = sum(yuan(r["amount_yuan"]) for r in records)
    out = tmp_path / "site"
    build(root, small_data, out, cache_dir)
    published = {r["record_id"]: r for r in read_rows(out / "data/disbursements.csv")}
    assert second["record_id"] not in published
    assert yuan(published[first["record_id"]]["amount_yuan"]) == yuan(first["amount_yuan"]) + 100
    by_district = {r["name"]: r for r in read_rows(out / "data/summary/by-district.csv")}
    raw_total = sum(yuan(r["amount_yuan"]) for p in (small_data / "rounds").glob("*/shawan.csv") for r in read_rows(p))
    assert yuan(by_district["沙湾区"]["amount_yuan"]) == raw_total + 100 - yuan(second["amount_yuan"])
    history = read_rows(out / "data/corrections.csv")
    assert [h["correction_id"] for h in history] == ["C-1", "C-2"] and history[1]["reason"] == "重复发放已收回"
    page = (out / "corrections/index.html").read_text(encoding="utf-8")
    assert "金额录入少了100元" in page and f'id="r-{second["record_id"]}"' in page
    # the submitted file itself is untouched
    assert sum(yuan(r["amount_yuan"]) for r in read_rows(small_data / "rounds/2012-01/shawan.csv")) == before


def test_published_corrections_do_not_undo_the_privacy_model(tmp_path, root, small_data, cache_dir):
    """A correction's old and new value of a withheld or generalised field are not published (README "Corrections")."""
    records = read_rows(small_data / "rounds/2012-01/shawan.csv")
    site = tmp_path / "first"
    build(root, small_data, site, cache_dir)
    published = {r["record_id"]: r for r in read_rows(site / "data/disbursements.csv")}
    # a record whose unit the site generalised, and one whose unit it shows as sent
    hidden = next(r for r in records if published[r["record_id"]]["disbursing_unit"] == "其他单位")
    shown = next(r for r in records if published[r["record_id"]]["disbursing_unit"] == r["disbursing_unit"])
    amount = records[2]
    (small_data / "corrections.csv").write_text(
        "correction_id,record_id,field,old_value,new_value,reason,date,round\n"
        f"C-1,{hidden['record_id']},disbursing_unit,{hidden['disbursing_unit']},{hidden['disbursing_unit']}（更正）,单位名称写错,2012-01-25,2012-02\n"
        f"C-2,{shown['record_id']},disbursing_unit,{shown['disbursing_unit']},{shown['disbursing_unit']},按原样确认,2012-01-25,2012-02\n"
        f"C-3,{amount['record_id']},amount_yuan,{amount['amount_yuan']},{yuan(amount['amount_yuan']) + 1},少了1元,2012-01-25,2012-02\n"
        f"C-4,{amount['record_id']},filed_on,{amount['filed_on']},2011-06-01,建档日期更正,2012-01-26,2012-02\n",
        encoding="utf-8",
    )
    out = tmp_path / "site"
    build(root, small_data, out, cache_dir)
    history = {h["correction_id"]: h for h in read_rows(out / "data/corrections.csv")}
    assert (history["C-1"]["old_value"], history["C-1"]["new_value"]) == ("（不公开）", "（不公开）")
    assert history["C-2"]["old_value"] == shown["disbursing_unit"]
    assert (history["C-3"]["old_value"], history["C-3"]["new_value"]) == (amount["amount_yuan"], str(yuan(amount["amount_yuan"]) + 1))
    assert (history["C-4"]["old_value"], history["C-4"]["new_value"]) == ("（不公开）", "（不公开）")
    assert all(h["reason"] for h in history.values())
    page = (out / "corrections/index.html").read_text(encoding="utf-8")
    assert hidden["disbursing_unit"] + "（更正）" not in page and "2011-06-01" not in page
