"""The charts are drawn with one font file, chosen by path and known by its content."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import shutil
from pathlib import Path

import matplotlib
import pytest
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font
from matplotlib.text import Text

from warmth.core.problems import WarmthError
from warmth.site import charts
from warmth.site.charts import canvas, fonts

BAR = ([("市中区", 123_450_000), ("峨边彝族自治县", 98_765_432)], "各地区救助金额")
FLOW = (
    [("市总工会配套资金", "生活救助", 5_000_000), ("社会捐赠", "医疗救助", 2_000_000)],
    [("生活救助", "市中区", 5_000_000), ("医疗救助", "沙湾区", 2_000_000)],
)


def draw_all() -> list[bytes]:
    rows, title = BAR
    sc, cd = FLOW
    return [
        charts.bar_chart(rows, title=title),
        charts.bar_chart([], title=title),
        charts.flow_chart(sc, cd, sources=[], categories=[], destinations=[], title="资金流向"),
    ]


@pytest.fixture
def font_identity():
    """Forget the hashed font before and after the test (it is computed once per process)."""
    fonts.chart_font.cache_clear()
    yield
    fonts.chart_font.cache_clear()


def test_chart_font_is_the_packaged_file_with_chinese_glyphs():
    font = fonts.chart_font()
    assert font.path.is_file() and font.path.is_absolute()
    assert font.path.parts[-3:] == ("mplfonts", "fonts", "NotoSansCJKsc-Regular.otf")
    ft = FT2Font(str(font.path))
    assert ft.family_name == fonts.FAMILY
    for ch in "乐山市总工会送温暖万元暂无数据彝":
        assert ft.get_char_index(ord(ch)) != 0, ch


def test_chart_font_is_hashed_once_per_process(font_identity):
    font = fonts.chart_font()
    assert font.sha256 == hashlib.sha256(font.path.read_bytes()).hexdigest()
    assert fonts.chart_font() is font
    assert fonts.chart_font.cache_info().hits == 1


def test_drawing_leaves_matplotlibs_font_list_alone():
    """The font is never registered with (or looked up in) the global font manager."""
    before = list(font_manager.fontManager.ttflist)
    draw_all()
    assert font_manager.fontManager.ttflist == before
    assert str(fonts.chart_font().path) not in {f.fname for f in before}


def test_a_decoy_font_under_the_same_family_name_changes_nothing(monkeypatch, tmp_path):
    """Another font file registered as "Noto Sans CJK SC" first in matplotlib's
    list, and made the default family, must not change a byte or a cache key.

    This is what Debian's fonts-noto-cjk did: its .ttc is also named Noto Sans
    CJK SC, and charts that chose their font by family name got its glyphs.
    The decoy is the serif CJK face shipped with mplfonts (so it has every
    glyph), copied under the very file name of the real font.
    """
    payload = {"rows": [list(r) for r in BAR[0]], "title": BAR[1]}
    expected, key = draw_all(), charts.ChartCache.key("bar", payload)

    real = fonts.chart_font().path
    decoy = tmp_path / real.name
    shutil.copyfile(real.parent / "NotoSerifCJKsc-Regular.otf", decoy)
    entry = dataclasses.replace(font_manager.ttfFontProperty(FT2Font(str(decoy))), name=fonts.FAMILY)
    monkeypatch.setattr(font_manager.fontManager, "ttflist", [entry, *font_manager.fontManager.ttflist])
    monkeypatch.setitem(matplotlib.rcParams, "font.family", [fonts.FAMILY])
    font_manager.FontManager._findfont_cached.cache_clear()
    try:
        # Control: looking the family up by name now gives the decoy, and drawing by name uses it.
        assert font_manager.findfont(font_manager.FontProperties(family=[fonts.FAMILY])) == str(decoy)
        fig = Figure()
        fig.text(0.5, 0.5, "救助")
        buf = io.BytesIO()
        with matplotlib.rc_context({"svg.fonttype": "path"}):
            fig.savefig(buf, format="svg")
        assert b'id="NotoSerifCJKsc-Regular-' in buf.getvalue()

        assert draw_all() == expected
        assert charts.ChartCache.key("bar", payload) == key
    finally:
        font_manager.FontManager._findfont_cached.cache_clear()


def test_cache_key_knows_the_font_by_content_not_by_name(monkeypatch, tmp_path, font_identity):
    payload = {"rows": [["市中区", 1]], "title": "t"}
    key = charts.ChartCache.key("bar", payload)
    real = fonts.chart_font().path

    copy = tmp_path / "copy" / "another-name.otf"
    copy.parent.mkdir()
    shutil.copyfile(real, copy)
    monkeypatch.setattr(fonts, "cjk_font_path", lambda: copy)
    fonts.chart_font.cache_clear()
    assert charts.ChartCache.key("bar", payload) == key  # same bytes, other path and name

    changed = tmp_path / real.name  # same name, one byte different
    data = bytearray(real.read_bytes())
    data[-1] ^= 0xFF
    changed.write_bytes(bytes(data))
    monkeypatch.setattr(fonts, "cjk_font_path", lambda: changed)
    fonts.chart_font.cache_clear()
    assert charts.ChartCache.key("bar", payload) != key


def test_no_fall_back_when_the_font_is_missing(monkeypatch, font_identity):
    monkeypatch.setattr(fonts, "_mplfonts_font", lambda: None)
    fonts.chart_font.cache_clear()
    for attempt in (
        fonts.cjk_font_path,
        lambda: charts.ChartCache.key("bar", {}),
        lambda: charts.bar_chart(*BAR[:1], title=BAR[1]),
    ):
        with pytest.raises(fonts.FontNotFound) as info:
            attempt()
        message = str(info.value)
        assert isinstance(info.value, WarmthError) and isinstance(info.value, RuntimeError)
        assert message.startswith("找不到图表字体 Noto Sans CJK SC")
        assert "Chart font Noto Sans CJK SC not found" in message and "make site" in message
        assert "/usr/share/fonts" not in message  # no system font is tried


def test_text_in_another_font_is_refused():
    """The guard in save(): a text without the chart font file is an error, not a silent fall-back."""
    with canvas.context():
        fig = canvas.new_figure(100, 100)
        fig.text(0.5, 0.5, "tick", **canvas.text_style(10))
        canvas.save(fig)  # fine
        fig.text(0.1, 0.1, "1,234")  # by family name (the default), not by file
        with pytest.raises(RuntimeError, match="'1,234' is not drawn with the chart font file"):
            canvas.save(fig)


def test_every_drawn_text_uses_the_font_file():
    rows, title = BAR
    sc, cd = FLOW
    figures = [
        charts.bar_figure(rows, title=title),
        charts.bar_figure([], title=title),
        charts.flow_figure(sc, cd, sources=[], categories=[], destinations=[], title="资金流向"),
    ]
    for fig in figures:
        with canvas.context():
            canvas.save(fig)  # draws every tick label, then checks
        files = {t.get_fontproperties().get_file() for t in fig.findobj(Text) if t.get_visible() and t.get_text()}
        assert files == {str(fonts.chart_font().path)}


def test_main_prints_path_family_and_hash(capsys):
    assert fonts.main() == 0
    out = capsys.readouterr().out
    font = fonts.chart_font()
    assert str(font.path) in out and fonts.FAMILY in out and font.sha256 in out


def test_main_without_the_font_says_how_to_install_it(monkeypatch, capsys, font_identity):
    monkeypatch.setattr(fonts, "_mplfonts_font", lambda: None)
    fonts.chart_font.cache_clear()
    assert fonts.main() == 1
    assert "make site" in capsys.readouterr().err


def test_module_path_is_the_only_font_source():
    source = Path(fonts.__file__).read_text(encoding="utf-8")
    assert "/usr/share/fonts" not in source and "addfont" not in source
