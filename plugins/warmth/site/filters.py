"""The Jinja filters every template may use: money and numbers, from core/money.py."""

from __future__ import annotations

from warmth.core import money


def filesize(size: int) -> str:
    if size < 1024:
        return f"{size} 字节"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def yuan_or_unreported(fen: int | None) -> str:
    """Money to the fen; None means nothing was reported (never shown as ¥0.00)."""
    return "未报送" if fen is None else money.yuan(fen)


FILTERS = {
    "yuan": yuan_or_unreported,
    "wan": money.wan,
    "num": money.count,
    "quantity": money.quantity,
    "filesize": filesize,
}
