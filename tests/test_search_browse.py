"""Search, receipt lookup, browse pages and the findings filter (README "Search and browse").

The unit and week pages are checked cell by cell against an independent reading of
/data/disbursements.csv (csv module and Decimal); the lookup shards and the filter data
against the published record files; the shard writer at a million ids.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import shutil
import subprocess
import unicodedata
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from html_tables import read_page

import independent
from independent import AID_ZH, read_rows

WITHHELD = ("recipient_ref", "filed_on", "note")  # README "Privacy": published empty


def money(fen: int) -> str:
    return f"{'-' if fen < 0 else ''}¥{Decimal(abs(fen)) / 100:,.2f}"


def fen(text: str) -> int:
    return int(Decimal(text) * 100)


def unit_slug(name: str) -> str:
    return "u-" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:12]


def week_of(row: dict) -> str:
    return row["date"] or f"undated-{row['round']}"


def fnv_fmix(text: str) -> str:
    """The lookup's hash written out from its definition (README "Search and browse")."""
    h = 0x811C9DC5
    for b in text.encode("utf-8"):
        h = ((h ^ b) * 0x01000193) % 2**32
    for shift, mult in ((16, 0x85EBCA6B), (13, 0xC2B2AE35)):
        h ^= h >> shift
        h = (h * mult) % 2**32
    return f"{h ^ (h >> 16):08x}"


# --- the shard writer ----------------------------------------------------------------------


def test_the_vectorised_hash_is_the_documented_one():
    from warmth.downloads.browse import id_hash, id_hashes

    ids = ["SZ-2012-01-000001", "a", "", "redacted-R1", "x" * 64, "EMS-2012-02-123456", "0_-9"]
    vectorised = [f"{h:08x}" for h in id_hashes(pa.array(ids))]
    assert vectorised == [id_hash(i) for i in ids] == [fnv_fmix(i) for i in ids]
    # ids of one length (hashed as one block of rows), also non-ASCII, sliced, chunked or all empty
    for same in (["SZ-2012-01-000001", "SZ-2012-01-000002", "EB-2012-02-999999"], ["峨边-01", "马边-02"], ["", ""]):
        assert [f"{h:08x}" for h in id_hashes(pa.array(same))] == [fnv_fmix(i) for i in same]
    sliced = pa.array(["a", *ids[:1] * 3, "bb"]).slice(1, 3)
    assert [f"{h:08x}" for h in id_hashes(sliced)] == [fnv_fmix(ids[0])] * 3
    chunked = pa.chunked_array([pa.array(["SZ-1", "SZ-2"]), pa.array(["SZ-3"])])
    assert [f"{h:08x}" for h in id_hashes(chunked)] == [fnv_fmix(i) for i in ("SZ-1", "SZ-2", "SZ-3")]


@pytest.mark.skipif(not shutil.which("node"), reason="node is not installed")
def test_the_browser_computes_the_same_hash(root, tmp_path):
    source = (root / "theme/static/js/search.js").read_text(encoding="utf-8")
    start, end = source.index("  function idHash(text)"), source.index("  function parseCSV")
    ids = ["SZ-2012-01-000001", "a", "redacted-R1", "x" * 64]
    script = source[start:end] + f"\nconsole.log(JSON.stringify({json.dumps(ids)}.map(idHash)));\n"
    (tmp_path / "hash.js").write_text(script, encoding="utf-8")
    out = subprocess.run(["node", str(tmp_path / "hash.js")], capture_output=True, text=True, timeout=60)
    assert json.loads(out.stdout) == [fnv_fmix(i) for i in ids], out.stderr


def test_shard_depth_keeps_shards_small():
    from warmth.downloads.browse import shard_depth

    assert [shard_depth(n) for n in (0, 6000, 65_536, 65_537, 1_000_000, 1_048_576, 1_048_577, 10**7)] == [2, 2, 2, 3, 3, 3, 4, 4]


