"""The records as integer codes, computed once for every rule, and the rows rules return.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from warmth.core.campaign import Campaign
from warmth.figures.findings.arrays import SCHEMA, arrow_text, codes_of, factorize_refs
from warmth.figures.findings.rules import RULE, RULE_POS
from warmth.figures.privacy import protect


class Context:
    """The records as integer codes in declared order, computed once for all rules."""

    def __init__(self, records: pd.DataFrame, campaign: Campaign, published: pd.DataFrame | None):
        other = campaign.other_label
        for column in ("category", "recipient_group"):
            series = records[column]
            if isinstance(series.dtype, pd.CategoricalDtype) and other not in series.cat.categories:
                continue
            if bool((series == other).any()):
                raise ValueError(
                    f"find() needs the records before small-group coarsening, but '{column}' holds "
                    f"'{other}'. Pass validate_records' typed records as `records` and the coarsened "
                    "ones (Dataset.records) as `published`."
                )
        self.campaign = campaign
        self.records = records
        self.dests = campaign.names("destinations")
        self.sources = campaign.names("fund_sources")
        self.cats = campaign.names("categories")
        self.groups = campaign.names("recipient_groups")
        self.rounds = campaign.round_ids
        self.d = codes_of(records["district"], self.dests)
        self.s = codes_of(records["fund_source"], self.sources)
        self.c = codes_of(records["category"], self.cats)
        self.g = codes_of(records["recipient_group"], self.groups)
        self.r = codes_of(records["round"], self.rounds)
        self.amount = records["amount_fen"].to_numpy(np.int64)
        self.rid = arrow_text(records["record_id"])
        self.ref_text = arrow_text(records["recipient_ref"])
        if published is None:
            published, _ = protect(records, campaign)
        if len(published) != len(records):
            raise ValueError("`published` must hold the same records, in the same order, as `records`")
        # what small-group coarsening hid: the published category / group differs from the original
        self.cat_hidden = codes_of(published["category"], self.cats) != self.c
        self.grp_hidden = codes_of(published["recipient_group"], self.groups) != self.g
        self._refs: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        # sets of destinations (tuples of declared positions) → id; single destinations first
        self.dsets: dict[tuple[int, ...], int] = {(i,): i for i in range(len(self.dests))}

    def refs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """recipient_ref codes (-1: none), a record holding each code, records per code."""
        if self._refs is None:
            codes, rep = factorize_refs(self.ref_text)
            self._refs = (codes, rep, np.bincount(codes[codes >= 0], minlength=len(rep)))
        return self._refs

    def dset(self, positions: tuple[int, ...]) -> int:
        return self.dsets.setdefault(positions, len(self.dsets))

    def dset_order(self) -> np.ndarray:
        """Rank of every destination-set id: declared order, a set before its extensions."""
        ranked = sorted(self.dsets, key=lambda t: t)
        rank = np.empty(len(self.dsets), dtype=np.int64)
        for i, positions in enumerate(ranked):
            rank[self.dsets[positions]] = i
        return rank


def part(rule: str, columns: dict) -> pa.Table:
    """One rule's findings as an Arrow table with the sort keys alongside."""
    n = len(columns["records"])
    data = {"rule": [rule] * n, "severity": [RULE[rule].severity] * n, "_rule": np.full(n, RULE_POS[rule])}
    data.update(columns)
    return pa.table({f.name: arrow_text(data[f.name], f.type) for f in SCHEMA}, schema=SCHEMA)


def rows_table(rule: str, rows: list[dict]) -> pa.Table:
    return part(rule, {f.name: [r[f.name] for r in rows] for f in SCHEMA if f.name not in ("rule", "severity", "_rule")})


def finding_row(district: str, dset: int, *, fund_source: str = "", skey: int = -1, record_ids: str = "", idrank: int = -1,
         records: int = 0, amount_fen: int = 0, zh: str, en: str, tie: int = 0) -> dict:
    return {
        "district": district, "fund_source": fund_source, "record_ids": record_ids, "records": int(records),
        "amount_fen": int(amount_fen), "explanation_zh": zh, "explanation_en": en,
        "_dset": dset, "_skey": skey, "_idrank": idrank, "_tie": tie,
    }
