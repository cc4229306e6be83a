"""Locate and register the CJK font that the charts are drawn with.

The charts render every character as an SVG path (``svg.fonttype = path``), so
the font must contain Chinese glyphs at build time; readers need no font at all.
The primary font is Noto Sans CJK SC shipped inside the ``mplfonts`` package
(pinned in requirements.txt), so a plain ``pip install -r requirements.txt``
is enough on any machine.  Debian font packages are accepted as fall-backs.

``python -m warmth.site.charts`` prints the font path and family (used by the
Makefile to check the set-up).
"""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path

__all__ = ["FontNotFound", "cjk_font_path", "main", "register_cjk_font"]

#: Inside the mplfonts package folder.
MPLFONTS_FONT = Path("fonts") / "NotoSansCJKsc-Regular.otf"

#: Debian / Ubuntu font packages, tried in order when mplfonts is absent.
SYSTEM_FONTS = (
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),  # fonts-noto-cjk
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),  # fonts-wqy-microhei
)


class FontNotFound(RuntimeError):
    """No font with Chinese glyphs is installed."""


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
    """Return the path of a font file with Simplified Chinese glyphs.

    Raises :class:`FontNotFound` when neither mplfonts nor a Debian CJK font
    package is installed.
    """
    found = _mplfonts_font()
    if found is not None:
        return found
    for candidate in SYSTEM_FONTS:
        if candidate.is_file():
            return candidate
    tried = [f"mplfonts/{MPLFONTS_FONT.as_posix()}"] + [str(p) for p in SYSTEM_FONTS]
    raise FontNotFound(
        "找不到中文字体（图表需要 Noto Sans CJK SC，由 mplfonts 包提供）。"
        "请运行 make site 安装依赖（pip install -r requirements.txt）。\n"
        "No CJK font found (charts need Noto Sans CJK SC from the mplfonts "
        "package); run make site to install requirements. Tried: " + ", ".join(tried)
    )


_lock = threading.Lock()
_registered: str | None = None


def register_cjk_font() -> str:
    """Add the CJK font to matplotlib's font manager and return its family.

    Idempotent: the font is added once per process; later calls return the
    cached family name immediately.
    """
    global _registered
    if _registered is not None:
        return _registered
    with _lock:
        if _registered is not None:
            return _registered
        from matplotlib import font_manager

        path = cjk_font_path()
        resolved = str(path.resolve())

        def entries():
            return [f for f in font_manager.fontManager.ttflist if str(Path(f.fname).resolve()) == resolved]

        found = entries()
        if not found:
            # matplotlib adds one entry per face and per alternative name;
            # the first entry of a face carries its primary family name.
            font_manager.fontManager.addfont(str(path))
            found = entries()
        if not found:  # pragma: no cover - addfont always adds an entry
            raise FontNotFound(f"matplotlib 无法读取字体 / cannot load font: {path}")
        # A .ttc holds JP/KR/SC/TC faces: prefer Simplified Chinese.
        preferred = [f for f in found if "SC" in f.name.split()]
        _registered = (preferred or found)[0].name
        return _registered


def main() -> int:
    try:
        path = cjk_font_path()
        family = register_cjk_font()
    except FontNotFound as exc:
        import sys

        print(exc, file=sys.stderr)
        return 1
    print(f"中文字体 / CJK font: {path}")
    print(f"字体族 / family: {family}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
