"""/data/all.zip: every download in one file, the same bytes for the same files, and all.zip.sha256 beside it.

Deterministic: entries sorted by path, each dated 1980-01-01 00:00, permissions
0644 from a Unix system, DEFLATE at a fixed level, no comment; zip64 fields
only where a size needs them. It is written by zipfile's streaming writer, one
member at a time in 1 MiB chunks, so a million-record site (~600 MB of CSV) is
never held in memory. The zip holds SHA256SUMS, so SHA256SUMS cannot list it:
its SHA-256 is published beside it as all.zip.sha256 (``sha256sum -c`` form).

Compressing ~600 MB takes seconds, so the zip is cached by content: the bytes
of SHA256SUMS name every file in it and their hashes, and with the format's
parameters (this module's version, the level, zlib's version) they are the key.
A build whose downloads did not change copies the cached zip in; the cache keeps
the few most recent zips. A build whose downloads did change writes a new zip
but copies the members that did not change, already compressed, from the most
recent cached zip (downloads/zipreuse.py), so it compresses only what changed.
Files of BIG bytes or more that must be compressed (the record CSVs) are
compressed in threads beside the zip (zlib releases the GIL), each into a zip
of its own member, which is copied in the same way: the zip's bytes are those
of the zip written member after member.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import shutil
import tempfile
import zipfile
import zlib
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from warmth.core.files import atomic_write, file_digest
from warmth.core.layout import ARCHIVE_FILE, ARCHIVE_SUM_FILE
from warmth.downloads.cache import copy_file, digest, threads
from warmth.downloads.download import Download
from warmth.downloads.zipreuse import MEMBERS, Previous, member_digests, members_text, previous_zip

log = logging.getLogger("warmth")

FORMAT = 1  # change when the bytes this module writes change
LEVEL = 3  # measured at 1M records (528 MB): 32.5 MB in 1.4 s of CPU; level 6 gives 24.9 MB in 3.7 s, level 1 40.2 MB in 1.3 s
FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can hold
KEEP = 3  # cached zips kept (each as large as a third of the downloads)
BIG = 8 << 20  # files compressed in threads beside the zip (the record CSVs: 16–880 MB each from 1M to 5M records)
_CHUNK = 1 << 20
_PART = "part"  # a part zip's one member, as Previous finds it


def recipe() -> str:
    """How the zip is written (one line): what, with the files, decides its bytes."""
    return f"warmth all.zip format {FORMAT}, level {LEVEL}, zlib {zlib.ZLIB_RUNTIME_VERSION}\n"


def archive_key(sums: bytes) -> str:
    """What identifies the zip's bytes: the files (SHA256SUMS names them all, by hash) and how they are zipped."""
    return hashlib.sha256(recipe().encode() + sums).hexdigest()


def _entry(rel: str, size: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(rel, date_time=FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3  # Unix, whatever system builds it
    info.external_attr = 0o100644 << 16  # a regular file, rw-r--r--
    info.file_size = size  # known in advance: zip64 fields only where a size needs them
    for attribute in ("compress_level", "_compresslevel"):  # Python 3.13 renamed it
        if hasattr(info, attribute):
            setattr(info, attribute, LEVEL)
    return info


def write_zip(
    data_out: Path, paths: list[str], target: Path, previous: Previous | None = None, digests: dict[str, str] | None = None
) -> tuple[int, str]:
    """Zip ``paths`` (relative to ``data_out``) into ``target``; its size and SHA-256.

    With ``previous`` (a cached zip by the same recipe) and ``digests`` (path → SHA-256), a file whose bytes
    are a member of ``previous`` is copied from it compressed, not compressed again: the same bytes either way.
    Files of BIG bytes or more that are compressed are compressed beside the zip, in threads (zlib releases the
    GIL), each into a zip of its own member, which is then copied in (`_part`): the same bytes again.
    """
    infos = {rel: _entry(rel, (data_out / rel).stat().st_size) for rel in sorted(paths)}
    olds = {rel: previous.find(digests.get(rel), info.file_size) if previous and digests else None for rel, info in infos.items()}
    big = [rel for rel, info in infos.items() if olds[rel] is None and info.file_size >= BIG]
    with contextlib.ExitStack() as stack:
        parts: dict[str, Future] = {}
        if big:
            # unwound in reverse: on an error, parts not started are cancelled, the running ones awaited, the
            # finished ones closed, then their folder removed
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix=".zip-parts-", dir=target.parent)))
            stack.callback(lambda: [_close(future) for future in parts.values()])
            pool = stack.enter_context(ThreadPoolExecutor(max_workers=min(len(big), threads()), thread_name_prefix="all.zip-part"))
            stack.callback(lambda: [future.cancel() for future in parts.values()])
            parts = {rel: pool.submit(_part, data_out / rel, rel, folder / f"{i}.zip") for i, rel in enumerate(big)}
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=LEVEL, allowZip64=True) as archive:
            for rel, info in infos.items():
                old = olds[rel]
                if old is not None and previous.copy_member(archive, info, old):
                    continue
                if rel in parts:
                    try:
                        part = parts.pop(rel).result()
                    except Exception as error:
                        raise PartError(f"{rel}: {error}") from error
                    try:
                        found = part.find(_PART, info.file_size)
                        if found is not None and part.copy_member(archive, info, found):
                            continue
                    finally:
                        part.close()
                        part.path.unlink(missing_ok=True)  # its room back at once (a record CSV's compressed bytes)
                with open(data_out / rel, "rb") as handle, archive.open(info, "w") as member:
                    shutil.copyfileobj(handle, member, _CHUNK)
    return file_digest(target)


