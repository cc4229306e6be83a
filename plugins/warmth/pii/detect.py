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

import re
import unicodedata
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from warmth.pii.context import allowed_phone, find_words
from warmth.pii.disguise import AMOUNT_AFTER, find_numbers, numerals
from warmth.pii.fold import fold, origins
from warmth.pii.idcard import is_valid_id15, is_valid_id18, luhn_valid
from warmth.pii.patterns import (
    CARD_GROUPED,
    EMAIL,
    ID15_GROUPED,
    ID18_GROUPED,
    KINDS,
    LANDLINE,
    MASKED_ID,
    MASKED_PHONE,
    MOBILE,
    RUN,
    SEVERITY,
    Match,
    prefilter_patterns,
)

__all__ = ["COLUMNS", "KINDS", "Allowed", "candidates", "mask", "personal_data", "scan_series"]

COLUMNS = ("index", "kind", "masked")


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
    if 16 <= len(digits) <= 19 and digits.isdigit() and (digits.startswith("62") or luhn_valid(digits)):
        return "bank-card"
    return None


class Allowed(NamedTuple):
    """The campaign's own contact details, which may be shown: e-mail addresses (case-folded) and phone numbers (digits)."""

    emails: frozenset[str] = frozenset()
    phones: frozenset[str] = frozenset()


def _find(folded: str, allowed: Allowed) -> list[Match]:
    """Every personal-data match in folded text (may overlap)."""
    found: list[Match] = []
    allowed_spans: list[tuple[int, int]] = []
    if "@" in folded:
        for m in EMAIL.finditer(folded):
            if m.group().casefold() in allowed.emails:
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
        if not m.group("number").isdigit() and AMOUNT_AFTER.match(folded, m.end()):
            continue  # 150 2000 3000元: amounts, not a grouped phone number
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
    found.extend(find_numbers(folded))
    found.extend(find_words(folded, allowed.phones))
    if allowed.phones:
        found = [f for f in found if f.kind not in PHONE_KINDS or not allowed_phone(folded[f.start : f.end], allowed.phones)]
    if found and "a" <= max(folded):  # SHA-256 digests and recipient refs are hex, not numbers
        allowed_spans += [m.span() for m in HEX_DIGEST.finditer(folded) if not m.group().isdigit()]
    if allowed_spans:
        found = [f for f in found if not any(a <= f.start and f.end <= b for a, b in allowed_spans)]
    return found


# A SHA-256 digest or a recipient ref: 32 to 64 lowercase hex characters standing alone. Its digit
# runs are part of a hash (a ledger message prints full hashes), not an ID or a card number.
HEX_DIGEST = re.compile(r"(?<![0-9A-Za-z])[0-9a-f]{32,64}(?![0-9A-Za-z])")


PHONE_KINDS = frozenset({"mobile", "landline"})
# Kinds masked character for character (names, addresses …): their stars are kept when they overlap a number.
WORD_KINDS = frozenset({"name", "address", "birth-date", "qq", "wechat", "plate"})


def _components(found: list[Match], folded: str) -> list[Match]:
    """Overlapping matches merged: the most serious kind; masked by a match that covers the
    whole span, else every digit but the first and last four; the stars of names, addresses
    and other words that overlap are kept as well."""
    if len(found) == 1:
        return found
    merged: list[Match] = []
    group: list[Match] = []

    def close() -> None:
        start, end = group[0].start, max(m.end for m in group)
        kind = min((m.kind for m in group), key=SEVERITY.__getitem__)
        covering = sorted((m for m in group if m.start == start and m.end == end), key=lambda m: SEVERITY[m.kind])
        masked = covering[0].masked if covering else _keep(folded[start:end], 4, 4)
        words = [m for m in group if m.kind in WORD_KINDS and m.masked is not None and len(m.masked) == m.end - m.start]
        if words and (masked is None or len(masked) == end - start):
            chars = list(folded[start:end] if masked is None else masked)
            for m in words:
                for i, ch in enumerate(m.masked):
                    if ch == "*":
                        chars[m.start - start + i] = "*"
            masked = "".join(chars)
        merged.append(Match(start, end, kind, masked))

    for m in sorted(found, key=lambda m: (m.start, -m.end)):
        if group and m.start >= max(g.end for g in group):
            close()
            group = []
        group.append(m)
    if group:
        close()
    return merged


