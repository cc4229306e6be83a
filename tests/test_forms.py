"""Issue 11, item 1: form-style sheets as districts really send them.

Every file here is written the way a district's clerk makes it: a title merged
across the columns, a 填报单位 line, a 序号 column, a 合计 row and a signature
footer with a phone number. Expected figures are summed by hand.
"""

from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import Workbook

from warmth.core.problems import DataError
from warmth.core.schema import RECORD_COLUMNS
from warmth.figures.dataset import read_dataset
from warmth.intake.load import read_table
from warmth.staff.check import check_file

from test_validate import EN, ZH, row

TITLE = "沙湾区2012年送温暖专项资金发放实名制汇总表"
PHONE = "13912345678"
# five records: 1200 + 800.50 + 1500 + 300 + 2000 = 5800.50 (by hand)
AMOUNTS = [1200, 800.5, 1500, 300, 2000]
TOTAL = 5800.5
HEADER = ["序号"] + [h if h != "金额（元）" else "金额\n（元）" for h in ZH]  # a line break inside a header cell
AMOUNT_COL = HEADER.index("金额\n（元）") + 1  # 1-based sheet column of the amounts


def records(n: int = 5) -> list[list]:
    out = []
    for i in range(n):
        cells = row(record_id=f"SW-2012-01-F{i + 1:03d}")
        cells[EN.index("date")] = dt.datetime(2012, 1, 5 + i)  # a real date cell
        cells[EN.index("amount_yuan")] = AMOUNTS[i]  # a number cell
        out.append([i + 1, *cells])
    return out


def messy_book(path, *, total=TOTAL, merge_data: str | None = None, header=HEADER, rows=None):
    """沙湾区's form: title (merged), 填报单位 line, header in row 3, 序号, five rows, 合计, signature footer."""
    book = Workbook()
    sheet = book.active
    sheet.title = "汇总表"
    sheet.append([TITLE])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    sheet.append(["填报单位：沙湾区总工会（盖章）", "", "", "", "", "", "", "", "填报日期：2012年1月18日"])
    sheet.append(header)
    for cells in rows if rows is not None else records():
        sheet.append(cells)
    total_row = ["合计"] + [""] * (len(header) - 1)
    total_row[AMOUNT_COL - 1] = total
    sheet.append(total_row)  # row 9 with five records
    sheet.merge_cells(start_row=sheet.max_row, start_column=1, end_row=sheet.max_row, end_column=3)
    sheet.append([])
    sheet.append([f"填表人：王某某    审核人：李某    联系电话：{PHONE}"])  # row 11
    sheet.append(["", "", "", "", "", "", "", "", "填报日期：2012年1月18日"])
    if merge_data:
        sheet.merge_cells(merge_data)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def texts(problems) -> str:
    return "\n".join(p.format() for p in problems)


def test_messy_form_reads_as_five_records(data, tmp_path):
    path = messy_book(tmp_path / "沙湾区.xlsx")
    assert check_file(data, path) == []
    problems, notices = [], []
    frame, _ = read_table(path, "沙湾区.xlsx", RECORD_COLUMNS, problems, notices=notices)
    assert problems == []
    assert list(frame["_row"]) == [4, 5, 6, 7, 8]  # the sheet's own row numbers
    assert list(frame["record_id"]) == [f"SW-2012-01-F{i:03d}" for i in range(1, 6)]
    assert list(frame["amount_yuan"]) == ["1200", "800.5", "1500", "300", "2000"]
    assert list(frame["date"]) == ["2012-01-05", "2012-01-06", "2012-01-07", "2012-01-08", "2012-01-09"]
    said = "\n".join(notices)
    assert "第 3 行" in said and "第 1–2 行" in said  # one line about the skipped title lines
    assert TITLE not in said and PHONE not in said and "王某某" not in said


def test_messy_form_builds_without_the_total_and_footer(data):
    messy_book(data / "rounds/2012-01/沙湾区.xlsx")
    ds = read_dataset(data)
    assert len(ds.checked) == 5
    assert int(ds.checked["amount_fen"].sum()) == 580050  # 5800.50 by hand, the 合计 row not counted twice
    assert not ds.checked["record_id"].str.contains("合计").any()


def test_total_that_differs_from_the_rows_is_a_problem(data, tmp_path):
    path = messy_book(tmp_path / "沙湾区.xlsx", total=5900)
    problems = check_file(data, path)
    assert [(p.rule, p.row, p.column, p.value) for p in problems] == [("total-mismatch", 9, "amount_yuan", "5900")]
    assert "5,800.50" in problems[0].message_zh and "合计" in problems[0].message_zh


def test_subtotals_are_checked_against_their_own_rows(data, tmp_path):
    rows = records()
    sub1 = ["小计"] + [""] * (len(HEADER) - 1)
    sub1[AMOUNT_COL - 1] = 2000.5  # 1200 + 800.50
    sub2 = ["小计"] + [""] * (len(HEADER) - 1)
    sub2[AMOUNT_COL - 1] = 3000  # 1500 + 300 + 2000 = 3800: wrong on purpose
    path = messy_book(tmp_path / "沙湾区.xlsx", rows=[*rows[:2], sub1, *rows[2:], sub2])
    found = [(p.rule, p.value) for p in check_file(data, path)]
    assert ("total-mismatch", "3000") in found
    assert ("total-mismatch", "2000.5") not in found
    # the 合计 row (row 11 now) totals all five records: 5800.50, right
    assert len(found) == 1


def test_footer_phone_is_never_echoed(data, tmp_path):
    bad = records()
    bad[1][1 + EN.index("date")] = "2012年13月5日"  # one real problem, so a report is made
    path = messy_book(tmp_path / "沙湾区.xlsx", rows=bad)
    problems = check_file(data, path)
    assert [p.rule for p in problems] == ["date-format"]
    assert PHONE not in texts(problems) and "1391234" not in texts(problems)


