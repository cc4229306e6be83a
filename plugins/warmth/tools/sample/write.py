"""Writing the sample: one CSV per round and destination in the district's
own style, ``allocations.csv``, and a copy of the campaign file."""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from warmth.core.files import BOM, atomic_write, current_umask

from .allocations import Allocations
from .campaign import Setup
from .records import Records
from .tables import AID_TYPES, AID_TYPES_ZH, COLUMNS, FILED_FROM, GB18030_FILES, ITEM_NAMES, ITEMS, NO_BOM_FILES, STYLES, Style
from .text import amount_strings, date_tables, quantity_strings, recipient_refs, record_prefixes, strings, take

# Left behind in rounds/*/ by a write that was killed: atomic_write's and ours,
# and those of the generator before it used them.
STALE_TEMP_PATTERNS = (".*.csv.tmp-*", ".sample-*.tmp")
# quoting "none": no value may need quotes; pyarrow raises if one does.
CSV_OPTIONS = pacsv.WriteOptions(quoting_style="none", quoting_header="none")


@dataclass(frozen=True)
class Texts:
    """The text behind the record codes, as pyarrow tables to ``take`` from."""

    dates: dict[str, pa.Array]  # by date style, indexed by days since FILED_FROM
    dest: pa.Array
    unit: pa.Array
    source: pa.Array
    cat: pa.Array
    group: pa.Array
    aid: dict[bool, pa.Array]  # Chinese?
    item: pa.Array
    item_unit: pa.Array
    qty: pa.Array
    note: pa.Array
    ref: pa.Array
    prefixes: list[str]


def texts(s: Setup, rec: Records, seed: int) -> Texts:
    """The text tables for the records in ``rec``; recipient refs derive from ``seed``."""
    last_day = max(int(rec.day.max()), int(rec.filed_day.max())) + 1
    c = s.c
    return Texts(
        dates=date_tables(FILED_FROM, FILED_FROM + timedelta(days=last_day)),
        dest=strings(list(c.destinations)),
        unit=strings(rec.unit_names),
        source=strings(list(c.sources)),
        cat=strings(list(c.categories)),
        group=strings(list(c.groups)),
        aid={False: strings(list(AID_TYPES)), True: strings(list(AID_TYPES_ZH))},
        item=strings(list(ITEM_NAMES)),
        item_unit=strings([ITEMS[i][0] for i in ITEM_NAMES]),
        qty=quantity_strings(int(rec.qty.max()) if rec.n else 0),
        note=strings(rec.note_texts),
        ref=strings(recipient_refs(seed, rec.n_people)),
        prefixes=record_prefixes(c.slugs),
    )


@dataclass(frozen=True)
class Written:
    files: list[str]  # relative paths, in writing order
    per_round: dict[str, int]  # records per round id
    breach_ids: list[str]  # record ids of the planted earmark breaches


def _plan(s: Setup, rec: Records) -> tuple[list[tuple[int, int, int, int]], int]:
    """The files to write, (round, destination, first row, end row) for each
    non-empty pair (records are sorted by round and destination), and the
    width of the serial number in record ids."""
    D = s.D
    bounds = np.searchsorted(rec.rnd * D + rec.dest, np.arange(s.R * D + 1))
    planned = []
    for r in range(s.R):
        for d in range(D):
            a, b = int(bounds[r * D + d]), int(bounds[r * D + d + 1])
            if b > a:
                planned.append((r, d, a, b))
    width = max(6, len(str(int(np.diff(bounds).max()) if rec.n else 0)))
    return planned, width


def _remove_stale(out_dir: Path, keep: set[str]) -> None:
    """Remove CSV files in rounds/*/ this run does not write, and leftover temp files."""
    rounds_dir = out_dir / "rounds"
    if not rounds_dir.is_dir():
        return
    for folder in sorted(p for p in rounds_dir.iterdir() if p.is_dir()):
        for old in sorted(folder.glob("*.csv")):
            if f"rounds/{folder.name}/{old.name}" not in keep:
                old.unlink()
        for pattern in STALE_TEMP_PATTERNS:
            for tmp in folder.glob(pattern):
                tmp.unlink()


