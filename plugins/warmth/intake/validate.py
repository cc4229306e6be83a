"""Validate: check every cell against the record format, vectorised.

`validate_records` turns the loaded text frame into a typed frame (money in
integer fen, dates in ISO form, declared names as ordered categoricals) and
collects a Problem for every malformed cell. Rule *breaches* of the campaign
(earmarks, over-spending, missing hardship files) are not checked here: such
records are valid data, published, and reported as findings elsewhere.

Work is done column by column; values that repeat (dates, names) are parsed
once per distinct value, never once per record.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from warmth.core.campaign import DIMENSIONS, Campaign
from warmth.core.money import AMOUNT_MAX_TEXT, AMOUNT_PATTERN, parse_fen
from warmth.core.problems import Problem
from warmth.core.schema import AID_TYPE_ALIASES, AID_TYPES, COLUMN_NAMES, NOTE_MAX, RECORD_COLUMNS, REQUIRED
from warmth.pii.detect import KINDS, scan_series

# Problems listed per rule; beyond this they are counted, not listed.
LIST_LIMIT = 500

RECORD_ID = r"[A-Za-z0-9_-]{1,64}"
RECIPIENT_REF = r"[0-9a-f]{32,64}"
# A text cell starting with one of these runs as a formula when an auditor
# opens the published CSV in Excel (CSV injection); such cells are refused.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
FREE_TEXT = ("disbursing_unit", "item", "unit", "note")
# scanned for ID, phone and bank-card numbers and e-mail addresses (recipient_ref is hex by rule)
PERSONAL_DATA_SCAN = ("record_id", *FREE_TEXT)
EXCEL_BIG_NUMBER = r"[0-9](?:\.[0-9]+)?[Ee]\+?(?:1[4-9]|[2-9][0-9])"
DATE_PATTERNS = (
    re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?"),
    re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})(?: 00:00(?::00)?)?"),
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日"),
)
ZH = {c.name: c.zh for c in RECORD_COLUMNS}



def parse_date(text: str) -> str | None:
    """One date in any accepted form → ``YYYY-MM-DD``; None if not a real date."""
    for pattern in DATE_PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            try:
                return dt.date(*(int(g) for g in match.groups())).isoformat()
            except ValueError:
                return None
    return None


def map_unique(series: pd.Series, func: Callable[[str], str | None], categories: list[str] | None = None) -> pd.Categorical:
    """Apply ``func`` once per distinct value; the results as a categorical.

    Values for which ``func`` returns None become missing. ``categories`` fixes
    the category order; by default the sorted distinct results.
    """
    codes, uniques = pd.factorize(series, sort=False)
    results = [func(u) for u in uniques]
    if categories is None:
        categories = sorted({r for r in results if r is not None})
    position = {c: i for i, c in enumerate(categories)}
    lookup = np.array([position.get(r, -1) if r is not None else -1 for r in results] + [-1], dtype=np.int64)
    return pd.Categorical.from_codes(lookup[codes], categories=categories)


def fullmatch(series: pd.Series, pattern: str) -> pd.Series:
    """Whole-value regex match with Arrow's RE2 kernel (no per-value Python)."""
    matched = pc.match_substring_regex(pa.array(series, type=pa.large_string()), f"^(?:{pattern})$")
    return pd.Series(matched.to_numpy(zero_copy_only=False), index=series.index, dtype=bool)


def starts_with_any(series: pd.Series, prefixes: tuple[str, ...]) -> pd.Series:
    """True where the text starts with one of the one-character ``prefixes``."""
    first = pc.utf8_slice_codeunits(pa.array(series, type=pa.large_string()), 0, 1)
    hit = pc.is_in(first, value_set=pa.array(prefixes, type=pa.large_string()))
    return pd.Series(hit.to_numpy(zero_copy_only=False), index=series.index, dtype=bool)


