"""The campaign key and the pseudonymous refs it makes.

The key is 32 random bytes in a file (`keygen`), kept off the web server and
out of git (``*.key`` is ignored), and the same for the whole campaign: a new
key gives every person a new ref. A ref is HMAC-SHA256 of the normalised ID
number under the key, so the same person gets the same ref in every row,
round and district, but nobody without the key can test an ID number against
a ref (an ID number has far too few possibilities for a plain hash).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from warmth.core.files import atomic_write
from warmth.core.layout import inside_built_site
from warmth.core.problems import WarmthError
from warmth.pii.idcard import normalize_id

KEY_ENV = "WARMTH_KEY_FILE"
DEFAULT_KEY_NAME = "campaign.key"
KEY_BYTES = 32
# the union's ledger signing key (staff/signing.py): another key, found the same way
SIGNKEY_ENV = "WARMTH_SIGNKEY"
DEFAULT_SIGNKEY = "ledger-signing.key"


class KeyFileError(WarmthError):
    """The campaign key file is missing, malformed, or would be overwritten."""


def keygen(path: Path) -> Path:
    """Write a new campaign key: 32 random bytes, mode 0600, never over an existing file."""
    path = Path(path)
    if inside_built_site(path):
        raise KeyFileError(
            f"密钥文件不能放在网站输出文件夹里：{path}\nThe key file must not be inside a site output folder: {path}"
        )
    if os.path.lexists(path):
        raise KeyFileError(
            f"密钥文件已存在，不会覆盖：{path}。整个活动必须一直使用同一个密钥（换密钥会让同一受助人的编码全部改变）；"
            "确需新密钥，请先把旧文件移走并妥善保管。\n"
            f"The key file already exists and is not overwritten: {path}. Keep one key for the whole campaign "
            "(a new key changes every recipient's ref); to start over, move the old file away first and keep it safe."
        )
    try:
        atomic_write(path, secrets.token_bytes(KEY_BYTES), private=True, durable=True, replace=False)
    except FileExistsError:  # appeared since the check above
        raise KeyFileError(f"密钥文件已存在，不会覆盖：{path}\nThe key file already exists and is not overwritten: {path}") from None
    return path


def load_key(path: Path | None) -> bytes:
    """The campaign key from ``path``, else from $WARMTH_KEY_FILE; exactly 32 bytes."""
    if path is None:
        env = os.environ.get(KEY_ENV, "").strip()
        if not env:
            raise KeyFileError(
                f"没有指定密钥文件。请用 --key 指定，或设置环境变量 {KEY_ENV}；第一次使用请先运行 keygen 生成密钥。\n"
                f"No key file given. Pass --key or set {KEY_ENV}; run keygen once to create the key."
            )
        path = Path(env)
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise KeyFileError(
            f"找不到密钥文件：{path}。第一次使用请先运行 make keygen（每个活动一次），或用 KEY=… 指定已有的密钥。\n"
            f"Key file not found: {path}. Run make keygen once per campaign, or point KEY=… at the existing key."
        ) from None
    if not path.is_file() or size != KEY_BYTES:
        raise KeyFileError(
            f"密钥文件无效：{path}（应为 {KEY_BYTES} 字节，实际 {size} 字节）。请使用 keygen 生成的原始密钥文件。\n"
            f"Invalid key file: {path} (must be exactly {KEY_BYTES} bytes, found {size}). Use the file keygen wrote."
        )
    key = path.read_bytes()
    if len(key) != KEY_BYTES:  # changed while reading
        raise KeyFileError(f"密钥文件无效：{path}\nInvalid key file: {path}")
    return key


def recipient_ref(key: bytes, id_number: str) -> str | None:
    """HMAC-SHA256 of the normalised 18-character ID, 64 lowercase hex; None if the ID is not valid."""
    normal = normalize_id(id_number)
    if normal is None:
        return None
    return hmac.new(key, normal.encode("ascii"), hashlib.sha256).hexdigest()
