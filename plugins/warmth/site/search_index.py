"""The full-text search index: Pagefind, run on the staged site before it is swapped in.

Pagefind's *extended* binary (PyPI ``pagefind[extended]``, which ships it) segments
Chinese words when it indexes, so 大米 or a disbursing unit's name are found. It
reads only the built pages (the ``<main>`` of each, not the header, navigation or
footer), writes its bundle to ``/pagefind/`` and is given no configuration but
its arguments: it runs in the staged folder with no ``PAGEFIND_*`` variables, so
a configuration file or variable on the staff's machine cannot change the index.
The same pages give byte-identical index files (tests/test_search.py builds twice).
Only the low-level search API (``pagefind.js`` with its worker, WebAssembly and
index) is kept; Pagefind's ready-made interfaces are removed, the site has its own
(theme/static/js/search.js).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from pathlib import Path

from warmth.core.problems import BuildError

BUNDLE = "pagefind"
UNUSED = (
    "pagefind-ui.js", "pagefind-ui.css", "pagefind-modular-ui.js", "pagefind-modular-ui.css",
    "pagefind-component-ui.js", "pagefind-component-ui.css", "pagefind-highlight.js",
)


def pagefind_binary() -> Path:
    try:
        from pagefind_bin_extended import get_executable
    except ImportError as err:  # the package is in requirements.txt; a hand-made venv may lack it
        raise BuildError(
            "缺少搜索索引程序 Pagefind（extended 版）：请运行 make site 安装 requirements.txt 中的依赖。\n"
            "Pagefind (extended) is not installed: install requirements.txt (make site does)."
        ) from err
    return Path(get_executable())


class SearchIndex:
    """Pagefind indexing ``site`` in the background: `start` it once the pages are written, `finish` to wait.

    Pagefind writes only under ``site``/pagefind/, so the last checks of the pages
    (site/scan.py, which skip that folder) run meanwhile; `stop` ends it when the
    build fails (its folder is about to be removed).
    """

    def __init__(self, site: Path) -> None:
        self.site = site
        env = {k: v for k, v in os.environ.items() if not k.upper().startswith("PAGEFIND")}
        command = [
            str(pagefind_binary()), "--site", ".", "--output-subdir", BUNDLE,
            "--root-selector", "main", "--force-language", "zh-cn", "--silent",
        ]
        self.process = subprocess.Popen(command, cwd=site, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def finish(self) -> None:
        """Wait for the index; remove Pagefind's unused interfaces; `BuildError` if it failed."""
        try:
            _, stderr = self.process.communicate(timeout=600)
        except subprocess.TimeoutExpired:
            self.stop()
            raise BuildError("搜索索引生成超时，网站未生成。/ Pagefind timed out; the site was not built.") from None
        if self.process.returncode != 0:
            detail = (stderr or b"").decode("utf-8", "replace")[-2000:]
            raise BuildError(f"搜索索引生成失败，网站未生成。/ Pagefind failed; the site was not built.\n{detail}")
        for name in UNUSED:
            (self.site / BUNDLE / name).unlink(missing_ok=True)

    def stop(self) -> None:
        """End Pagefind if it still runs, and close its pipes (also after `finish`)."""
        if self.process.poll() is None:
            self.process.kill()
        with contextlib.suppress(ValueError, OSError):  # already communicated: nothing left to read
            self.process.communicate()
