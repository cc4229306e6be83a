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

from warmth.core.dates import parse_date
from warmth.core.layout import CORRECTIONS_FILE
from warmth.core.problems import Problem
from warmth.core.schema import (
    CORRECTION_COLUMNS,
    CORRECTION_NAMES,
    FORMULA_START,
    HISTORY_KEYS,
    RECORD_COLUMNS,
    header_map,
    normalize_header,
)
from warmth.intake.cells import Collector, starts_with_any
from warmth.intake.load import read_table

FIELDS_CORRECTABLE = (
    "date", "district", "disbursing_unit", "fund_source", "category", "recipient_group", "aid_type",
    "item", "quantity", "unit", "amount_yuan", "recipient_ref", "filed_on", "note",
)
WITHDRAW = "withdrawn"  # field value meaning: withdraw the record (new_value empty or "true"; old_value empty)
WITHDRAW_ALIASES = frozenset(normalize_header(a) for a in (WITHDRAW, "withdraw", "撤回", "撤销"))
WITHDRAW_TRUE = ("", "true")


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

    out = Collector()

    def flag(mask: pd.Series, column: str, code: str, /, **values) -> None:
        out.flag(frame, mask, column, code, **values)

    empty = {c: frame[c] == "" for c in CORRECTION_NAMES}
    for col in CORRECTION_COLUMNS:
        if col.required == "yes":
            if col.name == "reason":
                flag(empty["reason"], "reason", "correction-reason-required")
            else:
                flag(empty[col.name], col.name, "required", label=col.zh, column=col.name)

    for name in ("correction_id", "old_value", "new_value", "reason"):  # published as written in /data/corrections.csv
        flag(starts_with_any(frame[name], FORMULA_START), name, "formula-prefix")

    cid = frame["correction_id"]
    repeat = ~empty["correction_id"] & cid.duplicated(keep="first")
    if repeat.any():
        first_row = dict(zip(cid[~cid.duplicated(keep="first")], frame["_row"][~cid.duplicated(keep="first")]))
        flag(repeat, "correction_id", "duplicate-correction-id", per_value=lambda v: {"first": first_row[v]})

    fields = frame["field"].map(canonical_field)
    flag(~empty["field"] & fields.isna(), "field", "correction-field",
         fields="、".join(FIELDS_CORRECTABLE), fields_en=", ".join(FIELDS_CORRECTABLE), withdraw=WITHDRAW)
    withdraw = fields == WITHDRAW
    flag(withdraw & ~frame["new_value"].str.casefold().isin(WITHDRAW_TRUE), "new_value", "correction-withdraw-values", variant="new")
    flag(withdraw & ~empty["old_value"], "old_value", "correction-withdraw-values", variant="old")
    frame["field"] = fields.where(fields.notna(), frame["field"]).astype(object)

    iso = frame["date"].map(lambda v: parse_date(v) if v else None)
    flag(~empty["date"] & iso.isna(), "date", "date-format", variant="correction")
    frame["date"] = iso.where(iso.notna(), frame["date"]).astype(object)

    rounds = list(campaign.round_ids)
    flag(~empty["round"] & ~frame["round"].isin(rounds), "round", "undeclared-round", rounds="、".join(rounds), rounds_en=", ".join(rounds))
    return frame, problems + out.problems


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

    def problem(code: str, row, column: str, value, **values) -> None:
        problems.append(Problem.of(code, file, row, column, value, **values))

    for c in order.to_dict("records"):
        field, rid, row = c["_field"], c["record_id"], c["_row"]
        history.append(
            {k: (field if k == "field" else c["_key"] if k == "date" else c[k]) for k in HISTORY_KEYS}
        )
        if field != WITHDRAW and field not in FIELDS_CORRECTABLE:
            continue  # reported by load_corrections
        labels = rows_of.get(rid)
        if not labels:
            problem("correction-unknown-record", row, "record_id", rid, record_id=rid)
            continue
        if any(label in withdrawn for label in labels):
            problem("correction-withdrawn-record", row, "record_id", rid, record_id=rid)
            continue
        if field == WITHDRAW:
            withdrawn.update(labels)
            continue
        old, new = _norm(c["old_value"]), _norm(c["new_value"])
        current = [_norm(v) for v in touched.loc[labels, field]]
        if any(value != old for value in current):
            shown = current[0] if len(set(current)) == 1 else " / ".join(current)
            problem("correction-old-value-mismatch", row, "old_value", c["old_value"],
                    old=c["old_value"], record_id=rid, field=field, current=shown)
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
