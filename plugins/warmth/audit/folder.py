"""The published /data/ folder as an auditor has it: the names of its files, its files, their SHA-256.

Nothing here writes; a file's hash is computed once, reading it in chunks.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

SUMS = "SHA256SUMS"
PACKAGE = "datapackage.json"
RECORDS = "disbursements.csv"
ALLOCATIONS = "allocations.csv"
ALLOC_VS = "summary/allocated-vs-disbursed.csv"
CAMPAIGN_TABLE = "summary/campaign-table.csv"
LEDGER = "ledger.jsonl"
CORRECTIONS = "corrections.csv"
FINDINGS = "findings.csv"
CAMPAIGN = "campaign.json"  # the declared campaign: names, earmarks, rounds and deadlines, closed or not
KIT = "verify.py"  # this program, bundled into one file
ARCHIVE = "all.zip"  # every file below in one zip
ARCHIVE_SUM = "all.zip.sha256"  # its SHA-256: the zip holds SHA256SUMS, so SHA256SUMS cannot list it
BESIDE = (ARCHIVE, ARCHIVE_SUM)  # published beside the files SHA256SUMS lists
# derived folders for the site's browser features (receipt lookup, filters): each has its own
# SHA256SUMS, which the top one lists; their files are not datapackage resources
DERIVED = ("lookup", "browse")
# each summary file and the column of disbursements.csv it sums by
SUMMARIES = {
    "summary/by-district.csv": "district",
    "summary/by-fund-source.csv": "fund_source",
    "summary/by-category.csv": "category",
    "summary/by-recipient-group.csv": "recipient_group",
    "summary/by-aid-type.csv": "aid_type",
    "summary/by-round.csv": "round",
}
# files a file manager or an unzip tool may leave in a downloaded folder
LITTER = {".DS_Store", "Thumbs.db", "desktop.ini"}
CHUNK = 1 << 20  # bytes read at a time


def safe_path(rel: str) -> bool:
    """A relative path that stays inside the folder: no '..', no absolute path, no backslash."""
    return bool(rel) and "\\" not in rel and not rel.startswith("/") and all(p not in ("", ".", "..") for p in rel.split("/"))


class DataFolder:
    """The files under /data/ (relative POSIX paths, sorted) and, set apart, the litter."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.files: list[str] = []
        self.litter: list[str] = []
        for file in sorted(p for p in self.path.rglob("*") if p.is_file()):
            rel = file.relative_to(self.path).as_posix()
            (self.litter if file.name in LITTER or file.name.startswith("._") else self.files).append(rel)
        self._digests: dict[str, tuple[int, str]] = {}

    def exists(self, rel: str) -> bool:
        return safe_path(rel) and (self.path / rel).is_file()

    def digest(self, rel: str) -> tuple[int, str]:
        """(bytes, SHA-256 hex) of a file, computed once."""
        if rel not in self._digests:
            h = hashlib.sha256()
            size = 0
            with open(self.path / rel, "rb") as handle:
                while chunk := handle.read(CHUNK):
                    h.update(chunk)
                    size += len(chunk)
            self._digests[rel] = (size, h.hexdigest())
        return self._digests[rel]

    def csv_files(self) -> list[str]:
        return [rel for rel in self.files if rel.endswith(".csv") and rel.split("/", 1)[0] not in DERIVED]
