"""The ledger of sealed rounds: its hash chain, every sealed round's published files as sealed, the redactions,
and what anchors it (`anchor_checks`: its signatures, its head hashes, an auditor's earlier copy).

One function per check; `read_published_ledger` gives them the ledger (None when none is published).
"""

from __future__ import annotations

from pathlib import Path

from warmth.audit.chain import Ledger, is_redaction, read_ledger
from warmth.audit.folder import LEDGER, DataFolder
from warmth.audit.heads import check_heads, check_since
from warmth.audit.report import Check
from warmth.audit.signatures import SIGNATURES_NAME, check_signatures

CHAIN_NAME = ("账本哈希链 ledger.jsonl", "ledger.jsonl hash chain intact")
SEALED_NAME = ("已封存批次的公开文件与账本一致", "published files of sealed rounds match the ledger")
REDACTIONS_NAME = ("账本记录的删除", "redactions recorded in the ledger")


def read_published_ledger(folder: DataFolder) -> Ledger | None:
    return read_ledger(folder.path / LEDGER) if LEDGER in folder.files else None


def check_chain(ledger: Ledger | None) -> Check:
    """Every line a canonical manifest; each line's ``previous`` the SHA-256 of the line before."""
    if ledger is None:
        return Check(*CHAIN_NAME, True, "未发布账本：还没有封存的批次 / no ledger published: no round sealed yet")
    rounds = ", ".join(sorted(ledger.latest()))
    passed = f"{len(ledger.latest())} 个已封存批次 / sealed rounds: {rounds}"
    redacting = sum(1 for m in ledger.manifests if is_redaction(m))
    if redacting:
        passed += f"；{redacting} 行删除记录 / redaction lines"
    return Check.of(CHAIN_NAME, [p.format() for p in ledger.problems], passed)


def check_sealed_files(folder: DataFolder, ledger: Ledger) -> Check:
    """Each file of a sealed round is published with the bytes and SHA-256 its latest line gives; a sealed round gains no file."""
    issues = []
    count = 0
    for rnd, manifest in ledger.latest().items():
        entries = manifest.get("published")
        if not isinstance(entries, list):
            continue
        when = manifest.get("redacted_on") or manifest.get("sealed_on")
        listed = set()
        for entry in entries:
            if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
                continue
            rel = entry["path"]
            listed.add(rel)
            count += 1
            if not folder.exists(rel):
                issues.append(f"{rel}: 批次 {rnd} 已封存，但文件不存在 / round {rnd} is sealed but the file is missing")
                continue
            size, sha = folder.digest(rel)
            if (size, sha) != (entry.get("bytes"), entry.get("sha256")):
                issues.append(
                    f"{rel}: 与 {when} 封存时不同 / differs from the file sealed on {when}: "
                    f"账本 / ledger {entry.get('sha256')} ({entry.get('bytes')} bytes), 文件 / file {sha} ({size} bytes)"
                )
        for rel in folder.files:
            if rel.startswith(f"rounds/{rnd}/") and rel not in listed:
                issues.append(f"{rel}: 批次 {rnd} 已封存，这个文件不在封存清单中 / round {rnd} is sealed and this file was not part of it")
    return Check.of(SEALED_NAME, issues, f"{count} 个文件 / files")


def check_redactions(ledger: Ledger | None) -> Check:
    """Every value taken down since publication, as the ledger records it: never the value, only the fact.

    Listed so that an auditor sees each one (id, round, field, target, reason, date, and the SHA-256 of the
    value removed from the sealed files); it fails only when the ledger cannot be read.
    """
    if ledger is None:
        return Check(*REDACTIONS_NAME, True, "未发布账本 / no ledger published")
    if not ledger.manifests and ledger.problems:
        return Check(*REDACTIONS_NAME, False, "账本无法读取 / the ledger cannot be read")
    found = ledger.redactions()
    if not found:
        return Check(*REDACTIONS_NAME, True, "没有删除 / none")
    rows = [f"{len(found)} 项删除 / redactions:"]
    for line, rnd, item in found:
        value = item.get("value_sha256") or "封存的文件里没有这个值 / not in the sealed files"
        rows.append(
            f"{item.get('id')}: 批次 round {rnd}，字段 field {item.get('field')}，对象 target {item.get('target')}，"
            f"日期 date {item.get('date')}，理由 reason {item.get('reason')}（账本第 {line} 行 / ledger line {line}；"
            f"被删除值的 SHA-256 / SHA-256 of the value removed: {value}）"
        )
    return Check(*REDACTIONS_NAME, True, "\n".join(rows), listing=True)


def anchor_checks(folder: DataFolder, ledger: Ledger | None, since: str | None, pubkey: Path | None) -> list[Check]:
    """What ties the published ledger to something outside the site: ledger-heads.txt, the signatures
    (checked with ``pubkey``, the key from the union's notice), and the auditor's earlier copy (``since``)."""
    checks = []
    if ledger is not None:
        checks += [check_heads(folder, ledger), check_signatures(folder, ledger, pubkey)]
    elif pubkey is not None:
        checks.append(Check(*SIGNATURES_NAME, True, "未发布账本：没有要核对的签名 / no ledger published: no signature to check"))
    if since is not None:
        checks.append(check_since(ledger, since))
    return checks
