"""The records being generated: one code array per column, filled step by step."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np

KIND_RANDOM, KIND_FORCED, KIND_PROVINCIAL = 0, 1, 2


def _unset() -> np.ndarray:
    return np.zeros(0, dtype=np.int64)


@dataclass
class Records:
    """Per-record codes, each an array of length n.

    Codes index the campaign's lists (``dest`` → destinations, ``cat`` →
    categories, ...) or the text tables built at writing; -1 leaves the cell
    empty (``item``, ``note``, ``ref``, ``filed_day``). Days count from
    ``FILED_FROM``; amounts are in fen, quantities in tenths.
    """

    dest: np.ndarray
    cat: np.ndarray
    kind: np.ndarray  # KIND_RANDOM, KIND_FORCED (the coverage block) or KIND_PROVINCIAL
    group: np.ndarray = field(default_factory=_unset)
    aid: np.ndarray = field(default_factory=_unset)
    source: np.ndarray = field(default_factory=_unset)
    rnd: np.ndarray = field(default_factory=_unset)
    day: np.ndarray = field(default_factory=_unset)
    person: np.ndarray = field(default_factory=_unset)  # 0 .. n_people-1
    filed_day: np.ndarray = field(default_factory=_unset)
    ref: np.ndarray = field(default_factory=_unset)  # the person, or -1 (no ref written)
    amount: np.ndarray = field(default_factory=_unset)
    item: np.ndarray = field(default_factory=_unset)
    qty: np.ndarray = field(default_factory=_unset)
    note: np.ndarray = field(default_factory=_unset)
    unit: np.ndarray = field(default_factory=_unset)
    breach: np.ndarray = field(default_factory=_unset)  # bool: a planted earmark breach
    # Text behind the codes that the steps invent (the campaign's lists hold the rest).
    n_people: int = 0
    note_texts: list[str] = field(default_factory=list)
    unit_names: list[str] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.dest)

    @property
    def is_forced(self) -> np.ndarray:
        return self.kind == KIND_FORCED

    @property
    def is_prov(self) -> np.ndarray:
        return self.kind == KIND_PROVINCIAL

    def reorder(self, perm: np.ndarray) -> None:
        """Put every per-record array in the order ``perm``."""
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray):
                setattr(self, f.name, value[perm])


def order_rows(rng: np.random.Generator, rec: Records) -> None:
    """Sort the records by round, destination and date (ties at random): the
    order of the files and of the serial numbers in record ids."""
    perm = np.lexsort((rng.random(rec.n), rec.day, rec.dest, rec.rnd))
    rec.reorder(perm)
