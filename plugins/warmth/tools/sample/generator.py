"""``generate``: the sample, step by step."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .allocations import Allocations, allocate
from .amounts import choose_amounts_and_goods
from .campaign import Setup, prepare, read_campaign
from .dates import choose_dates, choose_rounds
from .people import blank_some_refs, choose_people, open_hardship_files
from .planted import plant_earmark_breaches, plant_filing_issues
from .records import Records, order_rows
from .tables import HARDSHIP
from .who import choose_disbursing_units, choose_fund_sources, choose_groups_and_aid, place_records
from .write import Written, copy_campaign, texts, write_allocations, write_rounds

DEFAULT_RECORDS = 6000
DEFAULT_SEED = 2012


def generate(out_dir: Path, campaign_path: Path, *, records: int = DEFAULT_RECORDS, seed: int = DEFAULT_SEED) -> dict:
    """Write seeded sample data into out_dir and return a small summary.

    Writes ``rounds/<round id>/<slug>.csv`` for every round and destination
    with records, and ``allocations.csv``; copies the campaign file into
    out_dir when it has none (an existing campaign.toml is never written).
    CSV files left in ``rounds/*/`` by an earlier run and not rewritten now are
    removed. Same seed and records → byte-identical files.

    The steps share one random generator, so their order is part of the
    output: moving a step, or a draw inside one, changes every file after it
    (tests/test_sample.py compares a fresh sample with the committed data/).
    """
    out_dir = Path(out_dir)
    campaign_path = Path(campaign_path)
    s = prepare(read_campaign(campaign_path), records)
    rng = np.random.default_rng(seed)

    rec = place_records(rng, s)  # destination, category
    choose_groups_and_aid(rng, s, rec)
    choose_fund_sources(rng, s, rec)
    choose_rounds(rng, s, rec)
    choose_dates(rng, s, rec)
    choose_people(rng, s, rec)
    files = open_hardship_files(rng, s, rec)
    plant_filing_issues(rng, s, rec, files)
    rec.filed_day = files.per_record(rec)
    blank_some_refs(rng, rec)
    choose_amounts_and_goods(rng, s, rec)
    choose_disbursing_units(rng, s, rec)
    plant_earmark_breaches(rng, s, rec)
    alloc = allocate(rng, s, rec)
    order_rows(rng, rec)

    written = write_rounds(out_dir, s, rec, texts(s, rec, seed))
    extra = [write_allocations(out_dir, s, alloc), *copy_campaign(out_dir, campaign_path)]
    return _summary(s, rec, alloc, written, extra, seed)


def _summary(s: Setup, rec: Records, alloc: Allocations, written: Written, extra: list[str], seed: int) -> dict:
    """What was written, and where the planted problems are (the tests check them)."""
    c = s.c

    def pair(p: int) -> dict | None:
        if p < 0:
            return None
        src, d = divmod(p, s.D)
        return {"fund_source": c.sources[src], "district": c.destinations[d],
                "allocated_fen": int(alloc.allocated[p]), "disbursed_fen": int(alloc.disbursed[p])}

    hw_rows = rec.group == s.gidx.get(HARDSHIP, -1)
    return {
        "records": rec.n,
        "seed": seed,
        "rounds": written.per_round,
        "files": written.files + extra,
        "missing_reports": [f"rounds/{c.rounds[r]}/{c.slugs[s.late_dest]}.csv" for r in range(1, s.R)] if s.late_dest >= 0 else [],
        "planted": {
            "earmark_breaches": len(written.breach_ids),
            "earmark_breach_examples": sorted(written.breach_ids)[:5],
            "filed_on_missing_records": int((hw_rows & (rec.filed_day < 0)).sum()),
            "filed_on_late_records": int((hw_rows & (rec.filed_day > rec.day)).sum()),
            "exactly_spent": pair(alloc.exact_pair),
            "over_spent": pair(alloc.over_pair),
        },
    }
