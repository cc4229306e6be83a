"""Loading and validation: every rule, every problem at once, file-level errors."""

from __future__ import annotations

import pytest

from warmth.core.problems import DataError, excerpt
from warmth.figures.dataset import read_dataset

EN = ["record_id", "round", "date", "district", "disbursing_unit", "fund_source", "category",
      "recipient_group", "aid_type", "item", "quantity", "unit", "amount_yuan", "recipient_ref", "filed_on", "note"]
ZH = ["记录编号", "批次", "发放日期", "区县", "发放单位", "资金来源", "救助类别",
      "受助群体", "救助形式", "物资名称", "数量", "计量单位", "金额（元）", "受助人编码", "建档日期", "备注"]
REF = "ab" * 32
GOOD = ["A-1", "2012-01", "2012-01-05", "沙湾区", "沙湾区总工会", "市总工会配套资金", "生活救助",
        "困难职工", "cash", "", "", "", "800.00", REF, "2010-05-01", ""]


def row(**changes) -> list[str]:
    values = dict(zip(EN, GOOD))
    values.update(changes)
    return [values[c] for c in EN]


def write_csv(path, header, rows, *, bom=True, encoding="utf-8"):
    import csv
    import io

    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([header, *rows])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode(encoding))


def problems_of(data):
    with pytest.raises(DataError) as err:
        read_dataset(data)
    return err.value


def test_english_and_chinese_headers_bom_and_date_forms_all_load(data):
    write_csv(data / "rounds/2012-01/a.csv", EN, [row(), row(record_id="A-2", date="2012/1/5")])
    zh_header = [h.replace("（", "(").replace("）", ")") if h == "金额（元）" else h for h in ZH]
    write_csv(
        data / "rounds/2012-01/b.csv", zh_header,
        [row(record_id="B-1", date="2012年1月6日", aid_type="物资", item="大米", quantity="2", unit="袋", amount_yuan="300")],
        bom=False,
    )
    ds = read_dataset(data)
    recs = ds.checked.set_index("record_id")
    assert list(recs["date"]) == ["2012-01-05", "2012-01-05", "2012-01-06"]
    assert recs.loc["B-1", "aid_type"] == "goods"
    assert recs.loc["B-1", "amount_fen"] == 30000
    assert recs.loc["B-1", "quantity"] == 200
    assert ds.agg.total_fen == 80000 + 80000 + 30000


def test_blank_rows_are_skipped_and_row_numbers_stay_spreadsheet_rows(data):
    path = data / "rounds/2012-01/a.csv"
    write_csv(path, EN, [row(), ["" for _ in EN], row(record_id="A-2", amount_yuan="x")])
    err = problems_of(data)
    assert [(p.row, p.column, p.value, p.rule) for p in err.problems] == [(4, "amount_yuan", "x", "amount-format")]


CASES = [
    (dict(record_id=""), "record_id", "required"),
    (dict(record_id="A 1"), "record_id", "record-id-format"),
    (dict(round="2012-02"), "round", "round-folder-mismatch"),
    (dict(date="2012-13-01"), "date", "date-format"),
    (dict(date="05/01/2012"), "date", "date-format"),
    (dict(date="2012-02-01"), "date", "date-outside-window"),
    (dict(date="2011-12-19"), "date", "date-outside-window"),
    (dict(district="沙湾"), "district", "undeclared-name"),
    (dict(fund_source="彩票公益金"), "fund_source", "undeclared-name"),
    (dict(category="旅游"), "category", "undeclared-name"),
    (dict(recipient_group="干部"), "recipient_group", "undeclared-name"),
    (dict(aid_type="check"), "aid_type", "aid-type"),
    (dict(aid_type="goods", item="", quantity="1", unit="袋"), "item", "goods-required"),
    (dict(aid_type="goods", item="大米", quantity="", unit="袋"), "quantity", "goods-required"),
    (dict(aid_type="goods", item="大米", quantity="0", unit="袋"), "quantity", "quantity-format"),
    (dict(amount_yuan="-5"), "amount_yuan", "amount-format"),
    (dict(amount_yuan="1.005"), "amount_yuan", "amount-format"),
    (dict(amount_yuan="¥100"), "amount_yuan", "amount-format"),
    (dict(amount_yuan=""), "amount_yuan", "required"),
    (dict(recipient_ref="ABCDEF" * 6), "recipient_ref", "recipient-ref-format"),
    (dict(recipient_ref="ab12"), "recipient_ref", "recipient-ref-format"),
    (dict(filed_on="去年"), "filed_on", "date-format"),
    (dict(note="很" * 201), "note", "note-too-long"),
    (dict(disbursing_unit=""), "disbursing_unit", "required"),
]


