"""The Jinja filters every template may use: money and numbers, from core/money.py, in the
page's language (the ``lang`` render variable, site/i18n.py), and ``name``: a campaign name's
English form on English pages (campaign.toml ``name_en``; the Chinese name where there is none)."""

from __future__ import annotations

from jinja2 import pass_context

from warmth.core import money
from warmth.figures.findings.rules import DISTRICT_SEPARATOR


def _lang(context) -> str:
    return context.get("lang") or "zh"


@pass_context
def filesize(context, size: int) -> str:
    if size < 1024:
        return f"{size} bytes" if _lang(context) == "en" else f"{size} 字节"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


@pass_context
def yuan_or_unreported(context, fen: int | None) -> str:
    """Money to the fen; None means nothing was reported (never shown as ¥0.00)."""
    if fen is None:
        return "not reported" if _lang(context) == "en" else "未报送"
    return money.yuan(fen)


@pass_context
def wan(context, fen: int) -> str:
    return money.wan(fen, _lang(context))


@pass_context
def name(context, value):
    """A declared name (destination, source, category, group, round label, aid type) in the page's language."""
    if _lang(context) != "en":
        return value
    warmth = context.get("warmth") or {}
    campaign = warmth.get("campaign") if isinstance(warmth, dict) else None
    if campaign is None or not isinstance(value, str):
        return value
    if DISTRICT_SEPARATOR in value and value not in campaign.english.forms:  # a finding's several districts
        return ", ".join(campaign.english.of(part) for part in value.split(DISTRICT_SEPARATOR))
    return campaign.english.of(value)


@pass_context
def names(context, values) -> list:
    return [name(context, v) for v in values]


FILTERS = {
    "yuan": yuan_or_unreported,
    "wan": wan,
    "num": money.count,
    "quantity": money.quantity,
    "filesize": filesize,
    "name": name,
    "names": names,
}
