"""The built site in a real browser: Chromium driven by Playwright, checked with axe-core.

One site is built for the suite — the embedded sample plus a correction, a report-arrival
list with a late report, and a sealed round, so every page template has something to show
— and served on 127.0.0.1 by a server of the test's own (gzip for text, as a web server
would send it; the 404 page for what does not exist), stopped at the end. One browser runs
for the whole module, and every page template is visited once per width (360 and 1280
CSS px): on that visit the test records every request, every console message, the bytes
transferred, what sticks out of the screen and what axe-core finds. The tests below
assert on those records; the campaign table is also printed to PDF on A4 landscape.

Chromium: /usr/bin/chromium (Debian's; Playwright cannot download its own browser here).
Without it the tests are skipped with a message (Chinese first), except on a Debian machine
run as root — CI — where `make test` installs it and a missing browser is a failure.
"""

from __future__ import annotations

import functools
import gzip
import http.server
import os
import re
import shutil
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conftest import build

CHROMIUM = Path(os.environ.get("WARMTH_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-default-apps", "--no-default-browser-check",
]
WIDTHS = (360, 1280)
HEIGHTS = {360: 740, 1280: 900}
HOME_BUDGET = 150 * 1024  # bytes transferred on a first load of the home page, charts included
PAGE_BUDGET = 300 * 1024  # any other page
MIN_TEXT_PX = 11.0  # the smallest text anywhere on a 360 px screen, chart text included

# Every page template, once: (URL, what it is).
PAGES = [
    ("/", "总览"),
    ("/districts/", "区县目录"),
    ("/districts/muchuan/", "区县（缺一批报送）"),
    ("/districts/shizhong/", "区县"),
    ("/sources/", "资金来源目录"),
    ("/sources/central-supplement/", "资金来源"),
    ("/categories/", "类别目录"),
    ("/categories/medical/", "救助类别"),
    ("/rounds/", "批次目录"),
    ("/rounds/2012-02/", "批次"),
    ("/table/", "统计表"),
    ("/findings/", "核查结果"),
    ("/corrections/", "更正"),
    ("/ledger/", "封存账本"),
    ("/downloads/", "数据下载"),
    ("/about/", "关于"),
    ("/units/", "发放单位目录"),
    ("/units/u-06ef1703d5d9/", "发放单位"),
    ("/weeks/", "按周目录"),
    ("/weeks/2012-01-02/", "一周"),
    ("/search/", "搜索"),
    ("/no/such/page/", "404"),
    # the English version (README "English pages"): the same templates in English
    ("/en/", "English: overview"),
    ("/en/districts/muchuan/", "English: a district with a report missing"),
    ("/en/table/", "English: campaign table"),
    ("/en/findings/", "English: findings"),
]

MISSING = (
    f"未找到 Chromium 浏览器（{CHROMIUM}），浏览器测试已跳过：在 Debian 上以 root 运行 make test 会自动安装，"
    "或运行 apt-get install chromium。/ "
    f"Chromium not found at {CHROMIUM}: the browser tests are skipped. make test installs it on Debian as root; "
    "elsewhere install Chromium (apt-get install chromium) or set WARMTH_CHROMIUM to its path."
)


def _ci_machine() -> bool:
    """Where the Makefile installs Chromium itself (Debian, as root): there the tests must run."""
    try:
        debian = re.search(r"^ID=\"?debian\"?$", Path("/etc/os-release").read_text(encoding="utf-8"), re.M) is not None
    except OSError:
        debian = False
    return debian and hasattr(os, "geteuid") and os.geteuid() == 0


def _require_chromium() -> None:
    if CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK):
        return
    if _ci_machine():
        pytest.fail("make test 应已安装 Chromium，但找不到它。/ make test should have installed Chromium, but it is missing.\n" + MISSING)
    pytest.skip(MISSING)


# --- the site and its server ------------------------------------------------------

