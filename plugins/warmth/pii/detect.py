"""Personal data detector: the public site must never publish any.

The build scans every published text cell with `scan_series` and refuses to
build when a cell holds a resident ID number (18 or 15 digits), a masked ID or
phone number, a mobile or landline number, a bank card number, another long
digit run, or an e-mail address. `mask` shows such a value safely in a terminal
or a CI log; `is_personal_header` recognises column headers that mean personal
data (姓名, 身份证, 电话, name, phone …).

How a column is scanned, without a Python loop over its rows:

1. a cheap prefilter over the whole column with Arrow's RE2 kernel keeps only
   candidate cells — cells with a long or grouped digit run, a digit followed by
   mask characters, an ``@``, or a character that changes under NFKC into
   something that matters (full-width digits, ＠, ＊, full-width spaces and
   dashes, invisible format characters …). Normal text (dates, amounts, record
   ids, notes) is almost never a candidate;
2. each distinct candidate text is folded (NFKC per character, every Unicode
   digit to ASCII, every space to " ", every dash to "-", mask look-alikes to
   "*", invisible format characters removed) and matched exactly with Python
   regular expressions, check digits, birth dates and the Luhn check.

Python's ``\\b`` does not work next to Chinese characters (they are word
characters), so every number pattern is delimited by digit look-arounds:
``身份证511102199001011234号`` is found.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from warmth.pii.idcard import is_valid_id15, is_valid_id18

# kind → (Chinese label, English label), most serious first: a cell's `kind` is
# the first of these found in it.
KINDS: dict[str, tuple[str, str]] = {
    "id18": ("身份证号", "resident ID number"),
    "id15": ("15位旧身份证号", "old 15-digit resident ID number"),
    "bank-card": ("银行卡号", "bank card number"),
    "long-number": ("长数字串（疑似证件号或卡号）", "long digit run (possibly an ID or card number)"),
    "mobile": ("手机号码", "mobile phone number"),
    "landline": ("固定电话号码", "landline phone number"),
    "email": ("电子邮箱", "e-mail address"),
    "masked-id": ("打码的证件号或卡号", "masked ID or card number"),
    "masked-phone": ("打码的手机号码", "masked phone number"),
}
SEVERITY = {kind: rank for rank, kind in enumerate(KINDS)}
MASKED_KINDS = frozenset({"masked-id", "masked-phone"})
COLUMNS = ("index", "kind", "masked")

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


# Non-ASCII characters whose folded form matters to the patterns (generated from
# _fold_table() for Unicode 14.0.0 / Python 3.11; tests/test_pii.py checks it still
# matches, so a Python upgrade that changes Unicode data is noticed).
SPECIAL_RANGES: tuple[tuple[int, int], ...] = (
    (0x85, 0x85),
    (0xA0, 0xA0),
    (0xA8, 0xA8),
    (0xAD, 0xAD),
    (0xAF, 0xAF),
    (0xB2, 0xB4),
    (0xB8, 0xB9),
    (0xBC, 0xBE),
    (0xD7, 0xD7),
    (0x2D8, 0x2DD),
    (0x2E3, 0x2E3),
    (0x37A, 0x37A),
    (0x384, 0x385),
    (0x58A, 0x58A),
    (0x5BE, 0x5BE),
    (0x600, 0x605),
    (0x61C, 0x61C),
    (0x660, 0x669),
    (0x6DD, 0x6DD),
    (0x6F0, 0x6F9),
    (0x70F, 0x70F),
    (0x7C0, 0x7C9),
    (0x890, 0x891),
    (0x8E2, 0x8E2),
    (0x966, 0x96F),
    (0x9E6, 0x9EF),
    (0xA66, 0xA6F),
    (0xAE6, 0xAEF),
    (0xB66, 0xB6F),
    (0xBE6, 0xBEF),
    (0xC66, 0xC6F),
    (0xCE6, 0xCEF),
    (0xD66, 0xD6F),
    (0xDE6, 0xDEF),
    (0xE50, 0xE59),
    (0xED0, 0xED9),
    (0xF20, 0xF29),
    (0x1040, 0x1049),
    (0x1090, 0x1099),
    (0x1400, 0x1400),
    (0x1680, 0x1680),
    (0x17E0, 0x17E9),
    (0x1806, 0x1806),
    (0x180E, 0x180E),
    (0x1810, 0x1819),
    (0x1946, 0x194F),
    (0x19D0, 0x19D9),
    (0x1A80, 0x1A89),
    (0x1A90, 0x1A99),
    (0x1B50, 0x1B59),
    (0x1BB0, 0x1BB9),
    (0x1C40, 0x1C49),
    (0x1C50, 0x1C59),
    (0x1FBD, 0x1FBD),
    (0x1FBF, 0x1FC1),
    (0x1FCD, 0x1FCF),
    (0x1FDD, 0x1FDF),
    (0x1FED, 0x1FEE),
    (0x1FFD, 0x1FFE),
    (0x2000, 0x2015),
    (0x2017, 0x2017),
    (0x2028, 0x202F),
    (0x203E, 0x203E),
    (0x204E, 0x204E),
    (0x205F, 0x2064),
    (0x2066, 0x2070),
    (0x2074, 0x207B),
    (0x207D, 0x207E),
    (0x2080, 0x208B),
    (0x208D, 0x208E),
    (0x2093, 0x2093),
    (0x213B, 0x213B),
    (0x2150, 0x215F),
    (0x2168, 0x216B),
    (0x2178, 0x217B),
    (0x2189, 0x2189),
    (0x2212, 0x2212),
    (0x2217, 0x2217),
    (0x2460, 0x24B5),
    (0x24CD, 0x24CD),
    (0x24E7, 0x24E7),
    (0x24EA, 0x24EA),
    (0x2573, 0x2573),
    (0x25CF, 0x25CF),
    (0x2731, 0x2733),
    (0x273B, 0x273B),
    (0x2E17, 0x2E17),
    (0x2E1A, 0x2E1A),
    (0x2E3A, 0x2E3B),
    (0x2E40, 0x2E40),
    (0x2E5D, 0x2E5D),
    (0x3000, 0x3000),
    (0x301C, 0x301C),
    (0x3030, 0x3030),
    (0x309B, 0x309C),
    (0x30A0, 0x30A0),
    (0x3200, 0x321E),
    (0x3220, 0x3243),
    (0x3251, 0x325F),
    (0x32B1, 0x32CB),
    (0x3358, 0x3370),
    (0x3378, 0x3379),
    (0x339F, 0x33A6),
    (0x33A8, 0x33A8),
    (0x33AF, 0x33AF),
    (0x33D3, 0x33D3),
    (0x33E0, 0x33FE),
    (0xA620, 0xA629),
    (0xA8D0, 0xA8D9),
    (0xA900, 0xA909),
    (0xA9D0, 0xA9D9),
    (0xA9F0, 0xA9F9),
    (0xAA50, 0xAA59),
    (0xABF0, 0xABF9),
    (0xFB29, 0xFB29),
    (0xFC5E, 0xFC63),
    (0xFDFA, 0xFDFB),
    (0xFE31, 0xFE32),
    (0xFE35, 0xFE36),
    (0xFE49, 0xFE4C),
    (0xFE58, 0xFE5A),
    (0xFE61, 0xFE63),
    (0xFE6B, 0xFE6B),
    (0xFE70, 0xFE70),
    (0xFE72, 0xFE72),
    (0xFE74, 0xFE74),
    (0xFE76, 0xFE76),
    (0xFE78, 0xFE78),
    (0xFE7A, 0xFE7A),
    (0xFE7C, 0xFE7C),
    (0xFE7E, 0xFE7E),
    (0xFEFF, 0xFEFF),
    (0xFF08, 0xFF0B),
    (0xFF0D, 0xFF0D),
    (0xFF10, 0xFF19),
    (0xFF20, 0xFF20),
    (0xFF38, 0xFF38),
    (0xFF58, 0xFF58),
    (0xFFE3, 0xFFE3),
    (0xFFF9, 0xFFFB),
    (0x104A0, 0x104A9),
    (0x10D30, 0x10D39),
    (0x10EAD, 0x10EAD),
    (0x11066, 0x1106F),
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x110F0, 0x110F9),
    (0x11136, 0x1113F),
    (0x111D0, 0x111D9),
    (0x112F0, 0x112F9),
    (0x11450, 0x11459),
    (0x114D0, 0x114D9),
    (0x11650, 0x11659),
    (0x116C0, 0x116C9),
    (0x11730, 0x11739),
    (0x118E0, 0x118E9),
    (0x11950, 0x11959),
    (0x11C50, 0x11C59),
    (0x11D50, 0x11D59),
    (0x11DA0, 0x11DA9),
    (0x13430, 0x13438),
    (0x16A60, 0x16A69),
    (0x16AC0, 0x16AC9),
    (0x16B50, 0x16B59),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0x1D417, 0x1D417),
    (0x1D431, 0x1D431),
    (0x1D44B, 0x1D44B),
    (0x1D465, 0x1D465),
    (0x1D47F, 0x1D47F),
    (0x1D499, 0x1D499),
    (0x1D4B3, 0x1D4B3),
    (0x1D4CD, 0x1D4CD),
    (0x1D4E7, 0x1D4E7),
    (0x1D501, 0x1D501),
    (0x1D51B, 0x1D51B),
    (0x1D535, 0x1D535),
    (0x1D54F, 0x1D54F),
    (0x1D569, 0x1D569),
    (0x1D583, 0x1D583),
    (0x1D59D, 0x1D59D),
    (0x1D5B7, 0x1D5B7),
    (0x1D5D1, 0x1D5D1),
    (0x1D5EB, 0x1D5EB),
    (0x1D605, 0x1D605),
    (0x1D61F, 0x1D61F),
    (0x1D639, 0x1D639),
    (0x1D653, 0x1D653),
    (0x1D66D, 0x1D66D),
    (0x1D687, 0x1D687),
    (0x1D6A1, 0x1D6A1),
    (0x1D7CE, 0x1D7FF),
    (0x1E140, 0x1E149),
    (0x1E2F0, 0x1E2F9),
    (0x1E950, 0x1E959),
    (0x1F100, 0x1F10A),
    (0x1F110, 0x1F129),
    (0x1F147, 0x1F147),
    (0x1FBF0, 0x1FBF9),
    (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),
)


def computed_special_ranges() -> list[tuple[int, int]]:
    """SPECIAL_RANGES recomputed from this Python's Unicode data (slow: ~0.6 s; tests only)."""
    special = sorted(cp for cp, folded in _fold_table().items() if cp > 0x7F and (not folded or STRUCTURAL.intersection(folded)))
    return list(_ranges(special))


