"""The real-name table (实名制汇总表): which columns are public, which are personal,
and why a row cannot be published.

Nothing personal is ever printed or written: a rejected row is described by its
row number, the reason and a masked ID (first 4 and last 4 characters).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from warmth.core.problems import WarmthError
from warmth.core.schema import PERSONAL_DATA_SCAN, RECORD_COLUMNS, REQUIRED, header_map, normalize_header
from warmth.pii.detect import KINDS as PII_KINDS
from warmth.pii.detect import scan_series
from warmth.pii.idcard import ID15, ID18, normalize_id, plausible_birth

COLUMN_ZH = {c.name: c.zh for c in RECORD_COLUMNS}
PUBLIC_COLUMNS = tuple(c.name for c in RECORD_COLUMNS)


def _key(text: str) -> str:
    """Header matching: NFKC, case-folded, and no spaces at all (``身 份 证 号`` is common in forms)."""
    return re.sub(r"\s+", "", normalize_header(text))


ID_HEADERS = frozenset(
    _key(h)
    for h in (
        "身份证号", "身份证号码", "证件号码", "公民身份号码", "id_number",
        "身份证", "证件号", "居民身份证号码", "公民身份证号码", "身份证件号码",
    )
)
DATE_HEADERS = frozenset(normalize_header(h) for c in RECORD_COLUMNS if c.type == "date" for h in (c.name, c.zh))
PUBLIC_HEADERS = {_key(k): v for k, v in header_map(RECORD_COLUMNS).items()}

# Dropped columns whose values must not show up in any public cell of their row:
# kind, Chinese label, parts of Chinese headers, whole English headers.
PERSONAL_KINDS = (
    ("id", "身份证号", ("身份证", "证件号", "身份号码"), ()),
    ("name", "姓名", ("姓名", "名字", "收款人", "领款人", "领取人", "户名", "联系人"), ("name", "full_name", "payee")),
    ("phone", "电话", ("电话", "手机", "联系方式", "微信"), ("phone", "mobile", "tel", "telephone", "wechat", "qq")),
    ("bank", "银行卡号", ("卡号", "账号", "帐号", "银行卡"), ("bank_card", "bank_account", "account")),
    ("address", "住址", ("住址", "地址"), ("address",)),
)
MIN_LEN = {"name": 2, "phone": 5, "bank": 7, "address": 8, "id": 7}
KIND_ZH = {kind: zh for kind, zh, _, _ in PERSONAL_KINDS}
KIND_EN = {"name": "name", "phone": "phone number", "bank": "bank card number", "address": "address", "id": "ID number"}
SCIENTIFIC = re.compile(r"\d(\.\d+)?E\+?\d+", re.IGNORECASE)


class AnonymizeError(WarmthError):
    """The table cannot be anonymized; ``rejected`` lists rows refused so far (masked)."""

    def __init__(self, message: str, rejected: list[Rejected] | None = None):
        self.rejected = rejected or []
        super().__init__(message)


@dataclass(frozen=True)
class Rejected:
    """A row left out of the public file, described for staff without personal data."""

    row: int
    reason_zh: str
    reason_en: str
    masked_id: str
    warning: bool = False  # the row was written; staff should look at it (anonymize's consistency checks)


def clean_id(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).upper()


def mask_id(text: str) -> str:
    """First 4 and last 4 characters, the rest as ``*``; short values fully masked."""
    text = clean_id(text)
    if len(text) < 12:
        return "*" * len(text)
    return text[:4] + "*" * (len(text) - 8) + text[-4:]


def id_problem(raw: str) -> tuple[str, str] | None:
    """Why an ID cell is unusable, or None when it is a valid ID number."""
    text = clean_id(raw)
    if not text:
        return (
            "身份证号为空（单位受助的记录，如困难企业，没有实名信息，可直接写进批次文件夹的 CSV）",
            "ID number is empty (records of organizations, e.g. 困难企业, have no real-name data: put them straight into the round's CSV)",
        )
    if SCIENTIFIC.fullmatch(text):
        return (
            "身份证号被 Excel 存成了数字（科学计数法），后几位已丢失。请把该列设为“文本”格式，重新输入完整号码",
            "the ID number was stored as a number in Excel (scientific notation) and lost its last digits; "
            "format the column as Text and enter the full number again",
        )
    if normalize_id(text) is not None:
        return None
    if ID18.fullmatch(text):
        if not plausible_birth(text[6:14]):
            return "身份证号中的出生日期无效", "the birth date inside the ID number is not a valid date"
        return "身份证号校验位不对（可能有数字填错）", "the ID number's check character is wrong (a digit may be mistyped)"
    if ID15.fullmatch(text):
        return "15 位身份证号中的出生日期无效", "the birth date inside the 15-digit ID number is not a valid date"
    return (
        "身份证号应为 18 位（最后一位可以是 X）或旧的 15 位数字",
        "an ID number has 18 characters (the last may be X) or, old style, 15 digits",
    )


def _personal_kind(header_key: str) -> str | None:
    for kind, _, parts, whole in PERSONAL_KINDS:
        if header_key in whole or any(p in header_key for p in parts):
            return kind
    return None


def own_leaks(public: dict[str, str], personal: list[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """(public column, kind zh, kind en) for every public cell holding this row's own name, ID, phone, card or address."""
    own = []
    for kind, value in personal:
        value = clean_id(value).replace("-", "")
        if len(value) >= MIN_LEN[kind]:
            own.append((kind, value))
    found = []
    for column, cell in public.items():
        if not cell or column == "recipient_ref":
            continue
        text = clean_id(cell)
        flat = text.replace("-", "")
        for kind in dict.fromkeys(kind for kind, value in own if value in flat or value in text):
            found.append((column, KIND_ZH[kind], KIND_EN[kind]))
    return found


