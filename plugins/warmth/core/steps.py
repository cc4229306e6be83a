"""Named steps of a long job: timed, and announced as progress (Chinese first)."""

from __future__ import annotations

import logging
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

log = logging.getLogger("warmth")


@dataclass
class Steps:
    """Named step timings, printed as progress and kept for the benchmark."""

    timings: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def step(self, name: str, zh: str = ""):
        """Time a step; ``zh`` is the progress message (none when resuming a step)."""
        if zh:
            log.info("%s… / %s…", zh, name)
        start = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - start
