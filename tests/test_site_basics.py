"""The basics every page and every visitor relies on (README "Pages"): the data-as-of date, a page
for every folder a URL can be cut back to, the 404 page, the Atom feed, the sitemap, robots.txt,
the favicon — and a destination with a report missing that never looks settled.

Read from the built files with the standard library (html_tables, ElementTree); the browser
suite (test_browser.py) looks at the same pages in Chromium.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from pathlib import Path

from html_tables import read_page

import independent
from independent import read_rows

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
ASSET_FOLDERS = {"data", "charts", "theme"}  # downloads and files, listed on /downloads/, not pages


def text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def expected_as_of(root: Path, site: Path) -> str:
    """The latest published week's Sunday, never past the campaign's end (the sample has no submissions or corrections)."""
    camp = independent.campaign(root / "data")
    weeks = [r["date"] for r in read_rows(site / "data/disbursements.csv") if r["date"]]
    assert all(date.fromisoformat(w).weekday() == 0 for w in weeks)  # published dates are Mondays
    return min(date.fromisoformat(max(weeks)) + timedelta(days=6), camp["campaign"]["end"]).isoformat()


def test_every_page_says_what_date_the_data_runs_to(root, default_site):
    as_of = expected_as_of(root, default_site)
    for page in default_site.rglob("*.html"):
        body = text(page)
        words = "data as of" if page.relative_to(default_site).parts[0] == "en" else "数据截至"
        assert f'{words} <time datetime="{as_of}">{as_of}</time>' in body, page


def test_every_folder_a_url_can_be_cut_back_to_has_a_page(default_site):
    pages = {p.relative_to(default_site) for p in default_site.rglob("index.html")}
    for page in pages:
        for folder in page.parents[1:]:
            if folder.parts and folder.parts[0] in ASSET_FOLDERS:
                continue
            assert folder / "index.html" in pages, (page, folder)
    for folder in ("districts", "sources", "categories", "rounds"):
        assert Path(folder) / "index.html" in pages, folder


def test_folder_pages_link_every_item(root, default_site):
    camp = independent.campaign(root / "data")
    for key, folder in (("destinations", "districts"), ("fund_sources", "sources"), ("categories", "categories")):
        body = text(default_site / folder / "index.html")
        for item in camp[key]:
            assert f'/{folder}/{item["slug"]}/"' in body, (folder, item["name"])
    rounds = read_page(default_site / "rounds/index.html").table("各批次报送情况")
    assert [r[0] for r in rounds.rows] == [r["label"] for r in _nfkc_rounds(camp)]
    districts = read_page(default_site / "districts/index.html").table("各区县发放金额")
    assert districts.labels() == independent.names(camp, "destinations")


def _nfkc_rounds(camp):
    import unicodedata

    return [{**r, "label": unicodedata.normalize("NFKC", r["label"])} for r in camp["rounds"]]


def test_the_404_page_links_with_absolute_addresses(default_site):
    body = text(default_site / "404.html")
    assert "找不到这个页面" in body
    links = re.findall(r'(?:href|src)="([^"]+)"', body)
    assert links and all(link.startswith(("/", "#", "mailto:", "https://")) for link in links), links
    assert 'href="/downloads/"' in body and 'href="/theme/css/site.css"' in body
    # one 404 serves the English pages too: a short English part, marked as English, leading to /en/
    assert '<section lang="en"' in body and "Page not found" in body and 'href="/en/"' in body


def test_the_feed_lists_rounds_with_dates_from_the_data(root, default_site):
    feed = ET.parse(default_site / "feed.xml").getroot()
    assert feed.tag == f"{ATOM}feed"
    entries = feed.findall(f"{ATOM}entry")
    camp = independent.campaign(root / "data")
    assert len(entries) == len(camp["rounds"])  # both rounds have records; the sample has no corrections
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    assert len(set(ids)) == len(ids) and all(i.startswith("tag:") for i in ids)
    updated = [e.findtext(f"{ATOM}updated") for e in entries]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT00:00:00\+08:00", u) for u in updated)
    assert feed.findtext(f"{ATOM}updated") == max(updated)
    assert max(updated).startswith(expected_as_of(root, default_site))
    links = [e.find(f"{ATOM}link").get("href") for e in entries]
    assert sorted(links) == sorted(f"/rounds/{r['id']}/" for r in camp["rounds"])
    for entry in entries:
        assert "¥" in entry.findtext(f"{ATOM}title")
    assert 'type="application/atom+xml"' in text(default_site / "index.html")


def test_the_feed_lists_corrections(tmp_path, root, small_data, cache_dir):
    from conftest import build

    record = read_rows(small_data / "rounds/2012-01/shawan.csv")[0]
    (small_data / "corrections.csv").write_text(
        "correction_id,record_id,field,old_value,new_value,reason,date,round\n"
        f"C-9,{record['record_id']},withdrawn,,,重复发放已收回,2012-02-03,2012-02\n",
        encoding="utf-8",
    )
    out = tmp_path / "site"
    build(root, small_data, out, cache_dir)
    feed = ET.parse(out / "feed.xml").getroot()
    first = feed.findall(f"{ATOM}entry")[0]  # newest first
    assert first.findtext(f"{ATOM}updated") == "2012-02-03T00:00:00+08:00" == feed.findtext(f"{ATOM}updated")
    assert record["record_id"] in first.findtext(f"{ATOM}title") and "重复发放已收回" in first.findtext(f"{ATOM}summary")
    assert 'datetime="2012-02-03"' in text(out / "index.html")  # the correction is the latest date the data speaks of


def test_the_sitemap_lists_every_page(default_site):
    urlset = ET.parse(default_site / "sitemap.xml").getroot()
    locs = [u.findtext(f"{SITEMAP}loc") for u in urlset.findall(f"{SITEMAP}url")]
    pages = sorted("/" + p.relative_to(default_site).as_posix().removesuffix("index.html") for p in default_site.rglob("index.html"))
    assert sorted(locs) == pages


def test_published_with_siteurl_the_feed_sitemap_and_robots_are_absolute(tmp_path, root, cache_dir):
    from warmth.site.build import build_site

    out = tmp_path / "site"
    build_site(root, data=root / "data", output=out, cache=cache_dir, overrides={"SITEURL": "https://example.org/relief"})
    robots = text(out / "robots.txt")
    assert "User-agent: *" in robots and "Sitemap: https://example.org/relief/sitemap.xml" in robots
    locs = re.findall(r"<loc>([^<]+)</loc>", text(out / "sitemap.xml"))
    assert locs and all(loc.startswith("https://example.org/relief/") for loc in locs)
    assert all(h.startswith("https://example.org/relief/") for h in re.findall(r'href="([^"]+)"', text(out / "feed.xml")))
    assert 'href="/relief/theme/css/site.css"' in text(out / "404.html")  # from the root, at any depth


def test_robots_without_siteurl_allows_everything(default_site):
    robots = text(default_site / "robots.txt")
    assert "User-agent: *" in robots and "Allow: /" in robots and "Sitemap" not in robots.split("\n", 1)[1]


def test_the_favicon_is_a_small_file_of_the_site(root, default_site):
    icon = (default_site / "favicon.ico").read_bytes()
    assert icon[:4] == b"\x00\x00\x01\x00" and len(icon) < 2048
    assert icon == (root / "theme/static/favicon.ico").read_bytes()
    for page in default_site.rglob("*.html"):
        assert re.search(r'<link rel="icon" href="[^"]*favicon\.ico"', text(page)), page


def test_a_destination_with_a_report_missing_never_looks_settled(default_site):
    """沐川县 sent no 2012-02 report: its balance says 未报送, no 资金未用完 finding sits beside its 未报送
    finding, and its bars say, in words, that a round is missing."""
    page = default_site / "districts/muchuan/index.html"
    read = read_page(page)
    assert read.stats["拨付结余"] == "未报送"
    allocations = read.table("拨付与发放对照")
    assert all(row[3] == "未报送" for row in allocations.rows) and allocations.row("合计")["结余（元）"] == "未报送"
    findings = read.table(section="findings")
    assert not [r for r in findings.rows if "未用完" in r[2]]
    assert [r for r in findings.rows if "没有任何发放记录" in r[2]]
    body = text(page)
    assert "尚未报送第二批" in body
    for path in ("index.html", "districts/index.html", "sources/central-supplement/index.html", "categories/living/index.html"):
        body = text(default_site / path)
        row = re.search(r'<li class="bar-row incomplete"><span class="bar-label">沐川县<small class="flag">△ ([^<]+)</small>', body)
        assert row and row.group(1).endswith("未报送"), path
        assert body.count("bar-row incomplete") == 1, path
    assert "（不含有批次未报送的区县）" in text(default_site / "index.html")  # the home page's balance leaves it out
