"""Reports late or missing: each destination's report for each round, against its deadline.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from warmth.core.dates import parse_date
from warmth.core.money import yuan
from warmth.figures.findings.arrays import codes_of
from warmth.figures.findings.context import Context, finding_row, rows_table


def _cells(ctx: Context) -> tuple[np.ndarray, np.ndarray]:
    """Records and fen per round × destination cell (ri * nD + di)."""
    nR, nD = len(ctx.rounds), len(ctx.dests)
    valid = (ctx.r >= 0) & (ctx.d >= 0)
    cell = ctx.r[valid] * nD + ctx.d[valid]
    count = np.bincount(cell, minlength=nR * nD).astype(np.int64)
    fen = np.zeros(nR * nD, dtype=np.int64)
    np.add.at(fen, cell, ctx.amount[valid])
    return count, fen


def _received(ctx: Context, submissions: pd.DataFrame | None) -> dict[tuple[int, int], str]:
    """(round, destination) → the ISO date its report arrived (the first row of data/submissions.csv)."""
    received: dict[tuple[int, int], str] = {}
    if submissions is not None and len(submissions):
        r = codes_of(submissions["round"].astype(str), ctx.rounds)
        d = codes_of(submissions["district"].astype(str), ctx.dests)
        for ri, di, on in zip(r.tolist(), d.tolist(), submissions["received_on"].astype(str).tolist()):
            iso = parse_date(on)
            if ri >= 0 and di >= 0 and iso and (ri, di) not in received:
                received[(ri, di)] = iso
    return received


def reports_missing(ctx: Context, submissions: pd.DataFrame | None) -> np.ndarray:
    """Per destination: whether any round's report is missing (no records, no report received).

    Until all its reports are in, what a destination has left of its allocations is not known:
    the unspent rule skips it, as pages show its balance as 未报送 (figures.aggregate.missing_reports).
    """
    nD = len(ctx.dests)
    count, _ = _cells(ctx)
    received = _received(ctx, submissions)
    missing = np.zeros(nD, dtype=bool)
    for ri in range(len(ctx.rounds)):
        for di in range(nD):
            missing[di] |= not count[ri * nD + di] and (ri, di) not in received
    return missing


def reports(ctx: Context, submissions: pd.DataFrame | None, campaign_over: bool) -> list[pa.Table]:
    campaign = ctx.campaign
    nD = len(ctx.dests)
    count, fen = _cells(ctx)
    received = _received(ctx, submissions)
    late, missing = [], []
    for (ri, di), on in received.items():
        rnd, dist = campaign.rounds[ri], ctx.dests[di]
        deadline = rnd.deadline.isoformat()
        if on <= deadline:
            continue
        n, f = int(count[ri * nD + di]), int(fen[ri * nD + di])
        zh = f"{dist}{rnd.label}（{rnd.id}）的报送于 {on} 收到，晚于截止日期 {deadline}；该批次有 {n} 条记录（{yuan(f)}）。"
        en = (
            f"{dist}'s report for round {rnd.id} was received on {on}, after the deadline {deadline}; "
            f"it holds {n} records ({yuan(f)})."
        )
        late.append(finding_row(dist, di, records=n, amount_fen=f, zh=zh, en=en, tie=ri))
    for di, dist in enumerate(ctx.dests):
        for ri, rnd in enumerate(campaign.rounds):
            if count[ri * nD + di]:
                continue
            deadline = rnd.deadline.isoformat()
            if submissions is not None:
                if (ri, di) in received or not (rnd.deadline < campaign.end or campaign_over):
                    continue
                zh = f"截止日期 {deadline} 已过，仍未收到{dist}{rnd.label}（{rnd.id}）的报送，该批次也没有任何发放记录。"
                en = f"The deadline {deadline} has passed and {dist} has sent neither a report nor records for round {rnd.id}."
            else:
                if not campaign_over:
                    continue
                zh = f"活动已结束，{dist}在{rnd.label}（{rnd.id}，截止日期 {deadline}）没有任何发放记录，视为未报送。"
                en = f"The campaign is over and {dist} has no records in round {rnd.id} (deadline {deadline}): the report is missing."
            missing.append(finding_row(dist, di, zh=zh, en=en, tie=ri))
    return [rows_table("late-report", late), rows_table("missing-report", missing)]