def _analyse(text: str, allowed: Allowed) -> tuple[str, str] | None:
    """(kind, masked text) of a cell, or None if it holds no personal data."""
    folded = numerals(fold(text))
    found = _find(folded, allowed)
    if not found:
        return None
    parts = _components(found, folded)
    origin = origins(text)
    out, pos = [], 0
    for part in parts:
        start, end = origin[part.start], origin[part.end - 1] + 1
        out.append(text[pos:start])
        out.append(text[start:end] if part.masked is None else part.masked)
        pos = end
    out.append(text[pos:])
    kind = parts[0].kind if len(parts) == 1 else min((p.kind for p in parts), key=SEVERITY.__getitem__)
    return kind, "".join(out)


def _allowed(emails=(), phones=()) -> Allowed:
    return Allowed(
        frozenset(unicodedata.normalize("NFKC", e).strip().casefold() for e in emails),
        frozenset(d for d in (re.sub("[^0-9]", "", unicodedata.normalize("NFKC", str(p))) for p in phones) if d),
    )


def mask(text: str, *, allowed_emails: frozenset[str] = frozenset(), allowed_phones: frozenset[str] = frozenset()) -> str:
    """The text with every personal-data match masked so it can be shown on a terminal / in CI logs:
    IDs keep first 4 and last 4 characters (`5111**********123X`), phones first 3 and last 4
    (`139****5678`), bank cards first 4 and last 4, landlines keep the area code and last 2, e-mails keep the
    first character and the domain (`a***@example.com`); already-masked values are shown as they are.

    Text outside the matches is returned unchanged; a masked match is shown folded (ASCII digits).
    """
    result = _analyse(text, _allowed(allowed_emails, allowed_phones))
    return text if result is None else result[1]


def personal_data(text: str, *, allowed_emails: frozenset[str] = frozenset(), allowed_phones: frozenset[str] = frozenset()) -> tuple[str, str] | None:
    """(kind, masked text) if one text (a file or folder name, say) holds personal data, else None."""
    return _analyse(text, _allowed(allowed_emails, allowed_phones))


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
    patterns = prefilter_patterns()

    def matches(values: pa.Array) -> pa.Array:
        hit = pc.match_substring_regex(values, patterns[0])
        for pattern in patterns[1:]:
            hit = pc.or_(hit, pc.match_substring_regex(values, pattern))
        return hit

    # the whole column decides, not each chunk: how a column is chunked (one per file read,
    # or per cached file) must not change how often a value is matched
    sample = data.slice(0, SAMPLE)
    if len(data) > 2 * SAMPLE and len(pc.unique(sample)) <= REPEAT_SHARE * len(sample):
        distinct = pc.unique(data)
        data = pc.take(matches(distinct), pc.index_in(data, value_set=distinct))
    else:
        data = pa.chunked_array([matches(chunk) for chunk in data.chunks], type=pa.bool_())
    parts = [pc.fill_null(chunk, False).to_numpy(zero_copy_only=False) for chunk in data.chunks]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=bool)


def scan_series(
    values: pd.Series, *, allowed_emails: frozenset[str] = frozenset(), allowed_phones: frozenset[str] = frozenset()
) -> pd.DataFrame:
    """Personal data in a column of text. Returns one row per offending cell:
    columns `index` (the label of the cell in `values.index`), `kind` (first/most serious kind found),
    `masked` (the whole cell text with every personal-data match masked). Empty frame (same columns) if clean.

    ``allowed_emails`` and ``allowed_phones`` are the campaign's own contact details, which may be shown."""
    allowed = _allowed(allowed_emails, allowed_phones)
    data = _as_arrow_text(values) if len(values) else pa.chunked_array([], type=pa.large_string())
    positions = np.flatnonzero(_prefilter(data))
    hits = np.zeros(0, dtype=np.int64)
    kinds: list[str] = []
    masked: list[str] = []
    if len(positions):
        # each distinct candidate text is analysed once; the results are spread back with numpy
        encoded = pc.dictionary_encode(data.take(pa.array(positions)).combine_chunks())
        results = [_analyse(text, allowed) for text in encoded.dictionary.to_pylist()]
        flagged = np.array([r is not None for r in results] + [False])
        codes = pc.fill_null(encoded.indices, len(results)).to_numpy(zero_copy_only=False)
        keep = flagged[codes]
        hits = positions[keep]
        kinds = [results[c][0] for c in codes[keep]]
        masked = [results[c][1] for c in codes[keep]]
    labels = values.index[hits]
    return pd.DataFrame(
        {
            "index": labels.to_numpy(),
            "kind": pd.Series(kinds, dtype="str"),
            "masked": pd.Series(masked, dtype="str"),
        },
        columns=list(COLUMNS),
    )
