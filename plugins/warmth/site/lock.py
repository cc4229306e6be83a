"""One build at a time into one output folder: an flock on a lock file beside it.

The lock file is ``.<output name>.lock`` in the output's parent folder (the
output itself is swapped, so a lock inside it would go with it). A build that
finds the lock held says so, Chinese first, and waits; after ``wait`` seconds
it gives up with a clear message. The kernel releases an flock when its
process ends, however it ends (even SIGKILL), so a killed build never blocks
the next one. The holder deletes the lock file when done, while still holding
the lock; a waiter that then gets the lock on the deleted file notices (the
path no longer names its file) and locks the new one, so no lock file is left
behind by a build that finishes.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path

from warmth.core.problems import BuildError, ConfigError

try:
    import fcntl
except ImportError:  # Windows has no flock: builds into one folder are not serialized there
    fcntl = None

log = logging.getLogger("warmth")

WAIT_ENV = "WARMTH_BUILD_WAIT"  # seconds a build waits for another one into the same output
DEFAULT_WAIT = 600.0
_POLL = 0.2


def lock_path(output: Path) -> Path:
    return output.parent / f".{output.name}.lock"


def default_wait() -> float:
    value = os.environ.get(WAIT_ENV, "").strip()
    if not value:
        return DEFAULT_WAIT
    try:
        wait = float(value)
    except ValueError:
        wait = -1.0
    if not wait >= 0:  # also refuses nan
        raise ConfigError(f"{WAIT_ENV} 应是等待的秒数（0 或正数）：{value!r}\n{WAIT_ENV} must be a number of seconds (0 or more): {value!r}")
    return wait


@contextlib.contextmanager
def output_lock(output: Path, wait: float | None = None) -> Iterator[None]:
    """Hold the output's build lock for the ``with`` block (``wait`` None: $WARMTH_BUILD_WAIT or 600 s)."""
    if fcntl is None:
        yield
        return
    path = lock_path(output)
    fd = _acquire(path, output, default_wait() if wait is None else wait)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)  # while still locked: see the module docstring
        os.close(fd)


def _acquire(path: Path, output: Path, wait: float) -> int:
    deadline = time.monotonic() + wait
    told = False
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)  # not inherited by the chart workers (spawned)
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
                    if time.monotonic() >= deadline:
                        raise BuildError(
                            f"另一个生成过程（进程 {holder}）正在写入 {output}，等了 {wait:g} 秒仍未结束，本次没有生成。"
                            f"请等它结束后再运行（make serve 会自动重新生成）。\n"
                            f"Another build (process {holder}) is writing {output} and did not finish within {wait:g} s; "
                            f"this build did nothing. Run it again when that one has finished."
                        ) from None
                    if not told:
                        log.warning(
                            "另一个生成过程（进程 %s）正在写入 %s，等它结束后再生成（最多等 %g 秒）…\n"
                            "Another build (process %s) is writing %s; waiting for it to finish (up to %g s)…",
                            holder, output, wait, holder, output, wait,
                        )  # fmt: skip
                        told = True
                    time.sleep(_POLL)
            if _names(path, fd):
                os.ftruncate(fd, 0)
                os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)  # for the message of a build that waits
                return fd
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)  # the file was deleted by the build that held it: lock the one now at the path


def _names(path: Path, fd: int) -> bool:
    """``path`` still names the file open as ``fd``."""
    try:
        here = os.stat(path)
    except FileNotFoundError:
        return False
    there = os.fstat(fd)
    return (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino)