class PartError(OSError):
    """Compressing a big file beside the zip failed (a full disk…): not a reason to zip without the previous zip."""


def _close(future: Future) -> None:
    if future.done() and not future.cancelled() and future.exception() is None:
        future.result().close()


def _part(source: Path, rel: str, path: Path) -> Previous:
    """``source`` compressed as all.zip's member ``rel`` would be, alone in the zip ``path``; opened for copying."""
    info = _entry(rel, source.stat().st_size)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=LEVEL, allowZip64=True) as part:
        with open(source, "rb") as handle, part.open(info, "w") as member:
            shutil.copyfileobj(handle, member, _CHUNK)
    return Previous(path, {rel: _PART})


def zipped_paths(data_out: Path) -> list[str]:
    """Every file under /data/ but all.zip and its checksum: the downloads SHA256SUMS lists and the derived folders'
    files their own SHA256SUMS list (README "Downloads": the zip holds every file above at the same paths)."""
    beside = {ARCHIVE_FILE, ARCHIVE_SUM_FILE}
    return sorted(rel for p in data_out.rglob("*") if p.is_file() and (rel := p.relative_to(data_out).as_posix()) not in beside)


def publish_archive(data_out: Path, sums: bytes, cache_dir: Path | None) -> list[Download]:
    """Write all.zip (every file under /data/, SHA256SUMS among them) and all.zip.sha256; return their downloads.

    A cached zip is copied into the site and its copy checked against the SHA-256 recorded when it was written
    (never hard-linked: an edit of one site's all.zip must not reach the cache or another site); a cached zip
    that no longer matches is written afresh.
    """
    paths = zipped_paths(data_out)
    target = data_out / ARCHIVE_FILE
    if cache_dir is None:
        size, sha = write_zip(data_out, paths, target)
    else:
        folder = Path(cache_dir) / "archive"
        folder.mkdir(parents=True, exist_ok=True)
        cached, recorded = folder / f"{archive_key(sums)}.zip", folder / f"{archive_key(sums)}.zip.sha256"
        if not (cached.is_file() and recorded.is_file()):
            with tempfile.TemporaryDirectory(prefix=".archive-", dir=folder) as tmp:
                digests = member_digests(data_out, paths)
                size, sha = _write_reusing(data_out, paths, Path(tmp) / ARCHIVE_FILE, folder, digests)
                members = members_text(recipe(), digests).encode("utf-8")
                (Path(tmp) / "members").write_bytes(members)
                (Path(tmp) / "sum").write_text(f"{size} {sha} {hashlib.sha256(members).hexdigest()}\n", encoding="ascii")
                os.replace(Path(tmp) / ARCHIVE_FILE, cached)
                os.replace(Path(tmp) / "members", cached.with_name(cached.name + MEMBERS))
                os.replace(Path(tmp) / "sum", recorded)
            _prune(folder)
        text = recorded.read_text(encoding="ascii").split()
        size, sha = int(text[0]), text[1]
        target.unlink(missing_ok=True)
        copy_file(cached, target)
        if digest(target) != (size, sha):  # the cached file was changed: write it afresh
            log.warning("缓存中的 all.zip 已被改动，重新生成 / the cached all.zip was changed; writing it afresh")
            cached.unlink()
            recorded.unlink(missing_ok=True)
            cached.with_name(cached.name + MEMBERS).unlink(missing_ok=True)
            return publish_archive(data_out, sums, cache_dir)
        os.utime(cached)
    line = f"{sha}  {ARCHIVE_FILE}\n".encode("ascii")
    atomic_write(data_out / ARCHIVE_SUM_FILE, line)
    return [
        Download(ARCHIVE_FILE, size, sha),
        Download(ARCHIVE_SUM_FILE, len(line), hashlib.sha256(line).hexdigest()),
    ]


def _write_reusing(data_out: Path, paths: list[str], target: Path, folder: Path, digests: dict[str, str]) -> tuple[int, str]:
    """write_zip with the unchanged members copied from the most recent cached zip (if one is sound)."""
    previous = previous_zip(folder, recipe())
    if previous is None:
        return write_zip(data_out, paths, target)
    try:
        size, sha = write_zip(data_out, paths, target, previous, digests)
        log.debug("all.zip: %d of %d files copied from the previous zip", previous.reused, len(paths))
        return size, sha
    except PartError:
        raise  # compressing a file failed, not copying from the previous zip: doing it all again would fail alike
    except Exception as error:  # noqa: BLE001 - whatever went wrong copying, compressing everything is always right
        log.warning("无法复用上一个 all.zip（%s），全部重新压缩 / could not reuse the previous all.zip (%s); compressing all", error, error)
        return write_zip(data_out, paths, target)
    finally:
        previous.close()


def _prune(folder: Path) -> None:
    """Keep the KEEP most recently used zips (a build copies its zip in, so removing a cached one never breaks a site)."""
    zips = sorted(folder.glob("*.zip"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for old in zips[KEEP:]:
        old.unlink(missing_ok=True)
        old.with_name(old.name + ".sha256").unlink(missing_ok=True)
        old.with_name(old.name + MEMBERS).unlink(missing_ok=True)
