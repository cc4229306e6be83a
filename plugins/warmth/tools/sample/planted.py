"""The planted rule breaches the findings page must show.

Two are planted here: hardship workers without a file or filed after their
aid, and fund sources used outside their earmarked categories. The
allocation stories (one pair spent exactly, one over-spent) are in
``allocations``; the missing second-round report comes from ``choose_rounds``.
"""

from __future__ import annotations

import numpy as np

from .campaign import Setup
from .people import HardshipFiles
from .records import KIND_FORCED, KIND_RANDOM, Records
from .tables import BREACH_SHARE, FILED_ISSUE_SHARE, HARDSHIP

RECORDS_PER_FILING_ISSUE = 1.2  # records per affected person, about
FILED_LATE_DAYS = (1, 8)  # a late file is opened 1–7 days after the first aid


def plant_filing_issues(rng: np.random.Generator, s: Setup, rec: Records, files: HardshipFiles) -> None:
    """A few hardship workers (FILED_ISSUE_SHARE of their records): half have
    no hardship file, half had it opened only after their first aid."""
    if HARDSHIP not in s.gidx:
        return
    g = s.gidx[HARDSHIP]
    hw = np.flatnonzero(files.group == g)
    n_hw_records = int((rec.group == g).sum())
    k = max(2, round(FILED_ISSUE_SHARE * n_hw_records / RECORDS_PER_FILING_ISSUE))
    planted = rng.choice(hw, size=min(k, len(hw)), replace=False)
    missing, late = planted[: len(planted) // 2], planted[len(planted) // 2:]
    files.has_file[missing] = False
    files.filed[late] = files.first_day[late] + rng.integers(*FILED_LATE_DAYS, size=len(late))


def plant_earmark_breaches(rng: np.random.Generator, s: Setup, rec: Records) -> None:
    """BREACH_SHARE of the records (at least 2) get a regular fund source not
    earmarked for their category. Only random records are chosen, unless the
    data set is so small that only coverage records can be."""
    rec.breach = np.zeros(rec.n, dtype=bool)
    forbidden = [[src for src in s.regular if src not in s.allowed[k]] for k in range(s.C)]
    breachable = np.isin(rec.cat, [k for k in range(s.C) if forbidden[k]])
    eligible = np.flatnonzero((rec.kind == KIND_RANDOM) & breachable)
    if not len(eligible):
        eligible = np.flatnonzero((rec.kind == KIND_FORCED) & breachable)
    if not len(eligible):
        return
    k_breach = min(len(eligible), max(2, round(BREACH_SHARE * rec.n)))
    rows = np.sort(rng.choice(eligible, size=k_breach, replace=False))
    # One draw per row in row order: integers() with an array of bounds draws
    # exactly as the same number of scalar calls would.
    width = max(len(f) for f in forbidden)
    table = np.array([f + [-1] * (width - len(f)) for f in forbidden], dtype=np.int64).reshape(s.C, width)
    n_opts = np.array([len(f) for f in forbidden], dtype=np.int64)
    cats = rec.cat[rows]
    rec.source[rows] = table[cats, rng.integers(0, n_opts[cats])]
    rec.breach[rows] = True
