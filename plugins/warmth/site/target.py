"""Which folder a build may replace: never the project's own, only a previous build.

A folder is taken for a previous build only by the marker the build writes at
its root (``.warmth-build``: a format name and version). Any other non-empty
folder is refused — also one that merely holds data/SHA256SUMS, such as an
auditor's copy of the downloads with their notes beside it.

Sites built before the marker existed have none. Such a folder is replaced
only when it is exactly what a build leaves: index.html at its root,
data/SHA256SUMS listing every other file under data/ with that SHA-256 (hashed
in parallel threads; all.zip by all.zip.sha256), and nothing else but the kinds of file a site is made of
(pages, charts, styles, images) — no link, no hidden file, no notes. Otherwise
staff are asked to delete it once by hand.
"""

from __future__ import annotations

import hashlib
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from warmth.core.files import SUMS_LINE
from warmth.core.layout import ARCHIVE_FILE, ARCHIVE_SUM_FILE, BUILD_MARKER, DATA_DIR, SUMS_FILE, is_marked_build
from warmth.core.problems import ConfigError

log = logging.getLogger("warmth")

# the kinds of file a build puts outside /data/ (pages, charts, the theme, content images)
SITE_KINDS = {".html", ".svg", ".css", ".js", ".png", ".jpg", ".jpeg", ".gif", ".webp", ".ico", ".woff", ".woff2", ".xml"}
SITE_FILES = {"robots.txt", "guide/template.xlsx"}  # files of other kinds a build makes, by their path (the districts' template)
SITE_FOLDERS = ("pagefind/",)  # folders a tool the build runs fills (the search index: its own kinds of file)


def refuse_project_folders(output: Path, root: Path, sources: list[Path]) -> None:
    """Refuse an output folder that is, contains or lies inside the project's sources."""
    output = output.resolve()
    for path in [root, *sources]:
        path = path.resolve()
        inside = path != root and path in output.parents
        if output == path or output in path.parents or inside:
            raise ConfigError(
                f"输出文件夹 {output} 是项目自己的文件夹（或包含 {path}），生成网站会覆盖它，已拒绝。\n"
                f"Output folder {output} is, or contains, the project's own folder {path}; refused."
            )


def check_replaceable(output: Path) -> None:
    """``output`` is missing, an empty folder, a previous build (its marker), or an unmarked site of an earlier version."""
    if not os.path.lexists(output):
        return
    if output.is_symlink() or not output.is_dir():
        raise ConfigError(f"输出路径 {output} 已存在，但不是文件夹，已拒绝。\nOutput path {output} exists and is not a folder; refused.")
    if not any(output.iterdir()) or is_marked_build(output):
        return
    reason = earlier_build_mismatch(output)
    if reason is None:
        log.info(
            "%s 是旧版本生成的网站（没有 %s 标记，但各文件与 SHA256SUMS 一致），将被替换 / "
            "%s is a site built by an earlier version (no %s marker, its files match SHA256SUMS); replacing it",
            output, BUILD_MARKER, output, BUILD_MARKER,
        )  # fmt: skip
        return
    zh, en = reason
    raise ConfigError(
        f"输出文件夹 {output} 不是空的，也不是本程序生成的网站（根目录没有 {BUILD_MARKER} 标记；{zh}），已拒绝覆盖，其中的文件一个也没有动。"
        f"请换一个输出文件夹；如果它确实是旧版本生成的网站，请先手动删除它，再重新生成。\n"
        f"Output folder {output} is not empty and is not a site this program built (no {BUILD_MARKER} marker at its root; {en}); "
        f"refusing to replace it, nothing in it was touched. Choose another folder; if it is a site built by an earlier "
        f"version, delete it by hand once and build again."
    )


def earlier_build_mismatch(folder: Path) -> tuple[str, str] | None:
    """None when ``folder`` is exactly a site an earlier version built; else why not (zh, en)."""
    data = folder / DATA_DIR
    sums = data / SUMS_FILE
    if not (folder / "index.html").is_file() or not sums.is_file() or sums.is_symlink():
        return "没有 index.html 或 data/SHA256SUMS", "no index.html or data/SHA256SUMS"
    listed: dict[str, str] = {}
    for line in sums.read_text(encoding="utf-8", errors="replace").splitlines():
        match = SUMS_LINE.fullmatch(line)
        if match is None:
            return "data/SHA256SUMS 的格式不对", "data/SHA256SUMS is not in sha256sum's format"
        listed[match.group(2)] = match.group(1)
    for inner in [rel for rel in listed if rel.endswith(f"/{SUMS_FILE}")]:  # a derived folder's own list (lookup/, browse/)
        folder_sums = data / inner
        if not folder_sums.is_file() or folder_sums.is_symlink():
            continue  # missing: the comparison below names it
        base = inner.removesuffix(SUMS_FILE)
        for line in folder_sums.read_text(encoding="utf-8", errors="replace").splitlines():
            match = SUMS_LINE.fullmatch(line)
            if match is None:
                return f"data/{inner} 的格式不对", f"data/{inner} is not in sha256sum's format"
            listed.setdefault(base + match.group(2), match.group(1))
    archive_sum = data / ARCHIVE_SUM_FILE  # all.zip holds SHA256SUMS, so all.zip.sha256 lists it instead
    if archive_sum.is_file() and not archive_sum.is_symlink():
        match = SUMS_LINE.fullmatch(archive_sum.read_text(encoding="utf-8", errors="replace")[:4096].strip())
        if match is None or match.group(2) != ARCHIVE_FILE:
            return f"data/{ARCHIVE_SUM_FILE} 的格式不对", f"data/{ARCHIVE_SUM_FILE} is not in sha256sum's format"
        listed[ARCHIVE_FILE] = match.group(1)
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(folder):
        here = Path(dirpath)
        for name in dirnames + filenames:
            path = here / name
            rel = path.relative_to(folder).as_posix()
            if name.startswith(".") or path.is_symlink():
                return f"含有隐藏文件或链接：{rel}", f"it holds a hidden file or a link: {rel}"
            if name in filenames:
                under_data = rel.startswith(f"{DATA_DIR}/")
                if under_data and rel not in (f"{DATA_DIR}/{SUMS_FILE}", f"{DATA_DIR}/{ARCHIVE_SUM_FILE}"):
                    found.append(rel.removeprefix(f"{DATA_DIR}/"))
                elif not under_data and path.suffix.lower() not in SITE_KINDS and rel not in SITE_FILES and not rel.startswith(SITE_FOLDERS):
                    return f"含有网站以外的文件：{rel}", f"it holds a file a build does not make: {rel}"
    if sorted(found) != sorted(listed):
        odd = sorted(set(found) ^ set(listed))[0]
        return f"data/ 中的文件与 SHA256SUMS 所列不一致：{odd}", f"the files under data/ differ from those SHA256SUMS lists: {odd}"
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:  # hashlib releases the GIL
        digests = dict(zip(found, pool.map(lambda rel: _sha256(data / rel), found)))
    changed = sorted(rel for rel in found if digests[rel] != listed[rel])
    if changed:
        return f"文件与 SHA256SUMS 不符：data/{changed[0]}", f"a file does not match SHA256SUMS: data/{changed[0]}"
    return None


def _sha256(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()