@pytest.mark.parametrize("change, column, rule", CASES)
def test_each_rule_names_file_row_column_value(data, change, column, rule):
    write_csv(data / "rounds/2012-01/a.csv", EN, [row(), row(**{"record_id": "A-2", **change})])
    err = problems_of(data)
    assert [(p.file, p.row, p.column, p.rule) for p in err.problems] == [("rounds/2012-01/a.csv", 3, column, rule)]
    assert err.problems[0].value == excerpt(change.get(column, ""))  # a long note is quoted as its first 39 characters and "…"
    assert err.problems[0].message_zh and err.problems[0].message_en


def test_suggests_the_declared_name(data):
    write_csv(data / "rounds/2012-01/a.csv", EN, [row(district="沙湾")])
    err = problems_of(data)
    assert "沙湾区" in err.problems[0].message_zh


def test_every_problem_is_reported_at_once_across_files(data):
    write_csv(data / "rounds/2012-01/a.csv", EN, [row(), row(record_id="A-2", date="bad", amount_yuan="x")])
    write_csv(data / "rounds/2012-02/b.csv", EN, [row(record_id="A-1", round="2012-02", district="峨眉")])
    err = problems_of(data)
    found = {(p.file, p.row, p.column, p.rule) for p in err.problems}
    assert found == {
        ("rounds/2012-01/a.csv", 3, "date", "date-format"),
        ("rounds/2012-01/a.csv", 3, "amount_yuan", "amount-format"),
        ("rounds/2012-02/b.csv", 2, "record_id", "duplicate-record-id"),
        ("rounds/2012-02/b.csv", 2, "district", "undeclared-name"),
    }
    dup = next(p for p in err.problems if p.rule == "duplicate-record-id")
    assert "rounds/2012-01/a.csv" in dup.message_zh
    report = err.report()
    assert report.startswith("数据有 4 处问题")
    assert "rounds/2012-02/b.csv 第2行 (row 2) 列 district（区县）" in report


def test_undeclared_round_folder(data):
    write_csv(data / "rounds/2013-01/a.csv", EN, [row(round="2013-01")])
    err = problems_of(data)
    assert [p.rule for p in err.problems] == ["undeclared-round-folder"]


@pytest.mark.parametrize(
    "content, rule",
    [
        (b"", "empty-file"),
        (b"\xef\xbb\xbf  \r\n", "empty-file"),
        (b"record_id,round\n\x81\x30\xff\xfe", "encoding"),  # neither UTF-8 nor GB18030
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary"),
        (b"PK\x03\x04\x14\x00\x06\x00", "binary"),  # an .xlsx renamed to .csv
    ],
)
def test_unusable_files_get_one_clear_problem(data, content, rule):
    path = data / "rounds/2012-01/a.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    err = problems_of(data)
    assert [(p.file, p.rule) for p in err.problems] == [("rounds/2012-01/a.csv", rule)]


def test_ragged_rows_are_named(data):
    path = data / "rounds/2012-01/a.csv"
    write_csv(path, EN, [row(), row(record_id="A-2") + ["extra"], row(record_id="A-3")[:-3]])
    err = problems_of(data)
    assert {(p.row, p.rule) for p in err.problems} == {(3, "ragged-row"), (4, "ragged-row")}


