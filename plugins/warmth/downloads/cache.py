"""The record files' cache: written once per distinct input, never shared with a build.

An entry is ``<cache>/records/<key>/``: the record files and manifest.json
(path → [bytes, SHA-256]), all read-only (which stops an editor, though not
root). A build never links an entry's files: it copies each into its own
folder (os.copy_file_range: a reflink where the file system shares blocks
copy-on-write — Btrfs, XFS — an in-kernel copy elsewhere) and checks the copy
against the manifest's size and SHA-256 before publishing it, in parallel
threads (hashlib and the copy release the GIL). An edit of one build's file
therefore stays in that build, and an edit of the cache itself is found: the
entry is discarded and rewritten.

Entries appear whole (a temporary folder renamed into place). Builds using
the cache hold its lock shared; a build that can take it exclusively (no other
build is in its records step) first removes temporary folders killed builds
left. Storing is best effort: a full disk or a read-only cache slows the next
build, never fails this one.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

try:
    import fcntl
except ImportError:  # no flock (Windows): no sweeping of temporary folders either
    fcntl = None

log = logging.getLogger("warmth")

MANIFEST = "manifest.json"
READ_ONLY = 0o444
_TEMP = re.compile(r"\.(records|discard)-[a-z0-9_]{8}")
_KEY = re.compile(r"[0-9a-f]{64}")
KEEP = 2  # entries kept besides the one a build uses: the record files of the last few distinct inputs
_NO_KERNEL_COPY = {errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.EPERM, errno.EBADF}


def threads() -> int:
    return os.cpu_count() or 2


@contextlib.contextmanager
def cache_lock(records: Path, wanted: str | None = None) -> Iterator[None]:
    """Hold the cache's lock shared; first, if nobody else holds it, sweep temporary folders and all entries but the
    KEEP most recently used and ``wanted`` (the entry this build looks for)."""
    records.mkdir(parents=True, exist_ok=True)
    if fcntl is None:
        yield
        return
    fd = os.open(records / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pass  # another build is using the cache: its temporary folders are its own
        else:
            entries = []
            for path in records.iterdir():
                if _TEMP.fullmatch(path.name) and path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path, ignore_errors=True)
                elif _KEY.fullmatch(path.name) and path.name != wanted and path.is_dir() and not path.is_symlink():
                    entries.append((path.stat().st_mtime_ns, path))
            for _, old in sorted(entries, reverse=True)[KEEP:]:  # each entry is every record file: ~530 MB at 1M records
                discard(old)
            if wanted and (records / wanted).is_dir():  # the newest now: another build's sweep, in the moment between
                os.utime(records / wanted)  # this lock's exclusive and shared holds, keeps it
        fcntl.flock(fd, fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)


def read_manifest(entry: Path) -> dict[str, tuple[int, str]] | None:
    """The entry's manifest, or None when it is missing or not one (then the entry is not used)."""
    try:
        raw = json.loads((entry / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(raw, dict) or not raw:
        return None
    manifest = {}
    for rel, value in raw.items():
        parts = rel.split("/")
        if any(p in ("", ".", "..") for p in parts) or "\\" in rel or not isinstance(value, list) or len(value) != 2:
            return None
        size, sha = value
        if not isinstance(size, int) or not isinstance(sha, str) or not re.fullmatch(r"[0-9a-f]{64}", sha):
            return None
        manifest[rel] = (size, sha)
    return manifest


def copy_file(source: Path, target: Path) -> None:
    """Copy a file's bytes: os.copy_file_range (a reflink where possible), else an ordinary copy."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(source, "rb") as src, open(target, "wb") as dst:
        if hasattr(os, "copy_file_range"):
            try:
                while os.copy_file_range(src.fileno(), dst.fileno(), 1 << 30):
                    pass
                return
            except OSError as err:
                if err.errno not in _NO_KERNEL_COPY:  # another file system, an old kernel: copy by hand
                    raise
                src.seek(0)
                dst.seek(0)
                dst.truncate()
        shutil.copyfileobj(src, dst, 1 << 20)


def digest(path: Path) -> tuple[int, str]:
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        return size, hashlib.file_digest(handle, "sha256").hexdigest()


def fetch(entry: Path, manifest: dict[str, tuple[int, str]], data_out: Path) -> list[str]:
    """Copy the entry's files into ``data_out`` and check each copy; return the paths that do not match."""

    def one(rel: str) -> bool:
        try:
            copy_file(entry / rel, data_out / rel)
            return digest(data_out / rel) == manifest[rel]
        except OSError:  # a file of the entry is gone or unreadable (or another build discarded the entry)
            return False

    return [rel for rel, ok in _parallel(one, manifest) if not ok]


def store(entry: Path, data_out: Path, manifest: dict[str, tuple[int, str]]) -> None:
    """Copy the build's fresh record files into a new, read-only cache entry (best effort)."""
    temp = None
    try:
        temp = Path(tempfile.mkdtemp(prefix=".records-", dir=entry.parent))

        def one(rel: str) -> None:
            copy_file(data_out / rel, temp / rel)
            os.chmod(temp / rel, READ_ONLY)

        list(_parallel(one, manifest))
        (temp / MANIFEST).write_text(json.dumps({k: list(v) for k, v in manifest.items()}, sort_keys=True), encoding="utf-8")
        os.chmod(temp / MANIFEST, READ_ONLY)
        try:
            os.rename(temp, entry)
        except OSError as err:
            if err.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                raise  # else another build stored the same entry meanwhile: keep theirs
        else:
            temp = None
    except OSError as err:
        log.warning("记录文件未能写入缓存（下次生成会重新写）/ the record files could not be cached (the next build writes them again): %s", err)
    finally:
        if temp is not None:
            shutil.rmtree(temp, ignore_errors=True)


def discard(entry: Path) -> None:
    """Remove an entry: first renamed away (atomic, so no build finds it half deleted), then deleted."""
    gone = Path(tempfile.mkdtemp(prefix=".discard-", dir=entry.parent))
    try:
        os.rename(entry, gone / "entry")
    except FileNotFoundError:
        pass  # another build discarded it already
    shutil.rmtree(gone, ignore_errors=True)


def _parallel(function: Callable, items) -> Iterator:
    """(item, result) for each item, biggest files first, in threads."""
    order = sorted(items, key=lambda rel: -items[rel][0])
    with ThreadPoolExecutor(max_workers=max(1, min(threads(), len(order)))) as pool:
        yield from zip(order, pool.map(function, order))
