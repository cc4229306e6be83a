"""Corrections: published records are corrected or withdrawn by data/corrections.csv, never edited."""

from __future__ import annotations

import shutil

import pytest

from warmth.core.campaign import load_campaign
from warmth.intake.corrections import WITHDRAW, apply_corrections, load_corrections
from warmth.intake.load import load_records
from warmth.intake.validate import validate_records

from test_validate import EN, row, write_csv

HEADER = ["correction_id", "record_id", "field", "old_value", "new_value", "reason", "date", "round"]
HEADER_ZH = ["更正编号", "记录编号", "字段", "原值", "新值", "更正说明", "更正日期", "批次"]


def fix(cid="C-1", rid="A-1", field="amount_yuan", old="800.00", new="900.00",
        reason="录入错误", date="2012-01-20", rnd="2012-01") -> list[str]:
    return [cid, rid, field, old, new, reason, date, rnd]


@pytest.fixture
def data(tmp_path, root):
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copy(root / "data" / "campaign.toml", folder)
    write_csv(folder / "rounds/2012-01/a.csv", EN,
              [row(), row(record_id="A-2"), row(record_id="A-3", amount_yuan="500")])
    return folder


def run(data, corrections=None, header=HEADER):
    """Through the real loader: (corrected frame, load problems, apply problems, history)."""
    if corrections is not None:
        write_csv(data / "corrections.csv", header, corrections)
    campaign = load_campaign(data / "campaign.toml")
    frame, load_problems = load_corrections(data, campaign)
    problems = []
    raw = load_records(data, problems).frame
    assert problems == []
    corrected, apply_problems, history = apply_corrections(raw, frame, "corrections.csv")
    return raw, corrected, load_problems, apply_problems, history


def amounts(frame):
    return dict(zip(frame["record_id"], frame["amount_yuan"]))


def where(problems):
    return [(p.file, p.row, p.column, p.rule) for p in problems]


def test_amount_correction_changes_the_value_and_keeps_history(data):
    raw, corrected, lp, ap, history = run(data, [fix()])
    assert lp == [] and ap == []
    assert amounts(corrected) == {"A-1": "900.00", "A-2": "800.00", "A-3": "500"}
    assert amounts(raw)["A-1"] == "800.00"  # the loaded frame is not edited
    assert list(corrected.columns) == list(raw.columns)
    assert corrected.dtypes.to_dict() == raw.dtypes.to_dict()
    assert history == [dict(correction_id="C-1", record_id="A-1", field="amount_yuan", old_value="800.00",
                            new_value="900.00", reason="录入错误", date="2012-01-20", round="2012-01")]


def test_chinese_headers_field_names_and_full_width_values_are_accepted(data):
    _, corrected, lp, ap, history = run(
        data, [fix(field="金额（元）", old="８００.００", new=" 750 ", date="2012年1月20日")], header=HEADER_ZH
    )
    assert lp == [] and ap == []
    assert amounts(corrected)["A-1"] == "750"
    assert history[0]["field"] == "amount_yuan" and history[0]["date"] == "2012-01-20"


def test_chained_corrections_apply_in_date_order(data):
    # written out of order: the later one (by date) must see the earlier one's value
    _, corrected, lp, ap, history = run(data, [
        fix(cid="C-2", old="900.00", new="950.00", date="2012-01-21"),
        fix(cid="C-1", old="800.00", new="900.00", date="2012/1/20"),
        fix(cid="C-0", rid="A-2", field="note", old="", new="补发", date="2012-01-20"),
    ])
    assert lp == [] and ap == []
    assert amounts(corrected)["A-1"] == "950.00"
    assert dict(zip(corrected["record_id"], corrected["note"]))["A-2"] == "补发"
    assert [h["correction_id"] for h in history] == ["C-0", "C-1", "C-2"]


def test_withdrawal_removes_the_record(data):
    raw, corrected, lp, ap, history = run(data, [fix(field=WITHDRAW, old="", new="true", reason="重复发放，已追回")])
    assert lp == [] and ap == []
    assert list(corrected["record_id"]) == ["A-2", "A-3"]
    assert corrected.dtypes.to_dict() == raw.dtypes.to_dict()
    assert history[0]["field"] == WITHDRAW


