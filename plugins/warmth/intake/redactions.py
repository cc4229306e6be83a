"""Redactions: a value taken down after it was published, keeping the fact but not the value.

``data/redactions.csv`` says, one row per value, *where* a value was — one
text column (or the id) of a record, the old value, new value or reason of a
correction, or the name of an input file — and why; never the value itself
(the file has no column that could hold it). Redactions apply after the
corrections and before validation, like them: every file and page made from
the records shows `REDACTED_MARK` instead of the value, and a record whose id
is removed becomes ``redacted-<redaction_id>``.

A record is named by its id, or — when the id itself is what is removed — by
``sha256:<SHA-256 of the id>``, so that the id appears nowhere in the file.
A ``file:<SHA-256>`` redaction concerns the ledger only (an input file's name
is written nowhere else); ledger/redactions.py resolves it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from warmth.core.dates import parse_date
from warmth.core.files import text_sha256
from warmth.core.layout import REDACTIONS_FILE
from warmth.core.problems import Problem
from warmth.core.schema import (
    CORRECTION_COLUMNS,
    FORMULA_START,
    RECORD_COLUMNS,
    RECORD_ID_PATTERN,
    REDACTED_ID_PREFIX,
    REDACTED_MARK,
    REDACTION_COLUMNS,
    REDACTION_NAMES,
    header_map,
    normalize_header,
)
from warmth.intake.cells import Collector, fullmatch, starts_with_any
from warmth.intake.load import read_table
from warmth.pii.detect import KINDS, scan_series

RECORD_FIELDS = ("disbursing_unit", "item", "unit", "note", "record_id")
CORRECTION_FIELDS = ("old_value", "new_value", "reason")
FILE_FIELD = "name"
ID_MAX = 64 - len(REDACTED_ID_PREFIX)  # redacted-<id> is a valid record id
ID_PATTERN = rf"[A-Za-z0-9][A-Za-z0-9_-]{{0,{ID_MAX - 1}}}"
_HEX = r"[0-9a-fA-F]{64}"

_FIELDS = {
    "record": {k: v for k, v in header_map(RECORD_COLUMNS).items() if v in RECORD_FIELDS},
    "correction": {k: v for k, v in header_map(CORRECTION_COLUMNS).items() if v in CORRECTION_FIELDS},
    "file": {"name": FILE_FIELD, "文件名": FILE_FIELD},
}


@dataclass(frozen=True)
class Redaction:
    """One row of redactions.csv, checked: where a value was, and why it was taken down."""

    id: str
    kind: str  # "record", "correction" or "file"
    target: str  # as the ledger records it: a record id, sha256:<hex>, correction:<id> or file:<hex>
    key: str  # the record id, the SHA-256 (hex) of a record id or of a file, the correction id
    by_hash: bool  # a record named by the SHA-256 of its id
    field: str  # the canonical name of the column (or ``name``)
    reason: str
    date: str  # ISO
    row: int  # in redactions.csv
    round: str | None = None  # the round concerned (the record's folder, the sealed round listing the file)

    @property
    def placeholder(self) -> str:
        """What a removed record id becomes."""
        return REDACTED_ID_PREFIX + self.id

    def ledger_entry(self, value_sha256: str | None) -> dict:
        """As a ledger line records it: never the value, at most its SHA-256."""
        return {"id": self.id, "target": self.target, "field": self.field, "reason": self.reason,
                "date": self.date, "value_sha256": value_sha256}


def _target(text: str) -> tuple[str, str, bool] | None:
    """target text → (kind, key, by_hash); None when it is none of the four forms."""
    if match := re.fullmatch(rf"file:({_HEX})", text):
        return "file", match.group(1).lower(), False
    if match := re.fullmatch(rf"sha256:({_HEX})", text):
        return "record", match.group(1).lower(), True
    if text.startswith("correction:") and text.removeprefix("correction:"):
        return "correction", text.removeprefix("correction:"), False
    if re.fullmatch(RECORD_ID_PATTERN, text):
        return "record", text, False
    return None


def load_redactions(data_dir: Path, campaign) -> tuple[list[Redaction], list[Problem]]:
    """Read ``data/redactions.csv`` → (the well-formed redactions, problems); ([], []) without the file."""
    path = Path(data_dir) / REDACTIONS_FILE
    if not path.exists():
        return [], []
    problems: list[Problem] = []
    frame, _digest = read_table(path, REDACTIONS_FILE, REDACTION_COLUMNS, problems, require_rows=False)
    if frame is None:
        return [], problems
    frame = frame.reset_index(drop=True)
    out = Collector()

    def flag(mask: pd.Series, column: str, code: str, /, **values) -> pd.Series:
        out.flag(frame, mask, column, code, **values)
        return mask

    bad = pd.Series(False, index=frame.index)
    empty = {c: frame[c] == "" for c in REDACTION_NAMES}
    for col in REDACTION_COLUMNS:
        code = "redaction-reason-required" if col.name == "reason" else "required"
        bad |= flag(empty[col.name], col.name, code, **({} if col.name == "reason" else {"label": col.zh, "column": col.name}))
    rid = frame["redaction_id"]
    bad |= flag(~empty["redaction_id"] & ~fullmatch(rid, ID_PATTERN), "redaction_id", "redaction-id-format", max=ID_MAX)
    first = ~rid.duplicated(keep="first")
    first_row = dict(zip(rid[first], frame["_row"][first]))
    out.flag(frame, ~empty["redaction_id"] & ~first, "redaction_id", "duplicate-redaction-id", per_value=lambda v: {"first": first_row[v]})
    bad |= ~first
    for name in ("redaction_id", "reason"):  # recorded in the ledger and published
        bad |= flag(starts_with_any(frame[name], FORMULA_START), name, "formula-prefix")
    bad |= _personal_reasons(frame, campaign, out)

    dates = frame["date"].map(lambda v: parse_date(v) if v else None)
    bad |= flag(~empty["date"] & dates.isna(), "date", "date-format", variant="redaction")
    redactions = []
    for i, row in frame.iterrows():  # redactions.csv is a short, hand-kept list
        target = _target(row["target"]) if row["target"] else None
        if row["target"] and target is None:
            out.add(Problem.of("redaction-target", REDACTIONS_FILE, row["_row"], "target", row["target"]))
            continue
        field = _FIELDS[target[0] if target else "record"].get(normalize_header(row["field"])) if row["field"] else None
        if target and row["field"] and field is None:
            out.add(Problem.of("redaction-field", REDACTIONS_FILE, row["_row"], "field", row["field"], variant=target[0],
                               fields="、".join(RECORD_FIELDS), fields_en=", ".join(RECORD_FIELDS)))
            continue
        if target and field == "record_id" and not target[2]:
            out.add(Problem.of("redaction-names-value", REDACTIONS_FILE, row["_row"], "target", "",
                               target=f"sha256:{text_sha256(target[1])}"))
            continue
        if bad[i] or target is None or field is None:
            continue
        kind, key, by_hash = target
        shown = f"sha256:{key}" if by_hash else f"file:{key}" if kind == "file" else row["target"]
        redactions.append(Redaction(row["redaction_id"], kind, shown, key, by_hash, field, row["reason"], dates[i], int(row["_row"])))
    return redactions, problems + out.problems


def _personal_reasons(frame: pd.DataFrame, campaign, out: Collector) -> pd.Series:
    """A reason is published: it must not hold the personal data it explains (nor any other)."""
    contact = str(campaign.contact.get("email", ""))
    phones = frozenset(str(campaign.contact.get(key, "")) for key in ("phone", "fax")) - {""}
    bad = pd.Series(False, index=frame.index)
    for name in ("reason", "redaction_id"):
        found = scan_series(frame[name], allowed_emails=frozenset([contact.lower()] if contact else []), allowed_phones=phones)
        for index, kind, masked in found.itertuples(index=False, name=None):
            zh, en = KINDS[kind]
            out.add(Problem.of("personal-data", REDACTIONS_FILE, frame.at[index, "_row"], name, masked, kind=zh, kind_en=en))
            bad[index] = True
    return bad


# --- applying them -----------------------------------------------------------------


class _Ids:
    """A frame's record ids as redactions see them: renamed ids, and ids named by their SHA-256."""

    def __init__(self, ids: pd.Series, renames: dict[str, str], hashed: bool) -> None:
        self.ids = ids
        self.hashes = ids.map(text_sha256) if hashed else None
        self.renames = renames  # SHA-256 of an original id → its placeholder
        self.key = ids if not renames else ids.where(~self.hashes.isin(renames.keys()), self.hashes.map(renames))

    def rows(self, r: Redaction) -> pd.Series:
        """Where ``r`` applies: its record, by (current) id, by the SHA-256 of the original id, or already renamed."""
        if not r.by_hash:
            return self.key == r.key
        return (self.hashes == r.key) | (self.ids == self.renames.get(r.key, "\0"))