@functools.cache
def _special_class() -> str:
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


def fold(text: str) -> str:
    """NFKC per character, digits to ASCII, spaces to " ", dashes to "-", mask look-alikes to "*"."""
    if text.isascii():
        return text.translate(_ASCII_FOLD)
    return "".join(_fold_one(c) if ord(c) > 0x7F else c.translate(_ASCII_FOLD) for c in text)


def _origins(text: str) -> list[int] | range:
    """For each character of ``fold(text)``, the position of the character it came from."""
    if text.isascii():
        return range(len(text))
    sizes = [len(_fold_one(c)) if ord(c) > 0x7F else 1 for c in text]
    if all(size == 1 for size in sizes):
        return range(len(text))
    origin: list[int] = []
    for i, size in enumerate(sizes):
        origin.extend([i] * size)
    return origin


# --- the exact patterns, on folded text -------------------------------------

SEP = r"[ \-./]"  # people group digits with spaces, hyphens, dots and slashes
MASK = r"[*xX]"
LEAD = r"(?<![0-9])"
TRAIL = r"(?![0-9])"
PREFIX_86 = r"(?:(?:\+|00)?86[ -]?|\(\+?86\)[ -]?)"

# Contiguous runs of 15+ digits: an ID, a card, or some other long number.
RUN = re.compile(LEAD + r"(?P<digits>[0-9]{15,})(?P<x>[Xx])?" + TRAIL)
# IDs in the groupings people write them in (6-8-4, 6-4-4-4, 4-4-4-4-2, 6-6-6), 15-digit 6-6-3.
ID18_GROUPED = re.compile(
    LEAD
    + rf"(?:[0-9]{{6}}{SEP}[0-9]{{8}}|[0-9]{{6}}{SEP}[0-9]{{4}}{SEP}[0-9]{{4}}|(?:[0-9]{{4}}{SEP}){{3}}[0-9]{{4}}"
    + rf"|[0-9]{{6}}{SEP}[0-9]{{6}}{SEP}[0-9]{{2}}){SEP}?[0-9]{{1,3}}[0-9Xx]"
    + TRAIL
)
ID15_GROUPED = re.compile(LEAD + rf"[0-9]{{6}}{SEP}[0-9]{{6}}{SEP}[0-9]{{3}}" + TRAIL)
# Cards in groups of four: 16 to 19 digits.
CARD_GROUPED = re.compile(LEAD + rf"[0-9]{{4}}(?:{SEP}[0-9]{{4}}){{3}}(?:{SEP}[0-9]{{1,3}})?" + TRAIL)
MOBILE = re.compile(LEAD + rf"(?P<prefix>{PREFIX_86})?(?P<number>1[3-9][0-9](?:{SEP}?[0-9]{{4}}){{2}})" + TRAIL)
# Area code + local number. With a separator or parentheses the area code is any
# 0 + 2–3 digits; written together, 010 and 02x have 3 digits, the others 4.
LANDLINE = re.compile(
    LEAD
    + r"(?:(?P<area>(?:\+|00)86[ -]?\(?0?[1-9][0-9]{1,2}(?:\)[ -]?|[ -])|\(0[1-9][0-9]{1,2}\)[ -]?|0[1-9][0-9]{1,2}[ -])(?P<local>[1-9][0-9]{6,7})"
    + r"|(?P<area2>0(?:[12][0-9]|[3-9][0-9]{2}))(?P<local2>[2-9][0-9]{6,7}))"
    + TRAIL
)
MASKED_PHONE = re.compile(LEAD + rf"{PREFIX_86}?(?P<body>1[3-9][0-9]{{0,3}}{SEP}?{MASK}{{3,6}}{SEP}?[0-9]{{2,4}})" + TRAIL)
MASKED_ID = re.compile(LEAD + rf"[0-9]{{2,6}}{SEP}?{MASK}{{2,}}(?:{SEP}?{MASK}{{2,}})*{SEP}?[0-9]{{2,3}}[0-9Xx]" + TRAIL)
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")

