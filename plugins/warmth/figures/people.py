"""Recipient refs as person codes: found once for all the stages that count people.

The privacy rules (figures/privacy/codes.py), the aggregates and the campaign
table each count distinct people, so each needs every record's recipient_ref as
an integer. Hashing a million 64-character refs takes about 0.25 s (1.2 s at 5M
records), and the stages ask for the same refs: the checked records and the
published ones share the very same Arrow array (protecting generalises other
columns). The codes of the last array asked for are kept, keyed by that array's
identity (Arrow arrays are immutable) through a weak reference (a long-running
`make serve` does not keep a build's refs alive), and handed out read-only.
"""

from __future__ import annotations

import weakref

import numpy as np
import pandas as pd

_last: tuple = (None, None)  # (a weak reference to the Arrow array of the refs, their codes): kept no longer than it


def person_codes(refs: pd.Series) -> tuple[np.ndarray, int]:
    """One int64 code per record, equal exactly when the refs are, -1 where the ref is empty (read-only); and how
    many distinct people (non-empty refs) there are."""
    global _last
    data = getattr(refs.array, "_pa_array", None)  # pandas' Arrow-backed strings: the array itself
    if data is not None and _last[0] is not None and _last[0]() is data:
        return _last[1]
    codes, uniques = pd.factorize(refs)
    codes = codes.astype(np.int64)
    empty = np.flatnonzero(np.asarray(uniques) == "")
    if len(empty):
        codes[codes == empty[0]] = -1
    codes.setflags(write=False)
    found = (codes, len(uniques) - len(empty))
    _last = (weakref.ref(data), found) if data is not None else (None, None)
    return found
