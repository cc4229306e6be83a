"""Horizontal bar chart: one bar per ``(label, fen)``, in the given order."""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from warmth.core.money import wan
from warmth.site.charts import canvas
from warmth.site.charts.style import (
    BAR_COLOUR,
    BAR_FIG_WIDTH,
    BAR_ROW_HEIGHT,
    EMPTY_FIG_HEIGHT,
    FEN_PER_WAN,
    GRID_COLOUR,
    LABEL_SIZE,
    TEXT_COLOUR,
    TICK_SIZE,
    TITLE_SIZE,
    check_fen,
    tick_label,
)

__all__ = ["bar_chart", "bar_figure"]


def bar_chart(rows: list[tuple[str, int]], *, title: str, unit_label: str = "万元", fmt: str = "svg") -> bytes:
    """Horizontal bar chart, one bar per ``(label, fen)`` in order, top to bottom.

    Each bar ends in its amount as the pages show it (``money.wan``:
    ``1,234.57万元``); the axis is in 万元 and captioned ``金额（<unit_label>）``.
    Empty input gives a chart saying 暂无数据.
    """
    with canvas.context():
        return canvas.save(bar_figure(rows, title=title, unit_label=unit_label), fmt)


def bar_figure(rows: list[tuple[str, int]], *, title: str, unit_label: str = "万元") -> Figure:
    """The figure of :func:`bar_chart`, before it is saved."""
    rows = [(str(label), check_fen(fen, str(label))) for label, fen in rows]
    with canvas.context():
        if not rows:
            return canvas.empty_figure(title, BAR_FIG_WIDTH, EMPTY_FIG_HEIGHT)

        measure = canvas.Measure()
        labels = [label for label, _ in rows]
        values = [fen / FEN_PER_WAN for _, fen in rows]
        texts = [wan(fen) for _, fen in rows]

        n = len(rows)
        top, bottom = 40.0, 46.0  # title; tick labels + axis caption
        left = 14.0 + max(measure.width(s, LABEL_SIZE) for s in labels)
        right = 14.0
        width = BAR_FIG_WIDTH
        height = top + bottom + n * BAR_ROW_HEIGHT
        axes_w = width - left - right
        fig = canvas.new_figure(width, height)
        ax = fig.add_axes((left / width, bottom / height, axes_w / width, n * BAR_ROW_HEIGHT / height))

        ys = list(range(n))
        ax.barh(ys, values, height=0.62, color=BAR_COLOUR, zorder=2)
        ax.set_ylim(n - 0.5, -0.5)  # first row on top
        ax.set_yticks(ys, labels, **canvas.text_style(LABEL_SIZE))
        ax.tick_params(axis="y", length=0, pad=6)

        # Leave room after each bar for its value label.
        pad = 4.0
        xmax = 0.0
        for v, t in zip(values, texts, strict=True):
            need = measure.width(t, TICK_SIZE) + pad + 6.0
            xmax = max(xmax, v * axes_w / max(axes_w - need, 1.0))
        if xmax <= 0:
            xmax = 1.0
        # Fixed ticks (what the locator would choose), so that their labels
        # can be given the chart font like every other text.
        ticks = [t for t in MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]).tick_values(0, xmax) if -1e-10 * xmax <= t <= xmax * (1 + 1e-10)]
        ax.set_xticks(ticks, [tick_label(t) for t in ticks], **canvas.text_style(TICK_SIZE))
        ax.set_xlim(0, xmax)
        ax.set_xlabel(f"金额（{unit_label}）", labelpad=4, **canvas.text_style(TICK_SIZE))
        ax.grid(axis="x", color=GRID_COLOUR, linewidth=0.8, zorder=0)
        ax.set_axisbelow(True)
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)

        for y, v, t in zip(ys, values, texts, strict=True):
            ax.annotate(
                t,
                xy=(v, y),
                xytext=(pad, 0),
                textcoords="offset points",
                ha="left",
                va="center",
                color=TEXT_COLOUR,
                **canvas.text_style(TICK_SIZE),
            )

        fig.text(left / width, 1 - 14.0 / height, title, ha="left", va="top", color=TEXT_COLOUR, **canvas.text_style(TITLE_SIZE))
        return fig
