"""End to end: build the embedded default data and check every promise."""

from __future__ import annotations

import csv
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from html_tables import read_page

import independent
from independent import TWO_DECIMALS, raw_records, read_rows, shown, totals, yuan

SAMPLE_NOTE = "示例数据，非真实数据"


def text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def page_text(path: Path) -> str:
    """Visible text of a page with tags dropped, so figures can be searched."""
    return html.unescape(re.sub(r"<[^>]+>", " ", text(path)))


def site_labels(root, site) -> list[dict]:
    """The raw records (typed) with the labels the site published, checked by independent.published."""
    data = root / "data"
    return independent.published(independent.records(data), read_rows(site / "data/disbursements.csv"), independent.campaign(data))


def campaign_slugs(root):
    import tomllib

    c = tomllib.loads((root / "data" / "campaign.toml").read_text(encoding="utf-8"))
    return c


def test_every_page_exists_and_says_sample(default_site, root):
    c = campaign_slugs(root)
    expected = ["index.html", "downloads/index.html", "about/index.html", "guide/index.html", "ledger/index.html", "findings/index.html"]
    expected += ["table/index.html", "corrections/index.html"]
    expected += [f"districts/{d['slug']}/index.html" for d in c["destinations"]]
    expected += [f"sources/{s['slug']}/index.html" for s in c["fund_sources"]]
    expected += [f"categories/{s['slug']}/index.html" for s in c["categories"]]
    expected += [f"rounds/{r['id']}/index.html" for r in c["rounds"]]
    # browse pages (README "Pages"): a page per published disbursing unit and per published week
    records = read_rows(default_site / "data/disbursements.csv")
    expected += ["units/index.html", "weeks/index.html", "search/index.html"]
    expected += ["districts/index.html", "sources/index.html", "categories/index.html", "rounds/index.html", "404.html"]
    expected += [f"units/u-{hashlib.sha256(u.encode()).hexdigest()[:12]}/index.html" for u in {r["disbursing_unit"] for r in records}]
    expected += [f"weeks/{r['date'] or 'undated-' + r['round']}/index.html" for r in {(r["date"], r["round"]): r for r in records}.values()]
    expected = list(dict.fromkeys(expected))
    expected += ["en/" + rel for rel in expected if rel != "404.html"]  # every page has its English twin (README "English pages")
    for rel in expected:
        assert (default_site / rel).is_file(), rel
    pages = list(default_site.rglob("*.html"))
    assert len(pages) == len(expected)
    for page in pages:
        english = page.relative_to(default_site).parts[0] == "en"
        assert ("Sample data, not real" if english else SAMPLE_NOTE) in text(page), page


def test_home_totals_match_the_raw_inputs(default_site, root):
    rows = raw_records(root / "data")
    assert len(rows) >= 5000
    (count, amount), = totals(rows).values()
    home = read_page(default_site / "index.html")
    refs = {r["recipient_ref"] for r in rows if r.get("recipient_ref")}
    assert (home.stats["发放总额"], home.stats["发放记录"], home.stats["受助对象"]) == (shown(amount), f"{count:,} 条", f"{len(refs):,} 个")
    # privacy moves some records to 其他 in category and group: README "Privacy"; the published labels are
    # read from the download and checked against the raw records in independent.published
    published = site_labels(root, default_site)
    for key, source, caption in (("fund_source", rows, "各资金来源发放"), ("district", rows, "各区县发放"), ("category", published, "各救助类别发放"),
                                 ("recipient_group", published, "各受助群体")):
        table = home.table(caption)
        for name, (n, total) in totals(source, key).items():
            assert (table.row(name)["记录数"], table.row(name)["金额（元）"]) == (f"{n:,}", shown(total)), (key, name)


def test_destination_pages_match_the_raw_inputs(default_site, root):
    c = campaign_slugs(root)
    rows = raw_records(root / "data")
    by_dest = defaultdict(list)
    for r in rows:
        by_dest[r["district"]].append(r)
    published = defaultdict(list)
    for r in site_labels(root, default_site):
        published[r["district"]].append(r)
    for dest in c["destinations"]:
        mine = by_dest[dest["name"]]
        page = read_page(default_site / "districts" / dest["slug"] / "index.html")
        (n, amount), = totals(mine).values()
        refs = {r["recipient_ref"] for r in mine if r.get("recipient_ref")}
        assert (page.stats["发放总额"], page.stats["发放记录"]) == (shown(amount), f"{n:,} 条"), dest["name"]
        assert page.stats["受助对象"] == f"{len(refs):,} 个", dest["name"]
        table = page.table(f"{dest['name']}各救助类别")
        for name, (n, total) in totals(published[dest["name"]], "category").items():  # labels as published
            assert (table.row(name)["记录数"], table.row(name)["金额（元）"]) == (f"{n:,}", shown(total)), (dest["name"], name)
        # goods table (value per item): the cell-by-cell check with rare goods merged is in test_page_figures.py
        goods = sum((yuan(r["amount_yuan"]) for r in mine if r["aid_type"] in ("goods", "物资")), Decimal(0))
        table = page.table(f"{dest['name']}发放的物资")
        assert sum((yuan(r[4].lstrip("¥").replace(",", "")) for r in table.rows), Decimal(0)) == goods, dest["name"]


