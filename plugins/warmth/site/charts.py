"""Deterministic SVG charts for the disclosure pages.

Pure functions: data in, SVG bytes out.  Money is always integer fen; charts
show 万元 (1 万元 = 1,000,000 fen).  matplotlib is used through
``matplotlib.figure.Figure`` only (never pyplot, so no GUI backend and no
global figure state), inside an ``rc_context`` that

* draws every character as an SVG path with the bundled CJK font, so readers
  need no Chinese font and the glyphs are exactly the ones checked at build;
* fixes ``svg.hashsalt`` and drops the date metadata, so the same data gives
  byte-identical files on every build and every day.

:class:`ChartCache` stores rendered SVGs by a hash of their input so that
rebuilds do not render again.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from numbers import Integral
from pathlib import Path

import matplotlib
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path as MplPath
from matplotlib.textpath import TextToPath
from matplotlib.ticker import FuncFormatter, MaxNLocator

from warmth.core.files import atomic_write
from warmth.site.fonts import FontNotFound, cjk_font_path, register_cjk_font

__all__ = [
    "PALETTE",
    "STYLE_VERSION",
    "ChartCache",
    "bar_chart",
    "flow_chart",
    "format_wan",
]

#: Bump whenever the look of any chart changes, so cached SVGs are redrawn.
STYLE_VERSION = "1"

#: Tableau 10 (colour-blind-aware, calm); sources and categories take colours
#: in list order, cycling if there are more than ten.
PALETTE = (
    "#4E79A7",  # blue
    "#F28E2B",  # orange
    "#59A14F",  # green
    "#E15759",  # red
    "#76B7B2",  # teal
    "#EDC948",  # yellow
    "#B07AA1",  # purple
    "#FF9DA7",  # pink
    "#9C755F",  # brown
    "#BAB0AC",  # grey
)
BAR_COLOUR = PALETTE[0]
DESTINATION_COLOUR = "#6B6B6B"
TEXT_COLOUR = "#222222"
MUTED_COLOUR = "#555555"
GRID_COLOUR = "#DDDDDD"

FEN_PER_WAN = 1_000_000
EMPTY_TEXT = "暂无数据"

# Sizes in points (1/72 in).  The SVG scales to the page width (CSS
# max-width:100%), so the figures are kept narrow enough that the text stays
# legible on a phone.
TITLE_SIZE = 14.0
LABEL_SIZE = 11.0
TICK_SIZE = 10.5
BAR_FIG_WIDTH = 6.4 * 72
BAR_ROW_HEIGHT = 0.42 * 72
FLOW_FIG_WIDTH = 7.6 * 72


# --------------------------------------------------------------------------
# helpers


def format_wan(fen: int) -> str:
    """Format fen as 万元 with two decimals and the 万 sign: 123456 -> '0.12万'.

    Rounds half up on exact integers (no float error).
    """
    wan = (Decimal(int(fen)) / FEN_PER_WAN).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return f"{wan}万"


def _check_fen(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"金额必须是整数（分）/ {what}: amount must be int fen, got {value!r}")
    if value < 0:
        raise ValueError(f"金额不能为负 / {what}: amount must not be negative, got {value}")
    return int(value)


def _tick_label(value: float, _pos: object = None) -> str:
    if abs(value - round(value)) < 1e-9:
        return f"{round(value)}"
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _style(family: str) -> dict:
    return {
        "svg.hashsalt": "warmth",
        "svg.fonttype": "path",
        "svg.image_inline": True,
        "font.family": [family],
        "font.size": LABEL_SIZE,
        "axes.unicode_minus": False,
        "text.color": TEXT_COLOUR,
        "axes.edgecolor": MUTED_COLOUR,
        "axes.labelcolor": TEXT_COLOUR,
        "xtick.color": MUTED_COLOUR,
        "ytick.color": TEXT_COLOUR,
        "xtick.labelsize": TICK_SIZE,
        "ytick.labelsize": LABEL_SIZE,
        "path.simplify": True,
        "hatch.color": MUTED_COLOUR,
    }


def _new_figure(width_pt: float, height_pt: float) -> Figure:
    fig = Figure(figsize=(width_pt / 72, height_pt / 72), dpi=72, facecolor="white")
    FigureCanvasSVG(fig)
    return fig


def _save(fig: Figure, fmt: str) -> bytes:
    """SVG for the site; PNG only for looking at a chart while developing."""
    buf = io.BytesIO()
    if fmt == "svg":
        fig.savefig(buf, format="svg", metadata={"Date": None}, facecolor="white")
    else:
        fig.savefig(buf, format=fmt, dpi=150, facecolor="white")
    return buf.getvalue()


class _Measure:
    """Width of a string in points, without a renderer (cheap)."""

    def __init__(self, family: str) -> None:
        self._t2p = TextToPath()
        self._family = family
        self._props: dict[float, FontProperties] = {}

    def width(self, text: str, size: float) -> float:
        prop = self._props.get(size)
        if prop is None:
            prop = self._props[size] = FontProperties(family=[self._family], size=size)
        return max(
            (self._t2p.get_text_width_height_descent(line, prop, ismath=False)[0] for line in text.split("\n")),
            default=0.0,
        )


def _empty_message(fig: Figure, title: str, width: float, height: float) -> None:
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.text(14.0, height - 22, title, ha="left", va="baseline", fontsize=TITLE_SIZE)
    ax.text(width / 2, (height - 30) / 2, EMPTY_TEXT, ha="center", va="center", fontsize=LABEL_SIZE + 2, color=MUTED_COLOUR)


# --------------------------------------------------------------------------
# bar chart


def bar_chart(rows: list[tuple[str, int]], *, title: str, unit_label: str = "万元") -> bytes:
    """Horizontal bar chart, one bar per ``(label, fen)`` in order, top to bottom.

    Each bar ends in its amount (``12.35万``); the axis is in 万元 and captioned
    ``金额（<unit_label>）``.  Empty input gives a chart saying 暂无数据.
    """
    return _bar_chart(rows, title=title, unit_label=unit_label, fmt="svg")


def _bar_chart(rows, *, title, unit_label="万元", fmt="svg") -> bytes:
    rows = [(str(label), _check_fen(fen, str(label))) for label, fen in rows]
    family = register_cjk_font()
    with matplotlib.rc_context(_style(family)):
        if not rows:
            width, height = BAR_FIG_WIDTH, 2.0 * 72
            fig = _new_figure(width, height)
            _empty_message(fig, title, width, height)
            return _save(fig, fmt)

        measure = _Measure(family)
        labels = [label for label, _ in rows]
        values = [fen / FEN_PER_WAN for _, fen in rows]
        texts = [format_wan(fen) for _, fen in rows]

        n = len(rows)
        top, bottom = 40.0, 46.0  # title; tick labels + axis caption
        left = 14.0 + max(measure.width(s, LABEL_SIZE) for s in labels)
        right = 14.0
        width = BAR_FIG_WIDTH
        height = top + bottom + n * BAR_ROW_HEIGHT
        axes_w = width - left - right
        fig = _new_figure(width, height)
        ax = fig.add_axes((left / width, bottom / height, axes_w / width, n * BAR_ROW_HEIGHT / height))

        ys = list(range(n))
        ax.barh(ys, values, height=0.62, color=BAR_COLOUR, zorder=2)
        ax.set_ylim(n - 0.5, -0.5)  # first row on top
        ax.set_yticks(ys, labels)
        ax.tick_params(axis="y", length=0, pad=6)

        # Leave room after each bar for its value label.
        pad = 4.0
        xmax = 0.0
        for v, t in zip(values, texts, strict=True):
            need = measure.width(t, TICK_SIZE) + pad + 6.0
            xmax = max(xmax, v * axes_w / max(axes_w - need, 1.0))
        if xmax <= 0:
            xmax = 1.0
        ax.set_xlim(0, xmax)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))
        ax.xaxis.set_major_formatter(FuncFormatter(_tick_label))
        ax.set_xlim(0, xmax)
        ax.set_xlabel(f"金额（{unit_label}）", fontsize=TICK_SIZE, labelpad=4)
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
                fontsize=TICK_SIZE,
                color=TEXT_COLOUR,
            )

        fig.text(left / width, 1 - 14.0 / height, title, ha="left", va="top", fontsize=TITLE_SIZE)
        return _save(fig, fmt)


# --------------------------------------------------------------------------
# flow (alluvial) chart


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
) -> bytes:
    """Alluvial diagram: fund sources (left) → aid categories → destinations.

    Node heights are proportional to money; nodes keep the given order and
    nodes with no money are left out.  A category's height is the larger of
    its inflow and outflow (they are equal when the data balance).  Bands are
    coloured by their left node.  Repeated pairs are summed; names not in the
    given lists are appended after them rather than dropped.
    """
    return _flow_chart(
        source_category,
        category_destination,
        sources=sources,
        categories=categories,
        destinations=destinations,
        title=title,
        fmt="svg",
    )


def _flow_chart(source_category, category_destination, *, sources, categories, destinations, title, fmt="svg") -> bytes:
    sc: dict[tuple[str, str], int] = {}
    for s, c, fen in source_category:
        key = (str(s), str(c))
        sc[key] = sc.get(key, 0) + _check_fen(fen, f"{s} → {c}")
    cd: dict[tuple[str, str], int] = {}
    for c, d, fen in category_destination:
        key = (str(c), str(d))
        cd[key] = cd.get(key, 0) + _check_fen(fen, f"{c} → {d}")
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

    family = register_cjk_font()
    with matplotlib.rc_context(_style(family)):
        if not any(columns):
            width, height = FLOW_FIG_WIDTH, 2.0 * 72
            fig = _new_figure(width, height)
            _empty_message(fig, title, width, height)
            return _save(fig, fmt)

        measure = _Measure(family)
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

        fig = _new_figure(width, height)
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
        return _save(fig, fmt)


# --------------------------------------------------------------------------
# cache


class ChartCache:
    """Rendered SVGs on disk, keyed by a hash of what they were drawn from.

    ``ChartCache(None)`` caches nothing (always renders, never writes).
    """

    def __init__(self, folder: Path | None) -> None:
        self.folder = Path(folder) if folder is not None else None

    @staticmethod
    def key(kind: str, payload: dict | list) -> str:
        try:
            font = cjk_font_path().name
        except FontNotFound:  # the render will raise the clear error
            font = ""
        blob = json.dumps(
            [STYLE_VERSION, kind, payload, matplotlib.__version__, font],
            ensure_ascii=False,
            sort_keys=True,
            separators=(",", ":"),
        )
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def lookup(self, kind: str, payload: dict | list) -> bytes | None:
        """The cached SVG, or None (no cache, not drawn yet, or a damaged file)."""
        if self.folder is None:
            return None
        try:
            data = (self.folder / f"{self.key(kind, payload)}.svg").read_bytes()
        except FileNotFoundError:
            return None
        return data if data.startswith(b"<?xml") else None

    def get_or_render(self, kind: str, payload: dict | list, render: Callable[[], bytes]) -> bytes:
        if self.folder is None:
            return render()
        data = self.lookup(kind, payload)
        if data is not None:
            return data
        path = self.folder / f"{self.key(kind, payload)}.svg"
        data = render()
        if not isinstance(data, bytes):
            raise TypeError(f"render() must return bytes, got {type(data).__name__}")
        atomic_write(path, data)
        return data


def render(kind: str, payload: dict) -> bytes:
    """Draw one chart described by a JSON-able payload (see pages.Chart)."""
    if kind == "bar":
        return bar_chart([tuple(r) for r in payload["rows"]], title=payload["title"])
    if kind == "flow":
        return flow_chart(
            [tuple(r) for r in payload["source_category"]],
            [tuple(r) for r in payload["category_destination"]],
            sources=payload["sources"],
            categories=payload["categories"],
            destinations=payload["destinations"],
            title=payload["title"],
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
