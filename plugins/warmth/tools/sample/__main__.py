"""``python -m warmth.tools.sample``: the same as ``python -m warmth sample``."""

from .command import main

raise SystemExit(main())
