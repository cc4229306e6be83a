"""Deterministic SVG charts for the disclosure pages.

Pure functions: data in, SVG bytes out.  Money is always integer fen; charts
show 万元 (1 万元 = 1,000,000 fen), formatted by ``warmth.core.money.wan`` like
the pages.  Every character is drawn as an SVG path with the one packaged CJK
font file, chosen by path, so readers need no Chinese font, and the hash salt
is fixed and the date left out, so the same data gives byte-identical files on
every build and every day.

Modules:

* ``style``  — version, colours, sizes, matplotlib settings (no matplotlib);
* ``fonts``  — the one font file the charts are drawn with (and its SHA-256);
* ``canvas`` — matplotlib helpers (``Figure`` only, never pyplot);
* ``bar``    — the bar chart;
* ``flow_layout`` — where the flow chart's nodes, bands and labels go (no matplotlib);
* ``flow_draw``   — draws that layout;
* ``cache``  — :class:`ChartCache`, rendered SVGs keyed by their input and font;
* ``__main__`` — ``python -m warmth.site.charts`` checks the font (Makefile).

Only ``cache`` is imported eagerly: a rebuild whose charts are all cached never
loads matplotlib.  ``bar_chart``, ``flow_chart`` and friends load on first use.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from warmth.site.charts.cache import ChartCache
from warmth.site.charts.style import PALETTE, STYLE_VERSION

__all__ = [
    "PALETTE",
    "STYLE_VERSION",
    "ChartCache",
    "bar_chart",
    "bar_figure",
    "cached",
    "flow_chart",
    "flow_figure",
    "flow_layout",
    "render",
    "render_all",
]

# name -> submodule that defines it (imported on first use, see __getattr__)
_LAZY = {
    "bar_chart": "bar",
    "bar_figure": "bar",
    "flow_chart": "flow_draw",
    "flow_figure": "flow_draw",
    "flow_layout": "flow_layout",
}


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


def render(kind: str, payload: dict) -> bytes:
    """Draw one chart described by a JSON-able payload (see pages.Chart)."""
    if kind == "bar":
        from warmth.site.charts.bar import bar_chart

        return bar_chart([tuple(r) for r in payload["rows"]], title=payload["title"])
    if kind == "flow":
        from warmth.site.charts.flow_draw import flow_chart

        return flow_chart(
            [tuple(r) for r in payload["source_category"]],
            [tuple(r) for r in payload["category_destination"]],
            sources=payload["sources"],
            categories=payload["categories"],
            destinations=payload["destinations"],
            title=payload["title"],
            lang=payload.get("lang", "zh"),  # the English pages' chart says "lang": "en" (pages.home_page)
        )
    raise ValueError(f"unknown chart kind {kind!r}")


def render_all(jobs: list[tuple[str, dict]], folder: str | None) -> list[bytes]:
    """Every chart of a build, through the cache; runs in a worker process."""
    cache = ChartCache(Path(folder) if folder else None)
    return [cache.get_or_render(kind, payload, lambda k=kind, p=payload: render(k, p)) for kind, payload in jobs]


def cached(jobs: list[tuple[str, dict]], folder: Path | None) -> list[bytes] | None:
    """All charts from the cache, or None if any must be drawn."""
    cache = ChartCache(folder)
    found = [cache.lookup(kind, payload) for kind, payload in jobs]
    return None if any(data is None for data in found) else found
