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

# data/corrections.csv (input) and /data/corrections.csv (published, the corrections applied)
CORRECTION_COLUMNS: tuple[Column, ...] = (
    Column("correction_id", "更正编号", "yes", "string", "Correction number; unique in the file."),
    Column("record_id", "记录编号", "yes", "string", "The published record corrected or withdrawn."),
    Column("field", "字段", "yes", "string", "The record column corrected, or 'withdrawn'."),
    Column("old_value", "原值", "no", "string", "The value as published (empty for a withdrawal)."),
    Column("new_value", "新值", "no", "string", "The corrected value (empty or 'true' for a withdrawal)."),
    Column("reason", "更正说明", "yes", "string", "Why the record is corrected; published."),
    Column("date", "更正日期", "yes", "date", "Date of the correction; corrections apply in date order."),
    Column("round", "批次", "yes", "string", "Declared round in which the correction is published."),
)
CORRECTION_NAMES = tuple(c.name for c in CORRECTION_COLUMNS)
# /data/corrections.csv has the same columns, one row per correction applied.
HISTORY_KEYS = CORRECTION_NAMES

# data/redactions.csv (input): values taken down after publication (README "Taking down personal data").
# It names where a value was, never the value: there is no column that could hold it.
REDACTION_COLUMNS: tuple[Column, ...] = (
    Column("redaction_id", "删除编号", "yes", "string", "Redaction number; unique; letters, digits, '-', '_'."),
    Column("target", "对象", "yes", "string", "A record_id, sha256:<SHA-256 of a record_id>, correction:<correction_id> or file:<SHA-256 of an input file>."),
    Column("field", "字段", "yes", "string", "The column whose value is removed (a record's text column or record_id; old_value, new_value or reason; name)."),
    Column("reason", "删除理由", "yes", "string", "Why the value is taken down; published in the ledger."),
    Column("date", "删除日期", "yes", "date", "Date of the redaction."),
)
REDACTION_NAMES = tuple(c.name for c in REDACTION_COLUMNS)
# What a removed value becomes in every published file (a record_id becomes REDACTED_ID_PREFIX + redaction_id).
REDACTED_MARK = "[已删除]"
REDACTED_ID_PREFIX = "redacted-"

# data/submissions.csv: when each report arrived (optional)
SUBMISSION_COLUMNS: tuple[Column, ...] = (
    Column("round", "批次", "yes", "string", "Reporting round id."),
    Column("district", "区县", "yes", "string", "Declared destination."),
    Column("received_on", "收到日期", "yes", "date", "Date the round's report from the destination was received."),
)

# --- published tables (besides the records, published with RECORD_COLUMNS) ---------

# /data/summary/by-<dimension>.csv
SUMMARY_COLUMNS: tuple[Column, ...] = (
    Column("name", "名称", "no", "string", "Destination, fund source, category, group, aid type or round."),
    Column("records", "记录数", "no", "integer", "Records."),
    Column("amount_yuan", "金额（元）", "no", "number", "Sum of amount_yuan; empty when the destination or round has not reported."),
)
# /data/summary/allocated-vs-disbursed.csv
ALLOCATED_VS_DISBURSED_COLUMNS: tuple[Column, ...] = (
    Column("fund_source", "资金来源", "no", "string", "Declared fund source."),
    Column("district", "区县", "no", "string", "Declared destination."),
    Column("allocated_yuan", "拨付（元）", "no", "number", "Allocated."),
    Column("disbursed_yuan", "发放（元）", "no", "number", "Disbursed; empty when the destination has not reported."),
    Column("balance_yuan", "结余（元）", "no", "number", "Allocated minus disbursed; empty when not reported."),
)
# /data/findings.csv
FINDINGS_COLUMNS: tuple[Column, ...] = (
    Column("rule", "规则", "no", "string", "Finding rule code."),
    Column("severity", "严重程度", "no", "string", "high, medium or low."),
    Column("district", "区县", "no", "string", "Destination(s) concerned."),
    Column("fund_source", "资金来源", "no", "string", "Fund source concerned, if any."),
    Column("records", "记录数", "no", "integer", "Records concerned."),
    Column("amount_yuan", "金额（元）", "no", "number", "Money concerned."),
    Column("record_ids", "记录编号", "no", "string", "Record ids concerned, space-separated."),
    Column("explanation", "说明", "no", "string", "Explanation in Chinese."),
    Column("explanation_en", "explanation", "no", "string", "Explanation in English."),
)

NOTE_MAX = 200
# Starts with a letter or digit (an id like "-1-1" would start like a formula in a spreadsheet).
RECORD_ID_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}"
RECIPIENT_REF_PATTERN = r"[0-9a-f]{32,64}"
# Free text typed by districts: checked for formulas and personal data.
FREE_TEXT: tuple[str, ...] = ("disbursing_unit", "item", "unit", "note")
# Scanned for ID, phone and bank-card numbers and e-mail addresses (recipient_ref is hex by rule).
PERSONAL_DATA_SCAN: tuple[str, ...] = ("record_id", *FREE_TEXT)
# A text cell starting with one of these runs as a formula when a spreadsheet
# opens the file (CSV injection): refused in input, never written in output.
FORMULA_START: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
COLUMN_ZH: dict[str, str] = {c.name: c.zh for c in RECORD_COLUMNS}
# Published empty, always (README "Privacy"): they would link records of one person.
# The note column is withheld too unless campaign.toml sets [privacy] publish_notes = true.
WITHHELD_COLUMNS: tuple[str, ...] = ("recipient_ref", "filed_on")


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
