"""A rebuild whose inputs did not change: found before pandas, matplotlib or Pelican load.

After each build into an output, its state is stored in the cache
(``<cache>/builds/<output key>.json``, never published): every input file —
under the data folder, content/, theme/, plugins/, the settings files and any
folder the settings name — with its size, inode, modification and change
times (``st_ctime_ns``: nothing but a write or a clock change moves it) and
SHA-256; what else the output depends on (the settings file and overrides, the
Python, the installed packages by their dist-info names, WARMTH_* and
PELICAN* variables); and the output as it was swapped in (every file's path,
size, inode and times, and the folder's own inode).

The next build into that output, holding its lock, compares: a file whose
stat is unchanged keeps its recorded digest, any other is hashed. If every
digest and every other fact is equal, and the output is still exactly what
was swapped in (its marker, SHA256SUMS, every file's stat), there is nothing
to do: the build says so and stops. Anything else — one byte of one file, a
file added or removed, an edit inside the output, another build's output,
a missing or unreadable state — builds as before. ``--no-cache`` always builds.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path

from warmth.core.layout import SUMS_PATH, is_marked_build

FORMAT = 1
SKIP_DIRS = {"__pycache__", ".pytest_cache", ".ruff_cache", ".hypothesis"}
ENV_PREFIXES = ("WARMTH_", "PELICAN")
ENV_IGNORED = {"WARMTH_BUILD_WAIT"}  # how long to wait for the lock changes no output


def state_path(cache: Path, output: Path) -> Path:
    key = hashlib.sha256(os.fsencode(str(output))).hexdigest()[:32]
    return cache / "builds" / f"{key}.json"


def stat_key(st: os.stat_result) -> list[int]:
    """How the state records a file's stat (site/mtimes.py compares the previous output's files with it)."""
    return [st.st_size, st.st_ino, st.st_mtime_ns, st.st_ctime_ns]


def _files(path: Path) -> dict[str, os.stat_result]:
    """Every regular file under ``path`` (or ``path`` itself, as ""), by relative path; links and odd files by lstat."""
    found: dict[str, os.stat_result] = {}
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return found
    if not os.path.isdir(path) or os.path.islink(path):
        found[""] = st
        return found
    top = os.fspath(path)
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        # os.walk's folders start with ``top`` as given: the relative path is a slice (os.path.relpath is slow)
        inner = dirpath[len(top):].lstrip(os.sep)
        prefix = inner + os.sep if inner else ""
        for name in filenames:
            if name.endswith(".pyc"):
                continue
            found[prefix + name] = os.lstat(os.path.join(dirpath, name))
    return found


def _sha256(path: str) -> str:
    if os.path.islink(path):
        return "link:" + os.readlink(path)
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def snapshot_inputs(paths: list[Path], previous: dict | None = None) -> dict[str, dict[str, list]]:
    """Path → {relative file → [size, inode, mtime_ns, ctime_ns, sha256]}; unchanged stats reuse ``previous`` digests."""
    previous = previous or {}
    result: dict[str, dict[str, list]] = {}
    for path in sorted({str(Path(p).resolve()) for p in paths}):
        before = previous.get(path, {})
        files = {}
        for rel, st in sorted(_files(Path(path)).items()):
            key = stat_key(st)
            old = before.get(rel)
            digest = old[4] if old and old[:4] == key else _sha256(os.path.join(path, rel) if rel else path)
            files[rel] = [*key, digest]
        result[path] = files
    return result


def _same_inputs(recorded: dict, paths: list[str]) -> bool:
    now = snapshot_inputs([Path(p) for p in paths], recorded)
    strip = lambda tree: {p: {rel: v[0:1] + v[4:] for rel, v in files.items()} for p, files in tree.items()}  # noqa: E731
    return strip(now) == strip(recorded)


def environment(settings_file: Path, data: Path, cache: Path | None, overrides: dict | None) -> dict:
    """What the output depends on besides the files: the command's arguments, the Python and its packages."""
    packages = []
    for entry in sys.path:
        if entry and os.path.isdir(entry) and entry.endswith("-packages"):
            packages += sorted(n for n in os.listdir(entry) if n.endswith((".dist-info", ".egg-info")))
    env = {k: v for k, v in os.environ.items() if k.startswith(ENV_PREFIXES) and k not in ENV_IGNORED}
    return {
        "format": FORMAT,
        "settings": str(settings_file),
        "data": str(data),
        "cache": str(cache),
        "overrides": json.dumps(overrides or {}, sort_keys=True, default=str),
        "python": [sys.version, sys.executable],
        "packages": packages,
        "env": dict(sorted(env.items())),
    }


def output_state(output: Path) -> dict:
    """The output as swapped in: the folder's inode and every file's stat (no digests: cheap)."""
    st = os.stat(output)
    files = {rel: stat_key(s) for rel, s in _files(output).items()}
    return {"folder": [st.st_dev, st.st_ino], "files": dict(sorted(files.items()))}


def load(path: Path) -> dict | None:
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) and state.get("format") == FORMAT else None


def unchanged(path: Path, output: Path, env: dict, base_inputs: list[Path]) -> dict | None:
    """The stored state when nothing changed and the output is intact, else None."""
    state = load(path)
    if state is None or state.get("environment") != env or not isinstance(state.get("inputs"), dict):
        return None
    if not is_marked_build(output) or not (output / SUMS_PATH).is_file():
        return None
    try:
        if output_state(output) != state.get("output"):
            return None
        recorded = state["inputs"]
        wanted = {str(p.resolve()) for p in base_inputs} | set(recorded)
        if not _same_inputs(recorded, sorted(wanted)):
            return None
    except (OSError, TypeError, ValueError, IndexError, KeyError, AttributeError):
        return None
    return state


def save(path: Path, output: Path, env: dict, inputs: dict, summary: dict) -> None:
    """Store the state of a build just swapped in (best effort: without it the next build simply builds)."""
    state = {"format": FORMAT, "environment": env, "inputs": inputs, "output": output_state(output), "summary": summary}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=".state-", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(state, handle, sort_keys=True)
        os.replace(temp, path)
    except OSError:
        forget(path)


def forget(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
