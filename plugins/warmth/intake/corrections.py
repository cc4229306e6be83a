"""Corrections: a published record is never edited in place.

``data/corrections.csv`` states, one row per change, which record's field had
which value, what it becomes and why; or that a record is withdrawn. The
corrections apply to the loaded *text* records before validation, so a
corrected value is checked exactly like a submitted one, and each correction
is kept as history for the corrections page and the record's own history.

A correction names the value it replaces (old_value): a correction written
against a value that is no longer there is refused, never applied blindly.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pandas as pd

from warmth.core.layout import CORRECTIONS_FILE
from warmth.core.problems import Problem
from warmth.core.schema import RECORD_COLUMNS, Column, header_map, normalize_header
from warmth.intake.load import read_table
from warmth.intake.validate import parse_date

FIELDS_CORRECTABLE = (
    "date", "district", "disbursing_unit", "fund_source", "category", "recipient_group", "aid_type",
    "item", "quantity", "unit", "amount_yuan", "recipient_ref", "filed_on", "note",
)
WITHDRAW = "withdrawn"  # field value meaning: withdraw the record (new_value empty or "true"; old_value empty)
WITHDRAW_ALIASES = frozenset(normalize_header(a) for a in (WITHDRAW, "withdraw", "撤回", "撤销"))
WITHDRAW_TRUE = ("", "true")

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
HISTORY_KEYS = ("correction_id", "record_id", "field", "old_value", "new_value", "reason", "date", "round")

# Field names accepted in the field column: English or Chinese record headers, or withdrawal.
_FIELD_MAP = {k: v for k, v in header_map(RECORD_COLUMNS).items() if v in FIELDS_CORRECTABLE}


def canonical_field(text: str) -> str | None:
    """``金额(元)`` / ``amount_yuan`` → ``amount_yuan``; ``撤回`` → ``withdrawn``; None if not correctable."""
    key = normalize_header(text)
    if key in WITHDRAW_ALIASES:
        return WITHDRAW
    return _FIELD_MAP.get(key)


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", str(text)).strip()


def load_corrections(data_dir: Path, campaign) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read ``data/corrections.csv`` → (frame with canonical columns + ``_row`` + ``_file``, problems).

    (None, []) when the file does not exist; (None, problems) when it cannot be
    read. In the frame, ``field`` holds the canonical field name where it is
    correctable (the text as written otherwise) and ``date`` the ISO date where
    it parses (the text as written otherwise).
    """
    path = Path(data_dir) / CORRECTIONS_FILE
    if not path.exists():
        return None, []
    problems: list[Problem] = []
    frame, _digest = read_table(path, CORRECTIONS_FILE, CORRECTION_COLUMNS, problems, require_rows=False)
    if frame is None:
        return None, problems
    frame = frame.reset_index(drop=True)

    def flag(mask: pd.Series, column: str, rule: str, zh, en) -> None:
        for row, value in frame.loc[mask, ["_row", column]].itertuples(index=False, name=None):
            problems.append(
                Problem(CORRECTIONS_FILE, int(row), column, str(value), rule,
                        zh(value) if callable(zh) else zh, en(value) if callable(en) else en)
            )

    empty = {c: frame[c] == "" for c in CORRECTION_NAMES}
    for col in CORRECTION_COLUMNS:
        if col.required == "yes":
            if col.name == "reason":
                flag(empty["reason"], "reason", "correction-reason-required",
                     "更正说明必填：每一处更正都要公开说明理由。",
                     "reason is required: every correction is published with its reason.")
            else:
                flag(empty[col.name], col.name, "required",
                     f"“{col.zh}”必填，不能为空。", f"'{col.name}' is required.")

    cid = frame["correction_id"]
    repeat = ~empty["correction_id"] & cid.duplicated(keep="first")
    if repeat.any():
        first_row = dict(zip(cid[~cid.duplicated(keep="first")], frame["_row"][~cid.duplicated(keep="first")]))
        flag(repeat, "correction_id", "duplicate-correction-id",
             lambda v: f"更正编号重复，已出现在第{first_row[v]}行。更正编号必须唯一。",
             lambda v: f"Duplicate correction_id, first seen at row {first_row[v]}; ids must be unique.")

    fields = frame["field"].map(canonical_field)
    flag(~empty["field"] & fields.isna(), "field", "correction-field",
         lambda v: f"“{v}”不能更正。可更正的字段：{'、'.join(FIELDS_CORRECTABLE)}；撤回记录写 {WITHDRAW}。"
         "记录编号和批次不能更正：请撤回该记录并另报新记录。",
         lambda v: f"'{v}' cannot be corrected. Correctable fields: {', '.join(FIELDS_CORRECTABLE)}; "
         f"'{WITHDRAW}' withdraws the record. record_id and round cannot change: withdraw and report a new record.")
    withdraw = fields == WITHDRAW
    flag(withdraw & ~frame["new_value"].str.casefold().isin(WITHDRAW_TRUE), "new_value", "correction-withdraw-values",
         "撤回记录时“新值”应为空或 true。", "To withdraw a record, new_value must be empty or 'true'.")
    flag(withdraw & ~empty["old_value"], "old_value", "correction-withdraw-values",
         "撤回记录时“原值”应为空。", "To withdraw a record, old_value must be empty.")
    frame["field"] = fields.where(fields.notna(), frame["field"]).astype(object)

    iso = frame["date"].map(lambda v: parse_date(v) if v else None)
    flag(~empty["date"] & iso.isna(), "date", "date-format",
         "更正日期无法识别。请写成 2012-01-05、2012/1/5 或 2012年1月5日。",
         "Unreadable correction date. Use 2012-01-05, 2012/1/5 or 2012年1月5日.")
    frame["date"] = iso.where(iso.notna(), frame["date"]).astype(object)

    rounds = list(campaign.round_ids)
    flag(~empty["round"] & ~frame["round"].isin(rounds), "round", "undeclared-round",
         f"批次不是已声明的批次（{'、'.join(rounds)}）。",
         f"Round is not a declared round ({', '.join(rounds)}).")
    return frame, problems


