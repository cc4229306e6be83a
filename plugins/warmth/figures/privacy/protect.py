"""`protect`: the checked records → the published records, and a report of what was generalised."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from warmth.figures.privacy.codes import GENERALISABLE as GENERALISED_COLUMNS
from warmth.figures.privacy.codes import build_codes, class_sizes, freeze_sealed, group_key
from warmth.figures.privacy.enforce import enforce
from warmth.figures.privacy.rules import FIXED_TABLES, RULES

DIMENSION_ZH = {
    "district": "区县", "round": "批次", "aid_type": "救助形式", "fund_source": "资金来源", "date": "日期",
    "disbursing_unit": "发放单位", "recipient_group": "受助群体", "category": "救助类别", "item": "物资名称",
}
AID_ZH = {"cash": "现金", "goods": "物资", "service": "服务"}


@dataclass(frozen=True)
class PrivacyReport:
    """What protecting the records did; the about page and README state it in words."""

    k: int
    label: str  # the other label of categories and groups
    unit_label: str
    item_label: str
    sensitive: tuple[str, ...]
    withheld: tuple[str, ...]  # columns published empty
    generalised: dict[str, int]  # dimension → records whose value was generalised
    records: int  # records with at least one value generalised
    unavoidable: tuple[str, ...]  # cells below k that only destination, source, round and aid type describe

    @property
    def rules(self) -> list[str]:
        return [rule.zh.replace("k", str(self.k)) for rule in RULES]


def _describe(stratum: dict[str, int], labels: dict[str, list[str]]) -> str:
    parts = []
    for dim, code in stratum.items():
        value = labels[dim][code] if 0 <= code < len(labels[dim]) else "?"
        parts.append(AID_ZH.get(value, value) if dim == "aid_type" else value)
    return " × ".join(parts)


def _fixed_cells_below_k(codes, labels, k: int) -> list[str]:
    """Cells of the tables over destination, source, round and aid type alone that hold 1 to k-1 records."""
    found = []
    for dims in FIXED_TABLES:
        key = group_key(codes, dims)
        sizes = class_sizes(key)
        small = np.flatnonzero((sizes > 0) & (sizes < k))
        seen = set()
        for i in small.tolist():
            if key[i] in seen:
                continue
            seen.add(key[i])
            found.append(f"{_describe({d: int(codes[d][i]) for d in dims}, labels)}：{int(sizes[i])} 条")
    return found


def _items(codes, items: list[str]) -> pd.Categorical:
    """Goods items as published when a real item is itself written "" (only non-goods rows should be)."""
    distinct = list(dict.fromkeys(items))
    position = np.array([distinct.index(i) for i in items], dtype=np.int64)
    return pd.Categorical.from_codes(position[codes["item"]], categories=distinct)


def protect(checked: pd.DataFrame, campaign, sealed: pd.DataFrame | None = None) -> tuple[pd.DataFrame, PrivacyReport]:
    """The records as they may be published (same rows, same order, same amounts) and what changed.

    ``sealed``: the generalisable values of sealed rounds' records as their archives publish
    them (record_id and the columns). If protecting the records afresh publishes every sealed
    record just so, that is the result (sealing changes nothing); otherwise the sealed records
    keep their values and only the others are generalised (see `freeze_sealed`).
    """
    published, report = _protect(checked, campaign, None)
    if sealed is not None and len(sealed) and not _publishes_as_sealed(published, sealed):
        published, report = _protect(checked, campaign, sealed)
    return published, report


def _publishes_as_sealed(published: pd.DataFrame, sealed: pd.DataFrame) -> bool:
    position = pd.Index(published["record_id"]).get_indexer(sealed["record_id"])
    found = position >= 0
    for dim in GENERALISED_COLUMNS:
        if dim in sealed.columns:
            mine = published[dim].astype(str).to_numpy()[position[found]]
            if not (mine == sealed[dim].astype(str).to_numpy()[found]).all():
                return False
    return True


def _protect(checked: pd.DataFrame, campaign, sealed: pd.DataFrame | None) -> tuple[pd.DataFrame, PrivacyReport]:
    k = campaign.min_group_size
    codes, labels = build_codes(checked, campaign)
    if sealed is not None:
        freeze_sealed(codes, labels, checked, sealed)
    outcome = enforce(codes, k)
    items = labels["item"] + [""]  # the last code: not goods, no item
    published = checked.assign(
        date=pd.Categorical.from_codes(codes["date"], categories=labels["date"]),
        disbursing_unit=pd.Categorical.from_codes(codes["disbursing_unit"], categories=labels["disbursing_unit"]),
        recipient_group=pd.Categorical.from_codes(codes["recipient_group"], categories=campaign.published_names("recipient_groups")),
        category=pd.Categorical.from_codes(codes["category"], categories=campaign.published_names("categories")),
        item=pd.Categorical.from_codes(codes["item"], categories=pd.Index(items).drop_duplicates()) if len(set(items)) == len(items)
        else _items(codes, items),
    )
    generalised = {dim: int(mask.sum()) for dim, mask in sorted(outcome.changed.items())}
    any_change = np.zeros(len(checked), dtype=bool)
    for mask in outcome.changed.values():
        any_change |= mask
    unavoidable = [
        f"{_describe(stratum, labels)}：{n} 条" if stratum else f"已封存批次中的记录：{n} 条" for _, stratum, n in outcome.unavoidable
    ]
    unavoidable += _fixed_cells_below_k(codes, labels, k)
    report = PrivacyReport(
        k=k,
        label=campaign.other_label,
        unit_label=campaign.other_unit_label,
        item_label=campaign.other_item_label,
        sensitive=tuple(campaign.sensitive_categories),
        withheld=campaign.withheld,
        generalised=generalised,
        records=int(any_change.sum()),
        unavoidable=tuple(dict.fromkeys(unavoidable)),
    )
    return published, report
