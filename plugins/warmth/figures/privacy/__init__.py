"""The privacy model: what is published about the records, and how it is protected.

Openness here is about money and goods (来源、数量、种类和走向), never about who
received them. Before anything is published, `protect` turns the checked
records into the published ones so that

- no published field links two records of one person (recipient refs, hardship
  file dates and, unless the campaign file allows it, notes are withheld);
- every group of records that agrees on the quasi-identifiers (destination,
  round, aid type, disbursing unit, recipient group, date as published,
  category) holds at least k records;
- no such group, taken without its categories, holds only sensitive categories;
- every cell of every published table holds 0 or at least k records (and the
  people counts of the campaign table 0 or at least k people).

It gets there by generalising, never by dropping a record: dates to weeks (and
to no date at all), small disbursing units to 其他单位, small recipient groups
and categories to 其他, rare goods to 其他物资. Destination, fund source, round and
aid type — where the money went — are never changed, so every total by them is
exact to the fen. A cell of those alone that is below k cannot be hidden
without hiding where money went; it is listed as unavoidable (README, about page).
"""

from __future__ import annotations

from warmth.figures.privacy.protect import PrivacyReport, protect

__all__ = ["PrivacyReport", "protect"]
