"""Aggregate: pure functions from the typed records to the figures pages show.

One group-by turns the records into a small *cube* (records and fen per
round × destination × source × category × group × aid type); every table on
every page is a sum over that cube, so all pages agree to the fen by
construction. Sums are int64 fen, never floats.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from warmth.core.campaign import DIMENSIONS, Campaign
from warmth.core.schema import AID_TYPES
from warmth.figures.people import person_codes

CUBE_KEYS = ["round", "district", "fund_source", "category", "recipient_group", "aid_type"]



@dataclass(frozen=True)
class Aggregates:
    cube: pd.DataFrame  # CUBE_KEYS + records, fen (only non-empty cells)
    goods: pd.DataFrame  # district, item, unit, records, quantity (hundredths), fen
    recipients: dict  # {"district": {name: n}, "round": {id: n}}: distinct refs
    allocations: pd.DataFrame  # fund_source, district, allocated, disbursed, balance (fen)
    total_fen: int
    records: int
    recipients_total: int
    records_without_ref: int


def build_cube(records: pd.DataFrame) -> pd.DataFrame:
    cube = (
        records.groupby(CUBE_KEYS, observed=True, sort=True)
        .agg(records=("amount_fen", "size"), fen=("amount_fen", "sum"))
        .reset_index()
    )
    cube["records"] = cube["records"].astype("int64")
    cube["fen"] = cube["fen"].astype("int64")
    return cube


def build_goods(records: pd.DataFrame, other_item: str) -> pd.DataFrame:
    """Goods per destination, item and unit. Rare items merged into ``other_item`` form one row
    per destination without a unit: their quantities are in different units (quantity -1: not summed)."""
    goods = records.loc[records["aid_type"] == "goods", ["district", "item", "unit", "quantity", "amount_fen"]]
    other = goods["item"] == other_item
    if other.any():
        goods = goods.assign(unit=goods["unit"].where(~other, ""), quantity=goods["quantity"].where(~other, 0))
    table = (
        goods.groupby(["district", "item", "unit"], observed=True, sort=True)
        .agg(records=("amount_fen", "size"), quantity=("quantity", "sum"), fen=("amount_fen", "sum"))
        .reset_index()
    )
    table = table.astype({"records": "int64", "quantity": "int64", "fen": "int64"})
    table.loc[table["item"] == other_item, "quantity"] = -1
    return table


def build_allocations(allocations: pd.DataFrame, cube: pd.DataFrame, campaign: Campaign) -> pd.DataFrame:
    """Allocated vs disbursed for every declared source × destination pair."""
    index = pd.MultiIndex.from_product(
        [campaign.names("fund_sources"), campaign.names("destinations")], names=["fund_source", "district"]
    )
    allocated = (
        allocations.assign(fund_source=allocations["fund_source"].astype(str), district=allocations["district"].astype(str))
        .groupby(["fund_source", "district"])["amount_fen"].sum()
        .reindex(index, fill_value=0)
    )
    disbursed = (
        cube.assign(fund_source=cube["fund_source"].astype(str), district=cube["district"].astype(str))
        .groupby(["fund_source", "district"])["fen"].sum()
        .reindex(index, fill_value=0)
    )
    table = pd.DataFrame({"allocated": allocated.astype("int64"), "disbursed": disbursed.astype("int64")})
    table["balance"] = table["allocated"] - table["disbursed"]
    return table.reset_index()


def distinct_by(refs: np.ndarray, records: pd.DataFrame, column: str) -> dict[str, int]:
    """Distinct recipients per value of a categorical column.

    ``refs`` are the recipient_ref values factorised to integers (-1 = none), so
    counting is integer work, not string hashing.
    """
    width = int(refs.max()) + 1 if len(refs) else 1
    codes = records[column].cat.codes.to_numpy(np.int64)
    keep = (refs >= 0) & (codes >= 0)
    seen = np.zeros((len(records[column].cat.categories), width), dtype=bool)
    seen[codes[keep], refs[keep]] = True
    counts = seen.sum(axis=1)
    return {str(name): int(n) for name, n in zip(records[column].cat.categories, counts)}


def aggregate(records: pd.DataFrame, allocations: pd.DataFrame, campaign: Campaign) -> Aggregates:
    cube = build_cube(records)
    codes, people = person_codes(records["recipient_ref"])
    return Aggregates(
        cube=cube,
        goods=build_goods(records, campaign.other_item_label),
        recipients={"district": distinct_by(codes, records, "district"), "round": distinct_by(codes, records, "round")},
        allocations=build_allocations(allocations, cube, campaign),
        total_fen=int(records["amount_fen"].sum()),
        records=len(records),
        recipients_total=people,
        records_without_ref=int((codes < 0).sum()),
    )


def select(cube: pd.DataFrame, **where: str) -> pd.DataFrame:
    mask = pd.Series(True, index=cube.index)
    for column, value in where.items():
        mask &= cube[column] == value
    return cube.loc[mask]


def _labels(by: str, campaign: Campaign) -> tuple[list[str], dict, dict]:
    if by == "aid_type":
        return list(AID_TYPES), dict(AID_TYPES), {k: k for k in AID_TYPES}
    if by == "round":
        return campaign.round_ids, {r.id: r.label for r in campaign.rounds}, {r.id: r.id for r in campaign.rounds}
    kind = DIMENSIONS[by][0]
    slugs = {i.name: i.slug for i in getattr(campaign, kind)}  # the other label has no page: slug ""
    names = campaign.published_names(kind)
    return names, {n: n for n in names}, {n: slugs.get(n, "") for n in names}


def sums_by(cube: pd.DataFrame, by: str) -> dict[str, tuple[int, int]]:
    """Exact int64 (records, fen) per value of ``by``."""
    codes = cube[by].cat.codes.to_numpy(np.int64)
    names = [str(c) for c in cube[by].cat.categories]
    records = np.zeros(len(names), dtype=np.int64)
    fen = np.zeros(len(names), dtype=np.int64)
    np.add.at(records, codes, cube["records"].to_numpy(np.int64))
    np.add.at(fen, codes, cube["fen"].to_numpy(np.int64))
    return {name: (int(r), int(f)) for name, r, f in zip(names, records, fen)}


def breakdown(cube: pd.DataFrame, by: str, campaign: Campaign, *, unreported: set[str] = frozenset()) -> list[dict]:
    """Rows {name, label, slug, records, fen, share, reported} for one dimension, in declared order.

    ``unreported`` names rows (destinations, rounds) that have sent nothing:
    they are marked so pages say 未报送 instead of showing ¥0.00. The
    small-group label (其他) appears only where records were merged into it.
    """
    names, labels, slugs = _labels(by, campaign)
    sums = sums_by(cube, by)
    total = sum(fen for _, fen in sums.values())
    rows = []
    for name in names:
        records, fen = sums.get(name, (0, 0))
        if name == campaign.other_label and by in ("category", "recipient_group") and not records:
            continue
        rows.append(
            {
                "name": name,
                "label": labels[name],
                "slug": slugs[name],
                "records": records,
                "fen": fen,
                "share": (fen / total) if total else 0.0,  # display only: bar widths
                "reported": name not in unreported,
            }
        )
    return rows


def matrix(cube: pd.DataFrame, rows: str, columns: str, campaign: Campaign) -> dict:
    """A rows × columns table of fen with totals, in declared order, empty rows/cols dropped."""
    pivot = cube.pivot_table(index=rows, columns=columns, values="fen", aggfunc="sum", observed=True, fill_value=0)
    row_names = [n for n in campaign.published_names(DIMENSIONS[rows][0]) if n in pivot.index]
    col_names = [n for n in campaign.published_names(DIMENSIONS[columns][0]) if n in pivot.columns]
    pivot = pivot.reindex(index=row_names, columns=col_names, fill_value=0).astype("int64")
    return {
        "rows": [
            {"name": r, "cells": [int(v) for v in pivot.loc[r].tolist()], "total": int(pivot.loc[r].sum())}
            for r in row_names
        ],
        "columns": col_names,
        "column_totals": [int(v) for v in pivot.sum(axis=0).tolist()],
        "total": int(pivot.to_numpy().sum()),
    }


def flows(cube: pd.DataFrame, left: str, right: str) -> list[tuple[str, str, int]]:
    """(left name, right name, fen) for every non-zero pair, sorted for stability."""
    pairs = cube.groupby([left, right], observed=True, sort=True)["fen"].sum()
    return [(str(a), str(b), int(v)) for (a, b), v in pairs.items() if v > 0]


def report_status(cube: pd.DataFrame, campaign: Campaign) -> list[dict]:
    """Per destination and round: records and fen, or None when nothing was reported."""
    sums = cube.groupby(["district", "round"], observed=True)[["records", "fen"]].sum()
    table = []
    for dest in campaign.destinations:
        cells = []
        for rnd in campaign.rounds:
            key = (dest.name, rnd.id)
            if key in sums.index:
                cells.append({"round": rnd.id, "records": int(sums.loc[key, "records"]), "fen": int(sums.loc[key, "fen"])})
            else:
                cells.append(None)
        table.append({"name": dest.name, "slug": dest.slug, "cells": cells})
    return table


def missing_reports(status: list[dict], campaign: Campaign, submissions: pd.DataFrame | None = None) -> dict[str, list[str]]:
    """Destination → the ids of the rounds whose report is missing, for destinations with any.

    A report is missing when the round has no records from the destination and
    data/submissions.csv (if kept) does not say it arrived — the same test as the
    findings' (findings.reports.reports_missing). ``status`` is `report_status`'.
    Until every report of a destination is in, its balance is not known: pages
    show it as 未报送, never as what is left over.
    """
    received = set()
    if submissions is not None and len(submissions):
        received = set(zip(submissions["district"].astype(str), submissions["round"].astype(str)))
    missing = {}
    for row in status:
        rounds = [rnd.id for rnd, cell in zip(campaign.rounds, row["cells"]) if cell is None and (row["name"], rnd.id) not in received]
        if rounds:
            missing[row["name"]] = rounds
    return missing


def latest_round(cube: pd.DataFrame, campaign: Campaign):
    """The last declared round that has any records, or None."""
    present = set(cube["round"].astype(str))
    for rnd in reversed(campaign.rounds):
        if rnd.id in present:
            return rnd
    return None
