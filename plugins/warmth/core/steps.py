"""Named steps of a long job: timed, and announced as progress (Chinese first).

How progress is shown is chosen once per command (cli.py, `display`):
- ``plain`` (piped output, CI, the tests): one log line per step, as always;
- ``bar`` (a terminal): after about 2 s, a live table of the stages with a
  spinner, the counts (files read, pages written) and each stage's time, drawn
  with rich on stderr; log messages print above it;
- ``quiet`` (``--quiet``): nothing but warnings and errors.
Timings are kept whatever is shown (the build prints them, the benchmark reads them).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

log = logging.getLogger("warmth")

DELAY = 2.0  # seconds before a terminal shows the live progress: a quick job stays quiet


class _Live:
    """The live display of one command: rich's Progress, started after DELAY seconds."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self.progress = Progress(
            SpinnerColumn(finished_text="✓"), TextColumn("{task.description}"), MofNCompleteColumn(), TimeElapsedColumn(),
            console=Console(stderr=True), transient=False, redirect_stderr=False, redirect_stdout=True,
        )
        self.lock = threading.Lock()
        self.started = False
        self.closed = False
        self.timer = threading.Timer(DELAY, self.start)
        self.timer.daemon = True
        self.timer.start()

    def start(self) -> None:
        with self.lock:
            if not self.closed and not self.started:
                self.progress.start()
                self.started = True

    def write(self, text: str) -> None:
        """A log line: printed above the live display (or plainly before it starts)."""
        self.progress.console.print(text, end="", markup=False, highlight=False, soft_wrap=True)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self.timer.cancel()
        with self.lock:
            self.closed = True
            if self.started:
                self.progress.stop()


_live: _Live | None = None
_quiet = False


@contextmanager
def display(mode: str) -> Iterator[None]:
    """Show the progress of the steps inside the block as ``mode`` says: "bar", "plain" or "quiet"."""
    global _live, _quiet
    if mode == "quiet":
        _quiet = True
        try:
            yield
        finally:
            _quiet = False
        return
    if mode != "bar":
        yield
        return
    _live = _Live()
    handlers = [h for h in logging.getLogger().handlers if isinstance(h, logging.StreamHandler)]
    streams = [h.setStream(_live) for h in handlers]  # log lines go above the live display
    try:
        yield
    finally:
        for handler, stream in zip(handlers, streams):
            handler.setStream(stream)
        _live.close()
        _live = None


@dataclass
class Steps:
    """Named step timings, printed as progress and kept for the benchmark."""

    timings: dict[str, float] = field(default_factory=dict)
    _task: object = None

    @contextmanager
    def step(self, name: str, zh: str = ""):
        """Time a step; ``zh`` is the progress message (none when resuming a step)."""
        live = _live
        task = None
        if zh and live is not None:
            task = live.progress.add_task(f"{zh} / {name}", total=None)
            self._task = task
        elif zh and not _quiet:
            log.info("%s… / %s…", zh, name)
        start = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - start
            if task is not None:
                with contextlib.suppress(Exception):
                    done = live.progress.tasks[[t.id for t in live.progress.tasks].index(task)].completed
                    live.progress.update(task, total=done or 1, completed=done or 1)

    def progress(self, unit: str, zh: str, total: int | None = None) -> Callable[..., None]:
        """A counter for the current step (``unit``: what is counted, e.g. files): call it once per item done."""
        live, task = _live, self._task
        if live is None or task is None:
            return lambda *_: None
        live.progress.update(task, total=total)

        def advance(*_) -> None:
            live.progress.advance(task)

        return advance
