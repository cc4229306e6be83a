"""Writing files: one atomic writer and the published CSV dialect.

Every file the project writes goes through `atomic_write`: a temporary file
beside the target, then a rename, so a reader (a web server, an auditor, the
next build) never sees half a file, and a failed write leaves the old file.
"""

from __future__ import annotations

import csv
import errno
import hashlib
import io
import os
import re
import tempfile
from pathlib import Path

BOM = b"\xef\xbb\xbf"
SUMS_LINE = re.compile(r"([0-9a-f]{64}) [ *](.+)")  # a line of sha256sum's output: text or binary mode
_CHUNK = 1 << 20


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: Path, payload: bytes, *, private: bool = False, durable: bool = False, replace: bool = True) -> None:
    """Write ``payload`` to ``path`` through a temp file and a rename.

    The file gets the permissions of any ordinary new file (umask), so a web
    server can serve it; ``private`` keeps it readable by its owner only (keys,
    lists of rejected rows). ``durable`` syncs it to disk before the rename
    (the ledger). The parent folder is created when missing. Without
    ``replace`` the file must be new: the temp file is hard-linked to ``path``,
    which fails with FileExistsError if anything (even a dangling link) is
    there, so nothing that appeared since a check is overwritten.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.tmp-")  # created 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            if not private and hasattr(os, "fchmod"):
                os.fchmod(handle.fileno(), 0o666 & ~current_umask())
            handle.write(payload)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        if replace:
            os.replace(tmp, path)
        else:
            _link_new(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def _link_new(tmp: str, path: Path) -> None:
    """``tmp`` becomes ``path``, which must not exist (FileExistsError)."""
    try:
        os.link(tmp, path)  # atomic, and never over an existing name
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links
        if os.path.lexists(path):
            raise FileExistsError(errno.EEXIST, "File exists", str(path)) from None
        os.replace(tmp, path)


def csv_bytes(header: list[str], rows: list[list]) -> bytes:
    """A small CSV in the published dialect: UTF-8 with BOM, comma, every field quoted, LF."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow(header)
    writer.writerows(rows)
    return BOM + buffer.getvalue().encode("utf-8")


def text_sha256(text: str) -> str:
    """SHA-256 (hex) of a text's UTF-8 bytes (a path, a record id, a removed value)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def file_digest(path: Path) -> tuple[int, str]:
    """(bytes, SHA-256 hex) of a file, read in chunks."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def is_checksum_file(rel: str) -> bool:
    """The site's checksum files: SHA256SUMS (one per folder that has its own) and <file>.sha256 (all.zip's)."""
    name = rel.rpartition("/")[2]
    return name == "SHA256SUMS" or name.endswith(".sha256")


def parse_sums(text: str) -> dict[str, str]:
    """Name → SHA-256 of each line of ``sha256sum`` output (`SUMS_LINE`); a line not in that form is skipped."""
    return {m.group(2): m.group(1) for line in text.splitlines() if (m := SUMS_LINE.fullmatch(line))}


def listed_digests(folder: Path, checksum_files: list[str]) -> dict[str, str]:
    """Path (relative to ``folder``) → SHA-256, as the given checksum files list them (``sha256sum`` form, each
    name relative to its checksum file's folder). A line not in that form is skipped."""
    listed: dict[str, str] = {}
    for rel in checksum_files:
        base = rel.rpartition("/")[0]
        base = base + "/" if base else ""
        listed.update({base + name: sha for name, sha in parse_sums((Path(folder) / rel).read_text(encoding="utf-8")).items()})
    return listed


def published_digests(data: Path, usable=lambda rel: True) -> dict[str, str]:
    """Path under a site's data folder → SHA-256, as the site's own checksum files list them: the top ones
    (SHA256SUMS, all.zip.sha256) and the folders' SHA256SUMS the top SHA256SUMS lists — never a checksum file
    found anywhere else. ``usable(rel)`` says which of those files may be read."""
    data = Path(data)
    if not data.is_dir():
        return {}
    listed = listed_digests(data, sorted(name for name in os.listdir(data) if is_checksum_file(name) and usable(name)))
    nested = [rel for rel in listed if "/" in rel and is_checksum_file(rel) and usable(rel) and (data / rel).is_file()]
    listed.update(listed_digests(data, nested))
    return listed