# The prefilter, RE2 on the raw text: a superset of everything above. ASCII
# whitespace folds to " "; other characters that matter are in the special class.
_S = r"[\t-\r\x1c-\x20\-./]"
PREFILTER_ASCII = "|".join(
    (
        r"[0-9]{15,}",
        r"1[3-9][0-9]{9}",
        r"0[1-9][0-9]{8}",
        # grouped numbers, anchored at a non-digit so record ids like JY-2012-0000001 are not candidates
        rf"(?:^|[^0-9])1[3-9][0-9](?:{_S}?[0-9]){{8}}",
        rf"(?:^|[^0-9])0[1-9][0-9]{{1,2}}{_S}[1-9][0-9]{{6}}",
        rf"[0-9]{{4}}{_S}[0-9]{{4}}{_S}[0-9]{{4}}",
        rf"[0-9]{{6}}{_S}[0-9]{{6}}",
        r"0[1-9][0-9]{1,2}\)",
        r"86[\t-\r\x1c-\x20\-(]{0,2}0?[1-9][0-9]{1,2}[\t-\r\x1c-\x20\-)]{0,2}[1-9][0-9]{6}",
        rf"[0-9]{_S}?[*xX]{{2}}",
        r"@",
    )
)


@functools.cache
def prefilter_pattern() -> str:
    """The RE2 pattern a cell must match to be checked exactly."""
    return f"{PREFILTER_ASCII}|{_special_class()}"


