"""The published record files: disbursements.csv for all rounds, each round and each destination.

Record files can hold a million rows, so they are written once per distinct
input (pyarrow's CSV writer, never DataFrame.to_csv) and kept in a
content-addressed cache (downloads/cache.py), from which each build gets its
own checked copy.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import weakref
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from warmth.core.campaign import Campaign
from warmth.core.files import BOM
from warmth.core.schema import COLUMN_NAMES
from warmth.downloads.cache import cache_lock, discard, fetch, read_manifest, store
from warmth.downloads.download import Download

log = logging.getLogger("warmth")


def _arrow(series: pd.Series, rows: np.ndarray | None) -> pa.Array:
    """A column's records ``rows`` (None: all, in order) as an Arrow string array (categoricals decoded by code)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy()
        codes = codes if rows is None else codes[rows]
        labels = pa.array(list(series.cat.categories.astype(str)), type=pa.large_string())
        return pc.fill_null(pc.take(labels, pa.array(codes, mask=codes < 0)), "")
    column = pa.array(series, type=pa.large_string())
    return column if rows is None else column.take(pa.array(rows))


def decimal_text(values: np.ndarray, *, trim: bool) -> pa.Array:
    """Integer hundredths → "12.30" (trim=False) or shortest exact "12.3" (trim=True).

    Each distinct value is formatted once (amounts repeat heavily), then taken per record."""
    codes, distinct = pd.factorize(values, sort=False)
    whole = pc.cast(pa.array(distinct // 100), pa.large_string())
    cents = pc.utf8_lpad(pc.cast(pa.array(distinct % 100), pa.large_string()), 2, "0")
    text = pc.binary_join_element_wise(whole, cents, pa.scalar(".", pa.large_string()))
    if trim:
        text = pc.replace_substring_regex(text, r"\.?0+$", "")
        text = pc.if_else(pc.equal(text, ""), "0", text)
    return pc.take(text, pa.array(codes))


def public_table(typed: pd.DataFrame, withheld: tuple[str, ...] = (), order: np.ndarray | None = None) -> pa.Table:
    """The published form of the records: every column as text, canonical values; row i is record ``order[i]``
    (all records in their order by default).

    ``withheld`` columns are published empty (the campaign's privacy rules).
    Built with Arrow compute kernels: no per-record Python and no float; the
    order is applied to codes and integers before any text is made.
    """
    rows = None if order is None or np.array_equal(order, np.arange(len(typed))) else order
    pick = (lambda values: values) if rows is None else (lambda values: values[rows])  # noqa: E731
    columns = {}
    for name in COLUMN_NAMES:
        if name in withheld:
            columns[name] = pa.array([""] * len(typed), type=pa.large_string())
        elif name == "amount_yuan":
            columns[name] = decimal_text(pick(typed["amount_fen"].to_numpy(np.int64)), trim=False)
        elif name == "quantity":
            goods = pa.array(pick((typed["aid_type"] == "goods").to_numpy()))
            columns[name] = pc.if_else(goods, decimal_text(pick(typed["quantity"].to_numpy(np.int64)), trim=True), "")
        else:
            columns[name] = _arrow(typed[name], rows)
    return pa.table(columns)


@dataclass(frozen=True, eq=False)
class InOrder:
    """The records' public table in published order (round, then destination in declared order, then input order);
    the arrays are read-only (one InOrder is shared by the record, lookup and browse files)."""

    table: pa.Table
    order: np.ndarray  # table row i is record order[i]
    where: np.ndarray  # record k is table row where[k]


_last: tuple = (None, None, None)  # (weak reference to the records, withheld, their InOrder)


def in_published_order(typed: pd.DataFrame, campaign: Campaign) -> InOrder:
    """The records as published (``public_table`` in published order: the order comes from the records' own round
    and destination codes, the text from them and ``campaign.withheld``). The record files and the lookup and browse
    files ask for the same records: the last one made is kept (Arrow tables are immutable) and not made twice."""
    global _last
    ref, kept_withheld, kept = _last
    if ref is not None and ref() is typed and kept_withheld == tuple(campaign.withheld):
        return kept
    rounds = typed["round"].cat.codes.to_numpy(np.int64)
    dests = typed["district"].cat.codes.to_numpy(np.int64)
    order = np.lexsort((dests, rounds))
    where = np.empty_like(order)
    where[order] = np.arange(len(order))
    order.flags.writeable = where.flags.writeable = False
    kept = InOrder(public_table(typed, campaign.withheld, order), order, where)
    _last = (weakref.ref(typed), tuple(campaign.withheld), kept)
    return kept


class _HashingFile:
    """A file sink that hashes what is written through it (no second read)."""

    def __init__(self, handle) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()
        self.size = 0
        self.closed = False

    def write(self, data) -> int:
        view = memoryview(data)
        self.digest.update(view)
        self.size += view.nbytes
        return self.handle.write(view)

    def flush(self) -> None:
        self.handle.flush()


def write_records_csv(table: pa.Table, path: Path) -> tuple[int, str]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        sink = _HashingFile(handle)
        sink.write(BOM)
        pacsv.write_csv(table, sink, write_options=pacsv.WriteOptions(quoting_style="needed", batch_size=8192))
    return sink.size, sink.digest.hexdigest()


def record_tables(typed: pd.DataFrame, campaign: Campaign):
    """Yield (path under /data/, Arrow table) for every published record file.

    Records are published ordered by round, then destination (declared order),
    then input order (``in_published_order``); each round file is then a slice
    and each destination file a concatenation of slices (no copies).
    """
    records = in_published_order(typed, campaign)
    table = records.table
    key = typed["round"].cat.codes.to_numpy(np.int64)[records.order] * len(campaign.destinations)
    key += typed["district"].cat.codes.to_numpy(np.int64)[records.order]  # row i's (round, destination)
    yield "disbursements.csv", table
    bounds = np.searchsorted(key, np.arange(len(campaign.rounds) * len(campaign.destinations) + 1))

    def part(r: int, d: int) -> pa.Table:
        i = r * len(campaign.destinations) + d
        return table.slice(bounds[i], bounds[i + 1] - bounds[i])

    for r, rnd in enumerate(campaign.rounds):
        start, stop = bounds[r * len(campaign.destinations)], bounds[(r + 1) * len(campaign.destinations)]
        if stop > start:
            yield f"rounds/{rnd.id}/disbursements.csv", table.slice(start, stop - start)
    for d, dest in enumerate(campaign.destinations):
        parts = [part(r, d) for r in range(len(campaign.rounds))]
        if any(p.num_rows for p in parts):
            yield f"districts/{dest.slug}/disbursements.csv", pa.concat_tables(parts)


def write_record_files(typed: pd.DataFrame, campaign: Campaign, data_out: Path, cache_key: str, cache_dir: Path | None) -> list[Download]:
    """Write every record file into ``data_out`` (or copy it from the cache, checked); return their downloads."""
    if cache_dir is None:
        return _write_all(typed, campaign, data_out)
    records = cache_dir / "records"
    entry = records / cache_key
    with cache_lock(records, cache_key):
        manifest = read_manifest(entry)
        if manifest is not None:
            wrong = fetch(entry, manifest, data_out)
            if not wrong:
                with contextlib.suppress(OSError):
                    os.utime(entry)  # recently used: kept by the sweep
                return [Download(rel, size, sha) for rel, (size, sha) in sorted(manifest.items())]
            log.warning(
                "缓存中的记录文件与其校验和不符（可能被直接修改过）：%s；已丢弃这份缓存并重新生成。\n"
                "Cached record files do not match their checksums (edited in place?): %s; the cache entry was discarded "
                "and the files written afresh.", ", ".join(wrong), ", ".join(wrong),
            )  # fmt: skip
            for rel in manifest:
                (data_out / rel).unlink(missing_ok=True)
        if entry.exists():
            discard(entry)
        downloads = _write_all(typed, campaign, data_out)
        store(entry, data_out, {d.path: (d.bytes, d.sha256) for d in downloads})
    return downloads


def _write_all(typed: pd.DataFrame, campaign: Campaign, data_out: Path) -> list[Download]:
    jobs = list(record_tables(typed, campaign))
    # Arrow formats CSV without holding the GIL, so two writers use both cores.
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda job: write_records_csv(job[1], data_out / job[0]), jobs))
    return sorted((Download(rel, size, sha) for (rel, _), (size, sha) in zip(jobs, results)), key=lambda d: d.path)


def records_key(digests: dict[str, str]) -> str:
    """Cache key of the record files: the inputs as read, the package's code, pyarrow and pandas."""
    code = hashlib.sha256()
    package = Path(__file__).resolve().parents[1]
    for module in sorted(package.rglob("*.py")):  # any module may change what is published
        code.update(module.relative_to(package).as_posix().encode() + b"\0" + module.read_bytes())
    blob = json.dumps(
        {"inputs": digests, "code": code.hexdigest(), "pyarrow": pa.__version__, "pandas": pd.__version__},
        sort_keys=True,
    )
    return hashlib.sha256(blob.encode()).hexdigest()
