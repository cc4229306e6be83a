"""Where things are: the names of the files in a data folder and in a built site.

The data folder's layout is a promise to staff (README, "Data format"), and
the built site's /data/ paths a promise to auditors; both are named here once.
"""

from __future__ import annotations

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

# --- the built site (output) ---------------------------------------------------
DATA_DIR = "data"  # the downloads: /data/…
SUMS_FILE = "SHA256SUMS"
CAMPAIGN_JSON_FILE = "campaign.json"  # the declared campaign, for the auditor's re-computation of findings
KIT_FILE = "verify.py"  # the auditor's check, one standard-library file
# A folder is taken for a previous build (and may be replaced) only when it holds this file.
OUTPUT_MARKER = PurePosixPath(DATA_DIR) / SUMS_FILE


def inside_built_site(path: Path) -> bool:
    """Inside a folder named ``output`` (or ``output.*``), or inside a previous site build.

    Keys, real-name tables and staff-only lists must never be written there.
    """
    for resolved in {Path(os.path.abspath(path)), Path(path).resolve()}:  # as written, and through symlinks
        for folder in resolved.parents:
            if folder.name == "output" or folder.name.startswith("output."):
                return True
            if (folder / OUTPUT_MARKER).is_file():
                return True
    return False
