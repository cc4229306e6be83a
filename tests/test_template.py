"""Issue 11, item 7: the districts' guide page and the blank template, downloaded, filled in and built."""

from __future__ import annotations

import datetime as dt
import tomllib

from openpyxl import load_workbook

from warmth.core.campaign import load_campaign
from warmth.figures.dataset import read_dataset
from warmth.staff.template import template_workbook

from test_validate import ZH

TEMPLATE = "content/guide/template.xlsx"


def validations(sheet) -> dict[str, str]:
    """First cell of each validated range → its list."""
    return {str(v.sqref).split(":")[0]: v.formula1 for v in sheet.data_validations.dataValidation}


def test_template_has_the_headers_lists_and_text_columns(root):
    book = load_workbook(root / TEMPLATE)
    assert book.sheetnames == ["发放记录"]  # one sheet: a second would be refused
    sheet = book.active
    assert [c.value for c in sheet[1]] == ZH
    assert sheet.max_row == 1 or all(c.value is None for r in sheet.iter_rows(min_row=2) for c in r)  # blank
    campaign = tomllib.loads((root / "data/campaign.toml").read_text(encoding="utf-8"))
    lists = validations(sheet)
    assert lists["D2"] == '"' + ",".join(d["name"] for d in campaign["destinations"]) + '"'  # 区县
    assert lists["B2"] == '"' + ",".join(r["id"] for r in campaign["rounds"]) + '"'  # 批次
    assert lists["F2"] == '"' + ",".join(s["name"] for s in campaign["fund_sources"]) + '"'  # 资金来源
    assert lists["I2"] == '"现金,物资,服务"'  # 救助形式
    assert sheet["A2"].number_format == "@" and sheet["N2"].number_format == "@"  # 记录编号, 受助人编码 as text
    # the committed file is what make template writes from today's campaign.toml
    fresh = template_workbook(load_campaign(root / "data/campaign.toml")).active
    assert [c.value for c in fresh[1]] == ZH and validations(fresh) == lists


def test_filled_in_template_builds(root, data):
    book = load_workbook(root / TEMPLATE)
    sheet = book.active
    values = ["0012", "2012-01", dt.datetime(2012, 1, 5), "沙湾区", "沙湾区总工会", "市总工会配套资金", "生活救助",
              "困难职工", "物资", "大米", 2, "袋", 200, None, dt.datetime(2011, 6, 1), "春节慰问"]
    for i, value in enumerate(values, start=1):
        sheet.cell(2, i, value)
    path = data / "rounds/2012-01/shawan.xlsx"
    path.parent.mkdir(parents=True)
    book.save(path)
    ds = read_dataset(data)
    (record,) = ds.checked.to_dict("records")
    assert record["record_id"] == "0012"  # text column: the leading zeros stay
    assert record["amount_fen"] == 20000 and record["quantity"] == 200 and str(record["date"]) == "2012-01-05"


def test_guide_page_is_published_with_the_template(root, default_site):
    guide = (default_site / "guide/index.html").read_text(encoding="utf-8")
    assert "区县填报说明" in guide and 'href="../guide/template.xlsx"' in guide
    assert "CSV UTF-8" in guide and "WPS" in guide and "LibreOffice" in guide
    assert (default_site / "guide/template.xlsx").read_bytes() == (root / TEMPLATE).read_bytes()
    assert 'href="../guide/"' in (default_site / "about/index.html").read_text(encoding="utf-8")
