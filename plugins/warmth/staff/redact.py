"""``make redact``: take a value down from sealed rounds, and record in the ledger that it was.

For every sealed round with redactions the ledger does not record yet, it
checks that the site in OUTPUT was built from the current data with them
(``make redact`` builds it first: ``warmth build --pending-redactions``),
rewrites the round's archived files in ``data/sealed/<round>/`` with what that
site publishes (the old bytes, the redacted cells taken out), removes the old
name of every renamed input file (``file:`` redactions) from the format-2
lines that list it, and appends one redaction line per round: the redactions
(never a value, at most its SHA-256) and the round's new inputs and published
files. Refuses (RedactError, nothing written) whenever that cannot be done
exactly; writes only ``data/sealed/`` and ``data/ledger.jsonl``. Each line is
signed with the union's key once it has one (staff/signing.py), as make seal's are.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from warmth.core.files import atomic_write, file_digest, text_sha256
from warmth.core.layout import LEDGER_FILE, ROUNDS_DIR, SEALED_DIR
from warmth.core.problems import DataError, WarmthError
from warmth.core.schema import AID_TYPE_ALIASES, REDACTED_ID_PREFIX
from warmth.downloads.redacted import pending_files, read_rows
from warmth.figures.dataset import Dataset, read_dataset
from warmth.intake.load import load_records
from warmth.intake.redactions import Redaction
from warmth.ledger.chain import FORMAT, canonical, entry, manifest_hash
from warmth.ledger.redactions import hide_paths
from warmth.ledger.sealed import round_inputs
from warmth.ledger.signing import sign_line
from warmth.staff.seal import site_sums
from warmth.staff.signing import signer

# What a take-down may never change in a sealed round: which records, and where their money went.
MONEY = ("round", "district", "fund_source", "aid_type", "amount_yuan")


class RedactError(WarmthError):
    """The take-down was refused; nothing was written."""


@dataclass(frozen=True)
class _Round:
    """One sealed round's take-down, checked: the files to write and the line to append."""

    round_id: str
    files: dict[str, bytes]  # path under /data/ (rounds/<round>/…) → the archived file's new bytes
    line: dict  # the redaction line, without "previous"


def redact(data_dir: Path, site_data_dir: Path, *, redacted_on: str, key: Ed25519PrivateKey | None = None) -> list[dict]:
    """Record every pending redaction of a sealed round; return the lines appended ([] when none is pending).

    Each line is signed with ``key``: refused without one once the data folder holds the union's public key.
    """
    data_dir, site_data_dir = Path(data_dir), Path(site_data_dir)
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", redacted_on or ""):
        raise RedactError(f"删除日期应为 YYYY-MM-DD：{redacted_on!r} / the date must be YYYY-MM-DD")
    try:
        dt.date.fromisoformat(redacted_on)
        ds = read_dataset(data_dir, pending_redactions=True)
    except ValueError:
        raise RedactError(f"删除日期应为 YYYY-MM-DD：{redacted_on!r} / the date must be YYYY-MM-DD") from None
    except DataError as exc:
        raise RedactError(
            f"数据有 {exc.total} 处问题，没有删除任何内容。请先修改。\n"
            f"The data has {exc.total} problem(s); nothing was redacted. Fix them first.\n"
            + "\n".join(problem.format() for problem in exc.problems[:200])
        ) from None
    if not ds.pending:
        return []
    key = signer(data_dir, key)
    rewritten = pending_files(ds)
    _site_matches(site_data_dir, {rel: payload for rel, (payload, _) in rewritten.items()})
    rounds = [_plan(ds, rnd, rewritten, redacted_on) for rnd in sorted(ds.pending)]
    files = {r.key for rs in ds.pending.values() for r in rs if r.kind == "file"}
    ledger = hide_paths(list(ds.ledger), files)
    lines = []
    for planned in rounds:
        line = {**planned.line, "previous": manifest_hash((ledger + lines)[-1])}
        lines.append(sign_line(line, key) if key is not None else line)
    _write(data_dir, rounds, ledger + lines)
    return lines