COMPRESSED = {".html", ".css", ".svg", ".xml", ".txt", ".json", ".csv", ".jsonl"}


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Static files as a web server sends them: text gzipped when asked, 404.html for what is missing."""

    def log_message(self, *args):  # quiet
        pass

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if path.is_dir() and self.path.split("?")[0].endswith("/"):
            path = path / "index.html"
        if path.is_file() and path.suffix in COMPRESSED and "gzip" in self.headers.get("Accept-Encoding", ""):
            body = gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)
            return self._send(200, self.guess_type(str(path)), body, {"Content-Encoding": "gzip"})
        if not path.exists() and not path.is_dir():
            page = Path(self.directory) / "404.html"
            return self._send(404, "text/html; charset=utf-8", page.read_bytes())
        return super().send_head()

    def _send(self, status, ctype, body, headers=None):
        import io

        self.send_response(status)
        self.send_header("Content-Type", ctype if "charset" in ctype or not ctype.startswith("text/") else f"{ctype}; charset=utf-8")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


@pytest.fixture(scope="module")
def site(tmp_path_factory, root, cache_dir) -> Path:
    """The sample data with a correction, a late report and a sealed round, built."""
    from warmth.staff.seal import seal

    from independent import read_rows

    base = tmp_path_factory.mktemp("browser")
    data = base / "data"
    shutil.copytree(root / "data", data)
    first, second = read_rows(data / "rounds/2012-01/shawan.csv")[:2]
    (data / "corrections.csv").write_text(
        "correction_id,record_id,field,old_value,new_value,reason,date,round\n"
        f"C-1,{first['record_id']},amount_yuan,{first['amount_yuan']},{first['amount_yuan']},核对原始凭证后确认金额无误,2012-01-25,2012-02\n"
        f"C-2,{second['record_id']},withdrawn,,,重复发放已收回,2012-01-26,2012-02\n",
        encoding="utf-8",
    )
    rows = ["round,district,received_on"]
    for name in ("市中区", "沙湾区", "五通桥区", "金口河区", "犍为县", "井研县", "夹江县", "沐川县", "峨边彝族自治县", "马边彝族自治县", "峨眉山市", "市直"):
        rows.append(f"2012-01,{name},{'2012-01-23' if name == '夹江县' else '2012-01-19'}")
        if name != "沐川县":
            rows.append(f"2012-02,{name},2012-02-27")
    (data / "submissions.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = base / "site"
    build(root, data, out, cache_dir)
    seal(data, "2012-01", out / "data", sealed_on="2012-02-01")
    build(root, data, out, cache_dir)
    return out


@pytest.fixture(scope="module")
def server(site):
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Handler, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


# --- one visit per page and width -------------------------------------------------

# What sticks out of the screen: every element whose box reaches past the viewport's right edge,
# unless an ancestor scrolls sideways (a table in its scroll region) or it is hidden on purpose.
OVERFLOW_JS = """() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  const scrolls = (el) => { for (let a = el.parentElement; a; a = a.parentElement) {
      const s = getComputedStyle(a); if (s.overflowX === 'auto' || s.overflowX === 'scroll' || s.overflowX === 'hidden') return true; }
    return false; };
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || el.closest('.vh, .skip')) continue;
    if ((r.right > width + 1 || r.left < -1) && !scrolls(el))
      out.push(el.tagName.toLowerCase() + (el.className ? '.' + el.className : '') + ' ' + Math.round(r.left) + '..' + Math.round(r.right));
  }
  return {scrollWidth: document.documentElement.scrollWidth, width, out: out.slice(0, 10)};
}"""

# The smallest text on the page: every text node's computed font size, and every chart image's
# smallest text as drawn (its smallest type size, scaled as the image is shown).
TEXT_JS = """(chartPx) => {
  const small = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (!n.textContent.trim()) continue;
    const el = n.parentElement;
    if (el.closest('.vh, .skip, [hidden]') || !el.getClientRects().length) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < 11) small.push([el.tagName.toLowerCase() + '.' + el.className, size, n.textContent.trim().slice(0, 20)]);
  }
  const charts = [...document.querySelectorAll('figure.chart img')].map(img => ({
    src: img.getAttribute('src'), shown: img.getBoundingClientRect().width, natural: img.naturalWidth,
    smallest: chartPx * img.getBoundingClientRect().width / img.naturalWidth }));
  return {small: small.slice(0, 10), charts};
}"""


@pytest.fixture(scope="module")
def visits(browser, server):
    """{(width, url): what one visit saw}: status, requests, console errors, bytes, overflow, text sizes, axe."""
    from axe_playwright_python.sync_playwright import Axe

    from warmth.site.charts.style import LABEL_SIZE, TICK_SIZE

    chart_px = min(LABEL_SIZE, TICK_SIZE) * 4 / 3  # points → CSS px at the chart's own size
    axe = Axe()
    seen = {}
    requests: list = []
    console: list[str] = []
    for width in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": HEIGHTS[width]}, device_scale_factor=1, locale="zh-CN")
        context.on("request", lambda request: requests.append(request))
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})  # every visit is a first load
        page.on("console", lambda msg: console.append(f"{msg.type}: {msg.text}") if msg.type in ("error", "warning") else None)
        page.on("pageerror", lambda exc: console.append(f"pageerror: {exc}"))
        for url, _what in PAGES:
            requests.clear()
            console.clear()
            response = page.goto(server + url, wait_until="load")
            done = list(requests)
            sizes = {r.url: r.sizes() for r in done if r.response() is not None}
            failed = [f"{r.url} {r.response().status}" for r in done if r.response() is not None and r.response().status >= 400 and r.url != server + url]
            height = page.evaluate("document.documentElement.scrollHeight")  # as it first shows, folds folded
            # what is folded counts too: open every <details> (the menu, the findings lists) before looking
            page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
            axe_result = axe.run(page)
            seen[(width, url)] = {
                "status": response.status,
                "height": height,
                "urls": [r.url for r in done],
                "failed": failed + [f"{r.url} {r.failure}" for r in done if r.failure],
                "console": list(console),
                "transferred": sum(s["responseBodySize"] + s["responseHeadersSize"] for s in sizes.values()),
                "bytes_by_url": {u: s["responseBodySize"] for u, s in sizes.items()},
                "overflow": page.evaluate(OVERFLOW_JS),
                "text": page.evaluate(TEXT_JS, chart_px),
                "violations": [
                    (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:5]) for v in axe_result.response["violations"]
                ],
            }
        context.close()
    return seen


def _each(visits, key):
    return {f"{w} px {url}": v[key] for (w, url), v in visits.items()}


def test_every_page_loads_from_this_host_only_without_console_errors(visits, server):
    host = urlsplit(server).netloc
    for (width, url), v in visits.items():
        assert v["status"] == (404 if url == "/no/such/page/" else 200), (width, url)
        foreign = [u for u in v["urls"] if urlsplit(u).scheme not in ("data", "blob") and urlsplit(u).netloc != host]
        assert not foreign, (width, url, foreign)
        assert not v["failed"], (width, url, v["failed"])
        expected = ["error: Failed to load resource: the server responded with a status of 404 (Not Found)"] if url == "/no/such/page/" else []
        assert v["console"] == expected, (width, url, v["console"])


def test_axe_finds_nothing_at_either_width(visits):
    found = {where: v for where, v in _each(visits, "violations").items() if v}
    assert not found, found


def test_nothing_sticks_out_at_360_px(visits):
    for (width, url), v in visits.items():
        over = v["overflow"]
        assert over["scrollWidth"] <= over["width"] and not over["out"], (width, url, over)


def test_text_and_chart_text_at_least_11_px_on_a_phone(visits):
    for (width, url), v in visits.items():
        if width != 360:
            continue
        assert not v["text"]["small"], (url, v["text"]["small"])
        for chart in v["text"]["charts"]:
            assert chart["natural"] > 0 and chart["smallest"] >= MIN_TEXT_PX, (url, chart)


def test_byte_budgets(visits):
    """Home ≤ 150 KB and any other page ≤ 300 KB transferred on a first load (compressed as a web server sends them)."""
    for (width, url), v in visits.items():
        budget = HOME_BUDGET if url == "/" else PAGE_BUDGET
        assert v["transferred"] <= budget, (width, url, v["transferred"], v["bytes_by_url"])


def test_the_findings_page_is_short_enough_to_use_on_a_phone(visits):
    """It was 63,363 px tall at 360 px: every rule's list is now folded under its heading."""
    assert visits[(360, "/findings/")]["height"] < 15_000, visits[(360, "/findings/")]["height"]


