"""Unchanged files keep their modification time, so rsync and CDN uploads stay small.

Just before the swap, every file of the staged site that the previous output
also has, with the same size and the very same bytes, gets the previous file's
modification time. "The same bytes" is known without reading either file when
the checksum files of both sites list the same SHA-256 for it (the site's own:
/data/SHA256SUMS, the folders' SHA256SUMS it lists, all.zip.sha256; never a
checksum file found elsewhere, such as a staff file) and the previous file and the checksum
file that lists it are exactly as the previous build swapped them in (size,
inode, modification and change time as recorded in its state,
site/uptodate.py) — the trust the up-to-date check already gives that state.
Every other pair is compared in full, in parallel threads, stopping at the
first difference. Nothing of the previous output is written, linked or moved
here: it is only read, and the staged files are this build's own copies. What
a file holds never depends on this, so builds stay byte-identical; only the
times differ (a file that changed gets the time of this build).
"""

from __future__ import annotations

import os
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from warmth.core.files import published_digests
from warmth.core.layout import DATA_DIR
from warmth.site.uptodate import stat_key

_CHUNK = 1 << 20


def _same_bytes(a: str, b: str) -> bool:
    try:
        with open(a, "rb") as left, open(b, "rb") as right:
            while True:
                x = left.read(_CHUNK)
                if x != right.read(_CHUNK):
                    return False
                if not x:
                    return True
    except OSError:
        return False


def _digests(site: Path, untouched) -> dict[str, str]:
    """Path in the site → SHA-256, as the site's own checksum files under /data/ list them (those ``untouched``
    accepts); a checksum file anywhere else (a staff file) is never believed."""
    try:
        listed = published_digests(site / DATA_DIR, lambda rel: untouched(os.path.join(DATA_DIR, *rel.split("/"))))
    except (OSError, UnicodeDecodeError):
        return {}
    return {os.path.join(DATA_DIR, *rel.split("/")): sha for rel, sha in listed.items()}


def keep_times(staging: Path, previous: Path, swapped: dict[str, list] | None = None) -> int:
    """Give staged files the time of their unchanged twin in ``previous``; return how many kept it.

    ``swapped``: the previous output's files as swapped in (relative path → [size, inode, mtime_ns, ctime_ns],
    site/uptodate.py), which lets a file both sites' checksum files list alike keep its time unread.
    """
    if not previous.is_dir() or previous.is_symlink():
        return 0
    pairs, seen = [], {}
    top = os.fspath(staging)
    for dirpath, _, filenames in os.walk(top):
        inner = dirpath[len(top):].lstrip(os.sep)  # a slice, not os.path.relpath (slow, per file)
        prefix = inner + os.sep if inner else ""
        for name in filenames:
            new = os.path.join(dirpath, name)
            rel = prefix + name
            old = os.path.join(previous, rel)
            try:
                old_st, new_st = os.lstat(old), os.lstat(new)
            except OSError:
                continue
            seen[rel] = old_st
            if not (stat.S_ISREG(old_st.st_mode) and stat.S_ISREG(new_st.st_mode)):  # links and odd files: never
                continue
            if old_st.st_size == new_st.st_size and old_st.st_mtime_ns != new_st.st_mtime_ns:
                pairs.append((rel, new, old, old_st))
    swapped = swapped or {}
    untouched = lambda rel: rel in seen and swapped.get(rel) == stat_key(seen[rel])  # noqa: E731
    before = _digests(previous, untouched) if swapped else {}
    now = _digests(staging, lambda rel: True) if before else {}
    known = {rel for rel, *_ in pairs if untouched(rel) and before.get(rel) is not None and before[rel] == now.get(rel)}
    rest = sorted((pair for pair in pairs if pair[0] not in known), key=lambda pair: -pair[3].st_size)  # biggest first
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        same = list(pool.map(lambda pair: _same_bytes(pair[1], pair[2]), rest))
    kept = 0
    for (_, new, _, old_st), equal in [*((pair, True) for pair in pairs if pair[0] in known), *zip(rest, same)]:
        if equal:
            os.utime(new, ns=(old_st.st_atime_ns, old_st.st_mtime_ns), follow_symlinks=False)
            kept += 1
    return kept
