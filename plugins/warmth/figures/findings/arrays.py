"""Vectorised building blocks of the finding rules: integer codes, exact refs, groups of records.

No Python runs per record: records become integer codes in declared order,
recipient refs become integers (exactly, see `factorize_refs`), and a group of
records is summed and listed with one sort (`group`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from warmth.core.dates import parse_date
from warmth.figures.findings.rules import COLUMNS

STR = pa.large_string()


SCHEMA = pa.schema(
    [(c, pa.int64() if c in ("records", "amount_fen") else STR) for c in COLUMNS]
    + [(k, pa.int64()) for k in ("_rule", "_dset", "_skey", "_idrank", "_tie")]
)


def arrow_text(values, type=STR) -> pa.Array:
    """A contiguous Arrow array (pandas' Arrow-backed text may come chunked)."""
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        arr = values if values.type == type else pc.cast(values, type)
    else:
        arr = pa.array(values, type=type)
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def codes_of(series: pd.Series, names: list[str]) -> np.ndarray:
    """Position of each value in ``names`` (declared order); -1 for missing or unknown."""
    pos = {name: i for i, name in enumerate(names)}
    if isinstance(series.dtype, pd.CategoricalDtype):
        raw, cats = series.cat.codes.to_numpy(np.int64), series.cat.categories
    else:
        raw, cats = pd.factorize(series, use_na_sentinel=True)
        raw = raw.astype(np.int64)
    lookup = np.array([pos.get(str(c), -1) for c in cats] + [-1], dtype=np.int64)
    return lookup[raw]


def day_numbers(series: pd.Series) -> np.ndarray:
    """Dates (categorical or text, any accepted form) → day numbers, parsed once per distinct value; -1 if missing."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        raw, cats = series.cat.codes.to_numpy(np.int64), series.cat.categories
    else:
        raw, cats = pd.factorize(series, use_na_sentinel=True)
        raw = raw.astype(np.int64)
    days = []
    for value in cats:
        iso = parse_date(str(value))
        days.append(dt.date.fromisoformat(iso).toordinal() if iso else -1)
    return np.array(days + [-1], dtype=np.int64)[raw]


def _hash_words(words: np.ndarray) -> np.ndarray:
    """A 64-bit hash per row from its first and last uint64 word (the caller checks every row exactly)."""
    h = np.full(words.shape[0], 0x9E3779B97F4A7C15, dtype=np.uint64)
    for j in sorted({0, words.shape[1] - 1}):
        h ^= words[:, j]
        h *= np.uint64(0xFF51AFD7ED558CCD)
        h ^= h >> np.uint64(33)
    return h


def _fixed_words(refs: pa.Array, lengths: np.ndarray, present: np.ndarray) -> np.ndarray | None:
    """The non-empty refs' bytes as rows of uint64 words (one row per ``present`` record).

    Only when every non-empty ref has one length, a multiple of 8: then the
    text buffer is exactly those rows back to back (empty refs add no bytes),
    read without a copy. None otherwise.
    """
    width = int(lengths[present[0]])
    if width % 8 or not (lengths[present] == width).all():
        return None
    offsets = np.frombuffer(refs.buffers()[1], dtype=np.int64, count=len(refs) + 1, offset=8 * refs.offset)
    start, stop = int(offsets[0]), int(offsets[-1])
    if stop - start != len(present) * width:
        return None
    data = np.frombuffer(refs.buffers()[2], dtype=np.uint8, count=stop)[start:]
    return data.view(np.uint64).reshape(len(present), width // 8)


def factorize_refs(refs: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """recipient_ref → integer codes (-1: no ref) and, per code, one record holding it. Exact.

    Refs are hex text of 32–64 characters, usually all of one length: their
    bytes are read as rows of 64-bit words, hashed, and then every record is
    checked word for word against its code's representative — several times
    faster than hashing strings. Mixed lengths or a hash collision fall back
    to Arrow's exact dictionary encoding.
    """
    refs = arrow_text(refs)
    n = len(refs)
    codes = np.full(n, -1, dtype=np.int64)
    lengths = pc.binary_length(refs).to_numpy(zero_copy_only=False)
    present = np.flatnonzero(lengths > 0)
    if not len(present):
        return codes, np.zeros(0, dtype=np.int64)
    words = _fixed_words(refs, lengths, present)
    found = None
    if words is not None:
        found = pd.factorize(_hash_words(words))[0].astype(np.int64)
        rep = np.empty(int(found.max()) + 1, dtype=np.int64)
        rep[found] = np.arange(len(found))
        shared = np.flatnonzero(np.bincount(found)[found] > 1)  # a code held by one record needs no check
        if not np.array_equal(words[shared], words[rep[found[shared]]]):
            found = None
    if found is None:
        encoded = pc.dictionary_encode(refs)
        found = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)[present]
        _, found = np.unique(found, return_inverse=True)
        found = found.astype(np.int64).reshape(-1)
        rep = np.empty(int(found.max()) + 1, dtype=np.int64)
        rep[found] = np.arange(len(found))
    codes[present] = found
    return codes, present[rep]


@dataclass(frozen=True)
class Groups:
    count: np.ndarray  # records per group (int64)
    fen: np.ndarray  # their exact sum (int64)
    listed: np.ndarray  # ids listed per group
    ids: pa.Array  # the listed ids per group, sorted, space-separated
    first: np.ndarray  # one record (position) of each group, -1 for an empty group
    rank: np.ndarray  # rank of the group's first listed id (-1: none): orders groups as their id lists sort


def group(
    rid: pa.Array, amount: np.ndarray, rows: np.ndarray, gcode: np.ndarray, ngroups: int,
    *, listed: np.ndarray | None = None, cap: int | None = None,
) -> Groups:
    """Per group: count, exact sum and sorted ids (of ``listed`` rows only; at most ``cap``).

    ``rows`` are record positions, ``gcode`` their group (0 … ngroups-1). One
    sort of the ids, one stable integer sort of the groups.
    """
    rows = np.asarray(rows, dtype=np.int64)
    gcode = np.asarray(gcode, dtype=np.int64)
    m = len(rows)
    sub = rid.take(pa.array(rows))
    by_id = pc.sort_indices(sub).to_numpy()
    rank = np.empty(m, dtype=np.int64)
    rank[by_id] = np.arange(m)
    order = by_id[np.argsort(gcode[by_id], kind="stable")]
    g = gcode[order]
    count = np.bincount(g, minlength=ngroups).astype(np.int64)
    bounds = np.concatenate(([0], np.cumsum(count)))
    csum = np.concatenate(([0], np.cumsum(amount[rows[order]], dtype=np.int64)))
    fen = csum[bounds[1:]] - csum[bounds[:-1]]
    first = np.full(ngroups, -1, dtype=np.int64)
    nonempty = count > 0
    first[nonempty] = rows[order[bounds[:-1][nonempty]]]
    keep = np.ones(m, dtype=bool) if listed is None else np.asarray(listed, dtype=bool)[order]
    if cap is not None:
        idx = np.flatnonzero(keep)
        kept_count = np.bincount(g[idx], minlength=ngroups)
        kept_start = np.concatenate(([0], np.cumsum(kept_count)))[:-1]
        keep[idx[np.arange(len(idx)) - kept_start[g[idx]] >= cap]] = False
    idx = np.flatnonzero(keep)
    nlisted = np.bincount(g[idx], minlength=ngroups).astype(np.int64)
    offsets = np.concatenate(([0], np.cumsum(nlisted))).astype(np.int64)
    group_rank = np.full(ngroups, -1, dtype=np.int64)
    has = nlisted > 0
    group_rank[has] = rank[order[idx[offsets[:-1][has]]]]
    lists = pa.LargeListArray.from_arrays(pa.array(offsets), sub.take(pa.array(order[idx])))
    ids = pc.binary_join(lists, pa.scalar(" ", STR))
    return Groups(count, fen, nlisted, ids, first, group_rank)


def concat(*parts) -> pa.Array:
    """Element-wise concatenation of text arrays, integer arrays and plain strings."""
    items = []
    for part in parts:
        if isinstance(part, np.ndarray):
            part = pa.array(part)
        items.append(arrow_text(part) if isinstance(part, (pa.Array, pa.ChunkedArray)) else pa.scalar(str(part), STR))
    return pc.binary_join_element_wise(*items, pa.scalar("", STR))
