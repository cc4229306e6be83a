"""Last checks of a built site before it is swapped in: nothing fetched from
another host, and no personal data in any page text.
"""

from __future__ import annotations

import html
import os
import re
from pathlib import Path

import pandas as pd

from warmth.pii.detect import scan_series
from warmth.site.search_index import BUNDLE

# src/href of elements the browser fetches by itself (a plain <a href> is fine)
_FETCHED = re.compile(
    r"<(?:img|script|link|iframe|frame|source|video|audio|embed|object|track|input)\b[^>]*?\b(?:src|href|data|srcset)\s*=\s*[\"']?([^\"' >]+)",
    re.I,
)
_CSS_URL = re.compile(r"(?:url\(\s*[\"']?|@import\s+[\"'])([^\"')\s]+)", re.I)
_EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.I)


def _files(site: Path, suffixes: tuple[str, ...]) -> list[Path]:
    """The site's files with one of ``suffixes``, in a fixed order, but for the search bundle, which Pagefind
    writes while these checks run (site/search_index.py)."""
    found = []
    for folder, subfolders, files in os.walk(site):
        if Path(folder) == site and BUNDLE in subfolders:
            subfolders.remove(BUNDLE)  # never walked into: Pagefind may be adding or removing files there
        found.extend(Path(folder) / name for name in files if Path(name).suffix in suffixes)
    return sorted(found)


def third_party_requests(site: Path) -> list[tuple[str, str]]:
    """(page, URL) for every resource a built page would fetch from another host."""
    found = []
    for path in _files(site, (".html", ".css", ".svg")):
        text = path.read_text(encoding="utf-8", errors="replace")
        for url in _FETCHED.findall(text) + _CSS_URL.findall(text):
            if _EXTERNAL.match(url.strip()):
                found.append((path.relative_to(site).as_posix(), url))
    return found


_HEX = re.compile(r"(?<![0-9A-Za-z])[0-9a-f]{32,64}(?![0-9A-Za-z])")
# How pages print a checksum or key fingerprint short: a SHA-256's first 12 hex digits and "…" (beside each
# download), the key's first 16 in groups of four (ledger/signing.py short_fingerprint)
_SHORT = re.compile(r"(?<![0-9A-Za-z])(?:[0-9a-f]{12}…|[0-9a-f]{4}(?:-[0-9a-f]{4}){3}(?![0-9A-Za-z-]))")
# How the ledger page prints a line's signature: Ed25519 (64 bytes) in standard base64
_SIGNATURE = re.compile(r"(?<![0-9A-Za-z+/])[0-9A-Za-z+/]{86}==")


def shown_short(site: Path) -> frozenset[str]:
    """The short forms of the site's own checksums (every SHA-256 its checksum files under /data/ list) and of its
    ledger key's fingerprint, and its ledger's signatures, as the pages print them: "098655706612…" looks like a
    landline number to the scan, a signature may hold a mobile number's digits."""
    import json

    from warmth.core.files import published_digests
    from warmth.core.layout import DATA_DIR, LEDGER_FILE, PUBLIC_KEY_FILE
    from warmth.ledger.chain import SIGNATURE
    from warmth.ledger.signing import fingerprint, short_fingerprint

    data = site / DATA_DIR
    shown = {sha[:12] + "…" for sha in published_digests(data).values()}
    if (data / PUBLIC_KEY_FILE).is_file():
        shown.add(short_fingerprint(fingerprint((data / PUBLIC_KEY_FILE).read_bytes())))
    if (data / LEDGER_FILE).is_file():
        for line in (data / LEDGER_FILE).read_text(encoding="utf-8").splitlines():
            try:
                signature = json.loads(line).get(SIGNATURE)
            except (ValueError, AttributeError):
                continue
            if isinstance(signature, str):
                shown.add(signature)
    return frozenset(shown)


def personal_data_in_pages(
    site: Path, allowed_emails: frozenset[str], allowed_phones: frozenset[str] = frozenset(), shown: frozenset[str] = frozenset()
) -> list[tuple[str, str]]:
    """(page, masked text) for every page text line that holds personal data.

    A last line of defence for text that does not come from the records
    (round narratives, the about page); the records are checked cell by cell.
    ``shown``: the exact short checksums and fingerprint the pages print (`shown_short`), passed over.
    """
    lines, pages = [], []
    for path in _files(site, (".html",)):
        text = html.unescape(re.sub(r"<[^>]+>", "\n", path.read_text(encoding="utf-8", errors="replace")))
        # recipient refs and SHA-256 checksums are hex strings, not personal data
        text = _HEX.sub(" ", text)
        if shown:
            text = _SHORT.sub(lambda m: " " if m.group(0) in shown else m.group(0), text)
            text = _SIGNATURE.sub(lambda m: " " if m.group(0) in shown else m.group(0), text)
        page = path.relative_to(site).as_posix()
        for line in text.splitlines():
            if line.strip():
                lines.append(line.strip())
                pages.append(page)
    found = scan_series(pd.Series(lines, dtype="str"), allowed_emails=allowed_emails, allowed_phones=allowed_phones)
    return [(pages[i], masked) for i, masked in zip(found["index"], found["masked"])]
