"""Head hashes: is the ledger an auditor saw earlier still the beginning of today's? (``make verify SINCE=…``)

The head hash after a ledger line is that line's hash (audit/chain.py,
``line_hash``): it fixes the line and, through ``previous``, every line
before it. ``SINCE`` is either

- an earlier copy of ``ledger.jsonl``: each of its lines must have the same
  hash as the line with the same number today (line by line, by hash, so a
  file name taken down since — ``path`` replaced by ``path_sha256`` — is no
  change), and today's ledger may only have more lines after them; or
- a head hash (64 hex digits, e.g. from a round's official notice or from a
  saved ``ledger-heads.txt``): it must be the hash of some line of today's ledger.

The site also publishes ``ledger-heads.txt``, one line per ledger line::

    <line> <head hash> <date> <round> <seal|redaction> <signed|unsigned>

which must say exactly what the ledger gives. Standard library only.
"""

from __future__ import annotations

import re
from pathlib import Path

from warmth.audit.chain import SIGNATURE, Ledger, is_redaction, line_hash, read_ledger
from warmth.audit.folder import DataFolder
from warmth.audit.report import Check

HEADS = "ledger-heads.txt"
HEADS_NAME = ("账本各行哈希 ledger-heads.txt", "ledger-heads.txt matches the ledger")
SINCE_NAME = ("以前保存的账本仍是今天账本的开头（SINCE）", "the earlier ledger is the beginning of today's (SINCE)")
_HEAD_HASH = re.compile(r"[0-9a-fA-F]{64}")


def describe(number: int, manifest: dict) -> str:
    """``第 3 行（2012-02-25，批次 2012-02，删除记录）/ line 3 (2012-02-25, round 2012-02, redaction)``."""
    kind_zh, kind_en = ("删除记录", "redaction") if is_redaction(manifest) else ("封存", "seal")
    date = manifest.get("redacted_on") if is_redaction(manifest) else manifest.get("sealed_on")
    rnd = manifest.get("round")
    return f"第 {number} 行（{date}，批次 {rnd}，{kind_zh}）/ line {number} ({date}, round {rnd}, {kind_en})"


def heads_text(ledger: Ledger) -> str:
    """What ledger-heads.txt must hold for this ledger."""
    rows = []
    for number, m in enumerate(ledger.manifests, 1):
        kind = "redaction" if is_redaction(m) else "seal"
        date = m.get("redacted_on") if is_redaction(m) else m.get("sealed_on")
        signed = "signed" if SIGNATURE in m else "unsigned"
        rows.append(f"{number} {line_hash(m)} {date} {m.get('round')} {kind} {signed}\n")
    return "".join(rows)


def check_heads(folder: DataFolder, ledger: Ledger) -> Check:
    """ledger-heads.txt, when published, says exactly what the ledger gives."""
    if HEADS not in folder.files:
        return Check(*HEADS_NAME, True, "未发布（较早的网站）/ not published (an older site)")
    if not ledger.manifests:
        return Check(*HEADS_NAME, False, "账本无法读取，无从核对 / the ledger cannot be read, so this cannot be checked")
    try:
        published = (folder.path / HEADS).read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        published = None
    expected = heads_text(ledger)
    if published == expected:
        return Check(*HEADS_NAME, True, f"{len(ledger.manifests)} 行 / lines")
    issues = []
    got = (published or "").splitlines()
    for number, want in enumerate(expected.splitlines(), 1):
        have = got[number - 1] if number <= len(got) else "（缺）/ (missing)"
        if have != want:
            issues.append(f"{HEADS} 第 {number} 行 / line {number}: 应为 / should be “{want}”，实为 / is “{have}”")
    if len(got) > len(ledger.manifests) or published is None or not issues:
        issues.append(f"{HEADS} 与账本的 {len(ledger.manifests)} 行不符 / does not match the ledger's {len(ledger.manifests)} lines")
    return Check.of(HEADS_NAME, issues, "")


