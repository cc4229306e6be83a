"""An independent reading of the raw input files, for tests to compare against.

Deliberately shares no code with the plugin: the csv module, Decimal, and the
header names copied from the README's record format.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections import defaultdict
from datetime import date as _date
from datetime import timedelta as _timedelta
from decimal import Decimal
from pathlib import Path

HEADERS = {
    "记录编号": "record_id", "批次": "round", "发放日期": "date", "区县": "district", "发放单位": "disbursing_unit",
    "资金来源": "fund_source", "救助类别": "category", "受助群体": "recipient_group", "救助形式": "aid_type",
    "物资名称": "item", "数量": "quantity", "计量单位": "unit", "金额(元)": "amount_yuan", "受助人编码": "recipient_ref",
    "建档日期": "filed_on", "备注": "note",
}


def read_rows(path: Path) -> list[dict]:
    if path.suffix.lower() == ".xlsx":
        return _xlsx_rows(path)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:  # Excel's plain "CSV" on Chinese Windows
        text = raw.decode("gb18030")
    reader = csv.reader(io.StringIO(text, newline=""))
    return _records(reader)


def _records(reader) -> list[dict]:
    header = [unicodedata.normalize("NFKC", h).strip() for h in next(reader)]
    header = [HEADERS.get(h, h) for h in header]
    return [dict(zip(header, (v.strip() for v in row))) for row in reader if any(v.strip() for v in row)]


def _xlsx_rows(path: Path) -> list[dict]:
    """The first sheet of a workbook, read with openpyxl: dates as YYYY-MM-DD, numbers as written."""
    import datetime as dt

    from openpyxl import load_workbook

    def text(value) -> str:
        if value is None:
            return ""
        if isinstance(value, dt.datetime | dt.date):
            return value.strftime("%Y-%m-%d")
        if isinstance(value, float):
            return repr(value).removesuffix(".0")
        return str(value)

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        return _records([text(v) for v in row] for row in book.worksheets[0].iter_rows(values_only=True))
    finally:
        book.close()


def raw_records(data: Path) -> list[dict]:
    """Every record of every ``rounds/<round>/*.csv`` or ``*.xlsx`` file."""
    rows = []
    for path in sorted(p for p in (data / "rounds").glob("*/*") if p.suffix.lower() in (".csv", ".xlsx")):
        rows += read_rows(path)
    return rows


def yuan(value: str) -> Decimal:
    return Decimal(value.replace(",", ""))


def totals(rows: list[dict], key: str | None = None) -> dict:
    """{value of key: (records, Decimal yuan)}; key None gives the grand total."""
    result: dict = defaultdict(lambda: [0, Decimal(0)])
    for row in rows:
        bucket = result[row[key] if key else None]
        bucket[0] += 1
        bucket[1] += yuan(row["amount_yuan"])
    return {k: (v[0], v[1]) for k, v in result.items()}


def shown(amount: Decimal) -> str:
    """How the site must show an amount: ¥1,234,567.89."""
    return f"¥{amount:,.2f}"


TWO_DECIMALS = re.compile(r"\d+\.\d{2}")


# --- campaign file, typed records, small groups --------------------------------
# Written from the README (record format, "Privacy: small groups", "Findings"),
# sharing no code with the plugin: tomllib, csv, Decimal, plain dicts.

AID_TYPES = {"cash": "cash", "goods": "goods", "service": "service", "现金": "cash", "物资": "goods", "服务": "service"}
AID_ZH = {"cash": "现金", "goods": "物资", "service": "服务"}
DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")


def campaign(data: Path) -> dict:
    import tomllib

    return tomllib.loads((data / "campaign.toml").read_text(encoding="utf-8"))


def names(camp: dict, key: str) -> list[str]:
    return [item["name"] if isinstance(item, dict) else item for item in camp[key]]


def iso_date(text: str) -> str:
    """2012-01-05, 2012/1/5 or 2012年1月5日 → 2012-01-05 (README's accepted forms); "" stays ""."""
    if not text:
        return ""
    import datetime as dt

    match = DATE.fullmatch(text.strip())
    assert match, text
    return dt.date(*(int(g) for g in match.groups())).isoformat()


def fen(value: str) -> int:
    cents = yuan(value) * 100
    assert cents == int(cents), value
    return int(cents)


