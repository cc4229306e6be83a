"""The compiled-template cache: Jinja's bytecode, kept between builds.

Compiling the theme's templates costs about 0.8 s a build; the compiled code
of an unchanged template is the same every time. Jinja offers the hook
(`jinja2.BytecodeCache`); this class stores what it hands over the way the
build's other caches do (downloads/cache.py, intake/rowcache.py):

- an entry's name is the SHA-256 of the template's name and file, Jinja's and
  Python's versions and everything of the environment that changes the compiled
  code (every plain setting, its policies, extensions and the callables it
  compiles against), so an environment set up otherwise never reuses another's
  code (Jinja's own file cache keys by the template's name and file only);
- Jinja stores the SHA-1 of the template's source inside the entry and
  recompiles when the source changed;
- an entry is checked by its SHA-256 before use, read-only, and appears whole;
  storing is best effort (core/entries.py).

The folder is ``<WARMTH_CACHE>/templates``; ``make clean`` removes it.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import sys
from pathlib import Path

import jinja2
from jinja2.bccache import Bucket, BytecodeCache

from warmth.core.entries import read_entry, write_entry


class TemplateCache(BytecodeCache):
    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def get_bucket(self, environment, name, filename, source) -> Bucket:
        options = [jinja2.__version__, sys.version, name, filename or "", _compiling(environment)]
        key = hashlib.sha256(repr(options).encode("utf-8")).hexdigest()
        bucket = Bucket(environment, key, self.get_source_checksum(source))
        self.load_bytecode(bucket)
        return bucket

    def _path(self, bucket: Bucket) -> Path:
        return self.folder / f"{bucket.key}.jinja"

    def load_bytecode(self, bucket: Bucket) -> None:
        body = read_entry(self._path(bucket))
        if body is not None:
            bucket.load_bytecode(io.BytesIO(body))  # Jinja checks its magic and the source's checksum

    def dump_bytecode(self, bucket: Bucket) -> None:
        buffer = io.BytesIO()
        bucket.write_bytecode(buffer)
        write_entry(self._path(bucket), buffer.getvalue())

    def clear(self) -> None:
        for path in self.folder.glob("*.jinja"):
            with contextlib.suppress(OSError):
                path.unlink()


def _compiling(environment) -> list:
    """Everything of an environment that can change the code a template compiles to: every plain setting
    (delimiters, line prefixes, whitespace handling, ``newstyle_gettext``, ``optimized`` …), its policies,
    its extensions, and the callables it compiles against (finalize, autoescape), by name."""
    plain = sorted((k, v) for k, v in vars(environment).items() if isinstance(v, str | bool | int | float | type(None)))
    policies = sorted((k, repr(v)) for k, v in environment.policies.items())
    named = [getattr(f, "__qualname__", repr(f)) if callable(f) else repr(f) for f in (environment.finalize, environment.autoescape)]
    return [type(environment).__qualname__, plain, policies, sorted(environment.extensions), named]
