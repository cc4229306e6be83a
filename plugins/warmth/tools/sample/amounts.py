"""How much: cash amounts, goods (item, quantity, value), service values and notes.

Category by category, in campaign order, and within a category cash, then
goods, then services, then free notes: the order of the random draws.
"""

from __future__ import annotations

import numpy as np

from .campaign import Setup
from .draws import fen, pick, uniform_steps
from .records import Records
from .tables import (
    CASH,
    CENTS_SHARE,
    DEFAULT_GOODS,
    DEFAULT_PRICE_STEP_FEN,
    DEFAULT_SERVICES,
    GOODS,
    HEATING_ITEM,
    HEATING_NOTE,
    ITEM_NAMES,
    ITEMS,
    NOTE_SHARE,
    PRICE_SPREAD,
    PRICE_STEP_FEN,
    PROVINCIAL_ENTERPRISE_YUAN,
    PROVINCIAL_NOTE,
    PROVINCIAL_WORKER_YUAN,
    SERVICE,
    SERVICE_NOTE_SHARE,
    Profile,
)

COARSE_SHARE = 0.5  # cash at the profile's usual step; the rest at half of it
HEATING_SHARE = 0.5


class _Notes:
    """Note texts numbered in order of first use."""

    def __init__(self, texts: list[str]) -> None:
        self.texts = texts
        self._codes: dict[str, int] = {}

    def code(self, text: str) -> int:
        if text not in self._codes:
            self._codes[text] = len(self.texts)
            self.texts.append(text)
        return self._codes[text]


def choose_amounts_and_goods(rng: np.random.Generator, s: Setup, rec: Records) -> None:
    """Amount (fen), goods item and quantity (tenths) and note of every record.

    Goods prices vary a little by destination (one factor per destination and
    item). The provincial delegation hands over fixed sums.
    """
    n = rec.n
    rec.amount = np.zeros(n, dtype=np.int64)
    rec.item = np.full(n, -1, dtype=np.int64)
    rec.qty = np.zeros(n, dtype=np.int64)
    rec.note = np.full(n, -1, dtype=np.int64)
    notes = _Notes(rec.note_texts)
    price_factor = np.clip(rng.normal(1.0, PRICE_SPREAD, size=(s.D, len(ITEM_NAMES))), 0.9, 1.1)
    for k, prof in enumerate(s.profiles):
        in_k = rec.cat == k
        _cash(rng, prof, np.flatnonzero(in_k & (rec.aid == CASH)), rec)
        _goods(rng, prof, np.flatnonzero(in_k & (rec.aid == GOODS)), rec, price_factor, notes)
        _services(rng, prof, np.flatnonzero(in_k & (rec.aid == SERVICE)), rec, notes)
        _free_notes(rng, prof, np.flatnonzero(in_k & (rec.note < 0)), rec, notes)
    _provincial(rng, s, rec, notes)


def _cash(rng: np.random.Generator, prof: Profile, idx: np.ndarray, rec: Records) -> None:
    """Cash: round sums in the profile's range, a few with cents."""
    lo, hi, step = (fen(v) for v in prof.cash)
    vals = uniform_steps(rng, len(idx), lo, hi, step)
    coarse = rng.random(len(idx)) < COARSE_SHARE
    vals = np.where(coarse, vals, uniform_steps(rng, len(idx), lo, hi, max(1, step // 2)))
    cents = rng.random(len(idx)) < CENTS_SHARE
    vals[cents] = rng.integers(lo, hi + 1, size=int(cents.sum()))
    rec.amount[idx] = vals


def _goods(rng: np.random.Generator, prof: Profile, idx: np.ndarray, rec: Records, price_factor: np.ndarray, notes: _Notes) -> None:
    """Goods: an item of the profile, a usual quantity, value = quantity × local
    unit price (rounded to the item's price step); half the coal is noted as
    heating aid."""
    goods = prof.goods or DEFAULT_GOODS
    which = pick(rng, len(idx), [w for _, w, _ in goods])
    for j, (name, _w, base) in enumerate(goods):
        sel = idx[which == j]
        it = ITEM_NAMES.index(name)
        _unit, q_opts, q_w = ITEMS[name]
        q = np.array(q_opts)[pick(rng, len(sel), q_w)]
        step = PRICE_STEP_FEN.get(name, DEFAULT_PRICE_STEP_FEN)
        price = np.round(fen(base) * price_factor[rec.dest[sel], it] / step).astype(np.int64) * step
        rec.item[sel], rec.qty[sel] = it, q
        rec.amount[sel] = q * price // 10
        if name == HEATING_ITEM:
            heat = sel[rng.random(len(sel)) < HEATING_SHARE]
            rec.note[heat] = notes.code(HEATING_NOTE)


def _services(rng: np.random.Generator, prof: Profile, idx: np.ndarray, rec: Records, notes: _Notes) -> None:
    """Services: a kind of the profile, its value (often 0: free help), mostly
    with the service named in the note."""
    services = prof.services or DEFAULT_SERVICES
    which = pick(rng, len(idx), [sv.p for sv in services])
    for j, sv in enumerate(services):
        sel = idx[which == j]
        rec.amount[sel] = uniform_steps(rng, len(sel), fen(sv.lo), fen(sv.hi), max(1, fen(sv.step)))
        noted = sel[rng.random(len(sel)) < SERVICE_NOTE_SHARE]
        rec.note[noted] = notes.code(sv.note)


def _free_notes(rng: np.random.Generator, prof: Profile, idx: np.ndarray, rec: Records, notes: _Notes) -> None:
    """One of the profile's notes on a few records that have none yet."""
    noted = idx[rng.random(len(idx)) < NOTE_SHARE]
    codes = np.array([notes.code(t) for t in prof.notes])
    rec.note[noted] = codes[rng.integers(0, len(codes), size=len(noted))]


def _provincial(rng: np.random.Generator, s: Setup, rec: Records, notes: _Notes) -> None:
    """The provincial delegation's fixed sums, county by county."""
    ent_yuan, wrk_yuan = np.array(PROVINCIAL_ENTERPRISE_YUAN), np.array(PROVINCIAL_WORKER_YUAN)
    is_prov = rec.is_prov
    for d in s.prov_dests:
        sel = np.flatnonzero(is_prov & (rec.dest == d))
        ent = sel[rec.cat[sel] == s.prov_cats[0]]
        wrk = sel[rec.cat[sel] != s.prov_cats[0]]
        rec.amount[ent] = fen(1.0) * ent_yuan[rng.integers(0, len(ent_yuan), size=len(ent))]
        rec.amount[wrk] = fen(1.0) * wrk_yuan[rng.integers(0, len(wrk_yuan), size=len(wrk))]
        rec.note[sel] = notes.code(PROVINCIAL_NOTE)
