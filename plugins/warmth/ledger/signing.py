"""The ledger's Ed25519 signatures: the union's public key, signing a line, checking every signature.

The union makes one Ed25519 key pair (``make signkey``, staff/signing.py):
the private key stays with the staff who seal (never in git or a site), the
public key is committed as ``data/ledger-public-key.pem`` and published at
``/data/ledger-public-key.pem``. Each line ``make seal`` and ``make redact``
write carries the signature of ``signed_payload(line)`` (ledger/chain.py);
the build checks every one against the key in the data folder:

- a signature that does not verify: ``ledger-signature-bad``;
- an unsigned line after a signed one: ``ledger-signature-missing`` (lines
  written before signing existed stay unsigned, before the first signed one);
- a signed line and no public key, or a key file that is not an Ed25519
  public key: ``ledger-public-key``.

The signing and verifying are the ``cryptography`` package's (OpenSSL);
nothing here is hand-written cryptography.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from warmth.core.layout import LEDGER_FILE, PUBLIC_KEY_FILE
from warmth.core.problems import DataError, Problem
from warmth.ledger.chain import SIGNATURE, signature_bytes, signed_payload


def public_key_pem(key: Ed25519PublicKey) -> bytes:
    """The public key as PEM (SubjectPublicKeyInfo), the form published and read by openssl."""
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def parse_public_key(pem: bytes, name: str = PUBLIC_KEY_FILE) -> Ed25519PublicKey:
    """An Ed25519 public key from its PEM; DataError (``ledger-public-key``) for anything else."""
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError):
        key = None
    if not isinstance(key, Ed25519PublicKey):
        raise DataError([Problem.of("ledger-public-key", name, variant="malformed", path=name)])
    return key


def read_public_key(data_dir: Path) -> bytes | None:
    """The PEM of the union's public key in the data folder, checked; None when there is none yet."""
    path = Path(data_dir) / PUBLIC_KEY_FILE
    if not path.exists():
        return None
    pem = path.read_bytes()
    parse_public_key(pem)
    return pem


def fingerprint(pem: bytes) -> str:
    """SHA-256 (hex) of the key's DER form: ``openssl pkey -pubin -in <key> -outform DER | sha256sum``."""
    der = parse_public_key(pem).public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()


def short_fingerprint(full: str) -> str:
    """The first 16 hex digits of the fingerprint in groups of four, to read aloud or print in a notice."""
    return "-".join(full[i:i + 4] for i in range(0, 16, 4))


def sign_line(manifest: dict, key: Ed25519PrivateKey) -> dict:
    """The line with its signature: Ed25519 over ``signed_payload(line)``, standard base64."""
    signature = key.sign(signed_payload(manifest))
    return {**manifest, SIGNATURE: base64.b64encode(signature).decode("ascii")}


def verifies(manifest: dict, key: Ed25519PublicKey) -> bool:
    raw = signature_bytes(manifest)
    if raw is None:
        return False
    try:
        key.verify(raw, signed_payload(manifest))
    except InvalidSignature:
        return False
    return True


def signature_problems(manifests: list[dict], pem: bytes | None) -> list[Problem]:
    """Every signature checked against the public key ``pem`` (the data folder's); row = ledger line."""
    problems: list[Problem] = []
    key = parse_public_key(pem) if pem is not None else None
    print_ = fingerprint(pem) if pem is not None else ""
    first_signed = None
    for row, manifest in enumerate(manifests, 1):
        if SIGNATURE not in manifest:
            if first_signed is not None:
                problems.append(Problem.of("ledger-signature-missing", LEDGER_FILE, row, "", first=first_signed))
            continue
        first_signed = first_signed or row
        if key is None:
            problems.append(Problem.of("ledger-public-key", LEDGER_FILE, row, "", variant="missing", line=row, path=PUBLIC_KEY_FILE))
            break
        if signature_bytes(manifest) is not None and not verifies(manifest, key):
            problems.append(
                Problem.of("ledger-signature-bad", LEDGER_FILE, row, "", path=PUBLIC_KEY_FILE, fingerprint=print_)
            )
    return problems
