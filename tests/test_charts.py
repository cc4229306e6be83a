"""Tests for warmth.site.charts (deterministic SVG charts) and its font."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import matplotlib
import pytest
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font

from warmth.core import money
from warmth.site import charts
from warmth.site.charts import fonts, style
from warmth.site.charts.bar import bar_figure
from warmth.site.charts.flow_draw import flow_figure

ROOT = Path(__file__).resolve().parents[1]

SOURCES = ["中央财政追加资金", "省总工会慰问资金", "市财政安排资金", "市总工会配套资金", "单位筹集资金", "社会捐赠"]
CATEGORIES = [
    "生活救助",
    "医疗救助",
    "助学救助",
    "就业援助",
    "心理疏导",
    "农民工帮扶",
    "一线职工慰问",
    "劳模慰问",
    "困难企业慰问",
]
DESTINATIONS = [
    "市中区",
    "沙湾区",
    "五通桥区",
    "金口河区",
    "犍为县",
    "井研县",
    "夹江县",
    "沐川县",
    "峨边彝族自治县",
    "马边彝族自治县",
    "峨眉山市",
    "市直",
]

BAR_ROWS = [("市中区", 123_450_000), ("沙湾区", 6_000_000), ("峨边彝族自治县", 98_765_432)]


def full_flows():
    """6 sources × 9 categories × 12 destinations, balanced per category."""
    sc, per_cat = [], {c: 0 for c in CATEGORIES}
    for i, s in enumerate(SOURCES):
        for j, c in enumerate(CATEGORIES):
            if (i + j) % 3 != 1:
                fen = (i + 1) * (j + 2) * 1_370_000
                sc.append((s, c, fen))
                per_cat[c] += fen
    cd = []
    for c, total in per_cat.items():
        share = total // len(DESTINATIONS)
        for k, d in enumerate(DESTINATIONS):
            cd.append((c, d, share if k else total - share * (len(DESTINATIONS) - 1)))
    return sc, cd


def glyph_id(ch: str) -> str:
    """The id matplotlib gives the path of *ch* drawn with the packaged font file.

    Debian's Noto Sans CJK (a .ttc) has the same PostScript name but numbers
    its glyphs differently, so these ids tell the two files apart.
    """
    font = FT2Font(str(fonts.chart_font().path))
    index = font.get_char_index(ord(ch))
    assert index, f"{ch} not in the CJK font"
    return f'id="{font.postscript_name}-{index:x}"'


def glyph_fonts(svg: str) -> set[str]:
    """The fonts whose glyphs an SVG defines (glyph ids are <font>-<glyph index>)."""
    return set(re.findall(r'<path id="([^"]+)-[0-9a-f]+" d=', svg))


def render_flow(draw=charts.flow_chart, **overrides):
    sc, cd = full_flows()
    kwargs = {"sources": SOURCES, "categories": CATEGORIES, "destinations": DESTINATIONS, "title": "资金流向"}
    kwargs.update(overrides)
    return draw(sc, cd, **kwargs)


def figure_texts(fig: Figure) -> list[str]:
    out = [t.get_text() for t in fig.texts]
    for ax in fig.axes:
        out += [t.get_text() for t in ax.texts]
    return out


# ---------------------------------------------------------------- SVG output


@pytest.mark.parametrize(
    "render",
    [
        lambda: charts.bar_chart(BAR_ROWS, title="各地区救助金额"),
        lambda: charts.bar_chart([], title="各地区救助金额"),
        render_flow,
    ],
    ids=["bar", "bar-empty", "flow"],
)
def test_svg_is_deterministic_without_date_and_text_is_paths(render):
    first, second = render(), render()
    assert first == second
    svg = first.decode("utf-8")
    assert svg.startswith("<?xml")
    assert "<dc:date>" not in svg
    assert not re.search(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", svg)  # no timestamp
    assert "<text" not in svg
    assert re.search(r'<svg [^>]*viewBox="0 0 [\d.]+ [\d.]+"', svg)


def test_same_bytes_in_a_fresh_process_and_no_pyplot(tmp_path):
    """Hash salt and font file are fixed: another process gives the same bytes,
    even with matplotlib's font list scanned afresh from this machine's fonts
    (a stale font cache once hid a system Noto Sans CJK taking over)."""
    code = (
        "import sys\n"
        "from warmth.site import charts\n"
        f"sys.stdout.buffer.write(charts.bar_chart({BAR_ROWS!r}, title='各地区救助金额'))\n"
        "assert 'matplotlib.pyplot' not in sys.modules\n"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT / "plugins"), MPLCONFIGDIR=str(tmp_path))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, env=env, check=True, timeout=120)
    assert result.stdout == charts.bar_chart(BAR_ROWS, title="各地区救助金额")


def test_chinese_glyphs_come_from_the_packaged_font_file():
    svg = charts.bar_chart(BAR_ROWS, title="各地区救助金额").decode()
    for ch in "市中区沙湾峨边彝族自治县各地救助金额万元":
        assert glyph_id(ch) in svg, ch
    assert glyph_fonts(svg) == {FT2Font(str(fonts.chart_font().path)).postscript_name}  # one font, digits too


def test_no_missing_glyph_or_font_fallback(caplog):
    with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.WARNING, logger="matplotlib"):
        warnings.simplefilter("always")
        charts.bar_chart(BAR_ROWS, title="各地区救助金额")
        charts.bar_chart([], title="各地区救助金额")
        render_flow()
    assert not [w for w in caught if "missing from font" in str(w.message)]
    assert not [r for r in caplog.records if "findfont" in r.getMessage()]


def test_missing_glyph_warning_is_detectable():
    """Control for the test above: without the CJK font the warning appears."""
    with matplotlib.rc_context({"font.family": ["DejaVu Sans"], "svg.fonttype": "path"}):
        fig = Figure()
        fig.text(0.5, 0.5, "暂无数据")
        import io

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fig.savefig(io.BytesIO(), format="svg")
    assert [w for w in caught if "missing from font" in str(w.message)]


# ---------------------------------------------------------------- bar chart


def test_bar_chart_rows_in_order_with_value_labels():
    fig = bar_figure(BAR_ROWS, title="各地区救助金额")
    ax = fig.axes[0]
    labels = {t.get_text(): y for t, y in zip(ax.get_yticklabels(), ax.get_yticks(), strict=True)}
    # Given order runs top to bottom (y axis inverted: larger y is lower).
    assert list(labels) == [label for label, _ in BAR_ROWS]
    assert ax.get_ylim()[0] > ax.get_ylim()[1]
    widths = [p.get_width() for p in ax.patches]
    assert widths == pytest.approx([123.45, 6.0, 98.765432])
    assert [t.get_text() for t in ax.texts] == ["123.45万元", "6.00万元", "98.77万元"]  # as money.wan, like the pages
    assert ax.get_xlim()[1] > 123.45  # room for the label after the longest bar
    assert "金额（万元）" == ax.get_xlabel()
    assert "各地区救助金额" in figure_texts(fig)


def test_bar_chart_empty_says_no_data():
    fig = bar_figure([], title="各地区救助金额")
    assert "暂无数据" in figure_texts(fig)


def test_bar_chart_empty_svg_has_no_data_glyphs():
    svg = charts.bar_chart([], title="标题").decode()
    for ch in "暂无数据":
        assert glyph_id(ch) in svg


def test_bar_chart_all_zero():
    fig = bar_figure([("甲", 0), ("乙", 0)], title="全零")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.texts] == ["0.00万元", "0.00万元"]
    assert ax.get_xlim() == (0.0, 1.0)


def test_charts_write_amounts_like_the_pages():
    """One formatter: the figure a page shows beside ¥… (money.wan) is the one in its chart."""
    fen = 12_345_678_901
    assert money.wan(fen) == "12,345.68万元"
    bar = bar_figure([("市中区", fen)], title="t")
    assert [t.get_text() for t in bar.axes[0].texts] == [money.wan(fen)]
    flow = flow_figure([("社会捐赠", "生活救助", fen)], [], sources=[], categories=[], destinations=[], title="t")
    assert {f"社会捐赠\n{money.wan(fen)}", f"生活救助\n{money.wan(fen)}"} <= set(figure_texts(flow))


def test_bar_chart_all_zero_renders():
    assert b"<svg" in charts.bar_chart([("甲", 0), ("乙", 0)], title="全零")


@pytest.mark.parametrize("bad, exc", [(-1, ValueError), (1.5, TypeError), (True, TypeError)])
def test_bar_chart_rejects_bad_amounts(bad, exc):
    with pytest.raises(exc):
        charts.bar_chart([("甲", bad)], title="x")


# ---------------------------------------------------------------- flow chart


def test_flow_chart_labels_every_node_with_money():
    fig = render_flow(flow_figure)
    texts = figure_texts(fig)
    for name in SOURCES + CATEGORIES + DESTINATIONS:
        assert any(t.startswith(name + "\n") and t.endswith("万元") for t in texts), name


def test_flow_chart_omits_zero_nodes():
    sc = [
        ("市总工会配套资金", "生活救助", 5_000_000),
        ("社会捐赠", "医疗救助", 0),  # zero flow: no 社会捐赠, no 医疗救助
        ("单位筹集资金", "生活救助", 1_000_000),
    ]
    cd = [("生活救助", "市中区", 6_000_000), ("医疗救助", "沙湾区", 0)]
    fig = flow_figure(sc, cd, sources=SOURCES, categories=CATEGORIES, destinations=DESTINATIONS, title="测试")
    names = {t.split("\n")[0] for t in figure_texts(fig) if "\n" in t}
    assert names == {"市总工会配套资金", "单位筹集资金", "生活救助", "市中区"}
    assert "生活救助\n6.00万元" in figure_texts(fig)
    assert "市总工会配套资金\n5.00万元" in figure_texts(fig)


def test_flow_chart_zero_nodes_absent_from_svg():
    sc = [("市总工会配套资金", "生活救助", 5_000_000), ("社会捐赠", "医疗救助", 0)]
    cd = [("生活救助", "市中区", 5_000_000)]
    svg = charts.flow_chart(sc, cd, sources=SOURCES, categories=CATEGORIES, destinations=DESTINATIONS, title="测试").decode()
    assert glyph_id("配") in svg
    for ch in "捐赠疗":  # only in the omitted 社会捐赠 / 医疗救助
        assert glyph_id(ch) not in svg


def test_flow_chart_band_per_flow():
    from matplotlib.patches import PathPatch, Rectangle

    sc, cd = full_flows()
    fig = flow_figure(sc, cd, sources=SOURCES, categories=CATEGORIES, destinations=DESTINATIONS, title="资金流向")
    artists = fig.axes[0].get_children()
    bands = [a for a in artists if isinstance(a, PathPatch)]
    nodes = [a for a in artists if isinstance(a, Rectangle) and a is not fig.axes[0].patch]
    assert len(bands) == len(sc) + len(cd)
    assert len(nodes) == len(SOURCES) + len(CATEGORIES) + len(DESTINATIONS)


def test_flow_chart_empty_says_no_data():
    fig = flow_figure([], [], sources=SOURCES, categories=CATEGORIES, destinations=DESTINATIONS, title="资金流向")
    assert "暂无数据" in figure_texts(fig)


def test_flow_chart_rejects_negative():
    with pytest.raises(ValueError):
        charts.flow_chart(
            [("社会捐赠", "生活救助", -5)], [], sources=SOURCES, categories=CATEGORIES, destinations=DESTINATIONS, title="x"
        )


# ---------------------------------------------------------------- cache


class Counter:
    def __init__(self, data: bytes = b'<?xml version="1.0"?><svg/>') -> None:
        self.calls = 0
        self.data = data

    def __call__(self) -> bytes:
        self.calls += 1
        return self.data


def test_cache_renders_once(tmp_path):
    cache = charts.ChartCache(tmp_path / "cache")
    render = Counter()
    payload = {"rows": [["市中区", 100]], "title": "t"}
    assert cache.get_or_render("bar", payload, render) == render.data
    assert cache.get_or_render("bar", payload, render) == render.data
    assert render.calls == 1
    files = sorted(p.name for p in (tmp_path / "cache").iterdir())
    assert files == [f"{charts.ChartCache.key('bar', payload)}.svg"]  # no temp left


def test_cache_hit_returns_stored_bytes_without_rendering(tmp_path):
    cache = charts.ChartCache(tmp_path)
    payload = [["市中区", 1]]
    stored = b'<?xml version="1.0"?><svg id="stored"/>'
    (tmp_path / f"{cache.key('bar', payload)}.svg").write_bytes(stored)
    render = Counter()
    assert cache.get_or_render("bar", payload, render) == stored
    assert render.calls == 0


def test_cache_key_is_canonical_and_distinguishes(monkeypatch):
    key = charts.ChartCache.key
    assert key("bar", {"a": 1, "b": [1, 2]}) == key("bar", {"b": [1, 2], "a": 1})
    base = key("bar", {"a": 1})
    assert base != key("bar", {"a": 2})
    assert base != key("flow", {"a": 1})
    assert re.fullmatch(r"[0-9a-f]{64}", base)
    monkeypatch.setattr(style, "STYLE_VERSION", style.STYLE_VERSION + "-next")
    assert base != key("bar", {"a": 1})


def test_cache_none_never_writes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cache = charts.ChartCache(None)
    render = Counter()
    cache.get_or_render("bar", {"a": 1}, render)
    cache.get_or_render("bar", {"a": 1}, render)
    assert render.calls == 2
    assert list(tmp_path.iterdir()) == []


def test_cache_with_real_chart(tmp_path):
    cache = charts.ChartCache(tmp_path)
    calls = []

    def render():
        calls.append(1)
        return charts.bar_chart(BAR_ROWS, title="各地区救助金额")

    payload = {"rows": BAR_ROWS, "title": "各地区救助金额"}
    first = cache.get_or_render("bar", payload, render)
    assert cache.get_or_render("bar", payload, render) == first
    assert len(calls) == 1


def test_text_is_at_least_10pt():
    """Phone-friendly: nothing smaller than 10 pt before the SVG is scaled."""
    sc, cd = full_flows()
    figs = [
        bar_figure(BAR_ROWS, title="各地区救助金额"),
        bar_figure([], title="各地区救助金额"),
        flow_figure(sc, cd, sources=SOURCES, categories=CATEGORIES, destinations=DESTINATIONS, title="资金流向"),
    ]
    for fig in figs:
        texts = list(fig.texts)
        for ax in fig.axes:
            texts += ax.texts + ax.get_xticklabels() + ax.get_yticklabels() + [ax.xaxis.label]
        sizes = [t.get_fontsize() for t in texts if t.get_text()]
        assert sizes and min(sizes) >= 10


def test_a_change_to_the_drawing_code_is_a_new_cache_key(monkeypatch):
    """Charts drawn by older code are never reused: the key holds a digest of the drawing code."""
    from warmth.site.charts import cache

    payload = {"rows": [["甲", 1]], "title": "t"}
    before = cache.ChartCache.key("bar", payload)
    monkeypatch.setattr(cache, "drawing_code", lambda: "0" * 64)
    assert cache.ChartCache.key("bar", payload) != before
