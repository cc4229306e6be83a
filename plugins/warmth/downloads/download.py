"""One published file under /data/: its path, size, SHA-256 and title."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Download:
    path: str  # relative to /data/, e.g. "summary/by-district.csv"
    bytes: int
    sha256: str
    title: str = ""
