"""The ledger's Ed25519 signatures, checked with the ``openssl`` command (``make verify PUBKEY=…``).

The auditor brings the union's public key from its official notice (never
only the copy the site publishes: whoever can edit the site can replace it).
Each signed line's payload — the canonical commitment form of the line
without its ``signature`` (audit/chain.py, ``payload``) — and its signature
are written to a temporary folder and checked by::

    openssl pkeyutl -verify -pubin -inkey <key> -rawin -in <payload> -sigfile <signature>

(OpenSSL 3.0 or later). Without ``openssl`` on PATH, or with an older one,
the report says the signatures were NOT checked. Rules that need no key are
checked anyway: once a line is signed, every later line must be; and with a
key given, the newest line must be signed (else nothing anchors the head).
Standard library only: the verifying is OpenSSL's, nothing is hand-written.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import shutil
import subprocess
import tempfile
from pathlib import Path

from warmth.audit.chain import SIGNATURE, Ledger, line_hash, payload, signature
from warmth.audit.folder import DataFolder
from warmth.audit.heads import describe
from warmth.audit.report import Check

PUBLIC_KEY = "ledger-public-key.pem"
SIGNATURES_NAME = ("账本签名（Ed25519）", "ledger signatures (Ed25519)")
# DER of an Ed25519 SubjectPublicKeyInfo: this prefix (algorithm 1.3.101.112) and the 32-byte key
_ED25519_SPKI = bytes.fromhex("302a300506032b6570032100")


def public_key_der(raw: bytes) -> bytes | None:
    """The DER form of an Ed25519 public key in PEM (-----BEGIN PUBLIC KEY-----); None for anything else."""
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        return None
    begin, end = "-----BEGIN PUBLIC KEY-----", "-----END PUBLIC KEY-----"
    if text.count(begin) != 1 or text.count(end) != 1 or text.index(begin) > text.index(end):
        return None
    body = "".join(text.split(begin, 1)[1].split(end, 1)[0].split())
    try:
        der = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        return None
    return der if len(der) == 44 and der.startswith(_ED25519_SPKI) else None


def fingerprint(der: bytes) -> str:
    """SHA-256 of the key's DER form, as ``openssl pkey -pubin -in <key> -outform DER | sha256sum`` prints it."""
    return hashlib.sha256(der).hexdigest()


def short(full: str) -> str:
    return "-".join(full[i:i + 4] for i in range(0, 16, 4))


def _ranges(numbers: list[int]) -> str:
    spans: list[list[int]] = []
    for n in numbers:
        if spans and spans[-1][1] == n - 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    return ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in spans)


