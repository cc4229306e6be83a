"""Validate: check every cell against the record format, as a table of rules.

`validate_records` parses the loaded text frame once (`Cells`: dates, money,
names, aid types), runs every rule of `RECORD_RULES` over it, and returns a
typed frame (money in integer fen, dates in ISO form, declared names as ordered
categoricals) with a Problem for every malformed cell. Each rule is a small
function named after what it checks; the problem codes it reports are listed
beside it and declared, with their texts, in core/codes.py.

Rule *breaches* of the campaign (earmarks, over-spending, missing hardship
files) are not checked here: such records are valid data, published, and
reported as findings (figures/findings).

Work is done column by column; values that repeat (dates, names) are parsed
once per distinct value, never once per record.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from warmth.core.campaign import DIMENSIONS, Campaign
from warmth.core.dates import parse_date
from warmth.core.money import AMOUNT_MAX_TEXT, AMOUNT_PATTERN, parse_fen
from warmth.core.problems import Problem
from warmth.core.schema import (
    AID_TYPE_ALIASES,
    AID_TYPES,
    COLUMN_NAMES,
    COLUMN_ZH,
    FORMULA_START,
    FREE_TEXT,
    NOTE_MAX,
    PERSONAL_DATA_SCAN,
    RECIPIENT_REF_PATTERN,
    RECORD_ID_PATTERN,
    REQUIRED,
)
from warmth.intake.cells import LIST_LIMIT, Collector, categorical, fullmatch, map_unique, starts_with_any, suggest
from warmth.pii.detect import KINDS, scan_series

# How Excel shows a long number (an ID typed as a number): 5.11102198001011E+17, still region and birth date.
EXCEL_BIG_NUMBER = r"[0-9](?:\.[0-9]+)?[Ee]\+?(?:1[4-9]|[2-9][0-9])"


@dataclass
class Cells:
    """The record columns of one load, parsed once for every rule."""

    frame: pd.DataFrame
    campaign: Campaign
    col: dict[str, pd.Series]  # column → text
    empty: dict[str, pd.Series]  # column → the cell is empty
    folder: pd.Series  # the round folder each file sits in
    date: pd.Categorical  # ISO dates; missing where unreadable
    filed_on: pd.Categorical
    aid: pd.Categorical  # cash / goods / service; missing where unknown
    amount_ok: pd.Series  # amount_yuan matches AMOUNT_PATTERN
    quantity_ok: pd.Series
    fen: pd.Series  # amount in integer fen (0 where malformed)
    quantity: pd.Series  # quantity in hundredths (0 where malformed)
    absent: dict[str, tuple[str, ...]]  # file → columns its header lacks


    @classmethod
    def parse(cls, frame: pd.DataFrame, campaign: Campaign, absent: dict[str, tuple[str, ...]] | None = None) -> Cells:
        col = {name: frame[name] for name in COLUMN_NAMES}
        amount_ok = fullmatch(col["amount_yuan"], AMOUNT_PATTERN)
        quantity_ok = fullmatch(col["quantity"], AMOUNT_PATTERN)
        fen = pd.Series(0, index=frame.index, dtype="int64")
        fen[amount_ok] = parse_fen(col["amount_yuan"][amount_ok])
        quantity = pd.Series(0, index=frame.index, dtype="int64")
        quantity[quantity_ok] = parse_fen(col["quantity"][quantity_ok])
        return cls(
            frame=frame,
            campaign=campaign,
            col=col,
            empty={name: col[name] == "" for name in COLUMN_NAMES},
            folder=frame["_folder"].astype(str),
            date=map_unique(col["date"], parse_date),
            filed_on=map_unique(col["filed_on"], parse_date),
            aid=map_unique(col["aid_type"], AID_TYPE_ALIASES.get, categories=list(AID_TYPES)),
            amount_ok=amount_ok,
            quantity_ok=quantity_ok,
            fen=fen,
            quantity=quantity,
            absent=dict(absent or {}),
        )

    def lacking(self, column: str) -> pd.Series:
        """Rows of files that have no such column (reported once as missing-column, not once per row)."""
        files = [f for f, names in self.absent.items() if column in names]
        if not files:
            return pd.Series(False, index=self.frame.index)
        return pd.Series(self.frame["_file"].astype(str).isin(files).to_numpy(), index=self.frame.index)

    def missing(self, values: pd.Categorical) -> pd.Series:
        return pd.Series(values.isna(), index=self.frame.index)

    def typed(self) -> pd.DataFrame:
        """The records with typed columns (what every later stage reads)."""
        c, campaign = self.col, self.campaign
        return pd.DataFrame(
            {
                "record_id": c["record_id"],
                "round": categorical(c["round"], campaign.round_ids),
                "date": self.date,
                "district": categorical(c["district"], campaign.names("destinations")),
                "disbursing_unit": c["disbursing_unit"],
                "fund_source": categorical(c["fund_source"], campaign.names("fund_sources")),
                "category": categorical(c["category"], campaign.names("categories")),
                "recipient_group": categorical(c["recipient_group"], campaign.names("recipient_groups")),
                "aid_type": self.aid,
                "item": c["item"],
                "quantity": self.quantity,
                "unit": c["unit"],
                "amount_fen": self.fen,
                "recipient_ref": c["recipient_ref"],
                "filed_on": self.filed_on,
                "note": c["note"],
                "_file": self.frame["_file"],
                "_row": self.frame["_row"],
            },
            index=self.frame.index,
        )


# --- the rules -------------------------------------------------------------------


def check_required(c: Cells, out: Collector) -> None:
    for name in REQUIRED:
        out.flag(c.frame, c.empty[name] & ~c.lacking(name), name, "required", label=COLUMN_ZH[name], column=name)


def check_record_id(c: Cells, out: Collector) -> None:
    """Letters, digits, - and _."""
    rid, empty = c.col["record_id"], c.empty["record_id"]
    out.flag(c.frame, ~empty & ~fullmatch(rid, RECORD_ID_PATTERN), "record_id", "record-id-format")


def check_unique_ids(c: Cells, out: Collector) -> None:
    """Unique across all files and rounds (a rule over all records: never limited to the rows of changed files)."""
    rid, empty = c.col["record_id"], c.empty["record_id"]
    dup = ~empty & rid.duplicated(keep=False)
    if dup.any():
        first = c.frame.loc[dup].drop_duplicates("record_id")
        where = dict(zip(first["record_id"], zip(first["_file"].astype(str), first["_row"].astype(str))))
        out.flag(
            c.frame, dup & rid.duplicated(keep="first"), "record_id", "duplicate-record-id",
            per_value=lambda v: {"first": f"{where[v][0]} 第{where[v][1]}行", "first_en": f"{where[v][0]} row {where[v][1]}"},
        )


def check_round(c: Cells, out: Collector) -> None:
    """The file's folder is a declared round, and each row names that round."""
    declared = c.campaign.round_ids
    bad_folder = ~c.folder.isin(set(declared))
    for name in sorted(set(c.frame.loc[bad_folder, "_file"].astype(str))):
        out.add(
            Problem.of(
                "undeclared-round-folder", name, 0, "round", name.split("/")[1] if "/" in name else "",
                rounds="、".join(declared), rounds_en=", ".join(declared),
            )
        )
    mismatch = ~c.empty["round"] & ~bad_folder & (c.col["round"] != c.folder)
    out.flag(c.frame, mismatch, "round", "round-folder-mismatch")


