"""Vectorised work on columns of text: each distinct value parsed once, regexes in Arrow.

The checks never loop over records in Python: a column is matched with Arrow's
RE2 kernels, and a parser runs once per distinct value (names, dates and units
repeat heavily), its result spread back with one vectorised lookup.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from warmth.core.problems import Problem

# Problems listed per rule; beyond this they are counted, not listed.
LIST_LIMIT = 500


def map_unique(series: pd.Series, func: Callable[[str], str | None], categories: list[str] | None = None) -> pd.Categorical:
    """Apply ``func`` once per distinct value; the results as a categorical.

    Values for which ``func`` returns None become missing. ``categories`` fixes
    the category order; by default the sorted distinct results.
    """
    codes, uniques = pd.factorize(series, sort=False)
    results = [func(u) for u in uniques]
    if categories is None:
        categories = sorted({r for r in results if r is not None})
    position = {c: i for i, c in enumerate(categories)}
    lookup = np.array([position.get(r, -1) if r is not None else -1 for r in results] + [-1], dtype=np.int64)
    return pd.Categorical.from_codes(lookup[codes], categories=categories)


def categorical(series: pd.Series, names: list[str]) -> pd.Categorical:
    """Declared names as an ordered categorical; anything else becomes missing."""
    return map_unique(series, lambda v: v, categories=names)


def fullmatch(series: pd.Series, pattern: str) -> pd.Series:
    """Whole-value regex match with Arrow's RE2 kernel (no per-value Python)."""
    matched = pc.match_substring_regex(pa.array(series, type=pa.large_string()), f"^(?:{pattern})$")
    return pd.Series(matched.to_numpy(zero_copy_only=False), index=series.index, dtype=bool)


def starts_with_any(series: pd.Series, prefixes: tuple[str, ...]) -> pd.Series:
    """True where the text starts with one of the one-character ``prefixes``."""
    first = pc.utf8_slice_codeunits(pa.array(series, type=pa.large_string()), 0, 1)
    hit = pc.is_in(first, value_set=pa.array(prefixes, type=pa.large_string()))
    return pd.Series(hit.to_numpy(zero_copy_only=False), index=series.index, dtype=bool)


def suggest(value: str, names: list[str]) -> str:
    """The declared name a mistyped value most likely meant (``沙湾`` → ``沙湾区``), or ""."""
    close = difflib.get_close_matches(value, names, n=1, cutoff=0.5)
    if not close:
        close = [n for n in names if value and (value in n or n in value)][:1]
    return close[0] if close else ""


class Collector:
    """Collects problems, listing at most LIST_LIMIT per rule but counting all."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.total = 0

    def flag(
        self,
        frame: pd.DataFrame,
        mask: pd.Series,
        column: str,
        code: str,
        /,
        *,
        variant: str = "",
        per_value: Callable[[str], dict] | None = None,
        **values,
    ) -> None:
        """One problem of ``code`` per cell of ``column`` where ``mask`` holds.

        ``values`` fill the code's message; ``per_value(cell)`` adds values that
        depend on the cell (a suggestion, where a duplicate was first seen).
        """
        count = int(mask.sum())
        if not count:
            return
        self.total += count
        rows = frame.loc[mask, ["_file", "_row", column]].head(LIST_LIMIT)
        for file, row, value in rows.itertuples(index=False, name=None):
            extra = per_value(value) if per_value else {}
            self.problems.append(Problem.of(code, file, row, column, value, variant=variant, **values, **extra))

    def add(self, problem: Problem) -> None:
        self.total += 1
        self.problems.append(problem)
