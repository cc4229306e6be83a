"""What staff put in the union's official notice: the new signing key and the ledger's head hash, as printed text.

`make signkey` prints the public key and its fingerprint; `make seal` and `make redact` print the ledger's new
head hash and whether its line is signed (cli.py prints these texts, Chinese first).
"""

from __future__ import annotations

from pathlib import Path

from warmth.core.layout import LEDGER_FILE
from warmth.ledger.chain import SIGNATURE, read_ledger
from warmth.ledger.heads import head_hash
from warmth.ledger.signing import fingerprint, read_public_key, short_fingerprint


def signkey_text(path: Path, pem: bytes, data: Path) -> str:
    """The new key's place, the public key and its fingerprints, and the current head when lines exist unsigned."""
    full = fingerprint(pem)
    text = (
        f"已生成账本签名私钥：{path}（仅本人可读；git 不会提交 *.key）。请离线备份，绝不放进 data/、网站或代码库；"
        f"make seal 和 make redact 用它签名（SIGNKEY=… 或环境变量 WARMTH_SIGNKEY）。\n"
        f"Signing key written: {path} (owner-only; git ignores *.key). Back it up offline and never put it in data/, a site "
        f"or the repository; make seal and make redact sign with it (SIGNKEY=… or WARMTH_SIGNKEY).\n"
        f"公钥已写入 {data / 'ledger-public-key.pem'}：请提交到 git，网站会发布在 /data/ledger-public-key.pem。"
        f"请在正式公告中公布公钥和指纹 / The public key is in {data / 'ledger-public-key.pem'}: commit it; the site "
        f"publishes it at /data/ledger-public-key.pem. Put the key and its fingerprint in the official notice:\n"
        f"{pem.decode('ascii')}"
        f"公钥指纹（SHA-256）/ fingerprint: {full}\n短指纹 / short fingerprint: {short_fingerprint(full)}"
    )
    head = head_hash(read_ledger(data / LEDGER_FILE))
    if head:
        text += (
            f"\n账本现有的行都没有签名；下一次 make seal 起每一行都签名。请把当前的账本最新哈希一并写入公告：{head}\n"
            f"The ledger's lines so far are unsigned; from the next make seal on every line is signed. Put the current "
            f"ledger head hash in the same notice: {head}"
        )
    return text


def head_text(data: Path) -> tuple[str, str | None]:
    """(the head hash for the notice, and whether its line is signed; a warning when it is not, else None)."""
    manifests = read_ledger(data / LEDGER_FILE)
    head = head_hash(manifests)
    text = f"账本最新哈希（请写入本批次公告）：{head}\nLedger head hash (put it in this round's official notice): {head}"
    pem = read_public_key(data)
    if SIGNATURE in manifests[-1] and pem is not None:
        short = short_fingerprint(fingerprint(pem))
        return text + f"\n这一行已用工会的签名密钥签名（公钥短指纹 {short}）。/ The line is signed with the union's key (fingerprint {short}).", None
    return text, "注意：这一行没有签名（工会还没有签名密钥：make signkey）。/ Note: this line is not signed (no signing key yet: make signkey)."
