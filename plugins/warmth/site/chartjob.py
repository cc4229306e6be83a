"""Charts drawn beside the build: a spawned worker process draws what the cache lacks.

matplotlib is imported only when a chart must be drawn (or looked up), never
for a page build whose charts are all cached.
"""

from __future__ import annotations

from pathlib import Path

WORKERS = 2  # the machine's cores; the main process mostly waits on Arrow I/O meanwhile


class ChartJob:
    """Charts being drawn while the build goes on; ``result()`` waits for the SVGs.

    Cache hits are read at once; otherwise one spawned worker process draws
    them (matplotlib is not thread-safe; a process uses the second core).
    """

    def __init__(self, jobs: list[tuple[str, dict]], folder: Path | None) -> None:
        from warmth.site.charts import cached

        self.pool = None
        self.ready = cached(jobs, folder)
        if self.ready is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            from warmth.site.charts import render_all

            workers = min(WORKERS, len(jobs))
            self.pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
            shares = [jobs[i::workers] for i in range(workers)]
            self.futures = [self.pool.submit(render_all, share, str(folder) if folder else None) for share in shares]

    def result(self) -> list[bytes]:
        if self.pool is None:
            return self.ready
        try:
            shares = [future.result() for future in self.futures]
        finally:
            self.close()
        # undo the round-robin split
        merged: list[bytes] = [b""] * sum(len(share) for share in shares)
        for i, share in enumerate(shares):
            merged[i :: len(shares)] = share
        return merged

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