def _site_matches(site_data_dir: Path, expected: dict[str, bytes]) -> None:
    """The site publishes exactly the rewritten files (and lists them so in SHA256SUMS): it was built from the current data."""
    sums = site_sums(site_data_dir)
    stale = []
    for rel, payload in sorted(expected.items()):
        file = site_data_dir / rel
        sha = hashlib.sha256(payload).hexdigest()
        if not file.is_file() or file_digest(file) != (len(payload), sha) or sums.get(rel) != sha:
            stale.append(rel)
    if stale:
        raise RedactError(
            "网站不是用当前数据（含尚未记入账本的删除）生成的：请运行 make redact（它会先生成网站），"
            "或先运行 python -m warmth build --pending-redactions。\n"
            "The site was not built from the current data with the pending redactions: run make redact (it builds first), "
            "or python -m warmth build --pending-redactions first.\n" + "\n".join(f"  - {rel}" for rel in stale)
        )


def _plan(ds: Dataset, rnd: str, rewritten: dict, redacted_on: str) -> _Round:
    data_dir = ds.data_dir
    redactions = ds.pending[rnd]
    inputs = round_inputs(data_dir, rnd)
    _renamed(ds, rnd, redactions, inputs)
    archive = {rel: source for rel, (source, _size, _sha) in ds.sealed.items() if rel.startswith(f"{ROUNDS_DIR}/{rnd}/")}
    files = {rel: rewritten[rel][0] if rel in rewritten else source.read_bytes() for rel, source in archive.items()}
    removed: dict[str, str | None] = {}
    for rel in sorted(archive):
        for rid, sha in (rewritten[rel][1] if rel in rewritten else {}).items():
            removed[rid] = removed.get(rid) or sha
    problems: list = []
    frame = load_records(data_dir, problems)
    frame = frame.frame[frame.frame["_folder"] == rnd]
    _inputs_cleaned(rnd, frame, redactions, removed)
    _same_money(ds, rnd, files, frame, problems)
    line = {
        "format": FORMAT,
        "round": rnd,
        "redacted_on": redacted_on,
        "campaign": ds.campaign.digest,
        "inputs": [entry(rel, inputs[rel]) for rel in sorted(inputs)],
        "published": [
            {"path": rel, "bytes": len(payload), "sha256": hashlib.sha256(payload).hexdigest()}
            for rel, payload in sorted(files.items())
        ],
        "redactions": [r.ledger_entry(_file_value(ds, r) if r.kind == "file" else removed.get(r.id)) for r in redactions],
    }
    return _Round(rnd, files, line)


def _file_value(ds: Dataset, r: Redaction) -> str | None:
    """The SHA-256 of the name taken down: the path of the ledger's entry for that file (its path_sha256)."""
    for manifest in ds.ledger:
        for e in manifest.get("inputs", []):
            if e.get("sha256") == r.key:
                return text_sha256(e["path"]) if "path" in e else e.get("path_sha256")
    return None


def _renamed(ds: Dataset, rnd: str, redactions: list[Redaction], inputs: dict[str, Path]) -> None:
    """A file whose name is taken down must have been renamed: its old name may not be among the round's files."""
    names = []
    for r in redactions:
        if r.kind != "file":
            continue
        for manifest in ds.ledger:
            for e in manifest.get("inputs", []):
                if e.get("sha256") == r.key and e.get("path") in inputs:
                    names.append(f"{r.id}: {e['path']}")
    if names:
        raise RedactError(
            f"批次 {rnd}：要删除文件名的文件还没有改名。请先把文件改成不含个人信息的名字（内容不变），再运行 make redact。\n"
            f"Round {rnd}: a file whose name is taken down still has that name. Rename it (keep its content), then run make redact.\n"
            + "\n".join(f"  - {n}" for n in names)
        )


