"""Seeded synthetic disbursement data (示例数据) for the 送温暖 disclosure site.

``generate()`` writes what districts would send: ``rounds/<round>/<slug>.csv``
in the record format of the README, plus ``allocations.csv``. The same seed and
record count always give byte-identical files. Everything is vectorised with
numpy and pyarrow, so a million records take a few seconds.

The data are realistic but invented, and they carry planted problems for the
findings page: a few fund sources used outside their earmarked categories, a
few hardship workers helped before (or without) a hardship file, one
over-spent allocation, and 沐川县 without its second-round report.

This module stands alone (stdlib ``tomllib``, numpy, pyarrow): it imports
nothing from the rest of the package, so it can run as a script::

    python plugins/warmth/sample.py --out data --records 6000 --seed 2012
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import re
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

DEFAULT_RECORDS = 6000
DEFAULT_SEED = 2012

# (English header, Chinese header), in file order.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("record_id", "记录编号"),
    ("round", "批次"),
    ("date", "发放日期"),
    ("district", "区县"),
    ("disbursing_unit", "发放单位"),
    ("fund_source", "资金来源"),
    ("category", "救助类别"),
    ("recipient_group", "受助群体"),
    ("aid_type", "救助形式"),
    ("item", "物资名称"),
    ("quantity", "数量"),
    ("unit", "计量单位"),
    ("amount_yuan", "金额（元）"),
    ("recipient_ref", "受助人编码"),
    ("filed_on", "建档日期"),
    ("note", "备注"),
)

AID_TYPES = ("cash", "goods", "service")
AID_TYPES_ZH = ("现金", "物资", "服务")
CASH, GOODS, SERVICE = 0, 1, 2

BOM = b"\xef\xbb\xbf"
TMP_PREFIX = ".sample-"
FEN_PER_THOUSAND_YUAN = 100_000
FILED_FROM = date(2008, 1, 1)  # earliest hardship-file date

# --- campaign-specific knowledge (names as declared in campaign.toml) -------

HARDSHIP = "困难职工"
MIGRANT = "农民工"
CHILDREN = "困难职工子女"
ENTERPRISE = "困难企业"

PROVINCIAL_SOURCE = "省总工会慰问资金"
PROVINCIAL_COUNTIES = ("马边彝族自治县", "峨边彝族自治县")
PROVINCIAL_ENTERPRISE_CATEGORY = "困难企业慰问"
PROVINCIAL_WORKER_CATEGORY = "生活救助"
LATE_DESTINATION = "沐川县"  # has not sent its second-round report
CITY_LEVEL = "市直"

# Relative number of records per destination (default 0.8).
DESTINATION_WEIGHTS = {
    "市中区": 1.7, "沙湾区": 0.8, "五通桥区": 0.9, "金口河区": 0.45, "犍为县": 1.4,
    "井研县": 0.8, "夹江县": 0.9, "沐川县": 0.6, "峨边彝族自治县": 0.5,
    "马边彝族自治县": 0.5, "峨眉山市": 1.4, "市直": 1.8,
}
# Record-id prefixes; other slugs use their upper-cased letters.
PREFIXES = {
    "shizhong": "SZ", "shawan": "SW", "wutongqiao": "WTQ", "jinkouhe": "JKH",
    "qianwei": "QW", "jingyan": "JY", "jiajiang": "JJ", "muchuan": "MC",
    "ebian": "EB", "mabian": "MB", "emeishan": "EMS", "shizhi": "SZHI",
}
# City-level units reporting under 市直, with relative weights.
CITY_UNITS = (
    ("市总工会", 3.0), ("市教育工会", 2.0), ("市卫生工会", 1.5), ("市直机关工会", 1.0),
    ("市财贸工会", 1.0), ("市建设工会", 1.0), ("市交通运输工会", 1.0), ("市农林水工会", 0.6),
    ("市国资系统工会", 0.8), ("市邮政工会", 0.4),
)
# Relative weight of fund sources (the provincial source is handled apart).
SOURCE_WEIGHTS = {
    "中央财政追加资金": 0.28, "市财政安排资金": 0.22, "市总工会配套资金": 0.20,
    "单位筹集资金": 0.18, "社会捐赠": 0.12,
}
CITY_SOURCE_BOOST = {"单位筹集资金": 2.5, "中央财政追加资金": 0.6}


@dataclass(frozen=True)
class Style:
    """How one district writes its files."""

    chinese_header: bool = False
    dates: str = "iso"  # iso 2012-01-05 | slash 2012/1/5 | cjk 2012年1月5日
    chinese_aid: bool = False
    fixed_cents: bool = False  # 1200.00 instead of 1200
    bom: bool = True


STYLES = {
    "井研县": Style(chinese_header=True, dates="slash", chinese_aid=True),
    "夹江县": Style(chinese_header=True, dates="cjk", chinese_aid=True, fixed_cents=True),
    "峨边彝族自治县": Style(chinese_header=True, dates="slash", chinese_aid=True, fixed_cents=True),
}
NO_BOM_FILES = {("2012-02", "井研县")}  # (round, destination) saved as UTF-8 without BOM
GB18030_FILES = {("2012-01", "井研县")}  # saved by Excel as plain "CSV" on Chinese Windows

# Goods: item → (unit, quantity options in tenths, their weights).
ITEMS: dict[str, tuple[str, tuple[int, ...], tuple[float, ...]]] = {
    "大米": ("袋", (10, 20, 30), (0.5, 0.35, 0.15)),
    "食用油": ("桶", (10, 20), (0.7, 0.3)),
    "棉被": ("床", (10, 20), (0.8, 0.2)),
    "购药卡": ("张", (10, 20, 30, 40, 50), (0.3, 0.3, 0.2, 0.1, 0.1)),
    "羽绒服": ("件", (10, 20), (0.85, 0.15)),
    "慰问品": ("份", (10, 20, 30), (0.7, 0.2, 0.1)),
    "学习用品": ("套", (10, 20), (0.75, 0.25)),
    "煤": ("吨", (5, 10, 15, 20), (0.3, 0.4, 0.2, 0.1)),
}
ITEM_NAMES = tuple(ITEMS)
PRICE_STEP_FEN = {"煤": 1000}  # price rounding per item (default 0.50 yuan)


@dataclass(frozen=True)
class Service:
    """One kind of service: probability, value range and step in yuan, note."""

    p: float
    lo: float
    hi: float
    step: float
    note: str


@dataclass(frozen=True)
class Profile:
    """What aid under one category looks like."""

    weight: float
    groups: tuple[tuple[str, float], ...]
    aid: tuple[float, float, float]  # P(cash), P(goods), P(service)
    cash: tuple[int, int, int] = (300, 2000, 100)  # yuan: low, high, usual step
    goods: tuple[tuple[str, float, float], ...] = ()  # item, weight, base unit price (yuan)
    services: tuple[Service, ...] = ()
    notes: tuple[str, ...] = ("春节慰问",)


PROFILES: dict[str, Profile] = {
    "生活救助": Profile(
        32, ((HARDSHIP, 0.92), (MIGRANT, 0.08)), (0.6, 0.4, 0.0), (300, 2000, 100),
        (("大米", 0.3, 150), ("食用油", 0.25, 120), ("棉被", 0.2, 200), ("煤", 0.15, 900), ("羽绒服", 0.1, 350)),
        notes=("春节慰问", "过冬取暖补贴", "低保边缘户生活补助", "市领导慰问", "因灾致困生活救助"),
    ),
    "医疗救助": Profile(
        9, ((HARDSHIP, 0.94), (MIGRANT, 0.06)), (0.7, 0.3, 0.0), (500, 5000, 100),
        (("购药卡", 1.0, 300),),
        notes=("大病医疗补助", "赠送购药卡", "住院自付费用补助"),
    ),
    "助学救助": Profile(
        8, ((CHILDREN, 1.0),), (0.88, 0.12, 0.0), (1000, 3000, 500),
        (("学习用品", 0.8, 150), ("羽绒服", 0.2, 300)),
        notes=("贫困大学生助学", "春节助学慰问", "市领导走访慰问"),
    ),
    "就业援助": Profile(
        4, ((HARDSHIP, 0.55), (MIGRANT, 0.45)), (0.4, 0.0, 0.6), (500, 3000, 500),
        services=(Service(0.5, 200, 1200, 100, "职业技能培训"), Service(0.5, 0, 0, 1, "就业招聘会推荐岗位")),
        notes=("创业扶持", "送岗位上门"),
    ),
    "心理疏导": Profile(
        2.5, ((MIGRANT, 0.5), ("一线职工", 0.3), (HARDSHIP, 0.2)), (0.0, 0.05, 0.95),
        goods=(("慰问品", 1.0, 100),),
        services=(Service(0.7, 0, 0, 1, "心理咨询热线"), Service(0.3, 50, 300, 10, "一对一心理疏导")),
        notes=("新生代农民工心理咨询",),
    ),
    "农民工帮扶": Profile(
        13, ((MIGRANT, 1.0),), (0.3, 0.2, 0.5), (300, 1500, 100),
        (("慰问品", 0.5, 150), ("羽绒服", 0.3, 350), ("棉被", 0.2, 200)),
        services=(
            Service(0.65, 80, 450, 0.5, "平安返乡车票"),
            Service(0.25, 0, 0, 1, "法律援助"),
            Service(0.10, 0, 0, 1, "欠薪追讨协助"),
        ),
        notes=("春节慰问", "返乡前慰问"),
    ),
    "一线职工慰问": Profile(
        22, (("一线职工", 1.0),), (0.15, 0.85, 0.0), (200, 800, 100),
        (("慰问品", 1.0, 200),),
        notes=("节日坚守岗位慰问", "春节慰问", "共进年夜饭"),
    ),
    "劳模慰问": Profile(
        5, (("劳动模范", 1.0),), (0.6, 0.3, 0.1), (500, 2000, 100),
        (("慰问品", 1.0, 300),),
        services=(Service(1.0, 100, 500, 50, "保健义诊"),),
        notes=("劳模走访慰问", "春节慰问"),
    ),
    "困难企业慰问": Profile(
        1, ((ENTERPRISE, 1.0),), (1.0, 0.0, 0.0), (5000, 20000, 1000),
        notes=("困难企业走访慰问", "座谈了解企业困难"),
    ),
}
# Records per person, by group: how often the same recipient comes back.
RECORDS_PER_PERSON = {HARDSHIP: 1.8, MIGRANT: 1.25, CHILDREN: 1.15, "一线职工": 1.1, "劳动模范": 1.3, ENTERPRISE: 1.4}
# Share of persons (other than hardship workers) who have a hardship file date.
FILED_SHARE = {CHILDREN: 0.25, MIGRANT: 0.05}

ROUND1_SHARE = 0.65
NOTE_SHARE = 0.15
SERVICE_NOTE_SHARE = 0.8
REF_MISSING_SHARE = 0.03
CROSS_DESTINATION_SHARE = 0.01  # hardship workers helped outside their home destination
BREACH_SHARE = 0.002  # fund source outside its earmarked categories
FILED_ISSUE_SHARE = 0.005  # hardship workers without a file, or filed after the aid
CENTS_SHARE = 0.08  # cash amounts with cents
MAX_DIGIT_RUN = 10  # recipient refs never hold 11+ digits in a row (looks like a phone number)


class SampleError(ValueError):
    """The campaign file or the arguments cannot produce sample data."""


# --- campaign -------------------------------------------------------------


@dataclass(frozen=True)
class Campaign:
    start: date
    end: date
    rounds: tuple[str, ...]
    deadlines: tuple[date | None, ...]
    destinations: tuple[str, ...]
    slugs: tuple[str, ...]
    sources: tuple[str, ...]
    earmarks: tuple[frozenset[str], ...]
    categories: tuple[str, ...]
    groups: tuple[str, ...]


def _as_date(value: object, what: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise SampleError(f"campaign.toml: {what} is not a date: {value!r}") from exc


def read_campaign(path: Path) -> Campaign:
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise SampleError(f"cannot read {path}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SampleError(f"{path}: {exc}") from exc
    try:
        camp = data["campaign"]
        rounds = data["rounds"]
        dests = data["destinations"]
        sources = data["fund_sources"]
        categories = tuple(c["name"] for c in data["categories"])
        groups = tuple(g["name"] for g in data["recipient_groups"])
        result = Campaign(
            start=_as_date(camp["start"], "campaign.start"),
            end=_as_date(camp["end"], "campaign.end"),
            rounds=tuple(str(r["id"]) for r in rounds),
            deadlines=tuple(_as_date(r["deadline"], "deadline") if "deadline" in r else None for r in rounds),
            destinations=tuple(d["name"] for d in dests),
            slugs=tuple(d["slug"] for d in dests),
            sources=tuple(s["name"] for s in sources),
            earmarks=tuple(frozenset(s.get("categories", categories)) for s in sources),
            categories=categories,
            groups=groups,
        )
    except (KeyError, TypeError) as exc:
        raise SampleError(f"{path}: missing or malformed key {exc}") from exc
    if not (result.rounds and result.destinations and result.sources and result.categories and result.groups):
        raise SampleError(f"{path}: rounds, destinations, fund sources, categories and groups must not be empty")
    if result.end < result.start:
        raise SampleError(f"{path}: campaign end is before its start")
    return result


def _prefixes(slugs: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for slug in slugs:
        base = PREFIXES.get(slug) or re.sub(r"[^A-Za-z0-9]", "", slug).upper() or "D"
        prefix, n = base, 2
        while prefix in out:
            prefix, n = f"{base}{n}", n + 1
        out.append(prefix)
    return out


# --- small helpers ----------------------------------------------------------


def _pick(rng: np.random.Generator, n: int, weights: np.ndarray | list[float]) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    return rng.choice(len(w), size=n, p=w / w.sum())


def _uniform_steps(rng: np.random.Generator, n: int, lo_fen: int, hi_fen: int, step_fen: int) -> np.ndarray:
    """Uniform multiples of step_fen in [lo_fen, hi_fen]."""
    lo, hi = -(-lo_fen // step_fen), hi_fen // step_fen
    return rng.integers(lo, max(lo, hi) + 1, size=n).astype(np.int64) * step_fen


def _fen(yuan: float) -> int:
    return int(round(yuan * 100))


def _strings(values: list[str]) -> pa.Array:
    return pa.array(values, type=pa.string())


def _take(table: pa.Array, codes: np.ndarray) -> pa.Array:
    """table[codes]; a negative code gives an empty cell."""
    codes = np.asarray(codes, dtype=np.int64)
    missing = codes < 0
    if missing.any():
        return table.take(pa.array(np.where(missing, 0, codes), mask=missing))
    return table.take(pa.array(codes))


def _date_tables(first: date, last: date) -> dict[str, pa.Array]:
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    return {
        "iso": _strings([d.isoformat() for d in days]),
        "slash": _strings([f"{d.year}/{d.month}/{d.day}" for d in days]),
        "cjk": _strings([f"{d.year}年{d.month}月{d.day}日" for d in days]),
    }


def _amount_strings(fen: np.ndarray, fixed: bool) -> pa.Array:
    """Yuan text from fen: ``500``/``152.5``/``152.25``, or always two decimals."""
    whole = pc.cast(pa.array(fen // 100), pa.string())
    cents = fen % 100
    if fixed:
        suffixes = [f".{c:02d}" for c in range(100)]
    else:
        suffixes = ["" if c == 0 else f".{c // 10}" if c % 10 == 0 else f".{c:02d}" for c in range(100)]
    return pc.binary_join_element_wise(whole, _strings(suffixes).take(pa.array(cents)), "")


def _digit_runs_ok(hexes: list[str]) -> np.ndarray:
    """True where a 64-char hex string has no run of more than MAX_DIGIT_RUN digits."""
    if not hexes:
        return np.zeros(0, dtype=bool)
    arr = np.frombuffer("".join(hexes).encode("ascii"), dtype=np.uint8).reshape(len(hexes), -1)
    digit = arr < ord("a")
    run = np.zeros(len(hexes), dtype=np.int16)
    longest = np.zeros(len(hexes), dtype=np.int16)
    for j in range(arr.shape[1]):
        run = (run + 1) * digit[:, j]
        np.maximum(longest, run, out=longest)
    return longest <= MAX_DIGIT_RUN


def _recipient_refs(seed: int, n: int) -> list[str]:
    """n pseudonymous ids: sha256 of f"{seed}:{i}" for the first n indices i whose
    digest has no long run of digits (so no ref can be mistaken for a phone number)."""
    refs: list[str] = []
    start = 0
    while len(refs) < n:
        batch = max(1024, int((n - len(refs)) * 1.35))
        sha = hashlib.sha256
        hexes = [sha(b"%d:%d" % (seed, i)).hexdigest() for i in range(start, start + batch)]
        ok = _digit_runs_ok(hexes)
        refs.extend(h for h, good in zip(hexes, ok, strict=True) if good)
        start += batch
    return refs[:n]


def _file_mode() -> int:
    """Permissions of a newly created file under the current umask (mkstemp gives 0600)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=TMP_PREFIX, suffix=".tmp")
    try:
        os.chmod(tmp, _file_mode())
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _atomic_write_table(path: Path, table: pa.Table, bom: bool, gb18030: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=TMP_PREFIX, suffix=".tmp")
    try:
        os.chmod(tmp, _file_mode())
        with os.fdopen(fd, "wb") as fh:
            # quoting "none": no value may need quotes; pyarrow raises if one does.
            options = pacsv.WriteOptions(quoting_style="none", quoting_header="none")
            if gb18030:  # what Excel's plain "CSV" writes on Chinese Windows: no BOM
                sink = io.BytesIO()
                pacsv.write_csv(table, sink, options)
                fh.write(sink.getvalue().decode("utf-8").encode("gb18030"))
            else:
                if bom:
                    fh.write(BOM)
                pacsv.write_csv(table, fh, options)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --- generation -------------------------------------------------------------


