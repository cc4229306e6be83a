"""The English version under /en/ (README "English pages").

Read from the built files with the standard library. Expected names are the official English
forms from the glossary (shared/glossary.md), copied here as known answers; the catalog is
checked against Babel's own extraction of the templates.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from posixpath import normpath
from urllib.parse import urljoin, urlsplit

import pytest

from independent import read_rows

# shared/glossary.md, "Destinations" and the campaign's names: the official English forms.
GLOSSARY_DESTINATIONS = {
    "shizhong": "Shizhong District", "shawan": "Shawan District", "wutongqiao": "Wutongqiao District",
    "jinkouhe": "Jinkouhe District", "qianwei": "Qianwei County", "jingyan": "Jingyan County",
    "jiajiang": "Jiajiang County", "muchuan": "Muchuan County", "ebian": "Ebian Yi Autonomous County",
    "mabian": "Mabian Yi Autonomous County", "emeishan": "Emeishan City", "shizhi": "City-level units",
}
GLOSSARY_SOURCES = {
    "central-supplement": "central government supplementary funds", "provincial-union": "provincial federation visit funds",
    "municipal-budget": "municipal budget funds", "union-matching": "city federation matching funds",
    "unit-raised": "funds raised by units", "donations": "public donations",
}
GLOSSARY_CATEGORIES = {
    "living": "living assistance", "medical": "medical assistance", "education": "education assistance",
    "employment": "employment assistance", "counselling": "psychological counselling",
    "migrant-support": "migrant-worker support", "frontline-visits": "front-line worker visits",
    "model-worker-visits": "model-worker visits", "enterprise-visits": "struggling-enterprise visits",
}
GLOSSARY_INTERFACE = ["Overview", "Districts and counties", "Downloads", "Campaign table", "Corrections", "Sealed ledger",
                      "About and supervision"]
HAN = re.compile(r"[\u4e00-\u9fff]+")


class Page(HTMLParser):
    """A page's html lang, its language switch, hreflang alternates, links, and its Chinese text outside lang="zh-CN"."""

    VOID = {"meta", "link", "br", "img", "input", "hr", "wbr", "source"}

    def __init__(self) -> None:
        super().__init__()
        self.html_lang = None
        self.switch: list[str] = []
        self.alternates: dict[str, str] = {}
        self.links: list[str] = []
        self.chinese: list[str] = []
        self._stack: list[tuple[str, str | None, bool]] = []

    def _zh(self) -> bool:
        return any(lang == "zh-CN" for _, lang, _ in self._stack)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.html_lang = a.get("lang")
        if tag == "link" and a.get("hreflang"):
            self.alternates[a["hreflang"]] = a["href"]
        in_switch = any(s for _, _, s in self._stack) or "lang-switch" in (a.get("class") or "").split()
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
            if in_switch:
                self.switch.append(a["href"])
        if tag not in self.VOID:
            self._stack.append((tag, a.get("lang"), in_switch))
        if not self._zh():
            for key in ("aria-label", "title", "alt", "placeholder", "data-label"):
                self.chinese += HAN.findall(a.get(key) or "")

    def handle_endtag(self, tag):
        while self._stack:
            if self._stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if not self._zh() and self._stack and self._stack[-1][0] not in ("script", "style"):
            self.chinese += HAN.findall(data)


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def url_of(site: Path, path: Path) -> str:
    """The site-absolute URL path of a built page ("/en/districts/muchuan/")."""
    return "/" + path.relative_to(site).as_posix().removesuffix("index.html")


def resolve(site: Path, page: Path, href: str) -> str:
    """A link on ``page`` as a site-absolute path (the build writes relative links)."""
    target = urlsplit(urljoin("http://x" + url_of(site, page), href)).path
    return normpath(target) + ("/" if target.endswith("/") and target != "/" else "")


def pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("index.html") if not {"data", "theme", "charts", "pagefind"} & set(p.relative_to(site).parts))


def test_every_chinese_page_has_an_english_twin_and_back(default_site):
    chinese = {url_of(default_site, p) for p in pages(default_site) if not url_of(default_site, p).startswith("/en/")}
    english = {url_of(default_site, p).removeprefix("/en") for p in pages(default_site) if url_of(default_site, p).startswith("/en/")}
    assert len(chinese) > 60 and chinese == english


