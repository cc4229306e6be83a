"""When: the reporting round and the disbursement date of every record."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from .campaign import Campaign, Setup
from .draws import pick
from .records import Records
from .tables import FILED_FROM, ROUND1_SHARE

LATER_ROUNDS_DAYS = 17  # later rounds cover the campaign's last 18 days
DEADLINE_MARGIN_DAYS = 2  # round 1 stops two days before its deadline
PROVINCIAL_VISIT = (1, 9)  # (month, day) the delegation starts, in the campaign's last year
PROVINCIAL_DELAY_DAYS = 4  # ... a random 0–3 days later, one county a day


def round_windows(c: Campaign) -> list[tuple[int, int, np.ndarray]]:
    """Per round: first and last day (days since FILED_FROM) and day weights."""
    out = []
    for r, deadline in enumerate(c.deadlines):
        if r == 0:
            first = c.start
            last = min(c.end, deadline - timedelta(days=DEADLINE_MARGIN_DAYS)) if deadline else c.end
        else:
            first, last = max(c.start, c.end - timedelta(days=LATER_ROUNDS_DAYS)), c.end
        last = max(first, last)
        n = (last - first).days + 1
        x = np.arange(n) / max(1, n - 1)
        if r == 0:  # busier towards Spring Festival, with a bump before New Year's Day
            weights = 1 + 4 * x**2
            days = [first + timedelta(days=i) for i in range(n)]
            weights += np.array([1.5 if d.month == 12 and d.day >= 27 else 0.0 for d in days])
        else:
            weights = 1 + 3 * x
        out.append(((first - FILED_FROM).days, (last - FILED_FROM).days, weights))
    return out


def choose_rounds(rng: np.random.Generator, s: Setup, rec: Records) -> None:
    """The round each record is reported in.

    About ROUND1_SHARE of records come in round 1, the rest spread over later
    rounds; the late destination sends round 1 only, so the others make up for
    it. Coverage records of odd categories go to a later round, the provincial
    visits to round 1.
    """
    rnd = np.zeros(rec.n, dtype=np.int64)
    R = s.R
    if R > 1:
        w = s.dest_weights
        late_share = w[s.late_dest] / w.sum() if s.late_dest >= 0 else 0.0
        p_first = min(1.0, max(0.0, (ROUND1_SHARE - late_share) / (1 - late_share)))
        later = rng.random(rec.n) >= p_first
        rnd[later] = 1 + rng.integers(0, R - 1, size=int(later.sum()))
        is_forced = rec.is_forced
        rnd[is_forced] = np.where(rec.cat[is_forced] % 2 == 1, 1 + (rec.dest[is_forced] % (R - 1)), 0)
        rnd[rec.is_prov] = 0
        if s.late_dest >= 0:
            rnd[rec.dest == s.late_dest] = 0
    rec.rnd = rnd


def choose_dates(rng: np.random.Generator, s: Setup, rec: Records) -> None:
    """The disbursement day, inside the record's round window (see
    ``round_windows``); the provincial delegation visits one county a day
    from early January."""
    windows = round_windows(s.c)
    day = np.empty(rec.n, dtype=np.int64)
    for r, (first, _last, weights) in enumerate(windows):
        idx = np.flatnonzero(rec.rnd == r)
        day[idx] = first + pick(rng, len(idx), weights)
    first0, last0, _ = windows[0]
    start = (date(s.c.end.year, *PROVINCIAL_VISIT) - FILED_FROM).days
    is_prov = rec.is_prov
    for j, d in enumerate(s.prov_dests):
        visit = min(max(start + j + int(rng.integers(0, PROVINCIAL_DELAY_DAYS)), first0), last0)
        day[is_prov & (rec.dest == d)] = visit
    rec.day = day
