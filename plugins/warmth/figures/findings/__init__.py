"""Findings: breaches of the campaign's rules, shown openly.

A record that breaks a campaign rule (a fund source paying outside its earmark,
a hardship worker helped before a hardship file was opened, spending beyond an
allocation …) is valid data: it is published like every other record, and the
breach is listed here as a *finding*. `find` turns the typed records into one
row per finding; `summary`, `for_district` and `for_source` slice the result
for pages and the build's printed summary.

Everything is vectorised over the records (integer codes, one sort per rule);
Python runs once per finding only for rules whose findings are few (at most one
per source × destination × category, or per round × destination). The two
fairness rules can yield many findings on large data sets, so their rows and
texts are built with Arrow kernels too. Money is integer fen throughout.

Findings are computed on the ORIGINAL categories and recipient groups (as
`validate.validate_records` returns them), never on the small-group-coarsened
records: a category merged into 其他 belongs to no earmark list, and a hardship
worker merged into 其他 would escape the file-first rules. Where a finding
would reveal the original category or group of a record that coarsening hid,
the record's id is withheld (it is still counted and summed) and the text says
why; see `find`.

The result depends only on the data and the campaign file (its end date and
round deadlines) and on ``campaign_over``, which the caller decides: never on
today's date.
"""

from __future__ import annotations

from warmth.figures.findings.arrays import factorize_refs
from warmth.figures.findings.find import find, for_district, for_source, summary
from warmth.figures.findings.rules import COLUMNS, ID_LIMIT, RULE_CODES, RULES, Rule

__all__ = ["COLUMNS", "ID_LIMIT", "RULES", "RULE_CODES", "Rule", "factorize_refs", "find", "for_district", "for_source", "summary"]
