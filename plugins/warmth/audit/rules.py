"""The campaign's rules re-computed from what is published: the records, allocations.csv and campaign.json.

The rules and what the public data allows (README, "Findings"):

- over-allocation, unspent-balance: money per fund source × destination, from
  the records, against allocations.csv — exactly (unspent only once the
  campaign is closed, and not for a destination with a report missing; when
  dates of arrival are kept but not published, a destination with a round
  without records may have either, and its balance is only checked to be right);
- earmark: records whose published category is outside their fund source's
  list — exactly; records published as 其他 hide their category, so their row
  (one per destination × source, no record ids) is checked only against the
  其他 records it could be;
- missing-report, late-report: records per round × destination — exactly when
  staff keep no dates of arrival; when they do, those dates are not published
  and only bounds are checked;
- file-first-missing, file-first-late (need filed_on) and the fairness rules
  (need recipient_ref): those columns are withheld, so these cannot be
  re-computed; findings.py checks them for consistency and says so.

`RuleInputs` collects, in the one read of disbursements.csv, everything this needs;
`expected` makes the findings the exact rules give. Money is Decimal throughout.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from typing import NamedTuple

from warmth.audit.csvfiles import decimal
from warmth.audit.declared import Declared
from warmth.audit.totals import Totals

SEVERITY = {
    "over-allocation": "high", "unspent-balance": "medium", "earmark": "high", "file-first-missing": "medium",
    "file-first-late": "high", "fairness-multi-district": "medium", "fairness-repeat": "low", "late-report": "medium",
    "missing-report": "high",
}
NEEDS = {  # rules that need a withheld column
    "file-first-missing": "filed_on", "file-first-late": "filed_on",
    "fairness-multi-district": "recipient_ref", "fairness-repeat": "recipient_ref",
}
ID_LIMIT = 50  # over-allocation lists the first 50 record ids, in order
SPARE = 1000  # over-allocation keeps at most this many candidate ids per pair before trimming


class Finding(NamedTuple):
    rule: str
    district: str
    fund_source: str
    records: int
    amount: Decimal
    record_ids: str  # space-separated, sorted


class Tally:
    """Records and money of one group."""

    __slots__ = ("records", "amount")

    def __init__(self) -> None:
        self.records = 0
        self.amount = Decimal(0)

    def add(self, amount: Decimal) -> None:
        self.records += 1
        self.amount += amount


class RuleInputs:
    """A `Watcher`: what the rules need from disbursements.csv, and the rows of the record ids findings.csv names."""

    def __init__(self, declared: Declared, wanted: set[str]) -> None:
        self.declared = declared
        self.wanted = wanted
        self.pair_ids: dict[tuple[str, str], list[str]] = defaultdict(list)  # (source, destination) → smallest ids
        self.pair_count: dict[tuple[str, str], int] = defaultdict(int)
        self.cells: dict[tuple[str, str], Tally] = defaultdict(Tally)  # (round, destination)
        self.earmark: dict[tuple[str, str, str], tuple[Tally, list[str]]] = {}  # (destination, source, category)
        self.other: dict[tuple[str, str], Tally] = defaultdict(Tally)  # (destination, source): category published as 其他
        self.hardship: dict[str, Tally] = defaultdict(Tally)  # destination: group 困难职工 or 其他
        self.listed: dict[str, tuple[str, str, str, Decimal]] = {}  # wanted id → destination, source, group, amount

    def start(self, header: list[str]) -> Callable[[list[str]], None]:
        at = {name: header.index(name) for name in ("record_id", "round", "district", "fund_source", "category", "recipient_group", "amount_yuan")}
        rid_at, round_at, dest_at, source_at, cat_at, group_at, amount_at = at.values()
        declared, other = self.declared, self.declared.other_label
        hardship = {declared.hardship_group, other}
        allowed: dict[tuple[str, str], bool] = {}

        def see(fields: list[str]) -> None:
            rid, dest, source, category = fields[rid_at], fields[dest_at], fields[source_at], fields[cat_at]
            amount = decimal(fields[amount_at]) or Decimal(0)
            pair = (source, dest)
            self.pair_count[pair] += 1
            ids = self.pair_ids[pair]
            ids.append(rid)
            if len(ids) >= SPARE:
                ids.sort()
                del ids[ID_LIMIT:]
            self.cells[(fields[round_at], dest)].add(amount)
            if category == other:
                self.other[(dest, source)].add(amount)
            else:
                ok = allowed.get((source, category))
                if ok is None:
                    ok = allowed[(source, category)] = declared.allowed(source, category)
                if not ok:
                    tally, listed = self.earmark.setdefault((dest, source, category), (Tally(), []))
                    tally.add(amount)
                    listed.append(rid)
            if fields[group_at] in hardship:
                self.hardship[dest].add(amount)
            if rid in self.wanted:
                self.listed[rid] = (dest, source, fields[group_at], amount)

        return see


def allocated_pairs(allocated: dict[tuple[str, str], Decimal], totals: Totals) -> list[tuple[str, str]]:
    """Every (fund source, destination) pair with money allocated or disbursed, in a fixed order."""
    return sorted(set(allocated) | set(totals.pairs))


def with_empty_round(inputs: RuleInputs) -> set[str]:
    """Destinations with a round that holds none of their records: a report that may be missing."""
    return {dest for dest in inputs.declared.destinations
            if any(not inputs.cells.get((rnd.id, dest), Tally()).records for rnd in inputs.declared.rounds)}


def unspent_balances(inputs: RuleInputs, totals: Totals, allocated: dict[tuple[str, str], Decimal]) -> list[Finding]:
    """Money left of each allocation once the campaign is closed, for every destination (whether its reports are in aside)."""
    if not inputs.declared.closed:
        return []
    found = []
    for pair in allocated_pairs(allocated, totals):
        source, dest = pair
        given, spent = allocated.get(pair, Decimal(0)), totals.pairs.get(pair, Decimal(0))
        if given > spent:
            found.append(Finding("unspent-balance", dest, source, 0, given - spent, ""))
    return found


def expected(inputs: RuleInputs, totals: Totals, allocated: dict[tuple[str, str], Decimal]) -> list[Finding]:
    """The findings of the rules the public data gives exactly (see the module's docstring).

    A destination with a report missing has no unspent balance (its missing report is the finding). Without
    dates of arrival a report is missing exactly when its round has none of the destination's records; with them
    (not published) such a destination's balance is left out here and bounded by findings.check_findings.
    """
    declared = inputs.declared
    incomplete = with_empty_round(inputs)
    found = []
    for pair in allocated_pairs(allocated, totals):
        source, dest = pair
        given, spent = allocated.get(pair, Decimal(0)), totals.pairs.get(pair, Decimal(0))
        if spent > given:
            ids = " ".join(sorted(inputs.pair_ids[pair])[:ID_LIMIT])
            found.append(Finding("over-allocation", dest, source, inputs.pair_count[pair], spent - given, ids))
    found += [f for f in unspent_balances(inputs, totals, allocated) if f.district not in incomplete]
    for (dest, source, _category), (tally, ids) in sorted(inputs.earmark.items()):
        found.append(Finding("earmark", dest, source, tally.records, tally.amount, " ".join(sorted(ids))))
    if not declared.report_dates_recorded:
        for dest in declared.destinations:
            for rnd in declared.rounds:
                if declared.closed and not inputs.cells.get((rnd.id, dest), Tally()).records:
                    found.append(Finding("missing-report", dest, "", 0, Decimal(0), ""))
    return found