def test_missing_report_is_not_shown_as_zero(default_site, root):
    c = campaign_slugs(root)
    reported = {(p.parent.name, r["district"]) for p in (root / "data/rounds").glob("*/*.csv") for r in read_rows(p)}
    missing = [(r["id"], d["name"]) for r in c["rounds"] for d in c["destinations"] if (r["id"], d["name"]) not in reported]
    assert missing, "the sample data must have a destination that has not reported"
    home = text(default_site / "index.html")
    for round_id, name in missing:
        row = re.search(rf"<tr><th scope=\"row\"><a [^>]+>{name}</a></th>(.*?)</tr>", home, re.S).group(1)
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        index = [r["id"] for r in c["rounds"]].index(round_id)
        assert "未报送" in cells[index] and "¥" not in cells[index]


def test_record_downloads(default_site, root):
    rows = raw_records(root / "data")
    data = default_site / "data"
    raw = (data / "disbursements.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    published = read_rows(data / "disbursements.csv")
    assert len(published) == len(rows)
    assert {r["record_id"] for r in published} == {r["record_id"] for r in rows}
    assert all(TWO_DECIMALS.fullmatch(r["amount_yuan"]) for r in published)
    assert sum(yuan(r["amount_yuan"]) for r in published) == sum(yuan(r["amount_yuan"]) for r in rows)
    assert {r["aid_type"] for r in published} == {"cash", "goods", "service"}
    # README "Privacy": dates by week (the Monday), some withheld; refs, file dates and notes withheld
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", r["date"]) or r["date"] == "" for r in published)
    assert all(r["recipient_ref"] == r["filed_on"] == r["note"] == "" for r in published)
    assert {independent.monday(r["date"]) for r in published if r["date"]} == {r["date"] for r in published if r["date"]}
    for round_dir in (root / "data/rounds").iterdir():
        mine = [r for r in published if r["round"] == round_dir.name]
        part = read_rows(data / "rounds" / round_dir.name / "disbursements.csv")
        assert part == mine


def test_summary_downloads_recompute(default_site, root):
    rows = independent.records(root / "data")  # aid types in English (现金 → cash), as published
    published = site_labels(root, default_site)  # privacy labels as published, checked against the raw records
    for file, key, source in (
        ("by-district.csv", "district", rows),
        ("by-fund-source.csv", "fund_source", rows),
        ("by-category.csv", "category", published),
        ("by-recipient-group.csv", "recipient_group", published),
        ("by-aid-type.csv", "aid_type", rows),
        ("by-round.csv", "round", rows),
    ):
        path = default_site / "data" / "summary" / file
        assert path.read_bytes().startswith(b"\xef\xbb\xbf")
        summary = read_rows(path)
        assert list(summary[0]) == ["name", "records", "amount_yuan"]
        expected = totals(source, key)
        got = {r["name"]: (int(r["records"]), yuan(r["amount_yuan"])) for r in summary if int(r["records"])}
        assert got == expected
        assert all(TWO_DECIMALS.fullmatch(r["amount_yuan"]) for r in summary)


def test_allocations_download_matches_input(default_site, root):
    given = {(r["fund_source"], r["district"]): yuan(r["amount_yuan"]) for r in read_rows(root / "data/allocations.csv")}
    published = {(r["fund_source"], r["district"]): yuan(r["amount_yuan"]) for r in read_rows(default_site / "data/allocations.csv")}
    assert {k: v for k, v in published.items() if v} == {k: v for k, v in given.items() if v}
    assert len(published) == 6 * 12


def test_sha256sums_cover_every_data_file(default_site):
    data = default_site / "data"
    listed = {}
    for line in (data / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, path = line.split("  ", 1)
        listed[path] = digest
    # the derived folders (README "Downloads": lookup/, browse/) have their own SHA256SUMS, listed in the top one
    for folder in ("lookup", "browse"):
        assert f"{folder}/SHA256SUMS" in listed, folder
        for line in (data / folder / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
            digest, path = line.split("  ", 1)
            listed[f"{folder}/{path}"] = digest
    # all.zip holds SHA256SUMS, so it and its checksum stand beside it (README "Downloads")
    files = {p.relative_to(data).as_posix() for p in data.rglob("*") if p.is_file()} - {"SHA256SUMS", "all.zip", "all.zip.sha256"}
    assert set(listed) == files
    for path, digest in listed.items():
        assert hashlib.sha256((data / path).read_bytes()).hexdigest() == digest
    if shutil.which("sha256sum"):
        for folder in (data, data / "lookup", data / "browse"):
            result = subprocess.run(["sha256sum", "-c", "--quiet", "SHA256SUMS"], cwd=folder, capture_output=True, text=True)
            assert result.returncode == 0, result.stdout + result.stderr


def test_datapackage_validates_with_frictionless(default_site):
    package = json.loads(text(default_site / "data/datapackage.json"))
    paths = {r["path"] for r in package["resources"]}
    csvs = {p.relative_to(default_site / "data").as_posix() for p in (default_site / "data").rglob("*.csv")}
    csvs = {p for p in csvs if not p.startswith("lookup/")}  # lookup shards are derived, not resources (README "Downloads")
    assert paths == csvs
    assert package["licenses"][0]["name"] == "CC-BY-4.0"
    for res in package["resources"]:
        assert res["hash"] == "sha256:" + hashlib.sha256((default_site / "data" / res["path"]).read_bytes()).hexdigest()
        assert res["bytes"] == (default_site / "data" / res["path"]).stat().st_size
    frictionless = Path(sys.executable).with_name("frictionless")
    result = subprocess.run(
        [str(frictionless), "validate", "datapackage.json"], cwd=default_site / "data", capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_data_page_lists_every_download_with_size_and_hash(default_site):
    page = text(default_site / "downloads/index.html")
    table = read_page(default_site / "downloads/index.html").table("全部下载文件")
    data = default_site / "data"
    # every file, except those of the derived folders, which their SHA256SUMS stands for (README "Downloads")
    files = sorted(p for p in data.rglob("*") if p.is_file() and (p.parent.name not in ("lookup", "browse") or p.name == "SHA256SUMS")
                   and p.parent.parent.name not in ("lookup", "browse"))
    assert sorted(table.labels()) == sorted(f"/data/{p.relative_to(data).as_posix()}" for p in files)
    for path in files:
        row = table.row(f"/data/{path.relative_to(data).as_posix()}")
        assert row["SHA-256"] == hashlib.sha256(path.read_bytes()).hexdigest(), path
        assert row["大小"].endswith(f" {path.stat().st_size:,} 字节"), path
    assert "sha256sum -c SHA256SUMS" in page


def test_charts_have_text_alternatives_and_exist(default_site):
    for page in default_site.rglob("*.html"):
        for tag in re.findall(r"<img [^>]+>", text(page)):
            src = re.search(r'src="([^"]+)"', tag).group(1)
            alt = re.search(r'alt="([^"]*)"', tag).group(1)
            assert len(alt) > 10, (page, tag)
            assert (page.parent / src).resolve().is_file(), (page, src)
    svg = text(default_site / "charts/flow.svg")
    assert "<text" not in svg and "NotoSansCJKsc" in svg


def test_no_third_party_requests(default_site):
    for page in list(default_site.rglob("*.html")) + list(default_site.rglob("*.svg")) + list(default_site.rglob("*.css")):
        body = text(page)
        # scripts only from the site itself (README "Search"); inline script elements hold JSON texts, never code
        for tag in re.findall(r"<script\b[^>]*>", body):
            assert re.search(r'src="(?!(https?:)?//)[^"]+\.js"', tag) or 'type="application/json"' in tag, (page, tag)
        for ref in re.findall(r'<(?:img|link|script|iframe|source)\b[^>]*?(?:src|href)="([^"]+)"', body):
            assert not re.match(r"(https?:)?//", ref), (page, ref)
        assert not re.search(r"url\(\s*['\"]?(https?:)?//", body), page
        assert "@import" not in body


def test_about_page_has_principles_contact_and_licence(default_site):
    page = page_text(default_site / "about/index.html")
    for needle in ("公开", "公平", "公正", "2133419", "lsszghbzb@126.com", "市总工会经济保障女工部", "CC BY 4.0", "乐工发〔2011〕63号", "不公开"):
        assert needle in page, needle


def test_round_pages_show_narrative_and_what_was_added(default_site, root):
    rows = raw_records(root / "data")
    for round_id, (n, amount) in totals(rows, "round").items():
        stats = read_page(default_site / "rounds" / round_id / "index.html").stats
        assert (stats["本批新增金额"], stats["本批新增记录"]) == (shown(amount), f"{n:,} 条"), round_id
    narrative = (root / "content/rounds/2012-01.md").read_text(encoding="utf-8").strip()[:20]
    assert narrative in page_text(default_site / "rounds/2012-01/index.html")


def test_source_pages_show_allocated_vs_disbursed(default_site, root):
    c = campaign_slugs(root)
    rows = raw_records(root / "data")
    alloc = read_rows(root / "data/allocations.csv")
    for src in c["fund_sources"]:
        stats = read_page(default_site / "sources" / src["slug"] / "index.html").stats
        allocated = sum((yuan(a["amount_yuan"]) for a in alloc if a["fund_source"] == src["name"]), Decimal(0))
        spent = sum((yuan(r["amount_yuan"]) for r in rows if r["fund_source"] == src["name"]), Decimal(0))
        assert (stats["拨付总额"], stats["发放总额"]) == (shown(allocated), shown(spent)), src["name"]
        # a destination with a report missing (沐川县, round 2012-02) has no known balance: left out of the 结余
        sent = {(r["district"], r["round"]) for r in rows}
        complete = {d["name"] for d in c["destinations"] if all((d["name"], rnd["id"]) in sent for rnd in c["rounds"])}
        assert "沐川县" not in complete and len(complete) == len(c["destinations"]) - 1
        given = sum((yuan(a["amount_yuan"]) for a in alloc if a["fund_source"] == src["name"] and a["district"] in complete), Decimal(0))
        out = sum((yuan(r["amount_yuan"]) for r in rows if r["fund_source"] == src["name"] and r["district"] in complete), Decimal(0))
        assert stats["结余"] == shown(given - out).replace("¥-", "-¥"), src["name"]


def test_same_input_gives_byte_identical_output(tmp_path, root, cache_dir):
    from conftest import build

    a, b = tmp_path / "a", tmp_path / "b"
    build(root, root / "data", a, cache_dir)
    build(root, root / "data", b, None)  # no cache: everything drawn and written afresh

    def tree(folder):
        return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}

    assert tree(a) == tree(b)


def rows_of(page: Path, name: str) -> list[str]:
    """Text of every table row whose header cell is ``name``."""
    body = text(page)
    found = re.findall(rf"<tr[^>]*>\s*<th scope=\"row\">(?:<a [^>]+>)?{re.escape(name)}(?:</a>)?</th>(.*?)</tr>", body, re.S)
    return [html.unescape(re.sub(r"<[^>]+>", " ", row)) for row in found]


def test_unreported_round_is_not_zero_on_the_round_page(default_site):
    rows = rows_of(default_site / "rounds/2012-02/index.html", "沐川县")
    assert rows and all("未报送" in r and "¥" not in r for r in rows)


def test_destination_that_never_reported_is_never_zero(tmp_path, root, small_data, cache_dir):
    from conftest import build

    for path in (small_data / "rounds").glob("*/mabian.csv"):
        path.unlink()
    out = tmp_path / "site"
    build(root, small_data, out, cache_dir)
    for page in ["index.html", *(f"sources/{s}/index.html" for s in ("donations", "union-matching")), "categories/living/index.html"]:
        for row in rows_of(out / page, "马边彝族自治县"):
            cells = row.split("¥")
            assert "未报送" in row, (page, row)
            # only the allocation column may carry money for a destination that has not reported
            assert len(cells) <= 2, (page, row)
    page = page_text(out / "districts/mabian/index.html")
    assert "尚未报送" in page and "¥0.00" not in page
    summary = {r["name"]: r for r in read_rows(out / "data/summary/by-district.csv")}
    assert summary["马边彝族自治县"]["amount_yuan"] == "" and summary["马边彝族自治县"]["records"] == "0"
    alloc = [r for r in read_rows(out / "data/summary/allocated-vs-disbursed.csv") if r["district"] == "马边彝族自治县"]
    assert alloc and all(r["disbursed_yuan"] == "" and r["balance_yuan"] == "" for r in alloc)
    frictionless = Path(sys.executable).with_name("frictionless")
    result = subprocess.run([str(frictionless), "validate", "datapackage.json"], cwd=out / "data", capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-2000:]


def test_published_files_are_as_readable_as_any_new_file(default_site, tmp_path):
    probe = tmp_path / "probe"
    probe.write_bytes(b"x")
    ordinary = probe.stat().st_mode & 0o777
    for path in default_site.rglob("*"):
        if path.is_file():
            assert path.stat().st_mode & 0o777 == ordinary, path
        else:
            assert path.stat().st_mode & 0o555 == 0o555, path


def test_changed_input_is_never_served_from_the_cache(tmp_path, root, small_data, cache_dir):
    from conftest import build

    out = tmp_path / "site"
    build(root, small_data, out, cache_dir)
    before = yuan_total(out)
    path = small_data / "rounds/2012-01/shawan.csv"
    rows = read_rows(path)
    rows[0]["amount_yuan"] = str(yuan(rows[0]["amount_yuan"]) + 1)
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    build(root, small_data, out, cache_dir)
    assert yuan_total(out) == before + 1
    (total,) = [r for r in read_rows(out / "data/summary/by-round.csv") if r["name"] == "2012-01"]
    assert sum(yuan(r["amount_yuan"]) for r in read_rows(out / "data/rounds/2012-01/disbursements.csv")) == yuan(total["amount_yuan"])


def yuan_total(site: Path) -> Decimal:
    return sum((yuan(r["amount_yuan"]) for r in read_rows(site / "data/disbursements.csv")), Decimal(0))


def test_builds_in_separate_processes_are_byte_identical(tmp_path, root):
    def cli_build(out, seed):
        env = {**os.environ, "PYTHONPATH": str(root / "plugins"), "PYTHONHASHSEED": seed}
        result = subprocess.run(
            [sys.executable, "-m", "warmth", "build", "--no-cache", "--output", str(out)],
            cwd=root, env=env, capture_output=True, text=True, timeout=600,
        )
        assert result.returncode == 0, result.stderr[-2000:]
        return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}

    assert cli_build(tmp_path / "a", "1") == cli_build(tmp_path / "b", "2")


def test_findings_are_published_and_shown(default_site):
    from collections import Counter

    rows = read_rows(default_site / "data/findings.csv")
    by_rule = Counter(r["rule"] for r in rows)
    assert by_rule["earmark"] >= 1 and by_rule["over-allocation"] == 1 and by_rule["missing-report"] == 1
    (missing,) = [r for r in rows if r["rule"] == "missing-report"]
    assert missing["district"] == "沐川县"
    summary = read_page(default_site / "findings/index.html").table("各项规则的核查结果")
    counts = {row[0]: summary.row(row[0])["问题数"] for row in summary.rows}  # rule name → 问题数 (rule names: test_page_figures.py)
    assert counts["超出拨付额发放"] == "1" and counts["未报送"] == "1" and counts["超出专款用途"] == f"{by_rule['earmark']:,}"
    over = next(r for r in rows if r["rule"] == "over-allocation")
    listed = read_page(default_site / "sources/central-supplement/index.html").table(section="findings").rows
    assert [over["district"], over["fund_source"], over["explanation"], over["records"], shown(yuan(over["amount_yuan"]))] in [r[:5] for r in listed]
    assert "超出专款用途" in page_text(default_site / "index.html")


def test_campaign_table_reconciles_with_the_other_summaries(default_site, root):
    table = read_rows(default_site / "data/summary/campaign-table.csv")
    *rows, total = table
    assert total["district"] == "合计"
    by_district = {r["name"]: r for r in read_rows(default_site / "data/summary/by-district.csv")}
    for r in rows:
        expected = by_district[r["district"]]["amount_yuan"]
        assert yuan(r["total_yuan"]) == (yuan(expected) if expected else 0), r["district"]
        assert yuan(r["goods_yuan"]) + yuan(r["cash_yuan"]) + yuan(r["service_yuan"]) == yuan(r["total_yuan"])
    by_source = {r["name"]: yuan(r["amount_yuan"]) for r in read_rows(default_site / "data/summary/by-fund-source.csv")}
    import tomllib

    campaign = tomllib.loads((root / "data/campaign.toml").read_text(encoding="utf-8"))
    for source in campaign["fund_sources"]:
        assert sum(yuan(r[f"{source['slug']}_yuan"]) for r in rows) == by_source[source["name"]]
    # people: refs are not published (README "Privacy"), so they come from the raw records, with the groups as published
    published = site_labels(root, default_site)
    assert int(total["reached_total"]) == len({r["recipient_ref"] for r in published if r["recipient_ref"]})
    for r in rows:
        mine = {p["recipient_ref"] for p in published if p["district"] == r["district"] and p["recipient_group"] == "困难职工" and p["recipient_ref"]}
        assert int(r["reached_hardship-workers"]) == len(mine)
        assert len(mine) == 0 or len(mine) >= 3  # README: people counts are 0 or at least k
    # every cell of the .csv, the .xlsx and the /table/ page against the raw inputs: test_page_figures.py