def check_dates(c: Cells, out: Collector) -> None:
    """Readable dates; disbursements inside the campaign window."""
    out.flag(c.frame, ~c.empty["date"] & c.missing(c.date), "date", "date-format")
    start, end = c.campaign.start.isoformat(), c.campaign.end.isoformat()
    inside = np.array([start <= day <= end for day in c.date.categories] + [True])  # once per distinct date
    out.flag(c.frame, pd.Series(~inside[c.date.codes], index=c.frame.index), "date", "date-outside-window", start=start, end=end)
    out.flag(c.frame, ~c.empty["filed_on"] & c.missing(c.filed_on), "filed_on", "date-format", variant="filed_on")


def check_names(c: Cells, out: Collector) -> None:
    """Destinations, sources, categories and groups are declared names (with a suggestion)."""
    for column, (kind, label) in DIMENSIONS.items():
        names = c.campaign.names(kind)
        bad = ~c.empty[column] & ~c.col[column].isin(names)
        if bad.any():
            hint = {v: suggest(v, names) for v in set(c.col[column][bad])}
            out.flag(
                c.frame, bad, column, "undeclared-name", label=label, column=column,
                per_value=lambda v, hint=hint, names=names: {
                    "hint": f"是否应为“{hint[v]}”？" if hint[v] else f"可填：{'、'.join(names)}。",
                    "hint_en": f" Did you mean '{hint[v]}'?" if hint[v] else f" Use one of: {', '.join(names)}.",
                },
            )


def check_aid_type(c: Cells, out: Collector) -> None:
    """cash / goods / service; goods need an item, a quantity and a unit."""
    out.flag(c.frame, ~c.empty["aid_type"] & c.missing(c.aid), "aid_type", "aid-type")
    goods = pd.Series(c.aid == "goods", index=c.frame.index)
    for name in ("item", "quantity", "unit"):
        out.flag(c.frame, goods & c.empty[name] & ~c.lacking(name), name, "goods-required", label=COLUMN_ZH[name], column=name)


def check_money(c: Cells, out: Collector) -> None:
    """Exact decimal amounts and quantities, at most two decimals."""
    out.flag(c.frame, ~c.empty["amount_yuan"] & ~c.amount_ok, "amount_yuan", "amount-format", max=AMOUNT_MAX_TEXT)
    bad_quantity = ~c.empty["quantity"] & (~c.quantity_ok | (c.quantity <= 0))
    out.flag(c.frame, bad_quantity, "quantity", "quantity-format", max=AMOUNT_MAX_TEXT)


