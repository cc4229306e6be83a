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
