"""Every Pelican setting the plugin reads, declared once (README documents each;
a test checks that)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Setting:
    name: str
    default: object
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("WARMTH_DATA", "data", "Data folder: campaign.toml, allocations.csv, rounds/<round>/*.csv. Relative to WARMTH_ROOT."),
    Setting("WARMTH_CACHE", ".cache/warmth", "Cache for published record files and charts, keyed by content; empty to disable."),
    Setting("WARMTH_ROUND_NOTES", "content/rounds", "Folder of staff narratives, one <round id>.md per round."),
    Setting("WARMTH_ROOT", "", "Folder the paths above are relative to; the build sets it to the project root."),
    Setting("WARMTH_PENDING_REDACTIONS", False, "Build with redactions of sealed rounds not yet in the ledger (make redact does, then records them)."),
)

_DEFAULTS = {s.name: s.default for s in SETTINGS}


def setting(settings: dict, name: str):
    """A plugin setting from Pelican's settings, or its declared default."""
    return settings.get(name, _DEFAULTS[name])
