"""warmth: a Pelican plugin that publishes the relief campaign's disbursements.

The pipeline, one subpackage per stage (README, "How it is built"):

    core/ pii/  →  intake/  →  ledger/  →  figures/  →  downloads/ + site/  →  staff/ audit/ tools/ cli

`register` is the whole Pelican entry point: it connects the site generator
and the sanitiser of staff-written content pages.
"""

from __future__ import annotations


def register() -> None:
    from pelican import signals

    from warmth.site.generator import add_filters, get_generators, sanitize_content

    signals.get_generators.connect(get_generators)
    signals.generator_init.connect(add_filters)
    signals.content_object_init.connect(sanitize_content)
