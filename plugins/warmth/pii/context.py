"""Personal data that words give away: names beside a cue, addresses, birth
dates, QQ and WeChat ids, car plates, e-mail addresses spelled out, and local
phone numbers beside a phone cue.

Runs on folded, numeral-translated text (see `pii/disguise.py`); every match is
a span of that text with its masked form: a name keeps its surname (张*), an
address its road (幸福路**号), a plate its province and letter (川L·*****).
"""

from __future__ import annotations

import functools
import re

from warmth.pii.names import (
    BIRTH_CUES,
    COMPOUND_SURNAMES,
    GIVEN,
    LABEL_CUES,
    NOT_HOUSEHOLD_AFTER_JIA,
    NOT_NAMES,
    PHONE_CUES,
    PLACE_AFTER,
    PLACE_END,
    PLATE_PROVINCES,
    QQ_CUES,
    SUFFIX_CUES,
    SURNAMES,
    WECHAT_CUES,
)
from warmth.pii.patterns import Match

HAN = "\u3400-\u9fff"
CN_DIGITS = "〇零一二三四五六七八九十两"


def _alternation(words) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


SURNAME = f"(?:{_alternation(COMPOUND_SURNAMES)}|[{SURNAMES}])"
GIVEN_CLASS = f"[{''.join(sorted(set(GIVEN)))}]"
# Written after a label: 姓名：张三, 受助人为李四, 户主 王小明.
LABELLED = re.compile(f"(?:{_alternation(LABEL_CUES)})[ :：]*(?:为|是|叫|名叫|系)?[ :：]*(?P<name>{SURNAME}{GIVEN_CLASS}{{1,2}})")
# After 姓名/名字/户名 and a colon anything is a name, rare characters too (姓名：欧阳娜娜).
FORM_FIELD = re.compile(f"(?:姓名|名字|户名)[ ]*[:：][ ]*(?P<name>[{HAN}]{{2,4}})")
# Followed by a cue: 张三家, 王小明老人, 李四患尿毒症.
SUFFIXED = re.compile(
    f"(?P<name>{SURNAME}{GIVEN_CLASS}{{1,2}}?)(?=(?:{_alternation(c for c in SUFFIX_CUES if c != '家')})|家(?![{NOT_HOUSEHOLD_AFTER_JIA}]))"
)

# Addresses: a road and a house number, building parts, a village group and house, an estate and a building.
NUMBER = f"(?:[0-9]+|[{CN_DIGITS}]+)"
ADDRESSES = (
    re.compile(r"(?:大道|大街|路|街|巷|弄|胡同)[0-9]+(?:[-之][0-9]+)?号(?:(?:附|之)?[0-9]+号)?"),
    re.compile(r"[0-9]+(?:栋|幢|号楼|座|单元|号)[0-9]+(?:栋|幢|单元|楼|层|室|号)(?:[0-9]+(?:单元|楼|层|室|号))*"),
    re.compile(f"{NUMBER}(?:组|社)[0-9]+号"),
    re.compile(r"(?:小区|花园|苑|公寓|新村|大厦|家园|院)[0-9]+(?:栋|幢|号楼|号|单元|座)"),
)
DATE = (
    r"(?:19|20)[0-9]{2}(?:年[0-9]{1,2}月(?:[0-9]{1,2}[日号]?)?|[-./][0-9]{1,2}(?:[-./][0-9]{1,2})?|[01][0-9][0-3][0-9])"
    f"|[{CN_DIGITS}]{{4}}年[{CN_DIGITS}]{{1,2}}月(?:[{CN_DIGITS}]{{1,3}}[日号])?"
)
BIRTH = re.compile(
    f"(?:{_alternation(BIRTH_CUES)})[ :：于为是在]*(?P<date>{DATE})"
    f"|(?P<date2>{DATE})[ ]*(?:出生|生人)|(?P<date3>(?:19|20)[0-9]{{2}}年(?:[0-9]{{1,2}}月(?:[0-9]{{1,2}}日)?)?)生(?![{HAN}])"
)
# A QQ number: 5 to 12 digits, never starting with 0; a "." would make it an amount (扣扣100.00).
QQ = re.compile(f"(?<![A-Za-z])(?:{_alternation(QQ_CUES)})(?:号码|号)?[ :：=]*(?P<id>[1-9](?:[ _\\-]?[0-9]){{4,11}})(?![0-9.])")
WECHAT = re.compile(
    f"(?<![A-Za-z])(?:{_alternation(WECHAT_CUES)})(?:号码|号|id|ID)?[ :：=]*(?P<id>[A-Za-z][-_A-Za-z0-9]{{5,19}}|1[3-9][0-9]{{9}})(?![-_A-Za-z0-9])"
)
PLATE = re.compile(f"(?P<head>[{PLATE_PROVINCES}][A-Za-z])(?P<sep>[·•.\\- ]?)(?P<tail>[A-Za-z0-9]{{5,6}})(?![A-Za-z0-9])")
MAIL_DOMAINS = "163|126|qq|sina|sohu|gmail|hotmail|outlook|yahoo|foxmail|139|189|yeah|aliyun|live|icloud"
# x at 163 dot com, x(at)163.com, x#qq.com, x艾特163点com: an e-mail address spelled out.
EMAIL_SPELLED = re.compile(
    r"(?P<local>[A-Za-z0-9][A-Za-z0-9._%+-]*) *(?:\(at\)|\[at\]|\{at\}| at |#|艾特|圈a|@) *"
    r"(?P<domain>[A-Za-z0-9-]+) *(?:\.|\(dot\)|\[dot\]|\{dot\}| dot |点) *(?P<tld>com|cn|net|org|edu|gov)(?![A-Za-z])",
    re.I,
)
PHONE_CUE = _alternation(PHONE_CUES)
# A local number (7 or 8 digits, no area code) beside a phone cue: 电话2345678.
CUED_LOCAL = re.compile(
    f"(?:{PHONE_CUE})[^0-9\\n]{{0,6}}?(?<![0-9])(?P<local>[2-9][0-9]{{6,7}})(?![0-9.])"
    r"(?!\s*(?:元|万|人|户|次|袋|件|份|斤|吨|个|套|张|床|桶|箱|台|辆|天|年|月|日|号|%))"
)