def test_unknown_and_missing_columns(data):
    header = [h if h != "note" else "备 注 X" for h in EN]
    header = [h for h in header if h != "amount_yuan"]
    rows = [[v for h, v in zip(EN, row()) if h != "amount_yuan"]]
    write_csv(data / "rounds/2012-01/a.csv", header, rows)
    err = problems_of(data)
    assert {(p.column, p.rule) for p in err.problems} == {("备 注 X", "unknown-column"), ("amount_yuan", "missing-column")}


def test_no_record_files_is_an_error(data):
    err = problems_of(data)
    assert err.problems[0].rule == "no-records"


def test_allocations_are_checked(data):
    write_csv(data / "rounds/2012-01/a.csv", EN, [row()])
    write_csv(
        data / "allocations.csv", ["fund_source", "district", "amount_yuan"],
        [["市总工会配套资金", "沙湾区", "1000.00"], ["市总工会配套资金", "沙湾区", "5"], ["捐款", "沙湾区", "x"]],
    )
    err = problems_of(data)
    assert {(p.row, p.column, p.rule) for p in err.problems} == {
        (3, "district", "duplicate-allocation"), (4, "fund_source", "undeclared-name"), (4, "amount_yuan", "amount-format"),
    }


def test_rule_breaches_are_valid_data(data):
    """Earmark breaches, over-spending and missing file dates are findings, not errors."""
    write_csv(
        data / "rounds/2012-01/a.csv", EN,
        [row(fund_source="省总工会慰问资金", category="劳模慰问", filed_on="", amount_yuan="5000")],
    )
    write_csv(data / "allocations.csv", ["fund_source", "district", "amount_yuan"], [["省总工会慰问资金", "沙湾区", "10.00"]])
    ds = read_dataset(data)
    alloc = ds.agg.allocations.set_index(["fund_source", "district"])
    assert alloc.loc[("省总工会慰问资金", "沙湾区"), "balance"] == 1000 - 500000


@pytest.mark.parametrize(
    "change, column, rule",
    [
        (dict(amount_yuan="1000000000"), "amount_yuan", "amount-format"),
        (dict(amount_yuan="6222021234567890123"), "amount_yuan", "amount-format"),
        (dict(aid_type="goods", item="大米", quantity="12345678901", unit="袋"), "quantity", "quantity-format"),
        (dict(note="=HYPERLINK(\"http://x\")"), "note", "formula-prefix"),
        (dict(disbursing_unit="@SUM(A1)"), "disbursing_unit", "formula-prefix"),
        (dict(note="-5元"), "note", "formula-prefix"),
    ],
)
def test_overflow_and_formula_cells_are_refused(data, change, column, rule):
    write_csv(data / "rounds/2012-01/a.csv", EN, [row(), row(**{"record_id": "A-2", **change})])
    err = problems_of(data)
    assert [(p.row, p.column, p.rule) for p in err.problems] == [(3, column, rule)]


def test_largest_amounts_sum_exactly(data):
    write_csv(data / "rounds/2012-01/a.csv", EN, [row(record_id=f"A-{i}", amount_yuan="999,999,999.99") for i in range(50)])
    ds = read_dataset(data)
    assert ds.agg.total_fen == 50 * 99_999_999_999


def raw_file(data, text: str, name="a.csv"):
    path = data / "rounds/2012-01" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))


def line(**changes) -> str:
    import csv
    import io

    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(row(**changes))
    return buffer.getvalue()


HEADER = ",".join(EN) + "\n"


def test_short_row_alone_is_named(data):
    raw_file(data, HEADER + line() + ",".join(row(record_id="A-2")[:13]) + "\n")
    err = problems_of(data)
    assert [(p.row, p.rule, p.value) for p in err.problems] == [(3, "ragged-row", "13")]


def test_extra_field_in_first_data_row_does_not_shift_the_file(data):
    raw_file(data, HEADER + line().rstrip("\n") + ",extra\n" + line(record_id="A-2") + line(record_id="A-3"))
    err = problems_of(data)
    assert [(p.row, p.rule) for p in err.problems] == [(2, "ragged-row")]


