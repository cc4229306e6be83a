"""Rendered charts on disk, keyed by a hash of what they were drawn from."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from functools import cache
from importlib.metadata import version
from pathlib import Path

from warmth.core.files import atomic_write
from warmth.site.charts import style
from warmth.site.charts.fonts import chart_font

__all__ = ["ChartCache"]

#: Part of every key: another matplotlib may draw the same chart differently.
_MATPLOTLIB = version("matplotlib")


@cache
def drawing_code() -> str:
    """SHA-256 of the code that draws: this package and core/money.py (the amounts' format). A change to the
    layout or drawing gives new keys, so a chart drawn by older code is never reused (no version to bump by hand)."""
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in [*sorted(here.glob("*.py")), here.parents[1] / "core" / "money.py"]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


class ChartCache:
    """Rendered SVGs on disk, keyed by a hash of what they were drawn from.

    ``ChartCache(None)`` caches nothing (always renders, never writes).
    """

    def __init__(self, folder: Path | None) -> None:
        self.folder = Path(folder) if folder is not None else None

    @staticmethod
    def key(kind: str, payload: dict | list) -> str:
        """SHA-256 of the chart's input, the style version, the drawing code, matplotlib's
        version and the chart font's content (so another font file, even under
        the same name, is another key).  Raises FontNotFound without the font."""
        blob = json.dumps(
            [style.STYLE_VERSION, kind, payload, _MATPLOTLIB, chart_font().sha256, drawing_code()],
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

