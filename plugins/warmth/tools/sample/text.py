"""Turning codes into the text districts write: dates, amounts, quantities,
recipient references and record-id prefixes."""

from __future__ import annotations

import hashlib
import itertools
import re
from datetime import date, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .tables import MAX_DIGIT_RUN, PREFIXES


def strings(values: list[str]) -> pa.Array:
    """A pyarrow string array (a table to ``take`` text from)."""
    return pa.array(values, type=pa.string())


def take(table: pa.Array, codes: np.ndarray) -> pa.Array:
    """table[codes]; a negative code gives an empty cell."""
    codes = np.asarray(codes, dtype=np.int64)
    missing = codes < 0
    if missing.any():
        return table.take(pa.array(np.where(missing, 0, codes), mask=missing))
    return table.take(pa.array(codes))


def date_tables(first: date, last: date) -> dict[str, pa.Array]:
    """Every day from first to last, in each date style (``Style.dates``)."""
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    return {
        "iso": strings([d.isoformat() for d in days]),
        "slash": strings([f"{d.year}/{d.month}/{d.day}" for d in days]),
        "cjk": strings([f"{d.year}年{d.month}月{d.day}日" for d in days]),
    }


def amount_strings(fen: np.ndarray, fixed: bool) -> pa.Array:
    """Yuan text from fen: ``500``/``152.5``/``152.25``, or always two decimals."""
    whole = pc.cast(pa.array(fen // 100), pa.string())
    cents = fen % 100
    if fixed:
        suffixes = [f".{c:02d}" for c in range(100)]
    else:
        suffixes = ["" if c == 0 else f".{c // 10}" if c % 10 == 0 else f".{c:02d}" for c in range(100)]
    return pc.binary_join_element_wise(whole, strings(suffixes).take(pa.array(cents)), "")


def quantity_strings(max_tenths: int) -> pa.Array:
    """Text of every quantity 0 .. max_tenths tenths: ``2``, ``1.5``; 0 is empty."""
    return strings(["" if q == 0 else str(q // 10) if q % 10 == 0 else f"{q // 10}.{q % 10}" for q in range(max_tenths + 1)])


def _digit_runs_ok(hexes: list[str]) -> np.ndarray:
    """True where a 64-char hex string has no run of more than MAX_DIGIT_RUN digits."""
    if not hexes:
        return np.zeros(0, dtype=bool)
    arr = np.frombuffer("".join(hexes).encode("ascii"), dtype=np.uint8).reshape(len(hexes), -1)
    digit = arr < ord("a")
    run = np.zeros(len(hexes), dtype=np.int16)
    longest = np.zeros(len(hexes), dtype=np.int16)
    for j in range(arr.shape[1]):  # columns (64), not records
        run = (run + 1) * digit[:, j]
        np.maximum(longest, run, out=longest)
    return longest <= MAX_DIGIT_RUN


def recipient_refs(seed: int, n: int) -> list[str]:
    """n pseudonymous ids: sha256 of f"{seed}:{i}" for the first n indices i whose
    digest has no long run of digits (so no ref can be mistaken for a phone number)."""
    refs: list[str] = []
    start = 0
    sha = hashlib.sha256
    while len(refs) < n:
        batch = max(1024, int((n - len(refs)) * 1.35))
        hexes = [sha(b"%d:%d" % (seed, i)).hexdigest() for i in range(start, start + batch)]
        refs.extend(itertools.compress(hexes, _digit_runs_ok(hexes)))
        start += batch
    return refs[:n]


def record_prefixes(slugs: tuple[str, ...]) -> list[str]:
    """Record-id prefix per destination: PREFIXES, else the slug's letters
    upper-cased; a repeated prefix gets a number (``SZ``, ``SZ2``)."""
    out: list[str] = []
    for slug in slugs:
        base = PREFIXES.get(slug) or re.sub(r"[^A-Za-z0-9]", "", slug).upper() or "D"
        prefix, n = base, 2
        while prefix in out:
            prefix, n = f"{base}{n}", n + 1
        out.append(prefix)
    return out
