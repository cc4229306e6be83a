"""Fairness (公平): one recipient helped in several destinations, or with the same aid more than once.

These findings are about people, so what is published is only how many people
and records, and how much money, per destination, and only for rows of at least
k people (smaller rows are merged, and a rule with fewer than k people in all
publishes nothing). The person-level detail — which ref, which records — goes
only to the union's private audit report (`multi_district_detail`,
`repeat_detail`; `make audit-report`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from warmth.core.money import yuan
from warmth.figures.findings.arrays import STR, concat, group
from warmth.figures.findings.context import Context, finding_row, part, rows_table
from warmth.figures.findings.rules import DISTRICT_SEPARATOR


def district_sets(ctx: Context, rows: np.ndarray, gcode: np.ndarray, ngroups: int) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """Per group: its destinations joined in declared order, their set id and how many.

    Python runs once per distinct set of destinations, not per group.
    """
    nD = len(ctx.dests)
    seen = np.zeros((ngroups, nD), dtype=bool)
    seen[gcode, ctx.d[rows]] = True
    if nD <= 62:
        bits = seen.astype(np.int64) @ (np.int64(1) << np.arange(nD, dtype=np.int64))
        sets, which = np.unique(bits, return_inverse=True)
        members = [tuple(p for p in range(nD) if (int(b) >> p) & 1) for b in sets.tolist()]
    else:
        sets, which = np.unique(seen, axis=0, return_inverse=True)
        members = [tuple(np.flatnonzero(row).tolist()) for row in sets]
    which = np.asarray(which).reshape(-1)
    names = pa.array([DISTRICT_SEPARATOR.join(ctx.dests[p] for p in m) for m in members], type=STR)
    ids = np.array([ctx.dset(m) for m in members], dtype=np.int64)
    return names.take(pa.array(which)), ids[which], seen.sum(axis=1).astype(np.int64)


def _multi_district_records(ctx: Context) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Records of refs seen in more than one destination: (positions, person index, the refs' codes)."""
    refs, rep, per_ref = ctx.refs()
    nD = len(ctx.dests)
    valid = (refs >= 0) & (ctx.d >= 0)
    valid[valid] = per_ref[refs[valid]] > 1  # a ref with one record is in one destination
    seen = np.zeros((len(rep), nD), dtype=bool)
    seen[refs[valid], ctx.d[valid]] = True
    multi = np.flatnonzero(seen.sum(axis=1) > 1)
    dense = np.full(len(rep) + 1, -1, dtype=np.int64)
    dense[multi] = np.arange(len(multi))
    rows = np.flatnonzero(valid & (dense[refs] >= 0))
    return rows, dense[refs[rows]], multi


def _repeat_records(ctx: Context) -> tuple[np.ndarray, np.ndarray, int]:
    """Records of a ref receiving one category from one source more than once: (positions, group, groups)."""
    refs, _rep, per_ref = ctx.refs()
    nS, nC = len(ctx.sources), len(ctx.cats)
    valid = (refs >= 0) & (ctx.s >= 0) & (ctx.c >= 0) & (ctx.d >= 0)
    valid[valid] = per_ref[refs[valid]] > 1  # only a ref with several records can repeat
    valid = np.flatnonzero(valid)
    key = (refs[valid] * nS + ctx.s[valid]) * nC + ctx.c[valid]
    codes, _ = pd.factorize(key)
    repeated = np.bincount(codes, minlength=1) > 1
    dense = np.full(len(repeated), -1, dtype=np.int64)
    dense[repeated] = np.arange(int(repeated.sum()))
    keep = dense[codes] >= 0
    return valid[keep], dense[codes[keep]], int(repeated.sum())


def multi_district_detail(ctx: Context) -> pa.Table:
    refs, rep, _ = ctx.refs()
    rows, gcode, multi = _multi_district_records(ctx)
    grp = group(ctx.rid, ctx.amount, rows, gcode, len(multi))
    names, dsets, ndest = district_sets(ctx, rows, gcode, len(multi))
    ref = ctx.ref_text.take(pa.array(rep[multi]))
    zh = concat("受助人编码 ", ref, " 在 ", ndest, " 个区县共有 ", grp.count, " 条受助记录，请核实是否重复申领。")
    en = concat("Recipient ", ref, " received aid in ", ndest, " destinations (", grp.count,
                 " records); check whether aid was claimed twice.")
    n = len(multi)
    return part("fairness-multi-district", {
        "district": names, "fund_source": [""] * n, "record_ids": grp.ids, "records": grp.count,
        "amount_fen": grp.fen, "explanation_zh": zh, "explanation_en": en,
        "_dset": dsets, "_skey": np.full(n, -1), "_idrank": grp.rank, "_tie": np.zeros(n, dtype=np.int64),
    })


