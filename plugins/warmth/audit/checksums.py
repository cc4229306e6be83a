"""The files themselves: SHA256SUMS lists every file with its SHA-256, datapackage.json its bytes and hash.

One function per check; each takes the data folder and returns a `Check`.
"""

from __future__ import annotations

import json
import re
from typing import NamedTuple

from warmth.audit.folder import BESIDE, DERIVED, PACKAGE, SUMS, DataFolder, safe_path
from warmth.audit.report import Check

SUMS_NAME = ("SHA256SUMS 所列文件校验和一致", "every file listed in SHA256SUMS has that SHA-256")
COMPLETE_NAME = ("SHA256SUMS 列出全部文件", "SHA256SUMS lists every file under /data/")
PACKAGE_NAME = ("数据包 datapackage.json 的大小与哈希", "datapackage.json: bytes and sha256 of every resource")
_SUMS_LINE = re.compile(r"([0-9a-fA-F]{64}) [ *](.+)")


class Sums(NamedTuple):
    """SHA256SUMS as read: file → SHA-256 (lower case), and the lines that could not be read."""

    listed: dict[str, str]
    problems: list[str]


def read_sums(folder: DataFolder, name: str = SUMS) -> Sums:
    """A SHA256SUMS file: the top one, or (``name``) a derived folder's, whose paths are then made relative to /data/."""
    listed: dict[str, str] = {}
    problems: list[str] = []
    base = name.removesuffix(SUMS)
    raw = (folder.path / name).read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("utf-8", "replace")
        problems.append(f"{name}: 不是 UTF-8 / not UTF-8")
    for number, line in enumerate(text.splitlines(), 1):
        match = _SUMS_LINE.fullmatch(line)
        if not match:
            problems.append(f"{name} 第{number}行 (line {number}): 格式不对 / not '<sha256>  <file>': {line[:80]!r}")
            continue
        sha, rel = match.group(1).lower(), base + match.group(2)
        if rel in listed:
            problems.append(f"{name} 第{number}行 (line {number}): {rel} 重复列出 / listed twice")
        listed[rel] = sha
    if name == SUMS:  # a derived folder's own SHA256SUMS, itself listed here, lists that folder's files
        for sub in DERIVED:
            inner = f"{sub}/{SUMS}"
            if inner in listed and folder.exists(inner) and folder.digest(inner)[1] == listed[inner]:
                nested = read_sums(folder, inner)
                problems += nested.problems
                listed.update({rel: sha for rel, sha in nested.listed.items() if rel not in listed})
    return Sums(listed, problems)


def check_sums(folder: DataFolder, sums: Sums) -> Check:
    """Every file SHA256SUMS lists exists, with that SHA-256."""
    issues = list(sums.problems)
    for rel, sha in sums.listed.items():
        if not safe_path(rel):
            issues.append(f"{rel}: 路径不安全，未读取 / unsafe path, not read")
        elif not folder.exists(rel):
            issues.append(f"{rel}: 文件不存在 / file missing (SHA256SUMS lists {sha})")
        elif folder.digest(rel)[1] != sha:
            issues.append(f"{rel}: SHA-256 不符 / checksum mismatch: SHA256SUMS {sha}, 文件 / file {folder.digest(rel)[1]}")
    return Check.of(SUMS_NAME, issues, f"{len(sums.listed)} 个文件 / files")


def check_sums_complete(folder: DataFolder, sums: Sums) -> Check:
    """SHA256SUMS lists every file under /data/ (litter a file manager leaves is ignored, and named).

    all.zip and all.zip.sha256 stand beside the listed files (the zip holds SHA256SUMS): the archive check covers them.
    """
    listed = [rel for rel in folder.files if rel != SUMS and rel not in BESIDE]
    unlisted = [f"{rel}: 未列在 SHA256SUMS 中 / not listed in SHA256SUMS" for rel in listed if rel not in sums.listed]
    note = f"；已忽略 / ignored: {', '.join(folder.litter)}" if folder.litter else ""
    return Check.of(COMPLETE_NAME, unlisted, f"{len(listed)} 个文件全部列出 / files, all listed{note}")


def check_datapackage(folder: DataFolder) -> Check:
    """Every resource of datapackage.json exists with its bytes and ``sha256:`` hash; every CSV file is a resource."""
    if not folder.exists(PACKAGE):
        return Check.of(PACKAGE_NAME, [f"{PACKAGE}: 文件不存在 / file missing"], "")
    try:
        package = json.loads((folder.path / PACKAGE).read_bytes().decode("utf-8"))
        resources = package["resources"]
        if not isinstance(resources, list):
            raise TypeError
    except (UnicodeDecodeError, ValueError, KeyError, TypeError):
        return Check.of(PACKAGE_NAME, [f"{PACKAGE}: 不是有效的数据包 JSON（缺少 resources）/ not a valid data package (no resources list)"], "")
    issues = []
    described = set()
    for i, resource in enumerate(resources, 1):
        rel = resource.get("path") if isinstance(resource, dict) else None
        if not isinstance(rel, str):
            issues.append(f"{PACKAGE} resources[{i}]: path 不是单个文件 / path is not one file: {rel!r}")
            continue
        if rel in described:
            issues.append(f"{PACKAGE}: {rel} 重复描述 / described twice")
        described.add(rel)
        if not folder.exists(rel):
            issues.append(f"{rel}: 文件不存在（datapackage.json 中有）/ file missing (listed in datapackage.json)")
            continue
        size, sha = folder.digest(rel)
        if resource.get("bytes") != size:
            issues.append(f"{rel}: bytes 不符 / size mismatch: datapackage.json {resource.get('bytes')!r}, 文件 / file {size}")
        if resource.get("hash") != f"sha256:{sha}":
            issues.append(f"{rel}: hash 不符 / hash mismatch: datapackage.json {resource.get('hash')!r}, 文件 / file sha256:{sha}")
    for rel in folder.csv_files():
        if rel not in described:
            issues.append(f"{rel}: 没有写进 datapackage.json / not described in datapackage.json")
    return Check.of(PACKAGE_NAME, issues, f"{len(resources)} 个资源 / resources")
