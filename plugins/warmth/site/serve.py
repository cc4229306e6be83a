"""Local preview: serve the output folder and rebuild when inputs change.

Pelican's own autoreload does not watch data/ or plugins/, so this polls the
folders that make the site and rebuilds in a fresh process (plugin code
changes take effect too). Binds to 127.0.0.1 only.
"""

from __future__ import annotations

import functools
import http.server
import logging
import subprocess
import sys
import threading
import time
from pathlib import Path

log = logging.getLogger("warmth")
WATCHED = ("content", "theme", "plugins", "pelicanconf.py")


def snapshot(paths: list[Path]) -> dict[str, tuple[int, int]]:
    state = {}
    for base in paths:
        files = [base] if base.is_file() else (p for p in base.rglob("*") if p.is_file())
        for path in files:
            if "__pycache__" in path.parts:
                continue
            try:
                stat = path.stat()
            except OSError:  # an editor's temp file vanished mid-scan
                continue
            state[str(path)] = (stat.st_mtime_ns, stat.st_size)
    return state


def _rebuild(root: Path, data: Path, output: Path) -> None:
    cmd = [sys.executable, "-m", "warmth", "build", "--root", str(root), "--data", str(data), "--output", str(output)]
    subprocess.run(cmd, check=False)


def serve(root: Path, *, data: Path, output: Path, port: int) -> int:
    root = root.resolve()
    data = (root / data).resolve()
    output = (root / output).resolve()
    watched = [data] + [root / name for name in WATCHED if (root / name).exists()]
    _rebuild(root, data, output)
    handler = functools.partial(_Handler, output=output)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    log.info("预览地址 / preview at http://127.0.0.1:%d/ （Ctrl+C 结束 / to stop）", port)
    state = snapshot(watched)
    try:
        while True:
            time.sleep(1)
            current = snapshot(watched)
            if current != state:
                state = current
                log.info("检测到修改，重新生成 / change detected, rebuilding")
                _rebuild(root, data, output)
    except KeyboardInterrupt:
        server.shutdown()
    return 0


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves the *current* output folder (it is swapped on every rebuild)."""

    def __init__(self, *args, output: Path, **kwargs):
        super().__init__(*args, directory=str(output), **kwargs)

    def log_message(self, format, *args):  # noqa: A002 - signature from the base class
        log.debug(format, *args)