def test_trailing_comma_on_every_row_is_reported_per_row(data):
    raw_file(data, HEADER + line().rstrip("\n") + ",\n" + line(record_id="A-2").rstrip("\n") + ",\n")
    err = problems_of(data)
    assert [(p.row, p.rule) for p in err.problems] == [(2, "ragged-row"), (3, "ragged-row")]


def test_quoted_newlines_crlf_and_blank_lines_keep_row_numbers(data):
    text = HEADER + line(note="第一行\n第二行") + "\n" + line(record_id="A-2") + line(record_id="A-3", amount_yuan="x") + "\n\n"
    raw_file(data, text.replace("\n", "\r\n"))
    err = problems_of(data)
    # rows: header 1, A-1 2 (its note spans two lines), blank 3, A-2 4, A-3 5
    assert [(p.row, p.column, p.rule) for p in err.problems] == [(5, "amount_yuan", "amount-format")]


def test_both_readers_give_the_same_records(data):
    fast = HEADER + line(note="a, \"quoted\" note") + line(record_id="A-2", disbursing_unit="  padded  ")
    raw_file(data, fast)
    one = read_dataset(data).checked
    raw_file(data, fast + "\n\n" + line(record_id="A-3"))  # an inner blank line forces the careful reader
    two = read_dataset(data).checked
    cols = ["record_id", "note", "disbursing_unit", "amount_fen", "date"]
    assert two[cols].head(2).astype(str).values.tolist() == one[cols].astype(str).values.tolist()
    assert one.loc[one["record_id"] == "A-2", "disbursing_unit"].item() == "padded"


def test_identical_duplicate_headers(data):
    raw_file(data, HEADER.rstrip("\n") + ",note\n" + line().rstrip("\n") + ",x\n")
    err = problems_of(data)
    assert [(p.column, p.rule) for p in err.problems] == [("note", "duplicate-column")]


def test_header_only_file_is_reported(data):
    write_csv(data / "rounds/2012-01/a.csv", EN, [row()])
    write_csv(data / "rounds/2012-01/b.csv", EN, [])
    err = problems_of(data)
    assert [(p.file, p.rule) for p in err.problems] == [("rounds/2012-01/b.csv", "no-rows")]


def test_stray_files_are_reported_and_excel_leftovers_ignored(data):
    write_csv(data / "rounds/2012-01/A.CSV", EN, [row()])
    (data / "rounds/2012-01/~$A.csv").write_bytes(b"\x00lock")
    (data / "rounds/2012-01/.DS_Store").write_bytes(b"\x00")
    (data / "rounds/stray.csv").write_text("x", encoding="utf-8")
    (data / "rounds/2012-01/report.txt").write_bytes(b"notes")
    (data / "rounds/2012-01/old.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    (data / "rounds/2012-01/sub").mkdir()
    err = problems_of(data)
    assert sorted((p.file, p.rule) for p in err.problems) == [
        ("rounds/2012-01/old.xls", "unsupported-format"),
        ("rounds/2012-01/report.txt", "unexpected-file"),
        ("rounds/2012-01/sub", "unexpected-file"),
        ("rounds/stray.csv", "unexpected-file"),
    ]


def test_allocations_file_is_optional(data):
    write_csv(data / "rounds/2012-01/a.csv", EN, [row()])
    ds = read_dataset(data)
    assert int(ds.agg.allocations["allocated"].sum()) == 0
    write_csv(data / "allocations.csv", ["fund_source", "district", "amount_yuan"], [])
    assert int(read_dataset(data).agg.allocations["allocated"].sum()) == 0


def test_digests_are_of_the_bytes_read(data):
    import hashlib

    write_csv(data / "rounds/2012-01/a.csv", EN, [row()])
    ds = read_dataset(data)
    assert ds.digests["rounds/2012-01/a.csv"] == hashlib.sha256((data / "rounds/2012-01/a.csv").read_bytes()).hexdigest()
    assert set(ds.digests) == {"campaign.toml", "rounds/2012-01/a.csv"}
