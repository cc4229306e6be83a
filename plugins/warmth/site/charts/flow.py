"""Flow (alluvial) chart: fund sources → aid categories → destinations."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.figure import Figure
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path as MplPath

from warmth.site.charts import canvas
from warmth.site.charts.style import (
    DESTINATION_COLOUR,
    EMPTY_FIG_HEIGHT,
    FLOW_FIG_WIDTH,
    LABEL_SIZE,
    MUTED_COLOUR,
    PALETTE,
    TICK_SIZE,
    TITLE_SIZE,
    check_fen,
    format_wan,
)

__all__ = ["flow_chart", "flow_figure"]


def _index_nodes(given: Sequence[str], seen: Sequence[str]) -> list[str]:
    """Nodes in the given order, then any name only found in the data."""
    order = [str(s) for s in given]
    known = set(order)
    for name in seen:
        if name not in known:
            order.append(name)
            known.add(name)
    return order


def _spread(desired: list[float], size: float, lo: float, hi: float) -> list[float]:
    """Move label centres (top to bottom, decreasing y) at least *size* apart.

    Overlapping labels are merged into blocks centred on the mean of what
    they want (least total displacement), then kept inside ``[lo, hi]``.
    """
    blocks: list[list] = []  # [first index, count, top centre]
    for i, want in enumerate(desired):
        blocks.append([i, 1, want])
        while len(blocks) > 1:
            prev, cur = blocks[-2], blocks[-1]
            prev_bottom = prev[2] - (prev[1] - 1) * size
            if cur[2] <= prev_bottom - size:
                break
            first, count = prev[0], prev[1] + cur[1]
            top = sum(desired[first + k] + k * size for k in range(count)) / count
            blocks[-2:] = [[first, count, top]]
    out: list[float] = []
    for _first, count, top in blocks:
        out.extend(top - k * size for k in range(count))
    # Keep inside the bounds (as far as there is room), preserving spacing.
    for i in range(len(out)):
        out[i] = min(out[i], hi - i * size)
        if i:
            out[i] = min(out[i], out[i - 1] - size)
    for i in range(len(out) - 1, -1, -1):
        out[i] = max(out[i], lo + (len(out) - 1 - i) * size)
        if i < len(out) - 1:
            out[i] = max(out[i], out[i + 1] + size)
    return out


def _band(x0: float, y0: tuple[float, float], x1: float, y1: tuple[float, float]) -> MplPath:
    """Filled band from (x0, top0..bottom0) to (x1, top1..bottom1), Bézier edges."""
    xm = (x0 + x1) / 2
    verts = [
        (x0, y0[0]),
        (xm, y0[0]),
        (xm, y1[0]),
        (x1, y1[0]),
        (x1, y1[1]),
        (xm, y1[1]),
        (xm, y0[1]),
        (x0, y0[1]),
        (x0, y0[0]),
    ]
    codes = [
        MplPath.MOVETO,
        MplPath.CURVE4,
        MplPath.CURVE4,
        MplPath.CURVE4,
        MplPath.LINETO,
        MplPath.CURVE4,
        MplPath.CURVE4,
        MplPath.CURVE4,
        MplPath.CLOSEPOLY,
    ]
    return MplPath(verts, codes)


def flow_chart(
    source_category: list[tuple[str, str, int]],
    category_destination: list[tuple[str, str, int]],
    *,
    sources: list[str],
    categories: list[str],
    destinations: list[str],
    title: str,
    fmt: str = "svg",
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
            source_category, category_destination, sources=sources, categories=categories, destinations=destinations, title=title
        )
        return canvas.save(fig, fmt)


def flow_figure(source_category, category_destination, *, sources, categories, destinations, title) -> Figure:
    """The figure of :func:`flow_chart`, before it is saved."""
    sc: dict[tuple[str, str], int] = {}
    for s, c, fen in source_category:
        key = (str(s), str(c))
        sc[key] = sc.get(key, 0) + check_fen(fen, f"{s} → {c}")
    cd: dict[tuple[str, str], int] = {}
    for c, d, fen in category_destination:
        key = (str(c), str(d))
        cd[key] = cd.get(key, 0) + check_fen(fen, f"{c} → {d}")
    sc = {k: v for k, v in sc.items() if v > 0}
    cd = {k: v for k, v in cd.items() if v > 0}

    src_order = _index_nodes(sources, [s for s, _ in sc])
    cat_order = _index_nodes(categories, [c for _, c in sc] + [c for c, _ in cd])
    dst_order = _index_nodes(destinations, [d for _, d in cd])

    src_out = {s: sum(v for (a, _), v in sc.items() if a == s) for s in src_order}
    cat_in = {c: sum(v for (_, b), v in sc.items() if b == c) for c in cat_order}
    cat_out = {c: sum(v for (a, _), v in cd.items() if a == c) for c in cat_order}
    dst_in = {d: sum(v for (_, b), v in cd.items() if b == d) for d in dst_order}

    src_colour = {s: PALETTE[i % len(PALETTE)] for i, s in enumerate(src_order)}
    cat_colour = {c: PALETTE[i % len(PALETTE)] for i, c in enumerate(cat_order)}

    columns = [
        [(s, src_out[s]) for s in src_order if src_out[s] > 0],
        [(c, max(cat_in[c], cat_out[c])) for c in cat_order if max(cat_in[c], cat_out[c]) > 0],
        [(d, dst_in[d]) for d in dst_order if dst_in[d] > 0],
    ]

    with canvas.context():
        if not any(columns):
            return canvas.empty_figure(title, FLOW_FIG_WIDTH, EMPTY_FIG_HEIGHT)

        measure = canvas.Measure()
        line_h = LABEL_SIZE * 1.25
        label_h = 2 * line_h + 2.0  # two lines: name, amount
        label_text = [[f"{name}\n{format_wan(v)}" for name, v in col] for col in columns]
        label_w = [max((measure.width(t, LABEL_SIZE) for t in col), default=0.0) for col in label_text]

        # Geometry in points; the axes fill the figure with 1 unit = 1 pt.
        width = FLOW_FIG_WIDTH
        margin, node_w, label_pad = 8.0, 12.0, 5.0
        gap = 6.0
        header_h = 16.0
        top_h = 34.0 + header_h
        n_max = max(len(col) for col in columns)
        plot_h = max(360.0, n_max * label_h * 1.12)
        height = top_h + plot_h + 10.0
        plot_top, plot_bottom = height - top_h, 10.0

        x_src = margin + label_w[0] + label_pad
        x_dst = width - margin - label_w[2] - label_pad - node_w
        x_cat = (x_src + x_dst) / 2
        xs = [x_src, x_cat, x_dst]

        # One scale for all columns so bands keep their width end to end.
        scale = min((plot_h - (len(col) - 1) * gap) / sum(v for _, v in col) for col in columns if col)

        # Node boxes: name -> (top, bottom), per column.
        boxes: list[dict[str, tuple[float, float]]] = []
        for col in columns:
            col_h = sum(v for _, v in col) * scale + (len(col) - 1) * gap
            y = plot_top - (plot_h - col_h) / 2
            placed = {}
            for name, v in col:
                h = v * scale
                placed[name] = (y, y - h)
                y -= h + gap
            boxes.append(placed)

        fig = canvas.new_figure(width, height)
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_axis_off()
        ax.set_xlim(0, width)
        ax.set_ylim(0, height)

        # Bands.  Within each node, bands stack in the order of the nodes at
        # their other end, which keeps crossings down.
        def draw_stage(flows, left_col, right_col, left_order, right_order, colours):
            out_y = {n: boxes[left_col][n][0] for n in boxes[left_col]}
            in_y = {n: boxes[right_col][n][0] for n in boxes[right_col]}
            lpos = {n: i for i, n in enumerate(left_order)}
            rpos = {n: i for i, n in enumerate(right_order)}
            by_left = sorted(flows.items(), key=lambda kv: (lpos[kv[0][0]], rpos[kv[0][1]]))
            spans = {}
            for (a, b), v in by_left:
                h = v * scale
                spans[(a, b)] = [(out_y[a], out_y[a] - h)]
                out_y[a] -= h
            by_right = sorted(flows.items(), key=lambda kv: (rpos[kv[0][1]], lpos[kv[0][0]]))
            for (a, b), v in by_right:
                h = v * scale
                spans[(a, b)].append((in_y[b], in_y[b] - h))
                in_y[b] -= h
            x0 = xs[left_col] + node_w
            x1 = xs[right_col]
            for (a, b), _v in by_left:
                y0, y1 = spans[(a, b)]
                # add_artist, not add_patch: the limits are fixed, and
                # computing Bézier extents for autoscaling is the slow part.
                ax.add_artist(PathPatch(_band(x0, y0, x1, y1), facecolor=colours[a], edgecolor="none", alpha=0.42, zorder=1))

        draw_stage(sc, 0, 1, src_order, cat_order, src_colour)
        draw_stage(cd, 1, 2, cat_order, dst_order, cat_colour)

        node_colours = [src_colour, cat_colour, None]
        for col_i, col in enumerate(columns):
            x = xs[col_i]
            for name, _v in col:
                top, bot = boxes[col_i][name]
                h = max(top - bot, 1.0)
                mid = (top + bot) / 2
                colour = (node_colours[col_i] or {}).get(name, DESTINATION_COLOUR)
                ax.add_artist(Rectangle((x, mid - h / 2), node_w, h, facecolor=colour, edgecolor="none", zorder=2))

        # Labels: left of the sources, right of the categories and destinations,
        # spread apart where nodes are thin.
        for col_i, col in enumerate(columns):
            if not col:
                continue
            mids = [sum(boxes[col_i][name]) / 2 for name, _ in col]
            ys = _spread(mids, label_h, plot_bottom + label_h / 2, plot_top - label_h / 2)
            if col_i == 0:
                tx, ha = xs[0] - label_pad, "right"
                edge = xs[0]
            else:
                tx, ha = xs[col_i] + node_w + label_pad, "left"
                edge = xs[col_i] + node_w
            for (name, v), want, y in zip(col, mids, ys, strict=True):
                text = f"{name}\n{format_wan(v)}"
                kwargs = {}
                if col_i == 1:  # over the bands: keep legible
                    kwargs["bbox"] = {"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.78}
                ax.text(tx, y, text, ha=ha, va="center", fontsize=LABEL_SIZE, linespacing=1.15, zorder=4, **kwargs)
                if abs(y - want) > 3.0:  # leader from node to moved label
                    lx = tx + (2.0 if ha == "right" else -2.0)
                    ax.plot([edge, lx], [want, y], color=MUTED_COLOUR, linewidth=0.6, zorder=3)

        headers = ("资金来源", "救助类别", "去向")
        for col_i, head in enumerate(headers):
            if not columns[col_i]:
                continue
            ax.text(
                xs[col_i] + node_w / 2, plot_top + 6.0, head, ha="center", va="baseline", fontsize=TICK_SIZE, color=MUTED_COLOUR
            )
        ax.text(margin, height - 12.0, title, ha="left", va="top", fontsize=TITLE_SIZE)
        return fig