def scanned_leaks(rows: list[tuple[int, list[str]]], public: dict[str, int]) -> dict[int, list[tuple[str, str, str]]]:
    """Position → (column, kind zh, kind en): what the build's personal-data scan would refuse.

    The very detector the validator runs (`pii.scan_series` over
    `validate.PERSONAL_DATA_SCAN`), so a file this writes never fails the build
    on personal data, and the staff learn about it with the real-name table's row.
    """
    import pandas as pd

    found: dict[int, list[tuple[str, str, str]]] = {}
    for column in PERSONAL_DATA_SCAN:
        index = public.get(column)
        if index is None:
            continue
        values = pd.Series([cells[index] for _, cells in rows], dtype="str")
        hits = scan_series(values)
        for position, kind in zip(hits["index"], hits["kind"]):
            zh, en = PII_KINDS[kind]
            found.setdefault(int(position), []).append((column, zh, en))
    return found




# ----------------------------------------------------------------- header


@dataclass(frozen=True)
class Layout:
    public: dict[str, int]  # public column → index in the table
    id_index: int
    personal: list[tuple[str, int]]  # (kind, index) of dropped personal columns
    dropped: list[str]  # headers of every dropped column


def read_layout(header: list[str]) -> Layout:
    public: dict[str, int] = {}
    ids: list[int] = []
    duplicates: list[str] = []
    for i, cell in enumerate(header):
        key = _key(cell)
        name = PUBLIC_HEADERS.get(key)
        if name is not None:
            if name in public:
                duplicates.append(f"{name}（{COLUMN_ZH[name]}）")
            public[name] = i
        elif key in ID_HEADERS:
            ids.append(i)
    if not ids:
        raise AnonymizeError(
            "找不到身份证号列。表头（标题行下面写着列名的那一行）里，身份证号所在列的列名应为"
            "“身份证号”“身份证号码”“证件号码”或“公民身份号码”。\n"
            "No ID number column found. In the header (the row of column names, below any title), the ID column "
            "must be named 身份证号, 身份证号码, 证件号码, 公民身份号码 or id_number."
        )
    if len(ids) > 1:
        names = "、".join(f"第 {i + 1} 列" for i in ids)
        raise AnonymizeError(
            f"有多个身份证号列（{names}），无法确定用哪一列。请只保留一列。\n"
            f"More than one ID number column (columns {', '.join(str(i + 1) for i in ids)}); keep only one."
        )
    if duplicates:
        raise AnonymizeError(f"列名重复：{'、'.join(duplicates)}。\nColumns appear twice: {', '.join(duplicates)}.")
    if "recipient_ref" in public:
        raise AnonymizeError(
            "实名制汇总表不应有“受助人编码”列：编码由身份证号计算得出。请删除该列后重试。\n"
            "The real-name table must not have a recipient_ref (受助人编码) column: refs are computed from the ID number. Remove it."
        )
    missing = [name for name in REQUIRED if name not in public]
    if missing:
        zh = "、".join(f"“{COLUMN_ZH[n]}”" for n in missing)
        raise AnonymizeError(
            f"缺少必需的列：{zh}。公开记录的列名见说明文档（中文或英文列名均可）。\n"
            f"Required columns are missing: {', '.join(missing)}. See the README for the record columns (Chinese or English names)."
        )
    used = set(public.values()) | set(ids)
    personal = []
    dropped = []
    for i, cell in enumerate(header):
        if i in used:
            continue
        dropped.append(cell or f"（第 {i + 1} 列）")
        kind = _personal_kind(_key(cell))
        if kind is not None:
            personal.append((kind, i))
    personal.append(("id", ids[0]))
    return Layout(public, ids[0], personal, dropped)

