"""``make seal``: archive a published round and append its manifest to the ledger (format 2, ledger/chain.py),
signed with the union's key once it has one (staff/signing.py).

Sealing writes only ``data/sealed/<round>/`` and ``data/ledger.jsonl``, and
refuses (SealError, nothing written) whenever the round, the ledger or the
site is not exactly what it should be.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from warmth.core.campaign import load_campaign
from warmth.core.files import atomic_write, current_umask, file_digest, parse_sums
from warmth.core.layout import CAMPAIGN_FILE, LEDGER_FILE, ROUNDS_DIR, SEALED_DIR
from warmth.core.problems import DataError, WarmthError
from warmth.downloads.records import record_tables, write_records_csv
from warmth.figures.dataset import read_dataset
from warmth.ledger.chain import FORMAT, ZERO_HASH, canonical, check_chain, entry, manifest_hash, read_ledger
from warmth.ledger.sealed import archive_files, check_sealed_inputs, round_inputs
from warmth.ledger.signing import read_public_key, sign_line, signature_problems
from warmth.staff.signing import signer


class SealError(WarmthError):
    """Sealing was refused; nothing was written."""


def _expected_round_files(data_dir: Path, round_id: str) -> tuple[dict[str, tuple[int, str]], dict[str, str], list[dict]]:
    """What a build of data_dir publishes under rounds/<round>/ (path → (bytes, sha256)), the inputs' digests,
    and the redactions already applied to the round (their entries for the seal line)."""
    try:
        dataset = read_dataset(data_dir)
    except DataError as exc:
        raise SealError(
            f"数据有 {exc.total} 处问题，不能封存。请先修改，生成并发布网站后再封存。\n"
            f"The data has {exc.total} problem(s); nothing was sealed. Fix them, build and publish, then seal.\n"
            + "\n".join(problem.format() for problem in exc.problems[:200])
        ) from None
    prefix = f"{ROUNDS_DIR}/{round_id}/"
    expected = {}
    with tempfile.TemporaryDirectory(prefix="warmth-seal-") as tmp:
        for rel, table in record_tables(dataset.records, dataset.campaign):
            if rel.startswith(prefix):
                expected[rel] = write_records_csv(table, Path(tmp) / rel)
    redactions = [r.ledger_entry(None) for r in dataset.redactions if r.round == round_id]
    return expected, dataset.digests, redactions


def site_sums(site_data_dir: Path) -> dict[str, str]:
    sums = site_data_dir / "SHA256SUMS"
    if not sums.is_file():
        return {}
    return parse_sums(sums.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class _Plan:
    """Everything the preconditions established; archive and append only act on it."""

    data_dir: Path
    round_id: str
    sealed_on: str
    campaign_digest: str
    manifests: list[dict]  # the ledger so far, intact
    inputs: list[dict]  # the round's input files: path, bytes, sha256
    site_round: Path  # the site's rounds/<round>/ folder, checked against the inputs
    expected: dict[str, tuple[int, str]]  # what the site must publish there (path → bytes, sha256)
    redactions: list[dict]  # redactions applied to the round before it is sealed (the sealed files never held the values)
    key: Ed25519PrivateKey | None  # signs the line; None only while the union has published no public key

    @property
    def archive(self) -> Path:
        return self.data_dir / SEALED_DIR / self.round_id

    @property
    def ledger(self) -> Path:
        return self.data_dir / LEDGER_FILE


def seal(data_dir: Path, round_id: str, site_data_dir: Path, *, sealed_on: str, key: Ed25519PrivateKey | None = None) -> dict:
    """Seal one round: archive its published files and append its manifest to the ledger.

    ``site_data_dir`` is the /data/ folder of the site built from ``data_dir``
    (``output/data``). Refuses — SealError, nothing written — when the round is
    not declared, is already sealed, has no input files, was not published in
    that site, or the site's files are not what the current inputs give (build
    again first); also when the ledger itself is damaged. Writes only
    ``data_dir/sealed/<round>/`` and ``data_dir/ledger.jsonl``; if writing the
    ledger fails, the archive is removed again. The line is signed with ``key``; refused without a key once
    the data folder holds the union's public key, and with a key that is not that public key's.
    """
    plan = _preconditions(Path(data_dir), round_id, Path(site_data_dir), sealed_on, key)
    published = _archive(plan)
    return _append(plan, published)


def _preconditions(data_dir: Path, round_id: str, site_data_dir: Path, sealed_on: str, key: Ed25519PrivateKey | None) -> _Plan:
    """Every check, before anything is written; SealError on the first that fails."""
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", sealed_on):
            raise ValueError
        dt.date.fromisoformat(sealed_on)
    except (TypeError, ValueError):
        raise SealError(f"封存日期应为 YYYY-MM-DD：{sealed_on!r} / sealed_on must be a date YYYY-MM-DD") from None

    campaign = load_campaign(data_dir / CAMPAIGN_FILE)
    if round_id not in campaign.round_ids:
        raise SealError(
            f"批次 {round_id!r} 没有在 campaign.toml 中声明（已声明：{'、'.join(campaign.round_ids)}），不能封存。\n"
            f"Round {round_id!r} is not declared in campaign.toml (declared: {', '.join(campaign.round_ids)}); refused."
        )
    key = signer(data_dir, key)
    manifests = _intact_ledger(data_dir, round_id)
    inputs = round_inputs(data_dir, round_id)
    if not inputs:
        raise SealError(
            f"批次 {round_id} 还没有任何输入文件（{ROUNDS_DIR}/{round_id}/*.csv 或 *.xlsx），不能封存。\n"
            f"Round {round_id} has no input files ({ROUNDS_DIR}/{round_id}/*.csv or *.xlsx); nothing to seal."
        )
    site_round = site_data_dir / ROUNDS_DIR / round_id
    if not (site_round / "disbursements.csv").is_file():
        raise SealError(
            f"网站中没有 {site_round / 'disbursements.csv'}：请先生成网站（make site），再封存。\n"
            f"{site_round / 'disbursements.csv'} is missing: build the site (make site) first, then seal."
        )
    archive = data_dir / SEALED_DIR / round_id
    if archive.exists():
        raise SealError(
            f"{archive} 已存在，但账本中没有批次 {round_id}（可能是上次封存中断留下的）。请确认后删除这个文件夹再封存。\n"
            f"{archive} exists but the ledger has no entry for round {round_id} (left by an interrupted seal?). "
            "Check it, remove the folder, and seal again."
        )
    # The site must publish exactly what the current inputs give: a site built
    # before an input changed would seal files that no longer match the inputs.
    expected, digests, redactions = _expected_round_files(data_dir, round_id)
    _site_matches(site_data_dir, expected)
    input_entries = [entry(rel, inputs[rel]) for rel in sorted(inputs)]
    changed = [e["path"] for e in input_entries if digests.get(e["path"]) != e["sha256"]]
    if changed:
        raise SealError(
            "封存过程中输入文件被改动，请重试。/ Input files changed while sealing; try again.\n" + "\n".join(f"  - {p}" for p in changed)
        )
    return _Plan(data_dir, round_id, sealed_on, campaign.digest, manifests, input_entries, site_round, expected, redactions, key)


def _intact_ledger(data_dir: Path, round_id: str) -> list[dict]:
    """The ledger so far: readable, chained, without this round, its sealed files unchanged."""
    try:
        manifests = read_ledger(data_dir / LEDGER_FILE)
    except DataError as exc:
        manifests, damaged = [], exc.problems
    else:
        damaged = check_chain(manifests) or signature_problems(manifests, read_public_key(data_dir))
    if damaged:
        raise SealError(
            "账本 ledger.jsonl 已损坏，先从 git 恢复再封存。/ The ledger is damaged; restore it from git before sealing.\n"
            + "\n".join(p.format() for p in damaged)
        )
    for manifest in manifests:
        if manifest["round"] == round_id and "sealed_on" in manifest:
            raise SealError(
                f"批次 {round_id} 已于 {manifest['sealed_on']} 封存，不能再次封存。\n"
                f"Round {round_id} was already sealed on {manifest['sealed_on']}; it cannot be sealed again."
            )
    tampered = check_sealed_inputs(data_dir, manifests) + archive_files(data_dir, manifests)[1]
    if tampered:
        raise SealError(
            "已封存批次的文件被改过，先从 git 恢复再封存（如果是为了删除个人信息，先运行 make redact）。/ "
            "Files of sealed rounds changed; restore them from git before sealing (to take down personal data, run make redact first).\n"
            + "\n".join(p.format() for p in tampered)
        )
    return manifests


def _site_matches(site_data_dir: Path, expected: dict[str, tuple[int, str]]) -> None:
    """The site's round files (and its SHA256SUMS) are exactly what the current data gives."""
    sums = site_sums(site_data_dir)
    stale = []
    for rel, (size, sha) in sorted(expected.items()):
        file = site_data_dir / rel
        actual = file_digest(file) if file.is_file() else None
        if actual != (size, sha) or (rel in sums and sums[rel] != sha) or (sums and rel not in sums):
            stale.append(rel)
    if stale:
        raise SealError(
            "网站中的文件与当前数据不一致（数据在生成网站之后改过，或网站文件被改过）：请重新生成网站，发布后再封存。\n"
            "The site's files do not match the current data (data changed after the build, or the site was altered): "
            "build again, publish, then seal.\n" + "\n".join(f"  - {rel}" for rel in stale)
        )


