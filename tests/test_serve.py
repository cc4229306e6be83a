"""`make serve` watches what README says it watches, rebuilds on a change, binds to 127.0.0.1 only
and stops cleanly on Ctrl+C.

Waits are bounded (a failing watcher fails the test instead of hanging it);
nothing here asserts how fast a change is seen.
"""

from __future__ import annotations

import csv
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from html_tables import read_page

from warmth.site.serve import watch_changes, watched_paths

from conftest import make_data
from independent import read_rows, yuan

WAIT = 20  # seconds: the most any one change may take to be reported


def tree(tmp_path: Path) -> Path:
    root = tmp_path / "site-root"
    for folder in ("data/rounds/2012-01", "content/pages", "theme/templates", "plugins/warmth/__pycache__", "output", "notes"):
        (root / folder).mkdir(parents=True)
    (root / "pelicanconf.py").write_text("A = 1\n", encoding="utf-8")
    (root / "publishconf.py").write_text("B = 1\n", encoding="utf-8")
    (root / "README.md").write_text("x\n", encoding="utf-8")
    return root


def test_watched_paths_are_the_data_folder_content_theme_plugins_and_settings(tmp_path):
    root = tree(tmp_path)
    real = root.resolve()
    expected = ["data", "content", "theme", "plugins", "pelicanconf.py", "publishconf.py"]
    assert watched_paths(root, Path("data")) == [real / name for name in expected]
    # a data folder elsewhere, given absolute or relative to the root
    elsewhere = tmp_path / "other-data"
    elsewhere.mkdir()
    assert watched_paths(root, elsewhere)[0] == elsewhere.resolve()
    assert watched_paths(root, Path("../other-data"))[0] == elsewhere.resolve()
    # publishconf.py only if it exists; nothing else of the root (output/, notes/, README.md)
    (root / "publishconf.py").unlink()
    assert watched_paths(root, Path("data")) == [real / name for name in expected[:-1]]


def test_everything_readme_promises_for_make_serve_is_watched(root):
    (line,) = [line for line in (root / "README.md").read_text(encoding="utf-8").splitlines() if line.startswith("| `make serve")]
    promised = {name.rstrip("/") for name in re.findall(r"`([^`]+)`", line) if "=" not in name} - {"make serve [PORT=8000]"}
    assert {"data", "content", "theme", "plugins", "pelicanconf.py"} <= promised
    watched = {path.name for path in watched_paths(root, Path("data"))}
    assert promised <= watched, promised - watched


class Watcher:
    """watch_changes running in a thread; the changed paths it reports are collected."""

    def __init__(self, paths: list[Path]):
        self.stop = threading.Event()
        self.reported: queue.Queue[str] = queue.Queue()
        self.seen: set[str] = set()
        self.thread = threading.Thread(target=self._run, args=(paths,), daemon=True)
        self.thread.start()

    def _run(self, paths):
        for changed in watch_changes(paths, self.stop):
            for path in changed:
                self.reported.put(path)

    def wait_for(self, path: Path, change=None, timeout: float = WAIT) -> bool:
        """True once ``path`` is reported; ``change`` (repeated every second) makes it change."""
        deadline = time.monotonic() + timeout
        next_change = 0.0
        while time.monotonic() < deadline:
            if str(path) in self.seen:
                return True
            if change is not None and time.monotonic() >= next_change:
                change()
                next_change = time.monotonic() + 1
            try:
                self.seen.add(self.reported.get(timeout=0.1))
            except queue.Empty:
                pass
        return str(path) in self.seen

    def drain(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                self.seen.add(self.reported.get(timeout=0.1))
            except queue.Empty:
                pass

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=WAIT)
        assert not self.thread.is_alive(), "the watcher did not stop"


def replace(path: Path, text: str) -> None:
    """Save the way many editors do: write a new file, rename it over the old one."""
    tmp = path.with_name(f".{path.name}.swp-new")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def test_a_change_in_every_watched_place_is_reported_and_nothing_else(tmp_path):
    root = tree(tmp_path).resolve()
    watcher = Watcher(watched_paths(root, Path("data")))
    try:
        # wait until both watchers (folders, and the root's settings files) are in place
        probe = root / "content" / "probe.md"
        assert watcher.wait_for(probe, lambda: probe.write_text(str(time.monotonic()), encoding="utf-8"))
        conf = root / "pelicanconf.py"
        assert watcher.wait_for(conf, lambda: replace(conf, f"A = {time.monotonic()}\n"))
        watcher.seen.clear()

        # places that must never trigger a rebuild
        (root / "output" / "index.html").write_text("built", encoding="utf-8")
        (root / "notes" / "todo.txt").write_text("x", encoding="utf-8")
        (root / "README.md").write_text("changed\n", encoding="utf-8")
        (root / "plugins" / "warmth" / "__pycache__" / "build.cpython-311.pyc").write_bytes(b"\0")

        changes = [
            root / "data" / "rounds" / "2012-01" / "shawan.csv",  # new file, two levels down
            root / "data" / "campaign.toml",
            root / "content" / "pages" / "about.md",
            root / "theme" / "templates" / "base.html",
            root / "plugins" / "warmth" / "serve.py",
        ]
        for path in changes:
            path.write_text("x", encoding="utf-8")
            assert watcher.wait_for(path), path
        for i in range(3):  # saved by rename, again and again: seen every time
            watcher.seen.discard(str(conf))
            replace(conf, f"A = {i}\n")
            assert watcher.wait_for(conf), i
        (root / "data" / "rounds" / "2012-01" / "shawan.csv").unlink()
        assert watcher.wait_for(root / "data" / "rounds" / "2012-01" / "shawan.csv")

        watcher.drain(1.5)  # anything late
        unwatched = {str(p) for p in watcher.seen if not any(Path(p).is_relative_to(w) for w in watched_paths(root, Path("data")))}
        assert not unwatched
        assert not [p for p in watcher.seen if "__pycache__" in p or "/output/" in p or p.endswith(("README.md", "todo.txt"))]
    finally:
        watcher.close()


