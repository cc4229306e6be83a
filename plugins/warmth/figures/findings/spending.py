"""Rules about money: spending beyond an allocation, allocations left unspent, and the earmark (专款专用).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from warmth.core.money import yuan
from warmth.figures.findings.arrays import codes_of, group
from warmth.figures.findings.context import Context, finding_row, rows_table
from warmth.figures.findings.rules import ID_LIMIT


def pair_totals(ctx: Context, allocations: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per source × destination pair (s * nD + d): disbursed and allocated fen; each record's pair."""
    nS, nD = len(ctx.sources), len(ctx.dests)
    valid = (ctx.s >= 0) & (ctx.d >= 0)
    pair = np.where(valid, ctx.s * nD + ctx.d, -1)
    disbursed = np.zeros(nS * nD, dtype=np.int64)
    np.add.at(disbursed, pair[valid], ctx.amount[valid])
    allocated = np.zeros(nS * nD, dtype=np.int64)
    if len(allocations):
        a_s = codes_of(allocations["fund_source"], ctx.sources)
        a_d = codes_of(allocations["district"], ctx.dests)
        column = "allocated" if "allocated" in allocations.columns else "amount_fen"
        fen = allocations[column].to_numpy(np.int64)
        ok = (a_s >= 0) & (a_d >= 0)
        np.add.at(allocated, a_s[ok] * nD + a_d[ok], fen[ok])
    return pair, disbursed, allocated


def over_allocation(ctx: Context, pair, disbursed, allocated) -> pa.Table:
    nD = len(ctx.dests)
    over = np.flatnonzero(disbursed > allocated)
    dense = np.full(len(disbursed) + 1, -1, dtype=np.int64)
    dense[over] = np.arange(len(over))
    rows = np.flatnonzero(dense[pair] >= 0)
    grp = group(ctx.rid, ctx.amount, rows, dense[pair[rows]], len(over), cap=ID_LIMIT)
    ids = grp.ids.to_pylist()
    out = []
    for i, p in enumerate(over.tolist()):
        s, d = divmod(p, nD)
        src, dist = ctx.sources[s], ctx.dests[d]
        n, excess = int(grp.count[i]), int(disbursed[p] - allocated[p])
        zh = (
            f"“{src}”拨给{dist}{yuan(allocated[p])}，实际发放{yuan(disbursed[p])}（{n} 条记录），"
            f"超出拨付额{yuan(excess)}。"
        )
        en = (
            f"{src} allocated {yuan(allocated[p])} to {dist}, but {yuan(disbursed[p])} was disbursed "
            f"({n} records): {yuan(excess)} beyond the allocation."
        )
        if n > ID_LIMIT:
            zh += f"记录编号只列出前 {ID_LIMIT} 条…等 {n} 条。"
            en += f" Only the first {ID_LIMIT} record ids are listed, of {n}."
        out.append(finding_row(dist, d, fund_source=src, skey=s, record_ids=ids[i], idrank=grp.rank[i],
                        records=n, amount_fen=excess, zh=zh, en=en))
    return rows_table("over-allocation", out)


def unspent(ctx: Context, disbursed, allocated, incomplete: np.ndarray) -> pa.Table:
    """Money left of an allocation, for destinations whose every report is in.

    ``incomplete`` (per destination, `reports.reports_missing`): a destination with a
    report missing has not said what it spent, so its balance is not money left
    unspent — the missing report is the finding (README "Findings").
    """
    nD = len(ctx.dests)
    out = []
    for p in np.flatnonzero(allocated > disbursed).tolist():
        s, d = divmod(p, nD)
        if incomplete[d]:
            continue
        src, dist = ctx.sources[s], ctx.dests[d]
        balance = int(allocated[p] - disbursed[p])
        zh = (
            f"“{src}”拨给{dist}{yuan(allocated[p])}，活动结束时已发放{yuan(disbursed[p])}，"
            f"尚有{yuan(balance)}未用完。"
        )
        en = (
            f"{src} allocated {yuan(allocated[p])} to {dist}; {yuan(disbursed[p])} was disbursed by the end "
            f"of the campaign, leaving {yuan(balance)} unspent."
        )
        out.append(finding_row(dist, d, fund_source=src, skey=s, amount_fen=balance, zh=zh, en=en))
    return rows_table("unspent-balance", out)


def earmark(ctx: Context) -> pa.Table:
    nS, nC = len(ctx.sources), len(ctx.cats)
    allowed = np.ones((nS, nC), dtype=bool)  # a source that lists no categories is not earmarked
    for i, source in enumerate(ctx.campaign.fund_sources):
        if source.categories:
            allowed[i] = [name in source.categories for name in ctx.cats]
    valid = (ctx.s >= 0) & (ctx.c >= 0) & (ctx.d >= 0)
    breach = np.flatnonzero(valid & ~allowed[np.maximum(ctx.s, 0), np.maximum(ctx.c, 0)])
    hidden = ctx.cat_hidden[breach]
    cat = np.where(hidden, nC, ctx.c[breach])  # categories hidden by coarsening: one group, unnamed
    key = (ctx.d[breach] * nS + ctx.s[breach]) * (nC + 1) + cat
    uniq, gcode = np.unique(key, return_inverse=True)
    grp = group(ctx.rid, ctx.amount, breach, np.asarray(gcode).reshape(-1), len(uniq), listed=~hidden)
    ids = grp.ids.to_pylist()
    k, other = ctx.campaign.min_group_size, ctx.campaign.other_label
    out = []
    for i, u in enumerate(uniq.tolist()):
        ds, ci = divmod(u, nC + 1)
        d, s = divmod(ds, nS)
        src, dist = ctx.sources[s], ctx.dests[d]
        n, fen = int(grp.count[i]), int(grp.fen[i])
        earmarked = "、".join(ctx.campaign.fund_sources[s].categories)
        if ci < nC:
            zh = f"{dist}有 {n} 条记录（{yuan(fen)}）用“{src}”支付“{ctx.cats[ci]}”；这项资金只能用于：{earmarked}。"
            en = f"{dist}: {n} record(s) ({yuan(fen)}) paid {ctx.cats[ci]} from {src}, which may pay only for: {earmarked}."
        else:
            zh = (
                f"{dist}有 {n} 条记录（{yuan(fen)}）用“{src}”支付了它不包括的救助类别；这项资金只能用于：{earmarked}。"
                f"这些记录所在的区县×类别×群体组合不足 {k} 条，公开数据中类别已合并为“{other}”，"
                "为保护受助人，不列出原类别和记录编号。"
            )
            en = (
                f"{dist}: {n} record(s) ({yuan(fen)}) paid from {src} for categories outside its earmark "
                f"({earmarked}). They sit in combinations of fewer than {k} records, published as '{other}'; "
                "to protect recipients their categories and record ids are not listed."
            )
        out.append(finding_row(dist, d, fund_source=src, skey=s, record_ids=ids[i], idrank=grp.rank[i],
                        records=n, amount_fen=fen, zh=zh, en=en, tie=ci))
    return rows_table("earmark", out)
