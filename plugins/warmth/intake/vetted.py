"""Round files whose rows already passed the one-record rules: checked once per distinct content.

Most of checking is rules that look at one record at a time (formats, declared
names, the campaign window, the personal-data scan: intake/validate.py); only
a few look across records (ids unique across all files). When the record and
allocation checks of a build find no problem at all (later steps may still
fail: that does not undo what the rules found), each round file that no
correction or redaction touched gets a marker in the rows cache,
``<cache>/rows/vetted/<name>.ok``. The name is the SHA-256 of the file's bytes
and its path (its round folder is checked against its rows), with everything
else the one-record rules depend on: the reader's version (the source of
intake/, core/ and pii/, pyarrow, pandas, numpy, Python and its Unicode tables),
the campaign file's bytes and the current year (the ID-number check knows no
birth year after it). The next build skips the one-record rules for the rows of
a file with such a marker, except rows a correction or redaction changed
(`touched`, matched with the row as loaded by file and row number); the rules
over all records always see every record. New bytes, another place, campaign
file or code give another name, so no marker applies to them.

A marker is an empty, read-only file: it stands for "these bytes passed", so it
is trusted like the rows entries beside it and the project's code (the cache
folder is its owner's). The least recently used markers beyond a few builds'
worth are removed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from warmth.core.entries import keep_newest
from warmth.core.schema import COLUMN_NAMES
from warmth.intake.rowcache import KEEP, MIN_KEEP, READ_ONLY, reader_version

FOLDER = "vetted"
SUFFIX = ".ok"


class Vetted:
    """The markers of one build: which of its round files need no one-record rules, and which to mark."""

    def __init__(self, rows_cache: Path, campaign_digest: str) -> None:
        self.folder = Path(rows_cache) / FOLDER
        # the ID-number check knows no birth year after the current one (pii/idcard.py)
        self.recipe = f"{reader_version()} numpy {np.__version__} campaign {campaign_digest} year {dt.date.today().year}"

    def _marker(self, name: str, digest: str) -> Path:
        """The marker of a file's bytes at its place (its round folder is checked against its rows)."""
        return self.folder / (hashlib.sha256(f"{self.recipe}\0{name}\0{digest}".encode()).hexdigest() + SUFFIX)

    def files(self, digests: dict[str, str]) -> set[str]:
        """The files (by name) that have a marker for their bytes; each one found counts as recently used."""
        found = set()
        for name, digest in digests.items():
            marker = self._marker(name, digest)
            try:
                os.utime(marker)
            except OSError:
                continue
            found.add(name)
        return found

    def mark(self, digests: dict[str, str], files: int) -> None:
        """Mark these files' bytes as passed (best effort); keep the markers of a few builds of ``files`` files."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            for name, digest in digests.items():
                marker = self._marker(name, digest)
                if not marker.exists():
                    os.close(os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_EXCL, READ_ONLY))
        except OSError:
            return
        keep_newest(self.folder, "[0-9a-f]" * 64 + SUFFIX, max(MIN_KEEP, KEEP * files))


def _file_codes(files: pd.Series, categories: pd.Index) -> np.ndarray:
    return pd.Categorical(files, categories=categories).codes.astype(np.int64)  # recoded per category, not per row


def _text(column: pd.Series) -> pa.ChunkedArray | pa.Array:
    """A text column as Arrow (pandas' Arrow-backed strings without a copy), nulls as a value no cell holds."""
    return pc.fill_null(pa.array(column, type=pa.large_string()) if not hasattr(column.array, "_pa_array")
                        else pc.cast(column.array._pa_array, pa.large_string()), "\x00")


def touched(loaded: pd.DataFrame, final: pd.DataFrame) -> tuple[np.ndarray, set[str]]:
    """Which rows corrections or redactions changed: per row of ``final``, True where its record differs from the
    same row as loaded — matched by file and row number, never by position (a withdrawal drops rows and renumbers
    the frame) — or has no such row; and every file with such a row or with a loaded row ``final`` lacks
    (withdrawn). ``final`` is ``loaded`` itself when nothing was applied. Integer keys and Arrow kernels over whole
    columns: a campaign's corrections file stays, so this runs at every build of it.
    """
    if final is loaded:
        return np.zeros(len(final), dtype=bool), set()
    categories = pd.Index(pd.unique(loaded["_file"].astype(str).to_numpy(dtype=object))) if not isinstance(
        loaded["_file"].dtype, pd.CategoricalDtype) else loaded["_file"].cat.categories
    width = int(max(loaded["_row"].max(), final["_row"].max())) + 1 if len(loaded) and len(final) else 1
    mine = _file_codes(loaded["_file"], categories)
    before = mine * width + loaded["_row"].to_numpy(np.int64)
    theirs = _file_codes(final["_file"], categories)
    after = np.where(theirs >= 0, theirs * width + final["_row"].to_numpy(np.int64), -1)
    index = pd.Index(before)
    if not index.is_unique:  # a file with a row number twice: cannot match, so every row is checked
        return np.ones(len(final), dtype=bool), {str(c) for c in categories}
    at = index.get_indexer(after)  # the loaded row of each final row; -1: none
    changed = at < 0
    found = np.flatnonzero(~changed)
    def pick(column: pd.Series, rows: np.ndarray):  # no take where the rows are all of them, in order
        text = _text(column)
        return text if np.array_equal(rows, np.arange(len(column))) else pc.take(text, pa.array(rows))

    for name in COLUMN_NAMES:
        differs = pc.not_equal(pick(loaded[name], at[found]), pick(final[name], found))
        changed[found] |= np.asarray(differs.to_numpy(zero_copy_only=False), dtype=bool)
    kept = np.zeros(len(loaded), dtype=bool)
    kept[at[found]] = True
    hit = np.unique(np.concatenate([theirs[changed], mine[~kept]]))
    names = {str(categories[c]) for c in hit if c >= 0}
    if (theirs[changed] < 0).any():  # a file the loaded rows do not have: named as it is
        names |= set(final.loc[changed & (theirs < 0), "_file"].astype(str))
    return changed, names