def apply_corrections(
    raw: pd.DataFrame, corrections: pd.DataFrame | None, file: str = CORRECTIONS_FILE
) -> tuple[pd.DataFrame, list[Problem], list[dict]]:
    """Apply corrections to the loaded text records (before validation).

    Corrections apply in order of (date, correction_id). Each must name an
    existing record and, for a field, the record's current value as old_value
    (compared after NFKC + strip). ``withdrawn`` removes the record. A
    correction that fails is reported and not applied; rows with a field that
    cannot be corrected are skipped here (load_corrections reports them).

    Returns (records without withdrawn ones, same columns and dtypes;
    problems; history: one dict per correction in application order).
    """
    if corrections is None or not len(corrections):
        return raw, [], []
    problems: list[Problem] = []
    history: list[dict] = []

    order = corrections.assign(
        _key=corrections["date"].map(lambda v: parse_date(v) or v),
        _field=corrections["field"].map(lambda v: canonical_field(v) or v),
    ).sort_values(["_key", "correction_id"], kind="stable")

    # Only the records corrected are touched: one vectorised pass picks them out.
    ids = raw["record_id"]
    touched = raw.loc[ids.isin(set(order["record_id"])), ["record_id", *FIELDS_CORRECTABLE]].copy()
    rows_of: dict[str, list] = {}
    for label, rid in touched["record_id"].items():  # the corrected records only, never all records
        rows_of.setdefault(rid, []).append(label)
    withdrawn: set = set()
    changed: set = set()

    def problem(row, column, value, rule, zh, en) -> None:
        problems.append(Problem(file, int(row), column, str(value), rule, zh, en))

    for c in order.to_dict("records"):
        field, rid, row = c["_field"], c["record_id"], c["_row"]
        history.append(
            {k: (field if k == "field" else c["_key"] if k == "date" else c[k]) for k in HISTORY_KEYS}
        )
        if field != WITHDRAW and field not in FIELDS_CORRECTABLE:
            continue  # reported by load_corrections
        labels = rows_of.get(rid)
        if not labels:
            problem(row, "record_id", rid, "correction-unknown-record",
                    f"没有记录编号为“{rid}”的记录，无法更正。", f"No record has record_id '{rid}'; nothing to correct.")
            continue
        if any(label in withdrawn for label in labels):
            problem(row, "record_id", rid, "correction-withdrawn-record",
                    f"记录“{rid}”已被此前的更正撤回，不能再更正。",
                    f"Record '{rid}' was withdrawn by an earlier correction and cannot be corrected.")
            continue
        if field == WITHDRAW:
            withdrawn.update(labels)
            continue
        old, new = _norm(c["old_value"]), _norm(c["new_value"])
        current = [_norm(v) for v in touched.loc[labels, field]]
        if any(value != old for value in current):
            shown = current[0] if len(set(current)) == 1 else " / ".join(current)
            problem(row, "old_value", c["old_value"], "correction-old-value-mismatch",
                    f"原值“{c['old_value']}”与记录“{rid}”的“{field}”当前值“{shown}”不一致，更正未采用。",
                    f"old_value '{c['old_value']}' differs from the current {field} of record '{rid}', "
                    f"'{shown}'; the correction was not applied.")
            continue
        touched.loc[labels, field] = new
        changed.update(labels)

    if not changed and not withdrawn:
        return raw, problems, history
    out = raw.copy()
    if changed:
        labels = list(changed)
        for field in FIELDS_CORRECTABLE:
            differs = touched.loc[labels, field] != raw.loc[labels, field]
            if differs.any():
                out.loc[differs.index[differs], field] = touched.loc[differs.index[differs], field]
    if withdrawn:
        out = out.loc[~out.index.isin(list(withdrawn))].reset_index(drop=True)
    return out.astype(raw.dtypes.to_dict()), problems, history
