"""Issue 11, item 3: the REPORT= workbook of a messy district file, checked cell by cell."""

from __future__ import annotations

import datetime as dt

from openpyxl import load_workbook
from test_forms import PHONE, TITLE, messy_book, records
from test_intake import cli

from test_validate import EN

RED = "00FFC7CE"


def all_text(book) -> str:
    parts = []
    for sheet in book.worksheets:
        for line in sheet.iter_rows():
            for cell in line:
                parts.append(str(cell.value or ""))
                if cell.comment is not None:
                    parts.append(cell.comment.text)
    return "\n".join(parts)


def test_report_workbook_marks_the_districts_own_sheet(root, data, tmp_path):
    bad = records()
    bad[1][1 + EN.index("date")] = "2012年13月5日"  # row 5: no such month
    bad[2][1 + EN.index("district")] = "沙湾"  # row 6: not the declared name
    source = messy_book(tmp_path / "沙湾区.xlsx", rows=bad, total=5900)  # row 9: 合计 differs (5,800.50 by hand)
    report = tmp_path / "沙湾区-问题.xlsx"
    result = cli(root, "check", "--data", str(data), "--file", str(source), "--report", str(report))
    assert result.returncode == 1, result.stderr
    assert PHONE not in result.stdout + result.stderr

    book = load_workbook(report)
    assert book.sheetnames == ["问题汇总", "原表（已标出问题）"]
    summary = book["问题汇总"]
    assert [c.value for c in summary[3]] == ["问题", "处数", "所在行", "怎么改", "problem (English)"]
    kinds = {summary.cell(r, 1).value: (summary.cell(r, 2).value, summary.cell(r, 3).value, summary.cell(r, 4).value)
             for r in range(4, summary.max_row + 1)}
    assert kinds["日期无法识别"][:2] == (1, "5")
    assert kinds["名称未声明"][:2] == (1, "6")
    assert kinds["合计数与明细不符"][:2] == (1, "9")
    assert "沙湾区" in kinds["名称未声明"][2] and "可填" in kinds["名称未声明"][2]

    sheet = book["原表（已标出问题）"]
    assert sheet["A1"].value == TITLE  # the sheet as sent, row for row
    assert sheet["A3"].value == "序号" and sheet["N3"].value == "金额\n（元）"  # their header, as typed
    assert sheet["A4"].value == 1 and sheet["B4"].value == "SW-2012-01-F001"
    assert sheet["N4"].value == 1200 and sheet["N5"].value == 800.5  # numbers as numbers
    assert sheet["D4"].value == dt.datetime(2012, 1, 5)  # dates as dates
    assert sheet["D5"].value == "2012年13月5日" and sheet["E6"].value == "沙湾"  # the bad values as typed
    assert sheet["A9"].value == "合计" and sheet["N9"].value == 5900

    marked = {(c.coordinate) for line in sheet.iter_rows() for c in line if c.fill.start_color.rgb == RED and c.row != 3}
    assert marked == {"D5", "E6", "N9"}
    date = sheet["D5"].comment.text
    assert date.startswith("【发放日期】") and "例如" in date and "2012-01-05" in date
    district = sheet["E6"].comment.text
    assert district.startswith("【区县】") and "沙湾区" in district and "市中区" in district
    total = sheet["N9"].comment.text
    assert total.startswith("【金额（元）】") and "5,800.50" in total
    assert sheet["R3"].value == "需要修改" and "发放日期" in sheet["R5"].value and sheet["R4"].value is None
    for cell in ("B4", "N4", "D4", "E5"):
        assert sheet[cell].comment is None and sheet[cell].fill.start_color.rgb != RED

    text = all_text(book)
    assert PHONE not in text and "5678" not in text and "王某某" not in text  # the signature lines are not given back
    assert "README" not in text


def test_report_marks_a_header_problem_and_the_rows_together(root, data, tmp_path):
    from test_forms import HEADER

    header = [h if h != "金额\n（元）" else "发放金额" for h in HEADER]
    bad = records()
    bad[0][1 + EN.index("fund_source")] = "市总配套"
    source = messy_book(tmp_path / "沙湾区.xlsx", header=header, rows=bad)
    report = tmp_path / "report.xlsx"
    assert cli(root, "check", "--data", str(data), "--file", str(source), "--report", str(report)).returncode == 1
    book = load_workbook(report)
    sheet = book["原表（已标出问题）"]
    assert sheet["N3"].value == "发放金额" and sheet["N3"].fill.start_color.rgb == RED
    assert "金额（元）" in sheet["N3"].comment.text and "README" not in sheet["N3"].comment.text
    assert sheet["G4"].fill.start_color.rgb == RED and sheet["G4"].comment.text.startswith("【资金来源】")
    titles = [book["问题汇总"].cell(r, 1).value for r in range(4, book["问题汇总"].max_row + 1)]
    assert {"未知的列名", "缺少必需的列", "名称未声明"} <= set(titles)
    assert "必填项为空" not in titles