def test_a_million_ids_shard_under_60_kb_each():
    """At 1M records a lookup fetches index.json and one shard: each shard under 60 KB."""
    from warmth.downloads.browse import shards

    n = 1_000_000
    rng = np.random.default_rng(7)
    ids = pa.array(np.char.add("SZ-2012-01-", np.char.zfill(np.arange(n).astype(str), 6)).astype(object))
    pick = lambda values: pa.array(np.array(values, dtype=object)[rng.integers(0, len(values), n)])  # noqa: E731
    table = pa.table({
        "record_id": ids, "status": pick(["published"]), "round": pick(["2012-01", "2012-02"]),
        "date": pick(["", "2011-12-19", "2012-01-09"]), "district": pick(["峨边彝族自治县", "市中区", "马边彝族自治县"]),
        "disbursing_unit": pick(["峨边彝族自治县困难职工帮扶中心", "其他单位", "市中区总工会"]),
        "fund_source": pick(["中央财政追加资金", "社会捐赠"]), "category": pick(["生活救助", "一线职工慰问"]),
        "recipient_group": pick(["困难职工子女", "农民工"]), "aid_type": pick(["cash", "goods", "service"]),
        "item": pick(["", "大米", "食用油"]), "quantity": pick(["", "1", "2.5"]), "unit": pick(["", "袋", "桶"]),
        "amount_yuan": pick(["100.00", "1234.56", "20000.00"]), "corrections": pick([""]),
    })
    files = shards(table)  # (how long it takes: make bench, README "Speed"; no timing asserted here)
    index = json.loads(files.pop("lookup/index.json"))
    assert index["depth"] == 3 and index["records"] == n and index["shards"] == len(files) == 4096
    largest = max(len(b) for b in files.values())
    assert largest < 60_000, largest
    assert sum(b.count(b"\n") - 1 for b in files.values()) == n
    # the shard a given id is in holds it
    key = fnv_fmix("SZ-2012-01-123456")[:3]
    assert b"\nSZ-2012-01-123456," in files[f"lookup/{key[:2]}/{key}.csv"]


def test_shards_write_each_record_as_the_csv_module_does():
    """Quotes, commas, line breaks, non-ASCII text, repeated and missing values (an empty cell), records in input
    order within a shard: every shard equal to Python's csv module writing the same rows."""
    from warmth.downloads.browse import shards

    texts = ['说 "好", 谢谢', "line1\nline2", "a,b", '"', "", "café ✓", "x\r\ny", " 空格 ", None, "plain"]
    rng = np.random.default_rng(5)
    n = 3000
    rows = [
        [f"SZ-2012-01-{i:06d}", "published", texts[int(rng.integers(0, len(texts)))], texts[int(rng.integers(0, len(texts)))],
         f"{int(rng.integers(0, 10**6)) / 100:.2f}", texts[int(rng.integers(0, len(texts)))]]
        for i in range(n)
    ]
    names = ["record_id", "status", "item", "note", "amount_yuan", "corrections"]
    table = pa.table({name: pa.array([r[j] for r in rows], pa.string()) for j, name in enumerate(names)})
    files = shards(table)
    index = json.loads(files.pop("lookup/index.json"))
    expected: dict[str, io.StringIO] = {}
    for row in rows:
        key = fnv_fmix(row[0])[: index["depth"]]
        out = expected.setdefault(f"lookup/{key[:2]}/{key}.csv", io.StringIO())
        if not out.tell():
            csv.writer(out, lineterminator="\n").writerow(names)
        csv.writer(out, lineterminator="\n").writerow(["" if v is None else v for v in row])
    assert index["records"] == n and index["columns"] == names
    assert files == {path: out.getvalue().encode("utf-8") for path, out in expected.items()}

    # the same records handed over in another order (as the build does: published order), with ``where`` saying
    # where each record is, and two rows after them (withdrawn ids): each shard's lines still in input order
    order = np.random.default_rng(9).permutation(n - 2)
    where = np.empty_like(order)
    where[order] = np.arange(n - 2)
    shuffled = pa.concat_tables([table.slice(0, n - 2).take(pa.array(order)), table.slice(n - 2)])
    files = shards(shuffled, where)
    files.pop("lookup/index.json")
    assert files == {path: out.getvalue().encode("utf-8") for path, out in expected.items()}


