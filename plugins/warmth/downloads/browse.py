"""Files for the site's browser features, derived from the published records.

- ``/data/lookup/``: the receipt lookup. Every published record (and every
  withdrawn record id, with its withdrawal) in a shard chosen by a hash of its
  id, so a lookup fetches ``index.json`` and one small shard, however many
  records there are. The hash is FNV-1a (32 bits) of the id's UTF-8 bytes,
  finished with MurmurHash3's fmix32, as 8 hex digits; a shard holds the ids
  whose hash starts with its ``depth`` hex digits and lives at
  ``lookup/<first 2 digits>/<depth digits>.csv``. ``depth`` grows with the
  records (at least 2, and at most 256 records per shard on average).
- ``/data/browse/districts/<slug>.json``: one destination's records in a
  compact form (values as codes into per-column lists, money in fen) for the
  filter on its page, loaded only when the filter is used.

Only published values: the columns come from ``public_table`` (withheld
columns are left out altogether), corrections from the published corrections.
Each folder has its own SHA256SUMS, which the top SHA256SUMS lists; these
files are not datapackage resources (they are derived, and thousands of them
would bloat the package). Everything is built with Arrow kernels and numpy
over whole columns: Python loops only over shards, destinations and distinct
values, never over records.
"""

from __future__ import annotations

import hashlib
import json
import os
from itertools import groupby
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from numpy.lib.stride_tricks import sliding_window_view

from warmth.core.files import atomic_write
from warmth.core.layout import SUMS_FILE
from warmth.core.schema import COLUMN_NAMES
from warmth.downloads.download import Download
from warmth.downloads.records import InOrder, in_published_order
from warmth.figures.dataset import Dataset

LOOKUP_DIR = "lookup"
BROWSE_DIR = "browse"
SHARD_TARGET = 256  # records per shard on average, at most
MIN_DEPTH = 2
FNV_OFFSET, FNV_PRIME, MASK = 0x811C9DC5, 0x01000193, 0xFFFFFFFF
STR = pa.large_string()


def _s(text: str) -> pa.Scalar:
    return pa.scalar(text, STR)


def id_hashes(ids: pa.Array) -> np.ndarray:
    """FNV-1a 32 + fmix32 of each id's UTF-8 bytes, as uint64 (vectorised over byte positions, not ids)."""
    binary = pc.cast(pc.cast(ids, STR), pa.large_binary())
    binary = binary.combine_chunks() if isinstance(binary, pa.ChunkedArray) else binary
    n = len(binary)
    offsets = np.frombuffer(binary.buffers()[1], dtype=np.int64)[binary.offset : binary.offset + n + 1]
    data = np.frombuffer(binary.buffers()[2], dtype=np.uint8) if n and offsets[-1] > offsets[0] else np.zeros(1, np.uint8)
    starts, lengths = offsets[:-1], np.diff(offsets)
    h = np.full(n, FNV_OFFSET, dtype=np.uint32)  # uint32 arithmetic wraps modulo 2**32, as the hash does
    for length in np.flatnonzero(np.bincount(lengths, minlength=1)[1:]) + 1:  # the ids of each length together
        which = np.flatnonzero(lengths == length)
        rows = sliding_window_view(data, int(length))[starts[which]]  # one row of bytes per id: byte j is column j
        part = h[which]
        for j in range(int(length)):
            part = (part ^ rows[:, j]) * np.uint32(FNV_PRIME)
        h[which] = part
    h ^= h >> np.uint32(16)
    h *= np.uint32(0x85EBCA6B)
    h ^= h >> np.uint32(13)
    h *= np.uint32(0xC2B2AE35)
    h ^= h >> np.uint32(16)
    return h.astype(np.uint64)


def id_hash(record_id: str) -> str:
    """The same hash for one id, as 8 hex digits (the reference the browser's script follows)."""
    h = FNV_OFFSET
    for byte in record_id.encode("utf-8"):
        h = ((h ^ byte) * FNV_PRIME) & MASK
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & MASK
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & MASK
    h ^= h >> 16
    return f"{h:08x}"


