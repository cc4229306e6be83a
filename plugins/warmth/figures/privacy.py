"""Small groups: no published combination may single out a person.

Everyone in a small county knows who got medical aid if a table says one
hardship worker there received it. Every published combination of
destination × category × recipient group must therefore hold at least k
records (campaign.toml ``[privacy] min_group_size``). Records in smaller
combinations are coarsened, per destination, in three steps:

1. their recipient group becomes the "other" label (其他);
2. combinations still too small also get the "other" category;
3. if the destination's (其他, 其他) bucket is still below k, its next
   smallest combinations join it until it reaches k.

Only category and recipient group change, so totals by destination, fund
source, round and aid type are exactly those of the input. The work is on
the small table of combination counts; records are relabelled in one
vectorised lookup.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from warmth.core.campaign import Campaign


@dataclass(frozen=True)
class Coarsening:
    k: int
    label: str
    records: int  # records whose category or group was replaced
    combinations: int  # small combinations merged
    unavoidable: tuple[str, ...]  # destinations with fewer than k records in all


def _plan_destination(counts: pd.Series, k: int, other: str) -> dict[tuple[str, str], tuple[str, str]]:
    """(category, group) → published (category, group) for one destination."""
    plan = {key: key for key in counts.index}
    small = [key for key, n in counts.items() if n < k]
    # step 1: group → other
    for cat, grp in small:
        plan[(cat, grp)] = (cat, other)
    merged = pd.Series(counts.values, index=pd.MultiIndex.from_tuples([plan[key] for key in counts.index])).groupby(level=[0, 1]).sum()
    # step 2: still small → (other, other)
    for (cat, grp), n in merged.items():
        if grp == other and n < k:
            for key, target in plan.items():
                if target == (cat, other):
                    plan[key] = (other, other)
    # step 3: fill the (other, other) bucket from the smallest remaining combinations
    bucket = sum(int(counts[key]) for key, target in plan.items() if target == (other, other))
    if 0 < bucket < k:
        rest = sorted(
            ((int(counts[key]), key) for key, target in plan.items() if target != (other, other)),
            key=lambda item: (item[0], item[1]),
        )
        for _, key in rest:
            if bucket >= k:
                break
            target = plan[key]
            if target == (other, other):
                continue  # already moved with its published combination
            # move the whole published combination this key belongs to
            for other_key, other_target in plan.items():
                if other_target == target:
                    plan[other_key] = (other, other)
                    bucket += int(counts[other_key])
    return plan


def coarsen(records: pd.DataFrame, campaign: Campaign) -> tuple[pd.DataFrame, Coarsening]:
    """Records with small combinations coarsened; the returned frame is a copy."""
    k, other = campaign.min_group_size, campaign.other_label
    keys = ["district", "category", "recipient_group"]
    counts = records.groupby(keys, observed=True).size()
    if counts.empty or counts.min() >= k:
        return records, Coarsening(k, other, 0, 0, ())

    plan: dict[tuple[str, str, str], tuple[str, str]] = {}
    unavoidable = []
    for dest, part in counts.groupby(level=0, observed=True):
        local = part.droplevel(0)
        for (cat, grp), target in _plan_destination(local, k, other).items():
            plan[(dest, cat, grp)] = target
        if int(local.sum()) < k:
            unavoidable.append(str(dest))

    categories = list(records["category"].cat.categories) + [other]
    groups = list(records["recipient_group"].cat.categories) + [other]

    # one lookup per combination code, then one vectorised take over the records
    d = records["district"].cat.codes.to_numpy(np.int64)
    c = records["category"].cat.codes.to_numpy(np.int64)
    g = records["recipient_group"].cat.codes.to_numpy(np.int64)
    nc, ng = len(categories), len(groups)
    code = (d * nc + c) * ng + g
    new_c = np.arange(nc * ng * (d.max() + 1 if len(d) else 1)) // ng % nc
    new_g = np.arange(nc * ng * (d.max() + 1 if len(d) else 1)) % ng
    dest_pos = {name: i for i, name in enumerate(records["district"].cat.categories)}
    cat_pos = {name: i for i, name in enumerate(categories)}
    grp_pos = {name: i for i, name in enumerate(groups)}
    changed = 0
    merged = 0
    for (dest, cat, grp), (to_cat, to_grp) in plan.items():
        if (cat, grp) != (to_cat, to_grp):
            key = (dest_pos[dest] * nc + cat_pos[cat]) * ng + grp_pos[grp]
            new_c[key], new_g[key] = cat_pos[to_cat], grp_pos[to_grp]
            changed += int(counts[(dest, cat, grp)])
            merged += 1
    out = records.assign(  # copy-on-write: the other columns are shared, not copied
        category=pd.Categorical.from_codes(new_c[code], categories=categories),
        recipient_group=pd.Categorical.from_codes(new_g[code], categories=groups),
    )
    return out, Coarsening(k, other, changed, merged, tuple(unavoidable))
