"""warmth.sources: the files districts really send (Excel on Chinese Windows) → text rows."""

from __future__ import annotations

import datetime as dt
import io
import random
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from warmth.core.codes import XLS_EN, XLS_ZH
from warmth.core.problems import WarmthError
from warmth.intake.sources import SourceError, decode_csv, read_csv_rows, read_rows, read_xlsx

DATES = frozenset({"发放日期", "建档日期", "date", "filed_on"})
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)


def _rule(exc_info) -> str:
    return exc_info.value.rule


# ------------------------------------------------------------------- CSV


def test_gb18030_csv_from_excel_on_chinese_windows():
    text = "记录编号,金额（元）,备注\r\nSW-1,1200.50,困难职工慰问\r\nSW-2,300,䶮（GB18030 四字节字）\r\n"
    raw = text.encode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert decode_csv(raw) == (text, "gb18030")


def test_gbk_is_read_as_gb18030():
    text = "区县,发放单位\n沙湾区,沙湾区总工会\n"
    assert decode_csv(text.encode("gbk")) == (text, "gb18030")


def test_utf8_with_and_without_bom():
    text = "记录编号,金额（元）\nSW-1,200\n"
    assert decode_csv(text.encode("utf-8")) == (text, "utf-8")
    assert decode_csv(b"\xef\xbb\xbf" + text.encode("utf-8")) == (text, "utf-8-sig")
    assert decode_csv(b"") == ("", "utf-8")


def test_bom_but_not_utf8_names_the_offset():
    raw = b"\xef\xbb\xbfab,c\n\xff" + "沙湾".encode("gbk")
    with pytest.raises(SourceError) as exc:
        decode_csv(raw)
    assert _rule(exc) == "encoding"
    assert "第 8 字节" in exc.value.message_zh and "byte 8" in exc.value.message_en


def test_neither_utf8_nor_gb18030_names_offsets():
    raw = b"record_id,amount\nA-1,\xff\xfe\xfd\n"
    with pytest.raises(SourceError) as exc:
        decode_csv(raw)
    assert _rule(exc) == "encoding"
    assert "byte 21" in exc.value.message_en and "line 2" in exc.value.message_en
    assert "第 21 字节" in exc.value.message_zh
    assert isinstance(exc.value, WarmthError)
    assert str(exc.value).index("无法识别") < str(exc.value).index("Unknown encoding")  # Chinese first


def test_random_binary_blob_is_refused_as_binary():
    blob = random.Random(2012).randbytes(4096)
    assert b"\x00" in blob
    with pytest.raises(SourceError) as exc:
        decode_csv(blob)
    assert _rule(exc) == "binary"
    assert ".xlsx" in exc.value.message_zh and "renamed" in exc.value.message_en


def test_blob_without_nul_is_an_encoding_error():
    rng = random.Random(7)
    blob = bytes(b for b in rng.randbytes(4096) if b)
    with pytest.raises(SourceError) as exc:
        decode_csv(blob)
    assert _rule(exc) == "encoding"


def test_renamed_workbooks_are_binary(tmp_path):
    xlsx = _workbook(tmp_path / "a.xlsx", [["记录编号"], ["A-1"]])
    with pytest.raises(SourceError) as exc:
        decode_csv(xlsx.read_bytes())
    assert _rule(exc) == "binary" and ".xlsx" in exc.value.message_en
    with pytest.raises(SourceError) as exc:
        decode_csv(OLE2)
    assert _rule(exc) == "binary" and ".xls" in exc.value.message_en


def test_utf16_unicode_text_is_named():
    with pytest.raises(SourceError) as exc:
        decode_csv("记录编号\t金额\n".encode("utf-16"))
    assert _rule(exc) == "encoding" and "UTF-16" in exc.value.message_en


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")))
def test_utf8_and_gb18030_text_round_trips(text):
    assert decode_csv(text.encode("utf-8")) == (text, "utf-8")
    raw = text.encode("gb18030")
    decoded, encoding = decode_csv(raw)
    # deterministic: UTF-8 wins whenever the bytes are valid UTF-8 (a very short
    # GB18030 text can be, e.g. 楼 = C2 A5 = ¥); otherwise GB18030 gives the text back
    assert encoding == ("utf-8" if _is_utf8(raw) else "gb18030")
    assert decoded == raw.decode(encoding)
    if encoding == "gb18030":
        assert decoded == text


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_decode_or_raise_source_error(raw):
    try:
        text, encoding = decode_csv(raw)
    except SourceError as exc:
        assert exc.rule in ("binary", "encoding")
    else:
        assert encoding in ("utf-8", "utf-8-sig", "gb18030") and isinstance(text, str)