def _archive(plan: _Plan) -> list[dict]:
    """Copy the site's round files into sealed/<round>/ (staged, then renamed); their entries."""
    archive = plan.archive
    archive.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{plan.round_id}.tmp-", dir=archive.parent))
    try:
        published = []
        for source in sorted(p for p in plan.site_round.rglob("*") if p.is_file()):
            rel = source.relative_to(plan.site_round).as_posix()
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)  # a copy, never a link into the site or the cache
            published.append(entry(f"{ROUNDS_DIR}/{plan.round_id}/{rel}", target))
        for rel, (size, sha) in plan.expected.items():
            if not any(p["path"] == rel and p["sha256"] == sha and p["bytes"] == size for p in published):
                raise SealError(f"复制时网站文件被改动，请重试。/ The site changed while sealing; try again: {rel}")
        for folder in [staging, *(p for p in staging.rglob("*") if p.is_dir())]:
            os.chmod(folder, 0o777 & ~current_umask())
        os.replace(staging, archive)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return sorted(published, key=lambda e: e["path"])


def _append(plan: _Plan, published: list[dict]) -> dict:
    """Append the round's manifest to the ledger; without it there is no seal, so the archive goes too."""
    manifest = {
        "format": FORMAT,
        "round": plan.round_id,
        "sealed_on": plan.sealed_on,
        "previous": manifest_hash(plan.manifests[-1]) if plan.manifests else ZERO_HASH,
        "campaign": plan.campaign_digest,
        "inputs": plan.inputs,
        "published": published,
    }
    if plan.redactions:
        manifest["redactions"] = plan.redactions
    if plan.key is not None:
        manifest = sign_line(manifest, plan.key)
    try:
        old = plan.ledger.read_bytes() if plan.ledger.exists() else b""
        if old and not old.endswith(b"\n"):
            old += b"\n"
        atomic_write(plan.ledger, old + canonical(manifest).encode("utf-8") + b"\n", durable=True)
    except BaseException:
        shutil.rmtree(plan.archive, ignore_errors=True)
        raise
    return manifest
