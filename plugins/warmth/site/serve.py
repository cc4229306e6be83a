"""Local preview: serve the output folder and rebuild when an input changes.

Pelican's own autoreload does not watch data/ or plugins/, so this watches,
with `watchfiles` (file-system events, not polling), exactly what README
promises for ``make serve``: the data folder, content/, theme/, plugins/ and
pelicanconf.py (publishconf.py too, if it exists). Every change rebuilds the
site in a fresh process, so plugin code changes take effect too. Binds to
127.0.0.1 only; Ctrl+C stops it cleanly.
"""

from __future__ import annotations

import functools
import http.server
import logging
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import watchfiles

from warmth.core.problems import ConfigError

log = logging.getLogger("warmth")

FOLDERS = ("content", "theme", "plugins")  # besides the data folder
FILES = ("pelicanconf.py", "publishconf.py")
HOST = "127.0.0.1"
DEBOUNCE_MS = 400  # changes within this time (an editor saving several files) give one rebuild


def watched_paths(root: Path, data: Path) -> list[Path]:
    """Every path `serve` watches, absolute: the data folder, content/, theme/, plugins/,
    pelicanconf.py and publishconf.py — those that exist. ``data`` may be relative to ``root``."""
    root = Path(root).resolve()
    paths = [(root / data).resolve()] + [root / name for name in FOLDERS + FILES]
    return [path for path in paths if path.exists()]


def watch_changes(paths: list[Path], stop: threading.Event | None = None) -> Iterator[set[str]]:
    """The changed paths under ``paths``, one set per burst of changes, until ``stop`` is set.

    Folders are watched recursively (caches, compiled Python and editor swap files
    ignored); a file is watched through its folder, by name, so an editor that
    saves by writing a new file and renaming it over the old one is seen every
    time (a watch on the file itself would end with the first such save).
    """
    stop = threading.Event() if stop is None else stop
    folders = [Path(p) for p in paths if Path(p).is_dir()]
    files = {str(Path(p)) for p in paths if not Path(p).is_dir()}
    found: queue.Queue[set[str] | None] = queue.Queue()

    def run(targets: list[Path], recursive: bool, watch_filter) -> None:
        try:
            for batch in watchfiles.watch(
                *targets, watch_filter=watch_filter, recursive=recursive, stop_event=stop,
                debounce=DEBOUNCE_MS, raise_interrupt=False,
            ):  # fmt: skip
                found.put({path for _, path in batch})
        except Exception:  # noqa: BLE001 - a watcher that dies must end the loop, not hang it
            log.exception("监视文件时出错 / watching files failed")
        finally:
            found.put(None)

    watchers = []
    if folders:
        watchers.append((folders, True, watchfiles.DefaultFilter()))
    if files:
        parents = sorted({Path(f).parent for f in files})
        watchers.append((parents, False, lambda _change, path: path in files))
    threads = [threading.Thread(target=run, args=w, daemon=True, name="warmth-watch") for w in watchers]
    for thread in threads:
        thread.start()
    running = len(threads)
    try:
        while running:
            try:
                item = found.get(timeout=0.2)
            except queue.Empty:
                continue
            changed: set[str] = set()
            while True:  # one rebuild for everything that is already waiting
                if item is None:
                    running -= 1
                else:
                    changed |= item
                try:
                    item = found.get_nowait()
                except queue.Empty:
                    break
            if changed:
                yield changed
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=10)


def _rebuild(root: Path, data: Path, output: Path) -> None:
    cmd = [sys.executable, "-m", "warmth", "build", "--root", str(root), "--data", str(data), "--output", str(output)]
    subprocess.run(cmd, check=False)


def _shown(path: str, root: Path) -> str:
    try:
        return os.path.relpath(path, root)
    except ValueError:  # another drive (Windows)
        return path


def serve(root: Path, *, data: Path, output: Path, port: int) -> int:
    root = Path(root).resolve()
    data = (root / data).resolve()
    output = (root / output).resolve()
    paths = watched_paths(root, data)
    _rebuild(root, data, output)
    handler = functools.partial(_Handler, output=output)
    try:
        server = http.server.ThreadingHTTPServer((HOST, port), handler)
    except OSError as exc:
        raise ConfigError(
            f"无法在 {HOST}:{port} 上提供预览（端口可能已被占用，可用 make serve PORT=8001 换一个）：{exc}\n"
            f"Cannot serve the preview on {HOST}:{port} (the port may be in use; try make serve PORT=8001): {exc}"
        ) from exc
    threading.Thread(target=server.serve_forever, daemon=True, name="warmth-http").start()
    log.info("预览地址 / preview at http://%s:%d/ （Ctrl+C 结束 / to stop）", HOST, server.server_address[1])
    log.info("监视以下位置的修改 / watching for changes: %s", ", ".join(_shown(str(p), root) for p in paths))
    changes = watch_changes(paths)
    try:
        for changed in changes:
            first = _shown(sorted(changed)[0], root)
            more = f" (+{len(changed) - 1})" if len(changed) > 1 else ""
            log.info("检测到修改，重新生成 / change detected, rebuilding: %s%s", first, more)
            _rebuild(root, data, output)
    except KeyboardInterrupt:  # Ctrl+C, while waiting or while a rebuild runs
        pass
    finally:
        changes.close()  # stops the watchers
        server.shutdown()
        server.server_close()
    log.info("预览已停止 / preview stopped")
    return 0


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves the *current* output folder (it is swapped on every rebuild)."""

    def __init__(self, *args, output: Path, **kwargs):
        super().__init__(*args, directory=str(output), **kwargs)

    def log_message(self, format, *args):  # noqa: A002 - signature from the base class
        log.debug(format, *args)

    def send_error(self, code, message=None, explain=None):
        """A page that does not exist gets the site's own 404 page, as the published site should."""
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(404, message)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
