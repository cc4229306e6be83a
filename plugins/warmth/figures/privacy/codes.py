"""The records as integer codes, one array per dimension, for the privacy rules.

Every dimension a published table or record file can show is an array of
integer codes; a generalisable dimension has one extra code, OTHER (its
"其他" value, or no date). Groups of records are found by combining arrays into
one dense key (`group_key`), so the rules run as integer work on whole arrays.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from warmth.figures.people import person_codes

# The dimensions, by name. Generalisable ones can be recoded to OTHER; the others never change.
FIXED = ("district", "round", "aid_type", "fund_source")
GENERALISABLE = ("date", "disbursing_unit", "recipient_group", "category", "item")


@dataclass
class Codes:
    """Working arrays (one value per record) and each generalisable dimension's OTHER code."""

    dims: dict[str, np.ndarray]
    other: dict[str, int]
    refs: np.ndarray  # person code per record, -1 when the record names no person
    goods: np.ndarray  # the record is goods (only goods records have an item)
    sensitive: np.ndarray  # per category code (OTHER included): is it a sensitive category
    widths: dict[str, int] = field(default_factory=dict)  # per dimension: 2 + the largest code it can hold
    frozen: dict[str, np.ndarray] = field(default_factory=dict)  # per dimension: values published in a sealed round

    def __post_init__(self) -> None:
        # codes only ever change to OTHER, so each dimension's largest code is known now
        self.widths = {
            dim: max(int(values.max()) if len(values) else 0, self.other.get(dim, 0)) + 2 for dim, values in self.dims.items()
        }

    def fixed(self, dim: str) -> np.ndarray:
        """Records whose value of ``dim`` may not change: published so in a sealed round."""
        return self.frozen[dim] if dim in self.frozen else np.zeros(len(self.refs), dtype=bool)

    def __getitem__(self, dim: str) -> np.ndarray:
        return self.dims[dim]

    def generalised(self, dim: str) -> np.ndarray:
        return self.dims[dim] == self.other[dim]


def _categorical_codes(series: pd.Series, names: list[str]) -> np.ndarray:
    """Codes in declared order (``names``); -1 for anything else."""
    position = {name: i for i, name in enumerate(names)}
    if isinstance(series.dtype, pd.CategoricalDtype):
        lookup = np.array([position.get(str(c), -1) for c in series.cat.categories] + [-1], dtype=np.int64)
        return lookup[series.cat.codes.to_numpy(np.int64)]
    raw, uniques = pd.factorize(series, use_na_sentinel=True)
    lookup = np.array([position.get(str(u), -1) for u in uniques] + [-1], dtype=np.int64)
    return lookup[raw.astype(np.int64)]


