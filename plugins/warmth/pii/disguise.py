"""Numbers in disguise: digits written as Chinese numerals, split by separators
(`139_1234_5678`, `5 1 1 1 0 2 …`, `511102,19900101,1234`), or cut in halves
written apart in one cell (`身份证前半511102 后半199001011234`).

Everything works on folded text and keeps its length: Chinese numerals become
ASCII digits one for one (`numerals`), so a match's span is a span of the
folded text and can be masked in place.
"""

from __future__ import annotations

import itertools
import re

from warmth.pii.idcard import is_valid_id15, is_valid_id18, luhn_valid
from warmth.pii.names import NUMERALS, PHONE_CUES
from warmth.pii.patterns import Match

# Characters people put between digit groups (folded: full-width forms are ASCII already).
SEPARATORS = " _,.·\\-/、;•‧・"
# …of which these separate the items of a list (1500、2000、3000): joined across them,
# digits make a mobile number only when a phone cue is near.
LIST_SEPARATORS = frozenset(",、;")
_CN = "".join(NUMERALS)
# A run of at least six digits or Chinese numerals (separators allowed between),
# at least four of them and half of them Chinese numerals: a number written digit
# by digit (五一一一〇二…, 139一二三四五六七八), so translated. 一3000 is not one.
NUMERAL_RUN = re.compile(rf"[0-9{_CN}](?:[{SEPARATORS}]{{0,3}}[0-9{_CN}]){{5,}}")
_TO_DIGITS = str.maketrans(NUMERALS)
GROUP = re.compile(r"[0-9]+(?:[Xx](?![A-Za-z0-9]))?")
GAP = re.compile(rf"[{SEPARATORS}]{{1,3}}")
PHONE_CUE = re.compile("|".join(PHONE_CUES))
# After a digit chain: it is an amount or a count, not a phone number.
AMOUNT_AFTER = re.compile(r"\s*(?:元|万|千|百|人|户|次|袋|件|份|斤|公斤|吨|个|套|张|床|桶|箱|台|辆|天|年|月|日|%)")
# Most cells have a few digit groups; more than this and only chains are checked.
MAX_SPLIT_GROUPS = 24


def numerals(folded: str) -> str:
    """``folded`` with every digit-by-digit run of Chinese numerals as ASCII digits (same length)."""
    if not any(c in NUMERALS for c in folded):
        return folded
    out = list(folded)
    for m in NUMERAL_RUN.finditer(folded):
        chinese = sum(c in NUMERALS for c in m.group())
        if chinese >= 4 and 2 * chinese >= sum(c in NUMERALS or c.isdigit() for c in m.group()):
            out[m.start() : m.end()] = m.group().translate(_TO_DIGITS)
    return "".join(out)


def _mask_pieces(text: str, spans: list[tuple[int, int]], head: int = 4, tail: int = 4) -> list[Match]:
    """One match per span, every digit masked but the first ``head`` and the last ``tail`` of them all."""
    count = sum(ch in "0123456789Xx" for a, b in spans for ch in text[a:b])
    seen, pieces = 0, []
    for a, b in spans:
        out = []
        for ch in text[a:b]:
            if ch in "0123456789Xx":
                out.append(ch if seen < head or seen >= count - tail else "*")
                seen += 1
            else:
                out.append(ch)
        pieces.append("".join(out))
    return [Match(a, b, "", masked) for (a, b), masked in zip(spans, pieces)]


def _id_digits(groups: list[re.Match[str]]) -> str | None:
    """The joined characters if they make a valid 18-digit ID (region 1–8), else None."""
    digits = "".join(g.group() for g in groups).upper()
    if "X" in digits[:-1] or digits[0] not in "12345678":
        return None
    if len(digits) == 18 and is_valid_id18(digits):
        return digits
    return None


def _chains(text: str, groups: list[re.Match[str]]) -> list[list[re.Match[str]]]:
    """Digit groups joined by separators only, as lists of groups."""
    chains: list[list[re.Match[str]]] = []
    for g in groups:
        if chains and GAP.fullmatch(text, chains[-1][-1].end(), g.start()) and chains[-1][-1].group()[-1] not in "Xx":
            chains[-1].append(g)
        else:
            chains.append([g])
    return chains


def _anchored(text: str, start: int) -> bool:
    """The chain does not continue a code (SZ-2012-…, a1 …): the character before it is no letter, digit, - or _."""
    return start == 0 or not (text[start - 1].isascii() and (text[start - 1].isalnum() or text[start - 1] in "-_"))


