"""Each round file's rows, read once per distinct content: an Arrow IPC file in the cache.

What ``load.read_table`` makes of a file — clean text (NFKC, trimmed) under the
canonical columns, with row numbers — is stored as
``<cache>/rows/<key>.<sha256>.arrow``, where ``key`` is the SHA-256 of the
file's bytes together with the reader's version (the source of intake/,
core/ and pii/, the pyarrow, pandas and Python versions and Unicode's: a change
of code or of NFKC's tables reads afresh), and ``sha256`` is the digest of the entry's own
bytes. Only a file read without any problem is stored, so every problem is
still found and reported by reading the file.

Like the record files' cache (downloads/cache.py) an entry is written whole
(a temporary file renamed into place), made read-only, never linked or
mapped into a build: it is read into memory and its bytes are checked against
the digest in its name before use. A mismatch — an edit of the cache, a
truncated file — discards the entry, says so, Chinese first, and the file is
read afresh. Storing is best effort, in a thread while the next file is read.
The least recently used entries beyond ``KEEP`` times the files of the last
build are removed.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import sys
import tempfile
import time
import unicodedata
from concurrent.futures import Future, ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.ipc as ipc

log = logging.getLogger("warmth")

FORMAT = 1
READ_ONLY = 0o444
KEEP = 4  # entries kept: this many times the files of the last build (at least MIN_KEEP)
MIN_KEEP = 64
_ENTRY = re.compile(r"([0-9a-f]{64})\.([0-9a-f]{64})\.arrow")
_SOURCES = ("intake", "core", "pii")


@lru_cache(maxsize=1)
def reader_version() -> str:
    """A digest of everything that decides what a file's rows are: the reading code and its libraries."""
    package = Path(__file__).resolve().parents[1]
    # Python's version names its Unicode tables (NFKC) too
    h = hashlib.sha256(f"{FORMAT} {pa.__version__} {pd.__version__} {sys.version} {unicodedata.unidata_version}".encode())
    for folder in _SOURCES:
        for path in sorted((package / folder).rglob("*.py")):
            h.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


class RowCache:
    """The rows cache of one build: look up by the file's bytes' digest, store what was read cleanly."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.used: set[str] = set()
        self._writer: ThreadPoolExecutor | None = None
        self._pending: list[Future] = []

    def key(self, digest: str) -> str:
        return hashlib.sha256(f"{reader_version()} {digest}".encode()).hexdigest()

    def _entries(self, key: str) -> list[Path]:
        try:
            return [p for p in self.folder.iterdir() if p.name.startswith(key + ".") and _ENTRY.fullmatch(p.name)]
        except OSError:
            return []

    def get(self, digest: str, name: str) -> pd.DataFrame | None:
        """The rows stored for a file with these bytes, checked; None when there are none (or they fail the check)."""
        key = self.key(digest)
        for entry in self._entries(key):
            try:
                body = entry.read_bytes()
            except OSError:
                continue
            if hashlib.sha256(body).hexdigest() != _ENTRY.fullmatch(entry.name).group(2):
                log.warning(
                    "缓存中 %s 的记录与其校验和不符，已丢弃并重新读取。/ The cached rows of %s do not match their checksum; "
                    "discarded, the file is read afresh.", name, name,
                )  # fmt: skip
                _remove(entry)
                continue
            try:
                table = ipc.open_file(pa.BufferReader(body)).read_all()
            except (pa.ArrowInvalid, OSError):
                _remove(entry)
                continue
            self.used.add(entry.name)
            try:
                os.utime(entry)  # recently used: kept by the sweep
            except OSError:
                pass
            return table.to_pandas()
        return None

    def put(self, digest: str, frame: pd.DataFrame) -> None:
        """Store a file's rows in the background, while the next file is read (`flush` waits for it).

        Best effort: a cache that cannot be written only slows the next build. Arrow writes the
        entry and hashlib hashes it without holding the GIL.
        """
        if self._writer is None:
            self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rows-cache")
        self._pending.append(self._writer.submit(self._store, digest, frame))

    def flush(self) -> None:
        """Wait until every entry `put` asked for is written."""
        if self._writer is not None:
            self._writer.shutdown(wait=True)
            self._writer = None
        for done in self._pending:  # an error the writer did not expect is said, not lost in the thread
            if done.exception() is not None:
                log.warning("记录未能写入缓存（下次生成会重新读取）/ rows could not be cached (the next build reads them again): %r",
                            done.exception())
        self._pending = []

    def _store(self, digest: str, frame: pd.DataFrame) -> None:
        temp = None
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            sink = pa.BufferOutputStream()
            table = pa.Table.from_pandas(frame, preserve_index=False)
            with ipc.new_file(sink, table.schema) as writer:
                writer.write_table(table)
            body = sink.getvalue()
            name = f"{self.key(digest)}.{hashlib.sha256(body).hexdigest()}.arrow"
            fd, temp = tempfile.mkstemp(prefix=".rows-", dir=self.folder)
            with os.fdopen(fd, "wb") as handle:
                handle.write(body)
            os.chmod(temp, READ_ONLY)
            os.replace(temp, self.folder / name)
            temp = None
            self.used.add(name)
        except (OSError, pa.ArrowException) as err:
            log.warning("记录未能写入缓存（下次生成会重新读取）/ rows could not be cached (the next build reads them again): %s", err)
        finally:
            if temp is not None:
                _remove(Path(temp))

    def sweep(self) -> None:
        """Remove the least recently used entries beyond what a few builds of this size need (after `flush`)."""
        self.flush()
        try:
            listing = list(self.folder.iterdir())
            entries = [(p.stat().st_mtime_ns, p) for p in listing if _ENTRY.fullmatch(p.name)]
            stale = time.time() - 86400  # a temporary file a killed build left a day ago
            for path in listing:
                if path.name.startswith(".rows-") and path.stat().st_mtime < stale:
                    _remove(path)
        except OSError:
            return
        keep = max(MIN_KEEP, KEEP * len(self.used))
        for _, path in sorted(entries, reverse=True)[keep:]:
            if path.name not in self.used:
                _remove(path)


def _remove(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
