"""Browse: the published records by disbursing unit and by week.

Pure functions of the *published* records (``Dataset.records``, after the
privacy model), never the checked ones. One group-by makes a cube over the
quasi-identifiers of the privacy model — destination, round, aid type,
disbursing unit, recipient group, date as published, category — so every
group it holds has 0 or at least k records, and every sum over it (a unit,
a week, a unit × destination …) is a union of such groups: 0 or at least k.
Fund source and goods are not quasi-identifiers, so they are not broken down
here (a unit × fund source cell could hold fewer than k records).

A week is the date as published: the Monday of its week. Records whose date
the model withheld are shown under their round ("date not published").
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from warmth.core.campaign import Campaign

QI_KEYS = ["round", "district", "aid_type", "disbursing_unit", "recipient_group", "date", "category"]
UNDATED = "undated-"  # week key prefix for records whose date is withheld: undated-<round id>


@dataclass(frozen=True)
class Bucket:
    """One unit or one week: its key (URL part), label and totals."""

    key: str
    label: str
    records: int
    fen: int
    round: str = ""  # for an undated week: its round id
    monday: str = ""  # for a dated week: the Monday, ISO


def qi_cube(records: pd.DataFrame) -> pd.DataFrame:
    """Records and fen per quasi-identifier group (only non-empty groups)."""
    cube = (
        records.groupby(QI_KEYS, observed=True, sort=True)
        .agg(records=("amount_fen", "size"), fen=("amount_fen", "sum"))
        .reset_index()
    )
    return cube.astype({"records": "int64", "fen": "int64"})


def unit_slug(name: str) -> str:
    """A stable URL part for a disbursing unit's name: the first 12 hex digits of its SHA-256."""
    return "u-" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:12]


def week_key(cube: pd.DataFrame) -> pd.Series:
    """The week of each cube row: its published date (a Monday), or undated-<round> when withheld."""
    date = cube["date"].astype(str)
    undated = UNDATED + cube["round"].astype(str)
    return date.where(date != "", undated)


def week_label(key: str, campaign: Campaign) -> str:
    if key.startswith(UNDATED):
        rid = key.removeprefix(UNDATED)
        label = next((r.label for r in campaign.rounds if r.id == rid), rid)
        return f"日期不公开（{label}）"
    monday = dt.date.fromisoformat(key)
    sunday = monday + dt.timedelta(days=6)
    return f"{monday.isoformat()} 至 {sunday.month}月{sunday.day}日"


def _sums(keys: pd.Series, cube: pd.DataFrame) -> tuple[list[str], np.ndarray, np.ndarray]:
    codes, uniques = pd.factorize(keys, sort=True)
    records = np.zeros(len(uniques), dtype=np.int64)
    fen = np.zeros(len(uniques), dtype=np.int64)
    np.add.at(records, codes, cube["records"].to_numpy(np.int64))
    np.add.at(fen, codes, cube["fen"].to_numpy(np.int64))
    return [str(u) for u in uniques], records, fen


def units(cube: pd.DataFrame, campaign: Campaign) -> list[Bucket]:
    """Every published disbursing unit, by amount (largest first), then name; 其他单位 last."""
    names, records, fen = _sums(cube["disbursing_unit"].astype(str), cube)
    rows = [Bucket(unit_slug(n), n, int(r), int(f)) for n, r, f in zip(names, records, fen) if r]
    other = campaign.other_unit_label
    return sorted(rows, key=lambda b: (b.label == other, -b.fen, b.label))


def weeks(cube: pd.DataFrame, campaign: Campaign) -> list[Bucket]:
    """Every published week in date order, then the undated records of each round in round order."""
    names, records, fen = _sums(week_key(cube), cube)
    order = {rid: i for i, rid in enumerate(campaign.round_ids)}
    rows = []
    for n, r, f in zip(names, records, fen):
        if not r:
            continue
        if n.startswith(UNDATED):
            rows.append(Bucket(n, week_label(n, campaign), int(r), int(f), round=n.removeprefix(UNDATED)))
        else:
            rows.append(Bucket(n, week_label(n, campaign), int(r), int(f), monday=n))
    return sorted(rows, key=lambda b: (bool(b.round), order.get(b.round, 0), b.monday))


def unit_rows(cube: pd.DataFrame, campaign: Campaign) -> list[dict]:
    """Rows for a unit table: label, slug (its page), records, fen, share."""
    buckets = units(cube, campaign)
    total = sum(b.fen for b in buckets)
    return [{"label": b.label, "slug": b.key, "records": b.records, "fen": b.fen, "share": b.fen / total if total else 0.0, "reported": True} for b in buckets]


def week_rows(cube: pd.DataFrame, campaign: Campaign) -> list[dict]:
    """Rows for a week table, in date order: label, slug (its page), records, fen, share."""
    buckets = weeks(cube, campaign)
    total = sum(b.fen for b in buckets)
    return [{"label": b.label, "slug": b.key, "records": b.records, "fen": b.fen, "share": b.fen / total if total else 0.0, "reported": True} for b in buckets]


def of_unit(cube: pd.DataFrame, name: str) -> pd.DataFrame:
    return cube.loc[cube["disbursing_unit"].astype(str) == name]


def of_week(cube: pd.DataFrame, key: str) -> pd.DataFrame:
    return cube.loc[week_key(cube) == key]