def test_csv_rows_keep_spreadsheet_numbers_and_skip_blanks():
    raw = '记录编号,金额（元）,备注,,\n A-1 , 200 ,"两行\n备注",,\n,,,,\n\nA-2,300,,,\n'.encode("gb18030")
    header, rows = read_csv_rows(raw)
    assert header == ["记录编号", "金额（元）", "备注"]
    assert rows == [(2, ["A-1", "200", "两行\n备注"]), (5, ["A-2", "300", ""])]


def test_csv_ragged_rows_are_named_by_number():
    with pytest.raises(SourceError) as exc:
        read_csv_rows(b"a,b\n1,2\n3\n4,5,6\n7,8,\n")
    assert _rule(exc) == "ragged-row"
    assert "3、4" in exc.value.message_zh and "3, 4" in exc.value.message_en


def test_csv_empty_and_headerless():
    with pytest.raises(SourceError) as exc:
        read_csv_rows(b"\xef\xbb\xbf \r\n")
    assert _rule(exc) == "empty-file"
    with pytest.raises(SourceError) as exc:
        read_csv_rows(b",,\nA,B,C\n")
    assert _rule(exc) == "no-header"


# ------------------------------------------------------------------- xlsx


def _workbook(path: Path, rows: list[list], *, extra_sheets: dict[str, list[list]] | None = None, epoch=None) -> Path:
    wb = openpyxl.Workbook()
    if epoch is not None:
        wb.epoch = epoch
    ws = wb.active
    ws.title = "汇总"
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            if value is not None:
                ws.cell(row=r, column=c, value=value)
    for title, sheet_rows in (extra_sheets or {}).items():
        other = wb.create_sheet(title)
        for row in sheet_rows:
            other.append(row)
    wb.save(path)
    return path


def test_xlsx_cells_become_text(tmp_path):
    id18 = "51110219800101123X"
    path = _workbook(
        tmp_path / "table.xlsx",
        [
            ["记录编号", "金额(元)", "数量", "发放日期", "建档日期", "身份证号", "备注", "是否", "时间"],
            ["SW-1", 202, 152.5, 40913, dt.datetime(2011, 6, 1), id18, "  慰问金  ", True, dt.datetime(2012, 1, 5, 8, 30)],
            [None] * 9,
            ["   ", None, None, None, None, None, None, None, None],
            ["SW-2", 1200.0, 0.1, dt.date(2012, 1, 6), 40544.5, "511102800101123", None, False, None],
            ["SW-3", 0.1 + 0.2, 1e-7, 20120105, None, 511102800101123, "慰问", None, None],
        ],
    )
    header, rows = read_xlsx(path, date_columns=DATES)
    assert header == ["记录编号", "金额(元)", "数量", "发放日期", "建档日期", "身份证号", "备注", "是否", "时间"]
    assert rows[0] == (2, ["SW-1", "202", "152.5", "2012-01-05", "2011-06-01", id18, "慰问金", "TRUE", "2012-01-05 08:30:00"])
    # blank rows (3, 4) are skipped, numbers stay the sheet's
    assert rows[1] == (5, ["SW-2", "1200", "0.1", "2012-01-06", "2011-01-01 12:00:00", "511102800101123", "", "FALSE", ""])
    # a formula's float noise is rounded as Excel shows it; a yyyymmdd number is left for the validator to name
    assert rows[2][0] == 6
    assert rows[2][1][:7] == ["SW-3", "0.3", "0.0000001", "20120105", "", "511102800101123", "慰问"]
    assert len(rows) == 3


def test_xlsx_date_serial_quirks(tmp_path):
    path = _workbook(tmp_path / "d.xlsx", [["发放日期", "金额（元）"], [60, 60], [61, 61], [1, 1], [0, 0], [-5, -5]])
    _, rows = read_xlsx(path, date_columns=DATES)
    assert [cells for _, cells in rows] == [
        ["1900-02-28", "60"],  # openpyxl's answer for Excel's fictitious 1900-02-29
        ["1900-03-01", "61"],
        ["1900-01-01", "1"],
        ["0", "0"],
        ["-5", "-5"],
    ]


def test_xlsx_1904_date_system(tmp_path):
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    path = _workbook(tmp_path / "mac.xlsx", [["date"], [39451]], epoch=CALENDAR_MAC_1904)
    _, rows = read_xlsx(path, date_columns=DATES)
    assert rows == [(2, ["2012-01-05"])]


def test_xlsx_long_numbers_are_never_passed_off_as_ids(tmp_path):
    id18 = "511102198001011234"
    path = _workbook(tmp_path / "n.xlsx", [["身份证号", "编号"], [int(id18), 511102198001011234.0], [id18, 123456789012345]])
    header, rows = read_xlsx(path, id_columns=frozenset({"身份证号"}))
    # Excel (and openpyxl) keep 15 digits: an 18-digit number comes back in Excel's E+ form, not as a made-up ID
    assert rows[0] == (2, ["5.11102198001011E+17", "5.11102198001011E+17"])
    assert rows[1] == (3, [id18, "123456789012345"])


