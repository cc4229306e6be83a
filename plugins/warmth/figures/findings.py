"""Findings: breaches of the campaign's rules, shown openly.

A record that breaks a campaign rule (a fund source paying outside its earmark,
a hardship worker helped before a hardship file was opened, spending beyond an
allocation …) is valid data: it is published like every other record, and the
breach is listed here as a *finding*. `find` turns the typed records into one
row per finding; `summary`, `for_district` and `for_source` slice the result
for pages and the build's printed summary.

Everything is vectorised over the records (integer codes, one sort per rule);
Python runs once per finding only for rules whose findings are few (at most one
per source × destination × category, or per round × destination). The two
fairness rules can yield many findings on large data sets, so their rows and
texts are built with Arrow kernels too. Money is integer fen throughout.

Findings are computed on the ORIGINAL categories and recipient groups (as
`validate.validate_records` returns them), never on the small-group-coarsened
records: a category merged into 其他 belongs to no earmark list, and a hardship
worker merged into 其他 would escape the file-first rules. Where a finding
would reveal the original category or group of a record that coarsening hid,
the record's id is withheld (it is still counted and summed) and the text says
why; see `find`.

The result depends only on the data and the campaign file (its end date and
round deadlines) and on ``campaign_over``, which the caller decides: never on
today's date.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from warmth.core.campaign import Campaign
from warmth.core.dates import parse_date
from warmth.core.money import yuan
from warmth.figures.privacy import coarsen


@dataclass(frozen=True)
class Rule:
    code: str  # stable code, a contract with pages and downloads
    severity: str  # "high" | "medium" | "low"
    zh: str  # short Chinese name
    en: str
    explanation_zh: str  # what the notice asks for, in our own words


RULES: tuple[Rule, ...] = (
    Rule(
        "over-allocation", "high", "超出拨付额发放", "Spent beyond the allocation",
        "每一笔专项资金拨到区县时都有确定的数额，区县只能在这个数额以内发放。"
        "某项资金在某区县发放的合计大于拨给它的数额，说明出现了超支，或者拨付记录不完整。",
    ),
    Rule(
        "unspent-balance", "medium", "资金未用完", "Allocation not used up",
        "通知把拨到各地的“两节”送温暖资金定为专项帮扶资金，要求活动结束时全部用于帮扶。"
        "活动结束后拨付额仍大于发放额的，结余数额在此公开。",
    ),
    Rule(
        "earmark", "high", "超出专款用途", "Outside the fund's earmarked categories",
        "专款专用：每项资金只能花在活动配置中为它列明的救助类别上，不能挪作他用，也不能自行扩大用途。"
        "用某项资金支付了它不包括的救助类别，即为超出用途。",
    ),
    Rule(
        "file-first-missing", "medium", "困难职工缺建档日期", "Hardship worker without a file date",
        "帮扶困难职工要依据困难档案进行，程序是先建档、再帮扶，并实行实名制。"
        "记录没有填写建档日期，就无法核实这笔帮扶是否有档可依。",
    ),
    Rule(
        "file-first-late", "high", "先帮扶后建档", "Helped before the file was opened",
        "帮扶困难职工要依据困难档案进行，程序是先建档、再帮扶。"
        "建档日期晚于发放日期，说明帮扶在建档之前，顺序颠倒。",
    ),
    Rule(
        "fairness-multi-district", "medium", "跨区县受助", "Aid in more than one destination",
        "救助款物要公开、公平、公正地分配。同一受助人在不止一个区县领取救助，"
        "可能是重复申领，也可能有正当原因（如异地务工），公开供核实。",
    ),
    Rule(
        "fairness-repeat", "low", "同类多次受助", "Same aid received more than once",
        "同一受助人从同一资金来源多次领取同一类别的救助，可能是分批发放等正常情况，"
        "也可能是重复发放；为体现公平，予以公开供监督。",
    ),
    Rule(
        "late-report", "medium", "逾期报送", "Report received after the deadline",
        "各级工会须在规定期限前把送温暖统计表和实名制汇总表报到市总工会。"
        "收到日期晚于该批次截止日期的，在此列出。",
    ),
    Rule(
        "missing-report", "high", "未报送", "Report missing",
        "各级工会须按批次报送发放情况。该批次应报未报、也没有任何发放记录的区县，在此列出。",
    ),
)
RULE_CODES: tuple[str, ...] = tuple(r.code for r in RULES)
_RULE = {r.code: r for r in RULES}
_RULE_POS = {r.code: i for i, r in enumerate(RULES)}

COLUMNS: tuple[str, ...] = (
    "rule", "severity", "district", "fund_source", "record_ids", "records", "amount_fen",
    "explanation_zh", "explanation_en",
)
ID_LIMIT = 50  # over-allocation lists at most this many record ids
HARDSHIP_GROUP = "困难职工"  # the group the file-first rules apply to
DISTRICT_SEPARATOR = "、"



# --- small vectorised helpers ---------------------------------------------

STR = pa.large_string()
_SCHEMA = pa.schema(
    [(c, pa.int64() if c in ("records", "amount_fen") else STR) for c in COLUMNS]
    + [(k, pa.int64()) for k in ("_rule", "_dset", "_skey", "_idrank", "_tie")]
)


def _array(values, type=STR) -> pa.Array:
    """A contiguous Arrow array (pandas' Arrow-backed text may come chunked)."""
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        arr = values if values.type == type else pc.cast(values, type)
    else:
        arr = pa.array(values, type=type)
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def _codes(series: pd.Series, names: list[str]) -> np.ndarray:
    """Position of each value in ``names`` (declared order); -1 for missing or unknown."""
    pos = {name: i for i, name in enumerate(names)}
    if isinstance(series.dtype, pd.CategoricalDtype):
        raw, cats = series.cat.codes.to_numpy(np.int64), series.cat.categories
    else:
        raw, cats = pd.factorize(series, use_na_sentinel=True)
        raw = raw.astype(np.int64)
    lookup = np.array([pos.get(str(c), -1) for c in cats] + [-1], dtype=np.int64)
    return lookup[raw]


def _ordinals(series: pd.Series) -> np.ndarray:
    """Dates (categorical or text, any accepted form) → day numbers, parsed once per distinct value; -1 if missing."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        raw, cats = series.cat.codes.to_numpy(np.int64), series.cat.categories
    else:
        raw, cats = pd.factorize(series, use_na_sentinel=True)
        raw = raw.astype(np.int64)
    days = []
    for value in cats:
        iso = parse_date(str(value))
        days.append(dt.date.fromisoformat(iso).toordinal() if iso else -1)
    return np.array(days + [-1], dtype=np.int64)[raw]


def _hash_words(words: np.ndarray) -> np.ndarray:
    """A 64-bit hash per row from its first and last uint64 word (the caller checks every row exactly)."""
    h = np.full(words.shape[0], 0x9E3779B97F4A7C15, dtype=np.uint64)
    for j in sorted({0, words.shape[1] - 1}):
        h ^= words[:, j]
        h *= np.uint64(0xFF51AFD7ED558CCD)
        h ^= h >> np.uint64(33)
    return h


def _fixed_words(refs: pa.Array, lengths: np.ndarray, present: np.ndarray) -> np.ndarray | None:
    """The non-empty refs' bytes as rows of uint64 words (one row per ``present`` record).

    Only when every non-empty ref has one length, a multiple of 8: then the
    text buffer is exactly those rows back to back (empty refs add no bytes),
    read without a copy. None otherwise.
    """
    width = int(lengths[present[0]])
    if width % 8 or not (lengths[present] == width).all():
        return None
    offsets = np.frombuffer(refs.buffers()[1], dtype=np.int64, count=len(refs) + 1, offset=8 * refs.offset)
    start, stop = int(offsets[0]), int(offsets[-1])
    if stop - start != len(present) * width:
        return None
    data = np.frombuffer(refs.buffers()[2], dtype=np.uint8, count=stop)[start:]
    return data.view(np.uint64).reshape(len(present), width // 8)


def _factorize_refs(refs: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """recipient_ref → integer codes (-1: no ref) and, per code, one record holding it. Exact.

    Refs are hex text of 32–64 characters, usually all of one length: their
    bytes are read as rows of 64-bit words, hashed, and then every record is
    checked word for word against its code's representative — several times
    faster than hashing strings. Mixed lengths or a hash collision fall back
    to Arrow's exact dictionary encoding.
    """
    refs = _array(refs)
    n = len(refs)
    codes = np.full(n, -1, dtype=np.int64)
    lengths = pc.binary_length(refs).to_numpy(zero_copy_only=False)
    present = np.flatnonzero(lengths > 0)
    if not len(present):
        return codes, np.zeros(0, dtype=np.int64)
    words = _fixed_words(refs, lengths, present)
    found = None
    if words is not None:
        found = pd.factorize(_hash_words(words))[0].astype(np.int64)
        rep = np.empty(int(found.max()) + 1, dtype=np.int64)
        rep[found] = np.arange(len(found))
        shared = np.flatnonzero(np.bincount(found)[found] > 1)  # a code held by one record needs no check
        if not np.array_equal(words[shared], words[rep[found[shared]]]):
            found = None
    if found is None:
        encoded = pc.dictionary_encode(refs)
        found = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)[present]
        _, found = np.unique(found, return_inverse=True)
        found = found.astype(np.int64).reshape(-1)
        rep = np.empty(int(found.max()) + 1, dtype=np.int64)
        rep[found] = np.arange(len(found))
    codes[present] = found
    return codes, present[rep]


@dataclass(frozen=True)
class _Groups:
    count: np.ndarray  # records per group (int64)
    fen: np.ndarray  # their exact sum (int64)
    listed: np.ndarray  # ids listed per group
    ids: pa.Array  # the listed ids per group, sorted, space-separated
    first: np.ndarray  # one record (position) of each group, -1 for an empty group
    rank: np.ndarray  # rank of the group's first listed id (-1: none): orders groups as their id lists sort


def _group(
    rid: pa.Array, amount: np.ndarray, rows: np.ndarray, gcode: np.ndarray, ngroups: int,
    *, listed: np.ndarray | None = None, cap: int | None = None,
) -> _Groups:
    """Per group: count, exact sum and sorted ids (of ``listed`` rows only; at most ``cap``).

    ``rows`` are record positions, ``gcode`` their group (0 … ngroups-1). One
    sort of the ids, one stable integer sort of the groups.
    """
    rows = np.asarray(rows, dtype=np.int64)
    gcode = np.asarray(gcode, dtype=np.int64)
    m = len(rows)
    sub = rid.take(pa.array(rows))
    by_id = pc.sort_indices(sub).to_numpy()
    rank = np.empty(m, dtype=np.int64)
    rank[by_id] = np.arange(m)
    order = by_id[np.argsort(gcode[by_id], kind="stable")]
    g = gcode[order]
    count = np.bincount(g, minlength=ngroups).astype(np.int64)
    bounds = np.concatenate(([0], np.cumsum(count)))
    csum = np.concatenate(([0], np.cumsum(amount[rows[order]], dtype=np.int64)))
    fen = csum[bounds[1:]] - csum[bounds[:-1]]
    first = np.full(ngroups, -1, dtype=np.int64)
    nonempty = count > 0
    first[nonempty] = rows[order[bounds[:-1][nonempty]]]
    keep = np.ones(m, dtype=bool) if listed is None else np.asarray(listed, dtype=bool)[order]
    if cap is not None:
        idx = np.flatnonzero(keep)
        kept_count = np.bincount(g[idx], minlength=ngroups)
        kept_start = np.concatenate(([0], np.cumsum(kept_count)))[:-1]
        keep[idx[np.arange(len(idx)) - kept_start[g[idx]] >= cap]] = False
    idx = np.flatnonzero(keep)
    nlisted = np.bincount(g[idx], minlength=ngroups).astype(np.int64)
    offsets = np.concatenate(([0], np.cumsum(nlisted))).astype(np.int64)
    group_rank = np.full(ngroups, -1, dtype=np.int64)
    has = nlisted > 0
    group_rank[has] = rank[order[idx[offsets[:-1][has]]]]
    lists = pa.LargeListArray.from_arrays(pa.array(offsets), sub.take(pa.array(order[idx])))
    ids = pc.binary_join(lists, pa.scalar(" ", STR))
    return _Groups(count, fen, nlisted, ids, first, group_rank)


def _concat(*parts) -> pa.Array:
    """Element-wise concatenation of text arrays, integer arrays and plain strings."""
    items = []
    for part in parts:
        if isinstance(part, np.ndarray):
            part = pa.array(part)
        items.append(_array(part) if isinstance(part, (pa.Array, pa.ChunkedArray)) else pa.scalar(str(part), STR))
    return pc.binary_join_element_wise(*items, pa.scalar("", STR))


class _Context:
    """The records as integer codes in declared order, computed once for all rules."""

    def __init__(self, records: pd.DataFrame, campaign: Campaign, published: pd.DataFrame | None):
        other = campaign.other_label
        for column in ("category", "recipient_group"):
            series = records[column]
            if isinstance(series.dtype, pd.CategoricalDtype) and other not in series.cat.categories:
                continue
            if bool((series == other).any()):
                raise ValueError(
                    f"find() needs the records before small-group coarsening, but '{column}' holds "
                    f"'{other}'. Pass validate_records' typed records as `records` and the coarsened "
                    "ones (Dataset.records) as `published`."
                )
        self.campaign = campaign
        self.records = records
        self.dests = campaign.names("destinations")
        self.sources = campaign.names("fund_sources")
        self.cats = campaign.names("categories")
        self.groups = campaign.names("recipient_groups")
        self.rounds = campaign.round_ids
        self.d = _codes(records["district"], self.dests)
        self.s = _codes(records["fund_source"], self.sources)
        self.c = _codes(records["category"], self.cats)
        self.g = _codes(records["recipient_group"], self.groups)
        self.r = _codes(records["round"], self.rounds)
        self.amount = records["amount_fen"].to_numpy(np.int64)
        self.rid = _array(records["record_id"])
        self.ref_text = _array(records["recipient_ref"])
        if published is None:
            published, _ = coarsen(records, campaign)
        if len(published) != len(records):
            raise ValueError("`published` must hold the same records, in the same order, as `records`")
        # what small-group coarsening hid: the published category / group differs from the original
        self.cat_hidden = _codes(published["category"], self.cats) != self.c
        self.grp_hidden = _codes(published["recipient_group"], self.groups) != self.g
        self._refs: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        # sets of destinations (tuples of declared positions) → id; single destinations first
        self.dsets: dict[tuple[int, ...], int] = {(i,): i for i in range(len(self.dests))}

    def refs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """recipient_ref codes (-1: none), a record holding each code, records per code."""
        if self._refs is None:
            codes, rep = _factorize_refs(self.ref_text)
            self._refs = (codes, rep, np.bincount(codes[codes >= 0], minlength=len(rep)))
        return self._refs

    def dset(self, positions: tuple[int, ...]) -> int:
        return self.dsets.setdefault(positions, len(self.dsets))

    def dset_order(self) -> np.ndarray:
        """Rank of every destination-set id: declared order, a set before its extensions."""
        ranked = sorted(self.dsets, key=lambda t: t)
        rank = np.empty(len(self.dsets), dtype=np.int64)
        for i, positions in enumerate(ranked):
            rank[self.dsets[positions]] = i
        return rank


def _part(rule: str, columns: dict) -> pa.Table:
    """One rule's findings as an Arrow table with the sort keys alongside."""
    n = len(columns["records"])
    data = {"rule": [rule] * n, "severity": [_RULE[rule].severity] * n, "_rule": np.full(n, _RULE_POS[rule])}
    data.update(columns)
    return pa.table({f.name: _array(data[f.name], f.type) for f in _SCHEMA}, schema=_SCHEMA)


def _rows(rule: str, rows: list[dict]) -> pa.Table:
    return _part(rule, {f.name: [r[f.name] for r in rows] for f in _SCHEMA if f.name not in ("rule", "severity", "_rule")})


def _row(district: str, dset: int, *, fund_source: str = "", skey: int = -1, record_ids: str = "", idrank: int = -1,
         records: int = 0, amount_fen: int = 0, zh: str, en: str, tie: int = 0) -> dict:
    return {
        "district": district, "fund_source": fund_source, "record_ids": record_ids, "records": int(records),
        "amount_fen": int(amount_fen), "explanation_zh": zh, "explanation_en": en,
        "_dset": dset, "_skey": skey, "_idrank": idrank, "_tie": tie,
    }


# --- the rules --------------------------------------------------------------


def _pair_totals(ctx: _Context, allocations: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per source × destination pair (s * nD + d): disbursed and allocated fen; each record's pair."""
    nS, nD = len(ctx.sources), len(ctx.dests)
    valid = (ctx.s >= 0) & (ctx.d >= 0)
    pair = np.where(valid, ctx.s * nD + ctx.d, -1)
    disbursed = np.zeros(nS * nD, dtype=np.int64)
    np.add.at(disbursed, pair[valid], ctx.amount[valid])
    allocated = np.zeros(nS * nD, dtype=np.int64)
    if len(allocations):
        a_s = _codes(allocations["fund_source"], ctx.sources)
        a_d = _codes(allocations["district"], ctx.dests)
        column = "allocated" if "allocated" in allocations.columns else "amount_fen"
        fen = allocations[column].to_numpy(np.int64)
        ok = (a_s >= 0) & (a_d >= 0)
        np.add.at(allocated, a_s[ok] * nD + a_d[ok], fen[ok])
    return pair, disbursed, allocated


def _over_allocation(ctx: _Context, pair, disbursed, allocated) -> pa.Table:
    nD = len(ctx.dests)
    over = np.flatnonzero(disbursed > allocated)
    dense = np.full(len(disbursed) + 1, -1, dtype=np.int64)
    dense[over] = np.arange(len(over))
    rows = np.flatnonzero(dense[pair] >= 0)
    grp = _group(ctx.rid, ctx.amount, rows, dense[pair[rows]], len(over), cap=ID_LIMIT)
    ids = grp.ids.to_pylist()
    out = []
    for i, p in enumerate(over.tolist()):
        s, d = divmod(p, nD)
        src, dist = ctx.sources[s], ctx.dests[d]
        n, excess = int(grp.count[i]), int(disbursed[p] - allocated[p])
        zh = (
            f"“{src}”拨给{dist}{yuan(allocated[p])}，实际发放{yuan(disbursed[p])}（{n} 条记录），"
            f"超出拨付额{yuan(excess)}。"
        )
        en = (
            f"{src} allocated {yuan(allocated[p])} to {dist}, but {yuan(disbursed[p])} was disbursed "
            f"({n} records): {yuan(excess)} beyond the allocation."
        )
        if n > ID_LIMIT:
            zh += f"记录编号只列出前 {ID_LIMIT} 条…等 {n} 条。"
            en += f" Only the first {ID_LIMIT} record ids are listed, of {n}."
        out.append(_row(dist, d, fund_source=src, skey=s, record_ids=ids[i], idrank=grp.rank[i],
                        records=n, amount_fen=excess, zh=zh, en=en))
    return _rows("over-allocation", out)


def _unspent(ctx: _Context, disbursed, allocated) -> pa.Table:
    nD = len(ctx.dests)
    out = []
    reported = np.bincount(ctx.d[ctx.d >= 0], minlength=nD) > 0
    for p in np.flatnonzero(allocated > disbursed).tolist():
        s, d = divmod(p, nD)
        if not reported[d]:
            continue  # nothing reported at all: that is a missing report, not money left unspent
        src, dist = ctx.sources[s], ctx.dests[d]
        balance = int(allocated[p] - disbursed[p])
        zh = (
            f"“{src}”拨给{dist}{yuan(allocated[p])}，活动结束时已发放{yuan(disbursed[p])}，"
            f"尚有{yuan(balance)}未用完。"
        )
        en = (
            f"{src} allocated {yuan(allocated[p])} to {dist}; {yuan(disbursed[p])} was disbursed by the end "
            f"of the campaign, leaving {yuan(balance)} unspent."
        )
        out.append(_row(dist, d, fund_source=src, skey=s, amount_fen=balance, zh=zh, en=en))
    return _rows("unspent-balance", out)


def _earmark(ctx: _Context) -> pa.Table:
    nS, nC = len(ctx.sources), len(ctx.cats)
    allowed = np.ones((nS, nC), dtype=bool)  # a source that lists no categories is not earmarked
    for i, source in enumerate(ctx.campaign.fund_sources):
        if source.categories:
            allowed[i] = [name in source.categories for name in ctx.cats]
    valid = (ctx.s >= 0) & (ctx.c >= 0) & (ctx.d >= 0)
    breach = np.flatnonzero(valid & ~allowed[np.maximum(ctx.s, 0), np.maximum(ctx.c, 0)])
    hidden = ctx.cat_hidden[breach]
    cat = np.where(hidden, nC, ctx.c[breach])  # categories hidden by coarsening: one group, unnamed
    key = (ctx.d[breach] * nS + ctx.s[breach]) * (nC + 1) + cat
    uniq, gcode = np.unique(key, return_inverse=True)
    grp = _group(ctx.rid, ctx.amount, breach, np.asarray(gcode).reshape(-1), len(uniq), listed=~hidden)
    ids = grp.ids.to_pylist()
    k, other = ctx.campaign.min_group_size, ctx.campaign.other_label
    out = []
    for i, u in enumerate(uniq.tolist()):
        ds, ci = divmod(u, nC + 1)
        d, s = divmod(ds, nS)
        src, dist = ctx.sources[s], ctx.dests[d]
        n, fen = int(grp.count[i]), int(grp.fen[i])
        earmarked = "、".join(ctx.campaign.fund_sources[s].categories)
        if ci < nC:
            zh = f"{dist}有 {n} 条记录（{yuan(fen)}）用“{src}”支付“{ctx.cats[ci]}”；这项资金只能用于：{earmarked}。"
            en = f"{dist}: {n} record(s) ({yuan(fen)}) paid {ctx.cats[ci]} from {src}, which may pay only for: {earmarked}."
        else:
            zh = (
                f"{dist}有 {n} 条记录（{yuan(fen)}）用“{src}”支付了它不包括的救助类别；这项资金只能用于：{earmarked}。"
                f"这些记录所在的区县×类别×群体组合不足 {k} 条，公开数据中类别已合并为“{other}”，"
                "为保护受助人，不列出原类别和记录编号。"
            )
            en = (
                f"{dist}: {n} record(s) ({yuan(fen)}) paid from {src} for categories outside its earmark "
                f"({earmarked}). They sit in combinations of fewer than {k} records, published as '{other}'; "
                "to protect recipients their categories and record ids are not listed."
            )
        out.append(_row(dist, d, fund_source=src, skey=s, record_ids=ids[i], idrank=grp.rank[i],
                        records=n, amount_fen=fen, zh=zh, en=en, tie=ci))
    return _rows("earmark", out)


def _file_first(ctx: _Context, rule: str) -> pa.Table:
    if HARDSHIP_GROUP not in ctx.groups:
        return _rows(rule, [])
    hardship = np.flatnonzero((ctx.g == ctx.groups.index(HARDSHIP_GROUP)) & (ctx.d >= 0))
    filed = _ordinals(ctx.records["filed_on"].iloc[hardship])
    if rule == "file-first-missing":
        rows = hardship[filed < 0]
    else:
        date = _ordinals(ctx.records["date"].iloc[hardship])
        rows = hardship[(filed >= 0) & (date >= 0) & (filed > date)]
    uniq, gcode = np.unique(ctx.d[rows], return_inverse=True)
    grp = _group(ctx.rid, ctx.amount, rows, np.asarray(gcode).reshape(-1), len(uniq), listed=~ctx.grp_hidden[rows])
    ids = grp.ids.to_pylist()
    k, other = ctx.campaign.min_group_size, ctx.campaign.other_label
    out = []
    for i, d in enumerate(uniq.tolist()):
        dist = ctx.dests[d]
        n, fen, withheld = int(grp.count[i]), int(grp.fen[i]), int(grp.count[i] - grp.listed[i])
        if rule == "file-first-missing":
            zh = f"{dist}有 {n} 条{HARDSHIP_GROUP}帮扶记录（{yuan(fen)}）没有填写建档日期，无法核实是否先建档、后帮扶。"
            en = f"{dist}: {n} record(s) ({yuan(fen)}) helping hardship workers have no hardship-file date (filed_on)."
        else:
            zh = f"{dist}有 {n} 条{HARDSHIP_GROUP}帮扶记录（{yuan(fen)}）的建档日期晚于发放日期，不符合先建档、后帮扶。"
            en = f"{dist}: {n} record(s) ({yuan(fen)}) helped hardship workers before their hardship file was opened."
        if withheld:
            zh += (
                f"其中 {withheld} 条所在的区县×类别×群体组合不足 {k} 条，公开数据中受助群体已合并为“{other}”，"
                "为保护受助人，不列出这些记录编号。"
            )
            en += (
                f" {withheld} of them sit in combinations of fewer than {k} records, published with the group "
                f"'{other}'; to protect recipients their record ids are not listed."
            )
        out.append(_row(dist, d, record_ids=ids[i], idrank=grp.rank[i], records=n, amount_fen=fen, zh=zh, en=en))
    return _rows(rule, out)


def _district_sets(ctx: _Context, rows: np.ndarray, gcode: np.ndarray, ngroups: int) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """Per group: its destinations joined in declared order, their set id and how many.

    Python runs once per distinct set of destinations, not per group.
    """
    nD = len(ctx.dests)
    seen = np.zeros((ngroups, nD), dtype=bool)
    seen[gcode, ctx.d[rows]] = True
    if nD <= 62:
        bits = seen.astype(np.int64) @ (np.int64(1) << np.arange(nD, dtype=np.int64))
        sets, which = np.unique(bits, return_inverse=True)
        members = [tuple(p for p in range(nD) if (int(b) >> p) & 1) for b in sets.tolist()]
    else:
        sets, which = np.unique(seen, axis=0, return_inverse=True)
        members = [tuple(np.flatnonzero(row).tolist()) for row in sets]
    which = np.asarray(which).reshape(-1)
    names = pa.array([DISTRICT_SEPARATOR.join(ctx.dests[p] for p in m) for m in members], type=STR)
    ids = np.array([ctx.dset(m) for m in members], dtype=np.int64)
    return names.take(pa.array(which)), ids[which], seen.sum(axis=1).astype(np.int64)


def _multi_district(ctx: _Context) -> pa.Table:
    refs, rep, per_ref = ctx.refs()
    nD = len(ctx.dests)
    valid = (refs >= 0) & (ctx.d >= 0)
    valid[valid] = per_ref[refs[valid]] > 1  # a ref with one record is in one destination
    seen = np.zeros((len(rep), nD), dtype=bool)
    seen[refs[valid], ctx.d[valid]] = True
    multi = np.flatnonzero(seen.sum(axis=1) > 1)
    dense = np.full(len(rep) + 1, -1, dtype=np.int64)
    dense[multi] = np.arange(len(multi))
    rows = np.flatnonzero(valid & (dense[refs] >= 0))
    gcode = dense[refs[rows]]
    grp = _group(ctx.rid, ctx.amount, rows, gcode, len(multi))
    names, dsets, ndest = _district_sets(ctx, rows, gcode, len(multi))
    ref = ctx.ref_text.take(pa.array(rep[multi]))
    zh = _concat("受助人编码 ", ref, " 在 ", ndest, " 个区县共有 ", grp.count, " 条受助记录，请核实是否重复申领。")
    en = _concat("Recipient ", ref, " received aid in ", ndest, " destinations (", grp.count,
                 " records); check whether aid was claimed twice.")
    n = len(multi)
    return _part("fairness-multi-district", {
        "district": names, "fund_source": [""] * n, "record_ids": grp.ids, "records": grp.count,
        "amount_fen": grp.fen, "explanation_zh": zh, "explanation_en": en,
        "_dset": dsets, "_skey": np.full(n, -1), "_idrank": grp.rank, "_tie": np.zeros(n, dtype=np.int64),
    })


def _repeat(ctx: _Context) -> pa.Table:
    refs, _rep, per_ref = ctx.refs()
    nS, nC = len(ctx.sources), len(ctx.cats)
    valid = (refs >= 0) & (ctx.s >= 0) & (ctx.c >= 0) & (ctx.d >= 0)
    valid[valid] = per_ref[refs[valid]] > 1  # only a ref with several records can repeat
    valid = np.flatnonzero(valid)
    key = (refs[valid] * nS + ctx.s[valid]) * nC + ctx.c[valid]
    codes, _ = pd.factorize(key)
    repeated = np.bincount(codes, minlength=1) > 1
    dense = np.full(len(repeated), -1, dtype=np.int64)
    dense[repeated] = np.arange(int(repeated.sum()))
    keep = dense[codes] >= 0
    rows, gcode = valid[keep], dense[codes[keep]]
    n = int(repeated.sum())
    grp = _group(ctx.rid, ctx.amount, rows, gcode, n)
    hidden = np.bincount(gcode[ctx.cat_hidden[rows]], minlength=n) > 0
    names, dsets, _ndest = _district_sets(ctx, rows, gcode, n)
    first = grp.first
    s, c = ctx.s[first], ctx.c[first]
    ref = ctx.ref_text.take(pa.array(first, type=pa.int64()))
    source = pa.array(ctx.sources, type=STR).take(pa.array(s))
    cat_code = pa.array(np.where(hidden, nC, c))
    cats_zh = pa.array([f"“{name}”" for name in ctx.cats] + ["同一类别（小组保护，不公开类别名称）"], type=STR).take(cat_code)
    cats_en = pa.array(ctx.cats + ["one category (not named: small-group protection)"], type=STR).take(cat_code)
    zh = _concat("受助人编码 ", ref, " 从“", source, "”领取", cats_zh, "救助共 ", grp.count,
                 " 次；可能是分批发放等正常情况，也可能是重复发放，予以公开。")
    en = _concat("Recipient ", ref, " received ", cats_en, " from ", source, " ", grp.count,
                 " times; this may be legitimate (e.g. aid in instalments) or a duplicate.")
    return _part("fairness-repeat", {
        "district": names, "fund_source": source, "record_ids": grp.ids, "records": grp.count,
        "amount_fen": grp.fen, "explanation_zh": zh, "explanation_en": en,
        "_dset": dsets, "_skey": s, "_idrank": grp.rank, "_tie": np.zeros(n, dtype=np.int64),
    })


def _reports(ctx: _Context, submissions: pd.DataFrame | None, campaign_over: bool) -> list[pa.Table]:
    campaign = ctx.campaign
    nR, nD = len(ctx.rounds), len(ctx.dests)
    valid = (ctx.r >= 0) & (ctx.d >= 0)
    cell = ctx.r[valid] * nD + ctx.d[valid]
    count = np.bincount(cell, minlength=nR * nD).astype(np.int64)
    fen = np.zeros(nR * nD, dtype=np.int64)
    np.add.at(fen, cell, ctx.amount[valid])
    received: dict[tuple[int, int], str] = {}
    if submissions is not None and len(submissions):
        r = _codes(submissions["round"].astype(str), ctx.rounds)
        d = _codes(submissions["district"].astype(str), ctx.dests)
        for ri, di, on in zip(r.tolist(), d.tolist(), submissions["received_on"].astype(str).tolist()):
            iso = parse_date(on)
            if ri >= 0 and di >= 0 and iso and (ri, di) not in received:
                received[(ri, di)] = iso
    late, missing = [], []
    for (ri, di), on in received.items():
        rnd, dist = campaign.rounds[ri], ctx.dests[di]
        deadline = rnd.deadline.isoformat()
        if on <= deadline:
            continue
        n, f = int(count[ri * nD + di]), int(fen[ri * nD + di])
        zh = f"{dist}{rnd.label}（{rnd.id}）的报送于 {on} 收到，晚于截止日期 {deadline}；该批次有 {n} 条记录（{yuan(f)}）。"
        en = (
            f"{dist}'s report for round {rnd.id} was received on {on}, after the deadline {deadline}; "
            f"it holds {n} records ({yuan(f)})."
        )
        late.append(_row(dist, di, records=n, amount_fen=f, zh=zh, en=en, tie=ri))
    for di, dist in enumerate(ctx.dests):
        for ri, rnd in enumerate(campaign.rounds):
            if count[ri * nD + di]:
                continue
            deadline = rnd.deadline.isoformat()
            if submissions is not None:
                if (ri, di) in received or not (rnd.deadline < campaign.end or campaign_over):
                    continue
                zh = f"截止日期 {deadline} 已过，仍未收到{dist}{rnd.label}（{rnd.id}）的报送，该批次也没有任何发放记录。"
                en = f"The deadline {deadline} has passed and {dist} has sent neither a report nor records for round {rnd.id}."
            else:
                if not campaign_over:
                    continue
                zh = f"活动已结束，{dist}在{rnd.label}（{rnd.id}，截止日期 {deadline}）没有任何发放记录，视为未报送。"
                en = f"The campaign is over and {dist} has no records in round {rnd.id} (deadline {deadline}): the report is missing."
            missing.append(_row(dist, di, zh=zh, en=en, tie=ri))
    return [_rows("late-report", late), _rows("missing-report", missing)]


# --- the public API -----------------------------------------------------------


def find(
    records: pd.DataFrame,
    allocations: pd.DataFrame,
    campaign: Campaign,
    submissions: pd.DataFrame | None = None,
    *,
    campaign_over: bool = True,
    published: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per finding, columns exactly COLUMNS:

    rule, severity, district, fund_source, record_ids (space-separated, sorted),
    records (count), amount_fen (the money concerned), explanation_zh, explanation_en.

    ``records``: the typed records as `validate.validate_records` returns them,
    BEFORE small-group coarsening (a ValueError says so when the other label
    appears in category or recipient_group). ``published``: the same records
    after coarsening (`Dataset.records`, same order); coarsened here when
    omitted. A record whose category (earmark, fairness-repeat) or group
    (file-first rules) coarsening hid is still counted and summed, but its id
    or its category name is not shown, so findings never undo coarsening.

    ``allocations``: `aggregate.build_allocations`' table (its ``allocated``
    column; disbursed is recomputed from the records) or the typed allocations
    (``amount_fen``). ``submissions``: `load_submissions`' frame, or None.
    ``campaign_over``: whether the campaign window has ended (the caller
    decides; today's date is never read).

    Ordered by rule (RULES order), destination (declared order; a set of
    destinations by its members), fund source (declared order), record ids,
    then round or category.
    """
    ctx = _Context(records, campaign, published)
    pair, disbursed, allocated = _pair_totals(ctx, allocations)
    parts = [
        _over_allocation(ctx, pair, disbursed, allocated),
        _unspent(ctx, disbursed, allocated) if campaign_over else _rows("unspent-balance", []),
        _earmark(ctx),
        _file_first(ctx, "file-first-missing"),
        _file_first(ctx, "file-first-late"),
        _multi_district(ctx),
        _repeat(ctx),
        *_reports(ctx, submissions, campaign_over),
    ]
    table = pa.concat_tables(parts)
    dset_rank = ctx.dset_order()[table["_dset"].to_numpy()]
    order = np.lexsort((
        table["_tie"].to_numpy(), table["_idrank"].to_numpy(), table["_skey"].to_numpy(),
        dset_rank, table["_rule"].to_numpy(),
    ))
    return table.take(pa.array(order)).select(list(COLUMNS)).to_pandas()


def summary(findings: pd.DataFrame) -> list[dict]:
    """Per rule, in RULES order (rules without findings too): code, zh, en, severity, count, amount_fen."""
    counts = findings.groupby("rule", sort=False).agg(count=("rule", "size"), amount_fen=("amount_fen", "sum"))
    out = []
    for rule in RULES:
        if rule.code in counts.index:
            count, fen = int(counts.loc[rule.code, "count"]), int(counts.loc[rule.code, "amount_fen"])
        else:
            count, fen = 0, 0
        out.append({"code": rule.code, "zh": rule.zh, "en": rule.en, "severity": rule.severity, "count": count, "amount_fen": fen})
    return out


def for_district(findings: pd.DataFrame, name: str) -> pd.DataFrame:
    """Findings concerning one destination (also those listing it among several)."""
    sep = re.escape(DISTRICT_SEPARATOR)
    pattern = f"(?:^|{sep}){re.escape(name)}(?:{sep}|$)"
    mask = findings["district"].str.contains(pattern, regex=True)
    return findings.loc[mask].reset_index(drop=True)


def for_source(findings: pd.DataFrame, name: str) -> pd.DataFrame:
    """Findings concerning one fund source."""
    return findings.loc[findings["fund_source"] == name].reset_index(drop=True)
