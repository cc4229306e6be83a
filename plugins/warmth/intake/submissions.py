"""data/submissions.csv: when each destination's report for each round arrived.

Optional. It lets findings name late reports, and pages show when each report
came in.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import numpy as np
import pandas as pd

from warmth.core.campaign import Campaign
from warmth.core.problems import Problem
from warmth.core.schema import Column
from warmth.intake.load import read_table
from warmth.intake.validate import parse_date

SUBMISSION_COLUMNS: tuple[Column, ...] = (
    Column("round", "批次", "yes", "string", "Reporting round id."),
    Column("district", "区县", "yes", "string", "Declared destination."),
    Column("received_on", "收到日期", "yes", "date", "Date the round's report from the destination was received."),
)


def load_submissions(path: Path, campaign: Campaign) -> tuple[pd.DataFrame | None, list[Problem]]:
    """data/submissions.csv: when each destination's report for each round was received.

    Columns ``round, district, received_on`` (or 批次, 区县, 收到日期); CSV in
    UTF-8 with or without BOM (GB18030 and .xlsx as for records); received_on
    as 2012-01-05, 2012/1/5 or 2012年1月5日. The file is optional: (None, [])
    when it does not exist. Otherwise (frame of the good rows with round,
    district and received_on as ISO text, in file order; every problem) — a
    row with a problem is left out of the frame, a repeated round × destination
    keeps its first row. The frame is None when the file cannot be read at all.
    """
    path = Path(path)
    if not path.exists():
        return None, []
    name = path.name
    problems: list[Problem] = []
    frame, _digest = read_table(path, name, SUBMISSION_COLUMNS, problems, require_rows=False)
    if frame is None:
        return None, problems
    ok = np.ones(len(frame), dtype=bool)
    zh_names = {c.name: c.zh for c in SUBMISSION_COLUMNS}
    iso = []
    for i, (rnd, dist, on, row) in enumerate(
        zip(frame["round"], frame["district"], frame["received_on"], frame["_row"].tolist())
    ):
        for column, value in (("round", rnd), ("district", dist), ("received_on", on)):
            if value == "":
                problems.append(Problem(name, row, column, "", "required", f"“{zh_names[column]}”必填，不能为空。", f"'{column}' is required."))
                ok[i] = False
        if rnd and rnd not in campaign.round_ids:
            problems.append(Problem(
                name, row, "round", rnd, "undeclared-name",
                f"“{rnd}”不是已声明的批次（{'、'.join(campaign.round_ids)}）。",
                f"'{rnd}' is not a declared round ({', '.join(campaign.round_ids)}).",
            ))
            ok[i] = False
        dests = campaign.names("destinations")
        if dist and dist not in dests:
            close = difflib.get_close_matches(dist, dests, n=1, cutoff=0.5) or [n for n in dests if dist in n or n in dist][:1]
            problems.append(Problem(
                name, row, "district", dist, "undeclared-name",
                f"“{dist}”不是已声明的区县。" + (f"是否应为“{close[0]}”？" if close else "请使用活动配置文件中的名称。"),
                f"'{dist}' is not a declared district." + (f" Did you mean '{close[0]}'?" if close else " Use a name from campaign.toml."),
            ))
            ok[i] = False
        parsed = parse_date(on) if on else None
        if on and parsed is None:
            problems.append(Problem(
                name, row, "received_on", on, "date-format",
                "日期无法识别。请写成 2012-01-05、2012/1/5 或 2012年1月5日。",
                "Unreadable date. Use 2012-01-05, 2012/1/5 or 2012年1月5日.",
            ))
            ok[i] = False
        iso.append(parsed or "")
    frame = frame.assign(received_on=iso)
    dup = frame.duplicated(["round", "district"], keep="first").to_numpy() & (frame["round"] != "").to_numpy()
    first_row = frame.drop_duplicates(["round", "district"], keep="first").set_index(["round", "district"])["_row"]
    for rnd, dist, row in frame.loc[dup, ["round", "district", "_row"]].itertuples(index=False, name=None):
        first = int(first_row.loc[(rnd, dist)])
        problems.append(Problem(
            name, int(row), "district", dist, "duplicate-submission",
            f"同一批次（{rnd}）和区县重复出现，已在第 {first} 行。",
            f"The same round ({rnd}) and district appear twice; first at row {first}.",
        ))
    ok &= ~dup
    good = frame.loc[ok, ["round", "district", "received_on"]].reset_index(drop=True)
    return good.astype(str), sorted(problems)
