"""An independent reading of the raw input files, for tests to compare against.

Deliberately shares no code with the plugin: the csv module, Decimal, and the
header names copied from the README's record format.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

HEADERS = {
    "记录编号": "record_id", "批次": "round", "发放日期": "date", "区县": "district", "发放单位": "disbursing_unit",
    "资金来源": "fund_source", "救助类别": "category", "受助群体": "recipient_group", "救助形式": "aid_type",
    "物资名称": "item", "数量": "quantity", "计量单位": "unit", "金额(元)": "amount_yuan", "受助人编码": "recipient_ref",
    "建档日期": "filed_on", "备注": "note",
}


def read_rows(path: Path) -> list[dict]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:  # Excel's plain "CSV" on Chinese Windows
        text = raw.decode("gb18030")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [unicodedata.normalize("NFKC", h).strip() for h in next(reader)]
    header = [HEADERS.get(h, h) for h in header]
    return [dict(zip(header, (v.strip() for v in row))) for row in reader if any(v.strip() for v in row)]


def raw_records(data: Path) -> list[dict]:
    rows = []
    for path in sorted((data / "rounds").glob("*/*.csv")):
        rows += read_rows(path)
    return rows


def yuan(value: str) -> Decimal:
    return Decimal(value.replace(",", ""))


def totals(rows: list[dict], key: str | None = None) -> dict:
    """{value of key: (records, Decimal yuan)}; key None gives the grand total."""
    result: dict = defaultdict(lambda: [0, Decimal(0)])
    for row in rows:
        bucket = result[row[key] if key else None]
        bucket[0] += 1
        bucket[1] += yuan(row["amount_yuan"])
    return {k: (v[0], v[1]) for k, v in result.items()}


def shown(amount: Decimal) -> str:
    """How the site must show an amount: ¥1,234,567.89."""
    return f"¥{amount:,.2f}"


TWO_DECIMALS = re.compile(r"\d+\.\d{2}")