def check_since(ledger: Ledger | None, since: str) -> Check:
    """Today's ledger still begins with the auditor's earlier copy, or contains their head hash."""
    text = since.strip()
    path = Path(text)
    if _HEAD_HASH.fullmatch(text) and not path.is_file():
        return _since_hash(ledger, text.lower())
    if not path.is_file():
        return Check(*SINCE_NAME, False, f"找不到文件 {text}，它也不是 64 位十六进制的最新哈希 / "
                                         f"{text} is neither a file nor a 64-hex-digit head hash")
    earlier = read_ledger(path)
    if not earlier.manifests and earlier.problems:
        return Check(*SINCE_NAME, False, f"{text} 不是可以读取的账本 / is not a readable ledger:\n"
                     + "\n".join(p.format() for p in earlier.problems))
    if not earlier.manifests:
        return Check(*SINCE_NAME, True, f"{text} 是空的：没有可比较的行 / is empty: nothing to compare")
    today = _today(ledger)
    if isinstance(today, Check):
        return today
    mine, theirs = earlier.hashes(), ledger.hashes()
    for number, (old, new) in enumerate(zip(mine, theirs), 1):
        if old != new:
            return Check(*SINCE_NAME, False, "\n".join([
                f"从{describe(number, earlier.manifests[number - 1])}起不同 / differs from "
                f"line {number} on (your copy's line {number} is not today's line {number}):",
                f"你保存的 / your copy: {describe(number, earlier.manifests[number - 1])} 哈希 / hash {old}",
                f"今天的 / today: {describe(number, ledger.manifests[number - 1])} 哈希 / hash {new}",
                "已发布的账本行被改写、删除或调换过（只删除文件名不会造成这种不同）。/ "
                "A published ledger line was rewritten, removed or reordered (taking a file name down does not do this).",
            ]))
    if len(mine) > len(theirs):
        return Check(*SINCE_NAME, False, "\n".join([
            f"今天的账本只有 {len(theirs)} 行，你保存的有 {len(mine)} 行：从第 {len(theirs) + 1} 行起被删掉了 / "
            f"today's ledger has {len(theirs)} lines, your copy {len(mine)}: the lines from {len(theirs) + 1} on were removed.",
            f"你保存的最新哈希 / your copy's head: {describe(len(mine), earlier.manifests[-1])} {mine[-1]}",
        ]))
    return Check(*SINCE_NAME, True, _added(ledger, len(mine), f"你保存的 {len(mine)} 行与今天账本的前 {len(mine)} 行逐行相同 / "
                                                         f"your copy's {len(mine)} lines are today's first {len(mine)}, line by line"),
                 listing=True)


def _since_hash(ledger: Ledger | None, head: str) -> Check:
    today = _today(ledger)
    if isinstance(today, Check):
        return today
    hashes = ledger.hashes()
    if head not in hashes:
        return Check(*SINCE_NAME, False, "\n".join([
            f"{head} 不是今天账本任何一行之后的哈希 / is not the head hash after any line of today's ledger.",
            f"今天的最新哈希 / today's head: {describe(len(hashes), ledger.manifests[-1])} {hashes[-1]}",
            "它所确定的账本已被改写（或者哈希抄错了）。/ The ledger it fixed was rewritten (or the hash was mistyped).",
        ]))
    number = hashes.index(head) + 1
    return Check(*SINCE_NAME, True, _added(ledger, number, f"{head} 是{describe(number, ledger.manifests[number - 1])}之后的哈希 / "
                                                           f"is the head hash after that line"), listing=True)


def _today(ledger: Ledger | None) -> Check | None:
    if ledger is None:
        return Check(*SINCE_NAME, False, "网站没有发布账本，无从比较 / the site publishes no ledger to compare with")
    if not ledger.manifests:
        return Check(*SINCE_NAME, False, "今天的账本无法读取，无从比较 / today's ledger cannot be read, so it cannot be compared")
    return None


def _added(ledger: Ledger, kept: int, first: str) -> str:
    """The verdict line, and every line added since the first ``kept``."""
    hashes = ledger.hashes()
    rows = [first]
    if kept == len(hashes):
        rows.append("此后没有新增的行 / no line added since")
    for number in range(kept + 1, len(hashes) + 1):
        rows.append(f"此后新增 / added since: {describe(number, ledger.manifests[number - 1])} {hashes[number - 1]}")
    return "\n".join(rows)
