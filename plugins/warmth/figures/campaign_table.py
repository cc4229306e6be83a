"""The notice's 送温暖工程统计表, per destination: people reached per recipient
group, money per fund source, goods, cash and service, as CSV and .xlsx.

The .xlsx is byte-stable: fixed document dates and zip entry times, so the
same data gives the same file on any day.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from warmth.core.campaign import Campaign
from warmth.figures.people import person_codes


def campaign_table(records: pd.DataFrame, campaign: Campaign) -> dict:
    """{"columns": [(key, title)], "rows": [{key: value}], "total": {...}}; money in fen, people as counts."""
    dests = campaign.names("destinations")
    groups = campaign.published_names("recipient_groups")
    sources = campaign.names("fund_sources")
    d = records["district"].cat.codes.to_numpy(np.int64)
    fen = records["amount_fen"].to_numpy(np.int64)

    def fen_by(mask: np.ndarray) -> np.ndarray:
        out = np.zeros(len(dests), dtype=np.int64)
        np.add.at(out, d[mask], fen[mask])
        return out

    refs, _ = person_codes(records["recipient_ref"])
    has_ref = refs >= 0
    series = records["recipient_group"]
    if list(series.cat.categories) == groups:
        group_codes = series.cat.codes.to_numpy(np.int64)
    else:  # categories in another order (no small groups merged): map once per category
        lookup = np.array([groups.index(str(c)) for c in series.cat.categories] + [-1], dtype=np.int64)
        group_codes = lookup[series.cat.codes.to_numpy(np.int64)]
    width = int(refs.max()) + 1 if len(refs) else 1
    r, dd, gg = refs[has_ref], d[has_ref], group_codes[has_ref]
    # distinct people by marking a (key × person) table: integer work, no sorting or hashing
    seen = np.zeros((len(dests) * len(groups), width), dtype=bool)
    seen[dd * len(groups) + gg, r] = True
    people = seen.sum(axis=1).reshape(len(dests), len(groups))
    del seen
    seen = np.zeros((len(dests), width), dtype=bool)
    seen[dd, r] = True
    total_people = seen.sum(axis=1)
    distinct_total = int((np.bincount(r, minlength=width) > 0).sum())
    del seen

    columns = [("district", "区县")]
    group_slugs = [_slug(campaign, "recipient_groups", g) for g in groups]
    source_slugs = [campaign.slug_of("fund_sources", name) for name in sources]
    columns += [(f"reached_{slug}", f"受助{g}（人/户）") for slug, g in zip(group_slugs, groups)]
    columns += [("reached_total", "受助合计（人/户，去重）")]
    columns += [(f"{slug}_yuan", f"{name}（元）") for slug, name in zip(source_slugs, sources)]
    columns += [("goods_yuan", "物资价值（元）"), ("cash_yuan", "现金（元）"), ("service_yuan", "服务价值（元）"), ("total_yuan", "合计（元）")]
    by_source = [fen_by((records["fund_source"] == s).to_numpy()) for s in sources]
    by_type = {t: fen_by((records["aid_type"] == t).to_numpy()) for t in ("goods", "cash", "service")}
    rows = []
    for i, name in enumerate(dests):
        row = {"district": name, "reached_total": int(total_people[i])}
        row.update({f"reached_{slug}": int(people[i, j]) for j, slug in enumerate(group_slugs)})
        row.update({f"{slug}_yuan": int(by_source[j][i]) for j, slug in enumerate(source_slugs)})
        row.update({f"{t}_yuan": int(by_type[t][i]) for t in by_type})
        row["total_yuan"] = sum(row[f"{t}_yuan"] for t in by_type)
        rows.append(row)
    keep = [c for c in columns if not c[0].startswith("reached_") or c[0] == "reached_total" or any(r[c[0]] for r in rows)]
    total = {"district": "合计"}
    for key, _ in keep[1:]:
        total[key] = sum(r[key] for r in rows)
    total["reached_total"] = distinct_total  # a person reached in two places counts once
    return {"columns": keep, "rows": rows, "total": total}


def _slug(campaign: Campaign, kind: str, name: str) -> str:
    return "other" if name == campaign.other_label else campaign.slug_of(kind, name)
