"""Where things are: the names of the files in a data folder and in a built site.

The data folder's layout is a promise to staff (README, "Data format"), and
the built site's /data/ paths a promise to auditors; both are named here once.
"""

from __future__ import annotations

from pathlib import PurePosixPath

# --- the data folder (input) -------------------------------------------------
CAMPAIGN_FILE = "campaign.toml"
ALLOCATIONS_FILE = "allocations.csv"
CORRECTIONS_FILE = "corrections.csv"
SUBMISSIONS_FILE = "submissions.csv"
ROUNDS_DIR = "rounds"
LEDGER_FILE = "ledger.jsonl"
SEALED_DIR = "sealed"

# --- the built site (output) ---------------------------------------------------
DATA_DIR = "data"  # the downloads: /data/…
SUMS_FILE = "SHA256SUMS"
# A folder is taken for a previous build (and may be replaced) only when it holds this file.
OUTPUT_MARKER = PurePosixPath(DATA_DIR) / SUMS_FILE