class Match(NamedTuple):
    start: int  # in the folded text
    end: int
    kind: str
    masked: str | None  # None: show the original characters (already masked)


def _luhn(digits: str) -> bool:
    total = 0
    for i, d in enumerate(reversed(digits)):
        n = int(d) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def _keep(text: str, head: int, tail: int) -> str:
    """Mask every digit (and X) except the first ``head`` and the last ``tail``; keep separators."""
    count = sum(c in "0123456789Xx" for c in text)
    out, seen = [], 0
    for c in text:
        if c in "0123456789Xx":
            out.append(c if seen < head or seen >= count - tail else "*")
            seen += 1
        else:
            out.append(c)
    return "".join(out)


def _number_kind(digits: str) -> str | None:
    """id18 / id15 / bank-card for a separator-free number; None if none of them."""
    if len(digits) == 18 and is_valid_id18(digits):
        return "id18"
    if len(digits) == 15 and is_valid_id15(digits):
        return "id15"
    if 16 <= len(digits) <= 19 and digits.isdigit() and (digits.startswith("62") or _luhn(digits)):
        return "bank-card"
    return None


def _find(folded: str, allowed_emails: frozenset[str]) -> list[Match]:
    """Every personal-data match in folded text (may overlap)."""
    found: list[Match] = []
    allowed_spans: list[tuple[int, int]] = []
    if "@" in folded:
        for m in EMAIL.finditer(folded):
            if m.group().casefold() in allowed_emails:
                allowed_spans.append(m.span())
            else:
                local, domain = m.group().split("@", 1)
                found.append(Match(m.start(), m.end(), "email", f"{local[0]}***@{domain}"))
    for m in RUN.finditer(folded):
        digits, x = m.group("digits"), m.group("x")
        if x and len(digits) == 17 and is_valid_id18(digits + x):
            found.append(Match(m.start(), m.end(), "id18", _keep(m.group(), 4, 4)))
            continue
        kind = _number_kind(digits) or "long-number"
        found.append(Match(m.start(), m.start("digits") + len(digits), kind, _keep(digits, 4, 4)))
    grouped = ((ID18_GROUPED, "id18"), (ID15_GROUPED, "id15"), (CARD_GROUPED, "bank-card")) if any(c in folded for c in " -./") else ()
    for pattern, wanted in grouped:
        for m in pattern.finditer(folded):
            kind = _number_kind(re.sub("[ \\-./]", "", m.group()))
            if kind == wanted:  # grouped digits are flagged only when they check out
                found.append(Match(m.start(), m.end(), kind, _keep(m.group(), 4, 4)))
    for m in MOBILE.finditer(folded):
        prefix_digits = sum(c.isdigit() for c in m.group("prefix") or "")
        found.append(Match(m.start(), m.end(), "mobile", _keep(m.group(), prefix_digits + 3, 4)))
    for m in LANDLINE.finditer(folded):
        area = m.group("area") if m.group("area") is not None else m.group("area2")
        local = m.group("local") if m.group("local") is not None else m.group("local2")
        found.append(Match(m.start(), m.end(), "landline", area + _keep(local, 0, 2)))
    if any(c in folded for c in "*xX"):
        for m in MASKED_PHONE.finditer(folded):
            body = re.sub("[ \\-./]", "", m.group("body"))
            if len(body) == 11:
                found.append(Match(m.start(), m.end(), "masked-phone", None))
        for m in MASKED_ID.finditer(folded):
            compact = re.sub("[ \\-./]", "", m.group())
            masks = sum(c in "*xX" for c in compact[2:-1])
            if 14 <= len(compact) <= 19 and masks >= 6:
                found.append(Match(m.start(), m.end(), "masked-id", None))
    if allowed_spans:
        found = [f for f in found if not any(a <= f.start and f.end <= b for a, b in allowed_spans)]
    return found