def _inputs_cleaned(rnd: str, frame, redactions: list[Redaction], removed: dict[str, str | None]) -> None:
    """Once recorded, a sealed round's inputs are fixed again: the value must be out of them first.

    Refused when an input still holds a value the sealed files held (the same SHA-256 in the same
    record and column) or a record id taken down (its record must be renamed redacted-<redaction_id>).
    """
    left = []
    ids = frame["record_id"]
    hashes = ids.map(text_sha256)
    for r in redactions:
        if r.kind != "record":
            continue
        if r.field == "record_id":
            if (hashes == r.key).any():
                left.append(f"{r.id}: record_id → {r.placeholder}")
            continue
        rows = ((hashes == r.key) | (ids == REDACTED_ID_PREFIX + r.id)) if r.by_hash else (ids == r.key)
        if removed.get(r.id) and (frame.loc[rows, r.field].map(text_sha256) == removed[r.id]).any():
            left.append(f"{r.id}: {r.field}")
    if left:
        raise RedactError(
            f"批次 {rnd}：输入文件里还有要删除的值。记入账本以后输入文件就不能再改，所以请先改输入文件"
            "（把这个值删掉，或写 [已删除]；记录编号改为 redacted-<删除编号>），再运行 make redact。\n"
            f"Round {rnd}: the input files still hold a value being taken down. Once recorded, the inputs are fixed again, "
            "so edit them first (delete the value or write [已删除]; a removed record id becomes redacted-<redaction_id>), "
            "then run make redact.\n" + "\n".join(f"  - {item}" for item in left)
        )


def _same_money(ds: Dataset, rnd: str, files: dict[str, bytes], frame, problems: list) -> None:
    """A take-down changes no record and no money: the round's inputs as they are now (redactions applied)
    hold the records of the sealed file — no record more or less (but those a correction withdrew), and the
    same destination, fund source, aid type and amount for every record no correction concerns."""
    sealed = {}
    for payload in files.values():
        rows = read_rows(payload) or [[]]
        if "record_id" in rows[0] and all(c in rows[0] for c in MONEY):
            at = [rows[0].index(c) for c in ("record_id", *MONEY)]
            sealed.update({row[at[0]]: _money(row[i] for i in at[1:]) for row in rows[1:]})
    renames = {r.key: r.placeholder for r in ds.redactions if r.kind == "record" and r.field == "record_id"}

    def key(rid: str) -> str:
        return renames.get(text_sha256(rid), rid) if renames else rid

    now = {key(row[0]): _money(row[1:]) for row in frame[["record_id", *MONEY]].itertuples(index=False, name=None)}
    sealed = {key(k): v for k, v in sealed.items()}
    corrected = {c["record_id"] for c in ds.corrections}
    withdrawn = {c["record_id"] for c in ds.corrections if c["field"] == "withdrawn"}
    differ = sorted(
        {k for k in sealed if k not in now}
        | {k for k in now if k not in sealed and k not in withdrawn}
        | {k for k in sealed.keys() & now.keys() if k not in corrected and sealed[k] != now[k]}
    )
    if problems or differ:
        raise RedactError(
            f"批次 {rnd} 的输入文件除了删除的值以外还有别的改动（记录、区县、资金来源、救助形式或金额与封存时不同）。"
            "删除只能去掉值：请从 git 恢复其余的改动；更正请写进 corrections.csv。\n"
            f"Round {rnd}'s input files changed in more than the values taken down (records, destinations, fund sources, "
            "aid types or amounts differ from the sealed ones). A redaction only removes values: restore the rest from git; "
            "record corrections in corrections.csv.\n"
            + "\n".join(f"  - record_id {k}" for k in differ[:20]) + "".join(f"\n  - {p.format()}" for p in problems[:20])
        )


def _money(cells) -> tuple:
    rnd, district, source, aid, amount = cells
    try:
        fen = int(Decimal(str(amount).replace(",", "")) * 100)
    except InvalidOperation:
        fen = None
    return rnd, district, source, AID_TYPE_ALIASES.get(aid, aid), fen


def _write(data_dir: Path, rounds: list[_Round], ledger: list[dict]) -> None:
    """Rewrite the archived files, then the ledger; if the ledger cannot be written, the old files go back."""
    old: dict[Path, bytes] = {}
    try:
        for planned in rounds:
            for rel, payload in planned.files.items():
                target = data_dir / SEALED_DIR / planned.round_id / rel.removeprefix(f"{ROUNDS_DIR}/{planned.round_id}/")
                before = target.read_bytes()
                if before != payload:
                    old[target] = before
                    atomic_write(target, payload, durable=True)
        atomic_write(data_dir / LEDGER_FILE, b"".join(canonical(m).encode("utf-8") + b"\n" for m in ledger), durable=True)
    except BaseException:
        for target, before in old.items():
            atomic_write(target, before, durable=True)
        raise
