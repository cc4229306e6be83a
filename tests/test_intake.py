"""Staff intake end to end: Excel exports, GB18030, NFKC, personal data, make check."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook

from warmth.core.problems import DataError
from warmth.figures.dataset import read_dataset

from independent import gb11643_check, read_rows, yuan
from test_validate import EN, ZH, row, write_csv


def tree_digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def cli(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root / "plugins")}
    return subprocess.run([sys.executable, "-m", "warmth", *args], cwd=root, env=env, capture_output=True, text=True, timeout=600)


def valid_id(prefix17: str = "51110219900101123") -> str:
    """A valid ID (check character from the ISO 7064 formula, not from the code under test)."""
    return prefix17 + gb11643_check(prefix17)


def test_gb18030_export_with_chinese_headers_builds(small_data):
    path = small_data / "rounds/2012-01/jingyan.csv"
    rows = read_rows(path)  # the generator already writes this file like Excel's plain "CSV"
    path.write_bytes(path.read_bytes().decode("gb18030").encode("gb18030"))
    assert not path.read_bytes().startswith(b"\xef\xbb\xbf")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    ds = read_dataset(small_data)
    mine = ds.checked[ds.checked["_file"] == "rounds/2012-01/jingyan.csv"]
    assert len(mine) == len(rows)
    assert int(mine["amount_fen"].sum()) == int(sum(yuan(r["amount_yuan"]) for r in rows) * 100)


def test_xlsx_export_builds_like_its_csv(small_data):
    path = small_data / "rounds/2012-02/shawan.csv"
    rows = read_rows(path)
    book = Workbook()
    sheet = book.active
    sheet.append(ZH)
    import datetime as dt

    for r in rows:
        cells = [r[c] for c in EN]
        y, m, d = (int(x) for x in r["date"].split("-"))
        cells[EN.index("date")] = dt.datetime(y, m, d)  # a real Excel date cell
        cells[EN.index("amount_yuan")] = float(r["amount_yuan"])  # a number cell
        if r["quantity"]:
            cells[EN.index("quantity")] = float(r["quantity"])
        sheet.append(cells)
    book.save(small_data / "rounds/2012-02/shawan.xlsx")
    path.unlink()
    ds = read_dataset(small_data)
    mine = ds.checked[ds.checked["_file"] == "rounds/2012-02/shawan.xlsx"].set_index("record_id")
    assert len(mine) == len(rows)
    for r in rows:
        assert mine.loc[r["record_id"], "amount_fen"] == int(yuan(r["amount_yuan"]) * 100)
        assert str(mine.loc[r["record_id"], "date"]) == r["date"]
    assert list(mine["_row"])[:2] == [2, 3]


def test_full_width_values_are_normalised(tmp_path, root):
    data = tmp_path / "data"
    data.mkdir()
    (data / "campaign.toml").write_bytes((root / "data/campaign.toml").read_bytes())
    write_csv(data / "rounds/2012-01/a.csv", EN, [row(amount_yuan="１，２００．５０", district="沙湾区\u3000", record_id="Ａ-1")])
    ds = read_dataset(data)
    assert ds.records["amount_fen"].tolist() == [120050]
    assert ds.records["record_id"].tolist() == ["A-1"]
    assert ds.records["district"].astype(str).tolist() == ["沙湾区"]


def test_personal_data_stops_the_build_masked(tmp_path, root, small_data):
    ident = valid_id()
    path = small_data / "rounds/2012-01/shawan.csv"
    rows = read_rows(path)
    rows[2]["note"] = f"身份证{ident}"
    rows[4]["disbursing_unit"] = "联系人13912345678"
    import csv

    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    result = cli(root, "build", "--data", str(small_data), "--output", str(tmp_path / "site"))
    assert result.returncode == 1
    assert "personal-data" in result.stderr and "第4行" in result.stderr and "第6行" in result.stderr
    assert ident not in result.stderr and "13912345678" not in result.stderr
    assert ident[:4] in result.stderr and ident[-4:] in result.stderr
    assert not (tmp_path / "site").exists()


def test_personal_data_column_is_refused(tmp_path, root):
    data = tmp_path / "data"
    data.mkdir()
    (data / "campaign.toml").write_bytes((root / "data/campaign.toml").read_bytes())
    write_csv(data / "rounds/2012-01/a.csv", EN + ["姓名"], [row() + ["张三"]])
    with pytest.raises(DataError) as err:
        read_dataset(data)
    assert [(p.column, p.rule) for p in err.value.problems] == [("姓名", "personal-data-column")]


def test_make_check_reports_without_touching_anything(tmp_path, root, small_data):
    before = tree_digest(small_data)
    ok = cli(root, "check", "--data", str(small_data))
    assert ok.returncode == 0 and "检查通过" in ok.stdout

    path = small_data / "rounds/2012-01/shawan.csv"
    rows = read_rows(path)
    rows[1]["amount_yuan"] = "12.345"
    rows[3]["district"] = "沙湾"
    import csv

    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    before = tree_digest(small_data)
    reports = tmp_path / "reports"
    bad = cli(root, "check", "--data", str(small_data), "--report", str(reports))
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    assert "第3行" in bad.stderr and "第5行" in bad.stderr and "沙湾区" in bad.stderr
    assert tree_digest(small_data) == before
    (report,) = reports.iterdir()  # one workbook per file with problems: the file as typed, bad cells marked
    assert report.name == "2012-01-shawan.csv.problems.xlsx"
    from openpyxl import load_workbook

    sheet = load_workbook(report)["原表（已标出问题）"]
    header = [c.value for c in sheet[1]]
    assert header == [*rows[0], "需要修改"]  # this file's English header, as typed
    amount, district = header.index("amount_yuan") + 1, header.index("district") + 1
    assert sheet.cell(3, amount).value == 12.345 and sheet.cell(3, amount).fill.start_color.rgb == "00FFC7CE"
    assert sheet.cell(5, district).value == "沙湾" and "【区县】" in sheet.cell(5, district).comment.text
    fixes = {r: sheet.cell(r, len(header)).value for r in range(2, sheet.max_row + 1) if sheet.cell(r, len(header)).value}
    assert list(fixes) == [3, 5] and "最多两位小数" in fixes[3] and "沙湾区" in fixes[5]
    assert sheet.cell(3, 1).value == rows[1]["record_id"]

    refused = cli(root, "check", "--data", str(small_data), "--report", str(small_data / "report"))
    assert refused.returncode == 1 and tree_digest(small_data) == before


def test_check_one_incoming_file_against_existing_records(tmp_path, root, small_data):
    # an id of another destination's file (ids repeated against the file this one replaces — 沙湾区's — are not duplicates)
    existing = read_rows(small_data / "rounds/2012-01/jingyan.csv")
    incoming = tmp_path / "incoming.csv"
    write_csv(incoming, ZH, [row(record_id="NEW-1"), row(record_id=existing[0]["record_id"]), row(record_id="NEW-2", date="2012/2/30")])
    report = tmp_path / "问题.xlsx"
    result = cli(root, "check", "--data", str(small_data), "--file", str(incoming), "--report", str(report))
    assert result.returncode == 1
    assert "duplicate-record-id" in result.stderr and "date-format" in result.stderr
    from openpyxl import load_workbook

    book = load_workbook(report)
    assert book.sheetnames[0] == "问题汇总"
    sheet = book["原表（已标出问题）"]  # the district's own sheet, with a column saying what to fix
    assert [c.value for c in sheet[1]] == [*ZH, "需要修改"]
    assert [r for r in range(2, sheet.max_row + 1) if sheet.cell(r, len(ZH) + 1).value] == [3, 4]
    assert sheet.cell(3, 1).comment.text.startswith("【记录编号】记录编号重复")
    assert sheet.cell(4, ZH.index("发放日期") + 1).comment.text.startswith("【发放日期】日期无法识别")
    good = tmp_path / "good.csv"
    write_csv(good, EN, [row(record_id="NEW-9")])
    assert cli(root, "check", "--data", str(small_data), "--file", str(good)).returncode == 0


def test_no_full_number_in_any_message(tmp_path, root):
    """A headerless real-name table checked by mistake: its first row becomes 'column names'."""
    ident = valid_id()
    data = tmp_path / "data"
    data.mkdir()
    (data / "campaign.toml").write_bytes((root / "data/campaign.toml").read_bytes())
    path = data / "rounds/2012-01/a.csv"
    path.parent.mkdir(parents=True)
    path.write_text(f"张三,{ident},13912345678\n李四,{ident},13912345679\n", encoding="utf-8")
    write_csv(data / "rounds/2012-01/b.csv", EN, [row(district=ident), row(record_id="B-2", round="13912345678")])
    result = cli(root, "check", "--data", str(data), "--report", str(tmp_path / "rep"))
    assert result.returncode == 1
    from openpyxl import load_workbook

    def text_of(path):  # every cell and every comment of a report workbook
        cells = [c for sheet in load_workbook(path).worksheets for line in sheet.iter_rows() for c in line]
        return "\n".join(str(c.value or "") + (c.comment.text if c.comment else "") for c in cells)

    reports = sorted((tmp_path / "rep").iterdir())
    assert len(reports) == 2
    for text in [result.stderr, *(text_of(p) for p in reports)]:
        assert ident not in text and "13912345678" not in text


@pytest.mark.parametrize(
    "change, column",
    [
        (dict(recipient_ref="5111021980010112341391234567800012"), "recipient_ref"),
        (dict(note="5.11102198001011E+17"), "note"),
        (dict(note="电话139.1234.5678"), "note"),
        (dict(note="证件511102/19800101/1234"), "note"),
    ],
)
def test_numbers_in_disguise_are_refused(tmp_path, root, change, column):
    data = tmp_path / "data"
    data.mkdir()
    (data / "campaign.toml").write_bytes((root / "data/campaign.toml").read_bytes())
    write_csv(data / "rounds/2012-01/a.csv", EN, [row(), row(**{"record_id": "A-2", **change})])
    with pytest.raises(DataError) as err:
        read_dataset(data)
    assert [(p.row, p.column) for p in err.value.problems] == [(3, column)]


def test_bare_cr_and_nul_take_the_careful_reader(tmp_path, root):
    data = tmp_path / "data"
    data.mkdir()
    (data / "campaign.toml").write_bytes((root / "data/campaign.toml").read_bytes())
    import csv
    import io

    def line(**kw):
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerow(row(**kw))
        return buffer.getvalue()

    path = data / "rounds/2012-01/a.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(
        (",".join(EN) + "\n" + line(record_id="A-1").rstrip("\n") + "\r" + line(record_id="A-2") + "\n" + line(record_id="A-3", amount_yuan="x")).encode()
    )
    with pytest.raises(DataError) as err:
        read_dataset(data)
    assert [(p.row, p.rule) for p in err.value.problems] == [(5, "amount-format")]
    path.write_bytes((",".join(EN) + "\n" + line(note="春节\x00慰问")).encode())
    with pytest.raises(DataError) as err:
        read_dataset(data)
    assert [p.rule for p in err.value.problems] == ["binary"]


def test_check_report_is_safe_in_excel_and_never_inside_a_site(tmp_path, root, small_data, default_site):
    incoming = tmp_path / "in.csv"
    write_csv(incoming, EN, [row(record_id="N-1", note='=HYPERLINK("http://evil.example")')])
    report = tmp_path / "r.xlsx"
    assert cli(root, "check", "--data", str(small_data), "--file", str(incoming), "--report", str(report)).returncode == 1
    from openpyxl import load_workbook

    cells = [c for sheet in load_workbook(report).worksheets for r in sheet.iter_rows() for c in r]
    assert not any(c.data_type == "f" for c in cells)
    assert any(str(c.value).startswith("=HYPERLINK") and c.data_type == "s" and c.quotePrefix for c in cells)
    inside = cli(root, "check", "--data", str(small_data), "--file", str(incoming), "--report", str(default_site / "data" / "r.csv"))
    assert inside.returncode == 1 and not (default_site / "data" / "r.csv").exists()
