"""The people behind the records: who comes back, who has a hardship file,
and whose reference is left blank."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .campaign import Setup
from .records import Records
from .tables import (
    CROSS_DESTINATION_SHARE,
    DEFAULT_RECORDS_PER_PERSON,
    FILED_SHARE,
    HARDSHIP,
    RECORDS_PER_PERSON,
    REF_MISSING_SHARE,
)

FILED_SKEW = 0.6  # file dates lean towards the person's first aid


def choose_people(rng: np.random.Generator, s: Setup, rec: Records) -> None:
    """The person each record helps.

    People live in strata of (group, destination), sized so each person gets
    about RECORDS_PER_PERSON records; a record picks one at random. A few
    hardship workers are helped outside their home destination. Persons are
    then numbered 0 .. n_people-1 in stratum order.
    """
    D = s.D
    stratum = rec.group * D + rec.dest
    counts = np.bincount(stratum, minlength=s.G * D)
    rate = np.array([RECORDS_PER_PERSON.get(g, DEFAULT_RECORDS_PER_PERSON) for g in s.c.groups])
    n_persons = np.maximum(1, np.ceil(counts / np.repeat(rate, D))).astype(np.int64)
    offsets = np.concatenate(([0], np.cumsum(n_persons)[:-1]))
    person = offsets[stratum] + (rng.random(rec.n) * n_persons[stratum]).astype(np.int64)
    if HARDSHIP in s.gidx:
        g = s.gidx[HARDSHIP]
        away = np.flatnonzero((rec.group == g) & ~rec.is_prov & (rng.random(rec.n) < CROSS_DESTINATION_SHARE))
        other = g * D + rng.integers(0, D, size=len(away))
        person[away] = offsets[other] + (rng.random(len(away)) * n_persons[other]).astype(np.int64)
    used, rec.person = np.unique(person, return_inverse=True)
    rec.n_people = len(used)


@dataclass
class HardshipFiles:
    """Per person: the group, the day of the first aid, whether a hardship
    file exists and the day it was opened (days since FILED_FROM)."""

    group: np.ndarray
    first_day: np.ndarray
    has_file: np.ndarray
    filed: np.ndarray

    def per_record(self, rec: Records) -> np.ndarray:
        """The file day of every record's person, -1 where there is no file."""
        return np.where(self.has_file, self.filed, -1)[rec.person]


def open_hardship_files(rng: np.random.Generator, s: Setup, rec: Records) -> HardshipFiles:
    """Hardship files: every hardship worker has one, and a share of children
    and migrant workers; each was opened before the person's first aid, and
    all of a person's records carry the same date."""
    n_people = rec.n_people
    group = np.empty(n_people, dtype=np.int64)
    group[rec.person] = rec.group
    first_day = np.full(n_people, np.iinfo(np.int64).max)
    np.minimum.at(first_day, rec.person, rec.day)

    has_file = np.zeros(n_people, dtype=bool)
    draw = rng.random(n_people)
    for name, share in FILED_SHARE.items():
        if name in s.gidx:
            has_file |= (group == s.gidx[name]) & (draw < share)
    filed = (rng.random(n_people) ** FILED_SKEW * first_day).astype(np.int64)
    if HARDSHIP in s.gidx:
        has_file[group == s.gidx[HARDSHIP]] = True
    return HardshipFiles(group=group, first_day=first_day, has_file=has_file, filed=filed)


def blank_some_refs(rng: np.random.Generator, rec: Records) -> None:
    """The recipient reference is the person, left blank on a few records."""
    ref = rec.person.copy()
    ref[rng.random(rec.n) < REF_MISSING_SHARE] = -1
    rec.ref = ref
