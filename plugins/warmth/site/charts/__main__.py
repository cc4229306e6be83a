"""``python -m warmth.site.charts``: check the chart font (the Makefile runs it after install)."""

from warmth.site.charts.fonts import main

raise SystemExit(main())