def check_recipient_ref(c: Cells, out: Collector) -> None:
    """32–64 lowercase hex; an all-digit "ref" is a number pasted in (a digest without a letter is vanishingly unlikely)."""
    ref = c.col["recipient_ref"]
    bad = ~c.empty["recipient_ref"] & (~fullmatch(ref, RECIPIENT_REF_PATTERN) | fullmatch(ref, "[0-9]+"))
    out.flag(c.frame, bad, "recipient_ref", "recipient-ref-format")


def check_formulas(c: Cells, out: Collector) -> None:
    """No free text a spreadsheet would run as a formula."""
    for name in FREE_TEXT:
        out.flag(c.frame, starts_with_any(c.col[name], FORMULA_START), name, "formula-prefix")


def check_personal_data(c: Cells, out: Collector) -> None:
    """No ID, phone or card number, e-mail address … in any scanned column."""
    for name in PERSONAL_DATA_SCAN:
        found = scan_series(c.col[name], allowed_emails=c.campaign.own_emails, allowed_phones=c.campaign.own_phones)
        excel = fullmatch(c.col[name], EXCEL_BIG_NUMBER)
        if excel.any():
            extra = pd.DataFrame({"index": c.frame.index[excel.to_numpy()], "kind": "long-number", "masked": "*" * 8})
            found = pd.concat([found, extra], ignore_index=True) if len(found) else extra
        if not len(found):
            continue
        out.total += len(found)
        where = c.frame.loc[found["index"].head(LIST_LIMIT), ["_file", "_row"]]
        for (file, row), kind, masked in zip(where.itertuples(index=False, name=None), found["kind"], found["masked"]):
            zh, en = KINDS[kind]
            out.problems.append(Problem.of("personal-data", file, row, name, masked, kind=zh, kind_en=en))


def check_note(c: Cells, out: Collector) -> None:
    out.flag(c.frame, c.col["note"].str.len() > NOTE_MAX, "note", "note-too-long", max=NOTE_MAX)


# Every record rule, in the order its problems are reported, with the codes it may report.
RECORD_RULES: tuple[tuple[Callable[[Cells, Collector], None], tuple[str, ...]], ...] = (
    (check_required, ("required",)),
    (check_record_id, ("record-id-format",)),
    (check_unique_ids, ("duplicate-record-id",)),
    (check_round, ("undeclared-round-folder", "round-folder-mismatch")),
    (check_dates, ("date-format", "date-outside-window")),
    (check_names, ("undeclared-name",)),
    (check_aid_type, ("aid-type", "goods-required")),
    (check_money, ("amount-format", "quantity-format")),
    (check_recipient_ref, ("recipient-ref-format",)),
    (check_formulas, ("formula-prefix",)),
    (check_personal_data, ("personal-data",)),
    (check_note, ("note-too-long",)),
)


# Rules over all records together: run on every record even when the others run on the changed rows only.
WHOLE_RULES = (check_unique_ids,)


def validate_records(
    frame: pd.DataFrame, campaign: Campaign, absent: dict[str, tuple[str, ...]] | None = None, vetted: np.ndarray | None = None
) -> tuple[pd.DataFrame, list[Problem], int]:
    """Check and type the records. Returns (typed frame, problems, total count).

    ``absent``: per file, the columns its header lacks (`load.Table.absent`).
    ``vetted``: per record, True where these very rows already passed every rule that looks at one record at a
    time with this campaign and this code (intake/vetted.py); those rules then skip them. Rules over all records
    (`WHOLE_RULES`) always see every record, and the problems come in the same order either way.
    """
    cells = Cells.parse(frame, campaign, absent)
    fresh = cells
    if vetted is not None and vetted.any():
        fresh = Cells.parse(frame.loc[~vetted], campaign, absent)
    out = Collector()
    for rule, _codes in RECORD_RULES:
        rule(cells if rule in WHOLE_RULES else fresh, out)
    return cells.typed(), out.problems, out.total


def validate_allocations(frame: pd.DataFrame, campaign: Campaign) -> tuple[pd.DataFrame, list[Problem], int]:
    """Check allocations.csv: declared names, exact amounts, one row per pair."""
    out = Collector()
    for column in ("fund_source", "district", "amount_yuan"):
        out.flag(frame, frame[column] == "", column, "required", variant="plain", column=column)
    for column, kind in (("fund_source", "fund_sources"), ("district", "destinations")):
        names = campaign.names(kind)
        bad = (frame[column] != "") & ~frame[column].isin(names)
        out.flag(
            frame, bad, column, "undeclared-name", variant="allocation", column=column,
            per_value=lambda v, names=names: {"hint": f"是否应为“{suggest(v, names)}”？" if suggest(v, names) else ""},
        )
    ok = fullmatch(frame["amount_yuan"], AMOUNT_PATTERN)
    out.flag(frame, (frame["amount_yuan"] != "") & ~ok, "amount_yuan", "amount-format", variant="allocation", max=AMOUNT_MAX_TEXT)
    dup = frame.duplicated(["fund_source", "district"], keep="first") & (frame["fund_source"] != "")
    out.flag(frame, dup, "district", "duplicate-allocation")
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