def week_codes(dates: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Each ISO date → the index of its week; and each week's Monday, ISO. Once per distinct date."""
    raw, uniques = pd.factorize(dates.astype(str), use_na_sentinel=True)
    mondays = []
    for text in uniques:
        day = dt.date.fromisoformat(text)
        mondays.append((day - dt.timedelta(days=day.weekday())).isoformat())
    weeks = sorted(set(mondays))
    position = {monday: i for i, monday in enumerate(weeks)}
    lookup = np.array([position[m] for m in mondays] + [-1], dtype=np.int64)
    return lookup[raw.astype(np.int64)], weeks


def build_codes(records: pd.DataFrame, campaign) -> tuple[Codes, dict[str, list[str]]]:
    """The checked records as codes; and, per dimension, the value of each code (OTHER last)."""
    labels: dict[str, list[str]] = {
        "district": campaign.names("destinations"),
        "round": campaign.round_ids,
        "aid_type": ["cash", "goods", "service"],
        "fund_source": campaign.names("fund_sources"),
        "recipient_group": campaign.names("recipient_groups") + [campaign.other_label],
        "category": campaign.names("categories") + [campaign.other_label],
    }
    dims = {name: _categorical_codes(records[name], labels[name][: len(labels[name]) - (name in GENERALISABLE)]) for name in labels}
    dims["recipient_group"] = np.where(dims["recipient_group"] < 0, len(labels["recipient_group"]) - 1, dims["recipient_group"])
    dims["category"] = np.where(dims["category"] < 0, len(labels["category"]) - 1, dims["category"])

    unit_codes, units = pd.factorize(records["disbursing_unit"], sort=True)
    labels["disbursing_unit"] = [str(u) for u in units] + [campaign.other_unit_label]
    dims["disbursing_unit"] = unit_codes.astype(np.int64)

    week, weeks = week_codes(records["date"])
    labels["date"] = weeks + [""]  # a withheld date is published empty
    dims["date"] = np.where(week < 0, len(weeks), week)

    goods = (records["aid_type"] == "goods").to_numpy()
    at = np.flatnonzero(goods)
    item_codes, items = pd.factorize(records["item"].iloc[at], sort=True)
    labels["item"] = [str(i) for i in items] + [campaign.other_item_label]
    dims["item"] = np.full(len(records), len(items) + 1, dtype=np.int64)  # not goods: a code of its own
    dims["item"][at] = item_codes
    unit_codes, _ = pd.factorize(records["unit"].iloc[at], sort=True)
    dims["goods_unit"] = np.full(len(records), -1, dtype=np.int64)
    dims["goods_unit"][at] = unit_codes

    other = {name: len(labels[name]) - 1 for name in GENERALISABLE}
    refs, _ = person_codes(records["recipient_ref"])
    sensitive = np.array([name in campaign.sensitive_categories for name in labels["category"]], dtype=bool)
    return Codes(dims, other, refs, goods, sensitive), labels


def group_key(codes: Codes, dims: tuple[str, ...], mask: np.ndarray | None = None) -> np.ndarray:
    """A dense integer key per record: equal exactly when the records agree on every one of ``dims``.

    The codes are combined as digits of one mixed-radix number, then made dense in
    one pass; if the number could overflow, the key is made dense after each
    dimension instead.
    """
    n = len(codes.refs)
    key = np.zeros(n, dtype=np.int64)
    room = 1
    for dim in dims:
        values = codes[dim]
        if dim == "goods_unit":  # a rare item merged into 其他物资 is shown without its unit
            values = np.where(codes.generalised("item"), -1, values)
        width = codes.widths[dim]
        if room * width >= 1 << 62:
            key = pd.factorize(key)[0].astype(np.int64)
            room = int(key.max()) + 1 if n else 1
        key = key * width + (values + 1)
        room *= width
    key = pd.factorize(key)[0].astype(np.int64) if n else key
    if mask is not None:
        key = np.where(mask, key, -1)
    return key


def class_sizes(key: np.ndarray) -> np.ndarray:
    """For each record, how many records share its key (0 where the key is -1: not counted)."""
    valid = key >= 0
    counts = np.bincount(key[valid], minlength=int(key.max()) + 1 if valid.any() else 0)
    sizes = np.zeros(len(key), dtype=np.int64)
    sizes[valid] = counts[key[valid]]
    return sizes


def class_people(key: np.ndarray, refs: np.ndarray) -> np.ndarray:
    """For each record, how many distinct people share its key (records without a person add none).

    People are counted by marking a (group × person) table — integer work, no
    hashing — when it fits in memory, else by the distinct (group, person) pairs.
    """
    valid = key >= 0
    groups = int(key.max()) + 1 if valid.any() else 0
    named = valid & (refs >= 0)
    people = np.zeros(groups, dtype=np.int64)
    if named.any():
        width = int(refs.max()) + 1
        if groups * width <= 1 << 28:
            seen = np.zeros((groups, width), dtype=bool)
            seen[key[named], refs[named]] = True
            people = seen.sum(axis=1).astype(np.int64)
        else:
            pairs = np.unique(key[named] * width + refs[named])  # each (group, person) once
            people = np.bincount(pairs // width, minlength=groups)
    out = np.zeros(len(key), dtype=np.int64)
    out[valid] = people[key[valid]]
    return out


def freeze_sealed(codes: Codes, labels: dict[str, list[str]], records: pd.DataFrame, sealed: pd.DataFrame) -> None:
    """Records of sealed rounds keep the values their round was published (and sealed) with.

    ``sealed`` holds, per record_id, the generalisable values as the sealed archive
    publishes them. A value that is the record's own (or its generalised form) is
    frozen; one that differs — the record was corrected after sealing — is not.
    Since data only ever grows, every rule that held when a round was sealed still
    holds for its records, so freezing them never forces a small group.
    """
    position = pd.Index(records["record_id"]).get_indexer(sealed["record_id"])
    found = position >= 0
    position = position[found]
    for dim in GENERALISABLE:
        if dim not in sealed.columns:
            continue
        archived = sealed[dim].to_numpy(dtype=object)[found]
        lookup = {label: code for code, label in enumerate(labels[dim])}
        wanted = np.array([lookup.get(str(v), -1) for v in archived], dtype=np.int64)
        current = codes[dim][position]
        keep = (wanted == current) | (wanted == codes.other[dim])
        if dim == "item":
            keep &= codes.goods[position]
        mask = np.zeros(len(codes.refs), dtype=bool)
        mask[position[keep]] = True
        codes.dims[dim][position[keep]] = wanted[keep]
        codes.frozen[dim] = mask
