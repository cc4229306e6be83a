"""The union's ledger signing key: ``make signkey`` makes it once; ``make seal`` and ``make redact`` sign with it.

The private key is an Ed25519 key in a PEM file (PKCS #8, unencrypted, as
``openssl genpkey -algorithm ed25519`` writes it), created once, mode 0600,
never overwritten, named ``*.key`` so git ignores it, and kept outside the
data folder and any site. Its public key goes into the data folder
(``data/ledger-public-key.pem``, committed and published), and from then on
``make seal`` and ``make redact`` refuse to write an unsigned line: no silent
downgrade. Commands find the key by ``--signkey`` (``SIGNKEY=``), else
``$WARMTH_SIGNKEY``, else ``ledger-signing.key`` in the current folder.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from warmth.core.files import atomic_write
from warmth.core.layout import PUBLIC_KEY_FILE, inside_built_site
from warmth.core.problems import WarmthError
from warmth.ledger.signing import fingerprint, public_key_pem, read_public_key, short_fingerprint
from warmth.staff.keys import DEFAULT_SIGNKEY, SIGNKEY_ENV


class SigningKeyError(WarmthError):
    """The signing key is missing, wrong, or would be overwritten; nothing was written."""


def _inside(path: Path, folder: Path) -> bool:
    path, folder = Path(os.path.abspath(path)), Path(os.path.abspath(folder))
    return folder == path or folder in path.parents or folder.resolve() in path.resolve().parents


def signkey(key_path: Path, data_dir: Path) -> tuple[Path, bytes]:
    """Make the union's signing key: the private key at ``key_path`` (0600), its public key in the data folder.

    Refuses — nothing written — when either file exists (a key is never replaced: lines signed with it
    could no longer be checked), when the key would be inside the data folder or a site, or when its
    name does not end in ``.key`` (git ignores those). Returns the key's path and the public key's PEM.
    """
    key_path, data_dir = Path(key_path), Path(data_dir)
    public = data_dir / PUBLIC_KEY_FILE
    if not key_path.name.endswith(".key"):
        raise SigningKeyError(
            f"签名私钥的文件名应以 .key 结尾（git 忽略这类文件，不会被提交）：{key_path}\n"
            f"The signing key's file name must end in .key (git ignores such files, so it is never committed): {key_path}"
        )
    if inside_built_site(key_path) or _inside(key_path, data_dir):
        raise SigningKeyError(
            f"签名私钥不能放在数据文件夹或网站输出文件夹里：{key_path}\n"
            f"The signing key must not be inside the data folder or a site output folder: {key_path}"
        )
    if not data_dir.is_dir():
        raise SigningKeyError(f"找不到数据文件夹：{data_dir} / data folder not found: {data_dir}")
    for existing in (key_path, public):
        if os.path.lexists(existing):
            raise SigningKeyError(
                f"{existing} 已存在，不会覆盖。工会只用一把签名密钥：换了密钥，以前签名的账本行就无法再用公告中的公钥核对。"
                "如果私钥丢失或泄露，请不要自行替换，先与审计、纪检部门商定并另行公告。\n"
                f"{existing} already exists and is not overwritten. The union keeps one signing key: with a new key, lines "
                "signed before could no longer be checked with the public key in the notices. If the key is lost or leaked, "
                "do not replace it on your own: agree on it with the auditors first and announce it."
            )
    key = Ed25519PrivateKey.generate()
    secret = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    pem = public_key_pem(key.public_key())
    try:
        atomic_write(key_path, secret, private=True, durable=True, replace=False)
    except FileExistsError:  # appeared since the check above
        raise SigningKeyError(f"{key_path} 已存在，不会覆盖 / already exists and is not overwritten") from None
    try:
        atomic_write(public, pem, durable=True, replace=False)
    except BaseException:
        key_path.unlink(missing_ok=True)  # no public key, no use for the private one: never half made
        raise
    return key_path, pem


def find_signing_key(path: Path | None) -> Path | None:
    """Where the signing key is: ``path``, else $WARMTH_SIGNKEY, else ledger-signing.key if it exists; None if none."""
    if path is not None:
        return Path(path)
    env = os.environ.get(SIGNKEY_ENV, "").strip()
    if env:
        return Path(env)
    return Path(DEFAULT_SIGNKEY) if os.path.lexists(DEFAULT_SIGNKEY) else None


def load_signing_key(path: Path) -> Ed25519PrivateKey:
    """The Ed25519 private key in ``path`` (PEM, PKCS #8, unencrypted)."""
    path = Path(path)
    if not path.is_file():
        raise SigningKeyError(
            f"找不到签名私钥：{path}。请用 SIGNKEY=… 指定（或设置环境变量 {SIGNKEY_ENV}）；第一次使用请先运行 make signkey。\n"
            f"Signing key not found: {path}. Point SIGNKEY=… (or {SIGNKEY_ENV}) at it; run make signkey once to create it."
        )
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError):
        key = None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(
            f"{path} 不是 make signkey 写出的 Ed25519 私钥（PEM）。/ {path} is not the Ed25519 private key (PEM) make signkey wrote."
        )
    return key


def signer(data_dir: Path, key: Ed25519PrivateKey | None) -> Ed25519PrivateKey | None:
    """The key to sign the next ledger line with, checked against the data folder's public key.

    No public key and no private key: None (lines stay unsigned, as before signing existed).
    A public key but no private key: refused — once a key is published, every line is signed.
    A private key that is not the published key's, or no published key for it: refused.
    """
    pem = read_public_key(Path(data_dir))
    where = Path(data_dir) / PUBLIC_KEY_FILE
    if pem is None and key is None:
        return None
    if key is None:
        raise SigningKeyError(
            f"工会已发布账本公钥（{where}，指纹 {short_fingerprint(fingerprint(pem))}），账本的每一新行都必须签名，"
            f"所以没有写入任何内容。请用 SIGNKEY=<私钥文件> 指定签名私钥（或设置环境变量 {SIGNKEY_ENV}，"
            f"或把它放在当前文件夹，名为 {DEFAULT_SIGNKEY}）。\n"
            f"The union has published its ledger public key ({where}, fingerprint {short_fingerprint(fingerprint(pem))}), "
            f"so every new ledger line must be signed; nothing was written. Give the signing key with SIGNKEY=<key file> "
            f"(or set {SIGNKEY_ENV}, or keep it in the current folder as {DEFAULT_SIGNKEY})."
        )
    if pem is None:
        raise SigningKeyError(
            f"数据文件夹中没有账本公钥 {where}：用这个私钥签名的行无法核对。公钥由 make signkey 写入并提交到 git，请从 git 恢复。\n"
            f"The data folder has no ledger public key {where}: lines signed with this key could not be checked. "
            "make signkey writes it and it is committed; restore it from git."
        )
    if public_key_pem(key.public_key()) != pem:
        raise SigningKeyError(
            f"这个签名私钥与已发布的公钥 {where}（指纹 {short_fingerprint(fingerprint(pem))}）不配对，没有写入任何内容。请使用 make signkey 生成的那把私钥。\n"
            f"This signing key does not belong to the published public key {where} "
            f"(fingerprint {short_fingerprint(fingerprint(pem))}); nothing was written. Use the key make signkey made."
        )
    return key
