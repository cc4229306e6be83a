"""matplotlib helpers shared by the charts: settings, font, figure, text width, output.

matplotlib is used through ``matplotlib.figure.Figure`` only (never pyplot, so
no GUI backend and no global figure state).  Every text element is given the
chart font by path (:func:`text_style`), and :func:`save` refuses a figure in
which any drawn text is not, so no text can silently fall back to another font.
"""

from __future__ import annotations

import io

import matplotlib
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.text import Text
from matplotlib.textpath import TextToPath

from warmth.site.charts.fonts import chart_font
from warmth.site.charts.style import EMPTY_TEXT, LABEL_SIZE, MUTED_COLOUR, RC, TEXT_COLOUR, TITLE_SIZE


def context():
    """The chart settings, for drawing and saving a figure."""
    return matplotlib.rc_context(RC)


def font(size: float) -> FontProperties:
    """The chart font at *size* points, by file path.

    (With ``fname`` set matplotlib reads that file and ignores the family; the
    family is pinned only because matplotlib resolves the file once per family
    listed.)
    """
    return FontProperties(family="sans-serif", fname=str(chart_font().path), size=size)


def text_style(size: float) -> dict:
    """Keyword arguments for every text: the chart font, and no mathtext (which has fonts of its own)."""
    return {"fontproperties": font(size), "parse_math": False}


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
    check_fonts(fig)  # after drawing: tick labels exist only then
    return buf.getvalue()


def check_fonts(fig: Figure) -> None:
    """Raise if any drawn text of *fig* is not in the chart font file (or is mathtext)."""
    ours = str(chart_font().path)
    for text in fig.findobj(Text):
        if not (text.get_visible() and text.get_text()):
            continue
        file = text.get_fontproperties().get_file()
        if file != ours or text.get_parse_math():
            raise RuntimeError(
                f"图表文字“{text.get_text()}”没有使用图表字体文件 {ours}。\n"
                f"Chart text {text.get_text()!r} is not drawn with the chart font file {ours} (font: {file})."
            )


class Measure:
    """Width of a line of text in points, without a renderer (cheap)."""

    def __init__(self) -> None:
        self._t2p = TextToPath()
        self._props: dict[float, FontProperties] = {}

    def width(self, text: str, size: float) -> float:
        prop = self._props.get(size)
        if prop is None:
            prop = self._props[size] = font(size)
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
    ax.text(14.0, height - 22, title, ha="left", va="baseline", color=TEXT_COLOUR, **text_style(TITLE_SIZE))
    ax.text(width / 2, (height - 30) / 2, EMPTY_TEXT, ha="center", va="center", color=MUTED_COLOUR, **text_style(LABEL_SIZE + 2))
    return fig