def test_xlsx_full_width_headers_and_trailing_empty_columns(tmp_path):
    path = tmp_path / "w.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["记录编号", "金额（元）", "计量单位"])
    ws.append(["A-1", 5, "袋"])
    ws.cell(row=1, column=7).font = openpyxl.styles.Font(bold=True)  # formatted, but empty
    ws.cell(row=9, column=9).number_format = "0.00"
    ws.append([])
    wb.save(path)
    header, rows = read_xlsx(path)
    assert header == ["记录编号", "金额（元）", "计量单位"]
    assert rows == [(2, ["A-1", "5", "袋"])]


def test_xlsx_unnamed_column_with_values_is_kept(tmp_path):
    path = _workbook(tmp_path / "u.xlsx", [["a", "b"], ["1", "2", None, "x"]])
    header, rows = read_xlsx(path)
    assert header == ["a", "b", "", ""]
    assert rows == [(2, ["1", "2", "", "x"])]


def test_xlsx_reads_bytes_too(tmp_path):
    path = _workbook(tmp_path / "b.xlsx", [["a"], [1]])
    assert read_xlsx(path.read_bytes()) == (["a"], [(2, ["1"])])


def test_xlsx_header_must_be_row_1(tmp_path):
    path = _workbook(tmp_path / "h.xlsx", [[None], ["记录编号"], ["A-1"]])
    with pytest.raises(SourceError) as exc:
        read_xlsx(path)
    assert _rule(exc) == "no-header" and "第 1 行" in exc.value.message_zh


def test_empty_workbook(tmp_path):
    path = tmp_path / "empty.xlsx"
    openpyxl.Workbook().save(path)
    with pytest.raises(SourceError) as exc:
        read_xlsx(path)
    assert _rule(exc) == "empty-file"


def test_data_on_another_sheet_is_not_silently_dropped(tmp_path):
    ok = _workbook(tmp_path / "ok.xlsx", [["a"], [1]], extra_sheets={"Sheet2": [], "Sheet3": [[None, "  "]]})
    assert read_xlsx(ok) == (["a"], [(2, ["1"])])
    bad = _workbook(tmp_path / "bad.xlsx", [["a"], [1]], extra_sheets={"第二批": [["a"], [2]]})
    with pytest.raises(SourceError) as exc:
        read_xlsx(bad)
    assert _rule(exc) == "extra-sheets" and "第二批" in exc.value.message_zh


@pytest.mark.parametrize(
    "payload",
    [
        random.Random(1).randbytes(2048),
        b"PK\x03\x04" + random.Random(2).randbytes(512),
        b"",
    ],
    ids=["random", "truncated-zip", "empty"],
)
def test_corrupt_bytes_are_unreadable(tmp_path, payload):
    path = tmp_path / "x.xlsx"
    path.write_bytes(payload)
    with pytest.raises(SourceError) as exc:
        read_xlsx(path)
    assert _rule(exc) == "unreadable"
    assert "无法读取" in exc.value.message_zh and "Cannot read" in exc.value.message_en


def test_a_zip_that_is_not_a_workbook(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("readme.txt", "not a workbook")
    with pytest.raises(SourceError) as exc:
        read_xlsx(buffer.getvalue())
    assert _rule(exc) == "unreadable"


def test_old_xls_is_refused_with_save_as_advice(tmp_path):
    with pytest.raises(SourceError) as exc:
        read_xlsx(OLE2)
    assert _rule(exc) == "unsupported-format" and XLS_ZH in exc.value.message_zh
    path = tmp_path / "old.xls"
    path.write_bytes(OLE2)
    with pytest.raises(SourceError) as exc:
        read_rows(path)
    assert (exc.value.message_zh, exc.value.message_en) == (XLS_ZH, XLS_EN)
    assert ".xlsx" in XLS_ZH and "CSV UTF-8" in XLS_EN


def test_read_rows_dispatches_on_extension(tmp_path):
    csv_path = tmp_path / "t.CSV"
    csv_path.write_bytes("记录编号,金额（元）\nA-1,200\n".encode("gb18030"))
    assert read_rows(csv_path) == (["记录编号", "金额（元）"], [(2, ["A-1", "200"])])
    xlsx = _workbook(tmp_path / "t.xlsx", [["记录编号", "金额（元）"], ["A-1", 200]])
    assert read_rows(xlsx) == read_rows(csv_path)
    other = tmp_path / "t.ods"
    other.write_bytes(b"x")
    with pytest.raises(SourceError) as exc:
        read_rows(other)
    assert _rule(exc) == "unsupported-format"