def test_the_watcher_stops_when_asked_without_any_change(tmp_path):
    root = tree(tmp_path)
    watcher = Watcher(watched_paths(root, Path("data")))
    time.sleep(0.5)
    watcher.close()


# --- the command itself ---------------------------------------------------------


def free_copy(root: Path, tmp_path: Path) -> Path:
    """A project root of its own: settings, content, theme, plugins and a small generated data set."""
    copy = tmp_path / "project"
    copy.mkdir()
    for name in ("pelicanconf.py", "publishconf.py"):
        shutil.copy(root / name, copy / name)
    for name in ("content", "theme", "plugins"):
        shutil.copytree(root / name, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
    make_data(copy / "data", records=300)
    return copy


class Lines:
    """The lines a process writes to a pipe, read in a thread and matched in order."""

    def __init__(self, pipe):
        self.lines: queue.Queue[str] = queue.Queue()
        self.all: list[str] = []
        self.next = 0  # lines before this one were passed by an earlier match
        threading.Thread(target=self._read, args=(pipe,), daemon=True).start()

    def _read(self, pipe):
        for line in pipe:
            self.lines.put(line)

    def wait_for(self, pattern: str, timeout: float = 120) -> re.Match:
        """The first line after the previous match that matches ``pattern``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for i in range(self.next, len(self.all)):
                if m := re.search(pattern, self.all[i]):
                    self.next = i + 1
                    return m
            try:
                self.all.append(self.lines.get(timeout=0.2))
            except queue.Empty:
                pass
        raise AssertionError(f"no line matching {pattern!r} in:\n" + "".join(self.all)[-3000:])


@pytest.mark.skipif(sys.platform == "win32", reason="Ctrl+C is sent as SIGINT")
def test_serve_builds_serves_on_loopback_rebuilds_on_a_data_change_and_stops_on_ctrl_c(root, tmp_path):
    project = free_copy(root, tmp_path)
    env = {**os.environ, "PYTHONPATH": str(project / "plugins"), "PYTHONUNBUFFERED": "1"}
    cmd = [sys.executable, "-m", "warmth", "serve", "--root", str(project), "--port", "0"]
    proc = subprocess.Popen(cmd, cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8")
    try:
        log = Lines(proc.stdout)
        port = int(log.wait_for(r"预览地址 / preview at http://127\.0\.0\.1:(\d+)/").group(1))
        log.wait_for(r"watching for changes: data, content, theme, plugins, pelicanconf\.py, publishconf\.py")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/index.html", timeout=WAIT) as response:
            assert response.status == 200 and "送温暖" in response.read().decode("utf-8")
        # bound to 127.0.0.1 only: another loopback address (Linux routes all of 127/8 to lo) is refused
        if sys.platform.startswith("linux"):
            with pytest.raises(OSError):
                socket.create_connection(("127.0.0.2", port), timeout=5).close()

        home = project / "output" / "index.html"
        before = read_page(home).stats["发放总额"]
        path = project / "data" / "rounds" / "2012-01" / "shawan.csv"
        rows = read_rows(path)
        rows[0]["amount_yuan"] = str(yuan(rows[0]["amount_yuan"]) + 1000)
        with open(path, "w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        log.wait_for(r"检测到修改，重新生成 / change detected, rebuilding: data")
        log.wait_for(r"网站已生成")
        after = yuan(read_page(home).stats["发放总额"].lstrip("¥"))
        assert after == yuan(before.lstrip("¥")) + 1000

        # a plugin change: seen, and the rebuild runs the changed code (a fresh process)
        with open(project / "plugins" / "warmth" / "__init__.py", "a", encoding="utf-8") as handle:
            handle.write('\nimport sys\n\nprint("PLUGIN-CHANGED-MARK", file=sys.stderr)\n')
        log.wait_for(r"检测到修改，重新生成 / change detected, rebuilding: plugins")
        log.wait_for(r"^PLUGIN-CHANGED-MARK$")
        log.wait_for(r"网站已生成")

        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=WAIT) == 0
        log.wait_for(r"预览已停止 / preview stopped", timeout=5)
        assert "Traceback" not in "".join(log.all)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_the_preview_answers_a_missing_page_with_the_sites_404_page(tmp_path):
    import functools
    import http.server
    import urllib.error

    from warmth.site.serve import _Handler

    (tmp_path / "404.html").write_text("<h1>找不到这个页面</h1>", encoding="utf-8")
    (tmp_path / "index.html").write_text("home", encoding="utf-8")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Handler, output=tmp_path))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        with urllib.request.urlopen(base + "/", timeout=WAIT) as ok:
            assert ok.read() == b"home"
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(base + "/no/such/page/", timeout=WAIT)
        assert missing.value.code == 404 and "找不到这个页面" in missing.value.read().decode("utf-8")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=WAIT)
