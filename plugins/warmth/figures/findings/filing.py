"""File first, help after (先建档、后帮扶): hardship workers helped without a file, or before it was opened.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from warmth.core.money import yuan
from warmth.figures.findings.arrays import day_numbers, group
from warmth.figures.findings.context import Context, finding_row, rows_table
from warmth.figures.findings.rules import HARDSHIP_GROUP


def file_first(ctx: Context, rule: str) -> pa.Table:
    if HARDSHIP_GROUP not in ctx.groups:
        return rows_table(rule, [])
    hardship = np.flatnonzero((ctx.g == ctx.groups.index(HARDSHIP_GROUP)) & (ctx.d >= 0))
    filed = day_numbers(ctx.records["filed_on"].iloc[hardship])
    if rule == "file-first-missing":
        rows = hardship[filed < 0]
    else:
        date = day_numbers(ctx.records["date"].iloc[hardship])
        rows = hardship[(filed >= 0) & (date >= 0) & (filed > date)]
    uniq, gcode = np.unique(ctx.d[rows], return_inverse=True)
    grp = group(ctx.rid, ctx.amount, rows, np.asarray(gcode).reshape(-1), len(uniq), listed=~ctx.grp_hidden[rows])
    ids = grp.ids.to_pylist()
    k, other = ctx.campaign.min_group_size, ctx.campaign.other_label
    out = []
    for i, d in enumerate(uniq.tolist()):
        dist = ctx.dests[d]
        n, fen, withheld = int(grp.count[i]), int(grp.fen[i]), int(grp.count[i] - grp.listed[i])
        if rule == "file-first-missing":
            zh = f"{dist}有 {n} 条{HARDSHIP_GROUP}帮扶记录（{yuan(fen)}）没有填写建档日期，无法核实是否先建档、后帮扶。"
            en = f"{dist}: {n} record(s) ({yuan(fen)}) helping hardship workers have no hardship-file date (filed_on)."
        else:
            zh = f"{dist}有 {n} 条{HARDSHIP_GROUP}帮扶记录（{yuan(fen)}）的建档日期晚于发放日期，不符合先建档、后帮扶。"
            en = f"{dist}: {n} record(s) ({yuan(fen)}) helped hardship workers before their hardship file was opened."
        if withheld:
            zh += (
                f"其中 {withheld} 条所在的区县×类别×群体组合不足 {k} 条，公开数据中受助群体已合并为“{other}”，"
                "为保护受助人，不列出这些记录编号。"
            )
            en += (
                f" {withheld} of them sit in combinations of fewer than {k} records, published with the group "
                f"'{other}'; to protect recipients their record ids are not listed."
            )
        out.append(finding_row(dist, d, record_ids=ids[i], idrank=grp.rank[i], records=n, amount_fen=fen, zh=zh, en=en))
    return rows_table(rule, out)