def test_the_flow_chart_is_loaded_on_the_home_page(visits, server):
    """The budget counts the charts: the home page's flow chart is fetched on the first load."""
    assert any(u.endswith("/charts/flow.svg") for u in visits[(360, "/")]["bytes_by_url"])


def test_the_language_switch_leads_to_the_same_page(browser, server):
    """On a phone, the switch on a Chinese page opens the same page in English, and its switch leads back."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=1)
    page = context.new_page()
    for url in ("/districts/muchuan/", "/table/", "/rounds/2012-02/"):
        page.goto(server + url)
        assert page.locator("html").get_attribute("lang") == "zh-CN"
        page.get_by_role("link", name="English").click()
        page.wait_for_load_state()
        assert urlsplit(page.url).path == "/en" + url and page.locator("html").get_attribute("lang") == "en"
        assert page.locator('nav[aria-label="Main navigation"]').count() == 1  # folded in the menu on a phone
        page.get_by_role("link", name="中文版").click()
        page.wait_for_load_state()
        assert urlsplit(page.url).path == url
    page.goto(server + "/en/districts/muchuan/")
    assert page.locator("h1").inner_text() == "Muchuan County"  # shared/glossary.md
    context.close()


def test_the_menu_works_without_a_script(browser, server):
    """On a phone the 11 links hide behind one button and open with it; on a wide screen they show."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=1)
    page = context.new_page()
    page.goto(server + "/")
    nav = page.get_by_role("navigation", name="主导航")
    assert not nav.is_visible()
    heading = page.locator("h1").bounding_box()
    assert heading["y"] + heading["height"] < 740 * 0.5, heading  # the title is in the first half of the screen
    page.locator(".menu > summary").click()
    assert nav.is_visible() and nav.get_by_role("link").count() == 11
    context.close()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(server + "/")
    assert page.get_by_role("navigation", name="主导航").is_visible()
    context.close()


