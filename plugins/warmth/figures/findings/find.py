"""All the rules together: `find` makes the findings table; `summary`, `for_district`
and `for_source` slice it for pages and the build's printed summary.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa

from warmth.core.campaign import Campaign
from warmth.figures.findings.context import Context, rows_table
from warmth.figures.findings.fairness import multi_district, repeat
from warmth.figures.findings.filing import file_first
from warmth.figures.findings.reports import reports, reports_missing
from warmth.figures.findings.rules import COLUMNS, DISTRICT_SEPARATOR, RULES
from warmth.figures.findings.spending import earmark, over_allocation, pair_totals, unspent


def find(
    records: pd.DataFrame,
    allocations: pd.DataFrame,
    campaign: Campaign,
    submissions: pd.DataFrame | None = None,
    *,
    campaign_over: bool = True,
    published: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per finding, columns exactly COLUMNS:

    rule, severity, district, fund_source, record_ids (space-separated, sorted),
    records (count), amount_fen (the money concerned), explanation_zh, explanation_en.

    ``records``: the typed records as `validate.validate_records` returns them,
    BEFORE small-group coarsening (a ValueError says so when the other label
    appears in category or recipient_group). ``published``: the same records
    after coarsening (`Dataset.records`, same order); coarsened here when
    omitted. A record whose category (earmark, fairness-repeat) or group
    (file-first rules) coarsening hid is still counted and summed, but its id
    or its category name is not shown, so findings never undo coarsening.

    ``allocations``: `aggregate.build_allocations`' table (its ``allocated``
    column; disbursed is recomputed from the records) or the typed allocations
    (``amount_fen``). ``submissions``: `load_submissions`' frame, or None.
    ``campaign_over``: whether the campaign window has ended (the caller
    decides; today's date is never read).

    Ordered by rule (RULES order), destination (declared order; a set of
    destinations by its members), fund source (declared order), record ids,
    then round or category.
    """
    ctx = Context(records, campaign, published)
    pair, disbursed, allocated = pair_totals(ctx, allocations)
    parts = [
        over_allocation(ctx, pair, disbursed, allocated),
        unspent(ctx, disbursed, allocated, reports_missing(ctx, submissions)) if campaign_over else rows_table("unspent-balance", []),
        earmark(ctx),
        file_first(ctx, "file-first-missing"),
        file_first(ctx, "file-first-late"),
        multi_district(ctx),
        repeat(ctx),
        *reports(ctx, submissions, campaign_over),
    ]
    table = pa.concat_tables(parts)
    dset_rank = ctx.dset_order()[table["_dset"].to_numpy()]
    order = np.lexsort((
        table["_tie"].to_numpy(), table["_idrank"].to_numpy(), table["_skey"].to_numpy(),
        dset_rank, table["_rule"].to_numpy(),
    ))
    return table.take(pa.array(order)).select(list(COLUMNS)).to_pandas()


def summary(findings: pd.DataFrame) -> list[dict]:
    """Per rule, in RULES order (rules without findings too): code, zh, en, severity, count, amount_fen."""
    counts = findings.groupby("rule", sort=False).agg(count=("rule", "size"), amount_fen=("amount_fen", "sum"))
    out = []
    for rule in RULES:
        if rule.code in counts.index:
            count, fen = int(counts.loc[rule.code, "count"]), int(counts.loc[rule.code, "amount_fen"])
        else:
            count, fen = 0, 0
        out.append({"code": rule.code, "zh": rule.zh, "en": rule.en, "severity": rule.severity, "count": count, "amount_fen": fen})
    return out


def for_district(findings: pd.DataFrame, name: str) -> pd.DataFrame:
    """Findings concerning one destination (also those listing it among several)."""
    sep = re.escape(DISTRICT_SEPARATOR)
    pattern = f"(?:^|{sep}){re.escape(name)}(?:{sep}|$)"
    mask = findings["district"].str.contains(pattern, regex=True)
    return findings.loc[mask].reset_index(drop=True)


def for_source(findings: pd.DataFrame, name: str) -> pd.DataFrame:
    """Findings concerning one fund source."""
    return findings.loc[findings["fund_source"] == name].reset_index(drop=True)