def test_merged_cells_inside_the_data_name_the_range(data, tmp_path):
    path = messy_book(tmp_path / "沙湾区.xlsx", merge_data="G5:G6")
    problems = check_file(data, path)
    assert [(p.rule, p.row) for p in problems if p.rule == "merged-cells"] == [("merged-cells", 5)]
    merged = next(p for p in problems if p.rule == "merged-cells")
    assert "G5:G6" in merged.message_zh and "取消合并" in merged.message_zh


def test_header_problems_and_row_problems_come_together(data, tmp_path):
    header = [h if h != "金额\n（元）" else "发放金额" for h in HEADER]
    bad = records()
    bad[2][1 + EN.index("district")] = "沙湾"
    path = messy_book(tmp_path / "沙湾区.xlsx", header=header, rows=bad)
    problems = check_file(data, path)
    rules = sorted((p.rule, p.row, p.column) for p in problems)
    assert ("unknown-column", 3, "发放金额") in rules
    assert ("missing-column", 3, "amount_yuan") in rules
    assert ("undeclared-name", 6, "district") in rules
    assert not any(r == "required" for r, *_ in rules)  # the missing column is said once, not once per row
    unknown = next(p for p in problems if p.rule == "unknown-column")
    assert "README" not in unknown.message_zh + unknown.message_en and "金额（元）" in unknown.message_zh


def test_form_style_gb18030_csv(data):
    import csv
    import io

    buffer = io.StringIO()
    out = csv.writer(buffer, lineterminator="\r\n")
    width = len(HEADER)
    out.writerow([TITLE] + [""] * (width - 1))
    out.writerow(["填报单位：沙湾区总工会"] + [""] * (width - 1))
    out.writerow(HEADER)
    for cells in records():
        cells = [c.date().isoformat() if isinstance(c, dt.datetime) else c for c in cells]
        out.writerow(cells)
    out.writerow(["合计", "", *[""] * (AMOUNT_COL - 3), "5800.50", *[""] * (width - AMOUNT_COL)])
    out.writerow([f"填表人：王某某  联系电话：{PHONE}"] + [""] * (width - 1))
    path = data / "rounds/2012-01/shawan.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(buffer.getvalue().encode("gb18030"))  # Excel's plain "CSV" on Chinese Windows
    ds = read_dataset(data)
    assert list(ds.checked["_row"]) == [4, 5, 6, 7, 8]
    assert int(ds.checked["amount_fen"].sum()) == 580050


def test_a_clean_file_still_starts_at_row_one(data):
    book = Workbook()
    book.active.append(ZH)
    book.active.append(row())
    path = data / "rounds/2012-01/clean.xlsx"
    path.parent.mkdir(parents=True)
    book.save(path)
    ds = read_dataset(data)
    assert list(ds.checked["_row"]) == [2]


def test_title_only_sheet_without_a_header_still_says_so(data):
    book = Workbook()
    book.active.append([TITLE])
    book.active.append(["1", "2"])
    path = data / "rounds/2012-01/odd.xlsx"
    path.parent.mkdir(parents=True)
    book.save(path)
    with pytest.raises(DataError) as err:
        read_dataset(data)
    assert {p.rule for p in err.value.problems} >= {"unknown-column"}


def test_form_written_by_xlsxwriter(data):
    """The same form from a second writer: xlsxwriter (shared strings, its own styles, merge_range, real dates)."""
    import xlsxwriter

    path = data / "rounds/2012-01/沙湾区汇总表.xlsx"
    path.parent.mkdir(parents=True)
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Sheet1")
    date = book.add_format({"num_format": "yyyy\"年\"m\"月\"d\"日\""})
    money = book.add_format({"num_format": "#,##0.00"})
    sheet.merge_range(0, 0, 0, len(HEADER) - 1, TITLE)
    sheet.write_row(1, 0, ["填报单位：沙湾区总工会", "", "", "", "", "", "", "", "填报日期：2012年1月18日"])
    sheet.write_row(2, 0, HEADER)
    for r, cells in enumerate(records(), start=3):
        for c, value in enumerate(cells):
            if isinstance(value, dt.datetime):
                sheet.write_datetime(r, c, value, date)
            elif c == AMOUNT_COL - 1:
                sheet.write_number(r, c, value, money)
            else:
                sheet.write(r, c, value)
    sheet.merge_range(8, 0, 8, 2, "合  计")  # row 9, with a space inside as clerks type it
    sheet.write_number(8, AMOUNT_COL - 1, TOTAL, money)
    sheet.write(10, 0, f"填表人：王某某    审核人：李某    联系电话：{PHONE}")
    book.close()
    ds = read_dataset(data)
    assert list(ds.checked["_row"]) == [4, 5, 6, 7, 8]
    assert int(ds.checked["amount_fen"].sum()) == 580050  # 5800.50 by hand
    assert list(ds.checked["date"].astype(str)) == ["2012-01-05", "2012-01-06", "2012-01-07", "2012-01-08", "2012-01-09"]


def test_a_full_row_below_the_signature_is_not_dropped_unseen(data, tmp_path):
    path = messy_book(tmp_path / "沙湾区.xlsx")
    from openpyxl import load_workbook

    book = load_workbook(path)
    late = records()[4]
    late[1] = "SW 2012 01 F006"  # a record typed below the signature lines, its id mistyped
    book.active.append(late)  # row 13
    book.save(path)
    problems = check_file(data, path)
    assert [(p.rule, p.row) for p in problems] == [("record-id-format", 13)]  # reported, not swallowed as footer
