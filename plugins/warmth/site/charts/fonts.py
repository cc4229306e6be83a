"""The one font file the charts are drawn with.

Every character of a chart is an SVG path (``svg.fonttype = path``) cut from
Noto Sans CJK SC as shipped inside the ``mplfonts`` package (pinned in
requirements.txt), so readers need no Chinese font at all.

The file is used by its path, never by family name: matplotlib's font manager
is not consulted, so a system copy of Noto Sans CJK (Debian's fonts-noto-cjk
is a .ttc whose glyphs are numbered differently) or any other font registered
under the same name cannot change a chart.  There is no fall-back to another
font: a fall-back would make the charts differ from one machine to the next.
Without the file, the build stops with a message saying how to install it.

The file's SHA-256 is part of every chart's cache key (:func:`chart_font`,
computed once per process).

``python -m warmth.site.charts`` prints the path, family and SHA-256 (the
Makefile runs it to check the set-up).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
from dataclasses import dataclass
from pathlib import Path

from warmth.core.problems import WarmthError

__all__ = ["FAMILY", "ChartFont", "FontNotFound", "chart_font", "cjk_font_path", "main"]

#: Inside the mplfonts package folder.
MPLFONTS_FONT = Path("fonts") / "NotoSansCJKsc-Regular.otf"
#: The family name inside that file (only printed; the charts never look it up).
FAMILY = "Noto Sans CJK SC"


class FontNotFound(WarmthError, RuntimeError):
    """The packaged chart font is not installed."""


@dataclass(frozen=True)
class ChartFont:
    """The chart font: where it is, and what it is (SHA-256 of its bytes)."""

    path: Path
    sha256: str


def _mplfonts_font() -> Path | None:
    try:
        spec = importlib.util.find_spec("mplfonts")
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    folders = list(spec.submodule_search_locations or [])
    if not folders and spec.origin:
        folders = [str(Path(spec.origin).parent)]
    for folder in folders:
        candidate = Path(folder) / MPLFONTS_FONT
        if candidate.is_file():
            return candidate
    return None


def cjk_font_path() -> Path:
    """The path of Noto Sans CJK SC inside the mplfonts package.

    Raises :class:`FontNotFound` if mplfonts (or the file in it) is missing.
    """
    found = _mplfonts_font()
    if found is None:
        raise FontNotFound(
            "找不到图表字体 Noto Sans CJK SC（由 mplfonts 包提供，见 requirements.txt），网站未生成。"
            "请运行 make site 安装依赖（或 pip install -r requirements.txt）。"
            "图表只用这一个字体文件，不使用系统字体，以保证每台电脑生成的图表完全相同。\n"
            "Chart font Noto Sans CJK SC not found (it comes with the mplfonts package, see "
            "requirements.txt); the site was not built. Run make site to install the requirements "
            "(or pip install -r requirements.txt). Charts use this one font file and never a system "
            f"font, so that every machine draws identical charts. Looked for: mplfonts/{MPLFONTS_FONT.as_posix()}"
        )
    return found


@functools.cache
def chart_font() -> ChartFont:
    """The chart font's path and SHA-256; hashed once per process."""
    path = cjk_font_path().resolve()
    with path.open("rb") as f:
        digest = hashlib.file_digest(f, "sha256").hexdigest()
    return ChartFont(path, digest)


def main() -> int:
    try:
        font = chart_font()
    except FontNotFound as exc:
        import sys

        print(exc, file=sys.stderr)
        return 1
    from matplotlib.ft2font import FT2Font

    print(f"图表字体 / chart font: {font.path}")
    print(f"字体族 / family: {FT2Font(str(font.path)).family_name}")
    print(f"SHA-256: {font.sha256}")
    return 0
