"""The blank template districts fill in: `make template` writes content/guide/template.xlsx.

One worksheet (a second one would be refused as ``extra-sheets``), the
Chinese column names in row 1, and for 500 rows below: drop-down lists of the
campaign's own names (rounds, destinations, fund sources, categories, groups,
现金/物资/服务) written into the validation itself — a hidden sheet of names
would be refused as ``hidden-sheet`` —, the 记录编号 and 受助人编码 columns
formatted as text (so Excel never turns an id into a number), dates as dates
and money with two decimals. The guide page (content/pages/guide.md) links
to it; a test fills it in and builds it.

    python -m warmth.staff.template --data data --out content/guide/template.xlsx
"""

from __future__ import annotations

import argparse
import io
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from warmth.core.campaign import Campaign, load_campaign
from warmth.core.layout import CAMPAIGN_FILE
from warmth.core.schema import AID_TYPES, RECORD_COLUMNS

ROWS = 500  # rows prepared below the header
TEXT_COLUMNS = ("record_id", "recipient_ref")
DATE_COLUMNS = ("date", "filed_on")
MONEY_COLUMNS = ("amount_yuan", "quantity")
HEAD = PatternFill("solid", start_color="DDEBF7", end_color="DDEBF7")
LIST_MAX = 255  # Excel's limit for a list written into the validation


def _lists(campaign: Campaign) -> dict[str, list[str]]:
    return {
        "round": campaign.round_ids,
        "district": campaign.names("destinations"),
        "fund_source": campaign.names("fund_sources"),
        "category": campaign.names("categories"),
        "recipient_group": campaign.names("recipient_groups"),
        "aid_type": list(AID_TYPES.values()),
    }


def template_workbook(campaign: Campaign) -> Workbook:
    book = Workbook()
    sheet = book.active
    sheet.title = "发放记录"
    sheet.append([c.zh for c in RECORD_COLUMNS])
    for cell in sheet[1]:
        cell.font, cell.fill = Font(bold=True), HEAD
    sheet.freeze_panes = "A2"
    lists = _lists(campaign)
    for i, column in enumerate(RECORD_COLUMNS, start=1):
        letter = get_column_letter(i)
        area = f"{letter}2:{letter}{ROWS + 1}"
        sheet.column_dimensions[letter].width = 16 if column.name != "note" else 30
        if column.name in lists:
            names = ",".join(lists[column.name])
            if len(names) + 2 > LIST_MAX:
                continue  # too many names for one list: the check names a mistyped one anyway
            check = DataValidation(type="list", formula1=f'"{names}"', allow_blank=True, showDropDown=False)
            check.error = f"请从下拉列表中选择{column.zh}。"
            check.errorTitle = column.zh
            check.prompt = f"请从下拉列表中选择{column.zh}"
            check.showErrorMessage = check.showInputMessage = True
            sheet.add_data_validation(check)
            check.add(area)
        fmt = "@" if column.name in TEXT_COLUMNS else "yyyy-mm-dd" if column.name in DATE_COLUMNS else "0.00" if column.name in MONEY_COLUMNS else None
        if fmt is not None:
            for row in range(2, ROWS + 2):
                sheet.cell(row, i).number_format = fmt
    return book


def template_bytes(campaign: Campaign) -> bytes:
    buffer = io.BytesIO()
    template_workbook(campaign).save(buffer)
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="写出区县填报模板 / write the districts' blank template")
    parser.add_argument("--data", default="data")
    parser.add_argument("--out", default="content/guide/template.xlsx")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(template_bytes(load_campaign(Path(args.data) / CAMPAIGN_FILE)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
