"""Pelican glue: a generator that reads the data in generate_context and writes
the downloads, charts and data pages in generate_output, like Pelican's own.

Everything it does is a call into the stages: figures.dataset reads and checks,
site.pages makes the page models, downloads.publish writes /data/, site.charts
draws. When it is done, `report` holds what the build command prints. Staff
markdown — round narratives here, content pages through `sanitize_content` —
is cleaned by site.sanitize before any page shows it.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import markdown
from markupsafe import Markup
from pelican.contents import Static
from pelican.generators import Generator

from warmth.core import money
from warmth.core.problems import ConfigError
from warmth.core.settings import setting
from warmth.core.steps import Steps
from warmth.downloads.download import Download
from warmth.downloads.publish import publish
from warmth.figures.dataset import Dataset, read_dataset
from warmth.figures.findings import summary
from warmth.site.basics import data_as_of, feed_entries, index_pages, round_dates, site_urls
from warmth.site.browse_pages import browse_pages
from warmth.site.chartjob import ChartJob
from warmth.site.feed import atom_feed
from warmth.site.filters import FILTERS, english_name
from warmth.site.i18n import PREFIX, Language, install, languages
from warmth.site.pages import DOWNLOADS_TEMPLATE, Page, all_pages, reporting
from warmth.site.sanitize import clean_html
from warmth.site.templatecache import TemplateCache

log = logging.getLogger("warmth")


@dataclass(frozen=True)
class BuildReport:
    """What one build did: the build command prints it, the benchmark keeps it."""

    records: int = 0
    pages: int = 0
    downloads: tuple[Download, ...] = ()
    timings: dict[str, float] = field(default_factory=dict)
    allowed_emails: frozenset[str] = frozenset()  # e-mail addresses pages may show (the contact)
    allowed_phones: frozenset[str] = frozenset()  # phone numbers pages may show (the contact's phone and fax)


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
    install(generator.env)
    cache = cache_dir(generator.settings)
    if cache is not None:  # compiled templates kept between builds (site/templatecache.py)
        generator.env.bytecode_cache = TemplateCache(cache / "templates")


def cache_dir(settings) -> Path | None:
    """The build's cache folder (WARMTH_CACHE, from the project folder), or None when caching is off."""
    cache = setting(settings, "WARMTH_CACHE")
    return (Path(settings.get("WARMTH_ROOT") or os.getcwd()) / cache).resolve() if cache else None


def sanitize_content(content) -> None:
    """content_object_init: a page Pelican rendered from staff markdown keeps only safe HTML."""
    if isinstance(content, Static):
        return
    if isinstance(getattr(content, "_content", None), str):
        content._content = clean_html(content._content)
    if isinstance(getattr(content, "_summary", None), str):
        content._summary = clean_html(content._summary)


def _narratives(folder: Path) -> dict[str, str]:
    """Staff's markdown narrative per round: content/rounds/<round id>.md (and <round id>.en.md for the English page), sanitised."""
    result = {}
    if folder.is_dir():
        for path in sorted(folder.glob("*.md")):
            html = markdown.markdown(
                path.read_text(encoding="utf-8-sig"),
                extensions=["tables", "sane_lists"],
                extension_configs={"tables": {"use_align_attribute": True}},  # alignment without style=
            )
            result[path.stem] = Markup(clean_html(html))
    return result