def shard_depth(records: int) -> int:
    depth = MIN_DEPTH
    while records > SHARD_TARGET * 16**depth and depth < 8:
        depth += 1
    return depth


def shard_path(key: str) -> str:
    return f"{LOOKUP_DIR}/{key[:2]}/{key}.csv"


def _csv_cell(column: pa.Array) -> pa.Array:
    """A text column as CSV cells: quoted (quotes doubled) only where needed."""
    column = pc.cast(column, STR)
    quoted = pc.binary_join_element_wise(_s('"'), pc.replace_substring(column, '"', '""'), _s('"'), _s(""))
    return pc.if_else(pc.match_substring_regex(column, '[",\r\n]'), quoted, column)


class _Lines:
    """Text lines held as one Arrow buffer: the bytes of lines[start:stop] are one slice of it (no per-line work).
    ``text`` holds ``per_line`` cells a line, the cells holding the separators and the line's end."""

    def __init__(self, text: pa.Array, per_line: int = 1) -> None:
        text = text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text
        offsets = np.frombuffer(text.buffers()[1], dtype=np.int64)[text.offset : text.offset + len(text) + 1]
        self.offsets = offsets[::per_line] if len(text) else np.zeros(1, np.int64)
        self.data = memoryview(text.buffers()[2]) if len(text) else memoryview(b"")

    def __getitem__(self, span: slice) -> bytes:
        if span.stop <= span.start:
            return b""
        return bytes(self.data[self.offsets[span.start] : self.offsets[span.stop]])


def _assemble(columns: list[tuple[pa.Array, np.ndarray]], few: list[bool], order: np.ndarray | None = None) -> _Lines:
    """Lines of one cell per column: column j is (its cells, a cell's number per record), the cells holding their
    separators; line i is record ``order[i]``. Runs of adjacent columns of ``few`` distinct values are merged first
    (``_merged``); then all the cells are taken in one pass, line by line, so the result's data buffer is the
    lines' bytes (no joins)."""
    parts: list[tuple[pa.Array, np.ndarray]] = []
    for merge, run in groupby(zip(few, columns), key=lambda item: item[0]):
        run = [column for _, column in run]
        parts += [_merged(run)] if merge and len(run) > 1 else run
    if order is not None:
        parts = [(cells, codes[order]) for cells, codes in parts]
    cells = [_array(pc.cast(c, STR)) for c, _ in parts]
    starts = np.cumsum([0] + [len(c) for c in cells])
    index = np.empty((len(parts[0][1]), len(parts)), dtype=np.int32 if starts[-1] < 2**31 else np.int64)
    for j, (_, codes) in enumerate(parts):
        np.add(codes, starts[j], out=index[:, j], casting="unsafe")
    return _Lines(pc.take(pa.concat_arrays(cells), pa.array(index.reshape(-1))), len(parts))


def _merged(columns: list[tuple[pa.Array, np.ndarray]]) -> tuple[pa.Array, np.ndarray]:
    """Adjacent columns as one: a cell per combination of their cells that occurs (those cells joined), and a
    combination's number per line. Columns of few values have few combinations (52,350 for 12 columns at 1M)."""
    key, size = np.zeros(len(columns[0][1]), np.int64), 1
    for cells, codes in columns:  # the combination as a number in mixed radix, renumbered before it could overflow
        if size * len(cells) >= 2**62:
            key = pc.dictionary_encode(pa.array(key)).indices.to_numpy()
            size = int(key.max()) + 1
        key, size = key * len(cells) + codes, size * len(cells)
    number = pc.dictionary_encode(pa.array(key)).indices.to_numpy()
    line = np.empty(int(number.max()) + 1 if len(number) else 0, np.int64)
    line[number] = np.arange(len(number))  # a line with each combination (any one: they have the same cells)
    joined = [pc.take(pc.cast(cells, STR), pa.array(codes[line])) for cells, codes in columns]
    return pc.binary_join_element_wise(*joined, _s("")), number


