"""warmth.anonymize: the real-name table → public records, end to end.

Refs are checked against an independent HMAC; the output is checked byte by
byte for personal data and then read by the real loader (`read_dataset`).
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import shutil
import stat
from pathlib import Path

import openpyxl
import pytest

from warmth.core.problems import WarmthError
from warmth.core.schema import COLUMN_NAMES
from warmth.staff.anonymize import anonymize
from warmth.staff.keys import DEFAULT_KEY_NAME, KEY_ENV, keygen, load_key, recipient_ref
from warmth.staff.realname import AnonymizeError, Rejected, mask_id

from independent import gb11643_check

ROOT = Path(__file__).resolve().parents[1]
KEY = bytes(range(32))
BOM = b"\xef\xbb\xbf"


def make_id(region: str, birth: str, seq: str) -> str:
    """A valid ID; its check character from the ISO 7064 formula, not from the code under test."""
    first17 = region + birth + seq
    return first17 + gb11643_check(first17)


def id_with_x() -> str:
    for seq in range(1000):
        candidate = make_id("511123", "19750312", f"{seq:03d}")
        if candidate.endswith("X"):
            return candidate
    raise AssertionError("no X check digit found")


def ref(id18: str) -> str:
    """Independent of the plugin: HMAC-SHA256 of the 18-character ID."""
    return hmac.new(KEY, id18.encode(), hashlib.sha256).hexdigest()


ZHANG = make_id("511102", "19800101", "123")
LI_15 = "511111620305041"  # old 15-digit number (born 1962-03-05)
LI_18 = make_id("511111", "19620305", "041")
WANG = id_with_x()
BAD_CHECK = ZHANG[:17] + ("0" if ZHANG[17] != "0" else "1")
QIAN = make_id("511129", "19901231", "456")
SUN = make_id("511132", "19550707", "018")

HEADER = [
    "序号", "姓名", "身份证号", "联系电话", "银行卡号", "家庭住址", "工作单位",
    "记录编号", "批次", "发放日期", "区县", "发放单位", "资金来源", "救助类别", "受助群体", "救助形式",
    "物资名称", "数量", "计量单位", "金额(元)", "建档日期", "备注",
]
PUBLIC_TAIL = ["2012-01", "2012-01-05", "沙湾区", "沙湾区总工会", "市总工会配套资金", "生活救助", "困难职工"]
ROWS = [
    # row 2: 张三
    ["1", "张三", ZHANG, "13800138000", "6222020402001234567", "沙湾区嘉农镇幸福村3组12号", "沙湾区某机械厂",
     "SW-A-0001", *PUBLIC_TAIL, "现金", "", "", "", "1200.50", "2011-06-01", "春节慰问"],
    # row 3: 李四, old 15-digit number
    ["2", "李四", LI_15, "13900139000", "6228480402564890018", "沙湾区太平镇新街8号", "",
     "SW-A-0002", *PUBLIC_TAIL, "物资", "大米", "2", "袋", "202", "", ""],
    # row 4: 李四 again, now with his 18-digit number (another disbursement)
    ["3", "李四", LI_18, "13900139000", "6228480402564890018", "沙湾区太平镇新街8号", "",
     "SW-A-0003", *PUBLIC_TAIL, "现金", "", "", "", "300", "", ""],
    # row 5: 王五, check digit X written in lower case
    ["4", "王五", WANG.lower(), "", "", "峨眉山市绥山镇名山路100号", "",
     "SW-A-0004", *PUBLIC_TAIL, "服务", "", "", "", "152.5", "", ""],
    # row 6: 赵六, checksum wrong → rejected
    ["5", "赵六", BAD_CHECK, "13700137000", "", "沙湾区踏水镇", "",
     "SW-A-0005", *PUBLIC_TAIL, "现金", "", "", "", "500", "", ""],
    # row 7: blank (skipped)
    [""] * 22,
    # row 8: 钱七, valid ID but no 发放单位 → rejected
    ["6", "钱七", QIAN, "", "", "", "",
     "SW-A-0006", "2012-01", "2012-01-06", "沙湾区", "", "市总工会配套资金", "生活救助", "困难职工", "现金", "", "", "", "400", "", ""],
    # row 9: 孙八, the note gives away his phone number → rejected
    ["7", "孙八", SUN, "13512345678", "", "", "",
     "SW-A-0007", *PUBLIC_TAIL, "现金", "", "", "", "600", "", "本人电话 135-1234-5678"],
]
PERSONAL = [
    "张三", "李四", "王五", "赵六", "钱七", "孙八", ZHANG, LI_15, LI_18, WANG, WANG.lower(), BAD_CHECK, QIAN, SUN,
    "13800138000", "13900139000", "13700137000", "13512345678", "6222020402001234567", "6228480402564890018",
    "幸福村", "新街8号", "名山路", "踏水镇", "某机械厂",
]


def write_csv(path: Path, encoding: str = "gb18030") -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(ROWS)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path) -> Path:
    import datetime as dt

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([h.replace("(", "（").replace(")", "）") for h in HEADER])  # full-width brackets
    for row in ROWS:
        cells: list = list(row)
        if any(cells):
            cells[0] = int(cells[0])  # 序号 as a number
            cells[HEADER.index("发放日期")] = dt.datetime.strptime(cells[HEADER.index("发放日期")], "%Y-%m-%d")
            cells[HEADER.index("金额(元)")] = float(cells[HEADER.index("金额(元)")])  # 202.0, 1200.5, 152.5
            if cells[HEADER.index("数量")]:
                cells[HEADER.index("数量")] = int(cells[HEADER.index("数量")])
            cells[HEADER.index("联系电话")] = int(cells[3]) if cells[3] else None
        ws.append([c if c != "" else None for c in cells])
    wb.save(path)
    return path


def read_public(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    raw = path.read_bytes()
    assert raw.startswith(BOM)
    rows = list(csv.reader(io.StringIO(raw[3:].decode("utf-8"), newline="")))
    return rows[0], [dict(zip(rows[0], r)) for r in rows[1:]]


@pytest.fixture(params=["csv-gb18030", "csv-utf8-bom", "xlsx"])
def table(request, tmp_path) -> Path:
    if request.param == "xlsx":
        return write_xlsx(tmp_path / "实名制汇总表.xlsx")
    if request.param == "csv-utf8-bom":
        return write_csv(tmp_path / "实名制汇总表.csv", "utf-8-sig")
    return write_csv(tmp_path / "实名制汇总表.csv")


def test_end_to_end(table, tmp_path):
    out = tmp_path / "public" / "shawan.csv"
    rejects = tmp_path / "staff" / "rejects.csv"
    written, rejected = anonymize(table, out, key=KEY, rejects=rejects)
    assert written == 4

    header, records = read_public(out)
    assert header == list(COLUMN_NAMES)
    assert [r["record_id"] for r in records] == ["SW-A-0001", "SW-A-0002", "SW-A-0003", "SW-A-0004"]
    refs = [r["recipient_ref"] for r in records]
    assert refs == [ref(ZHANG), ref(LI_18), ref(LI_18), ref(WANG)]
    assert all(len(r) == 64 and r == r.lower() and int(r, 16) >= 0 for r in refs)
    assert records[0]["amount_yuan"] == "1200.5" if table.suffix == ".xlsx" else records[0]["amount_yuan"] == "1200.50"
    assert records[1]["amount_yuan"] == "202" and records[1]["quantity"] == "2" and records[1]["item"] == "大米"
    assert records[0]["date"] == "2012-01-05" and records[0]["filed_on"] == "2011-06-01"
    assert records[0]["note"] == "春节慰问"

    raw = out.read_bytes()
    assert b"\r" not in raw
    lines = raw[3:].decode("utf-8").split("\n")
    assert lines[-1] == "" and all(line.startswith('"') and line.endswith('"') for line in lines[:-1])
    assert lines[0] == ",".join(f'"{c}"' for c in COLUMN_NAMES)
    text = raw.decode("utf-8")
    for secret in PERSONAL:
        assert secret not in text, secret

    assert [r.row for r in rejected] == [6, 8, 9]
    assert [r.masked_id for r in rejected] == [mask_id(BAD_CHECK), mask_id(QIAN), mask_id(SUN)]
    assert rejected[0].masked_id == BAD_CHECK[:4] + "*" * 10 + BAD_CHECK[-4:]
    assert "校验位" in rejected[0].reason_zh and "check" in rejected[0].reason_en
    assert "发放单位" in rejected[1].reason_zh and "disbursing_unit" in rejected[1].reason_en
    assert "备注" in rejected[2].reason_zh and "phone" in rejected[2].reason_en
    staff = rejects.read_bytes()
    assert staff.startswith(BOM)
    staff_rows = list(csv.reader(io.StringIO(staff[3:].decode("utf-8"))))
    assert [r[0] for r in staff_rows[1:]] == ["6", "8", "9"]
    assert [r[3] for r in staff_rows[1:]] == [r.masked_id for r in rejected]
    for secret in PERSONAL:
        assert secret not in staff.decode("utf-8"), secret
    assert stat.S_IMODE(rejects.stat().st_mode) == 0o600

    # what the build reads: the public file in a round folder passes the real loader and validator
    from warmth.figures.dataset import read_dataset

    data = tmp_path / "data"
    (data / "rounds" / "2012-01").mkdir(parents=True)
    shutil.copy(ROOT / "data" / "campaign.toml", data / "campaign.toml")
    shutil.copy(out, data / "rounds" / "2012-01" / "shawan.csv")
    dataset = read_dataset(data)
    assert len(dataset.records) == 4
    assert sorted(set(dataset.records["recipient_ref"].astype(str))) == sorted({ref(ZHANG), ref(LI_18), ref(WANG)})


def test_csv_and_xlsx_give_the_same_refs(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    anonymize(write_csv(tmp_path / "t.csv"), a, key=KEY)
    anonymize(write_xlsx(tmp_path / "t.xlsx"), b, key=KEY)
    assert [r["recipient_ref"] for r in read_public(a)[1]] == [r["recipient_ref"] for r in read_public(b)[1]]


def test_same_person_same_ref_across_files_and_another_key_differs(tmp_path):
    table = write_csv(tmp_path / "t.csv")
    anonymize(table, tmp_path / "one.csv", key=KEY)
    anonymize(table, tmp_path / "two.csv", key=KEY)
    assert (tmp_path / "one.csv").read_bytes() == (tmp_path / "two.csv").read_bytes()
    anonymize(table, tmp_path / "other.csv", key=bytes(32))
    one = {r["recipient_ref"] for r in read_public(tmp_path / "one.csv")[1]}
    other = {r["recipient_ref"] for r in read_public(tmp_path / "other.csv")[1]}
    assert not one & other


def test_test_ids_are_known_answers():
    # check characters worked by hand (weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2, remainder → "10X98765432"):
    # 51110219800101123: 35+9+10+5+0+8+2+9+48+0+0+9+0+5+8+8+6 = 162 ≡ 8 (mod 11) → "4"
    # 51111119620305041: 35+9+10+5+8+4+2+9+36+6+0+27+0+25+0+16+2 = 194 ≡ 7 → "5" (LI_15 with "19" inserted)
    # 51112319750312018: 35+9+10+5+16+12+2+9+42+15+0+27+10+10+0+4+16 = 222 ≡ 2 → "X"
    # 51112919901231456: 35+9+10+5+16+36+2+9+54+0+7+18+30+5+32+20+12 = 300 ≡ 3 → "9"
    # 51113219550707018: 35+9+10+5+24+8+2+9+30+15+0+63+0+35+0+4+16 = 265 ≡ 1 → "0"
    assert (ZHANG, LI_18, WANG, QIAN, SUN) == (
        "511102198001011234", "511111196203050415", "51112319750312018X", "511129199012314569", "511132195507070180",
    )


def test_recipient_ref_normalises_the_id():
    assert recipient_ref(KEY, ZHANG) == ref(ZHANG)
    assert recipient_ref(KEY, LI_15) == recipient_ref(KEY, LI_18) == ref(LI_18)
    assert recipient_ref(KEY, WANG.lower()) == recipient_ref(KEY, f"  {WANG} ") == ref(WANG)
    full_width = ZHANG.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert recipient_ref(KEY, full_width) == ref(ZHANG)
    assert recipient_ref(KEY, BAD_CHECK) is None
    assert recipient_ref(KEY, "") is None
    assert recipient_ref(KEY, "张三") is None


def test_mask_id():
    assert mask_id(ZHANG) == ZHANG[:4] + "**********" + ZHANG[-4:]
    assert mask_id(LI_15) == LI_15[:4] + "*******" + LI_15[-4:]
    assert mask_id("12345") == "*****"
    assert mask_id("") == ""


def test_ids_excel_stored_as_numbers_are_rejected_not_guessed(tmp_path):
    # A CSV saved from Excel where the ID column was a number: "5.11102E+17", or the digits with 000 at the end.
    truncated = [ZHANG[:15] + "000", QIAN[:15] + "000", SUN[:15] + "000"]
    lucky = next(
        make_id("511102", "19800101", f"{s:03d}")[:15] + "000"
        for s in range(1000)
        if gb11643_check(make_id("511102", "19800101", f"{s:03d}")[:15] + "00") == "0"
    )  # truncated, yet its check digit happens to be right
    rows = [HEADER] + [
        [str(i), "某人", id_text, "", "", "", "", f"SW-B-{i}", *PUBLIC_TAIL, "现金", "", "", "", "100", "", ""]
        for i, id_text in enumerate(["5.11102E+17", *truncated, lucky, ZHANG], start=1)
    ]
    path = tmp_path / "t.csv"
    path.write_bytes("\n".join(",".join(r) for r in rows).encode("gb18030"))
    written, rejected = anonymize(path, tmp_path / "out.csv", key=KEY)
    assert written == 1
    assert [r.row for r in rejected] == [2, 3, 4, 5, 6]
    assert "科学计数法" in rejected[0].reason_zh and "scientific" in rejected[0].reason_en
    assert "000" in rejected[4].reason_zh and "Text" in rejected[4].reason_en


def test_xlsx_id_in_a_number_cell_is_rejected(tmp_path):
    path = tmp_path / "t.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER)
    ws.append(["1", "某人", int(ZHANG), *[""] * 4, "SW-C-1", *PUBLIC_TAIL, "现金", "", "", "", 100, "", ""])
    ws.append(["2", "某人", ZHANG, *[""] * 4, "SW-C-2", *PUBLIC_TAIL, "现金", "", "", "", 100, "", ""])
    wb.save(path)
    written, rejected = anonymize(path, tmp_path / "out.csv", key=KEY)
    assert written == 1 and [r.row for r in rejected] == [2]
    assert "科学计数法" in rejected[0].reason_zh


def test_personal_data_in_public_cells_keeps_the_row_out(tmp_path):
    notes = {
        "本人张三领取": "姓名",  # the row's own name
        f"身份证 {ZHANG}": "身份证号",  # any valid ID number
        "卡号 6222 0204 0200 1234 567": "银行卡号",  # the row's own bank card, spaced
        "住沙湾区嘉农镇幸福村3组12号": "住址",  # the row's own address
        "联系 13912345678": "手机号码",  # any mobile number (the build's own detector, warmth.pii)
        "尾号1234，已发放": None,  # fine
    }
    rows = [HEADER] + [
        [str(i), "张三", ZHANG, "13800138000", "6222020402001234567", "沙湾区嘉农镇幸福村3组12号", "",
         f"SW-D-{i}", *PUBLIC_TAIL, "现金", "", "", "", "100", "", note]
        for i, note in enumerate(notes, start=1)
    ]
    path = tmp_path / "t.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    written, rejected = anonymize(path, tmp_path / "out.csv", key=KEY)
    assert written == 1
    assert [r.row for r in rejected] == [2, 3, 4, 5, 6]
    for r, kind in zip(rejected, [k for k in notes.values() if k]):
        assert kind in r.reason_zh
        assert "张三" not in r.reason_zh + r.reason_en and ZHANG not in r.reason_zh + r.reason_en
    # a record_id that is an ID number is caught too
    rows = [HEADER, ["1", "某人", ZHANG, "", "", "", "", QIAN, *PUBLIC_TAIL, "现金", "", "", "", "100", "", ""]]
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    with pytest.raises(AnonymizeError) as exc:
        anonymize(path, tmp_path / "out2.csv", key=KEY)
    assert "记录编号" in str(exc.value) and QIAN not in str(exc.value)
    assert not (tmp_path / "out2.csv").exists()


def test_refusals(tmp_path):
    table = write_csv(tmp_path / "t.csv")
    for bad_out in (tmp_path / "output" / "x.csv", tmp_path / "output" / "data" / "rounds" / "x.csv"):
        with pytest.raises(AnonymizeError) as exc:
            anonymize(table, bad_out, key=KEY)
        assert "output" in str(exc.value)
        assert not bad_out.exists()
    with pytest.raises(AnonymizeError):
        anonymize(table, tmp_path / "ok.csv", key=KEY, rejects=tmp_path / "output" / "rejects.csv")
    site = tmp_path / "site"  # a previous build under another name
    (site / "data").mkdir(parents=True)
    (site / "data" / "SHA256SUMS").write_text("")
    with pytest.raises(AnonymizeError):
        anonymize(table, site / "x.csv", key=KEY)
    with pytest.raises(AnonymizeError):
        anonymize(table, table, key=KEY)
    with pytest.raises(AnonymizeError):
        anonymize(table, tmp_path / "ok.csv", key=KEY, rejects=table)
    with pytest.raises(AnonymizeError):
        anonymize(table, tmp_path / "ok.csv", key=KEY, rejects=tmp_path / "ok.csv")
    with pytest.raises(AnonymizeError):
        anonymize(table, tmp_path / "ok.xlsx", key=KEY)
    with pytest.raises(WarmthError):
        anonymize(table, tmp_path / "ok.csv", key=KEY[:16])
    assert table.read_bytes() == write_csv(tmp_path / "again.csv").read_bytes()


def _refuse(tmp_path, header, rows, needle):
    path = tmp_path / "t.csv"
    path.write_bytes("\n".join(",".join(r) for r in [header, *rows]).encode("utf-8"))
    with pytest.raises(AnonymizeError) as exc:
        anonymize(path, tmp_path / "out.csv", key=KEY)
    assert needle in str(exc.value)
    assert not (tmp_path / "out.csv").exists()
    return exc.value


def test_table_refusals(tmp_path):
    row = ["1", "张三", ZHANG, "", "", "", "", "SW-1", *PUBLIC_TAIL, "现金", "", "", "", "100", "", ""]
    no_id = [h if h != "身份证号" else "证件" for h in HEADER]
    err = _refuse(tmp_path, no_id, [row], "身份证号")
    assert "张三" not in str(err) and ZHANG not in str(err)
    _refuse(tmp_path, [*HEADER, "公民身份号码"], [[*row, ZHANG]], "多个身份证号列")
    _refuse(tmp_path, [h if h != "批次" else "轮次" for h in HEADER], [row], "批次")
    _refuse(tmp_path, [*HEADER, "受助人编码"], [[*row, "ab" * 32]], "受助人编码")
    _refuse(tmp_path, [*HEADER, "区县"], [[*row, "沙湾区"]], "列名重复")
    _refuse(tmp_path, HEADER, [], "没有记录")
    title_row = ["乐山市2012年送温暖实名制汇总表"] + [""] * (len(HEADER) - 1)
    titled = tmp_path / "titled.csv"  # a title above the header is skipped now (issue 11)
    titled.write_bytes("\n".join(",".join(r) for r in [title_row, HEADER, row]).encode("utf-8"))
    assert anonymize(titled, tmp_path / "titled-out.csv", key=KEY) == (1, [])
    _refuse(tmp_path, ["乐山市2012年送温暖实名制汇总表", "", ""], [["张三", ZHANG, "1"]], "找不到身份证号列")
    xls = tmp_path / "t.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    with pytest.raises(WarmthError) as exc:
        anonymize(xls, tmp_path / "out.csv", key=KEY)
    assert ".xlsx" in str(exc.value)


def test_headers_with_spaces_and_english_names(tmp_path):
    header = ["姓  名", "身 份 证 号", "record_id", "round", "date", "district", "disbursing_unit", "fund_source",
              "category", "recipient_group", "aid_type", "AMOUNT_YUAN", "备  注"]
    path = tmp_path / "t.csv"
    path.write_bytes(
        "\n".join(
            [",".join(header), ",".join(["张三", ZHANG, "SW-1", *PUBLIC_TAIL, "cash", "100", "慰问"])]
        ).encode("utf-8")
    )
    written, rejected = anonymize(path, tmp_path / "out.csv", key=KEY)
    assert (written, rejected) == (1, [])
    _, records = read_public(tmp_path / "out.csv")
    assert records[0]["recipient_ref"] == ref(ZHANG) and records[0]["note"] == "慰问" and records[0]["amount_yuan"] == "100"


def test_nothing_publishable(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(
        "\n".join([",".join(HEADER), ",".join(["1", "赵六", BAD_CHECK, *[""] * 4, "SW-1", *PUBLIC_TAIL, "现金", "", "", "", "1", "", ""])]).encode()
    )
    out, rejects = tmp_path / "out.csv", tmp_path / "rejects.csv"
    out.write_bytes(b"previous")
    with pytest.raises(AnonymizeError) as exc:
        anonymize(path, out, key=KEY, rejects=rejects, replace=True)  # even when asked to replace it
    assert exc.value.rejected == [Rejected(2, exc.value.rejected[0].reason_zh, exc.value.rejected[0].reason_en, mask_id(BAD_CHECK))]
    assert mask_id(BAD_CHECK) in str(exc.value) and BAD_CHECK not in str(exc.value)
    assert out.read_bytes() == b"previous"  # left untouched
    assert rejects.exists()


# ---------------------------------------------------------------------- key


def test_keygen(tmp_path):
    path = tmp_path / "secret" / DEFAULT_KEY_NAME
    assert keygen(path) == path
    key = path.read_bytes()
    assert len(key) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == [DEFAULT_KEY_NAME]  # no temp file left
    with pytest.raises(WarmthError) as exc:
        keygen(path)
    assert str(exc.value).index("已存在") < str(exc.value).index("already exists")
    assert path.read_bytes() == key  # not overwritten
    other = keygen(tmp_path / "other.key")
    assert other.read_bytes() != key
    assert load_key(path) == key
    with pytest.raises(WarmthError):
        keygen(tmp_path / "output" / "campaign.key")


def test_load_key(tmp_path, monkeypatch):
    monkeypatch.delenv(KEY_ENV, raising=False)
    with pytest.raises(WarmthError) as exc:
        load_key(None)
    assert KEY_ENV in str(exc.value) and str(exc.value).index("没有") < str(exc.value).index("No key")
    with pytest.raises(WarmthError) as exc:
        load_key(tmp_path / "missing.key")
    assert "找不到" in str(exc.value)

    short = tmp_path / "short.key"
    material = b"s3cr3t-k3y-material-0123456789!"  # 31 bytes
    short.write_bytes(material)
    with pytest.raises(WarmthError) as exc:
        load_key(short)
    message = str(exc.value)
    assert "31" in message and "32" in message
    for leak in (material.decode(), material.hex(), repr(material), material[:8].decode()):
        assert leak not in message
    long = tmp_path / "long.key"
    long.write_bytes(KEY + b"\n")
    with pytest.raises(WarmthError):
        load_key(long)

    good = tmp_path / "good.key"
    good.write_bytes(KEY)
    monkeypatch.setenv(KEY_ENV, str(good))
    assert load_key(None) == KEY
    assert load_key(good) == KEY
    monkeypatch.setenv(KEY_ENV, str(tmp_path / "nope.key"))
    with pytest.raises(WarmthError):
        load_key(None)


def test_key_file_is_ignored_by_git(root):
    if shutil.which("git") is None or not (root / ".git").exists():
        pytest.skip("not a git checkout")
    import subprocess

    for name in (DEFAULT_KEY_NAME, "secret/any.key"):
        assert subprocess.run(["git", "check-ignore", "-q", name], cwd=root, check=False).returncode == 0, name


def test_missing_id_is_rejected_with_a_hint_for_organizations(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(
        "\n".join(
            [",".join(HEADER)]
            + [",".join([str(i), "某厂", id_text, *[""] * 4, f"SW-{i}", *PUBLIC_TAIL, "现金", "", "", "", "1", "", ""]) for i, id_text in ((1, ""), (2, ZHANG))]
        ).encode("gb18030")
    )
    written, rejected = anonymize(path, tmp_path / "out.csv", key=KEY)
    assert written == 1
    assert rejected == [Rejected(2, rejected[0].reason_zh, rejected[0].reason_en, "")]
    assert "为空" in rejected[0].reason_zh and "困难企业" in rejected[0].reason_zh and "empty" in rejected[0].reason_en


def test_output_reached_through_a_symlink_is_refused(tmp_path):
    (tmp_path / "output").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "output")
    with pytest.raises(AnonymizeError):
        anonymize(write_csv(tmp_path / "t.csv"), tmp_path / "link" / "x.csv", key=KEY)
    assert not (tmp_path / "output" / "x.csv").exists()


def test_cli_refuses_to_write_into_the_data_folder(tmp_path, root):
    import os
    import subprocess
    import sys

    from warmth.staff.keys import keygen

    key = keygen(tmp_path / "k" / "campaign.key")
    table = tmp_path / "table.csv"
    table.write_text("姓名,身份证号\n张三,x\n", encoding="utf-8")
    data = tmp_path / "data"
    (data / "rounds" / "2012-01").mkdir(parents=True)
    env = {**os.environ, "PYTHONPATH": str(root / "plugins")}
    result = subprocess.run(
        [sys.executable, "-m", "warmth", "anonymize", "--key", str(key), "--data", str(data), "--table", str(table),
         "--out", str(data / "rounds" / "2012-01" / "x.csv")],
        cwd=root, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 1 and "数据文件夹" in result.stderr and "Traceback" not in result.stderr
    assert not list((data / "rounds" / "2012-01").iterdir())


def test_inconsistent_ids_and_names_are_warnings_in_the_rejects_list(tmp_path):
    """赵六's ID under another name (华), and 张三 of one unit under two IDs: warnings, rows still written."""
    other = make_id("511102", "19850505", "222")
    rows = [
        ["1", "赵六", SUN, "", "", "", "", "SW-B-0001", *PUBLIC_TAIL, "现金", "", "", "", "100", "", ""],
        ["2", "华", SUN, "", "", "", "", "SW-B-0002", *PUBLIC_TAIL, "现金", "", "", "", "200", "", ""],
        ["3", "张三", ZHANG, "", "", "", "", "SW-B-0003", *PUBLIC_TAIL, "现金", "", "", "", "300", "", ""],
        ["4", "张 三", other, "", "", "", "", "SW-B-0004", *PUBLIC_TAIL, "现金", "", "", "", "400", "", ""],
        ["5", "李四", LI_15, "", "", "", "", "SW-B-0005", *PUBLIC_TAIL, "现金", "", "", "", "500", "", ""],
        ["6", "李四", LI_18, "", "", "", "", "SW-B-0006", *PUBLIC_TAIL, "现金", "", "", "", "600", "", ""],  # same person
    ]
    table = tmp_path / "实名制汇总表.csv"
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([HEADER, *rows])
    table.write_bytes(buffer.getvalue().encode("gb18030"))
    out, rejects, warnings = tmp_path / "public.csv", tmp_path / "private" / "rejects.csv", []
    written, rejected = anonymize(table, out, key=KEY, rejects=rejects, warnings=warnings)
    assert (written, rejected) == (6, [])  # warnings keep the rows
    assert [(w.row, w.masked_id, w.warning) for w in warnings] == [
        (2, mask_id(SUN), True),  # one ID, two names: rows 2 and 3 (header = row 1)
        (4, f"{mask_id(ZHANG)} / {mask_id(other)}", True),  # one name and unit, two IDs: rows 4 and 5
    ]
    assert "第 2、3 行" in warnings[0].reason_zh and "姓名" in warnings[0].reason_zh
    assert "第 4、5 行" in warnings[1].reason_zh
    text = rejects.read_bytes().decode("utf-8-sig")
    assert "提醒" in text and text.count("\n") == 3  # header and two warnings
    for secret in ("赵六", "华", "张三", SUN, ZHANG, other):
        assert secret not in text
        assert all(secret not in w.reason_zh + w.reason_en + w.masked_id for w in warnings)


def test_real_name_table_with_a_title_row(tmp_path):
    """The 实名制汇总表 as the city keeps it: a merged title above the header, a 合计 row below."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["沙湾区2012年送温暖专项资金发放实名制汇总表"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    ws.append(HEADER)
    for row in ROWS:
        ws.append(row)
    ws.append(["合计"] + [""] * (len(HEADER) - 1))
    table = tmp_path / "实名制汇总表.xlsx"
    wb.save(table)
    out = tmp_path / "public.csv"
    written, rejected = anonymize(table, out, key=KEY)
    # the same rows as without a title (test_end_to_end: 张三, 李四 twice, 王五 written), each a row lower
    assert written == 4
    assert [r.row for r in rejected] == [7, 9, 10, 11]  # 赵六, 钱七, 孙八, and the 合计 row (no ID)
    _, public = read_public(out)
    assert {r["record_id"] for r in public} == {"SW-A-0001", "SW-A-0002", "SW-A-0003", "SW-A-0004"}
