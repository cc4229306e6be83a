"""Where everything of the flow chart goes: a pure function, no matplotlib.

:func:`flow_layout` turns the money flows into a :class:`FlowLayout` — node
boxes, band spans, label positions and the figure size, all in points with
y upwards (the axes of the drawing fill the figure, 1 unit = 1 pt) — and
``flow_draw`` only draws it.  The one thing it needs from outside is the width
of a line of text, passed in as ``measure(text, size)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from warmth.core.money import wan
from warmth.site.charts.style import (
    DESTINATION_COLOUR,
    EMPTY_FIG_HEIGHT,
    FLOW_FIG_WIDTH,
    LABEL_SIZE,
    MUTED_COLOUR,
    PALETTE,
    TEXT_COLOUR,
    TICK_SIZE,
    TITLE_SIZE,
    check_fen,
)

__all__ = ["Band", "Caption", "FlowLayout", "Label", "Node", "flow_layout"]

#: Width of a line of text in points: ``measure("市中区", 11.0)``.
Measure = Callable[[str, float], float]

HEADERS = ("资金来源", "救助类别", "去向")
HEADERS_EN = ("Fund sources", "Aid categories", "Destinations")

# Geometry in points.
MARGIN = 8.0
NODE_WIDTH = 12.0
LABEL_PAD = 5.0  # node edge to label
NODE_GAP = 6.0  # between nodes of a column
TOP = 50.0  # title and column headers
BOTTOM = 10.0
MIN_PLOT_HEIGHT = 360.0
LINE_HEIGHT = LABEL_SIZE * 1.25
LABEL_HEIGHT = 2 * LINE_HEIGHT + 2.0  # two lines: name, amount
MIDDLE_ROOM = 12.0  # at least this much band between a middle label's end and the destinations' nodes
LEADER_AFTER = 3.0  # a label moved further than this from its node gets a leader line


@dataclass(frozen=True)
class Node:
    """One node.  ``top``..``bottom`` is its money (``fen × scale`` tall);
    ``box`` (x, y, width, height) is the rectangle drawn, at least 1 pt tall."""

    name: str
    column: int  # 0 sources, 1 categories, 2 destinations
    fen: int
    top: float
    bottom: float
    box: tuple[float, float, float, float]
    colour: str


@dataclass(frozen=True)
class Band:
    """Money from node ``source`` (column ``stage``) to node ``target`` (the next
    column): from ``x0`` over ``left`` (top, bottom) to ``x1`` over ``right``."""

    source: str
    target: str
    stage: int  # 0 sources → categories, 1 categories → destinations
    fen: int
    x0: float
    left: tuple[float, float]
    x1: float
    right: tuple[float, float]
    colour: str  # of the source node


@dataclass(frozen=True)
class Label:
    """A node's name and amount (``money.wan``), two lines centred on ``y``
    (size LABEL_SIZE): ``"市中区\n1,234.57万元"``.

    ``leader`` (x0, y0, x1, y1) joins the node to a label that had to move away
    from it; ``boxed`` labels get a white backing (they sit over bands)."""

    text: str
    x: float
    y: float
    align: str  # "left" or "right" of x
    boxed: bool
    leader: tuple[float, float, float, float] | None


@dataclass(frozen=True)
class Caption:
    """A one-line text: the title or a column header."""

    text: str
    x: float
    y: float
    size: float
    align: str  # horizontal: "left" or "center"
    valign: str  # "top" or "baseline"
    colour: str


@dataclass(frozen=True)
class FlowLayout:
    """Everything the drawing needs; no nodes means there is nothing to show."""

    width: float
    height: float
    title: str
    scale: float  # points per fen, the same for every column
    nodes: tuple[Node, ...] = ()
    bands: tuple[Band, ...] = ()
    labels: tuple[Label, ...] = ()
    captions: tuple[Caption, ...] = ()


def flow_layout(
    source_category: Iterable[tuple[str, str, int]],
    category_destination: Iterable[tuple[str, str, int]],
    *,
    sources: Sequence[str],
    categories: Sequence[str],
    destinations: Sequence[str],
    title: str,
    measure: Measure,
    lang: str = "zh",
) -> FlowLayout:
    """Lay out the flow chart (see ``flow_draw.flow_chart`` for the rules)."""
    sc = _sum_flows(source_category)
    cd = _sum_flows(category_destination)
    orders = [
        _index_nodes(sources, [s for s, _ in sc]),
        _index_nodes(categories, [c for _, c in sc] + [c for c, _ in cd]),
        _index_nodes(destinations, [d for _, d in cd]),
    ]
    got, gave = _totals(sc, 1), _totals(cd, 0)
    money = [
        _totals(sc, 0),  # a source: what it gave
        {c: max(got.get(c, 0), gave.get(c, 0)) for c in orders[1]},  # a category: the larger of in and out
        _totals(cd, 1),  # a destination: what it got
    ]
    columns = [[(name, money[i][name]) for name in orders[i] if money[i].get(name, 0) > 0] for i in range(3)]
    if not any(columns):
        return FlowLayout(FLOW_FIG_WIDTH, EMPTY_FIG_HEIGHT, title, 0.0)

    colours = [
        {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(orders[0])},
        {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(orders[1])},
        {},
    ]
    texts = [[f"{name}\n{wan(fen, lang)}" for name, fen in col] for col in columns]
    label_w = [max((measure(line, LABEL_SIZE) for text in col for line in text.split("\n")), default=0.0) for col in texts]

    # wide enough that the middle column's labels end before the destinations' nodes (English names are long)
    middle = 2 * (NODE_WIDTH + LABEL_PAD + label_w[1] + MIDDLE_ROOM)
    width = max(FLOW_FIG_WIDTH, 2 * MARGIN + label_w[0] + label_w[2] + 2 * LABEL_PAD + NODE_WIDTH + middle)
    plot_h = max(MIN_PLOT_HEIGHT, max(len(col) for col in columns) * LABEL_HEIGHT * 1.12)
    height = TOP + plot_h + BOTTOM
    plot_top = height - TOP
    x_src = MARGIN + label_w[0] + LABEL_PAD
    x_dst = width - MARGIN - label_w[2] - LABEL_PAD - NODE_WIDTH
    xs = (x_src, (x_src + x_dst) / 2, x_dst)
    # One scale for all columns so bands keep their width end to end.
    scale = min((plot_h - (len(col) - 1) * NODE_GAP) / sum(fen for _, fen in col) for col in columns if col)

    nodes: list[Node] = []
    spans: list[dict[str, tuple[float, float]]] = []  # per column: name -> (top, bottom)
    for i, col in enumerate(columns):
        col_h = sum(fen for _, fen in col) * scale + (len(col) - 1) * NODE_GAP
        y = plot_top - (plot_h - col_h) / 2  # centred vertically
        spans.append({})
        for name, fen in col:
            h = fen * scale
            top, bottom = y, y - h
            spans[i][name] = (top, bottom)
            drawn, mid = max(top - bottom, 1.0), (top + bottom) / 2
            box = (xs[i], mid - drawn / 2, NODE_WIDTH, drawn)
            nodes.append(Node(name, i, fen, top, bottom, box, colours[i].get(name, DESTINATION_COLOUR)))
            y -= h + NODE_GAP

    bands = _bands(sc, 0, xs, spans, orders, colours[0], scale) + _bands(cd, 1, xs, spans, orders, colours[1], scale)

    labels: list[Label] = []
    for i, col in enumerate(columns):
        if not col:
            continue
        wants = [sum(spans[i][name]) / 2 for name, _ in col]
        ys = _spread(wants, LABEL_HEIGHT, BOTTOM + LABEL_HEIGHT / 2, plot_top - LABEL_HEIGHT / 2)
        if i == 0:  # left of the sources
            x, align, edge, towards = xs[0] - LABEL_PAD, "right", xs[0], 2.0
        else:  # right of the categories and destinations
            x, align, edge, towards = xs[i] + NODE_WIDTH + LABEL_PAD, "left", xs[i] + NODE_WIDTH, -2.0
        for text, want, y in zip(texts[i], wants, ys, strict=True):
            leader = (edge, want, x + towards, y) if abs(y - want) > LEADER_AFTER else None
            labels.append(Label(text, x, y, align, i == 1, leader))

    captions = [
        Caption(head, xs[i] + NODE_WIDTH / 2, plot_top + 6.0, TICK_SIZE, "center", "baseline", MUTED_COLOUR)
        for i, head in enumerate(HEADERS_EN if lang == "en" else HEADERS)
        if columns[i]
    ]
    captions.append(Caption(title, MARGIN, height - 12.0, TITLE_SIZE, "left", "top", TEXT_COLOUR))
    return FlowLayout(width, height, title, scale, tuple(nodes), tuple(bands), tuple(labels), tuple(captions))


def _sum_flows(flows: Iterable[tuple[str, str, int]]) -> dict[tuple[str, str], int]:
    """Money per (from, to) pair, repeated pairs summed, pairs with none left out."""
    summed: dict[tuple[str, str], int] = {}
    for a, b, fen in flows:
        key = (str(a), str(b))
        summed[key] = summed.get(key, 0) + check_fen(fen, f"{a} → {b}")
    return {key: fen for key, fen in summed.items() if fen > 0}


def _totals(flows: dict[tuple[str, str], int], end: int) -> dict[str, int]:
    """Money per node at one end (0 from, 1 to) of the flows."""
    totals: dict[str, int] = {}
    for pair, fen in flows.items():
        totals[pair[end]] = totals.get(pair[end], 0) + fen
    return totals


def _index_nodes(given: Sequence[str], seen: Sequence[str]) -> list[str]:
    """Nodes in the given order, then any name only found in the data."""
    order = [str(s) for s in given]
    known = set(order)
    for name in seen:
        if name not in known:
            order.append(name)
            known.add(name)
    return order


def _bands(flows, stage, xs, spans, orders, colours, scale) -> list[Band]:
    """The bands between column ``stage`` and the next, in drawing order.

    Within each node, bands stack in the order of the nodes at their other
    end, which keeps crossings down.
    """
    out_y = {name: top for name, (top, _) in spans[stage].items()}
    in_y = {name: top for name, (top, _) in spans[stage + 1].items()}
    lpos = {name: i for i, name in enumerate(orders[stage])}
    rpos = {name: i for i, name in enumerate(orders[stage + 1])}
    by_left = sorted(flows.items(), key=lambda kv: (lpos[kv[0][0]], rpos[kv[0][1]]))
    left: dict[tuple[str, str], tuple[float, float]] = {}
    for (a, b), fen in by_left:
        h = fen * scale
        left[(a, b)] = (out_y[a], out_y[a] - h)
        out_y[a] -= h
    right: dict[tuple[str, str], tuple[float, float]] = {}
    for (a, b), fen in sorted(flows.items(), key=lambda kv: (rpos[kv[0][1]], lpos[kv[0][0]])):
        h = fen * scale
        right[(a, b)] = (in_y[b], in_y[b] - h)
        in_y[b] -= h
    x0, x1 = xs[stage] + NODE_WIDTH, xs[stage + 1]
    return [Band(a, b, stage, fen, x0, left[(a, b)], x1, right[(a, b)], colours[a]) for (a, b), fen in by_left]


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
