"""Round files whose rows already passed the one-record rules: checked once per distinct content.

Most of checking is rules that look at one record at a time (formats, declared
names, the campaign window, the personal-data scan: intake/validate.py); only
a few look across records (ids unique across all files). When a build finds no
problem at all, each round file it read gets a marker in the rows cache,
``<cache>/rows/vetted/<name>.ok``, named by the SHA-256 of the file's bytes and
its path (its round folder is checked against its rows) together with everything else the one-record rules depend on: the reader's
version (the source of intake/, core/ and pii/, pyarrow, pandas, numpy) and the
campaign file's bytes. The next build skips the one-record rules for the rows of
a file with such a marker — unless a correction or a redaction changed the row
(`touched`); the rules over all records always see every record. A file's new
bytes, another campaign file or other code give another name, so no marker
applies to them.

A marker is an empty, read-only file: it stands for "these bytes passed", so it
is trusted like the rows entries beside it and the project's code (the cache
folder is its owner's). The least recently used markers beyond a few builds'
worth are removed.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import pandas as pd

from warmth.core.schema import COLUMN_NAMES
from warmth.intake.rowcache import KEEP, MIN_KEEP, READ_ONLY, reader_version

FOLDER = "vetted"
SUFFIX = ".ok"


class Vetted:
    """The markers of one build: which of its round files need no one-record rules, and which to mark."""

    def __init__(self, rows_cache: Path, campaign_digest: str) -> None:
        self.folder = Path(rows_cache) / FOLDER
        self.recipe = f"{reader_version()} numpy {np.__version__} campaign {campaign_digest}"

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
            markers = sorted(self.folder.glob("*" + SUFFIX), key=lambda p: p.stat().st_mtime_ns, reverse=True)
            for old in markers[max(MIN_KEEP, KEEP * files):]:
                old.unlink(missing_ok=True)
        except OSError:
            pass


def touched(loaded: pd.DataFrame, final: pd.DataFrame) -> np.ndarray:
    """Per row of ``final``: True where its record differs from the row as loaded (a correction or redaction).

    ``final`` is ``loaded`` itself when nothing was applied; a row ``final`` has that ``loaded`` lacks counts as
    touched (so its rules run).
    """
    if final is loaded:
        return np.zeros(len(final), dtype=bool)
    known = final.index.isin(loaded.index)
    if not known.all():
        return np.ones(len(final), dtype=bool)
    base = loaded.loc[final.index]
    changed = np.zeros(len(final), dtype=bool)
    for name in COLUMN_NAMES:
        changed |= final[name].to_numpy(dtype=object) != base[name].to_numpy(dtype=object)
    return changed