def test_the_switch_leads_to_the_same_page_in_the_other_language(default_site):
    for path in pages(default_site):
        url = url_of(default_site, path)
        page = parse(path)
        assert len(page.switch) == 1, url
        twin = url.removeprefix("/en") if url.startswith("/en/") else "/en" + url
        assert resolve(default_site, path, page.switch[0]) == twin, url
        assert {k: resolve(default_site, path, v) for k, v in page.alternates.items()} == {
            "zh-CN": url.removeprefix("/en"), "en": "/en" + url.removeprefix("/en")}, url


def test_html_lang_says_the_page_language(default_site):
    for path in pages(default_site):
        url = url_of(default_site, path)
        assert parse(path).html_lang == ("en" if url.startswith("/en/") else "zh-CN"), url


def test_english_pages_link_to_the_same_data_files(default_site):
    """Download URLs are shared: an English page links to exactly the /data/ files its Chinese twin links to."""
    for path in pages(default_site):
        url = url_of(default_site, path)
        if url.startswith("/en/"):
            continue
        twin = default_site / "en" / path.relative_to(default_site)

        def data_links(p: Path) -> list[str]:
            return sorted(r for r in (resolve(default_site, p, h) for h in parse(p).links) if r.startswith("/data/"))

        assert data_links(path) == data_links(twin), url
        assert all(not link.startswith("/en/data/") for link in (resolve(default_site, twin, h) for h in parse(twin).links))


def test_english_pages_link_to_english_pages(default_site):
    """Menu and page links on an English page stay in English (except the switch, /data/, the feed and files)."""
    for path in pages(default_site):
        url = url_of(default_site, path)
        if not url.startswith("/en/"):
            continue
        page = parse(path)
        for href in page.links:
            if href in page.switch or href.startswith(("mailto:", "http://", "https://", "#")):
                continue
            target = resolve(default_site, path, href)
            if target.endswith("/"):
                assert target.startswith("/en/"), (url, href)


def test_glossary_names_on_the_english_pages(default_site):
    for slug, name in GLOSSARY_DESTINATIONS.items():
        body = (default_site / "en/districts" / slug / "index.html").read_text(encoding="utf-8")
        assert f"<h1>{name}</h1>" in body, slug
        assert f"<title>{name} ·" in body, slug
    districts = (default_site / "en/districts/index.html").read_text(encoding="utf-8")
    assert all(name in districts for name in GLOSSARY_DESTINATIONS.values())
    for slug, name in GLOSSARY_SOURCES.items():
        assert f"<h1>{name}</h1>" in (default_site / "en/sources" / slug / "index.html").read_text(encoding="utf-8")
    for slug, name in GLOSSARY_CATEGORIES.items():
        assert f"<h1>{name}</h1>" in (default_site / "en/categories" / slug / "index.html").read_text(encoding="utf-8")
    home = (default_site / "en/index.html").read_text(encoding="utf-8")
    assert all(f">{word}</a>" in home for word in GLOSSARY_INTERFACE)


def test_english_pages_show_money_as_yuan_and_thousands(default_site):
    """Exact money as ¥1,234.57 in both languages; the rounded companion figure in thousands, never 万元
    (only the flow chart, a picture drawn with Chinese labels, is in wan, and its caption says so)."""
    body = (default_site / "en/index.html").read_text(encoding="utf-8")
    bars = re.findall(r'class="bar-value">([^<]*)<', body)
    assert bars and all(re.fullmatch(r"¥\d{1,3}(,\d{3})*\.\dk", v) for v in bars), bars
    stats = re.findall(r"<dd>([^<]*)<small>", body)
    assert re.fullmatch(r"¥\d{1,3}(,\d{3})*\.\d\d", stats[0]), stats
    assert "万元" not in body


def test_no_chinese_ui_text_left_on_english_pages(root, default_site):
    """Chinese on an English page is either marked lang="zh-CN" (staff narratives) or a data value
    (goods, units, disbursing units, the notice number, names inside the findings' English text)."""
    data = default_site / "data"
    values = [r[k] for r in read_rows(data / "disbursements.csv") for k in ("item", "unit", "disbursing_unit")]
    values += [r["explanation_en"] for r in read_rows(data / "findings.csv")]
    values += re.findall(r'notice_number = "([^"]+)"', (root / "data/campaign.toml").read_text(encoding="utf-8"))
    corpus = "\n".join(values)
    for path in pages(default_site / "en"):
        left = [run for run in parse(path).chinese if run not in corpus]
        assert not left, (path, sorted(set(left))[:10])


