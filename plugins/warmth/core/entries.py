"""Checked cache entries: one file holding the SHA-256 of its content on its first line, then the content.

The caches of things small enough to hold in memory whole — a workbook's text
rows (intake/workbookcache.py), compiled templates (site/templatecache.py),
the bundled auditor's kit (downloads/kit.py) — keep each entry this way:

- `read_entry` returns the content only when it still matches the SHA-256 on
  the first line: an edited, truncated or unreadable entry is a miss, and the
  caller makes the value again and stores it over the bad entry;
- the SHA-256 catches damage, not intent: a cache is trusted like the project's
  own code (whoever can write plugins/ can change what a build publishes too).
  So an entry written by another user is a miss, and a new cache folder is
  created private to its owner (0700), as Jinja's own cache folder is;
- `write_entry` writes beside the entry and renames into place (an entry
  appears whole), makes it read-only, and is best effort: a full disk or a
  read-only folder slows the next build, never fails this one.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path

READ_ONLY = 0o444


def read_entry(path: Path) -> bytes | None:
    """The entry's content, or None (no entry, unreadable, written by another user, or failing its SHA-256)."""
    try:
        with open(path, "rb") as handle:
            if hasattr(os, "geteuid") and os.fstat(handle.fileno()).st_uid != os.geteuid():
                return None
            data = handle.read()
    except OSError:
        return None
    head, _, body = data.partition(b"\n")
    return body if head.decode("ascii", "replace") == hashlib.sha256(body).hexdigest() else None


def write_entry(path: Path, body: bytes) -> None:
    """Store ``body`` at ``path`` (read-only, renamed into place), best effort."""
    path = Path(path)
    temp = None
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # the folder itself private when new
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".entry-")
        with os.fdopen(fd, "wb") as out:
            out.write(hashlib.sha256(body).hexdigest().encode("ascii") + b"\n" + body)
        os.chmod(temp, READ_ONLY)
        os.replace(temp, path)
        temp = None
    except OSError:
        pass
    finally:
        if temp is not None:
            with contextlib.suppress(OSError):
                os.unlink(temp)


def keep_newest(folder: Path, pattern: str, keep: int) -> None:
    """Remove all but the ``keep`` most recently written entries matching ``pattern`` (best effort)."""
    try:
        entries = sorted(Path(folder).glob(pattern), key=lambda p: p.stat().st_mtime_ns, reverse=True)
    except OSError:
        return
    for old in entries[keep:]:
        with contextlib.suppress(OSError):
            old.unlink()
