"""The disbursement record format: one declared table, used everywhere.

The loader maps headers with it, the validator reads the required flags, the
publisher writes the Frictionless schema from it, and a test checks that README
documents every column. Changing a name here breaks a promise to districts.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    zh: str
    required: str  # "yes", "goods" (required when aid_type is goods) or "no"
    type: str  # Frictionless type of the published column
    description: str


RECORD_COLUMNS: tuple[Column, ...] = (
    Column("record_id", "记录编号", "yes", "string", "Receipt number; unique across all files and rounds."),
    Column("round", "批次", "yes", "string", "Reporting round id; equals the folder the file is in."),
    Column("date", "发放日期", "yes", "date", "Disbursement date, inside the campaign window."),
    Column("district", "区县", "yes", "string", "Destination (district, county or 市直)."),
    Column("disbursing_unit", "发放单位", "yes", "string", "Unit that paid or handed over the aid."),
    Column("fund_source", "资金来源", "yes", "string", "Declared fund source."),
    Column("category", "救助类别", "yes", "string", "Declared aid category."),
    Column("recipient_group", "受助群体", "yes", "string", "Declared recipient group."),
    Column("aid_type", "救助形式", "yes", "string", "cash, goods or service (现金/物资/服务)."),
    Column("item", "物资名称", "goods", "string", "Goods item, e.g. 大米."),
    Column("quantity", "数量", "goods", "number", "Goods quantity, > 0, at most 2 decimals."),
    Column("unit", "计量单位", "goods", "string", "Unit of the quantity, e.g. 袋."),
    Column("amount_yuan", "金额（元）", "yes", "number", "Cash paid or value of goods/service, yuan, ≥ 0, 2 decimals."),
    Column("recipient_ref", "受助人编码", "no", "string", "Pseudonymous recipient id, 32–64 lowercase hex."),
    Column("filed_on", "建档日期", "no", "date", "Date the recipient's hardship file was opened."),
    Column("note", "备注", "no", "string", "Free note, at most 200 characters."),
)

COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in RECORD_COLUMNS)
REQUIRED: tuple[str, ...] = tuple(c.name for c in RECORD_COLUMNS if c.required == "yes")
GOODS_REQUIRED: tuple[str, ...] = tuple(c.name for c in RECORD_COLUMNS if c.required == "goods")

AID_TYPES: dict[str, str] = {"cash": "现金", "goods": "物资", "service": "服务"}
AID_TYPE_ALIASES: dict[str, str] = {**{k: k for k in AID_TYPES}, **{v: k for k, v in AID_TYPES.items()}}

ALLOCATION_COLUMNS: tuple[Column, ...] = (
    Column("fund_source", "资金来源", "yes", "string", "Declared fund source."),
    Column("district", "区县", "yes", "string", "Declared destination."),
    Column("amount_yuan", "金额（元）", "yes", "number", "Amount the source allocated to the destination, yuan."),
)

NOTE_MAX = 200


def normalize_header(text: str) -> str:
    """NFKC, trimmed, case-folded: ``金额(元)`` and ``金额（元）`` are one header."""
    return unicodedata.normalize("NFKC", text).strip().casefold()


def header_map(columns: tuple[Column, ...]) -> dict[str, str]:
    """Normalised English or Chinese header → canonical column name."""
    mapping: dict[str, str] = {}
    for col in columns:
        mapping[normalize_header(col.name)] = col.name
        mapping[normalize_header(col.zh)] = col.name
    return mapping