def records(data: Path) -> list[dict]:
    """The raw records, typed: aid type in English, ISO dates, ``fen`` in integer fen."""
    assert not (data / "corrections.csv").exists(), "this reading does not apply corrections"
    out = []
    for row in raw_records(data):
        row = dict(row)
        row["aid_type"] = AID_TYPES[row["aid_type"]]
        row["date"] = iso_date(row["date"])
        row["filed_on"] = iso_date(row.get("filed_on", ""))
        row["fen"] = fen(row["amount_yuan"])
        out.append(row)
    return out


def monday(iso: str) -> str:
    """The Monday of the week of an ISO date (README "Privacy": dates are published by week)."""
    y, m, d = (int(x) for x in iso.split("-"))
    day = _date(y, m, d)
    return (day - _timedelta(days=day.weekday())).isoformat()


def published(rows: list[dict], site_rows: list[dict], camp: dict) -> list[dict]:
    """The raw records with the generalisable fields as the site published them (README "Privacy").

    Checks, record by record, that publishing only generalised: the same records in the same
    order, every fixed field and amount unchanged, each generalisable field either the raw value
    or its "other" form (a date: the Monday of its week, or empty), and the withheld columns empty.
    """
    privacy = camp.get("privacy", {})
    other = privacy.get("other_label", "其他")
    other_unit = privacy.get("other_unit_label", "其他单位")
    other_item = privacy.get("other_item_label", "其他物资")
    withheld = ["recipient_ref", "filed_on"] + ([] if privacy.get("publish_notes", False) else ["note"])
    by_id = {r["record_id"]: r for r in site_rows}
    assert set(by_id) == {r["record_id"] for r in rows} and len(by_id) == len(site_rows)
    out = []
    for row in rows:
        pub = by_id[row["record_id"]]
        for field in ("round", "district", "fund_source", "aid_type"):
            assert pub[field] == row[field], (row["record_id"], field)
        assert fen(pub["amount_yuan"]) == row["fen"], row["record_id"]
        for field, other_value in (("category", other), ("recipient_group", other), ("disbursing_unit", other_unit)):
            assert pub[field] in (row[field], other_value), (row["record_id"], field, pub[field])
        if row["aid_type"] == "goods":
            assert pub["item"] in (row["item"], other_item), (row["record_id"], pub["item"])
        assert pub["date"] in (monday(row["date"]), ""), (row["record_id"], pub["date"])
        for field in withheld:
            assert pub[field] == "", (row["record_id"], field)
        out.append({**row, **{f: pub[f] for f in ("category", "recipient_group", "disbursing_unit", "item", "date")}})
    return out


def protected_rows(items: list[tuple[str, str, int]], dests: list[str], k: int) -> list[tuple[str, int, int]]:
    """README "Findings": findings about people, per destination, for rows of at least k people.

    ``items`` are (destination, person, fen) per record. Destinations with 1 to k-1 people are merged
    into one row; while that row has fewer than k people it takes in the destination with the fewest
    people (then the first declared); with fewer than k people in all, nothing is published.
    Returns (destinations joined with 、 in declared order, records, fen).
    """
    people: dict[str, set] = defaultdict(set)
    for dest, person, _ in items:
        people[dest].add(person)
    if len(set().union(*people.values()) if people else set()) < k:
        return []
    small = {d for d, ps in people.items() if len(ps) < k}
    groups = [{d} for d in people if d not in small]
    if small:
        merged = set(small)
        others = sorted((len(people[d]), dests.index(d), d) for d in people if d not in small)
        while len(set().union(*(people[d] for d in merged))) < k:
            merged.add(others.pop(0)[2])
        groups = [g for g in groups if not g & merged] + [merged]
    out = []
    for group in groups:
        mine = [(person, amount) for dest, person, amount in items if dest in group]
        out.append(("、".join(sorted(group, key=dests.index)), len(mine), sum(a for _, a in mine)))
    return out


def allocations(data: Path) -> dict[tuple[str, str], int]:
    """(fund_source, district) → allocated fen, from allocations.csv."""
    out: dict[tuple[str, str], int] = defaultdict(int)
    path = data / "allocations.csv"
    if path.exists():
        for row in read_rows(path):
            out[(row["fund_source"], row["district"])] += fen(row["amount_yuan"])
    return dict(out)


# --- findings (README "Findings"), campaign closed, no submissions.csv -----------

ID_LIMIT = 50  # over-allocation lists at most this many record ids (README)


