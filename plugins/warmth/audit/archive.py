"""all.zip holds exactly the other files of /data/, byte for byte; all.zip.sha256 is its SHA-256.

The zip holds SHA256SUMS, so SHA256SUMS cannot list the zip: its checksum is
published beside it, in ``sha256sum -c`` form. On a site both are there; in a
folder unzipped from all.zip neither is, and there is nothing to check. Each
member is read through zipfile (which stops at the size the zip declares and
checks its CRC) only when its size is the file's, then hashed as it streams.
"""

from __future__ import annotations

import hashlib
import re
import zipfile

from warmth.audit.folder import ARCHIVE, ARCHIVE_SUM, BESIDE, CHUNK, DataFolder, safe_path
from warmth.audit.report import Check

ARCHIVE_NAME = (f"{ARCHIVE} 与 {ARCHIVE_SUM}：压缩包里正是其他全部文件", f"{ARCHIVE} holds exactly the other files, and {ARCHIVE_SUM} is its SHA-256")
_SUM_LINE = re.compile(rf"([0-9a-fA-F]{{64}}) [ *]{re.escape(ARCHIVE)}\r?\n?")


def check_archive(folder: DataFolder) -> Check:
    present = [name for name in BESIDE if name in folder.files]
    if not present:
        return Check(*ARCHIVE_NAME, True, f"没有 {ARCHIVE}（解压后的文件夹）/ no {ARCHIVE} here (an unzipped folder): nothing to check")
    issues = []
    if ARCHIVE not in folder.files:
        return Check.of(ARCHIVE_NAME, [f"{ARCHIVE_SUM} 在，{ARCHIVE} 却不在 / {ARCHIVE_SUM} is here but {ARCHIVE} is missing"], "")
    if ARCHIVE_SUM in folder.files:
        match = _SUM_LINE.fullmatch((folder.path / ARCHIVE_SUM).read_bytes().decode("utf-8", "replace"))
        if match is None:
            issues.append(f"{ARCHIVE_SUM}: 应为一行 '<sha256>  {ARCHIVE}' / must be one line '<sha256>  {ARCHIVE}'")
        elif match.group(1).lower() != folder.digest(ARCHIVE)[1]:
            issues.append(f"{ARCHIVE}: SHA-256 不符 / checksum mismatch: {ARCHIVE_SUM} {match.group(1).lower()}, 文件 / file {folder.digest(ARCHIVE)[1]}")
    expected = {rel for rel in folder.files if rel not in BESIDE}
    try:
        with zipfile.ZipFile(folder.path / ARCHIVE) as archive:
            members = archive.infolist()
            names = [m.filename for m in members]
            for name in sorted({n for n in names if names.count(n) > 1}):
                issues.append(f"{ARCHIVE}: {name} 出现两次 / listed twice")
            for member in members:
                name = member.filename
                if not safe_path(name) or member.is_dir():
                    issues.append(f"{ARCHIVE}: {name!r} 不是 /data/ 下的文件路径 / not a file path under /data/")
                elif name not in expected:
                    issues.append(f"{ARCHIVE}: {name} 不在文件夹里 / is not in the folder")
                elif member.file_size != folder.digest(name)[0]:
                    issues.append(f"{ARCHIVE}: {name} 大小不同 / size differs: zip {member.file_size}, 文件 / file {folder.digest(name)[0]}")
                elif _member_sha256(archive, member) != folder.digest(name)[1]:
                    issues.append(f"{ARCHIVE}: {name} 与文件夹里的文件内容不同 / differs from the file in the folder")
            for rel in sorted(expected - set(names)):
                issues.append(f"{ARCHIVE}: 缺少 {rel} / lacks {rel}")
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        issues.append(f"{ARCHIVE}: 无法按 zip 读取 / cannot be read as a zip: {exc}")
    note = "" if ARCHIVE_SUM in folder.files else f"；没有 {ARCHIVE_SUM}，未核对压缩包本身的校验和 / no {ARCHIVE_SUM}: the zip's own checksum not checked"
    return Check.of(ARCHIVE_NAME, issues, f"{len(expected)} 个文件逐字节一致 / files, byte for byte{note}")


def _member_sha256(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> str:
    digest = hashlib.sha256()
    with archive.open(member) as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