def test_correcting_a_withdrawn_record_is_refused(data):
    _, corrected, _, ap, _ = run(data, [
        fix(cid="C-1", field=WITHDRAW, old="", new="", date="2012-01-20"),
        fix(cid="C-2", date="2012-01-21"),
    ])
    assert where(ap) == [("corrections.csv", 3, "record_id", "correction-withdrawn-record")]
    assert "A-1" not in set(corrected["record_id"])


def test_apply_problems_name_row_column_value_and_rule(data):
    _, corrected, lp, ap, _ = run(data, [
        fix(cid="C-1", rid="Z-9"),
        fix(cid="C-2", rid="A-2", old="700.00", new="1.00"),
    ])
    assert lp == []
    assert where(ap) == [
        ("corrections.csv", 2, "record_id", "correction-unknown-record"),
        ("corrections.csv", 3, "old_value", "correction-old-value-mismatch"),
    ]
    assert ap[0].value == "Z-9"
    mismatch = ap[1]
    assert mismatch.value == "700.00"
    assert "700.00" in mismatch.message_zh and "800.00" in mismatch.message_zh
    assert "700.00" in mismatch.message_en and "800.00" in mismatch.message_en
    assert amounts(corrected)["A-2"] == "800.00"  # refused corrections are not applied


def test_load_problems_name_row_column_value_and_rule(data):
    _, _, lp, _, _ = run(data, [
        fix(cid="C-1"),
        fix(cid="C-2", field="record_id", old="A-1", new="A-9"),
        fix(cid="C-3", date="2012-02-30"),
        fix(cid="C-4", rnd="2099-09"),
        fix(cid="C-5", reason=" "),
        fix(cid="C-1", rid="A-2"),
        fix(cid="C-7", field=WITHDRAW, old="800.00", new="yes"),
    ])
    assert sorted(where(lp)) == [
        ("corrections.csv", 3, "field", "correction-field"),
        ("corrections.csv", 4, "date", "date-format"),
        ("corrections.csv", 5, "round", "undeclared-round"),
        ("corrections.csv", 6, "reason", "correction-reason-required"),
        ("corrections.csv", 7, "correction_id", "duplicate-correction-id"),
        ("corrections.csv", 8, "new_value", "correction-withdraw-values"),
        ("corrections.csv", 8, "old_value", "correction-withdraw-values"),
    ]
    values = {p.rule: p.value for p in lp}
    assert values["correction-field"] == "record_id"
    assert values["date-format"] == "2012-02-30"
    assert values["undeclared-round"] == "2099-09"
    assert values["duplicate-correction-id"] == "C-1"
    assert all(p.message_zh and p.message_en for p in lp)


def test_non_correctable_field_is_never_applied(data):
    _, corrected, _, ap, _ = run(data, [fix(field="record_id", old="A-1", new="A-9")])
    assert ap == []
    assert list(corrected["record_id"]) == ["A-1", "A-2", "A-3"]


def test_no_corrections_file_leaves_records_unchanged(data):
    raw, corrected, lp, ap, history = run(data)
    assert (lp, ap, history) == ([], [], [])
    assert corrected.equals(raw)


def test_corrected_values_are_validated_like_submitted_ones(data):
    campaign = load_campaign(data / "campaign.toml")
    _, corrected, lp, ap, _ = run(data, [fix(new="1,234.56"), fix(cid="C-2", rid="A-2", old="800.00", new="abc")])
    assert lp == [] and ap == []
    typed, problems, total = validate_records(corrected, campaign)
    assert dict(zip(typed["record_id"], typed["amount_fen"]))["A-1"] == 123456
    # a bad corrected value is reported at the record's own cell, like a submitted one
    assert [(p.file, p.row, p.column, p.rule) for p in problems] == [
        ("rounds/2012-01/a.csv", 3, "amount_yuan", "amount-format")
    ]
    assert total == 1