def test_the_catalog_translates_every_string_the_templates_use(root):
    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg
    from babel.messages.pofile import read_po

    with (root / "babel.cfg").open(encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
    used = set()
    skip = {".venv", ".git", ".cache", "tests", "data", "output", "node_modules"}
    for _name, _line, message, _comments, _context in extract_from_dir(
        root, method_map, options_map, keywords=keywords, directory_filter=lambda d: Path(d).name not in skip
    ):
        used.add(message if isinstance(message, str) else message[0])
    assert len(used) > 300
    with (root / "theme/translations/en/LC_MESSAGES/messages.po").open("rb") as po:
        catalog = read_po(po)
    translated = {m.id: m.string for m in catalog if m.id}
    assert not used - set(translated), sorted(used - set(translated))[:10]
    assert not [i for i in used if not translated[i].strip() and i.strip()], "empty msgstr"
    assert not [m.id for m in catalog if m.id and m.fuzzy], "fuzzy entries are left out of the build"


def test_a_campaign_without_english_names_builds_with_the_chinese_names(tmp_path, root, small_data, cache_dir, caplog):
    from conftest import build

    toml = small_data / "campaign.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(re.sub(r"(?m)^(name_en|label_en) = .*\n", "", text.split("[english]")[0] + "[licence]" + text.split("[licence]", 1)[1]),
                    encoding="utf-8")
    assert not re.search(r"(?m)^(name_en|label_en|\[english)", toml.read_text(encoding="utf-8"))
    out = tmp_path / "site"
    with caplog.at_level("WARNING", logger="warmth"):
        build(root, small_data, out, cache_dir)
    assert "<h1>沐川县</h1>" in (out / "en/districts/muchuan/index.html").read_text(encoding="utf-8")
    assert any("name_en" in r.getMessage() and "沐川县" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(("fen", "zh", "en"), [
    (123456789, "123.46万元", "¥1,234.6k"),  # ¥1,234,567.89
    (4999, "0.00万元", "¥0.0k"),  # ¥49.99 rounds down
    (5000, "0.01万元", "¥0.1k"),  # ¥50.00 rounds half up to ¥100
    (-250000, "-0.25万元", "-¥2.5k"),  # a negative balance keeps its sign in front
])
def test_the_rounded_companion_figure_in_both_languages(fen, zh, en):
    from warmth.core import money

    assert money.wan(fen) == zh and money.wan(fen, "en") == en


def test_the_data_package_has_english_titles_and_descriptions(default_site):
    """datapackage.json keeps its keys and adds English: the package's title_en and description_en,
    each resource's description (the English half of its title), the record fields' descriptions."""
    import json

    package = json.loads((default_site / "data/datapackage.json").read_text(encoding="utf-8"))
    assert package["title"].startswith("乐山市总工会") and package["title_en"].startswith("Leshan City Federation of Trade Unions")
    assert "Warmth campaign" in package["description_en"] and "送温暖" in package["description"]
    for resource in package["resources"]:
        assert resource["title"] and not HAN.search(resource["description"]), resource["path"]
    muchuan = next(r for r in package["resources"] if r["path"] == "districts/muchuan/disbursements.csv")
    assert muchuan["description"] == "records of Muchuan County"  # shared/glossary.md
    records = next(r for r in package["resources"] if r["path"] == "disbursements.csv")
    assert all(f["description"] and f["title"] for f in records["schema"]["fields"])


def test_the_english_home_page_draws_its_flow_chart_with_english_names(default_site):
    zh = (default_site / "index.html").read_text(encoding="utf-8")
    en = (default_site / "en/index.html").read_text(encoding="utf-8")
    assert "charts/flow.svg" in zh and "flow-en.svg" not in zh
    assert "charts/flow-en.svg" in en and "charts/flow.svg" not in en
    assert "labels are in Chinese" not in en
    # a different drawing (names and amounts in English), wider for the longer names
    assert (default_site / "charts/flow-en.svg").read_bytes() != (default_site / "charts/flow.svg").read_bytes()
