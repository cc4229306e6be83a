"""data/submissions.csv: when each destination's report for each round arrived.

Optional. It lets findings name late reports, and pages show when each report
came in.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from warmth.core.campaign import Campaign
from warmth.core.dates import parse_date
from warmth.core.problems import Problem
from warmth.core.schema import SUBMISSION_COLUMNS
from warmth.intake.cells import suggest
from warmth.intake.load import read_table


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
                problems.append(Problem.of("required", name, row, column, label=zh_names[column], column=column))
                ok[i] = False
        if rnd and rnd not in campaign.round_ids:
            problems.append(Problem.of(
                "undeclared-name", name, row, "round", rnd, variant="round",
                rounds="、".join(campaign.round_ids), rounds_en=", ".join(campaign.round_ids),
            ))
            ok[i] = False
        dests = campaign.names("destinations")
        if dist and dist not in dests:
            close = suggest(dist, dests)
            problems.append(Problem.of(
                "undeclared-name", name, row, "district", dist, label="区县", column="district",
                hint=f"是否应为“{close}”？" if close else "请使用活动配置文件中的名称。",
                hint_en=f" Did you mean '{close}'?" if close else " Use a name from campaign.toml.",
            ))
            ok[i] = False
        parsed = parse_date(on) if on else None
        if on and parsed is None:
            problems.append(Problem.of("date-format", name, row, "received_on", on))
            ok[i] = False
        iso.append(parsed or "")
    frame = frame.assign(received_on=iso)
    dup = frame.duplicated(["round", "district"], keep="first").to_numpy() & (frame["round"] != "").to_numpy()
    first_row = frame.drop_duplicates(["round", "district"], keep="first").set_index(["round", "district"])["_row"]
    for rnd, dist, row in frame.loc[dup, ["round", "district", "_row"]].itertuples(index=False, name=None):
        first = int(first_row.loc[(rnd, dist)])
        problems.append(Problem.of("duplicate-submission", name, row, "district", dist, round=rnd, first=first))
    ok &= ~dup
    good = frame.loc[ok, ["round", "district", "received_on"]].reset_index(drop=True)
    return good.astype(str), sorted(problems)
