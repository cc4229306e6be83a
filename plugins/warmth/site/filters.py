"""The Jinja filters every template may use: money and numbers, from core/money.py, in the
page's language (the ``lang`` render variable, site/i18n.py), and ``name``: a campaign name's
English form on English pages (campaign.toml ``name_en``; the Chinese name where there is none)."""

from __future__ import annotations

import datetime as dt
import re

from jinja2 import pass_context

from warmth.core import money
from warmth.downloads.package import english_title
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


WEEK = re.compile(r"(\d{4})-(\d{2})-(\d{2}) 至 (\d{1,2})月(\d{1,2})日")  # figures/browse.py week_label
UNDATED = re.compile(r"日期不公开[（(](.+)[）)]")


def _week_en(value: str, campaign) -> str | None:
    """A week label (figures/browse.py ``week_label``) in English, or None when it is not one."""
    found = WEEK.fullmatch(value)
    if found:
        monday = dt.date(*(int(g) for g in found.groups()[:3]))
        return f"{monday.isoformat()} to {(monday + dt.timedelta(days=6)).isoformat()}"
    found = UNDATED.fullmatch(value)
    if found:
        return f"date withheld ({campaign.english.of(found.group(1))})"
    return None


def english_name(campaign, value):
    """A declared name, week label or list of districts in English (the Chinese where no form is declared)."""
    if not isinstance(value, str):
        return value
    if value in campaign.english.forms:
        return campaign.english.forms[value]
    week = _week_en(value, campaign)
    if week:
        return week
    if DISTRICT_SEPARATOR in value:  # a finding's several districts
        return ", ".join(campaign.english.of(part) for part in value.split(DISTRICT_SEPARATOR))
    return value


@pass_context
def name(context, value):
    """A declared name (destination, source, category, group, round label, aid type) in the page's language."""
    if _lang(context) != "en":
        return value
    warmth = context.get("warmth") or {}
    campaign = warmth.get("campaign") if isinstance(warmth, dict) else None
    return value if campaign is None else english_name(campaign, value)


@pass_context
def file_title(context, title: str) -> str:
    """A download's title ("中文 / English", downloads/package.py): all of it on Chinese pages, the English half on English ones."""
    return (english_title(title) or title) if _lang(context) == "en" else title


@pass_context
def names(context, values) -> list:
    return [name(context, v) for v in values]


# a link in staff markdown to a page of the site: relative ("../../guide/") or under SITEURL, ending in "/"
_PAGE_LINK = re.compile(r'href="((?:\.\./)+|\./|/)((?!data/|theme/|en/)[^"#?:]*/)"')


@pass_context
def page_links(context, html: str) -> str:
    """Staff markdown's links to the site's pages, on an English page, lead to their English twins (/en/…);
    links to /data/, the theme's files, other sites and files with a name are left as they are."""
    if _lang(context) != "en":
        return html
    siteurl = (context.get("SITEURL") or "").rstrip("/")
    if siteurl and not siteurl.startswith("."):  # published with absolute URLs: SITEURL/… links too
        html = re.sub(r'href="' + re.escape(siteurl) + r'/((?!data/|theme/|en/)[^"#?:]*/)"', lambda m: f'href="{siteurl}/en/{m.group(1)}"', html)
    return _PAGE_LINK.sub(lambda m: f'href="{m.group(1)}en/{m.group(2)}"', html)


FILTERS = {
    "yuan": yuan_or_unreported,
    "wan": wan,
    "num": money.count,
    "quantity": money.quantity,
    "filesize": filesize,
    "name": name,
    "names": names,
    "file_title": file_title,
    "page_links": page_links,
}
