"""warmth: a Pelican plugin that publishes the relief campaign's disbursements.

Modules, one job each: campaign (the campaign file), schema (the record
format), load, validate, aggregate, pages (view models), charts, publish
(downloads), generator (Pelican glue), build (atomic site build) and cli
(staff commands).
"""

from __future__ import annotations


def register() -> None:
    from pelican import signals

    from .generator import add_filters, get_generators

    signals.get_generators.connect(get_generators)
    signals.generator_init.connect(add_filters)
