"""Applying the rules: recode until every rule holds, never dropping a record.

For one rule, the records in bad groups give up their generalisable dimensions
one at a time, in the rule's order. When a bad group has given up all of them,
it is the stratum's catch-all group; it then takes in the smallest other group
of its stratum, fully generalised, until it is large enough. A stratum that has
fewer than k records in all cannot be fixed: it is recorded as unavoidable and
left as it is. The rules are applied in turn until a whole pass changes
nothing; every step only generalises, so this ends.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from warmth.figures.privacy.codes import Codes, class_sizes, group_key
from warmth.figures.privacy.rules import RULES, Rule

MAX_PASSES = 50  # a guard: each pass generalises something, and real data settles in a few


@dataclass
class Outcome:
    changed: dict[str, np.ndarray] = field(default_factory=dict)  # dimension → records generalised
    unavoidable: list[tuple[str, dict[str, int], int]] = field(default_factory=list)  # (rule, stratum codes, records)


def _fully_generalised(codes: Codes, rule: Rule) -> np.ndarray:
    done = np.ones(len(codes.refs), dtype=bool)
    for dim in rule.recode:
        done &= codes.generalised(dim)
    return done


def _recodable(codes: Codes, rule: Rule) -> np.ndarray:
    """Records with a dimension left to give up (not yet generalised, not frozen by a seal)."""
    left = np.zeros(len(codes.refs), dtype=bool)
    for dim in rule.recode:
        left |= ~codes.generalised(dim) & ~codes.fixed(dim)
    return left


def _recode(codes: Codes, dim: str, which: np.ndarray, outcome: Outcome) -> None:
    which = which & ~codes.fixed(dim)  # a sealed round's published values never change
    codes.dims[dim][which] = codes.other[dim]
    outcome.changed.setdefault(dim, np.zeros(len(codes.refs), dtype=bool))[which] = True


def _merge_into_catch_all(codes: Codes, rule: Rule, bad: np.ndarray, exempt: np.ndarray, outcome: Outcome) -> tuple[bool, bool]:
    """Grow each stratum's small catch-all group by its smallest other group; exempt strata that cannot grow.

    Returns (something was recoded, a stratum was exempted).
    """
    stratum = group_key(codes, rule.stratum, ~exempt & (codes.goods if rule.goods_only else True))
    full = _fully_generalised(codes, rule)
    needy = np.unique(stratum[bad & full])
    needy = needy[needy >= 0]
    if not len(needy):
        return False, False
    in_needy = np.isin(stratum, needy)
    key = group_key(codes, rule.dims, in_needy & ~full & _recodable(codes, rule))
    sizes = class_sizes(key)
    candidates = np.flatnonzero(key >= 0)
    changed = False
    if len(candidates):
        frame = pd.DataFrame({"stratum": stratum[candidates], "size": sizes[candidates], "key": key[candidates]})
        smallest = frame.sort_values(["stratum", "size", "key"], kind="stable").drop_duplicates("stratum")
        chosen = np.isin(key, smallest["key"].to_numpy())
        for dim in rule.recode:
            _recode(codes, dim, chosen & ~codes.generalised(dim), outcome)
        changed = bool(chosen.any())
        needy = np.setdiff1d(needy, smallest["stratum"].to_numpy())
    for s in needy.tolist():  # nothing left to merge: the stratum itself is below k
        members = stratum == s
        exempt |= members
        first = int(np.flatnonzero(members)[0])
        outcome.unavoidable.append((rule.name, {d: int(codes[d][first]) for d in rule.stratum}, int(members.sum())))
    return changed, bool(len(needy))


def apply_rule(codes: Codes, rule: Rule, k: int, outcome: Outcome) -> bool:
    """Recode until ``rule`` holds; True if anything changed."""
    exempt = np.zeros(len(codes.refs), dtype=bool)
    changed = False
    while True:
        bad = rule.bad(codes, k, exempt)
        if not bad.any():
            return changed
        for dim in rule.recode:
            todo = bad & ~codes.generalised(dim) & ~codes.fixed(dim)
            if todo.any():
                _recode(codes, dim, todo, outcome)
                changed = True
                break
        else:
            stuck = bad & ~_fully_generalised(codes, rule)  # values a seal froze: nothing here can change them
            if stuck.any():
                exempt |= stuck
                outcome.unavoidable.append((rule.name, {}, int(stuck.sum())))
                continue
            recoded, exempted = _merge_into_catch_all(codes, rule, bad, exempt, outcome)
            if not (recoded or exempted):
                return changed
            changed |= recoded


def enforce(codes: Codes, k: int) -> Outcome:
    """Apply every rule in turn until none changes anything."""
    outcome = Outcome()
    for _ in range(MAX_PASSES):
        outcome.unavoidable.clear()
        if not any([apply_rule(codes, rule, k, outcome) for rule in RULES]):
            return outcome
    raise RuntimeError("privacy rules did not settle")  # pragma: no cover - every step generalises
