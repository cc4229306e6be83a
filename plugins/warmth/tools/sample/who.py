"""Who and where: destinations, categories, recipient groups, aid types, fund
sources and disbursing units.

Every step draws per destination or category in a fixed order; changing that
order changes the sample.
"""

from __future__ import annotations

import numpy as np

from .campaign import Setup
from .draws import pick
from .records import KIND_FORCED, KIND_PROVINCIAL, Records
from .tables import (
    CASH,
    CITY_CATEGORY_BOOST,
    CITY_LEVEL,
    CITY_SOURCE_BOOST,
    CITY_UNITS,
    DEFAULT_SOURCE_WEIGHT,
    ENTERPRISE,
    HARDSHIP,
    HELP_CENTRE_SHARE,
    SOURCE_WEIGHTS,
)

CATEGORY_SPREAD = 0.25  # per destination, category weights vary by a lognormal factor


def place_records(rng: np.random.Generator, s: Setup) -> Records:
    """Destination and category of every record, in three blocks.

    First a coverage block (one record per destination and category, so every
    combination appears however small the sample), then the provincial
    delegation's visits (one enterprise and two hardship workers per county),
    then random records: destination by its weight, category by its profile
    weight times a per-destination factor (more frontline and model-worker
    visits, fewer migrant records at city level).
    """
    n, D, C = s.n, s.D, s.C
    dest = np.empty(n, dtype=np.int64)
    cat = np.empty(n, dtype=np.int64)
    kind = np.zeros(n, dtype=np.int8)
    dest[: s.n_forced] = np.repeat(np.arange(D), C)
    cat[: s.n_forced] = np.tile(np.arange(C), D)
    kind[: s.n_forced] = KIND_FORCED
    p0 = s.n_forced
    for d in s.prov_dests:
        dest[p0:p0 + 3] = d
        cat[p0:p0 + 3] = (s.prov_cats[0], s.prov_cats[1], s.prov_cats[1])
        kind[p0:p0 + 3] = KIND_PROVINCIAL
        p0 += 3
    rand = slice(p0, n)
    n_rand = n - p0

    dest[rand] = pick(rng, n_rand, s.dest_weights)
    cat_w = np.array([p.weight for p in s.profiles]) * rng.lognormal(0.0, CATEGORY_SPREAD, size=(D, C))
    if CITY_LEVEL in s.didx:
        for name, boost in CITY_CATEGORY_BOOST:
            if name in s.cidx:
                cat_w[s.didx[CITY_LEVEL], s.cidx[name]] *= boost
    rd = dest[rand]
    rc = np.empty(n_rand, dtype=np.int64)
    for d in range(D):
        idx = np.flatnonzero(rd == d)
        rc[idx] = pick(rng, len(idx), cat_w[d])
    cat[rand] = rc
    return Records(dest=dest, cat=cat, kind=kind)


def choose_groups_and_aid(rng: np.random.Generator, s: Setup, rec: Records) -> None:
    """Recipient group and aid type (cash, goods, service) by the category's profile.

    Coverage records take the category's first group and cycle its possible
    aid types over destinations; the provincial delegation gives cash to
    enterprises and hardship workers.
    """
    n = rec.n
    is_forced = rec.is_forced
    forced_pos = np.where(is_forced, rec.dest, 0)
    group = np.empty(n, dtype=np.int64)
    aid = np.empty(n, dtype=np.int64)
    for k, prof in enumerate(s.profiles):
        idx = np.flatnonzero(rec.cat == k)
        opts = np.array([s.gidx[g] for g, _ in prof.groups])
        group[idx] = opts[pick(rng, len(idx), [w for _, w in prof.groups])]
        aid_opts = np.flatnonzero(np.array(prof.aid) > 0)
        aid[idx] = pick(rng, len(idx), prof.aid)
        fidx = idx[is_forced[idx]]
        group[fidx] = opts[0]
        aid[fidx] = aid_opts[forced_pos[fidx] % len(aid_opts)]
    pidx = np.flatnonzero(rec.is_prov)
    group[pidx] = np.where(rec.cat[pidx] == s.prov_cats[0], s.gidx.get(ENTERPRISE, 0), s.gidx.get(HARDSHIP, 0))
    aid[pidx] = CASH
    rec.group, rec.aid = group, aid


def choose_fund_sources(rng: np.random.Generator, s: Setup, rec: Records) -> None:
    """Fund source by destination and category, among the sources earmarked for
    the category (the planted breaches come later).

    Coverage records cycle the allowed sources; the provincial delegation pays
    from the provincial source.
    """
    c = s.c
    src_w = np.array([SOURCE_WEIGHTS.get(name, DEFAULT_SOURCE_WEIGHT) for name in c.sources])
    source = np.empty(rec.n, dtype=np.int64)
    for d in range(s.D):
        w_d = src_w.copy()
        if c.destinations[d] == CITY_LEVEL:
            for name, boost in CITY_SOURCE_BOOST.items():
                if name in c.sources:
                    w_d[c.sources.index(name)] *= boost
        in_d = rec.dest == d
        for k in range(s.C):
            idx = np.flatnonzero(in_d & (rec.cat == k))
            opts = np.array(s.allowed[k])
            source[idx] = opts[pick(rng, len(idx), w_d[opts])]
    fidx = np.flatnonzero(rec.is_forced)
    for k in range(s.C):
        sel = fidx[rec.cat[fidx] == k]
        opts = np.array(s.allowed[k])
        source[sel] = opts[(rec.dest[sel] + k) % len(opts)]
    source[rec.is_prov] = s.prov_source
    rec.source = source


def choose_disbursing_units(rng: np.random.Generator, s: Setup, rec: Records) -> None:
    """The unit that paid: at city level one of the city's system unions by
    weight; elsewhere the county federation, or for some records its hardship
    centre (the federation always hosts the provincial delegation)."""
    unit = np.empty(rec.n, dtype=np.int64)
    names = rec.unit_names
    is_prov = rec.is_prov
    for d, name in enumerate(s.c.destinations):
        idx = np.flatnonzero(rec.dest == d)
        base = len(names)
        if name == CITY_LEVEL:
            names.extend(u for u, _ in CITY_UNITS)
            unit[idx] = base + pick(rng, len(idx), [w for _, w in CITY_UNITS])
        else:
            names.extend((f"{name}总工会", f"{name}困难职工帮扶中心"))
            unit[idx] = base + (rng.random(len(idx)) < HELP_CENTRE_SHARE)
            unit[idx[is_prov[idx]]] = base
    rec.unit = unit
