"""matplotlib helpers shared by the charts: settings, figure, text width, output.

matplotlib is used through ``matplotlib.figure.Figure`` only (never pyplot, so
no GUI backend and no global figure state).
"""

from __future__ import annotations

import io

import matplotlib
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextToPath

from warmth.site.charts.fonts import register_cjk_font
from warmth.site.charts.style import EMPTY_TEXT, LABEL_SIZE, MUTED_COLOUR, RC, TITLE_SIZE


def context():
    """The chart settings, for drawing and saving a figure."""
    return matplotlib.rc_context({**RC, "font.family": [register_cjk_font()]})


def new_figure(width_pt: float, height_pt: float) -> Figure:
    fig = Figure(figsize=(width_pt / 72, height_pt / 72), dpi=72, facecolor="white")
    FigureCanvasSVG(fig)
    return fig


def save(fig: Figure, fmt: str = "svg") -> bytes:
    """SVG for the site; PNG only for looking at a chart while developing."""
    buf = io.BytesIO()
    if fmt == "svg":
        fig.savefig(buf, format="svg", metadata={"Date": None}, facecolor="white")
    else:
        fig.savefig(buf, format=fmt, dpi=150, facecolor="white")
    return buf.getvalue()


class Measure:
    """Width of a string in points, without a renderer (cheap)."""

    def __init__(self) -> None:
        self._t2p = TextToPath()
        self._family = register_cjk_font()
        self._props: dict[float, FontProperties] = {}

    def width(self, text: str, size: float) -> float:
        prop = self._props.get(size)
        if prop is None:
            prop = self._props[size] = FontProperties(family=[self._family], size=size)
        return max(
            (self._t2p.get_text_width_height_descent(line, prop, ismath=False)[0] for line in text.split("\n")),
            default=0.0,
        )


def empty_figure(title: str, width: float, height: float) -> Figure:
    """A chart with only its title and 暂无数据."""
    fig = new_figure(width, height)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.text(14.0, height - 22, title, ha="left", va="baseline", fontsize=TITLE_SIZE)
    ax.text(width / 2, (height - 30) / 2, EMPTY_TEXT, ha="center", va="center", fontsize=LABEL_SIZE + 2, color=MUTED_COLOUR)
    return fig
