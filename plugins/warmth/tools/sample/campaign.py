"""Reading the campaign file, and what the generator derives from it.

The sample reads ``campaign.toml`` itself, leniently: it needs only names,
dates and earmarks, and must run on a campaign the full loader would still
reject (that is what the sample is for: data to check).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from .tables import (
    DEFAULT_DESTINATION_WEIGHT,
    DESTINATION_WEIGHTS,
    ENTERPRISE,
    HARDSHIP,
    LATE_DESTINATION,
    PROFILES,
    PROVINCIAL_COUNTIES,
    PROVINCIAL_ENTERPRISE_CATEGORY,
    PROVINCIAL_SOURCE,
    PROVINCIAL_WORKER_CATEGORY,
    UNKNOWN_PROFILE,
    Profile,
)


class SampleError(ValueError):
    """The campaign file or the arguments cannot produce sample data."""


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
    """The names, dates and earmarks of campaign file ``path``; SampleError when unusable."""
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


def _profile(category: str, groups: tuple[str, ...]) -> Profile:
    """The category's profile, keeping only groups the campaign declares."""
    prof = PROFILES.get(category, UNKNOWN_PROFILE)
    known = tuple((g, w) for g, w in prof.groups if g in groups)
    if not known:
        known = ((groups[0], 1.0),)
    return Profile(prof.weight, known, prof.aid, prof.cash, prof.goods, prof.services, prof.notes)


@dataclass(frozen=True)
class Setup:
    """The campaign as the generator uses it: sizes, name → code maps, and the
    codes of the destinations, sources and categories with a planted story.

    Codes are positions in the campaign's lists; -1 (or an empty list) where
    the campaign lacks the name, which switches that story off.
    """

    c: Campaign
    n: int  # records to write
    D: int  # destinations
    C: int  # categories
    G: int  # recipient groups
    S: int  # fund sources
    R: int  # rounds
    gidx: dict[str, int]
    cidx: dict[str, int]
    didx: dict[str, int]
    profiles: tuple[Profile, ...]  # per category
    dest_weights: np.ndarray  # per destination: relative number of records
    prov_source: int  # the provincial delegation's fund source
    prov_cats: tuple[int | None, int | None]  # its (enterprise, worker) categories
    prov_dests: tuple[int, ...]  # the counties it visits
    late_dest: int  # the destination without reports after round 1
    regular: tuple[int, ...]  # sources other than the provincial one
    allowed: tuple[tuple[int, ...], ...]  # per category: regular sources earmarked for it

    @property
    def n_forced(self) -> int:
        """Coverage records: one per destination and category."""
        return self.D * self.C

    @property
    def n_prov(self) -> int:
        """The provincial delegation's records: 3 per county visited."""
        return 3 * len(self.prov_dests)


def prepare(c: Campaign, records: int) -> Setup:
    """Derive the generator's view of campaign ``c``; check ``records`` is enough."""
    D, C, G, S, R = len(c.destinations), len(c.categories), len(c.groups), len(c.sources), len(c.rounds)
    gidx = {g: i for i, g in enumerate(c.groups)}
    cidx = {name: i for i, name in enumerate(c.categories)}
    didx = {name: i for i, name in enumerate(c.destinations)}

    prov_source = c.sources.index(PROVINCIAL_SOURCE) if PROVINCIAL_SOURCE in c.sources else -1
    prov_cats = (cidx.get(PROVINCIAL_ENTERPRISE_CATEGORY), cidx.get(PROVINCIAL_WORKER_CATEGORY))
    prov_dests = tuple(didx[name] for name in PROVINCIAL_COUNTIES if name in didx)
    if prov_source < 0 or None in prov_cats or ENTERPRISE not in gidx or HARDSHIP not in gidx:
        prov_dests = ()
    regular = tuple(s for s in range(S) if s != prov_source)
    allowed = tuple(tuple(s for s in regular if name in c.earmarks[s]) or regular for name in c.categories)

    setup = Setup(
        c=c, n=records, D=D, C=C, G=G, S=S, R=R, gidx=gidx, cidx=cidx, didx=didx,
        profiles=tuple(_profile(name, c.groups) for name in c.categories),
        dest_weights=np.array([DESTINATION_WEIGHTS.get(name, DEFAULT_DESTINATION_WEIGHT) for name in c.destinations]),
        prov_source=prov_source, prov_cats=prov_cats, prov_dests=prov_dests,
        late_dest=didx.get(LATE_DESTINATION, -1) if R > 1 else -1,
        regular=regular, allowed=allowed,
    )
    minimum = setup.n_forced + setup.n_prov
    if records < minimum:
        raise SampleError(f"records must be at least {minimum} (one per destination and category)")
    return setup
