"""The flow chart's layout, a pure function: checked against hand-computed geometry.

The example: two sources, two categories, two destinations, 6 万元 in every
column.  With no label width (measure → 0) and the figure 547.2 pt wide:

* the plot is 360 pt tall (at least), the figure 50 + 360 + 10 = 420 pt, the
  plot's top at 370;
* one scale for all columns: (360 − 6 gap) / 6,000,000 fen = 5.9e-5 pt/fen;
* x: sources at 8 + 0 + 5 = 13, destinations at 547.2 − 8 − 0 − 5 − 12 = 522.2,
  categories half-way at 267.6.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from pathlib import Path

import pytest

from warmth.site.charts.flow_layout import LABEL_HEIGHT, _spread, flow_layout
from warmth.site.charts.style import DESTINATION_COLOUR, FLOW_FIG_WIDTH, PALETTE

ROOT = Path(__file__).resolve().parents[1]
WAN = 1_000_000  # fen

SC = [("甲", "生活", 3 * WAN), ("乙", "生活", 1 * WAN), ("乙", "医疗", 2 * WAN)]
CD = [("生活", "A区", 4 * WAN), ("医疗", "B区", 2 * WAN)]
SCALE = 354 / (6 * WAN)


def near(value):
    """Floats rounded to 1e-6 pt, inside any tuples, lists and dicts: compare layouts exactly."""
    if isinstance(value, float):
        return round(value, 6) + 0.0
    if isinstance(value, (tuple, list)):
        return type(value)(near(v) for v in value)
    if isinstance(value, dict):
        return {k: near(v) for k, v in value.items()}
    return value


def no_width(text: str, size: float) -> float:
    return 0.0


def layout(sc=SC, cd=CD, *, sources=("甲", "乙"), categories=("生活", "医疗"), destinations=("A区", "B区"), measure=no_width):
    return flow_layout(sc, cd, sources=sources, categories=categories, destinations=destinations, title="资金流向", measure=measure)


def nodes_of(lay, column):
    return {n.name: n for n in lay.nodes if n.column == column}


def test_figure_size_and_scale():
    lay = layout()
    assert (lay.width, lay.height) == pytest.approx((FLOW_FIG_WIDTH, 420.0))
    assert lay.scale == pytest.approx(SCALE)


def test_node_boxes_by_hand():
    lay = layout()
    spans = {(n.column, n.name): (n.top, n.bottom) for n in lay.nodes}
    assert near(spans) == near(
        {
            (0, "甲"): (370.0, 193.0),  # 3 万元 → 177 pt
            (0, "乙"): (187.0, 10.0),  # 6 pt gap
            (1, "生活"): (370.0, 134.0),  # 4 万元 → 236 pt
            (1, "医疗"): (128.0, 10.0),
            (2, "A区"): (370.0, 134.0),
            (2, "B区"): (128.0, 10.0),
        }
    )
    xs = {n.column: n.box[0] for n in lay.nodes}
    assert xs == pytest.approx({0: 13.0, 1: 267.6, 2: 522.2})
    first = nodes_of(lay, 0)["甲"]
    assert first.box == pytest.approx((13.0, 193.0, 12.0, 177.0))
    assert first.fen == 3 * WAN


def test_node_heights_proportional_to_money():
    lay = layout()
    for node in lay.nodes:
        assert node.top - node.bottom == pytest.approx(node.fen * lay.scale)
    assert [n.fen for n in lay.nodes] == [3 * WAN, 3 * WAN, 4 * WAN, 2 * WAN, 4 * WAN, 2 * WAN]


def test_columns_keep_the_given_order_top_to_bottom():
    lay = layout(sources=("乙", "甲"), categories=("医疗", "生活"), destinations=("B区", "A区"))
    for column, names in enumerate([["乙", "甲"], ["医疗", "生活"], ["B区", "A区"]]):
        nodes = [n for n in lay.nodes if n.column == column]
        assert [n.name for n in nodes] == names
        assert nodes[0].top > nodes[1].top


def test_names_only_in_the_data_come_after_the_given_ones():
    lay = layout(sc=[*SC, ("新来源", "生活", 1)], cd=[*CD, ("生活", "A区", 1)])
    assert [n.name for n in lay.nodes if n.column == 0] == ["甲", "乙", "新来源"]


def test_zero_nodes_are_absent_but_keep_colours_stable():
    sc = [("丙", "助学", 0), *SC, ("乙", "生活", 0)]
    lay = layout(sc=sc, sources=("丙", "甲", "乙"), categories=("助学", "生活", "医疗"))
    assert [(n.column, n.name) for n in lay.nodes] == [(0, "甲"), (0, "乙"), (1, "生活"), (1, "医疗"), (2, "A区"), (2, "B区")]
    assert "丙" not in {b.source for b in lay.bands} and "助学" not in {b.target for b in lay.bands}
    assert not any(label.text.startswith(("丙\n", "助学\n")) for label in lay.labels)
    # colours follow the position in the given list, so a source keeps its colour
    colours = {n.name: n.colour for n in lay.nodes}
    assert colours == {"甲": PALETTE[1], "乙": PALETTE[2], "生活": PALETTE[1], "医疗": PALETTE[2], "A区": DESTINATION_COLOUR, "B区": DESTINATION_COLOUR}
    # and the same geometry as without the zero rows
    assert [(n.top, n.bottom) for n in lay.nodes] == [(n.top, n.bottom) for n in layout().nodes]


def test_bands_by_hand():
    lay = layout()
    bands = [(b.stage, b.source, b.target, b.left, b.right) for b in lay.bands]
    assert near(bands) == near(
        [
            # sources → categories; a category stacks its bands in source order
            (0, "甲", "生活", (370.0, 193.0), (370.0, 193.0)),
            (0, "乙", "生活", (187.0, 128.0), (193.0, 134.0)),
            (0, "乙", "医疗", (128.0, 10.0), (128.0, 10.0)),
            # categories → destinations
            (1, "生活", "A区", (370.0, 134.0), (370.0, 134.0)),
            (1, "医疗", "B区", (128.0, 10.0), (128.0, 10.0)),
        ]
    )
    assert near(sorted({(b.stage, b.x0, b.x1) for b in lay.bands})) == [(0, 25.0, 267.6), (1, 279.6, 522.2)]
    assert [b.colour for b in lay.bands] == [PALETTE[0], PALETTE[1], PALETTE[1], PALETTE[0], PALETTE[1]]


def test_bands_conserve_the_totals():
    """Every node is exactly covered by its bands, on each side that has them."""
    lay = layout()
    for node in lay.nodes:
        out = [b.left for b in lay.bands if b.stage == node.column and b.source == node.name]
        into = [b.right for b in lay.bands if b.stage == node.column - 1 and b.target == node.name]
        for spans in (out, into):
            if spans:
                assert sum(top - bottom for top, bottom in spans) == pytest.approx(node.top - node.bottom)
                assert spans[0][0] == pytest.approx(node.top) and spans[-1][1] == pytest.approx(node.bottom)
                assert all(a[1] == pytest.approx(b[0]) for a, b in itertools.pairwise(spans))  # no gaps
    for band in lay.bands:
        assert band.left[0] - band.left[1] == pytest.approx(band.fen * lay.scale)
        assert band.right[0] - band.right[1] == pytest.approx(band.fen * lay.scale)
    assert sum(b.fen for b in lay.bands if b.stage == 0) == sum(b.fen for b in lay.bands if b.stage == 1) == 6 * WAN


def test_repeated_pairs_are_summed():
    lay = layout(sc=[("甲", "生活", 2 * WAN), ("甲", "生活", WAN), *SC[1:]])
    assert [(b.source, b.target, b.fen) for b in lay.bands if b.stage == 0] == [(s, c, fen) for s, c, fen in SC]


def test_category_is_as_tall_as_the_larger_of_in_and_out():
    lay = layout(cd=[("生活", "A区", 3 * WAN), ("医疗", "B区", 2 * WAN)])  # 生活: 4 in, 3 out
    living = nodes_of(lay, 1)["生活"]
    assert living.fen == 4 * WAN
    out = [b for b in lay.bands if b.stage == 1 and b.source == "生活"]
    assert out[0].left == pytest.approx((living.top, living.top - 3 * WAN * lay.scale))


def test_labels_by_hand():
    lay = layout()
    labels = [(label.text, label.x, label.y, label.align, label.boxed, label.leader) for label in lay.labels]
    mid = {"甲": 281.5, "乙": 98.5, "生活": 252.0, "医疗": 69.0}
    assert near(labels) == near(
        [
            ("甲\n3.00万元", 8.0, mid["甲"], "right", False, None),
            ("乙\n3.00万元", 8.0, mid["乙"], "right", False, None),
            ("生活\n4.00万元", 284.6, mid["生活"], "left", True, None),  # over the bands
            ("医疗\n2.00万元", 284.6, mid["医疗"], "left", True, None),
            ("A区\n4.00万元", 539.2, mid["生活"], "left", False, None),
            ("B区\n2.00万元", 539.2, mid["医疗"], "left", False, None),
        ]
    )


def test_captions_by_hand():
    lay = layout()
    assert near([(c.text, c.x, c.y) for c in lay.captions]) == near(
        [("资金来源", 19.0, 376.0), ("救助类别", 273.6, 376.0), ("去向", 528.2, 376.0), ("资金流向", 8.0, 408.0)]
    )


def test_label_widths_push_the_outer_columns_inwards():
    widths = {"甲": 100.0, "B区": 40.0}
    lay = layout(measure=lambda text, size: widths.get(text, 1.0))
    xs = {n.column: n.box[0] for n in lay.nodes}
    assert xs == pytest.approx({0: 8 + 100 + 5, 2: FLOW_FIG_WIDTH - 8 - 40 - 5 - 12, 1: (113 + FLOW_FIG_WIDTH - 65) / 2})


def test_crowded_labels_move_apart_with_leader_lines():
    sources = [f"来源{i}" for i in range(4)]
    sc = [(sources[0], "生活", 1000 * WAN)] + [(s, "生活", 1) for s in sources[1:]]
    lay = layout(sc=sc, cd=[("生活", "A区", 1000 * WAN + 3)], sources=sources)
    left = [label for label in lay.labels if label.align == "right"]
    assert all(a.y - b.y >= LABEL_HEIGHT - 1e-9 for a, b in itertools.pairwise(left))
    moved = [label for label in left if label.leader is not None]
    assert moved
    for label in moved:
        x0, y0, x1, y1 = label.leader
        node = nodes_of(lay, 0)[label.text.split("\n")[0]]
        assert (x0, y0) == pytest.approx((node.box[0], (node.top + node.bottom) / 2))  # from the node's edge
        assert (x1, y1) == pytest.approx((label.x + 2.0, label.y))  # to the label


def test_thin_nodes_are_drawn_at_least_one_point_tall():
    lay = layout(sc=[*SC, ("丙", "医疗", 1)], cd=[*CD, ("医疗", "B区", 1)], sources=("甲", "乙", "丙"))
    thin = nodes_of(lay, 0)["丙"]
    assert thin.top - thin.bottom == pytest.approx(lay.scale)  # its money
    assert thin.box[3] == 1.0  # what is drawn
    assert thin.box[1] + 0.5 == pytest.approx((thin.top + thin.bottom) / 2)


def test_many_nodes_make_the_figure_taller():
    names = [f"区{i}" for i in range(20)]
    lay = layout(cd=[("生活", name, 1) for name in names], destinations=names, sc=[("甲", "生活", 20)])
    assert lay.height == pytest.approx(50 + 20 * LABEL_HEIGHT * 1.12 + 10)


def test_empty_layout():
    lay = layout(sc=[("甲", "生活", 0)], cd=[])
    assert lay.nodes == lay.bands == lay.labels == lay.captions == ()
    assert lay.title == "资金流向"


@pytest.mark.parametrize("bad, exc", [(-1, ValueError), (1.5, TypeError), (True, TypeError)])
def test_rejects_bad_amounts(bad, exc):
    with pytest.raises(exc):
        layout(sc=[("甲", "生活", bad)])


def test_spread_keeps_labels_apart_and_in_bounds():
    ys = _spread([100.0, 99.0, 98.0, 10.0], 20.0, 0.0, 200.0)
    assert all(a - b >= 20.0 - 1e-9 for a, b in itertools.pairwise(ys))
    assert ys[1] == pytest.approx(99.0)  # the crowd is centred on its wishes
    assert ys[-1] >= 0.0 and ys[0] <= 200.0


def test_layout_and_cache_do_not_load_matplotlib():
    """The layout is pure; a rebuild whose charts are all cached never imports matplotlib."""
    code = (
        "import sys\n"
        "from warmth.site.charts import cached\n"
        "from warmth.site.charts.flow_layout import flow_layout\n"
        f"flow_layout({SC!r}, {CD!r}, sources=[], categories=[], destinations=[], title='t', measure=lambda t, s: 0.0)\n"
        "cached([('bar', {'rows': [], 'title': 't'})], None)\n"
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported'\n"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT / "plugins"))
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=120)


def test_long_middle_labels_widen_the_figure_so_they_end_before_the_destinations():
    """English category names are long: the figure grows until each middle label (node + 5 pt + its text) ends
    12 pt or more before the destinations' nodes. Measured here as 100 pt a line, by hand:
    width = 2·8 + 100 + 100 + 2·5 + 12 + 2·(12 + 5 + 100 + 12) = 496 < 547.2 → stays 547.2; at 200 pt a line
    2·8 + 200 + 200 + 10 + 12 + 2·(12 + 5 + 200 + 12) = 896."""
    for per_line, width in ((100.0, FLOW_FIG_WIDTH), (200.0, 896.0)):
        lay = layout(measure=lambda text, size, w=per_line: w)
        assert lay.width == pytest.approx(width)
        middle, right = nodes_of(lay, 1), nodes_of(lay, 2)
        x_mid = next(iter(middle.values())).box[0]
        x_dst = next(iter(right.values())).box[0]
        assert x_mid + 12 + 5 + per_line + 12 <= x_dst + 1e-6


def test_english_amounts_and_headings():
    lay = flow_layout(SC, CD, sources=("甲", "乙"), categories=("生活", "医疗"), destinations=("A区", "B区"), title="Flow",
                      measure=no_width, lang="en")
    texts = [label.text for label in lay.labels] + [c.text for c in lay.captions]
    assert "甲\n¥30.0k" in texts and "A区\n¥40.0k" in texts  # 3 万元 = ¥30.0 thousand
    assert {"Fund sources", "Aid categories", "Destinations"} <= set(texts)