def check_signatures(folder: DataFolder, ledger: Ledger, pubkey: Path | None, openssl: str | None = None) -> Check:
    """Every signature against ``pubkey`` (with openssl), and the rules for unsigned lines."""
    if not ledger.manifests:
        return Check(*SIGNATURES_NAME, False, "账本无法读取 / the ledger cannot be read")
    signed = [n for n, m in enumerate(ledger.manifests, 1) if SIGNATURE in m]
    unsigned = [n for n, m in enumerate(ledger.manifests, 1) if SIGNATURE not in m]
    issues = [
        f"{describe(n, ledger.manifests[n - 1])}: 没有签名，但之前的第 {signed[0]} 行已签名 / not signed, "
        f"but line {signed[0]} before it is: once lines are signed, every later line must be"
        for n in unsigned if signed and n > signed[0]
    ]
    notes = [f"{len(signed)} 行已签名 / lines signed" + (f"（第 {_ranges(signed)} 行 / lines {_ranges(signed)}）" if signed else "")]
    if unsigned and (not signed or unsigned[0] < signed[0]):
        early = [n for n in unsigned if not signed or n < signed[0]]
        notes.append(f"第 {_ranges(early)} 行未签名：启用签名之前写入 / lines {_ranges(early)} unsigned: written before signing began")
    site_key = public_key_der((folder.path / PUBLIC_KEY).read_bytes()) if PUBLIC_KEY in folder.files else None
    if pubkey is None:
        seen = f"；网站发布的公钥指纹 / the site's key fingerprint: {fingerprint(site_key)}" if site_key else ""
        notes.insert(0, "未核对签名：没有给出公钥（PUBKEY=<工会公告中的公钥文件>）/ signatures NOT checked: no public key given "
                        f"(PUBKEY=<the key file from the union's notice>){seen}")
        return Check(*SIGNATURES_NAME, not issues, "\n".join(issues or notes), listing=not issues)
    try:
        der = public_key_der(Path(pubkey).read_bytes())
    except OSError as exc:
        return Check(*SIGNATURES_NAME, False, f"无法读取公钥 / cannot read the public key {pubkey}: {exc}")
    if der is None:
        return Check(*SIGNATURES_NAME, False, f"{pubkey} 不是 Ed25519 公钥（PEM）/ is not an Ed25519 public key (PEM)")
    notes.insert(0, f"公钥指纹 / key fingerprint {fingerprint(der)}（{short(fingerprint(der))}）")
    if site_key is not None and site_key != der:
        issues.append(f"网站发布的 {PUBLIC_KEY} 与你的公钥不同 / the site's {PUBLIC_KEY} is not your key: "
                      f"{fingerprint(site_key)} ≠ {fingerprint(der)}")
    if SIGNATURE not in ledger.manifests[-1]:
        issues.append(f"最新一行没有签名，没有什么能证明账本的结尾 / the newest line is not signed, so nothing proves the "
                      f"ledger's end: {describe(len(ledger.manifests), ledger.manifests[-1])}")
    openssl = openssl or shutil.which("openssl")
    if openssl is None:
        notes.insert(0, "未核对签名：找不到 openssl 命令（需要 OpenSSL 3.0 或更高版本）/ signatures NOT checked: no openssl "
                        "command on PATH (OpenSSL 3.0 or later is needed)")
        return Check(*SIGNATURES_NAME, not issues, "\n".join(issues or notes), listing=not issues)
    failed, why = _openssl_verify(openssl, Path(pubkey), ledger, signed)
    if why:
        notes.insert(0, f"未核对签名：openssl 无法核对 Ed25519 签名（需要 OpenSSL 3.0 或更高版本）/ signatures NOT checked: "
                        f"openssl cannot check Ed25519 signatures (OpenSSL 3.0 or later is needed): {why}")
    for n in failed:
        issues.append(f"{describe(n, ledger.manifests[n - 1])}: 签名与公钥不符 / the signature does not verify with the key "
                      f"(本行哈希 / line hash {line_hash(ledger.manifests[n - 1])})")
    if not why:
        notes.insert(1, f"openssl 核对了 {len(signed)} 个签名，全部相符 / openssl checked {len(signed)} signatures, all valid")
    return Check(*SIGNATURES_NAME, not issues, "\n".join(issues or notes), listing=not issues)


def _openssl_verify(openssl: str, pubkey: Path, ledger: Ledger, lines: list[int]) -> tuple[list[int], str]:
    """The lines whose signature openssl rejects, and why openssl could not check at all ("" when it could)."""
    failed = []
    with tempfile.TemporaryDirectory(prefix="warmth-verify-") as tmp:
        for n in lines:
            manifest = ledger.manifests[n - 1]
            raw = signature(manifest)
            if raw is None:  # malformed: the chain check names it
                failed.append(n)
                continue
            data, sig = Path(tmp) / f"{n}.payload", Path(tmp) / f"{n}.sig"
            data.write_bytes(payload(manifest))
            sig.write_bytes(raw)
            try:
                result = subprocess.run(
                    [openssl, "pkeyutl", "-verify", "-pubin", "-inkey", str(pubkey), "-rawin", "-in", str(data), "-sigfile", str(sig)],
                    capture_output=True, text=True, timeout=60,
                )
            except (OSError, subprocess.SubprocessError) as exc:
                return [], str(exc)
            if result.returncode == 0 and "Signature Verified Successfully" in result.stdout:
                continue
            if result.returncode == 1 and "Signature Verification Failure" in result.stdout:
                failed.append(n)
                continue
            said = (result.stderr.strip() or result.stdout.strip() or f"exit {result.returncode}").splitlines()
            return [], said[0]
    return failed, ""
