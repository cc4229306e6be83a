"""Staging folders and the swap: the output is always one complete site.

A build writes into a fresh ``.<output name>.tmp-XXXXXXXX`` folder beside the
output and, when everything has passed, exchanges it with the output in one
step: ``renameat2(RENAME_EXCHANGE)`` (Linux 3.15+, through libc with ctypes).
At every moment the output's path names either the old complete site or the
new one; the old one, now under the staging name, is then deleted. A build
killed at any point leaves at worst a staging folder, which the next build
into that output removes (`sweep`): it holds the output's lock, so no running
build owns one (site/lock.py).

Where RENAME_EXCHANGE is unavailable (another OS, or a file system that
refuses it) the swap falls back to two renames: the output to
``.<output name>.old-XXXXXXXX``, then the staging folder to the output. A
build killed between them leaves no output; the next build then first puts
the old site back (`sweep`), so a failure of that build still leaves it.
"""

from __future__ import annotations

import ctypes
import errno
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from warmth.core.files import current_umask
from warmth.core.layout import is_marked_build

log = logging.getLogger("warmth")

RENAME_EXCHANGE = 1 << 1  # linux/fs.h
AT_FDCWD = -100
# Test hooks, read only from the environment: pause at a named point until a flag file is removed
# (tests kill the build there), and force the two-rename fallback.
PAUSE_ENV = "WARMTH_TEST_PAUSE"  # "<point>:<flag file>"
NO_EXCHANGE_ENV = "WARMTH_TEST_NO_EXCHANGE"
_PAUSE_LIMIT = 300.0


def new_staging(output: Path) -> Path:
    return Path(tempfile.mkdtemp(prefix=f".{output.name}.tmp-", dir=output.parent))


def _debris(output: Path) -> re.Pattern:
    # mkdtemp's 8 characters exactly, so the staging of an output named "site.tmp-x" is not taken for "site"'s
    return re.compile(rf"\.{re.escape(output.name)}\.(tmp|old)-[a-z0-9_]{{8}}")


def sweep(output: Path) -> None:
    """Remove what killed builds into ``output`` left beside it; first put back a site a killed swap took away.

    Call only while holding the output's lock: then no running build owns any of these folders.
    """
    pattern = _debris(output)
    found = []
    for path in output.parent.iterdir():
        match = pattern.fullmatch(path.name)
        if match and path.is_dir() and not path.is_symlink():
            found.append((match.group(1), path))
    if not os.path.lexists(output):
        olds = [path for kind, path in found if kind == "old" and is_marked_build(path)]
        if olds:
            latest = max(olds, key=lambda p: p.stat().st_ctime_ns)
            os.rename(latest, output)
            found = [(kind, path) for kind, path in found if path != latest]
            log.warning(
                "上次生成在替换网站时中断，已先恢复原来的网站：%s\nThe last build was interrupted while swapping the site in; "
                "the previous site was put back first: %s", output, output,
            )  # fmt: skip
    for _, path in found:
        shutil.rmtree(path, ignore_errors=True)
    if found:
        log.info("已清理中断的生成留下的 %d 个临时文件夹 / removed %d folders left by interrupted builds", len(found), len(found))


def swap_in(staging: Path, output: Path, trash: Path | None = None) -> None:
    """Make ``staging`` the output (same parent folder) and delete the old output.

    ``trash``: a folder (the cache's) the old output is moved into and deleted from by a
    background process, so the build does not wait for it; None, or on another file
    system, it is deleted here.
    """
    os.chmod(staging, 0o777 & ~current_umask())  # mkdtemp makes it 0700
    if not os.path.lexists(output):
        os.rename(staging, output)
        return
    if exchange(staging, output):
        pause_for_tests("swapped")
        discard(staging, trash)  # the old site now; if this fails, the next build's sweep removes it
        return
    # Fallback: two renames, with a moment without an output between them (see the module docstring).
    old = Path(tempfile.mkdtemp(prefix=f".{output.name}.old-", dir=output.parent))
    os.rename(output, old)  # onto the empty folder mkdtemp made: the name is never free for another
    pause_for_tests("renamed-away")
    try:
        os.rename(staging, output)
    except BaseException:
        os.rename(old, output)
        raise
    discard(old, trash)


def discard(old: Path, trash: Path | None) -> None:
    """Delete a replaced site: moved into ``trash`` and deleted there in the background, else right here.

    Deleting ~750 MB of files already written to disk takes 7-10 s on a small virtual disk
    (the file system frees every extent); nothing else needs to wait for that.
    """
    if trash is not None:
        try:
            trash.mkdir(parents=True, exist_ok=True)
            os.rename(old, Path(tempfile.mkdtemp(prefix="site-", dir=trash)) / "site")
        except OSError:
            pass  # another file system (EXDEV), or no room for the folder: delete it here
        else:
            empty_trash(trash)
            return
    shutil.rmtree(old, ignore_errors=True)


_EMPTY_TRASH = "import pathlib, shutil, sys\nfor p in pathlib.Path(sys.argv[1]).iterdir():\n    shutil.rmtree(p, ignore_errors=True)\n"


def empty_trash(trash: Path) -> None:
    """Delete everything in ``trash`` in a detached process (what it holds is no build's: replaced sites)."""
    try:
        subprocess.Popen(
            [sys.executable, "-c", _EMPTY_TRASH, str(trash)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True, close_fds=True,
        )
    except OSError:
        for path in trash.iterdir():
            shutil.rmtree(path, ignore_errors=True)


def _renameat2():
    if not sys.platform.startswith("linux"):
        return None
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2  # glibc 2.28+, musl 1.2.4+
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


def exchange(a: Path, b: Path) -> bool:
    """Exchange two existing paths atomically; False where that is not available (nothing changed then)."""
    function = None if os.environ.get(NO_EXCHANGE_ENV) else _renameat2()
    if function is None:
        return False
    if function(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):  # the kernel or file system refuses it
        return False
    raise OSError(code, os.strerror(code), str(a), None, str(b))


def pause_for_tests(point: str) -> None:
    """With WARMTH_TEST_PAUSE=<point>:<flag file>: create the flag file and wait until it is removed (or 300 s)."""
    name, _, flag = os.environ.get(PAUSE_ENV, "").partition(":")
    if name != point or not flag:
        return
    Path(flag).write_text(str(os.getpid()), encoding="utf-8")
    deadline = time.monotonic() + _PAUSE_LIMIT
    while os.path.exists(flag) and time.monotonic() < deadline:
        time.sleep(0.05)
