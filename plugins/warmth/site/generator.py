"""Pelican glue: a generator that reads the data in generate_context and writes
the downloads, charts and data pages in generate_output, like Pelican's own.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import markdown
from markupsafe import Markup
from pelican.generators import Generator

from warmth.core import money
from warmth.core.layout import LEDGER_FILE
from warmth.core.problems import ConfigError
from warmth.core.settings import setting
from warmth.downloads.publish import publish, records_key
from warmth.figures.campaign_table import campaign_table
from warmth.figures.dataset import Dataset, Steps, read_dataset
from warmth.figures.findings import summary
from warmth.site.pages import Page, all_pages

log = logging.getLogger("warmth")


def _quantity(hundredths: int) -> str:
    whole, cents = divmod(int(hundredths), 100)
    if cents == 0:
        return f"{whole:,}"
    return f"{whole:,}.{cents:02d}".rstrip("0")


def _count(value: int) -> str:
    return f"{int(value):,}"


def _filesize(size: int) -> str:
    if size < 1024:
        return f"{size} 字节"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def _yuan(fen: int | None) -> str:
    """Money to the fen; None means nothing was reported (never shown as ¥0.00)."""
    return "未报送" if fen is None else money.yuan(fen)


FILTERS = {
    "yuan": _yuan,
    "wan": money.wan,
    "num": _count,
    "quantity": _quantity,
    "filesize": _filesize,
}


def add_filters(generator) -> None:
    """generator_init: every generator's Jinja env gets the money filters.

    Autoescape is a security promise of the theme, so it is enforced here and
    not left to the settings file.
    """
    autoescape = generator.env.autoescape
    if not (autoescape is True or (callable(autoescape) and autoescape("page.html"))):
        raise ConfigError(
            "模板必须开启自动转义：JINJA_ENVIRONMENT 中设置 autoescape = True。\n"
            "Templates must autoescape: set 'autoescape': True in JINJA_ENVIRONMENT."
        )
    generator.env.filters.update(FILTERS)


def _narratives(folder: Path) -> dict[str, str]:
    """Staff's markdown narrative per round: content/rounds/<round id>.md."""
    result = {}
    if folder.is_dir():
        for path in sorted(folder.glob("*.md")):
            html = markdown.markdown(path.read_text(encoding="utf-8-sig"), extensions=["tables", "sane_lists"])
            result[path.stem] = Markup(html)
    return result


class WarmthGenerator(Generator):
    """Reads data/ once, then writes /data/, /charts/ and the data pages."""

    def generate_context(self) -> None:
        self.report = self.settings.get("WARMTH_REPORT")
        if self.report is None:
            self.report = {}
        self.steps = Steps()
        self.report["timings"] = self.steps.timings
        root = Path(self.settings.get("WARMTH_ROOT") or os.getcwd())
        self.data_dir = (root / setting(self.settings, "WARMTH_DATA")).resolve()
        cache = setting(self.settings, "WARMTH_CACHE")
        self.cache_dir = (root / cache).resolve() if cache else None
        self.dataset: Dataset = read_dataset(self.data_dir, self.steps)
        campaign = self.dataset.campaign
        self.report["records"] = len(self.dataset.records)
        self.report["allowed_emails"] = [str(campaign.contact.get("email", "")).lower()]
        self.context["warmth"] = {
            "campaign": campaign,
            "sample": campaign.sample_data,
            "destinations": campaign.destinations,
            "fund_sources": campaign.fund_sources,
            "categories": campaign.categories,
            "rounds": campaign.rounds,
            "privacy": self.dataset.coarsening,
        }
        for row in summary(self.dataset.findings):
            if row["count"]:
                amount = f"（{money.yuan(row['amount_fen'])}）" if row["amount_fen"] else ""
                log.info("核查结果 / finding: %s %s 项%s", row["zh"], row["count"], amount)
        notes_dir = root / setting(self.settings, "WARMTH_ROUND_NOTES")
        self.narratives = _narratives(notes_dir)

    def generate_output(self, writer) -> None:
        ds = self.dataset
        out = Path(self.output_path)
        with self.steps.step("pages", "整理页面数据"):
            table = campaign_table(ds.records, ds.campaign)
            pages = all_pages(
                ds.agg, ds.campaign, self.narratives, ledger=ds.ledger, findings=ds.findings, submissions=ds.submissions,
                table=table, corrections=ds.corrections,
            )
            charts = [chart for page in pages for chart in page.charts]
        with self.steps.step("charts", "绘制图表"):
            # Charts are drawn in a worker process while this one writes the
            # downloads; a rebuild with unchanged figures reads them from the cache.
            drawing = ChartJob([(c.kind, c.payload) for c in charts], self.charts_cache)
        try:
            with self.steps.step("publish", "写出下载文件"):
                key = records_key(ds.digests)
                ledger_path = self.data_dir / LEDGER_FILE
                downloads = publish(
                    out, ds.records, ds.agg, ds.campaign, records_key=key, cache_dir=self.cache_dir,
                    archived=ds.sealed, ledger=ledger_path.read_bytes() if ds.ledger else None, findings=ds.findings,
                    table=table, corrections=ds.corrections,
                )
            with self.steps.step("charts"):
                svgs = drawing.result()
        finally:
            drawing.close()
        with self.steps.step("charts"):
            charts_dir = out / "charts"
            charts_dir.mkdir(parents=True, exist_ok=True)
            for chart, svg in zip(charts, svgs):
                (charts_dir / f"{chart.name}.svg").write_bytes(svg)
        with self.steps.step("render", "生成网页"):
            by_path = {d.path: d for d in downloads}
            for page in pages:
                self._write_page(writer, page, downloads=downloads, downloads_by_path=by_path)
        self.report["downloads"] = downloads
        self.report["pages"] = len(pages)

    @property
    def charts_cache(self) -> Path | None:
        return self.cache_dir / "charts" if self.cache_dir else None

    def _write_page(self, writer, page: Page, **extra) -> None:
        writer.write_file(
            page.save_as,
            self.get_template(page.template),
            self.context,
            relative_urls=self.settings["RELATIVE_URLS"],
            url=page.save_as.removesuffix("index.html"),
            page_title=page.title,
            charts={c.name: c for c in page.charts},
            **extra,
            **page.data,
        )


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


def get_generators(pelican) -> type[Generator]:
    return WarmthGenerator
