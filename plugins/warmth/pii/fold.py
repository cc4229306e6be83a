"""Folding: the text as the patterns see it.

NFKC per character, every Unicode digit to ASCII, every space to " ", every
dash to "-", mask look-alikes to "*", invisible format characters removed —
so ``１３９－１２３４－５６７８`` and ``139-1234-5678`` are one number. Folding keeps
a map back to the original characters, so a match can be masked in place.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator

from warmth.pii.unicode_ranges import SPECIAL_RANGES

# --- folding: NFKC and look-alikes, per character ---------------------------

# Characters people mask digits with, besides * (ASCII x and X count too, in
# the patterns). NFKC already turns ＊ and ﹡ into *.
MASK_LOOKALIKES = "×∗⁎✱✲✳✻●╳"
# What a folded character may contain for it to matter to the patterns.
STRUCTURAL = frozenset("0123456789 -*@()+xX")
# Code points whose NFKC form can differ (BMP, SMP) and the tag characters
# (invisible, format): beyond these, NFKC only maps ideographs to ideographs.
FOLD_RANGES = ((0x80, 0xD7FF), (0xE000, 0x1FFFF), (0xE0000, 0xE01FF))
ASCII_SPACES = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f"


def _fold_char(char: str) -> str:
    if unicodedata.category(char) == "Cf":  # zero-width space, soft hyphen, BOM, marks
        return ""
    out = []
    for ch in unicodedata.normalize("NFKC", char):
        category = unicodedata.category(ch)
        if ch.isspace():
            out.append(" ")
        elif ch in MASK_LOOKALIKES:
            out.append("*")
        elif category == "Pd" or ch == "\u2212":  # dashes, minus sign
            out.append("-")
        elif category == "Nd" and not ch.isascii():
            out.append(str(unicodedata.decimal(ch)))
        else:
            out.append(ch)
    return "".join(out)


@functools.cache
def _fold_table() -> dict[int, str]:
    """str.translate table: every character whose folded form differs."""
    table = {ord(c): " " for c in ASCII_SPACES}
    for first, last in FOLD_RANGES:
        for cp in range(first, last + 1):
            char = chr(cp)
            folded = _fold_char(char)
            if folded != char:
                table[cp] = folded
    return table


def _ranges(codepoints: list[int]) -> Iterator[tuple[int, int]]:
    start = prev = codepoints[0]
    for cp in codepoints[1:]:
        if cp != prev + 1:
            yield start, prev
            start = cp
        prev = cp
    yield start, prev


def computed_special_ranges() -> list[tuple[int, int]]:
    """SPECIAL_RANGES recomputed from this Python's Unicode data (slow: ~0.6 s; tests only)."""
    special = sorted(cp for cp, folded in _fold_table().items() if cp > 0x7F and (not folded or STRUCTURAL.intersection(folded)))
    return list(_ranges(special))


@functools.cache
def special_class() -> str:
    """RE2 class of the non-ASCII characters that fold into something that matters."""
    return "[" + "".join(f"\\x{{{a:X}}}" if a == b else f"\\x{{{a:X}}}-\\x{{{b:X}}}" for a, b in SPECIAL_RANGES) + "]"


_ASCII_FOLD = str.maketrans({c: " " for c in ASCII_SPACES})


@functools.cache
def _fold_one(char: str) -> str:
    """One character folded; cached, so only characters actually seen are computed."""
    cp = ord(char)
    if any(first <= cp <= last for first, last in FOLD_RANGES):
        return _fold_char(char)
    return char


# ASCII and the CJK Unified Ideographs fold to themselves (but ASCII spaces): text made
# only of them, as most checked cells are, skips the per-character work.
_UNCHANGED = re.compile("[\x00-\x7f\u4e00-\u9fff]*")


def fold(text: str) -> str:
    """NFKC per character, digits to ASCII, spaces to " ", dashes to "-", mask look-alikes to "*"."""
    if text.isascii() or _UNCHANGED.fullmatch(text):
        return text.translate(_ASCII_FOLD)
    return "".join(_fold_one(c) if ord(c) > 0x7F else c.translate(_ASCII_FOLD) for c in text)


def origins(text: str) -> list[int] | range:
    """For each character of ``fold(text)``, the position of the character it came from."""
    if text.isascii() or _UNCHANGED.fullmatch(text):
        return range(len(text))
    sizes = [len(_fold_one(c)) if ord(c) > 0x7F else 1 for c in text]
    if all(size == 1 for size in sizes):
        return range(len(text))
    origin: list[int] = []
    for i, size in enumerate(sizes):
        origin.extend([i] * size)
    return origin
