"""Flow (alluvial) chart: fund sources → aid categories → destinations.

The geometry comes from :func:`~warmth.site.charts.flow_layout.flow_layout`;
this module only draws it.
"""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path as MplPath

from warmth.site.charts import canvas
from warmth.site.charts.flow_layout import Band, FlowLayout, flow_layout
from warmth.site.charts.style import LABEL_SIZE, MUTED_COLOUR

__all__ = ["draw_flow", "flow_chart", "flow_figure"]

BAND_ALPHA = 0.42
LABEL_BACKING = {"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.78}


def flow_chart(
    source_category: list[tuple[str, str, int]],
    category_destination: list[tuple[str, str, int]],
    *,
    sources: list[str],
    categories: list[str],
    destinations: list[str],
    title: str,
    fmt: str = "svg",
    lang: str = "zh",
) -> bytes:
    """Alluvial diagram: fund sources (left) → aid categories → destinations.

    Node heights are proportional to money; nodes keep the given order and
    nodes with no money are left out.  A category's height is the larger of
    its inflow and outflow (they are equal when the data balance).  Bands are
    coloured by their left node.  Repeated pairs are summed; names not in the
    given lists are appended after them rather than dropped.
    """
    with canvas.context():
        fig = flow_figure(
            source_category, category_destination, sources=sources, categories=categories, destinations=destinations, title=title,
            lang=lang,
        )
        return canvas.save(fig, fmt)


def flow_figure(source_category, category_destination, *, sources, categories, destinations, title, lang: str = "zh") -> Figure:
    """The figure of :func:`flow_chart`, before it is saved."""
    with canvas.context():
        layout = flow_layout(
            source_category,
            category_destination,
            sources=sources,
            categories=categories,
            destinations=destinations,
            title=title,
            measure=canvas.Measure().width,
            lang=lang,
        )
        return draw_flow(layout)


def draw_flow(layout: FlowLayout) -> Figure:
    """Draw a laid-out flow chart (call inside ``canvas.context()``)."""
    if not layout.nodes:
        return canvas.empty_figure(layout.title, layout.width, layout.height)
    fig = canvas.new_figure(layout.width, layout.height)
    ax = fig.add_axes((0, 0, 1, 1))  # 1 unit = 1 pt
    ax.set_axis_off()
    ax.set_xlim(0, layout.width)
    ax.set_ylim(0, layout.height)
    # add_artist, not add_patch: the limits are fixed, and computing Bézier
    # extents for autoscaling is the slow part.
    for band in layout.bands:
        ax.add_artist(PathPatch(_band_path(band), facecolor=band.colour, edgecolor="none", alpha=BAND_ALPHA, zorder=1))
    for node in layout.nodes:
        x, y, w, h = node.box
        ax.add_artist(Rectangle((x, y), w, h, facecolor=node.colour, edgecolor="none", zorder=2))
    for label in layout.labels:
        extra = {"bbox": LABEL_BACKING} if label.boxed else {}
        ax.text(label.x, label.y, label.text, ha=label.align, va="center", linespacing=1.15, zorder=4, **extra, **canvas.text_style(LABEL_SIZE))
        if label.leader is not None:
            x0, y0, x1, y1 = label.leader
            ax.plot([x0, x1], [y0, y1], color=MUTED_COLOUR, linewidth=0.6, zorder=3)
    for cap in layout.captions:
        ax.text(cap.x, cap.y, cap.text, ha=cap.align, va=cap.valign, color=cap.colour, **canvas.text_style(cap.size))
    return fig


def _band_path(band: Band) -> MplPath:
    """Filled band from (x0, top..bottom) to (x1, top..bottom), Bézier edges."""
    x0, x1 = band.x0, band.x1
    (top0, bottom0), (top1, bottom1) = band.left, band.right
    xm = (x0 + x1) / 2
    verts = [
        (x0, top0),
        (xm, top0),
        (xm, top1),
        (x1, top1),
        (x1, bottom1),
        (xm, bottom1),
        (xm, bottom0),
        (x0, bottom0),
        (x0, top0),
    ]
    C = MplPath.CURVE4
    codes = [MplPath.MOVETO, C, C, C, MplPath.LINETO, C, C, C, MplPath.CLOSEPOLY]
    return MplPath(verts, codes)
