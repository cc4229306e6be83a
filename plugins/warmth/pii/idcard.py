"""Check digits of the numbers that must never be published: Chinese resident identity
numbers (GB 11643-1999: checksum, birth date, 15→18) and bank cards (Luhn).

Used to recognise ID numbers that must never be published, and to normalise
them before they are turned into pseudonymous recipient refs.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_MAP = "10X98765432"  # remainder 0..10 → check character
ID18 = re.compile(r"\d{17}[\dX]")
ID15 = re.compile(r"\d{15}")


def check_digit(first17: str) -> str:
    """The check character of the first 17 digits."""
    return CHECK_MAP[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def plausible_birth(yyyymmdd: str, *, earliest: int = 1900, latest: int | None = None) -> bool:
    """A real calendar date between ``earliest`` and ``latest`` (default: this year)."""
    try:
        born = dt.date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return False
    return earliest <= born.year <= (latest or dt.date.today().year)


def is_valid_id18(text: str) -> bool:
    """18 characters, a plausible birth date and a correct check character."""
    text = text.upper()
    return bool(ID18.fullmatch(text)) and plausible_birth(text[6:14]) and check_digit(text[:17]) == text[17]


def is_valid_id15(text: str) -> bool:
    """An old 15-digit number: 6-digit region, YYMMDD birth date (19YY), 3-digit sequence."""
    return bool(ID15.fullmatch(text)) and plausible_birth("19" + text[6:12])


def upgrade_id15(text: str) -> str:
    """15 digits → the 18-character number: insert the century, append the check."""
    first17 = text[:6] + "19" + text[6:]
    return first17 + check_digit(first17)


def normalize_id(text: str) -> str | None:
    """Trimmed, NFKC, upper-case X, 15 digits upgraded to 18; None if not a valid ID."""
    text = unicodedata.normalize("NFKC", text).strip().replace(" ", "").upper()
    if is_valid_id15(text):
        text = upgrade_id15(text)
    return text if is_valid_id18(text) else None


def luhn_valid(digits: str) -> bool:
    """The Luhn check of a card number (ISO/IEC 7812): every second digit from the right doubled."""
    total = 0
    for i, d in enumerate(reversed(digits)):
        n = int(d) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0
