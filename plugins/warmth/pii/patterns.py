"""What personal data looks like: the kinds, and the patterns that find them on folded text.

Python's ``\\b`` does not work next to Chinese characters (they are word
characters), so every number pattern is delimited by digit look-arounds.
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

from warmth.pii.fold import special_class
from warmth.pii.names import (
    BIRTH_CUES,
    COMPOUND_SURNAMES,
    GIVEN,
    LABEL_CUES,
    NUMERALS,
    PHONE_CUES,
    PLATE_PROVINCES,
    QQ_CUES,
    SUFFIX_CUES,
    SURNAMES,
    WECHAT_CUES,
)


class Match(NamedTuple):
    """One piece of personal data in folded text."""

    start: int  # in the folded text
    end: int
    kind: str
    masked: str | None  # None: show the original characters (already masked)


# kind → (Chinese label, English label), most serious first: a cell's `kind` is
# the first of these found in it.
KINDS: dict[str, tuple[str, str]] = {
    "id18": ("身份证号", "resident ID number"),
    "id15": ("15位旧身份证号", "old 15-digit resident ID number"),
    "bank-card": ("银行卡号", "bank card number"),
    "long-number": ("长数字串（疑似证件号或卡号）", "long digit run (possibly an ID or card number)"),
    "mobile": ("手机号码", "mobile phone number"),
    "landline": ("固定电话号码", "landline phone number"),
    "name": ("姓名", "person's name"),
    "address": ("住址门牌", "home address"),
    "birth-date": ("出生日期", "date of birth"),
    "email": ("电子邮箱", "e-mail address"),
    "qq": ("QQ号", "QQ number"),
    "wechat": ("微信号", "WeChat id"),
    "plate": ("车牌号", "car number plate"),
    "masked-id": ("打码的证件号或卡号", "masked ID or card number"),
    "masked-phone": ("打码的手机号码", "masked phone number"),
}
SEVERITY = {kind: rank for rank, kind in enumerate(KINDS)}
MASKED_KINDS = frozenset({"masked-id", "masked-phone"})

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


# What words and disguises need (pii/disguise.py, pii/context.py), again a superset:
_N = "[0-9" + "".join(NUMERALS) + "]"  # a digit, or a Chinese numeral written digit by digit
_CN = "[" + "".join(NUMERALS) + "]"
_CN_DATE = "〇零一二三四五六七八九十两"  # the numerals of dates written out (一九九〇年一月一日)
_G = r"[\t-\r\x1c-\x20_,.\x{B7}\-/\x{3001};\x{2022}\x{2027}\x{30FB}]"  # separators between digit groups
_SURNAME_CHARS = "".join(sorted(set(SURNAMES + "".join(COMPOUND_SURNAMES))))
_GIVEN_CHARS = "".join(sorted(set(GIVEN + "".join(c[1:] for c in COMPOUND_SURNAMES))))


def _words(words) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


DISGUISE_TERMS = (
    # a chain of 11 digits or numerals split by separators, not continuing a code (SZ-2012-01-…)
        rf"(?:^|[^0-9A-Za-z_\-]){_N}(?:{_G}{{0,3}}{_N}){{10}}",
        r"[0-9](?:[^0-9]*[0-9]){14}",  # 15 digits in all: halves of an ID written apart
        rf"{_CN}(?:{_G}{{0,3}}{_N}){{5}}|{_N}{_G}{{0,3}}{_CN}",  # numerals written digit by digit
        # a phone cue matters only with seven digits somewhere in the cell
        rf"(?:{_words(PHONE_CUES)})[\s\S]*[0-9](?:[^0-9]*[0-9]){{6}}|[0-9](?:[^0-9]*[0-9]){{6}}[\s\S]*(?:{_words(PHONE_CUES)})",
        rf"(?:{_words(BIRTH_CUES)})[ :：于为是在]*[0-9{_CN_DATE}]|[0-9{_CN_DATE}][年月日号]?[ ]*(?:出生|生人)|[年月日]生",
        rf"(?:{_words(QQ_CUES)})(?:号码|号)?[ :：=]*[0-9]",
        rf"(?:{_words(LABEL_CUES)})[ :：]*(?:为|是|叫|名叫|系)?[ :：]*[{_SURNAME_CHARS}][{_GIVEN_CHARS}]|(?:姓名|名字|户名) *[:：]",
        rf"(?:{_words(WECHAT_CUES)})(?:号码|号|id|ID)?[ :：=]*[A-Za-z0-9]",
        rf"[{_SURNAME_CHARS}][{_GIVEN_CHARS}]{{1,2}}(?:{_words(SUFFIX_CUES)})",
        rf"(?:路|街|巷|弄|胡同|大道){_N}|{_N}(?:栋|幢|号楼|座|单元|号){_N}|(?:{_N}|十)(?:组|社){_N}",
        rf"(?:小区|花园|苑|公寓|新村|大厦|家园|院){_N}",
        rf"[{PLATE_PROVINCES}][A-Za-z][\x{{B7}}\x{{2022}}. \-]?[A-Za-z0-9]{{5}}",
        r"(?i:\(at\)|\[at\]|\{at\}| at |#|艾特|圈a)",
)
PREFILTER_DISGUISES = "|".join(DISGUISE_TERMS)


@functools.cache
def prefilter_patterns() -> tuple[str, ...]:
    """The RE2 patterns a cell must match one of to be checked exactly. Two, not one: an
    alternation of them all makes RE2's DFA outgrow its cache (8x slower on distinct text)."""
    return (f"{PREFILTER_ASCII}|{special_class()}", PREFILTER_DISGUISES)