def findings(data: Path, site_rows: list[dict]) -> set[tuple]:
    """Every finding as (rule, district, fund_source, record_ids, records, amount_fen), record by record.

    Findings are computed on the records as submitted; a record whose category (earmark) or group
    (file-first rules) is merged into the other label on the published site is counted and summed,
    but its id is not listed.
    """
    camp = campaign(data)
    assert camp["campaign"].get("closed", False), "this reading covers a closed campaign"
    assert not (data / "submissions.csv").exists(), "this reading covers data without submissions.csv"
    rows = records(data)
    public = published(rows, site_rows, camp)
    dests = names(camp, "destinations")
    earmarks = {s["name"]: set(s.get("categories", [])) for s in camp["fund_sources"]}
    hardship = "困难职工"

    expected = set()
    pair_ids, pair_fen = defaultdict(list), defaultdict(int)
    earmark, first_missing, first_late = defaultdict(list), defaultdict(list), defaultdict(list)
    ref_dests, ref_items, repeat = defaultdict(set), defaultdict(list), defaultdict(list)
    ref_records = defaultdict(list)
    reported = set()
    for row, pub in zip(rows, public):
        rid, dist, src, cat, grp, amount, ref = (
            row["record_id"], row["district"], row["fund_source"], row["category"], row["recipient_group"], row["fen"],
            row["recipient_ref"],
        )
        pair_ids[(src, dist)].append(rid)
        pair_fen[(src, dist)] += amount
        reported.add((row["round"], dist))
        cat_shown, grp_shown = pub["category"] == cat, pub["recipient_group"] == grp
        if earmarks[src] and cat not in earmarks[src]:
            earmark[(dist, src, cat if cat_shown else "")].append((rid, amount, cat_shown))
        if grp == hardship:
            if not row["filed_on"]:
                first_missing[dist].append((rid, amount, grp_shown))
            elif row["filed_on"] > row["date"]:
                first_late[dist].append((rid, amount, grp_shown))
        if ref:
            ref_dests[ref].add(dist)
            ref_items[ref].append((rid, amount))
            ref_records[ref].append(((rid, amount), dist))
            repeat[(ref, src, cat)].append((rid, amount, dist))

    allocated = allocations(data)
    for pair in set(allocated) | set(pair_fen):
        given, spent = allocated.get(pair, 0), pair_fen.get(pair, 0)
        if spent > given:
            ids = sorted(pair_ids[pair])
            expected.add(("over-allocation", pair[1], pair[0], " ".join(ids[:ID_LIMIT]), len(ids), spent - given))
        elif given > spent and all((rnd["id"], pair[1]) in reported for rnd in camp["rounds"]):
            # a report missing (or none at all): the balance is not known, the missing report is the finding
            expected.add(("unspent-balance", pair[1], pair[0], "", 0, given - spent))
    for (dist, src, _cat), items in earmark.items():
        listed = sorted(rid for rid, _, is_shown in items if is_shown)
        expected.add(("earmark", dist, src, " ".join(listed), len(items), sum(a for _, a, _ in items)))
    for rule, groups in (("file-first-missing", first_missing), ("file-first-late", first_late)):
        for dist, items in groups.items():
            listed = sorted(rid for rid, _, is_shown in items if is_shown)
            expected.add((rule, dist, "", " ".join(listed), len(items), sum(a for _, a, _ in items)))
    k = camp.get("privacy", {}).get("min_group_size", 3)
    multi = [(d, ref, a) for ref, where in ref_dests.items() if len(where) > 1 for (_rid, a), d in ref_records[ref]]
    for where, n, money in protected_rows(multi, dests, k):
        expected.add(("fairness-multi-district", where, "", "", n, money))
    repeated = [(d, ref, a) for (ref, _src, _cat), items in repeat.items() if len(items) > 1 for _rid, a, d in items]
    for where, n, money in protected_rows(repeated, dests, k):
        expected.add(("fairness-repeat", where, "", "", n, money))
    for dist in dests:
        for rnd in camp["rounds"]:
            if (rnd["id"], dist) not in reported:
                expected.add(("missing-report", dist, "", "", 0, 0))
    return expected


# --- check characters --------------------------------------------------------


def gb11643_check(first17: str) -> str:
    """The check character of a resident ID number, as ISO 7064 MOD 11-2 defines it (GB 11643-1999 §5):
    the digit at position i counted from the right (the check itself is position 1) weighs 2^(i-1) mod 11,
    and the check value a1 makes the weighted sum ≡ 1 (mod 11); the value 10 is written X.

    Written from the formula, not from the plugin's weight table and "10X98765432" lookup."""
    assert len(first17) == 17 and first17.isdigit()
    total = sum(int(digit) * pow(2, 17 - i, 11) for i, digit in enumerate(first17))
    value = (1 - total) % 11
    return "X" if value == 10 else str(value)