# --- the lookup files hold what is published, and only that ---------------------------------------


def read_shards(site: Path) -> tuple[dict, dict[str, dict]]:
    lookup = site / "data/lookup"
    index = json.loads((lookup / "index.json").read_text(encoding="utf-8"))
    found = {}
    for path in sorted(lookup.rglob("*.csv")):
        rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
        for row in rows:
            key = fnv_fmix(row["record_id"])[: index["depth"]]
            assert path.relative_to(lookup).as_posix() == f"{key[:2]}/{key}.csv", row["record_id"]
            assert row["record_id"] not in found
            found[row["record_id"]] = row
    return index, found


def test_lookup_holds_every_published_record_as_published_and_no_withheld_field(default_site):
    index, found = read_shards(default_site)
    published = read_rows(default_site / "data/disbursements.csv")
    assert not set(WITHHELD) & set(index["columns"])
    assert index["records"] == len(found) == len(published)
    for row in published:
        shard = found[row["record_id"]]
        assert shard.pop("status") == "published" and shard.pop("corrections") == ""
        assert shard == {k: v for k, v in row.items() if k not in WITHHELD}, row["record_id"]
    # the generalised values are there as published: merged units and dates withheld
    assert any(r["disbursing_unit"] == "其他单位" for r in found.values())
    assert any(r["date"] == "" for r in found.values())
    assert all(r["date"] == "" or dt.date.fromisoformat(r["date"]).weekday() == 0 for r in found.values())


def test_lookup_shows_corrections_and_withdrawals_as_published(tmp_path, root, small_data):
    from conftest import build

    rows = read_rows(next((small_data / "rounds/2012-01").glob("*.csv")))
    first, second = rows[0], rows[1]
    (small_data / "corrections.csv").write_text(
        "correction_id,record_id,field,old_value,new_value,reason,date,round\n"
        f"C-1,{first['record_id']},amount_yuan,{first['amount_yuan']},1.23,金额录入错误,2012-01-25,2012-01\n"
        f"C-2,{second['record_id']},withdrawn,,,重复报送,2012-01-26,2012-01\n",
        encoding="utf-8",
    )
    site = tmp_path / "site"
    build(root, small_data, site)
    index, found = read_shards(site)
    corrected = found[first["record_id"]]
    assert corrected["amount_yuan"] == "1.23" and corrected["status"] == "published"
    (change,) = json.loads(corrected["corrections"])
    assert change[:3] == ["C-1", "2012-01-25", "amount_yuan"] and change[4:] == ["1.23", "金额录入错误"]
    withdrawn = found[second["record_id"]]
    assert withdrawn["status"] == "withdrawn" and withdrawn["amount_yuan"] == "" and withdrawn["district"] == ""
    assert json.loads(withdrawn["corrections"])[0][2] == "withdrawn"
    published = {r["record_id"]: r for r in read_rows(site / "data/disbursements.csv")}
    assert second["record_id"] not in published and published[first["record_id"]]["amount_yuan"] == "1.23"
    assert index["records"] == len(published) + 1


def filter_csv(data: dict) -> str:
    """What records.js writes with no filter, in the published order (its csv(), read from its source)."""
    fields = data["fields"]

    def text(row, name):
        if name == "record_id":
            return row[0]
        if name == "amount_yuan":
            return f"{row[-1] // 100}.{row[-1] % 100:02d}"
        return data["values"][name][row[fields.index(name)]] if name in fields else ""

    quote = lambda v: '"' + v.replace('"', '""') + '"'  # noqa: E731
    lines = [",".join(quote(c) for c in data["columns"])]
    lines += [",".join(quote(text(row, c)) for c in data["columns"]) for row in data["rows"]]
    return "\ufeff" + "\n".join(lines) + "\n"