def _components(found: list[Match], folded: str) -> list[Match]:
    """Overlapping matches merged: the most serious kind; masked by a match that covers the
    whole span, else every digit but the first and last four."""
    if len(found) == 1:
        return found
    merged: list[Match] = []
    group: list[Match] = []

    def close() -> None:
        start, end = group[0].start, max(m.end for m in group)
        kind = min((m.kind for m in group), key=SEVERITY.__getitem__)
        covering = sorted((m for m in group if m.start == start and m.end == end), key=lambda m: SEVERITY[m.kind])
        masked = covering[0].masked if covering else _keep(folded[start:end], 4, 4)
        merged.append(Match(start, end, kind, masked))

    for m in sorted(found, key=lambda m: (m.start, -m.end)):
        if group and m.start >= max(g.end for g in group):
            close()
            group = []
        group.append(m)
    if group:
        close()
    return merged


def _analyse(text: str, allowed_emails: frozenset[str]) -> tuple[str, str] | None:
    """(kind, masked text) of a cell, or None if it holds no personal data."""
    folded = fold(text)
    found = _find(folded, allowed_emails)
    if not found:
        return None
    parts = _components(found, folded)
    origin = _origins(text)
    out, pos = [], 0
    for part in parts:
        start, end = origin[part.start], origin[part.end - 1] + 1
        out.append(text[pos:start])
        out.append(text[start:end] if part.masked is None else part.masked)
        pos = end
    out.append(text[pos:])
    kind = parts[0].kind if len(parts) == 1 else min((p.kind for p in parts), key=SEVERITY.__getitem__)
    return kind, "".join(out)


