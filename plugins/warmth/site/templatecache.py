"""The compiled-template cache: Jinja's bytecode, kept between builds.

Compiling the theme's templates costs about 0.8 s a build; the compiled code
of an unchanged template is the same every time. Jinja offers the hook
(`jinja2.BytecodeCache`); this class stores what it hands over the way the
build's other caches do (downloads/cache.py, intake/rowcache.py):

- an entry's name is the SHA-256 of the template's name and file, Jinja's and
  Python's versions and the environment's extensions and options, so a
  different environment never reuses another's code (Jinja's own file cache
  keys by name alone);
- Jinja stores the SHA-1 of the template's source inside the entry and
  recompiles when the source changed;
- an entry starts with the SHA-256 of the rest and is used only when that still
  matches (an edited or truncated entry is ignored and written again), is
  read-only, and appears whole (written beside, then renamed into place);
- storing is best effort: a cache that cannot be written slows the next build,
  never fails this one.

The folder is ``<WARMTH_CACHE>/templates``; ``make clean`` removes it.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import sys
import tempfile
from pathlib import Path

import jinja2
from jinja2.bccache import Bucket, BytecodeCache

READ_ONLY = 0o444


class TemplateCache(BytecodeCache):
    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def get_bucket(self, environment, name, filename, source) -> Bucket:
        options = [
            jinja2.__version__, sys.version, name, filename or "", sorted(environment.extensions),
            repr(environment.autoescape) if not callable(environment.autoescape) else "callable",
            environment.trim_blocks, environment.lstrip_blocks, environment.keep_trailing_newline,
        ]
        key = hashlib.sha256(repr(options).encode("utf-8")).hexdigest()
        bucket = Bucket(environment, key, self.get_source_checksum(source))
        self.load_bytecode(bucket)
        return bucket

    def _path(self, bucket: Bucket) -> Path:
        return self.folder / f"{bucket.key}.jinja"

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            data = self._path(bucket).read_bytes()
        except OSError:
            return
        head, _, body = data.partition(b"\n")
        if head.decode("ascii", "replace") == hashlib.sha256(body).hexdigest():
            bucket.load_bytecode(io.BytesIO(body))  # Jinja checks its magic and the source's checksum

    def dump_bytecode(self, bucket: Bucket) -> None:
        buffer = io.BytesIO()
        bucket.write_bytecode(buffer)
        body = buffer.getvalue()
        temp = None
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(prefix=".template-", dir=self.folder)
            with os.fdopen(fd, "wb") as handle:
                handle.write(hashlib.sha256(body).hexdigest().encode("ascii") + b"\n" + body)
            os.chmod(temp, READ_ONLY)
            os.replace(temp, self._path(bucket))
            temp = None
        except OSError:
            pass
        finally:
            if temp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temp)

    def clear(self) -> None:
        for path in self.folder.glob("*.jinja"):
            with contextlib.suppress(OSError):
                path.unlink()