def test_report_of_a_csv_gives_numbers_as_numbers(root, data, tmp_path):
    from test_validate import ZH, row, write_csv

    source = tmp_path / "沙湾区.csv"
    write_csv(source, ZH, [row(record_id="C-1", amount_yuan="1,200.50"), row(record_id="C-2", date="2012/2/30")],
              encoding="gb18030", bom=False)
    report = tmp_path / "r.xlsx"
    assert cli(root, "check", "--data", str(data), "--file", str(source), "--report", str(report)).returncode == 1
    sheet = load_workbook(report)["原表（已标出问题）"]
    amount = ZH.index("金额（元）") + 1
    assert sheet.cell(2, amount).value == 1200.5 and sheet.cell(3, amount).value == 800  # typed as numbers
    assert sheet.cell(2, 1).value == "C-1"  # ids stay text
    assert sheet.cell(3, ZH.index("发放日期") + 1).value == "2012/2/30"  # the bad date as typed
    assert sheet.cell(3, ZH.index("发放日期") + 1).fill.start_color.rgb == RED


def test_report_as_csv_is_the_districts_rows_as_typed(root, data, tmp_path):
    """REPORT=<name>.csv: the district's own header, each row with a problem as typed, what to fix in Chinese."""
    import csv
    import io

    bad = records()
    bad[1][1 + EN.index("date")] = "2012年13月5日"  # row 5
    bad[2][1 + EN.index("district")] = "沙湾"  # row 6
    source = messy_book(tmp_path / "沙湾区.xlsx", rows=bad, total=5900)  # row 9: the 合计 row is off
    report = tmp_path / "问题.csv"
    assert cli(root, "check", "--data", str(data), "--file", str(source), "--report", str(report)).returncode == 1
    raw = report.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel opens it as UTF-8
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    header = table[0]
    assert header[0] == "行号" and header[-1] == "需要修改"
    assert "序号" in header and "发放日期" in header  # the district's own header, 序号 and all
    by_row = {line[0]: line for line in table[1:]}
    assert list(by_row) == ["5", "6", "9"]
    date = header.index("发放日期")
    assert by_row["5"][date] == "2012年13月5日"  # as typed, not normalised
    assert by_row["5"][-1].startswith("【发放日期】") and "例如" in by_row["5"][-1]
    assert by_row["6"][header.index("区县")] == "沙湾" and "【区县】" in by_row["6"][-1] and "沙湾区" in by_row["6"][-1]
    assert "合计" in by_row["9"]
    text = raw.decode("utf-8-sig")
    assert PHONE not in text and "README" not in text and "amount_yuan" not in text


def test_no_name_id_or_phone_goes_back_even_typed_as_numbers(root, data, tmp_path):
    """A real-name list put among the round files by mistake, its ID and phone typed as numbers: the whole-folder
    report gives back neither the names (a column outside the record format) nor the numbers (masked)."""
    from openpyxl import Workbook

    from test_validate import ZH, row

    folder = data
    (folder / "rounds/2012-01").mkdir(parents=True)
    ident, phone = 511102198001011234, 13912345678  # check character 4, worked by hand in tests/test_anonymize.py
    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "身份证号", "联系电话", "金额（元）"])
    sheet.append(["张三", ident, phone, 500])
    book.save(folder / "rounds/2012-01/名单.xlsx")
    # and a record file whose note and recipient_ref hold a phone and an ID as numbers
    cells = row(record_id="N-1")
    cells[ZH.index("备注")] = phone
    cells[ZH.index("受助人编码")] = ident
    book = Workbook()
    book.active.append(ZH)
    book.active.append(cells)
    book.save(folder / "rounds/2012-01/numbers.xlsx")

    reports = tmp_path / "rep"
    result = cli(root, "check", "--data", str(folder), "--report", str(reports))
    assert result.returncode == 1 and "personal-data" in result.stderr
    written = sorted(p.name for p in reports.iterdir())
    assert written == ["2012-01-numbers.xlsx.problems.xlsx", "2012-01-名单.xlsx.problems.xlsx"]
    for name in written:
        text = all_text(load_workbook(reports / name))
        for secret in ("张三", str(ident), str(ident)[:14], str(phone), "1.1", "5.11"):
            assert secret not in text, (name, secret)
    names = load_workbook(reports / "2012-01-名单.xlsx.problems.xlsx")["原表（已标出问题）"]
    assert [c.value for c in names[1]][:4] == ["姓名", "身份证号", "联系电话", "金额（元）"]  # the header stays
    assert [names.cell(2, c).value for c in (1, 2, 3)] == [None, None, None]  # their values do not
    assert "个人信息" in names.cell(1, 1).comment.text  # the header's comment says why (here: the problem itself)

    report = tmp_path / "r.csv"  # the .csv report of the record file: the same masking
    assert cli(root, "check", "--data", str(data), "--file", str(folder / "rounds/2012-01/numbers.xlsx"),
               "--report", str(report)).returncode == 1
    text = report.read_bytes().decode("utf-8-sig")
    assert str(phone) not in text and str(ident)[:14] not in text and "139****5678" in text
