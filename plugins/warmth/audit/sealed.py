"""The ledger of sealed rounds: its hash chain, and every sealed round's published files as sealed.

One function per check; `read_published_ledger` gives them the ledger (None when none is published).
"""

from __future__ import annotations

from warmth.audit.chain import Ledger, read_ledger
from warmth.audit.folder import LEDGER, DataFolder
from warmth.audit.report import Check

CHAIN_NAME = ("账本哈希链 ledger.jsonl", "ledger.jsonl hash chain intact")
SEALED_NAME = ("已封存批次的公开文件与账本一致", "published files of sealed rounds match the ledger")


def read_published_ledger(folder: DataFolder) -> Ledger | None:
    return read_ledger(folder.path / LEDGER) if LEDGER in folder.files else None


def check_chain(ledger: Ledger | None) -> Check:
    """Every line a canonical manifest; each line's ``previous`` the SHA-256 of the line before."""
    if ledger is None:
        return Check(*CHAIN_NAME, True, "未发布账本：还没有封存的批次 / no ledger published: no round sealed yet")
    rounds = ", ".join(str(m.get("round")) for m in ledger.manifests)
    return Check.of(CHAIN_NAME, [p.format() for p in ledger.problems], f"{len(ledger.manifests)} 个已封存批次 / sealed rounds: {rounds}")


def check_sealed_files(folder: DataFolder, ledger: Ledger) -> Check:
    """Each file a manifest lists is published with the bytes and SHA-256 it had when sealed; a sealed round gains no file."""
    issues = []
    count = 0
    for manifest in ledger.manifests:
        rnd = manifest.get("round")
        entries = manifest.get("published")
        if not isinstance(rnd, str) or not isinstance(entries, list):
            continue
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
                    f"{rel}: 与 {manifest.get('sealed_on')} 封存时不同 / differs from the file sealed on {manifest.get('sealed_on')}: "
                    f"账本 / ledger {entry.get('sha256')} ({entry.get('bytes')} bytes), 文件 / file {sha} ({size} bytes)"
                )
        for rel in folder.files:
            if rel.startswith(f"rounds/{rnd}/") and rel not in listed:
                issues.append(f"{rel}: 批次 {rnd} 已封存，这个文件不在封存清单中 / round {rnd} is sealed and this file was not part of it")
    return Check.of(SEALED_NAME, issues, f"{count} 个文件 / files")
