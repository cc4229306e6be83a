"""Exact money: integer fen (分) everywhere, formatted only at the edges.

Every figure a page, a chart or a download shows is formatted here: ``yuan``
(¥1,234.57, both languages), ``plain`` (1234.57, in CSV files), ``wan`` (0.12万元, a
rounded companion figure; on English pages ¥1.2k, the same precision in thousands, as
English has no 万), ``quantity`` and ``count``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


def yuan(fen: int) -> str:
    """``123456789`` → ``¥1,234,567.89`` (negative values keep their sign)."""
    fen = int(fen)
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}¥{whole:,}.{cents:02d}"


def plain(fen: int) -> str:
    """``123456789`` → ``1234567.89``: the form used in published CSV files."""
    fen = int(fen)
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole}.{cents:02d}"


def wan(fen: int, lang: str = "zh") -> str:
    """``123456789`` → ``123.46万元`` (``lang="en"``: ``¥1,234.6k``): a rounded companion figure, never alone.

    Both round half up to ¥100 (0.01 万元 = 0.1 thousand yuan).
    """
    fen = int(fen)
    # round half up on the integer fen; 1 万元 = 1,000,000 fen
    hundreds = (abs(fen) + 5000) // 10000
    sign = "-" if fen < 0 else ""
    if lang == "en":
        return f"{sign}¥{hundreds // 10:,}.{hundreds % 10}k"
    return f"{sign}{hundreds // 100:,}.{hundreds % 100:02d}万元"


def quantity(hundredths: int) -> str:
    """Goods quantities are kept in hundredths: ``150`` → ``1.5``, ``1200000`` → ``12,000``."""
    whole, cents = divmod(int(hundredths), 100)
    if cents == 0:
        return f"{whole:,}"
    return f"{whole:,}.{cents:02d}".rstrip("0")


def count(value: int) -> str:
    """``12345`` → ``12,345``."""
    return f"{int(value):,}"


# At most 999,999,999.99 (thousands separators optional): a million such
# records still sum far inside int64 fen, and a bank-card number is refused.
AMOUNT_PATTERN = r"(?:\d{1,3}(?:,\d{3}){1,2}|\d{1,9})(?:\.\d{1,2})?"
AMOUNT_MAX_TEXT = "999,999,999.99"


def parse_fen(text: pd.Series) -> pd.Series:
    """Parse strings already matching AMOUNT_PATTERN into int64 fen, exactly.

    ``"1,234.5"`` → 123450. Arrow parses the text as decimal(20, 2) — an exact
    scaled integer — so no float is ever involved.
    """
    # Imported here: the chart worker process formats money with wan() and
    # would otherwise spend ~0.7 s loading pandas and Arrow for nothing.
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    if text.empty:
        return pd.Series([], index=text.index, dtype="int64")
    values = pa.array(text, type=pa.large_string())
    cleaned = pc.replace_substring(values, ",", "")
    scaled = pc.multiply(pc.cast(cleaned, pa.decimal128(20, 2)), pa.scalar(100, pa.decimal128(3, 0)))
    fen = pc.cast(scaled, pa.int64())
    return pd.Series(fen.to_numpy(zero_copy_only=False), index=text.index, dtype="int64")