def repeat_detail(ctx: Context) -> pa.Table:
    nC = len(ctx.cats)
    rows, gcode, n = _repeat_records(ctx)
    grp = group(ctx.rid, ctx.amount, rows, gcode, n)
    hidden = np.bincount(gcode[ctx.cat_hidden[rows]], minlength=n) > 0
    names, dsets, _ndest = district_sets(ctx, rows, gcode, n)
    first = grp.first
    s, c = ctx.s[first], ctx.c[first]
    ref = ctx.ref_text.take(pa.array(first, type=pa.int64()))
    source = pa.array(ctx.sources, type=STR).take(pa.array(s))
    cat_code = pa.array(np.where(hidden, nC, c))
    cats_zh = pa.array([f"“{name}”" for name in ctx.cats] + ["同一类别（小组保护，不公开类别名称）"], type=STR).take(cat_code)
    cats_en = pa.array(ctx.cats + ["one category (not named: small-group protection)"], type=STR).take(cat_code)
    zh = concat("受助人编码 ", ref, " 从“", source, "”领取", cats_zh, "救助共 ", grp.count,
                 " 次；可能是分批发放等正常情况，也可能是重复发放，予以公开。")
    en = concat("Recipient ", ref, " received ", cats_en, " from ", source, " ", grp.count,
                 " times; this may be legitimate (e.g. aid in instalments) or a duplicate.")
    return part("fairness-repeat", {
        "district": names, "fund_source": source, "record_ids": grp.ids, "records": grp.count,
        "amount_fen": grp.fen, "explanation_zh": zh, "explanation_en": en,
        "_dset": dsets, "_skey": s, "_idrank": grp.rank, "_tie": np.zeros(n, dtype=np.int64),
    })


def _protected_rows(ctx: Context, rows: np.ndarray) -> list[tuple[tuple[int, ...], int, int, int]]:
    """Per destination: (destinations, people, records, fen) for the records ``rows``, every row of
    at least k people. Destinations below k are merged into one row, which takes in the smallest
    others until it reaches k; with fewer than k people in all, nothing is published."""
    k = ctx.campaign.min_group_size
    refs, _, _ = ctx.refs()
    d = ctx.d[rows]
    nD = len(ctx.dests)
    people = np.array([len(np.unique(refs[rows][d == i])) for i in range(nD)])  # once per destination
    if len(np.unique(refs[rows])) < k:
        return []
    small = [i for i in range(nD) if 0 < people[i] < k]
    if small:
        merged = set(small)
        others = sorted((people[i], i) for i in range(nD) if people[i] >= k)
        while len(np.unique(refs[rows][np.isin(d, sorted(merged))])) < k:
            merged.add(others.pop(0)[1])
        groups = [(i,) for i in range(nD) if people[i] and i not in merged] + [tuple(sorted(merged))]
    else:
        groups = [(i,) for i in range(nD) if people[i]]
    out = []
    for members in groups:
        mask = np.isin(d, members)
        out.append((members, len(np.unique(refs[rows][mask])), int(mask.sum()), int(ctx.amount[rows][mask].sum())))
    return out


def _public(ctx: Context, rule: str, rows: np.ndarray, zh: str, en: str) -> pa.Table:
    found = []
    for members, people, records, fen in _protected_rows(ctx, rows):
        names = DISTRICT_SEPARATOR.join(ctx.dests[i] for i in members)
        found.append(finding_row(
            names, ctx.dset(members), records=records, amount_fen=fen,
            zh=zh.format(where=names, people=people, records=records, money=yuan(fen)),
            en=en.format(where=names, people=people, records=records, money=yuan(fen)),
        ))
    return rows_table(rule, found)


def multi_district(ctx: Context) -> pa.Table:
    """Public: per destination, how many people also received aid in another destination."""
    rows, _, _ = _multi_district_records(ctx)
    return _public(
        ctx, "fairness-multi-district", rows,
        "{where}有 {people} 位受助人在其他区县也领取了救助，他们在{where}共 {records} 条记录（{money}）。"
        "是否重复申领由工会逐人核实，逐人明细不公开。",
        "{people} recipients in {where} also received aid in another destination: {records} records ({money}) in {where}. "
        "The union checks each person; the person-level detail is not published.",
    )


def repeat(ctx: Context) -> pa.Table:
    """Public: per destination, how many people received one category from one source more than once."""
    rows, _, _ = _repeat_records(ctx)
    return _public(
        ctx, "fairness-repeat", rows,
        "{where}有 {people} 位受助人从同一资金来源多次领取同一类别的救助，共 {records} 条记录（{money}）；"
        "可能是分批发放等正常情况，也可能是重复发放，由工会逐人核实。",
        "{people} recipients in {where} received the same category from the same source more than once: {records} records "
        "({money}); this may be legitimate (e.g. instalments) or a duplicate, and the union checks each person.",
    )