class Collector:
    """Collects problems, listing at most LIST_LIMIT per rule but counting all."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.total = 0

    def flag(
        self,
        frame: pd.DataFrame,
        mask: pd.Series,
        column: str,
        rule: str,
        zh: str | Callable[[str], str],
        en: str | Callable[[str], str],
    ) -> None:
        count = int(mask.sum())
        if not count:
            return
        self.total += count
        rows = frame.loc[mask, ["_file", "_row", column]].head(LIST_LIMIT)
        for file, row, value in rows.itertuples(index=False, name=None):
            self.problems.append(
                Problem(
                    str(file), int(row), column, str(value), rule,
                    zh(value) if callable(zh) else zh,
                    en(value) if callable(en) else en,
                )
            )

    def add(self, problem: Problem) -> None:
        self.total += 1
        self.problems.append(problem)


def categorical(series: pd.Series, names: list[str]) -> pd.Categorical:
    """Declared names as an ordered categorical; anything else becomes missing."""
    return map_unique(series, lambda v: v, categories=names)


def _suggest(value: str, names: list[str]) -> str:
    close = difflib.get_close_matches(value, names, n=1, cutoff=0.5)
    if not close:
        close = [n for n in names if value and (value in n or n in value)][:1]
    return close[0] if close else ""


def validate_records(frame: pd.DataFrame, campaign: Campaign) -> tuple[pd.DataFrame, list[Problem], int]:
    """Check and type the records. Returns (typed frame, problems, total count)."""
    out = Collector()
    col = {name: frame[name] for name in COLUMN_NAMES}
    empty = {name: col[name] == "" for name in COLUMN_NAMES}

    for name in REQUIRED:
        out.flag(frame, empty[name], name, "required", f"“{ZH[name]}”必填，不能为空。", f"'{name}' is required.")

    # record_id: format and uniqueness across all files and rounds
    rid = col["record_id"]
    bad = ~empty["record_id"] & ~fullmatch(rid, RECORD_ID)
    out.flag(
        frame, bad, "record_id", "record-id-format",
        "记录编号只能包含字母、数字、“-”和“_”，最长 64 个字符。",
        "record_id may contain only letters, digits, '-' and '_' (at most 64).",
    )
    dup = ~empty["record_id"] & rid.duplicated(keep=False)
    if dup.any():
        first = frame.loc[dup].drop_duplicates("record_id")
        where = dict(zip(first["record_id"], first["_file"].astype(str) + " 第" + first["_row"].astype(str) + "行"))
        repeat = dup & rid.duplicated(keep="first")
        out.flag(
            frame, repeat, "record_id", "duplicate-record-id",
            lambda v: f"记录编号重复，已出现在 {where[v]}。记录编号必须在所有文件和批次中唯一。",
            lambda v: f"Duplicate record_id, first seen at {where[v].replace(' 第', ' row ').rstrip('行')}; ids must be unique.",
        )

    # round: declared, and equal to the folder the file sits in
    declared_rounds = set(campaign.round_ids)
    folder = frame["_folder"].astype(str)
    bad_folder = ~folder.isin(declared_rounds)
    for name in sorted(set(frame.loc[bad_folder, "_file"].astype(str))):
        out.add(
            Problem(
                name, 0, "round", name.split("/")[1] if "/" in name else "", "undeclared-round-folder",
                f"文件所在文件夹不是已声明的批次（{'、'.join(campaign.round_ids)}）。",
                f"The file's folder is not a declared round ({', '.join(campaign.round_ids)}).",
            )
        )
    rnd = col["round"]
    out.flag(
        frame, ~empty["round"] & ~bad_folder & (rnd != folder), "round", "round-folder-mismatch",
        lambda v: f"批次“{v}”与文件所在文件夹不一致。",
        lambda v: f"Round '{v}' differs from the folder the file is in.",
    )

    # dates
    iso = map_unique(col["date"], parse_date)
    bad_date = ~empty["date"] & pd.Series(iso.isna(), index=frame.index)
    out.flag(
        frame, bad_date, "date", "date-format",
        "日期无法识别。请写成 2012-01-05、2012/1/5 或 2012年1月5日。",
        "Unreadable date. Use 2012-01-05, 2012/1/5 or 2012年1月5日.",
    )
    start, end = campaign.start.isoformat(), campaign.end.isoformat()
    in_window = np.array([start <= c <= end for c in iso.categories] + [True])
    outside = pd.Series(~in_window[iso.codes], index=frame.index)
    out.flag(
        frame, outside, "date", "date-outside-window",
        f"发放日期不在活动期间（{start} 至 {end}）内。",
        f"Date is outside the campaign window ({start} to {end}).",
    )
    filed = map_unique(col["filed_on"], parse_date)
    out.flag(
        frame, ~empty["filed_on"] & pd.Series(filed.isna(), index=frame.index), "filed_on", "date-format",
        "建档日期无法识别。请写成 2011-06-01、2011/6/1 或 2011年6月1日。",
        "Unreadable hardship-file date. Use 2011-06-01, 2011/6/1 or 2011年6月1日.",
    )

    # declared names, with a suggestion when a value is close to one
    for column, (kind, label) in DIMENSIONS.items():
        names = campaign.names(kind)
        bad = ~empty[column] & ~col[column].isin(names)
        if bad.any():
            hint = {v: _suggest(v, names) for v in set(col[column][bad])}
            out.flag(
                frame, bad, column, "undeclared-name",
                lambda v, label=label, hint=hint: f"“{v}”不是已声明的{label}。"
                + (f"是否应为“{hint[v]}”？" if hint[v] else "请使用活动配置文件中的名称。"),
                lambda v, column=column, hint=hint: f"'{v}' is not a declared {column}."
                + (f" Did you mean '{hint[v]}'?" if hint[v] else " Use a name from campaign.toml."),
            )

    aid = map_unique(col["aid_type"], AID_TYPE_ALIASES.get, categories=list(AID_TYPES))
    out.flag(
        frame, ~empty["aid_type"] & pd.Series(aid.isna(), index=frame.index), "aid_type", "aid-type",
        "救助形式应为 现金、物资 或 服务（cash、goods、service）。",
        "aid_type must be cash, goods or service (现金/物资/服务).",
    )
    goods = pd.Series(aid == "goods", index=frame.index)
    for name in ("item", "quantity", "unit"):
        out.flag(
            frame, goods & empty[name], name, "goods-required",
            f"救助形式为物资时，“{ZH[name]}”必填。",
            f"'{name}' is required when aid_type is goods.",
        )

    # money and quantities: exact decimal text → integer hundredths
    amount_ok = fullmatch(col["amount_yuan"], AMOUNT_PATTERN)
    out.flag(
        frame, ~empty["amount_yuan"] & ~amount_ok, "amount_yuan", "amount-format",
        f"金额应为 0 至 {AMOUNT_MAX_TEXT} 之间的数字，最多两位小数，例如 1200 或 1200.50。",
        f"amount_yuan must be a number from 0 to {AMOUNT_MAX_TEXT} with at most two decimals, e.g. 1200 or 1200.50.",
    )
    qty_ok = fullmatch(col["quantity"], AMOUNT_PATTERN)
    fen = pd.Series(0, index=frame.index, dtype="int64")
    fen[amount_ok] = parse_fen(col["amount_yuan"][amount_ok])
    qty = pd.Series(0, index=frame.index, dtype="int64")
    qty[qty_ok] = parse_fen(col["quantity"][qty_ok])
    out.flag(
        frame, ~empty["quantity"] & (~qty_ok | (qty <= 0)), "quantity", "quantity-format",
        f"数量应为大于 0、不超过 {AMOUNT_MAX_TEXT} 的数字，最多两位小数。",
        f"quantity must be a number > 0 and at most {AMOUNT_MAX_TEXT}, with at most two decimals.",
    )

    ref = col["recipient_ref"]
    # a hex digest with no letter at all is vanishingly unlikely; an all-digit "ref" is a number pasted in
    out.flag(
        frame, ~empty["recipient_ref"] & (~fullmatch(ref, RECIPIENT_REF) | fullmatch(ref, "[0-9]+")), "recipient_ref", "recipient-ref-format",
        "受助人编码应为 32 至 64 位小写十六进制字符（0-9、a-f）。",
        "recipient_ref must be 32 to 64 lowercase hexadecimal characters.",
    )
    for name in FREE_TEXT:
        out.flag(
            frame, starts_with_any(col[name], FORMULA_START), name, "formula-prefix",
            "文字不能以 = + - @ 或制表符开头（在 Excel 中会被当作公式执行）。",
            "Text must not start with = + - @ or a tab (Excel would run it as a formula).",
        )
    # personal data must never be published: scan every free-text column
    allowed = frozenset(e.lower() for e in [str(campaign.contact.get("email", ""))] if e)
    for name in PERSONAL_DATA_SCAN:
        found = scan_series(col[name], allowed_emails=allowed)
        # Excel shows a long number (an ID typed as a number) as 5.11102198001011E+17: still region and birth date
        excel = fullmatch(col[name], EXCEL_BIG_NUMBER)
        if excel.any():
            extra = pd.DataFrame({"index": frame.index[excel.to_numpy()], "kind": "long-number", "masked": "*" * 8})
            found = pd.concat([found, extra], ignore_index=True) if len(found) else extra
        if len(found):
            out.total += len(found)
            where = frame.loc[found["index"].head(LIST_LIMIT), ["_file", "_row"]]
            for (file, row), kind, masked in zip(where.itertuples(index=False, name=None), found["kind"], found["masked"]):
                zh, en = KINDS[kind]
                out.problems.append(
                    Problem(
                        str(file), int(row), name, masked, "personal-data",
                        f"疑似个人信息（{zh}），不得公开。请删除；受助人只用受助人编码表示。",
                        f"Looks like personal data ({en}) and must not be published. Remove it; use recipient_ref.",
                    )
                )
    out.flag(
        frame, col["note"].str.len() > NOTE_MAX, "note", "note-too-long",
        f"备注最多 {NOTE_MAX} 个字符。", f"note may have at most {NOTE_MAX} characters.",
    )

    typed = pd.DataFrame(
        {
            "record_id": rid,
            "round": categorical(rnd, campaign.round_ids),
            "date": iso,
            "district": categorical(col["district"], campaign.names("destinations")),
            "disbursing_unit": col["disbursing_unit"],
            "fund_source": categorical(col["fund_source"], campaign.names("fund_sources")),
            "category": categorical(col["category"], campaign.names("categories")),
            "recipient_group": categorical(col["recipient_group"], campaign.names("recipient_groups")),
            "aid_type": aid,
            "item": col["item"],
            "quantity": qty,
            "unit": col["unit"],
            "amount_fen": fen,
            "recipient_ref": ref,
            "filed_on": filed,
            "note": col["note"],
            "_file": frame["_file"],
            "_row": frame["_row"],
        },
        index=frame.index,
    )
    return typed, out.problems, out.total


def validate_allocations(frame: pd.DataFrame, campaign: Campaign) -> tuple[pd.DataFrame, list[Problem], int]:
    """Check allocations.csv: declared names, exact amounts, one row per pair."""
    out = Collector()
    for column in ("fund_source", "district", "amount_yuan"):
        out.flag(frame, frame[column] == "", column, "required", "必填，不能为空。", f"'{column}' is required.")
    for column, kind in (("fund_source", "fund_sources"), ("district", "destinations")):
        names = campaign.names(kind)
        bad = (frame[column] != "") & ~frame[column].isin(names)
        out.flag(
            frame, bad, column, "undeclared-name",
            lambda v, names=names: f"“{v}”未在活动配置文件中声明。" + (f"是否应为“{_suggest(v, names)}”？" if _suggest(v, names) else ""),
            lambda v, column=column: f"'{v}' is not a declared {column}.",
        )
    ok = fullmatch(frame["amount_yuan"], AMOUNT_PATTERN)
    out.flag(
        frame, (frame["amount_yuan"] != "") & ~ok, "amount_yuan", "amount-format",
        f"金额应为 0 至 {AMOUNT_MAX_TEXT} 之间的数字，最多两位小数。",
        f"amount_yuan must be a number from 0 to {AMOUNT_MAX_TEXT} with at most two decimals.",
    )
    dup = frame.duplicated(["fund_source", "district"], keep="first") & (frame["fund_source"] != "")
    out.flag(
        frame, dup, "district", "duplicate-allocation",
        "同一资金来源和区县的拨付额重复出现。", "The same fund source and destination appear twice.",
    )
    fen = pd.Series(0, index=frame.index, dtype="int64")
    fen[ok] = parse_fen(frame["amount_yuan"][ok])
    typed = pd.DataFrame(
        {
            "fund_source": categorical(frame["fund_source"], campaign.names("fund_sources")),
            "district": categorical(frame["district"], campaign.names("destinations")),
            "amount_fen": fen,
        },
        index=frame.index,
    )
    return typed, out.problems, out.total
