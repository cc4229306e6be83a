"""What each fund source allocated to each destination.

Round thousands of yuan a little above what was spent, except two planted
stories: one pair spent exactly (one cash record absorbs the difference) and
one over-spent. The provincial delegation hands over exactly what it brings.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .campaign import Setup
from .draws import fen
from .records import KIND_RANDOM, Records
from .tables import CASH, FEN_PER_THOUSAND_YUAN

T = FEN_PER_THOUSAND_YUAN
MIN_ROWS_FOR_EXACT = 5  # the exactly spent pair has at least this many cash records
OVER_MIN = 20 * T  # the over-spent pair has spent at least this much, when one has
MARGIN_PERMILLE = (5, 61)  # 0.5 %–6 % left unspent
OVER_PERMILLE = 30  # the over-spent pair: 3 % more than this margin over its allocation


@dataclass(frozen=True)
class Allocations:
    """Per (source, destination) pair, index ``source * D + destination``:
    allocated and disbursed fen; the planted pairs (-1 when none)."""

    allocated: np.ndarray
    disbursed: np.ndarray
    exact_pair: int
    over_pair: int


def _disbursed(s: Setup, rec: Records) -> np.ndarray:
    """Fen spent per pair."""
    tot = np.zeros(s.S * s.D, dtype=np.int64)
    np.add.at(tot, rec.source * s.D + rec.dest, rec.amount)
    return tot


def allocate(rng: np.random.Generator, s: Setup, rec: Records) -> Allocations:
    """Allocations for every pair; adjusts one cash amount so a pair is spent exactly.

    Pairs are visited in a random order: the first regular pair with enough
    cash records, one of which can take the rounding difference within its
    category's cash range, is spent exactly; the next pair that spent at
    least OVER_MIN (or, in tiny data sets, the largest) is over-spent.
    """
    D, SD = s.D, s.S * s.D
    tot = _disbursed(s, rec)
    order = rng.permutation(SD)
    is_regular_pair = np.arange(SD) // D != s.prov_source
    cash_rows = np.flatnonzero((rec.aid == CASH) & (rec.kind == KIND_RANDOM))
    cash_pair = rec.source[cash_rows] * D + rec.dest[cash_rows]
    hi_of_cat = np.array([fen(p.cash[1]) for p in s.profiles])
    exact_pair = -1
    for p in order:  # pairs, not records
        if not is_regular_pair[p] or tot[p] == 0:
            continue
        diff = -(-tot[p] // T) * T - tot[p]
        rows = cash_rows[cash_pair == p]
        fits = rows[rec.amount[rows] + diff <= hi_of_cat[rec.cat[rows]]]
        if len(fits) and len(rows) >= MIN_ROWS_FOR_EXACT:
            rec.amount[fits[0]] += diff
            exact_pair = int(p)
            break

    tot = _disbursed(s, rec)
    big = [int(p) for p in order if is_regular_pair[p] and p != exact_pair and tot[p] >= OVER_MIN]
    if not big:  # tiny data sets: the largest pair
        big = [int(p) for p in np.argsort(-tot, kind="stable") if is_regular_pair[p] and p != exact_pair and tot[p] > 1]
    over_pair = big[0] if big else -1

    margin = rng.integers(*MARGIN_PERMILLE, size=SD)
    up = tot * (1000 + margin) // 1000
    alloc = np.maximum(T, -(-up // T) * T)
    alloc[~is_regular_pair] = tot[~is_regular_pair]
    if exact_pair >= 0:
        alloc[exact_pair] = tot[exact_pair]
    if over_pair >= 0:
        under = int(tot[over_pair] * (1000 - OVER_PERMILLE - margin[over_pair]) // 1000)
        alloc[over_pair] = under // T * T or under // 10_000 * 10_000 or under
    return Allocations(allocated=alloc, disbursed=tot, exact_pair=exact_pair, over_pair=over_pair)
