"""Members of the previous all.zip reused, so a rebuild compresses only the files that changed.

One changed amount changes a few files under /data/ (the all-rounds CSV, its
round's and its destination's files, a lookup shard, the checksums); the other
thousands are the same bytes as in the last zip. A zip member is its local
header and its compressed bytes, so such a member is copied as it is — the
bytes DEFLATE would give again, since the cached zips were written by the same
recipe (this module only reuses a zip whose recipe line — format, level, zlib
version — is this build's) — instead of being compressed again.

Beside each cached zip, ``<key>.zip.members`` holds the recipe line and the
SHA-256 of every member (SHA256SUMS form). The zip is used only once its whole
file and its members file match the SHA-256s recorded when they were written
(``<key>.zip.sha256``: size, SHA-256 of the zip, of the members file); a member only if this
build's file has the same SHA-256 and size. This build's SHA-256s come from
the SHA256SUMS files it has just written under /data/ (they list every file
but themselves; anything unlisted is hashed here).

zipfile has no call to add an already-compressed member, so `copy_member` does
what zipfile's own streaming writer does for a seekable file, with the sizes
and CRC known beforehand: the same local header (`ZipInfo.FileHeader`, zip64
fields on the same rule), then the bytes, then the entry in the central
directory. tests/test_archive_reuse.py checks the result is byte-identical to
a zip written afresh, so a Python whose zipfile differs is caught.
"""

from __future__ import annotations

import hashlib
import logging
import struct
import zipfile
from pathlib import Path

from warmth.core.files import file_digest, parse_sums, published_digests

log = logging.getLogger("warmth")

MEMBERS = ".members"  # suffix after <key>.zip
_LOCAL = b"PK\x03\x04"
_CHUNK = 1 << 20


def member_digests(data_out: Path, paths: list[str]) -> dict[str, str]:
    """Path under /data/ → SHA-256 of each file in ``paths``: as the build's own checksum files list them, else hashed."""
    listed = published_digests(data_out)
    return {rel: listed.get(rel) or file_digest(data_out / rel)[1] for rel in paths}


def members_text(recipe: str, digests: dict[str, str]) -> str:
    return recipe + "".join(f"{sha}  {rel}\n" for rel, sha in sorted(digests.items()))


class Previous:
    """A cached zip opened for reading: its members by SHA-256, ready to be copied."""

    def __init__(self, path: Path, members: dict[str, str]) -> None:
        self.path = Path(path)
        self.handle = open(path, "rb")  # noqa: SIM115 - closed by close()
        self.infos: dict[str, zipfile.ZipInfo] = {}
        self.reused = 0
        try:
            with zipfile.ZipFile(self.handle) as archive:
                for info in archive.infolist():
                    sha = members.get(info.filename)
                    if sha and info.compress_type == zipfile.ZIP_DEFLATED and not info.flag_bits & ~0x800:
                        self.infos.setdefault(sha, info)
        except BaseException:
            self.handle.close()
            raise

    def find(self, sha: str | None, size: int) -> zipfile.ZipInfo | None:
        old = self.infos.get(sha) if sha else None
        return old if old is not None and old.file_size == size else None

    def copy_member(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo, old: zipfile.ZipInfo) -> bool:
        """Append ``old``'s compressed bytes to ``archive`` as ``info``; False (nothing written) if its header is not sound."""
        self.handle.seek(old.header_offset)
        header = self.handle.read(30)
        if len(header) != 30 or header[:4] != _LOCAL:
            return False
        name_length, extra_length = struct.unpack("<HH", header[26:30])
        self.handle.seek(old.header_offset + 30 + name_length + extra_length)
        info.CRC, info.compress_size, info.flag_bits = old.CRC, old.compress_size, 0
        zip64 = info.file_size * 1.05 > zipfile.ZIP64_LIMIT  # zipfile's rule for a member streamed in
        out = archive.fp
        out.seek(archive.start_dir)
        info.header_offset = out.tell()
        out.write(info.FileHeader(zip64))
        left = old.compress_size
        while left:
            chunk = self.handle.read(min(left, _CHUNK))
            if not chunk:
                raise OSError(f"cached all.zip ended early in {old.filename}")
            out.write(chunk)
            left -= len(chunk)
        archive.start_dir = out.tell()
        archive.filelist.append(info)
        archive.NameToInfo[info.filename] = info
        self.reused += 1
        return True

    def close(self) -> None:
        self.handle.close()


def previous_zip(folder: Path, recipe: str) -> Previous | None:
    """The most recently used cached zip written by ``recipe``, checked whole against its recorded SHA-256; else None."""
    zips = sorted(folder.glob("*.zip"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for path in zips:
        members_file, recorded = path.with_name(path.name + MEMBERS), path.with_name(path.name + ".sha256")
        try:
            raw = members_file.read_bytes()
            text = raw.decode("utf-8")
            if not text.startswith(recipe):
                continue
            size, sha, members_sha = recorded.read_text(encoding="ascii").split()
            if hashlib.sha256(raw).hexdigest() != members_sha or file_digest(path) != (int(size), sha):
                log.warning("缓存中的 all.zip 已被改动，不再使用 / a cached all.zip was changed; not reused")
                continue
            return Previous(path, parse_sums(text[len(recipe):]))
        except (OSError, ValueError, UnicodeDecodeError, zipfile.BadZipFile):
            continue
    return None
