"""Where things are: the names of the files in a data folder and in a built site.

The data folder's layout is a promise to staff (README, "Data format"), and
the built site's /data/ paths a promise to auditors; both are named here once.
"""

from __future__ import annotations

import json
import os
from pathlib import Path, PurePosixPath

# --- the data folder (input) -------------------------------------------------
CAMPAIGN_FILE = "campaign.toml"
ALLOCATIONS_FILE = "allocations.csv"
CORRECTIONS_FILE = "corrections.csv"
SUBMISSIONS_FILE = "submissions.csv"
REDACTIONS_FILE = "redactions.csv"
ROUNDS_DIR = "rounds"
LEDGER_FILE = "ledger.jsonl"
SEALED_DIR = "sealed"
# the union's Ed25519 public key for the ledger's signatures (committed in data/, published at /data/ under the same name)
PUBLIC_KEY_FILE = "ledger-public-key.pem"

# --- the built site (output) ---------------------------------------------------
DATA_DIR = "data"  # the downloads: /data/…
SUMS_FILE = "SHA256SUMS"
HEADS_FILE = "ledger-heads.txt"  # one line per ledger line: the head hash after it, its date, round and kind
CAMPAIGN_JSON_FILE = "campaign.json"  # the declared campaign, for the auditor's re-computation of findings
KIT_FILE = "verify.py"  # the auditor's check, one standard-library file
ARCHIVE_FILE = "all.zip"  # every other download in one zip; not in SHA256SUMS (it holds SHA256SUMS)
ARCHIVE_SUM_FILE = "all.zip.sha256"  # all.zip's SHA-256, sha256sum -c form
SUMS_PATH = PurePosixPath(DATA_DIR) / SUMS_FILE  # written last by every build
# The build's own mark at the root of every site it builds (never under /data/,
# never in SHA256SUMS). Only a folder holding it is taken for a previous build
# and replaced; a folder that merely holds data/SHA256SUMS (an auditor's copy of
# the downloads, say) is not.
BUILD_MARKER = ".warmth-build"
MARKER_FORMAT = "warmth-build"
MARKER_VERSION = 1
_MARKER_MAX = 4096


def marker_bytes() -> bytes:
    """The marker's content: a format name and version (no time: builds stay byte-identical)."""
    return (json.dumps({"format": MARKER_FORMAT, "version": MARKER_VERSION}, sort_keys=True) + "\n").encode()


def is_marked_build(folder: Path) -> bool:
    """``folder`` holds the build's marker: a regular file with the marker format (any version)."""
    path = Path(folder) / BUILD_MARKER
    try:
        if path.is_symlink() or not path.is_file():
            return False
        with open(path, "rb") as handle:
            content = json.loads(handle.read(_MARKER_MAX + 1)[:_MARKER_MAX])
    except (OSError, ValueError):
        return False
    return isinstance(content, dict) and content.get("format") == MARKER_FORMAT and isinstance(content.get("version"), int)


def looks_like_site(folder: Path) -> bool:
    """A built site, or something that looks like one (its marker, or data/SHA256SUMS).

    Enough to refuse writing keys, reports and staff-only lists there; never
    enough to replace the folder (that takes the marker, `is_marked_build`).
    """
    folder = Path(folder)
    return (folder / BUILD_MARKER).is_file() or (folder / SUMS_PATH).is_file()



def inside_built_site(path: Path) -> bool:
    """Inside a folder named ``output`` (or ``output.*``), or inside something that looks like a built site.

    Keys, real-name tables and staff-only lists must never be written there.
    """
    for resolved in {Path(os.path.abspath(path)), Path(path).resolve()}:  # as written, and through symlinks
        for folder in resolved.parents:
            if folder.name == "output" or folder.name.startswith("output."):
                return True
            if looks_like_site(folder):
                return True
    return False