def test_filter_data_gives_back_each_destination_file_byte_for_byte(default_site, root):
    camp = independent.campaign(root / "data")
    checked = 0
    for dest in camp["destinations"]:
        path = default_site / f"data/browse/districts/{dest['slug']}.json"
        published = default_site / f"data/districts/{dest['slug']}/disbursements.csv"
        if not published.exists():
            assert not path.exists()
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        assert not set(WITHHELD) & set(data["fields"])
        assert filter_csv(data).encode("utf-8") == published.read_bytes(), dest["slug"]
        checked += 1
    assert checked >= 11


def test_derived_folders_have_their_own_sums_and_verify_checks_them(built_copy, tmp_path):
    from warmth.audit.verify import verify

    _, site = built_copy
    copy = tmp_path / "site"
    shutil.copytree(site, copy)
    assert verify(copy).ok
    shard = sorted((copy / "data/lookup").rglob("*.csv"))[0]
    shard.write_bytes(shard.read_bytes().replace(b"published", b"PUBLISHED", 1))
    report = verify(copy)
    assert not report.ok and shard.relative_to(copy / "data").as_posix() in report.format()


# --- unit and week pages against /data/disbursements.csv ----------------------------------------


class Published:
    """/data/disbursements.csv read with csv and Decimal, and campaign.toml."""

    def __init__(self, root: Path, site: Path):
        self.camp = independent.campaign(root / "data")
        self.rows = [{**r, "fen": fen(r["amount_yuan"])} for r in read_rows(site / "data/disbursements.csv")]
        self.round_label = {r["id"]: unicodedata.normalize("NFKC", r["label"]) for r in self.camp["rounds"]}  # as campaign.toml is read

    def week_label(self, key: str) -> str:
        if key.startswith("undated-"):
            return f"日期不公开（{self.round_label[key.removeprefix('undated-')]}）"
        sunday = dt.date.fromisoformat(key) + dt.timedelta(days=6)
        return f"{key} 至 {sunday.month}月{sunday.day}日"

    def label(self, column: str, row: dict) -> str:
        return {
            "区县": lambda: row["district"], "批次": lambda: self.round_label[row["round"]], "周": lambda: self.week_label(week_of(row)),
            "救助类别": lambda: row["category"], "受助群体": lambda: row["recipient_group"],
            "救助形式": lambda: AID_ZH[row["aid_type"]], "发放单位": lambda: row["disbursing_unit"],
        }[column]()


@pytest.fixture(scope="module")
def pub(root, default_site) -> Published:
    return Published(root, default_site)


def check_tables(path: Path, rows: list[dict], pub: Published, expected_tables: int) -> None:
    page = read_page(path)
    tables = [t for t in page.tables if t.columns[1:3] == ["记录数", "金额（元）"]]
    assert len(tables) == expected_tables, (path, [t.caption for t in tables])
    for table in tables:
        sums: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for row in rows:
            cell = sums[pub.label(table.columns[0], row)]
            cell[0] += 1
            cell[1] += row["fen"]
        assert set(table.labels()) == set(sums), (path, table.caption)
        for label, (n, amount) in sums.items():
            cells = table.row(label)
            assert (cells["记录数"], cells["金额（元）"]) == (f"{n:,}", money(amount)), (path, table.caption, label)
            assert n >= 3, (path, table.caption, label)  # README "Privacy": every cell 0 or at least k
        foot = table.row("合计")
        assert (foot["记录数"], foot["金额（元）"]) == (f"{len(rows):,}", money(sum(r["fen"] for r in rows)))
    assert (page.stats["发放总额"], page.stats["发放记录"]) == (money(sum(r["fen"] for r in rows)), f"{len(rows):,} 条")


def test_unit_pages_every_cell(default_site, pub):
    units = Counter(r["disbursing_unit"] for r in pub.rows)
    check_tables(default_site / "units/index.html", pub.rows, pub, 1)
    index = read_page(default_site / "units/index.html").table("各发放单位")
    amounts = {u: sum(r["fen"] for r in pub.rows if r["disbursing_unit"] == u) for u in units}
    expected = sorted(units, key=lambda u: (u == "其他单位", -amounts[u], u))
    assert index.labels() == expected
    for unit in units:
        mine = [r for r in pub.rows if r["disbursing_unit"] == unit]
        check_tables(default_site / f"units/{unit_slug(unit)}/index.html", mine, pub, 6)


