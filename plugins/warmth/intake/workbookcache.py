"""The workbook cache: a workbook's text rows, kept by the SHA-256 of its bytes.

Reading a 50,000-row .xlsx through the hostile-file reader takes about 1.5 s
(0.2–0.3 s from this cache); reading the same bytes again gives the same
text. `sources.read_sheet` keys an entry by the SHA-256 of the workbook's
bytes, of the reading options and of the reader's own source files (a
changed reader never reuses an old entry), and stores the rows only after
every check has passed (a refused workbook is never cached, so it is
refused again, the same way, every time).

An entry is one read-only file ``<folder>/<key[:2]>/<key>.json``: a first line
holding the SHA-256 of the rest, then the rows as JSON. It is checked by that
digest before it is used; an entry that fails the check (or cannot be read)
is ignored and written again. Entries appear whole (written beside, then
renamed into place). Storing is best effort: a full disk or a read-only folder
slows the next read, never fails this one (core/entries.py). Each store keeps
the ``KEEP`` most recently used entries (a read counts as a use) and removes the rest.

The folder is ``WARMTH_WORKBOOK_CACHE`` from the environment, by default
``.cache/warmth/workbooks`` in the project folder (beside the build's other
caches; ``make clean`` removes it); an empty value turns the cache off. This cache sits inside the
xlsx reader, below any cache of checked records kept per input file.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from functools import cache
from pathlib import Path

from warmth.core.entries import keep_newest, read_entry, write_entry

ENVIRONMENT = "WARMTH_WORKBOOK_CACHE"
DEFAULT = ".cache/warmth/workbooks"
KEEP = 64  # entries kept, most recently used first: two or three versions of each of ~20 workbooks
ENTRY_GLOB = "[0-9a-f]" * 2 + "/" + "[0-9a-f]" * 64 + ".json"  # <key[:2]>/<key>.json
READER = ("sources.py", "forms.py", "workbook.py", "sheet.py", "package.py", "workbookcache.py")


PROJECT = Path(__file__).resolve().parents[3]  # plugins/warmth/intake/ → the project folder


def folder() -> Path | None:
    """The cache folder (a relative one is taken from the project folder), or None when turned off."""
    value = os.environ.get(ENVIRONMENT, DEFAULT)
    return PROJECT / value if value else None


@cache
def _reader_digest() -> str:
    here = Path(__file__).parent
    digest = hashlib.sha256()
    for name in READER:
        digest.update((here / name).read_bytes())
    return digest.hexdigest()


def key(raw: bytes, *options) -> str:
    """The entry's name: the workbook's bytes, the reading options and the reader."""
    digest = hashlib.sha256(raw).hexdigest()
    meta = json.dumps([digest, _reader_digest(), *options], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(meta.encode()).hexdigest()


def _path(name: str) -> Path | None:
    base = folder()
    return None if base is None else base / name[:2] / f"{name}.json"


def load(name: str):
    """The entry's rows, or None (no cache, no entry, or an entry that fails its digest); a used entry counts as new."""
    path = _path(name)
    body = read_entry(path) if path is not None else None
    if body is None:
        return None
    try:
        rows = json.loads(body)
    except ValueError:
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # recently used: kept by the sweep
    return rows


def store(name: str, value) -> None:
    """Write the entry (read-only), best effort; keep the KEEP most recently used entries."""
    path = _path(name)
    if path is not None:
        write_entry(path, json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
        keep_newest(path.parent.parent, ENTRY_GLOB, KEEP)  # entries only: the folder may be set to a shared one