def _chain_kind(text: str, chain: list[re.Match[str]], whole: bool, cue: bool) -> str | None:
    """What a window of a chain makes: id18 anywhere; the rest only as a whole chain (or near a cue)."""
    if _id_digits(chain):
        return "id18"
    digits = "".join(g.group() for g in chain)
    if not digits.isdigit():
        return None
    gaps = "".join(text[a.end() : b.start()] for a, b in itertools.pairwise(chain))
    # 100.01 is money: a "." before one or two digits is a decimal point, and a chain of amounts
    # (10000，100.01，100.00) is no number; only an ID, whose check digit proves it, is found across it
    if any(text[a.end() : b.start()] == "." and len(b.group()) <= 2 for a, b in itertools.pairwise(chain)):
        return None
    amount = AMOUNT_AFTER.match(text, chain[-1].end()) is not None
    if len(digits) == 11 and digits[0] == "1" and digits[1] in "3456789":
        if cue or (whole and not amount and not LIST_SEPARATORS.intersection(gaps) and _anchored(text, chain[0].start())):
            return "mobile"
    if not whole:
        return None
    if LIST_SEPARATORS.intersection(gaps) and not cue:
        return None  # 510511，165428，165428 is a list of figures; an ID across it is found by its check digit above
    if len(digits) == 15 and is_valid_id15(digits) and digits[0] in "12345678":
        return "id15"
    if 16 <= len(digits) <= 19 and (digits.startswith("62") or (digits[0] in "3456" and luhn_valid(digits))):
        return "bank-card"
    if cue and not amount and (7 <= len(digits) <= 8 and digits[0] in "23456789" or 10 <= len(digits) <= 12 and digits[0] == "0"):
        return "landline"
    return None


def find_numbers(text: str) -> list[Match]:
    """Disguised IDs, mobiles, cards and (near a phone cue) landlines in numeral-translated folded text."""
    groups = list(GROUP.finditer(text))
    if len(groups) < 2:  # one group of digits is the exact patterns' (pii/patterns.py)
        return []
    cue = PHONE_CUE.search(text)
    found: list[Match] = []
    for chain in _chains(text, groups):
        if len(chain) < 2:
            continue
        for i in range(len(chain)):
            length = 0
            for j in range(i, len(chain)):
                length += len(chain[j].group())
                if length > 19:
                    break
                window = chain[i : j + 1]
                if len(window) < 2:
                    continue
                kind = _chain_kind(text, window, whole=(i == 0 and j == len(chain) - 1), cue=cue is not None)
                if kind:
                    start, end = window[0].start(), window[-1].end()
                    head, tail = (3, 4) if kind == "mobile" else (0, 2) if kind == "landline" else (4, 4)
                    [piece] = _mask_pieces(text, [(start, end)], head, tail)
                    found.append(piece._replace(kind=kind))
    found.extend(_split(text, groups, cue))
    return found


def _split(text: str, groups: list[re.Match[str]], cue: re.Match[str] | None) -> list[Match]:
    """An ID cut into two or three pieces written apart; near a phone cue, a mobile in two
    (3 + 8, 4 + 7 or 7 + 4 digits, after the cue, at most 8 characters apart)."""
    pieces = [g for g in groups if g.end() - g.start() >= 2][:MAX_SPLIT_GROUPS]
    sizes = [g.end() - g.start() for g in pieces]
    if len(pieces) < 2 or sum(sizes) < 11:
        return []
    found: list[Match] = []
    combos: list[tuple[str, tuple[int, ...]]] = []
    for i, j in itertools.combinations(range(len(pieces)), 2):
        if sizes[i] + sizes[j] == 18:
            combos.append(("id18", (i, j)))
        elif cue and sizes[i] + sizes[j] == 11 and _split_mobile(pieces[i], pieces[j], cue):
            combos.append(("mobile", (i, j)))
    if sum(sizes) >= 18 and len(pieces) >= 3:
        combos.extend(("id18", c) for c in itertools.combinations(range(len(pieces)), 3) if sizes[c[0]] + sizes[c[1]] + sizes[c[2]] == 18)
    for kind, combo in combos:
        chosen = [pieces[k] for k in combo]
        if kind == "id18" and not _id_digits(chosen):
            continue
        head = 3 if kind == "mobile" else 4
        found.extend(m._replace(kind=kind) for m in _mask_pieces(text, [g.span() for g in chosen], head, 4))
    return found


def _split_mobile(first: re.Match[str], second: re.Match[str], cue: re.Match[str]) -> bool:
    a, b = first.group(), second.group()
    return (
        (len(a), len(b)) in {(3, 8), (4, 7), (7, 4)}
        and a[0] == "1"
        and a[1] in "3456789"
        and cue.end() <= first.start()
        and second.start() - first.end() <= 8
        and b.isdigit()
    )
