"""``python -m warmth.audit <folder>``: what ``make verify`` runs — the standard library alone, no virtual environment."""

from warmth.audit.command import main

raise SystemExit(main())