def apply_redactions(
    raw: pd.DataFrame, frame: pd.DataFrame, history: list[dict], redactions: list[Redaction]
) -> tuple[pd.DataFrame, list[dict], list[Problem], list[Redaction]]:
    """Apply the record and correction redactions (after corrections, before validation).

    ``raw`` is the frame as loaded (a redaction may name a record a correction
    withdrew), ``frame`` the corrected one. Returns (the frame with every
    redacted value replaced, the correction history likewise, problems, every
    redaction with its round set where it names a record). ``file:``
    redactions pass through unchanged; a target that does not exist is a
    ``redaction-unknown-target`` problem.
    """
    if not redactions:
        return frame, history, [], []
    problems: list[Problem] = []
    renames = {r.key: r.placeholder for r in redactions if r.kind == "record" and r.field == "record_id"}
    hashed = any(r.by_hash for r in redactions)
    loaded, current = _Ids(raw["record_id"], renames, hashed), _Ids(frame["record_id"], renames, hashed)
    out = frame.copy()
    history = [dict(h) for h in history]
    resolved = []
    for r in redactions:
        if r.kind == "record":
            found = loaded.rows(r)
            if not found.any():
                problems.append(Problem.of("redaction-unknown-target", REDACTIONS_FILE, r.row, "target", r.target, variant="record"))
                continue
            r = replace(r, round=str(raw.loc[found, "_folder"].iloc[0]))
            rows = current.rows(r)
            out.loc[rows, r.field] = r.placeholder if r.field == "record_id" else REDACTED_MARK
        elif r.kind == "correction":
            mine = [h for h in history if h["correction_id"] == r.key]
            if not mine:
                problems.append(Problem.of("redaction-unknown-target", REDACTIONS_FILE, r.row, "target", r.target,
                                           variant="correction", target=r.key))
                continue
            for h in mine:
                h[r.field] = REDACTED_MARK
        resolved.append(r)
    if renames:
        for h in history:  # a correction of a renamed record names it by its new id
            h["record_id"] = renames.get(text_sha256(h["record_id"]), h["record_id"])
    return out.astype(frame.dtypes.to_dict()), history, problems, resolved
