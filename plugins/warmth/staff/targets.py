"""Where a staff command may write: never over what staff did not ask to replace.

``REPORT=``, ``OUT=`` and ``REJECTS=`` name files that a typo can point at
something precious. So a target that exists is refused unless the command
was given ``--replace`` (``REPLACE=1`` in the Makefile), and two kinds are
refused even then:

- a key file: the configured key (``$WARMTH_KEY_FILE``, ``campaign.key``), the
  ledger signing key (``$WARMTH_SIGNKEY``, ``ledger-signing.key``), any
  file named ``*.key`` (or ``*.key.*``, a backup), and any file of exactly 32
  bytes, the size of a key (nothing these commands write is that small);
- any file the command reads: the real-name table, the incoming file.

A link counts as what it leads to. Nothing here reads a target's content.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from warmth.core.files import atomic_write
from warmth.core.problems import ConfigError
from warmth.staff.keys import DEFAULT_KEY_NAME, DEFAULT_SIGNKEY, KEY_BYTES, KEY_ENV, SIGNKEY_ENV

HOW_TO_REPLACE_ZH = "如确实要用新内容替换它，请加上 REPLACE=1（直接运行命令时加 --replace）；否则请换一个文件名。"
HOW_TO_REPLACE_EN = "To replace it with the new content, add REPLACE=1 (--replace on the command line); otherwise choose another name."


class TargetError(ConfigError):
    """A command would write over a file it must not write over."""


def configured_keys(*more: Path | None) -> list[Path]:
    """The key files a command may know of: ``more`` (e.g. its --key), $WARMTH_KEY_FILE, campaign.key,
    and the ledger signing key ($WARMTH_SIGNKEY, ledger-signing.key)."""
    env = os.environ.get(KEY_ENV, "").strip()
    sign = os.environ.get(SIGNKEY_ENV, "").strip()
    return [Path(p) for p in (*more, env or None, DEFAULT_KEY_NAME, sign or None, DEFAULT_SIGNKEY) if p]


def _same(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return Path(os.path.abspath(a)) == Path(os.path.abspath(b))


def is_key_file(path: Path, keys: Iterable[Path] = ()) -> bool:
    """A file that is, or may be, a campaign key (see the module's docstring)."""
    path = Path(path)
    for name in {path.name, path.resolve().name}:
        if name.lower().endswith(".key") or ".key." in name.lower():
            return True
    try:
        if path.is_file() and path.stat().st_size == KEY_BYTES:
            return True
    except OSError:
        pass
    return any(_same(path, key) for key in [*keys, *configured_keys()])


def check_target(path: Path, zh: str, en: str, *, replace: bool, reads: Iterable[Path] = (), keys: Iterable[Path] = ()) -> None:
    """Raise `TargetError` unless ``path`` (named ``zh`` / ``en`` in messages) may be written.

    A new name may always be written. An existing one only with ``replace``,
    and never a key file or one of the files the command ``reads``.
    """
    path = Path(path)
    if not os.path.lexists(path):
        return
    if any(_same(path, r) for r in reads):
        raise TargetError(
            f"{zh}是本命令要读取的文件，绝不会被覆盖（加 REPLACE=1 也不会）：{path}\n请换一个文件名。\n"
            f"The {en} is a file this command reads and is never overwritten, not even with REPLACE=1: {path}\n"
            "Choose another name."
        )
    if is_key_file(path, keys):
        raise TargetError(
            f"{zh}指向一个密钥文件（或可能是密钥的 {KEY_BYTES} 字节文件、*.key 文件），绝不会被覆盖（加 REPLACE=1 也不会）：{path}\n"
            "密钥一旦被覆盖，同一受助人就再也得不到原来的受助人编码。请检查文件名，换一个文件。\n"
            f"The {en} points at a key file (or a {KEY_BYTES}-byte or *.key file, which may be one) and is never overwritten, "
            f"not even with REPLACE=1: {path}\nA lost key means no recipient gets the same ref again. Check the name and choose another file."
        )
    if path.is_dir():
        raise TargetError(
            f"{zh}是一个已有的文件夹，不能写成文件（加 REPLACE=1 也不会）：{path}\n请换一个文件名。\n"
            f"The {en} is an existing folder and is never written as a file, not even with REPLACE=1: {path}\nChoose another name."
        )
    if not replace:
        raise TargetError(
            f"{zh}已存在，不会被覆盖：{path}\n{HOW_TO_REPLACE_ZH}\n"
            f"The {en} already exists and is not overwritten: {path}\n{HOW_TO_REPLACE_EN}"
        )


def write_target(path: Path, payload: bytes, zh: str, en: str, *, replace: bool, private: bool = False) -> None:
    """Write a target already passed by `check_target`; one that appeared meanwhile is not overwritten."""
    try:
        atomic_write(path, payload, private=private, replace=replace and not is_key_file(path))
    except FileExistsError:
        raise TargetError(
            f"{zh}刚刚被别的程序创建，不会被覆盖：{path}\n{HOW_TO_REPLACE_ZH}\n"
            f"The {en} appeared meanwhile and is not overwritten: {path}\n{HOW_TO_REPLACE_EN}"
        ) from None
