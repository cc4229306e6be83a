"""The look of every chart: version, colours, sizes, matplotlib settings.

Plain values and pure helpers only (no matplotlib import), so the flow layout
can use them without drawing anything.
"""

from __future__ import annotations

from numbers import Integral

#: Bump whenever the look of any chart changes, so cached SVGs are redrawn.
STYLE_VERSION = "2"  # 2: amounts as money.wan, "1,234.57万元"

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
EMPTY_FIG_HEIGHT = 2.0 * 72

#: matplotlib settings for every chart.  Every character becomes an SVG path
#: (readers need no Chinese font); the hash salt is fixed so that the ids in the
#: file, and so its bytes, are the same on every build.  No font family is set:
#: every text gets the font file by path (canvas.text_style); LaTeX is off
#: whatever a local matplotlibrc says.
RC = {
    "svg.hashsalt": "warmth",
    "svg.fonttype": "path",
    "svg.image_inline": True,
    "text.usetex": False,
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


def check_fen(value: object, what: str) -> int:
    """An amount to draw: a non-negative integer number of fen."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"金额必须是整数（分）/ {what}: amount must be int fen, got {value!r}")
    if value < 0:
        raise ValueError(f"金额不能为负 / {what}: amount must not be negative, got {value}")
    return int(value)


def tick_label(value: float) -> str:
    """An axis tick in 万元: ``20`` not ``20.0``, ``2.5`` not ``2.50``."""
    if abs(value - round(value)) < 1e-9:
        return f"{round(value)}"
    return f"{value:.2f}".rstrip("0").rstrip(".")
