"""Seeded synthetic disbursement data (示例数据) for the 送温暖 disclosure site.

``generate()`` writes what districts would send: ``rounds/<round>/<slug>.csv``
in the record format of the README, plus ``allocations.csv``. The same seed and
record count always give byte-identical files. Everything is vectorised with
numpy and pyarrow, so a million records take a few seconds.

The data are realistic but invented, and they carry planted problems for the
findings page: a few fund sources used outside their earmarked categories, a
few hardship workers helped before (or without) a hardship file, one
over-spent allocation, and 沐川县 without its second-round report.

The package uses nothing of warmth but ``warmth.core`` (the record format and
the file writer)::

    python -m warmth sample --out data --records 6000 --seed 2012

Modules, in the order ``generate`` uses them:

- ``tables``: what the generator knows (weights, category profiles, goods,
  district file styles); ``campaign``: reading campaign.toml and deriving codes;
- the steps: ``who`` (destination, category, group, aid type, fund source,
  disbursing unit), ``dates`` (round, date), ``people`` (persons, hardship
  files, refs), ``amounts`` (cash, goods, services, notes), ``planted`` (rule
  breaches), ``allocations``; ``records`` holds their arrays, ``draws`` small
  random helpers;
- ``text`` and ``write``: codes to text, and the files;
- ``generator`` (``generate``), ``command`` (``main``).
"""

from .campaign import SampleError
from .command import main
from .generator import DEFAULT_RECORDS, DEFAULT_SEED, generate

__all__ = ["DEFAULT_RECORDS", "DEFAULT_SEED", "SampleError", "generate", "main"]
