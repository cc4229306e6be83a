"""Search, receipt lookup and the record filter in a real browser (Playwright + Chromium).

The built default site is served on 127.0.0.1 only. Skipped where Playwright or a Chromium
is not installed (the browser suite's requirements bring them; PLAYWRIGHT_CHROMIUM or
Debian's /usr/bin/chromium is used, nothing is downloaded).
"""

from __future__ import annotations

import csv
import functools
import io
import os
import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = os.environ.get("PLAYWRIGHT_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(not CHROMIUM, reason="no Chromium to drive")


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def served(default_site):
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(default_site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-quic"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser, served):
    context = browser.new_context(viewport={"width": 390, "height": 844}, accept_downloads=True)
    tab = context.new_page()
    outside = []
    tab.on("request", lambda r: outside.append(r.url) if not r.url.startswith((served, "data:", "blob:")) else None)
    yield tab
    context.close()
    assert not outside, outside  # nothing from another host


def search(page, served, query: str):
    page.goto(f"{served}/search/?q={query}")
    page.wait_for_function("window.__searchDone !== undefined")
    page.evaluate("window.__searchDone")


def test_search_finds_rice_and_a_disbursing_unit(page, served):
    search(page, served, "大米")
    links = page.locator("#search-results .search-list a")
    assert links.count() >= 10
    assert any("/districts/" in links.nth(i).get_attribute("href") for i in range(links.count()))
    assert page.locator("#search-results mark").first.inner_text().strip() == "大米"
    search(page, served, "市中区困难职工帮扶中心")  # a unit's whole name: its page, by name
    first = page.locator("#name-results a").first
    assert first.inner_text() == "市中区困难职工帮扶中心" and "/units/u-" in first.get_attribute("href")
    search(page, served, "帮扶中心")  # part of a name: the full-text index finds the units' pages
    hrefs = [a.get_attribute("href") for a in page.locator("#search-results .search-list a").all()]
    assert sum("/units/u-" in h for h in hrefs) >= 10


def test_header_search_field_goes_to_the_search_page(page, served):
    page.goto(f"{served}/districts/shizhong/")
    page.get_by_role("search").first.locator("input").fill("大米")
    page.get_by_role("search").first.locator("button").click()
    page.wait_for_url("**/search/?q=*")
    page.wait_for_function("window.__searchDone !== undefined")
    page.evaluate("window.__searchDone")
    assert page.locator("#search-results .search-list li").count() >= 10


def test_lookup_of_a_known_record_shows_its_published_amount(page, served, default_site):
    rows = list(csv.DictReader(io.StringIO((default_site / "data/disbursements.csv").read_text(encoding="utf-8-sig"))))
    record = rows[123]
    search(page, served, record["record_id"])
    box = page.locator("#lookup-result")
    assert record["record_id"] in box.locator("h2").inner_text()
    text = box.inner_text()
    whole, cents = record["amount_yuan"].split(".")
    assert f"¥{int(whole):,}.{cents}" in text and record["district"] in text and record["fund_source"] in text
    for withheld in ("受助人编码", "建档日期"):
        assert withheld not in box.locator("dl").inner_text()
    search(page, served, "NO-SUCH-9999")
    assert "没有找到记录编号" in page.locator("#lookup-result").inner_text()


def test_filter_download_is_the_visible_rows(page, served, default_site):
    page.goto(f"{served}/districts/shizhong/")
    page.locator(".rf-load").click()
    page.wait_for_selector(".record-filter[data-ready]")
    published = (default_site / "data/districts/shizhong/disbursements.csv").read_bytes()
    assert page.evaluate("document.querySelector('.record-filter').csvText()").encode("utf-8") == published
    page.select_option("select[name=aid_type]", label=page.locator("select[name=aid_type] option").nth(2).inner_text())
    page.select_option("select[name=sort]", "amount-desc")
    with page.expect_download() as info:
        page.locator(".rf-download").click()
    payload = Path(info.value.path()).read_bytes()
    assert payload.startswith(b"\xef\xbb\xbf")
    got = list(csv.DictReader(io.StringIO(payload.decode("utf-8-sig"))))
    every = list(csv.DictReader(io.StringIO(published.decode("utf-8-sig"))))
    aid = {row["aid_type"] for row in got}
    assert len(aid) == 1 and 0 < len(got) < len(every)
    assert sorted(got, key=lambda r: r["record_id"]) == sorted((r for r in every if r["aid_type"] in aid), key=lambda r: r["record_id"])
    amounts = [float(r["amount_yuan"]) for r in got]
    assert amounts == sorted(amounts, reverse=True)
    assert f"显示 {len(got):,} 条记录".replace(",", "") in page.locator(".rf-status").inner_text().replace(",", "")
    visible = page.locator(".rf-table tbody tr")
    assert visible.count() == min(len(got), 100)
    assert visible.first.locator("td").first.inner_text() == got[0]["record_id"]


def test_findings_filter_shows_only_the_chosen_severity(page, served):
    page.goto(f"{served}/findings/")
    total = page.locator("tr[data-rule]").count()
    page.select_option("select[name=severity]", "high")
    shown = page.locator("tr[data-rule]:visible")
    assert 0 < shown.count() < total
    assert all(shown.nth(i).get_attribute("data-severity") == "high" for i in range(shown.count()))
    assert page.locator("#severity-low").is_hidden()


def test_lookup_on_the_english_page_speaks_english_and_links_to_english_pages(page, served, default_site):
    """The same record looked up on /en/search/: English labels and names (the glossary's), links under /en/."""
    rows = list(csv.DictReader(io.StringIO((default_site / "data/disbursements.csv").read_text(encoding="utf-8-sig"))))
    record = next(r for r in rows if r["district"] == "沐川县")
    page.goto(f"{served}/en/search/?q={record['record_id']}")
    page.wait_for_function("window.__searchDone !== undefined")
    page.evaluate("window.__searchDone")
    box = page.locator("#lookup-result")
    assert record["record_id"] in box.locator("h2").inner_text() and "Record" in box.locator("h2").inner_text()
    assert "Amount (yuan)" in box.inner_text() and "金额" not in box.inner_text()
    assert "Muchuan County" in box.inner_text()  # shared/glossary.md (the disbursing unit's name stays as published)
    assert box.get_by_role("link", name="Muchuan County").get_attribute("href").endswith("/en/districts/muchuan/")
