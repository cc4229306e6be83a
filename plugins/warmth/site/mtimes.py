"""Unchanged files keep their modification time, so rsync and CDN uploads stay small.

Just before the swap, every file of the staged site that the previous output
also has, with the same size and the very same bytes (compared in full, in
parallel threads, stopping at the first difference), gets the previous file's
modification time. Nothing of the previous output is written, linked or moved
here: it is only read, and the staged files are this build's own copies. What
a file holds never depends on this, so builds stay byte-identical; only the
times differ (a file that changed gets the time of this build).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

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


def keep_times(staging: Path, previous: Path) -> int:
    """Give staged files the time of their unchanged twin in ``previous``; return how many kept it."""
    if not previous.is_dir() or previous.is_symlink():
        return 0
    pairs = []
    for dirpath, _, filenames in os.walk(staging):
        for name in filenames:
            new = os.path.join(dirpath, name)
            old = os.path.join(previous, os.path.relpath(new, staging))
            try:
                old_st, new_st = os.lstat(old), os.lstat(new)
            except OSError:
                continue
            if os.path.islink(old) or os.path.islink(new) or not os.path.isfile(old):
                continue
            if old_st.st_size == new_st.st_size and old_st.st_mtime_ns != new_st.st_mtime_ns:
                pairs.append((new, old, old_st))
    pairs.sort(key=lambda pair: -pair[2].st_size)  # biggest first: the threads finish together
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        same = list(pool.map(lambda pair: _same_bytes(pair[0], pair[1]), pairs))
    kept = 0
    for (new, _, old_st), equal in zip(pairs, same):
        if equal:
            os.utime(new, ns=(old_st.st_atime_ns, old_st.st_mtime_ns), follow_symlinks=False)
            kept += 1
    return kept