def test_wide_tables_scroll_in_a_focusable_labelled_region_keeping_their_first_column(browser, server):
    context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=1)
    page = context.new_page()
    page.goto(server + "/table/")
    region = page.get_by_role("region", name=re.compile("各区县送温暖工程统计"))
    assert region.get_attribute("tabindex") == "0"
    assert region.evaluate("el => el.scrollWidth > el.clientWidth")
    region.focus()
    page.keyboard.press("End")  # the keyboard scrolls the region
    region.evaluate("el => el.scrollLeft = el.scrollWidth")
    first = page.locator(".campaign-table tbody th").first.bounding_box()
    assert 0 <= first["x"] < 40, first  # the destination column stays in view
    assert page.locator(".scroll-hint").first.is_visible()
    context.close()


def test_the_campaign_table_prints_on_a4_landscape_with_every_figure(browser, server, site, tmp_path):
    from html_tables import read_page
    from pypdf import PdfReader

    table = read_page(site / "table/index.html").table("各区县送温暖工程统计")
    cells = [cell for row in table.rows + table.foot for cell in row[1:]]
    assert any(c.startswith("¥") for c in cells)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(server + "/table/")
    page.emulate_media(media="print")
    # A4 landscape less 8 mm margins is 281 mm = 1062 CSS px: the table fits across the page
    page.set_viewport_size({"width": 1062, "height": 750})
    fits = page.locator(".campaign-table").evaluate("t => [t.scrollWidth, t.parentElement.clientWidth]")
    assert fits[0] <= fits[1], fits
    pdf = tmp_path / "table.pdf"
    page.pdf(path=str(pdf), format="A4", landscape=True, prefer_css_page_size=True)
    context.close()
    reader = PdfReader(str(pdf))
    width, height = (float(x) for x in reader.pages[0].mediabox.upper_right)
    assert width > height  # landscape
    # the page's text, each row of the table on a line: its figures in order, every column on the paper
    # (row labels are not compared: the PDF maps some CJK glyphs to radicals, ⻢ for 马)
    pages = [re.sub(r"[ \t]+", " ", p.extract_text()) for p in reader.pages]
    text = "\n".join(pages)
    missing = [c for c in cells if c not in text]
    assert not missing, missing
    for row in table.rows + table.foot:
        assert " ".join(row[1:]) in text, row
    assert len(pages) == 1, len(pages)  # one sheet, header and footer included