def _allowed(allowed_emails: frozenset[str] | set[str] | tuple[str, ...]) -> frozenset[str]:
    return frozenset(unicodedata.normalize("NFKC", e).strip().casefold() for e in allowed_emails)


def mask(text: str, *, allowed_emails: frozenset[str] = frozenset()) -> str:
    """The text with every personal-data match masked so it can be shown on a terminal / in CI logs:
    IDs keep first 4 and last 4 characters (`5111**********123X`), phones first 3 and last 4
    (`139****5678`), bank cards first 4 and last 4, landlines keep the area code and last 2, e-mails keep the
    first character and the domain (`a***@example.com`); already-masked values are shown as they are.

    Text outside the matches is returned unchanged; a masked match is shown folded (ASCII digits).
    """
    result = _analyse(text, _allowed(allowed_emails))
    return text if result is None else result[1]


def _as_arrow_text(values: pd.Series) -> pa.ChunkedArray:
    array = values.array
    if hasattr(array, "__arrow_array__"):
        data = array.__arrow_array__()
        if isinstance(data, pa.Array):
            data = pa.chunked_array([data])
        if pa.types.is_large_string(data.type):
            return data
        if pa.types.is_string(data.type) or pa.types.is_string_view(data.type):
            return data.cast(pa.large_string())
    text = values.astype("str")  # numbers, categoricals, objects; missing stays missing
    return pa.chunked_array([pa.array(text.to_numpy(dtype=object, na_value=None), type=pa.large_string(), from_pandas=True)])


def candidates(values: pd.Series) -> np.ndarray:
    """Positions of the cells that need the exact check (vectorised RE2 prefilter)."""
    if len(values) == 0:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(_prefilter(_as_arrow_text(values)))


# Columns whose values repeat (notes, units, items) are matched once per distinct
# value; a sample of the first rows decides (encoding all-distinct values costs more
# than it saves).
SAMPLE = 20_000
REPEAT_SHARE = 0.1


def _prefilter(data: pa.ChunkedArray) -> np.ndarray:
    pattern = prefilter_pattern()
    parts = []
    for chunk in data.chunks:
        sample = chunk.slice(0, SAMPLE)
        if len(chunk) > 2 * SAMPLE and len(pc.unique(sample)) <= REPEAT_SHARE * len(sample):
            encoded = pc.dictionary_encode(chunk)
            hit = pc.match_substring_regex(encoded.dictionary, pattern).take(encoded.indices)
        else:
            hit = pc.match_substring_regex(chunk, pattern)
        parts.append(pc.fill_null(hit, False).to_numpy(zero_copy_only=False))
    return np.concatenate(parts) if parts else np.zeros(0, dtype=bool)