def _profile(category: str, groups: tuple[str, ...]) -> Profile:
    prof = PROFILES.get(category)
    if prof is None:  # a category this generator does not know: plain cash help
        prof = Profile(2, ((HARDSHIP, 1.0),), (1.0, 0.0, 0.0))
    known = tuple((g, w) for g, w in prof.groups if g in groups)
    if not known:
        known = ((groups[0], 1.0),)
    return Profile(prof.weight, known, prof.aid, prof.cash, prof.goods, prof.services, prof.notes)


def _round_windows(c: Campaign) -> list[tuple[int, int, np.ndarray]]:
    """Per round: first and last day (days since FILED_FROM) and day weights."""
    out = []
    for r, deadline in enumerate(c.deadlines):
        if r == 0:
            first = c.start
            last = min(c.end, deadline - timedelta(days=2)) if deadline else c.end
        else:
            first, last = max(c.start, c.end - timedelta(days=17)), c.end
        last = max(first, last)
        n = (last - first).days + 1
        x = np.arange(n) / max(1, n - 1)
        if r == 0:  # busier towards Spring Festival, with a bump before New Year's Day
            weights = 1 + 4 * x**2
            days = [first + timedelta(days=i) for i in range(n)]
            weights += np.array([1.5 if d.month == 12 and d.day >= 27 else 0.0 for d in days])
        else:
            weights = 1 + 3 * x
        out.append(((first - FILED_FROM).days, (last - FILED_FROM).days, weights))
    return out