def test_week_pages_every_cell(default_site, pub):
    weeks = {week_of(r) for r in pub.rows}
    check_tables(default_site / "weeks/index.html", pub.rows, pub, 1)
    index = read_page(default_site / "weeks/index.html").table("各周")
    dated = sorted(w for w in weeks if not w.startswith("undated-"))
    undated = [f"undated-{r}" for r in pub.round_label if f"undated-{r}" in weeks]
    assert index.labels() == [pub.week_label(w) for w in dated + undated]
    for week in weeks:
        mine = [r for r in pub.rows if week_of(r) == week]
        check_tables(default_site / f"weeks/{week}/index.html", mine, pub, 5)


# --- findings: grouped by severity and rule, counts first, tagged for the filter -------------------


def test_findings_grouped_by_severity_with_counts_and_filter_tags(default_site):
    import re

    rows = read_rows(default_site / "data/findings.csv")
    body = (default_site / "findings/index.html").read_text(encoding="utf-8")
    by_severity = Counter(r["severity"] for r in rows)
    for code, zh in (("high", "高"), ("medium", "中"), ("low", "低")):
        if by_severity[code]:
            assert re.search(rf'<a href="#severity-{code}"><span class="sev sev-{code}">{zh}</span> {by_severity[code]:,} 项</a>', body), code
    groups = re.findall(r'<div class="severity-group" id="severity-(\w+)"', body)
    assert groups == [s for s in ("high", "medium", "low") if by_severity[s]]
    # every finding row on the page carries its severity, rule and destinations for the filter
    tags = re.findall(r'<tr class="sev-(\w+)" data-severity="(\w+)" data-rule="([\w-]+)" data-districts="([^"]*)">', body)
    per_rule = Counter(r["rule"] for r in rows)
    assert Counter(rule for _, _, rule, _ in tags) == Counter({rule: min(n, 200) for rule, n in per_rule.items()})
    severity_of = {r["rule"]: r["severity"] for r in rows}
    assert all(a == b == severity_of[rule] for a, b, rule, _ in tags)
    districts = {r["district"] for r in rows}
    assert {d.replace("|", "、") for *_, d in tags} <= districts | {""}
    # the filter is there for JavaScript, and the page works without it (hidden until the script shows it)
    assert '<form class="findings-filter js-only" hidden' in body and "#severity-high" in body


def test_browse_codes_number_values_as_pandas_factorize_does():
    """downloads/browse.py finds each column's distinct values once, then numbers each destination's values in
    the order they first appear (all destinations at once): the same codes and values as pandas.factorize(sort=False)
    of each destination's slice on its own."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    from warmth.downloads.browse import _codes, _first_seen

    rng = np.random.default_rng(2012)
    words = np.array(["大米", "棉被", "", "煤", "食用油"], dtype=object)
    for _ in range(200):
        n = int(rng.integers(1, 60))
        values = list(words[rng.integers(0, len(words), n)])
        for i in rng.integers(0, n, int(rng.integers(0, 3))):
            values[i] = None  # a missing value: -1, and not among the values
        column = pa.chunked_array([pa.array(values, pa.large_string())])
        order = rng.permutation(n)[: int(rng.integers(1, n + 1))]
        cuts = np.sort(rng.integers(0, len(order) + 1, int(rng.integers(0, 4))))
        bounds = np.array([0, *cuts, len(order)])  # some groups may be empty
        codes, found = _first_seen(*_codes(column), order, bounds)
        assert len(found) == len(bounds) - 1
        for g, (lo, hi) in enumerate(zip(bounds[:-1], bounds[1:])):
            expected_codes, expected = pd.factorize(pd.Series([values[i] for i in order[lo:hi]], dtype=object), sort=False)
            assert codes[lo:hi].tolist() == expected_codes.tolist() and found[g] == list(expected)