def scan_series(values: pd.Series, *, allowed_emails: frozenset[str] = frozenset()) -> pd.DataFrame:
    """Personal data in a column of text. Returns one row per offending cell:
    columns `index` (the label of the cell in `values.index`), `kind` (first/most serious kind found),
    `masked` (the whole cell text with every personal-data match masked). Empty frame (same columns) if clean."""
    allowed = _allowed(allowed_emails)
    data = _as_arrow_text(values) if len(values) else pa.chunked_array([], type=pa.large_string())
    positions = np.flatnonzero(_prefilter(data))
    texts = data.take(pa.array(positions)).to_pylist() if len(positions) else []
    results: dict[str, tuple[str, str] | None] = {}
    hits, kinds, masked = [], [], []
    for pos, text in zip(positions, texts):
        if text not in results:
            results[text] = _analyse(text, allowed)
        result = results[text]
        if result is not None:
            hits.append(pos)
            kinds.append(result[0])
            masked.append(result[1])
    labels = values.index[np.asarray(hits, dtype=np.int64)]
    return pd.DataFrame(
        {
            "index": labels.to_numpy(),
            "kind": pd.Series(kinds, dtype="str"),
            "masked": pd.Series(masked, dtype="str"),
        },
        columns=list(COLUMNS),
    )


# --- column headers ---------------------------------------------------------

# Chinese terms, found anywhere in the header (联系电话, 受助人姓名, 银行卡号 …).
HEADER_TERMS_ZH = (
    "姓名", "名字", "身份证", "证件号", "证件号码", "电话", "手机", "联系方式", "联系人", "银行卡", "账号", "帐号",
    "卡号", "户名", "住址", "地址", "家庭住址", "户籍", "户口", "邮箱", "邮件", "微信", "收款人", "领款人", "领取人",
    "签名", "签字", "出生日期", "生日",
)  # fmt: skip
# English words and compounds, compared with the header's words and runs of adjacent words.
HEADER_TERMS_EN = frozenset(
    {
        "name", "names", "fullname", "firstname", "lastname", "surname", "givenname", "familyname",
        "idnumber", "idno", "idnum", "idcard", "idcardno", "idcardnumber", "identity", "identitycard", "identitynumber",
        "passport", "ssn",
        "phone", "phoneno", "phonenumber", "mobile", "mobileno", "mobilephone", "cellphone", "tel", "telno", "telephone",
        "contact", "contactinfo", "wechat", "qq",
        "bankcard", "bankcardno", "account", "accountno", "accountnumber", "cardno", "cardnumber",
        "address", "homeaddress", "email", "emailaddress",
        "birthday", "birthdate", "dateofbirth", "dob", "payee", "signature",
    }
)  # fmt: skip
# "name" after one of these is not a person's name (unit_name, item_name …).
NOT_A_PERSON = frozenset(
    {
        "unit", "item", "goods", "product", "file", "district", "county", "category", "group", "fund", "source", "round",
        "campaign", "org", "organization", "organisation", "company", "enterprise", "bank", "branch", "column", "field",
        "sheet", "table", "project", "aid", "material", "disbursing",
    }
)  # fmt: skip
_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")


def is_personal_header(header: str) -> bool:
    """True for column headers that mean personal data: Chinese 姓名, 名字, 身份证, 证件号, 证件号码,
    电话, 手机, 联系方式, 银行卡, 账号, 帐号, 卡号, 住址, 地址, 家庭住址, 户籍, 邮箱; English name, full_name,
    id_number, id_no, idcard, id_card, identity, phone, mobile, tel, telephone, bank_card, account, card_no,
    address, email (case-insensitive, NFKC, ignoring spaces, `_`, `-`). False for every declared column
    header of the record format.

    A few more are recognised too: 联系人, 户名, 户口, 邮件, 微信, 收款人, 领款人, 领取人, 签名, 签字, 出生日期, 生日;
    first_name, last_name, surname, passport, cellphone, contact, wechat, qq, birthday, dob, payee, signature.
    """
    text = unicodedata.normalize("NFKC", str(header)).strip()
    compact = re.sub(r"[\s_\-]+", "", text).casefold()
    if any(term in compact for term in HEADER_TERMS_ZH) or compact in HEADER_TERMS_EN:
        return True
    words = [w.casefold() for w in _WORDS.findall(text)]
    for i in range(len(words)):
        for j in range(i + 1, min(i + 4, len(words)) + 1):
            joined = "".join(words[i:j])
            if joined in HEADER_TERMS_EN and not (joined in ("name", "names") and i > 0 and words[i - 1] in NOT_A_PERSON):
                return True
    return False
