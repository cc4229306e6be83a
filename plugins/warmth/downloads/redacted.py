"""A sealed round's archived file with its pending redactions applied: the old bytes, the values taken out.

Nothing else in the file changes — not a correction made since sealing, not a
group the privacy model would now form differently — so an auditor who kept
the old file can check the new one by hand: the same rows and cells, except
that each redacted cell now holds what the site publishes there today
(`REDACTED_MARK`, or the label or blank the privacy model puts in that column)
and a removed record id is ``redacted-<redaction_id>``. The SHA-256 of each
value taken out is returned for the ledger; never the value.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from warmth.core.files import BOM, text_sha256
from warmth.core.problems import DataError, Problem
from warmth.core.schema import REDACTED_MARK
from warmth.downloads.records import public_table
from warmth.figures.dataset import Dataset
from warmth.intake.redactions import Redaction

ID = "record_id"


def read_rows(raw: bytes) -> list[list[str]] | None:
    """The rows of a published CSV, or None when writing them again would not give the same bytes."""
    if not raw.startswith(BOM):
        return None
    rows = list(csv.reader(io.StringIO(raw[len(BOM):].decode("utf-8"), newline="")))
    return rows if _bytes(rows) == raw else None


def _bytes(rows: list[list[str]]) -> bytes:
    """The published dialect as Arrow's CSV writer writes it: every field quoted, quotes doubled, LF."""
    text = "".join(",".join('"' + cell.replace('"', '""') + '"' for cell in row) + "\n" for row in rows)
    return BOM + text.encode("utf-8")


def _current_cells(ds: Dataset, round_id: str, keys: set[str], by_hash: set[str]) -> dict[str, dict[str, str]]:
    """What the site publishes today for the records concerned: id (or SHA-256 of the id) → column → text."""
    records = ds.records[ds.records["round"] == round_id]
    ids = records["record_id"].astype(str)
    wanted = ids.isin(keys)
    hashes = ids.map(text_sha256) if by_hash else pd.Series("", index=ids.index)
    wanted |= hashes.isin(by_hash)
    table = public_table(records.loc[wanted], ds.campaign.withheld).to_pylist()
    cells = {}
    for row, digest in zip(table, hashes[wanted]):
        cells[row[ID]] = row
        if digest:
            cells[digest] = row
    return cells


def redacted_file(ds: Dataset, round_id: str, source: Path, redactions: list[Redaction]) -> tuple[bytes, dict[str, str | None]]:
    """The archived file ``source`` with ``redactions`` (of round ``round_id``) applied.

    Returns (the new bytes, redaction id → SHA-256 of the value taken out of
    this file, or None when the file did not hold it).
    """
    raw = Path(source).read_bytes()
    rows = read_rows(raw)
    if rows is None or not rows or ID not in rows[0]:
        raise DataError([Problem.of("sealed-archive-changed", str(source), variant="rewrite", round=round_id)])
    header = rows[0]
    renames = {r.key: r.placeholder for r in ds.redactions if r.kind == "record" and r.field == ID}
    hashing = bool(renames) or any(r.by_hash for r in redactions)
    position = header.index(ID)
    originals = [row[position] for row in rows[1:]]
    hashes = [text_sha256(i) for i in originals] if hashing else [""] * len(originals)
    keys = [renames.get(h, i) for i, h in zip(originals, hashes)]  # each row's id as the site shows it today
    plain = {r.key for r in redactions if not r.by_hash}
    cells = _current_cells(ds, round_id, (set(keys) & plain) | set(renames.values()), {r.key for r in redactions if r.by_hash})
    removed: dict[str, str | None] = {}
    for r in redactions:
        if r.field not in header:
            removed[r.id] = None
            continue
        column = header.index(r.field)
        taken = None
        for n, (original, digest, key) in enumerate(zip(originals, hashes, keys), start=1):
            if not ((digest == r.key or original == renames.get(r.key)) if r.by_hash else key == r.key):
                continue
            now = (cells.get(key) or cells.get(digest)) if r.field != ID else None
            new = r.placeholder if r.field == ID else (now[r.field] if now else REDACTED_MARK)
            old = rows[n][column]
            if old and old != new:
                rows[n][column] = new
                taken = old
        removed[r.id] = text_sha256(taken) if taken is not None else None
    return _bytes(rows), removed


def pending_files(ds: Dataset) -> dict[str, tuple[bytes, dict[str, str | None]]]:
    """Every archived file of a round with pending redactions, rewritten: path under /data/ → (bytes, removed)."""
    out = {}
    for rel, (source, _size, _sha) in sorted(ds.sealed.items()):
        round_id = rel.split("/")[1]
        if round_id in ds.pending:
            out[rel] = redacted_file(ds, round_id, source, ds.pending[round_id])
    return out
