"""Progress (issue 12, item 4): a live display on a terminal, plain lines when piped, nothing with --quiet."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys

from warmth.core import steps


def run(root, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root / "plugins")}
    return subprocess.run([sys.executable, "-m", "warmth", *args], cwd=root, env=env, capture_output=True, text=True, timeout=600)


def test_piped_output_has_plain_lines_and_quiet_has_none(root, small_data):
    plain = run(root, "check", "--data", str(small_data))
    assert plain.returncode == 0, plain.stderr[-2000:]
    assert "读取发放记录… / load…" in plain.stderr and "\x1b[" not in plain.stderr  # plain: no terminal codes
    quiet = run(root, "check", "--data", str(small_data), "--quiet")
    assert quiet.returncode == 0 and "读取发放记录" not in quiet.stderr and "校验数据" not in quiet.stderr
    assert "检查通过" in quiet.stdout  # the result is still said


def test_the_live_display_counts_and_keeps_timings(monkeypatch):
    monkeypatch.setattr(steps, "DELAY", 0.0)
    handler = logging.StreamHandler(io.StringIO())
    logging.getLogger().addHandler(handler)
    try:
        with steps.display("bar"):
            live = steps._live
            timed = steps.Steps()
            with timed.step("load", "读取发放记录"):
                tick = timed.progress("files", "文件")
                for _ in range(3):
                    tick()
            logging.getLogger("warmth").warning("一条警告 / a warning")
            (task,) = live.progress.tasks
            assert task.completed == 3 and "读取发放记录 / load" in task.description
    finally:
        logging.getLogger().removeHandler(handler)
    assert steps._live is None and "load" in timed.timings
    assert handler.stream is not None and not isinstance(handler.stream, steps._Live)  # its stream given back
