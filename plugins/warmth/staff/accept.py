"""make accept: put a checked district file in place, whatever it is called.

Resubmission is the normal path: a district sends ``沙湾区（修改后）.xlsx`` to
replace ``rounds/2012-01/shawan.csv``. `accept` checks the file
(`check.check_incoming`), works out by its rows which round and destination it
belongs to, and puts it in place as ``rounds/<round>/<destination slug>.<csv|xlsx>``.
The files of that round that hold only that destination's records are
replaced: each is moved into ``history/<round>/`` (beside ``rounds/``, never
read by the build nor published) under a name holding its time of
replacement and SHA-256, and ``history/history.csv`` gets one line per
replaced file (when, round, destination, old name, its SHA-256 and size, the
new name and its SHA-256). Nothing is moved when the file has a problem, when
the round is sealed, or when the target name is taken by another
destination's file.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from warmth.core.campaign import load_campaign
from warmth.core.layout import CAMPAIGN_FILE
from warmth.core.problems import DataError, WarmthError
from warmth.staff.check import Placement, check_incoming

HISTORY = "history"
HISTORY_LOG = "history.csv"
LOG_HEADER = ["accepted_at", "round", "district", "replaced_file", "replaced_sha256", "replaced_bytes", "new_file", "new_sha256"]


class AcceptError(WarmthError):
    """The file cannot be put in place (a message in Chinese, then English)."""


@dataclass(frozen=True)
class Accepted:
    target: str  # data-folder name of the file put in place
    placement: Placement
    kept: tuple[tuple[str, str, str], ...]  # (replaced name, its SHA-256, where it is kept)
    unchanged: bool = False  # the very same bytes were already in place


def _sha(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def accept(data_dir: Path, path: Path, round_id: str | None = None, *, now: dt.datetime | None = None) -> Accepted:
    data_dir, path = Path(data_dir), Path(path)
    problems, where = check_incoming(data_dir, path, round_id=round_id)
    if problems:
        raise DataError(problems)
    if where is None or not where.round or not where.destination:
        raise AcceptError("无法从文件内容判断批次和区县。\nCannot tell the file's round and destination from its rows.")
    campaign = load_campaign(data_dir / CAMPAIGN_FILE)
    if (data_dir / "sealed" / where.round).exists():
        raise AcceptError(
            f"批次 {where.round} 已封存，不能再替换它的文件；更正请登记在 corrections.csv。\n"
            f"Round {where.round} is sealed; its files cannot be replaced. Record corrections in corrections.csv."
        )
    folder = data_dir / "rounds" / where.round
    if folder.is_symlink():
        raise AcceptError(f"{folder} 是符号链接，不会写入。\n{folder} is a symbolic link and is not written into.")
    suffix = path.suffix.lower()
    target = f"rounds/{where.round}/{campaign.slug_of('destinations', where.destination)}{suffix}"
    raw = path.read_bytes()
    target_path = data_dir / target
    if os.path.lexists(target_path) and target not in where.replaced:
        if target_path.is_file() and not target_path.is_symlink() and _sha(target_path.read_bytes()) == _sha(raw):
            return Accepted(target, where, (), unchanged=True)
        raise AcceptError(
            f"{target} 已存在，但其中不只是{where.destination}的记录（或无法读取），不会替换。请先核对这个文件。\n"
            f"{target} exists but does not hold only {where.destination}'s records (or cannot be read); it is not replaced. "
            "Look at it first."
        )
    if target in where.replaced and _sha(target_path.read_bytes()) == _sha(raw) and len(where.replaced) == 1:
        return Accepted(target, where, (), unchanged=True)
    now = now or dt.datetime.now(dt.UTC)
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    folder.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=folder, prefix=".accept-")  # hidden: never read as a round file
    with os.fdopen(fd, "wb") as out:
        out.write(raw)
    kept, lines = [], []
    history = data_dir / HISTORY / where.round
    for name in where.replaced:
        old = data_dir / name
        old_raw = old.read_bytes()
        digest = _sha(old_raw)
        history.mkdir(parents=True, exist_ok=True)
        keep = history / f"{stamp}-{digest[:16]}-{old.name}"
        os.replace(old, keep)
        kept.append((name, digest, keep.relative_to(data_dir).as_posix()))
        lines.append([stamp, where.round, where.destination, name, digest, str(len(old_raw)), target, _sha(raw)])
    os.replace(temp, target_path)
    if lines:
        _log(data_dir / HISTORY / HISTORY_LOG, lines)
    return Accepted(target, where, tuple(kept))


def _log(path: Path, lines: list[list[str]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if not path.exists():
        writer.writerow(LOG_HEADER)
    writer.writerows(lines)
    with open(path, "a", encoding="utf-8", newline="") as out:
        out.write(buffer.getvalue())


def command(data_dir: Path, path: Path, round_id: str | None) -> tuple[int, str, str]:
    """make accept: (exit status, what to print, what to print on stderr); status 1 when the file has problems."""
    try:
        done = accept(data_dir, path, round_id)
    except DataError as err:
        return 1, "", err.report(building=False) + "\n文件有问题，没有放进数据文件夹。/ The file has problems and was not put in place."
    where = done.placement
    if done.unchanged:
        return 0, f"{done.target} 已经是这个文件，没有改动。/ {done.target} already holds this very file; nothing changed.", ""
    lines = [f"已放入 {done.target}（{where.destination}，批次 {where.round}）。/ Put in place as {done.target} "
             f"({where.destination}, round {where.round})."]
    for name, digest, kept in done.kept:
        lines.append(f"  替换了 {name}（SHA-256 {digest}），原文件存于 {kept} / replaced {name} (SHA-256 {digest}), kept as {kept}")
    return 0, "\n".join(lines), ""