def write_rounds(out_dir: Path, s: Setup, rec: Records, t: Texts) -> Written:
    """Write ``rounds/<round>/<slug>.csv`` for every round and destination with
    records, in the destination's style; remove stale CSV files."""
    c = s.c
    planned, width = _plan(s, rec)
    _remove_stale(out_dir, {f"rounds/{c.rounds[r]}/{c.slugs[d]}.csv" for r, d, _, _ in planned})
    files: list[str] = []
    per_round = {rid: 0 for rid in c.rounds}
    breach_ids: list[str] = []
    for r, d, a, b in planned:
        rid, name = c.rounds[r], c.destinations[d]
        style = STYLES.get(name, Style())
        serial = pc.utf8_lpad(pc.cast(pa.array(np.arange(1, b - a + 1)), pa.string()), width, "0")
        record_id = pc.binary_join_element_wise(f"{t.prefixes[d]}-{rid}", serial, "-")
        table = _file_table(rec, slice(a, b), t, rid, record_id, style)
        rel = f"rounds/{rid}/{c.slugs[d]}.csv"
        _write_table(out_dir / rel, table, bom=style.bom and (rid, name) not in NO_BOM_FILES, gb18030=(rid, name) in GB18030_FILES)
        files.append(rel)
        per_round[rid] += b - a
        breach_ids.extend(record_id.take(pa.array(np.flatnonzero(rec.breach[a:b]))).to_pylist())
    return Written(files=files, per_round=per_round, breach_ids=breach_ids)


def _file_table(rec: Records, sl: slice, t: Texts, rid: str, record_id: pa.Array, style: Style) -> pa.Table:
    """The records ``sl`` of one file as text columns, headers in the style's language."""
    dates = t.dates[style.dates]
    item = rec.item[sl]
    cols = [
        record_id,
        strings([rid]).take(pa.array(np.zeros(sl.stop - sl.start, dtype=np.int64))),
        dates.take(pa.array(rec.day[sl])),
        t.dest.take(pa.array(rec.dest[sl])),
        t.unit.take(pa.array(rec.unit[sl])),
        t.source.take(pa.array(rec.source[sl])),
        t.cat.take(pa.array(rec.cat[sl])),
        t.group.take(pa.array(rec.group[sl])),
        t.aid[style.chinese_aid].take(pa.array(rec.aid[sl])),
        take(t.item, item),
        take(t.qty, np.where(item >= 0, rec.qty[sl], -1)),
        take(t.item_unit, item),
        amount_strings(rec.amount[sl], style.fixed_cents),
        take(t.ref, rec.ref[sl]),
        take(dates, rec.filed_day[sl]),
        take(t.note, rec.note[sl]),
    ]
    names = [zh if style.chinese_header else en for en, zh in COLUMNS]
    return pa.table(dict(zip(names, cols, strict=True)))


def _write_table(path: Path, table: pa.Table, bom: bool, gb18030: bool = False) -> None:
    if gb18030:  # what Excel's plain "CSV" writes on Chinese Windows: no BOM
        sink = io.BytesIO()
        pacsv.write_csv(table, sink, CSV_OPTIONS)
        atomic_write(path, sink.getvalue().decode("utf-8").encode("gb18030"))
        return
    with _replacing(path) as handle:
        if bom:
            handle.write(BOM)
        pacsv.write_csv(table, handle, CSV_OPTIONS)


@contextmanager
def _replacing(path: Path) -> Iterator[BinaryIO]:
    """A handle whose content replaces ``path`` when the block succeeds.

    ``atomic_write`` for content written as a stream: the same temp file
    beside the target, permissions and rename. ``atomic_write`` takes the
    whole file as bytes; a district's file at a million records is tens of
    MB, which pyarrow writes out batch by batch, so the round files stream
    into the temp file instead of being built in memory first.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.tmp-")  # created 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            if hasattr(os, "fchmod"):
                os.fchmod(handle.fileno(), 0o666 & ~current_umask())
            yield handle
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_allocations(out_dir: Path, s: Setup, alloc: Allocations) -> str:
    """``allocations.csv``: one line per fund source and destination, yuan with cents."""
    lines = ["fund_source,district,amount_yuan"]
    for p, fen in enumerate(alloc.allocated.tolist()):  # pairs, not records
        src, d = divmod(p, s.D)
        lines.append(f"{s.c.sources[src]},{s.c.destinations[d]},{fen // 100}.{fen % 100:02d}")
    atomic_write(out_dir / "allocations.csv", BOM + ("\n".join(lines) + "\n").encode("utf-8"))
    return "allocations.csv"


def copy_campaign(out_dir: Path, campaign_path: Path) -> list[str]:
    """Copy the campaign file into out_dir unless it has one (never overwritten)."""
    target = out_dir / "campaign.toml"
    if target.exists():
        return []
    atomic_write(target, campaign_path.read_bytes())
    return ["campaign.toml"]