def _array(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column


def _ending(cells: pa.Array, end: str, start: str = "") -> pa.Array:
    """Each text between ``start`` and ``end``."""
    if not start and not end:
        return pc.cast(cells, STR)
    return pc.binary_join_element_wise(_s(start), pc.cast(cells, STR), _s(end), _s(""))


def lookup_columns(withheld: tuple[str, ...]) -> list[str]:
    return ["record_id", "status", *(c for c in COLUMN_NAMES if c not in withheld and c != "record_id"), "corrections"]


def _history(corrections: list[dict]) -> dict[str, str]:
    """Record id → its published corrections as JSON [[id, date, field, old, new, reason], …] (few records)."""
    by_record: dict[str, list] = {}
    for c in corrections:
        by_record.setdefault(c["record_id"], []).append(
            [c["correction_id"], c["date"], c["field"], c["old_value"], c["new_value"], c["reason"]]
        )
    return {rid: json.dumps(items, ensure_ascii=False, separators=(",", ":")) for rid, items in by_record.items()}


def lookup_table(ds: Dataset, public: pa.Table) -> pa.Table:
    """Every published record (and every withdrawn id) with the lookup's columns, all text."""
    history = _history(ds.published_corrections)
    ids = public.column("record_id")
    texts = pa.array(["", *history.values()], STR)  # a record's corrections: texts[its number], 0 for none
    # few corrected records: found by one vectorised lookup of every id among theirs (null: not corrected)
    corrected = pc.fill_null(pc.add(pc.index_in(ids, value_set=pa.array(list(history), STR)), 1), 0)
    columns = {}
    for name in lookup_columns(ds.campaign.withheld):
        if name == "status":
            columns[name] = pc.take(pa.array(["published"], STR), pa.array(np.zeros(len(public), np.int32)))
        elif name == "corrections":
            columns[name] = pc.take(texts, corrected)
        else:
            columns[name] = pc.cast(public.column(name), STR)
    table = pa.table(columns)
    withdrawn = [c for c in ds.published_corrections if c["field"] == "withdrawn"]
    if withdrawn:
        extra = {name: [""] * len(withdrawn) for name in table.column_names}
        extra["record_id"] = [c["record_id"] for c in withdrawn]
        extra["status"] = ["withdrawn"] * len(withdrawn)
        extra["round"] = [c["round"] for c in withdrawn]
        extra["corrections"] = [history[c["record_id"]] for c in withdrawn]
        table = pa.concat_tables([table, pa.table({k: pa.array(v, STR) for k, v in extra.items()})])
    return table


SAFE = ("record_id", "amount_yuan")  # letters, digits, '-', '_' / digits and '.': never quoted in CSV


def _csv_column(column: pa.ChunkedArray | pa.Array, name: str, start: str, end: str) -> tuple[pa.Array, np.ndarray]:
    """A column as (CSV cells between ``start`` and ``end``, a cell's number per record): each distinct value is
    made a cell once (dictionary-encoded; the ids are all distinct); a missing value is an empty cell."""
    column = pc.fill_null(_array(column), "")
    if name == "record_id":
        return _ending(column, end, start), np.arange(len(column))
    encoded = pc.dictionary_encode(column)
    cells = encoded.dictionary if name in SAFE else _csv_cell(encoded.dictionary)
    return _ending(cells, end, start), encoded.indices.to_numpy()


def lookup_files(ds: Dataset, records: InOrder | None = None) -> dict[str, bytes]:
    """Path under /data/ → bytes of every lookup file: the shards and index.json."""
    records = in_published_order(ds.records, ds.campaign) if records is None else records
    return shards(lookup_table(ds, records.table), records.where)


def shards(table: pa.Table, where: np.ndarray | None = None) -> dict[str, bytes]:
    """A table of text columns, record_id first, cut into shards by the hash of the id, and index.json.

    Each shard's lines follow the records' input order: record k is table row ``where[k]`` (the rows past
    ``where`` follow as they are; all rows as they are by default)."""
    n = table.num_rows
    depth = shard_depth(n)
    keys = (id_hashes(table.column("record_id")) >> np.uint64(32 - 4 * depth)).astype(np.int64)
    rows = np.arange(n) if where is None else np.concatenate([where, np.arange(len(where), n)])
    order = rows[np.argsort((keys.astype(np.uint16) if depth <= 4 else keys)[rows], kind="stable")]  # (16 bits: a radix sort)
    keys = keys[order]
    names = table.column_names
    columns = [_csv_column(table.column(c), c, "," if j else "", "" if j < len(names) - 1 else "\n") for j, c in enumerate(names)]
    lines = _assemble(columns, [c not in SAFE for c in names], order)
    header = (",".join(table.column_names) + "\n").encode("utf-8")
    files = {}
    present = np.unique(keys)
    bounds = np.searchsorted(keys, np.append(present, present[-1] + 1 if len(present) else 0))
    for i, key in enumerate(present):
        files[shard_path(f"{int(key):0{depth}x}")] = header + lines[bounds[i] : bounds[i + 1]]
    files[f"{LOOKUP_DIR}/index.json"] = json.dumps(
        {"hash": "fnv1a32+fmix32", "depth": depth, "records": n, "shards": len(present), "columns": table.column_names},
        ensure_ascii=False, sort_keys=True, indent=1,
    ).encode("utf-8") + b"\n"
    return files


CODED = [c for c in COLUMN_NAMES if c not in ("record_id", "amount_yuan")]


def browse_files(ds: Dataset, records: InOrder | None = None) -> dict[str, bytes]:
    """Path under /data/ → the compact JSON of each destination's records, in the order of its CSV file."""
    withheld = ds.campaign.withheld
    records = in_published_order(ds.records, ds.campaign) if records is None else records
    public = records.table
    rounds = ds.records["round"].cat.codes.to_numpy(np.int64)
    dests = ds.records["district"].cat.codes.to_numpy(np.int64)
    order = np.lexsort((rounds, dests))  # as each destination's CSV: by round, then input order
    order = order[np.searchsorted(dests[order], 0) :]  # (a record with no destination is in no file)
    bounds = np.searchsorted(dests[order], np.arange(len(ds.records["district"].cat.categories) + 1))
    rows = records.where[order]  # line i's row of ``public`` (which is in published order)
    coded = [c for c in CODED if c not in withheld]
    values: list[dict[str, list[str]]] = [{} for _ in bounds[1:]]
    ranks = []
    for name in coded:  # each column's distinct values found once, then numbered within each destination
        rank, found = _first_seen(*_codes(public.column(name)), rows, bounds)
        for d, labels in enumerate(found):
            values[d][name] = labels
        ranks.append(rank)
    # a row is ["<id>",<code>,…,<fen>],\n: the ids are used as they are, the text around them is held by the next
    # cell ('",' before the first code) and the row before ('["' after its fen; the first row's is in the head)
    numbers = range(-1, max((len(v) for d in values for v in d.values()), default=0))  # a code's cell: code + 1
    first, other = (pa.array([f"{start}{i}," for i in numbers], STR) for start in ('",', ""))
    fen = _ending(pa.array(ds.records["amount_fen"].to_numpy(np.int64)), '],\n["', "" if ranks else '",')
    codes = [(other if j else first, rank + 1) for j, rank in enumerate(ranks)]
    columns = [(public.column("record_id"), rows), *codes, (fen, order)]
    lines = _assemble(columns, [False, *(True for _ in ranks), False])
    files = {}
    for d, dest in enumerate(ds.records["district"].cat.categories):
        lo, hi = bounds[d], bounds[d + 1]
        if hi == lo:
            continue
        head = {"columns": list(COLUMN_NAMES), "fields": ["record_id", *coded, "amount_fen"], "values": values[d], "records": int(hi - lo)}
        text = json.dumps(head, ensure_ascii=False, sort_keys=True, separators=(",", ":"))[:-1] + ',"rows":[\n["'
        slug = ds.campaign.slug_of("destinations", str(dest))
        body = lines[lo:hi][: -len(',\n["')]  # no comma (nor next row) after the last row
        files[f"{BROWSE_DIR}/districts/{slug}.json"] = text.encode("utf-8") + body + b"\n]}\n"
    return files


def _codes(column: pa.ChunkedArray) -> tuple[np.ndarray, list[str]]:
    """A text column as (a code per record, -1 for a missing value; the distinct values by code)."""
    encoded = pc.dictionary_encode(column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column)
    codes = pc.fill_null(pc.cast(encoded.indices, pa.int64()), -1).to_numpy()
    return codes, [str(v) for v in encoded.dictionary.to_pylist()]


def _first_seen(codes: np.ndarray, labels: list[str], order: np.ndarray, bounds: np.ndarray) -> tuple[np.ndarray, list[list[str]]]:
    """As pandas.factorize(sort=False) of each group of records ``order[bounds[g]:bounds[g + 1]]``: their values
    numbered from 0 in the order they first appear in the group (-1 for a missing one), and those values in that
    order; for all the groups at once, from codes found once for all records."""
    picked, size = codes[order], max(len(labels), 1)
    valid = np.flatnonzero(picked >= 0)
    group = np.repeat(np.arange(len(bounds) - 1), np.diff(bounds))[valid]
    # (group, value) pairs numbered as they first appear: the groups follow one another, so each group's pairs
    # are numbered after all of the groups before it
    number, pairs = pd.factorize(group * size + picked[valid], sort=False)
    starts = np.searchsorted(pairs // size, np.arange(len(bounds)))
    out = np.full(len(picked), -1, dtype=np.int64)
    out[valid] = number - starts[group]
    values = pairs % size
    return out, [[labels[v] for v in values[lo:hi]] for lo, hi in zip(starts[:-1], starts[1:])]


def _sums(files: dict[str, bytes], folder: str) -> bytes:
    return "".join(
        f"{hashlib.sha256(payload).hexdigest()}  {rel.removeprefix(folder + '/')}\n" for rel, payload in sorted(files.items())
    ).encode("utf-8")


def _write_files(data_out: Path, files: dict[str, bytes]) -> None:
    """Each file written whole, as Path.write_bytes would (created or truncated, umask permissions), with fewer
    calls: each folder made once, then open, write, close by file descriptor."""
    for folder in sorted({rel.rpartition("/")[0] for rel in files}):
        (data_out / folder).mkdir(parents=True, exist_ok=True)
    root = os.fspath(data_out)
    for rel, payload in files.items():
        fd = os.open(os.path.join(root, rel), os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0), 0o666)
        try:
            view = memoryview(payload)
            while view:  # a write may take fewer bytes than asked
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)


def write_browse_files(data_out: Path, ds: Dataset) -> list[Download]:
    """Write /data/lookup/ and /data/browse/, each with its SHA256SUMS; return those two for the top SHA256SUMS."""
    downloads = []
    records = in_published_order(ds.records, ds.campaign)
    for folder, files, title in (
        (LOOKUP_DIR, lookup_files(ds, records), "记录编号查询索引的校验和 / checksums of the receipt lookup files"),
        (BROWSE_DIR, browse_files(ds, records), "筛选数据的校验和 / checksums of the filter data"),
    ):
        _write_files(data_out, files)
        sums = _sums(files, folder)
        atomic_write(data_out / folder / SUMS_FILE, sums)
        downloads.append(Download(f"{folder}/{SUMS_FILE}", len(sums), hashlib.sha256(sums).hexdigest(), title))
    return downloads