def _digits_to_stars(text: str) -> str:
    return "".join("*" if ch.isdigit() or ch in CN_DIGITS else ch for ch in text)


@functools.cache
def _surname_length(name: str) -> int:
    return 2 if name[:2] in COMPOUND_SURNAMES else 1


def _name(text: str, start: int, end: int, *, form: bool = False) -> Match | None:
    """A name at text[start:end], trimmed of an ordinary word it runs into; None if it is not one."""
    name = text[start:end]
    if "某" in name:  # 张某、李某某: already anonymised, only the surname is left
        return None
    surname = _surname_length(name)
    if not form:
        while name[-1] + text[end : end + 1] in NOT_NAMES:  # 王明天领取 → 王明; 救助金发放 → nothing
            if len(name) == surname + 1:
                return None
            name, end = name[:-1], end - 1
        if name in NOT_NAMES or name[: surname + 1] in NOT_NAMES:  # 于春节, 周三, 安全
            return None
        if name[-1] in PLACE_END or (end < len(text) and text[end] in PLACE_AFTER):  # 李白路, 张家湾, 罗城镇: a place
            return None
    elif name in NOT_NAMES:
        return None
    return Match(start, end, "name", name[:surname] + "*" * (len(name) - surname))


def find_names(text: str) -> list[Match]:
    found = []
    for pattern, form in ((FORM_FIELD, True), (LABELLED, False), (SUFFIXED, False)):
        for m in pattern.finditer(text):
            match = _name(text, m.start("name"), m.end("name"), form=form)
            if match:
                found.append(match)
    return found


_HAN = re.compile(f"[{HAN}]")
_DIGIT = re.compile("[0-9]")
_ASCII_LETTER = re.compile("[A-Za-z]")


def find_words(text: str, allowed_phones: frozenset[str] = frozenset()) -> list[Match]:
    """Names, addresses, birth dates, QQ and WeChat ids, plates, spelled-out e-mails, cued local numbers.

    Each family runs only when a character it needs is in the text (most candidates need one or two)."""
    found: list[Match] = []
    han, digit, letter = _HAN.search(text), _DIGIT.search(text), _ASCII_LETTER.search(text)
    if han:
        found.extend(find_names(text))
    if han and digit:
        for pattern in ADDRESSES:
            found.extend(Match(m.start(), m.end(), "address", _digits_to_stars(m.group())) for m in pattern.finditer(text))
    if "生" in text:
        for m in BIRTH.finditer(text):
            group = next(g for g in ("date", "date2", "date3") if m.group(g))
            found.append(Match(m.start(group), m.end(group), "birth-date", _digits_to_stars(m.group(group))))
    if digit:
        for m in QQ.finditer(text):
            value = m.group("id")
            found.append(Match(m.start("id"), m.end("id"), "qq", value[:2] + re.sub("[0-9]", "*", value[2:])))
        for m in CUED_LOCAL.finditer(text):
            if not allowed_phone(m.group("local"), allowed_phones):
                found.append(Match(m.start("local"), m.end("local"), "landline", "*" * (len(m.group("local")) - 2) + m.group("local")[-2:]))
    if letter:
        for m in WECHAT.finditer(text):
            value = m.group("id")
            found.append(Match(m.start("id"), m.end("id"), "wechat", value[0] + "*" * (len(value) - 1)))
        for m in EMAIL_SPELLED.finditer(text):
            if "@" not in m.group():  # a plain address is the e-mail pattern's
                found.append(Match(m.start(), m.end(), "email", f"{m.group('local')[0]}***@{m.group('domain')}.{m.group('tld')}"))
        if han and digit:
            for m in PLATE.finditer(text):
                if sum(ch.isdigit() for ch in m.group("tail")) >= 2:
                    found.append(Match(m.start(), m.end(), "plate", m.group("head") + m.group("sep") + "*" * len(m.group("tail"))))
    return found


def allowed_phone(number: str, allowed: frozenset[str]) -> bool:
    """The number is (or ends with, or is the end of) one of the allowed numbers (digits only)."""
    digits = re.sub("[^0-9]", "", number)
    return len(digits) >= 7 and any(digits == a or a.endswith(digits) or digits.endswith(a) for a in allowed if len(a) >= 7)
