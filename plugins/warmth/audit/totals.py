"""Everything the checks need from ``disbursements.csv``, from one streamed read.

A record file may hold a million rows: it is read once, row by row, into a
`Totals` value. Each row feeds the sums, the (fund source, destination) pairs,
the campaign table's money and people, and a running SHA-256 per round and per
destination that a round's or destination's own record file is compared with.
Checks that need more from the same rows (the sealed records, the findings) pass
a `Watcher`: it sees the header, then every well-formed row, in this one read.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple, Protocol

from warmth.audit.csvfiles import CsvFiles, Unreadable, decimal
from warmth.audit.folder import RECORDS, SUMMARIES

DIMENSIONS = tuple(SUMMARIES.values())  # the columns the summaries sum by
NEEDED = ("round", "district", "fund_source", "category", "recipient_group", "aid_type", "amount_yuan", "recipient_ref")


class Sum(NamedTuple):
    records: int
    amount: Decimal


class Digest(NamedTuple):
    """The rows of one round or destination, in file order: how many, and the SHA-256 of their `row_token`s."""

    records: int
    sha256: str


class Watcher(Protocol):
    """What a check needs from the rows of disbursements.csv, collected in the one read of it."""

    def start(self, header: list[str]) -> Callable[[list[str]], None] | None:
        """Given the header: the function to call with every row of as many fields, or None to see no rows."""


def row_token(fields: list[str]) -> bytes:
    """The bytes one parsed row adds to a digest; a round's or destination's file must give the same."""
    return repr(fields).encode("utf-8", "surrogatepass")


@dataclass(frozen=True)
class Totals:
    """``disbursements.csv``, summed. Amounts are exact Decimals; rows whose amount or
    field count is wrong are named in ``bad_rows`` (their amount counts as 0; a row
    with the wrong field count is left out altogether)."""

    header: tuple[str, ...]
    sums: Mapping[str, Mapping[str, Sum]]  # dimension (a column in DIMENSIONS) → value → records and amount
    pairs: Mapping[tuple[str, str], Decimal]  # (fund_source, district) → amount disbursed
    rounds: Mapping[str, Digest]  # round → its rows
    districts: Mapping[str, Digest]  # district → its rows
    aid_money: Mapping[str, Mapping[str, Decimal]]  # district → aid_type → amount
    source_money: Mapping[str, Mapping[str, Decimal]]  # district → fund_source → amount
    people: Mapping[str, int]  # district → distinct non-empty recipient_ref
    bad_rows: tuple[int, ...]  # row numbers (header = 1)

    def digests(self, key: str) -> Mapping[str, Digest]:
        """Per round (key "round") or per destination (key "district")."""
        return self.rounds if key == "round" else self.districts


def read_totals(csvs: CsvFiles, watchers: Sequence[Watcher] = ()) -> Totals:
    """Stream ``disbursements.csv`` once, showing each row to the watchers too.

    Unreadable when it is missing, lacks a column or cannot be parsed.
    """
    rows = csvs.rows(RECORDS)
    header = next(rows, None)
    missing = [c for c in NEEDED if header is None or c not in header]
    if missing:
        rows.close()
        raise Unreadable(f"{RECORDS}: 缺少列 / lacks columns {', '.join(missing)}")
    at = {c: header.index(c) for c in NEEDED}
    amount_at, district_at, source_at, aid_at, ref_at, round_at = (
        at["amount_yuan"], at["district"], at["fund_source"], at["aid_type"], at["recipient_ref"], at["round"]
    )
    sums = [(dim, at[dim], defaultdict(lambda: [0, Decimal(0)])) for dim in DIMENSIONS]
    pairs: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    aid_money: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    source_money: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    people: dict[str, set[str]] = defaultdict(set)
    round_hashes = defaultdict(hashlib.sha256)
    district_hashes = defaultdict(hashlib.sha256)
    round_counts: dict[str, int] = defaultdict(int)
    district_counts: dict[str, int] = defaultdict(int)
    bad: list[int] = []
    width = len(header)
    seeing = [see for see in (w.start(list(header)) for w in watchers) if see is not None]
    for number, fields in enumerate(rows, 2):
        if len(fields) != width:
            bad.append(number)
            continue
        for see in seeing:
            see(fields)
        amount = decimal(fields[amount_at])
        if amount is None:
            bad.append(number)
            amount = Decimal(0)
        for _, position, bucket in sums:
            cell = bucket[fields[position]]
            cell[0] += 1
            cell[1] += amount
        district, source, rnd = fields[district_at], fields[source_at], fields[round_at]
        pairs[(source, district)] += amount
        aid_money[(district, fields[aid_at])] += amount
        source_money[(district, source)] += amount
        if fields[ref_at]:
            people[district].add(fields[ref_at])
        token = row_token(fields)
        round_hashes[rnd].update(token)
        round_counts[rnd] += 1
        district_hashes[district].update(token)
        district_counts[district] += 1
    return Totals(
        header=tuple(header),
        sums={dim: {value: Sum(*cell) for value, cell in bucket.items()} for dim, _, bucket in sums},
        pairs=dict(pairs),
        rounds={r: Digest(round_counts[r], h.hexdigest()) for r, h in round_hashes.items()},
        districts={d: Digest(district_counts[d], h.hexdigest()) for d, h in district_hashes.items()},
        aid_money=_nest(aid_money),
        source_money=_nest(source_money),
        people={district: len(refs) for district, refs in people.items()},
        bad_rows=tuple(bad),
    )


def _nest(flat: Mapping[tuple[str, str], Decimal]) -> dict[str, dict[str, Decimal]]:
    nested: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for (outer, inner), value in flat.items():
        nested[outer][inner] = value
    return dict(nested)