def generate(out_dir: Path, campaign_path: Path, *, records: int = DEFAULT_RECORDS, seed: int = DEFAULT_SEED) -> dict:
    """Write seeded sample data into out_dir and return a small summary.

    Writes ``rounds/<round id>/<slug>.csv`` for every round and destination
    with records, and ``allocations.csv``; copies the campaign file into
    out_dir when it has none (an existing campaign.toml is never written).
    CSV files left in ``rounds/*/`` by an earlier run and not rewritten now are
    removed. Same seed and records → byte-identical files.
    """
    out_dir = Path(out_dir)
    campaign_path = Path(campaign_path)
    c = read_campaign(campaign_path)
    rng = np.random.default_rng(seed)

    D, C, G, S, R = len(c.destinations), len(c.categories), len(c.groups), len(c.sources), len(c.rounds)
    gidx = {g: i for i, g in enumerate(c.groups)}
    cidx = {name: i for i, name in enumerate(c.categories)}
    didx = {name: i for i, name in enumerate(c.destinations)}
    profiles = [_profile(name, c.groups) for name in c.categories]

    prov_source = c.sources.index(PROVINCIAL_SOURCE) if PROVINCIAL_SOURCE in c.sources else -1
    prov_cats = (cidx.get(PROVINCIAL_ENTERPRISE_CATEGORY), cidx.get(PROVINCIAL_WORKER_CATEGORY))
    prov_dests = [didx[n] for n in PROVINCIAL_COUNTIES if n in didx]
    if prov_source < 0 or None in prov_cats or ENTERPRISE not in gidx or HARDSHIP not in gidx:
        prov_dests = []
    late_dest = didx.get(LATE_DESTINATION, -1) if R > 1 else -1

    regular = [s for s in range(S) if s != prov_source]
    allowed = []  # per category: regular sources earmarked for it
    for name in c.categories:
        ok = [s for s in regular if name in c.earmarks[s]]
        allowed.append(ok or regular)

    n_forced = D * C
    n_prov = 3 * len(prov_dests)
    minimum = n_forced + n_prov
    if records < minimum:
        raise SampleError(f"records must be at least {minimum} (one per destination and category)")
    n = records
    n_rand = n - n_forced - n_prov

    # Who/where: forced coverage block, provincial visits, then random records.
    dest = np.empty(n, dtype=np.int64)
    cat = np.empty(n, dtype=np.int64)
    dest[:n_forced] = np.repeat(np.arange(D), C)
    cat[:n_forced] = np.tile(np.arange(C), D)
    kind = np.zeros(n, dtype=np.int8)  # 0 random, 1 forced, 2 provincial
    kind[:n_forced] = 1
    p0 = n_forced
    for d in prov_dests:
        dest[p0:p0 + 3] = d
        cat[p0:p0 + 3] = (prov_cats[0], prov_cats[1], prov_cats[1])
        kind[p0:p0 + 3] = 2
        p0 += 3
    rand = slice(p0, n)

    dest_w = np.array([DESTINATION_WEIGHTS.get(name, 0.8) for name in c.destinations])
    dest[rand] = _pick(rng, n_rand, dest_w)
    base_cat_w = np.array([p.weight for p in profiles])
    cat_w = base_cat_w * rng.lognormal(0.0, 0.25, size=(D, C))
    if CITY_LEVEL in didx:
        for name, boost in (("一线职工慰问", 1.5), ("劳模慰问", 1.5), ("农民工帮扶", 0.5)):
            if name in cidx:
                cat_w[didx[CITY_LEVEL], cidx[name]] *= boost
    rd = dest[rand]
    rc = np.empty(n_rand, dtype=np.int64)
    for d in range(D):
        idx = np.flatnonzero(rd == d)
        rc[idx] = _pick(rng, len(idx), cat_w[d])
    cat[rand] = rc

    is_forced = kind == 1
    is_prov = kind == 2
    forced_pos = np.where(is_forced, dest, 0)  # cycles options over destinations

    # Recipient group and aid type, by category.
    group = np.empty(n, dtype=np.int64)
    aid = np.empty(n, dtype=np.int64)
    for k, prof in enumerate(profiles):
        idx = np.flatnonzero(cat == k)
        opts = np.array([gidx[g] for g, _ in prof.groups])
        group[idx] = opts[_pick(rng, len(idx), [w for _, w in prof.groups])]
        aid_opts = np.flatnonzero(np.array(prof.aid) > 0)
        aid[idx] = _pick(rng, len(idx), prof.aid)
        fidx = idx[is_forced[idx]]
        group[fidx] = opts[0]
        aid[fidx] = aid_opts[forced_pos[fidx] % len(aid_opts)]
    pidx = np.flatnonzero(is_prov)
    group[pidx] = np.where(cat[pidx] == prov_cats[0], gidx.get(ENTERPRISE, 0), gidx.get(HARDSHIP, 0))
    aid[pidx] = CASH

    # Fund source, by destination and category (earmarks respected here).
    src_w = np.array([SOURCE_WEIGHTS.get(c.sources[s], 0.15) for s in range(S)])
    source = np.empty(n, dtype=np.int64)
    for d in range(D):
        w_d = src_w.copy()
        if c.destinations[d] == CITY_LEVEL:
            for name, boost in CITY_SOURCE_BOOST.items():
                if name in c.sources:
                    w_d[c.sources.index(name)] *= boost
        in_d = dest == d
        for k in range(C):
            idx = np.flatnonzero(in_d & (cat == k))
            opts = np.array(allowed[k])
            source[idx] = opts[_pick(rng, len(idx), w_d[opts])]
    fidx = np.flatnonzero(is_forced)
    for k in range(C):
        sel = fidx[cat[fidx] == k]
        opts = np.array(allowed[k])
        source[sel] = opts[(dest[sel] + k) % len(opts)]
    source[pidx] = prov_source

    # Round and date.
    rnd = np.zeros(n, dtype=np.int64)
    if R > 1:
        late_share = dest_w[late_dest] / dest_w.sum() if late_dest >= 0 else 0.0
        p_first = min(1.0, max(0.0, (ROUND1_SHARE - late_share) / (1 - late_share)))
        later = rng.random(n) >= p_first
        rnd[later] = 1 + rng.integers(0, R - 1, size=int(later.sum()))
        rnd[is_forced] = np.where(cat[is_forced] % 2 == 1, 1 + (dest[is_forced] % (R - 1)), 0)
        rnd[is_prov] = 0
        if late_dest >= 0:
            rnd[dest == late_dest] = 0
    windows = _round_windows(c)
    day = np.empty(n, dtype=np.int64)  # days since FILED_FROM
    for r, (first, _last, weights) in enumerate(windows):
        idx = np.flatnonzero(rnd == r)
        day[idx] = first + _pick(rng, len(idx), weights)
    first0, last0, _ = windows[0]
    jan9 = (date(c.end.year, 1, 9) - FILED_FROM).days
    for j, d in enumerate(prov_dests):  # the provincial delegation visits one county a day
        visit = min(max(jan9 + j + int(rng.integers(0, 4)), first0), last0)
        day[is_prov & (dest == d)] = visit

    # Persons: strata by (group, destination); a person mostly stays home.
    stratum = group * D + dest
    counts = np.bincount(stratum, minlength=G * D)
    rate = np.array([RECORDS_PER_PERSON.get(g, 1.2) for g in c.groups])
    n_persons = np.maximum(1, np.ceil(counts / np.repeat(rate, D))).astype(np.int64)
    offsets = np.concatenate(([0], np.cumsum(n_persons)[:-1]))
    person = offsets[stratum] + (rng.random(n) * n_persons[stratum]).astype(np.int64)
    if HARDSHIP in gidx:
        g = gidx[HARDSHIP]
        away = np.flatnonzero((group == g) & ~is_prov & (rng.random(n) < CROSS_DESTINATION_SHARE))
        other = g * D + rng.integers(0, D, size=len(away))
        person[away] = offsets[other] + (rng.random(len(away)) * n_persons[other]).astype(np.int64)
    used, pinv = np.unique(person, return_inverse=True)
    n_used = len(used)
    pgroup = np.empty(n_used, dtype=np.int64)
    pgroup[pinv] = group
    first_day = np.full(n_used, np.iinfo(np.int64).max)
    np.minimum.at(first_day, pinv, day)

    # Hardship files: opened before the person's first aid, same date every time.
    has_file = np.zeros(n_used, dtype=bool)
    draw = rng.random(n_used)
    for name, share in FILED_SHARE.items():
        if name in gidx:
            has_file |= (pgroup == gidx[name]) & (draw < share)
    filed = (rng.random(n_used) ** 0.6 * first_day).astype(np.int64)
    if HARDSHIP in gidx:
        hw = np.flatnonzero(pgroup == gidx[HARDSHIP])
        has_file[hw] = True
        n_hw_records = int((group == gidx[HARDSHIP]).sum())
        k = max(2, round(FILED_ISSUE_SHARE * n_hw_records / 1.2))  # ~1.2 affected records each
        planted = rng.choice(hw, size=min(k, len(hw)), replace=False)
        filed_missing_people, filed_late_people = planted[: len(planted) // 2], planted[len(planted) // 2:]
        has_file[filed_missing_people] = False
        filed[filed_late_people] = first_day[filed_late_people] + rng.integers(1, 8, size=len(filed_late_people))
    filed_day = np.where(has_file, filed, -1)[pinv]

    ref_code = pinv.copy()
    ref_code[rng.random(n) < REF_MISSING_SHARE] = -1

    # Amounts (fen), goods and notes.
    amount = np.zeros(n, dtype=np.int64)
    item = np.full(n, -1, dtype=np.int64)
    qty = np.zeros(n, dtype=np.int64)  # tenths
    note_codes: dict[str, int] = {}
    note = np.full(n, -1, dtype=np.int64)

    def note_id(text: str) -> int:
        return note_codes.setdefault(text, len(note_codes))

    price_factor = np.clip(rng.normal(1.0, 0.04, size=(D, len(ITEM_NAMES))), 0.9, 1.1)
    for k, prof in enumerate(profiles):
        in_k = cat == k
        # cash
        idx = np.flatnonzero(in_k & (aid == CASH))
        lo, hi, step = (_fen(v) for v in prof.cash)
        vals = _uniform_steps(rng, len(idx), lo, hi, step)
        coarse = rng.random(len(idx)) < 0.5  # half at the usual step, others at half of it
        vals = np.where(coarse, vals, _uniform_steps(rng, len(idx), lo, hi, max(1, step // 2)))
        cents = rng.random(len(idx)) < CENTS_SHARE
        vals[cents] = rng.integers(lo, hi + 1, size=int(cents.sum()))
        amount[idx] = vals
        # goods
        idx = np.flatnonzero(in_k & (aid == GOODS))
        goods = prof.goods or (("慰问品", 1.0, 200),)
        which = _pick(rng, len(idx), [w for _, w, _ in goods])
        for j, (name, _w, base) in enumerate(goods):
            sel = idx[which == j]
            it = ITEM_NAMES.index(name)
            _unit, q_opts, q_w = ITEMS[name]
            q = np.array(q_opts)[_pick(rng, len(sel), q_w)]
            step = PRICE_STEP_FEN.get(name, 50)
            price = np.round(_fen(base) * price_factor[dest[sel], it] / step).astype(np.int64) * step
            item[sel], qty[sel] = it, q
            amount[sel] = q * price // 10
            if name == "煤":
                heat = sel[rng.random(len(sel)) < 0.5]
                note[heat] = note_id("过冬取暖补贴")
        # service
        idx = np.flatnonzero(in_k & (aid == SERVICE))
        services = prof.services or (Service(1.0, 0, 0, 1, "上门服务"),)
        which = _pick(rng, len(idx), [sv.p for sv in services])
        for j, sv in enumerate(services):
            sel = idx[which == j]
            amount[sel] = _uniform_steps(rng, len(sel), _fen(sv.lo), _fen(sv.hi), max(1, _fen(sv.step)))
            noted = sel[rng.random(len(sel)) < SERVICE_NOTE_SHARE]
            note[noted] = note_id(sv.note)
        # free notes, mostly empty
        idx = np.flatnonzero(in_k & (note < 0))
        noted = idx[rng.random(len(idx)) < NOTE_SHARE]
        codes = np.array([note_id(t) for t in prof.notes])
        note[noted] = codes[rng.integers(0, len(codes), size=len(noted))]
    for d in prov_dests:
        sel = np.flatnonzero(is_prov & (dest == d))
        ent = sel[cat[sel] == prov_cats[0]]
        wrk = sel[cat[sel] != prov_cats[0]]
        amount[ent] = _fen(1.0) * np.array([10000, 15000, 20000])[rng.integers(0, 3, size=len(ent))]
        amount[wrk] = _fen(1.0) * np.array([1000, 2000])[rng.integers(0, 2, size=len(wrk))]
        note[sel] = note_id("省总工会慰问团慰问")

    # Disbursing unit.
    unit_names: list[str] = []
    unit = np.empty(n, dtype=np.int64)
    for d, name in enumerate(c.destinations):
        idx = np.flatnonzero(dest == d)
        if name == CITY_LEVEL:
            base = len(unit_names)
            unit_names.extend(u for u, _ in CITY_UNITS)
            unit[idx] = base + _pick(rng, len(idx), [w for _, w in CITY_UNITS])
        else:
            base = len(unit_names)
            unit_names.extend((f"{name}总工会", f"{name}困难职工帮扶中心"))
            unit[idx] = base + (rng.random(len(idx)) < 0.1)
            unit[idx[is_prov[idx]]] = base  # the county federation hosts the delegation

    # Planted: a few fund sources used outside their earmarks.
    breach_rows = np.zeros(0, dtype=np.int64)
    forbidden = [[s for s in regular if s not in allowed[k]] for k in range(C)]
    breachable = np.isin(cat, [k for k in range(C) if forbidden[k]])
    eligible = np.flatnonzero((kind == 0) & breachable)
    if not len(eligible):  # tiny data sets: use the coverage rows
        eligible = np.flatnonzero((kind == 1) & breachable)
    if len(eligible):
        k_breach = min(len(eligible), max(2, round(BREACH_SHARE * n)))
        breach_rows = np.sort(rng.choice(eligible, size=k_breach, replace=False))
        for row in breach_rows:  # a handful of rows
            opts = forbidden[int(cat[row])]
            source[row] = opts[int(rng.integers(0, len(opts)))]

    # Allocations: round thousands a little above what was spent, except one
    # pair spent exactly (one cash record absorbs the difference) and one over-spent.
    def totals() -> np.ndarray:
        tot = np.zeros(S * D, dtype=np.int64)
        np.add.at(tot, source * D + dest, amount)
        return tot

    tot = totals()
    order = rng.permutation(S * D)
    is_regular_pair = np.array([(p // D) != prov_source for p in range(S * D)])
    exact_pair = -1
    cash_rows = np.flatnonzero((aid == CASH) & (kind == 0))
    hi_of_cat = np.array([_fen(p.cash[1]) for p in profiles])
    for p in order:
        if not is_regular_pair[p] or tot[p] == 0:
            continue
        target = -(-tot[p] // FEN_PER_THOUSAND_YUAN) * FEN_PER_THOUSAND_YUAN
        diff = target - tot[p]
        rows = cash_rows[(source[cash_rows] * D + dest[cash_rows]) == p]
        fits = rows[amount[rows] + diff <= hi_of_cat[cat[rows]]]
        if len(fits) and len(rows) >= 5:
            amount[fits[0]] += diff
            exact_pair = int(p)
            break
    tot = totals()
    over_pair = -1
    big = [int(p) for p in order if is_regular_pair[p] and p != exact_pair and tot[p] >= 20 * FEN_PER_THOUSAND_YUAN]
    if big:
        over_pair = big[0]
    else:  # tiny data sets: the largest pair
        rest = [int(p) for p in np.argsort(-tot, kind="stable") if is_regular_pair[p] and p != exact_pair and tot[p] > 1]
        over_pair = rest[0] if rest else -1
    alloc = np.zeros(S * D, dtype=np.int64)
    margin = rng.integers(5, 61, size=S * D)  # 0.5 %–6 % left unspent
    for p in range(S * D):
        s, d = divmod(p, D)
        if s == prov_source:
            alloc[p] = tot[p]  # the delegation hands over exactly what it brings
        elif p == exact_pair:
            alloc[p] = tot[p]
        elif p == over_pair:
            under = tot[p] * (1000 - 30 - margin[p]) // 1000
            alloc[p] = under // FEN_PER_THOUSAND_YUAN * FEN_PER_THOUSAND_YUAN or under // 10_000 * 10_000 or under
        else:
            up = tot[p] * (1000 + margin[p]) // 1000
            alloc[p] = max(FEN_PER_THOUSAND_YUAN, -(-up // FEN_PER_THOUSAND_YUAN) * FEN_PER_THOUSAND_YUAN)

    # Order rows: by round, destination, date; serials follow that order.
    perm = np.lexsort((rng.random(n), day, dest, rnd))
    dest, cat, group, aid, source, rnd, day = (a[perm] for a in (dest, cat, group, aid, source, rnd, day))
    unit, amount, item, qty, note, ref_code, filed_day = (
        a[perm] for a in (unit, amount, item, qty, note, ref_code, filed_day)
    )
    breach_ids: list[str] = []
    breach_set = np.zeros(n, dtype=bool)
    breach_set[breach_rows] = True
    breach_set = breach_set[perm]

    # Text tables for the columns.
    last_day = max(int(day.max()), int(filed_day.max())) + 1
    dates = _date_tables(FILED_FROM, FILED_FROM + timedelta(days=last_day))
    t_dest = _strings(list(c.destinations))
    t_unit = _strings(unit_names)
    t_source = _strings(list(c.sources))
    t_cat = _strings(list(c.categories))
    t_group = _strings(list(c.groups))
    t_aid = {False: _strings(list(AID_TYPES)), True: _strings(list(AID_TYPES_ZH))}
    t_item = _strings(list(ITEM_NAMES))
    t_unitname = _strings([ITEMS[i][0] for i in ITEM_NAMES])
    max_q = int(qty.max()) if n else 0
    t_qty = _strings(["" if q == 0 else str(q // 10) if q % 10 == 0 else f"{q // 10}.{q % 10}" for q in range(max_q + 1)])
    t_note = _strings(sorted(note_codes, key=note_codes.get))
    t_ref = _strings(_recipient_refs(seed, n_used))
    prefixes = _prefixes(c.slugs)

    # Plan the files, remove stale ones, write.
    key = rnd * D + dest
    bounds = np.searchsorted(key, np.arange(R * D + 1))
    planned: list[tuple[int, int, int, int]] = []
    for r in range(R):
        for d in range(D):
            a, b = int(bounds[r * D + d]), int(bounds[r * D + d + 1])
            if b > a:
                planned.append((r, d, a, b))
    rel_paths = {f"rounds/{c.rounds[r]}/{c.slugs[d]}.csv" for r, d, _, _ in planned}
    rounds_dir = out_dir / "rounds"
    if rounds_dir.is_dir():
        for folder in sorted(p for p in rounds_dir.iterdir() if p.is_dir()):
            for old in sorted(folder.glob("*.csv")):
                if f"rounds/{folder.name}/{old.name}" not in rel_paths:
                    old.unlink()
            for tmp in folder.glob(f"{TMP_PREFIX}*.tmp"):
                tmp.unlink()

    width = max(6, len(str(int(np.diff(bounds).max()) if n else 0)))
    written: list[str] = []
    per_round = {rid: 0 for rid in c.rounds}
    for r, d, a, b in planned:
        rid, name = c.rounds[r], c.destinations[d]
        style = STYLES.get(name, Style())
        sl = slice(a, b)
        serial = pc.utf8_lpad(pc.cast(pa.array(np.arange(1, b - a + 1)), pa.string()), width, "0")
        record_id = pc.binary_join_element_wise(f"{prefixes[d]}-{rid}", serial, "-")
        g = item[sl]
        cols = [
            record_id,
            _strings([rid]).take(pa.array(np.zeros(b - a, dtype=np.int64))),
            dates[style.dates].take(pa.array(day[sl])),
            t_dest.take(pa.array(dest[sl])),
            t_unit.take(pa.array(unit[sl])),
            t_source.take(pa.array(source[sl])),
            t_cat.take(pa.array(cat[sl])),
            t_group.take(pa.array(group[sl])),
            t_aid[style.chinese_aid].take(pa.array(aid[sl])),
            _take(t_item, g),
            _take(t_qty, np.where(g >= 0, qty[sl], -1)),
            _take(t_unitname, g),
            _amount_strings(amount[sl], style.fixed_cents),
            _take(t_ref, ref_code[sl]),
            _take(dates[style.dates], filed_day[sl]),
            _take(t_note, note[sl]),
        ]
        names = [zh if style.chinese_header else en for en, zh in COLUMNS]
        table = pa.table(dict(zip(names, cols, strict=True)))
        rel = f"rounds/{rid}/{c.slugs[d]}.csv"
        _atomic_write_table(
            out_dir / rel, table, bom=style.bom and (rid, name) not in NO_BOM_FILES, gb18030=(rid, name) in GB18030_FILES
        )
        written.append(rel)
        per_round[rid] += b - a
        rows = np.flatnonzero(breach_set[sl])
        breach_ids.extend(record_id.take(pa.array(rows)).to_pylist())

    lines = ["fund_source,district,amount_yuan"]
    for p in range(S * D):
        s, d = divmod(p, D)
        lines.append(f"{c.sources[s]},{c.destinations[d]},{alloc[p] // 100}.{alloc[p] % 100:02d}")
    _atomic_write(out_dir / "allocations.csv", BOM + ("\n".join(lines) + "\n").encode("utf-8"))
    written.append("allocations.csv")

    campaign_copy = out_dir / "campaign.toml"
    if not campaign_copy.exists():
        _atomic_write(campaign_copy, campaign_path.read_bytes())
        written.append("campaign.toml")

    def pair(p: int) -> dict | None:
        if p < 0:
            return None
        s, d = divmod(p, D)
        return {"fund_source": c.sources[s], "district": c.destinations[d],
                "allocated_fen": int(alloc[p]), "disbursed_fen": int(tot[p])}

    hw_rows = group == gidx.get(HARDSHIP, -1)
    hw_records_missing = int((hw_rows & (filed_day < 0)).sum())
    hw_records_late = int((hw_rows & (filed_day > day)).sum())
    return {
        "records": n,
        "seed": seed,
        "rounds": per_round,
        "files": written,
        "missing_reports": [
            f"rounds/{c.rounds[r]}/{c.slugs[late_dest]}.csv" for r in range(1, R)
        ] if late_dest >= 0 else [],
        "planted": {
            "earmark_breaches": len(breach_ids),
            "earmark_breach_examples": sorted(breach_ids)[:5],
            "filed_on_missing_records": hw_records_missing,
            "filed_on_late_records": hw_records_late,
            "exactly_spent": pair(exact_pair),
            "over_spent": pair(over_pair),
        },
    }


# --- command line -----------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="warmth.sample",
        description="生成可复现的示例数据（示例数据，非真实数据）/ write seeded sample data (not real).",
    )
    parser.add_argument("--out", type=Path, default=Path("data"), help="输出目录 / output folder (default: data)")
    parser.add_argument("--campaign", type=Path, default=None,
                        help="活动配置文件 / campaign file (default: <out>/campaign.toml)")
    parser.add_argument("--records", type=int, default=DEFAULT_RECORDS,
                        help=f"记录条数 / number of records (default: {DEFAULT_RECORDS})")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"随机种子 / random seed (default: {DEFAULT_SEED})")
    args = parser.parse_args(argv)
    campaign = args.campaign or args.out / "campaign.toml"
    try:
        summary = generate(args.out, campaign, records=args.records, seed=args.seed)
    except SampleError as exc:
        sys.stderr.write(f"无法生成示例数据 / cannot write sample data: {exc}\n")
        return 2
    rounds = "，".join(f"{rid}：{k} 条" for rid, k in summary["rounds"].items())
    rounds_en = ", ".join(f"{rid}: {k}" for rid, k in summary["rounds"].items())
    sys.stdout.write(
        f"已生成示例数据：{summary['records']} 条记录（{rounds}），{len(summary['files'])} 个文件，"
        f"写入 {args.out} / sample data written: {summary['records']} records ({rounds_en}), "
        f"{len(summary['files'])} files in {args.out}\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
