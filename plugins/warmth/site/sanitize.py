"""Safe HTML from staff markdown: an allowlist, applied after markdown is rendered.

Round narratives (content/rounds/*.md) and Pelican's content pages (the about
page) are written by staff, and markdown passes raw HTML through. Whatever they
hold, the published page keeps only what is listed here — text structure,
emphasis, tables, links and images — through nh3 (the Rust ammonia sanitiser):
no script or style, no event handler or style attribute, no form, frame,
object, embed or meta refresh, no ``javascript:``/``data:``/``vbscript:`` URL.

Links may go to other hosts (http, https, mailto or relative URLs) and every
link gets ``rel="noopener noreferrer"``. Images keep an http(s) or relative
``src``; the build's last scan (site/scan.py) then refuses any page that would
fetch one from another host, so images come from the site itself.
"""

from __future__ import annotations

import nh3

# What markdown (with Pelican's "extra": tables, footnotes, definition lists,
# abbreviations, fenced code) produces, and nothing else.
TAGS: frozenset[str] = frozenset({
    "h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "blockquote", "pre", "code", "div", "span",
    "ul", "ol", "li", "dl", "dt", "dd",
    "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td", "colgroup", "col",
    "em", "strong", "b", "i", "u", "s", "del", "ins", "sub", "sup", "small", "mark", "abbr", "q", "cite",
    "kbd", "samp", "var",
    "a", "img", "figure", "figcaption",
})
# Removed together with everything inside them (the rest of what is not in
# TAGS loses its tags but keeps its text).
DROPPED_WITH_CONTENT: frozenset[str] = frozenset({
    "script", "style", "noscript", "template", "iframe", "frame", "frameset", "noframes", "object", "embed",
    "applet", "form", "textarea", "select", "button", "svg", "math", "title", "xmp", "noembed",
})
# No on… handler and no style attribute is listed, so none survives.
ATTRIBUTES: dict[str, frozenset[str]] = {
    "*": frozenset({"id", "class", "title", "lang", "dir"}),
    "a": frozenset({"href"}),
    "img": frozenset({"src", "alt", "width", "height"}),
    "ol": frozenset({"start"}),
    "th": frozenset({"colspan", "rowspan", "scope", "align"}),
    "td": frozenset({"colspan", "rowspan", "align"}),
    "col": frozenset({"span"}),
    "colgroup": frozenset({"span"}),
}
# href and src: these schemes, or a URL relative to the site (javascript:, data:, vbscript: … are dropped)
URL_SCHEMES: frozenset[str] = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener noreferrer"

_CLEANER = nh3.Cleaner(
    tags=set(TAGS),
    clean_content_tags=set(DROPPED_WITH_CONTENT),
    attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
    url_schemes=set(URL_SCHEMES),
    link_rel=LINK_REL,
    strip_comments=True,
)


def clean_html(html: str) -> str:
    """``html`` with everything outside the allowlist removed."""
    return _CLEANER.clean(html)
