"""Fairness (公平): one recipient helped in several destinations, or with the same aid more than once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from warmth.figures.findings.arrays import STR, concat, group
from warmth.figures.findings.context import Context, part
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


def multi_district(ctx: Context) -> pa.Table:
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
    gcode = dense[refs[rows]]
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


def repeat(ctx: Context) -> pa.Table:
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
    rows, gcode = valid[keep], dense[codes[keep]]
    n = int(repeated.sum())
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