class WarmthGenerator(Generator):
    """Reads data/ once, then writes /data/, /charts/ and the data pages."""

    report: BuildReport = BuildReport()

    def generate_context(self) -> None:
        self.steps = Steps()
        root = Path(self.settings.get("WARMTH_ROOT") or os.getcwd())
        self.data_dir = (root / setting(self.settings, "WARMTH_DATA")).resolve()
        self.cache_dir = cache_dir(self.settings)
        pending = bool(setting(self.settings, "WARMTH_PENDING_REDACTIONS"))
        rows = self.cache_dir / "rows" if self.cache_dir else None
        self.dataset: Dataset = read_dataset(self.data_dir, self.steps, pending_redactions=pending, cache=rows)
        campaign = self.dataset.campaign
        self.context["warmth"] = {
            "campaign": campaign,
            "sample": campaign.sample_data,
            "destinations": campaign.destinations,
            "fund_sources": campaign.fund_sources,
            "categories": campaign.categories,
            "rounds": campaign.rounds,
            "privacy": self.dataset.privacy,
            "as_of": data_as_of(self.dataset),  # 数据截至: from the data, never the clock
        }
        for row in summary(self.dataset.findings):
            if row["count"]:
                amount = f"（{money.yuan(row['amount_fen'])}）" if row["amount_fen"] else ""
                log.info("核查结果 / finding: %s %s 项%s", row["zh"], row["count"], amount)
        self.narratives = _narratives(root / setting(self.settings, "WARMTH_ROUND_NOTES"))

    def generate_output(self, writer) -> None:
        ds = self.dataset
        out = Path(self.output_path)
        with self.steps.step("pages", "整理页面数据"):
            rep = reporting(ds)
            pages = all_pages(ds, self.narratives, rep) + index_pages(ds, rep)
            pages += browse_pages(ds, pages)
            for page in pages:
                if page.template == "warmth_round":  # content/rounds/<id>.en.md, when staff wrote one
                    page.data["narrative_en"] = self.narratives.get(f"{page.data['round'].id}.en", "")
            charts = [chart for page in pages for chart in page.charts]
        with self.steps.step("charts", "绘制图表"):
            # Charts are drawn in a worker process while this one writes the
            # downloads; a rebuild with unchanged figures reads them from the cache.
            drawing = ChartJob([(c.kind, c.payload) for c in charts], self.cache_dir / "charts" if self.cache_dir else None)
        published = None
        try:
            try:
                with self.steps.step("publish", "写出下载文件"):
                    published = publish(out, ds, cache_dir=self.cache_dir)
                with self.steps.step("charts"):
                    svgs = drawing.result()
            finally:
                drawing.close()
            with self.steps.step("charts"):
                charts_dir = out / "charts"
                charts_dir.mkdir(parents=True, exist_ok=True)
                for chart, svg in zip(charts, svgs):
                    (charts_dir / f"{chart.name}.svg").write_bytes(svg)
                    chart.width, chart.height = svg_size(svg)
            # all.zip is being written meanwhile; only the downloads page shows its size and SHA-256
            later = [page for page in pages if page.template == DOWNLOADS_TEMPLATE]
            first = [page for page in pages if page.template != DOWNLOADS_TEMPLATE]
            downloads = published.downloads
            with self.steps.step("render", "生成网页"):
                written = self.steps.progress("pages", "网页", total=len(pages) * len(languages(self.theme)))
                self._write_pages(writer, first, downloads, written, content=True)
                self._write_basics(writer, pages, round_dates(ds))
            with self.steps.step("publish"):
                downloads = downloads + published.archive()
            with self.steps.step("render"):
                self._write_pages(writer, later, downloads, written)
        finally:
            if published is not None:
                published.close()  # never leave a thread writing into a folder about to be removed
        missing = ds.campaign.english.missing
        if missing:
            log.warning(
                "英文页面将显示中文名称（campaign.toml 未写 name_en）/ English pages show the Chinese name of: %s",
                "、".join(missing),
            )
        self.report = BuildReport(
            records=len(ds.records), pages=len(pages), downloads=tuple(downloads), timings=dict(self.steps.timings),
            allowed_emails=ds.campaign.own_emails,
            allowed_phones=ds.campaign.own_phones,
        )

    def _write_pages(self, writer, pages: list[Page], downloads: list[Download], written, *, content: bool = False) -> None:
        """``pages`` in every language, each language followed by the staff's content pages when ``content``."""
        by_path = {d.path: d for d in downloads}
        for lang in languages(self.theme):
            for page in pages:
                self._write_page(writer, page, lang, downloads=downloads, downloads_by_path=by_path)
                written()
            if content:
                self._write_content_pages(writer, lang)

    def _write_basics(self, writer, pages: list[Page], dates: dict[str, str]) -> None:
        """404.html, feed.xml, sitemap.xml, robots.txt and favicon.ico at the site's root.

        The 404 page is served at any depth, so its links start at the root ("/…", under SITEURL's
        path when the site lives in a sub-folder); the feed, sitemap and robots.txt are read by
        machines elsewhere and use SITEURL itself (absolute when publishing).
        """
        siteurl = self.settings.get("SITEURL", "")
        root = urlsplit(siteurl).path.rstrip("/")
        chinese = languages(self.theme)[0].context("404.html") | {"page_path": None}  # served at any path: no switch
        writer.write_file("404.html", self.get_template("warmth_404"), self.context, relative_urls=False, SITEURL=root, page_title="找不到页面", **chinese)
        urls = site_urls(pages, [page.url for page in self.context.get("pages", [])])
        urls += [PREFIX["en"] + url for url in urls]
        entries = feed_entries(self.dataset, dates)
        feed = atom_feed(entries, self.dataset.campaign, siteurl, self.context["warmth"]["as_of"])
        (Path(self.output_path) / "feed.xml").write_bytes(feed)
        for name, template, extra in (
            ("sitemap.xml", "warmth_sitemap.xml", {"urls": urls}),
            ("robots.txt", "warmth_robots.txt", {}),
        ):
            writer.write_file(name, self.env.get_template(template), self.context, relative_urls=False, SITEURL=siteurl, **extra)
        icon = Path(self.theme) / "static" / "favicon.ico"
        if icon.is_file():
            (Path(self.output_path) / "favicon.ico").write_bytes(icon.read_bytes())

    def _write_page(self, writer, page: Page, lang: Language, **extra) -> None:
        """One data page in one language: Chinese at its path, English under en/."""
        writer.write_file(
            PREFIX[lang.code] + page.save_as,
            self.get_template(page.template),
            self.context,
            relative_urls=self.settings["RELATIVE_URLS"],
            url=PREFIX[lang.code] + page.save_as.removesuffix("index.html"),
            page_title=self._title(page.title, lang),
            charts={c.name: c for c in page.charts},
            **lang.context(page.save_as),
            **extra,
            **page.data,
        )

    def _title(self, title: str, lang: Language) -> str:
        """A page's title in ``lang``: a campaign name's English form, else the catalog's."""
        if lang.code == "zh":
            return title
        english = english_name(self.dataset.campaign, title)
        return english if english != title else lang.translations.gettext(title)

    def _write_content_pages(self, writer, lang: Language) -> None:
        """The staff's content pages (content/pages) in ``lang``: Pelican wrote the Chinese ones without
        a language switch, so they are written again (same words, with the switch), and under en/ with
        the frame in English; their text stays the staff's Chinese, marked lang="zh-CN" (README "English pages")."""
        for page in self.context.get("pages", []):
            writer.write_file(
                PREFIX[lang.code] + page.save_as,
                self.get_template(page.template),
                self.context,
                relative_urls=self.settings["RELATIVE_URLS"],
                override_output=True,
                page=page,
                page_title=page.title if lang.code == "zh" else getattr(page, "title_en", "") or lang.translations.gettext(page.title),
                **lang.context(page.save_as),
            )


def svg_size(svg: bytes) -> tuple[int | None, int | None]:
    """An SVG's width and height in CSS px (matplotlib writes them in pt), or (None, None)."""
    head = svg[:2000].decode("utf-8", "replace")
    found = [re.search(rf'<svg[^>]*\b{side}="([\d.]+)pt"', head) for side in ("width", "height")]
    if not all(found):
        return None, None
    return tuple(round(float(m.group(1)) * 4 / 3) for m in found)


def get_generators(pelican) -> type[Generator]:
    return WarmthGenerator
