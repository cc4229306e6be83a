"""Publish: every download under /data/, byte-stable, with sizes and SHA-256.

The record files come from downloads/records.py (cached by content), the small
tables from downloads/tables.py, the description and campaign.json from
downloads/package.py, the auditor's verify.py from downloads/kit.py; sealed
rounds are published exactly as archived. Every CSV and .xlsx cell is then
read back (downloads/plain.py: nothing a spreadsheet would run as a formula).
SHA256SUMS is written after every file it lists; all.zip, which holds them all
and SHA256SUMS too, comes last, with its own checksum (downloads/archive.py).
Compressing it is seconds of DEFLATE, which releases the GIL: it runs in a
thread while the pages are written (`Published.archive` waits for it).
"""

from __future__ import annotations

import hashlib
import shutil
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from warmth.core.files import atomic_write
from warmth.core.layout import CAMPAIGN_JSON_FILE, DATA_DIR, HEADS_FILE, KIT_FILE, LEDGER_FILE, PUBLIC_KEY_FILE, SUMS_FILE
from warmth.downloads.archive import publish_archive
from warmth.downloads.browse import write_browse_files
from warmth.downloads.download import Download
from warmth.downloads.kit import auditor_kit
from warmth.downloads.package import TITLES, campaign_json, datapackage, sha256sums, title_for
from warmth.downloads.plain import check_plain_cells
from warmth.downloads.records import records_key, write_record_files
from warmth.downloads.redacted import pending_files
from warmth.downloads.tables import (
    allocations_bytes,
    campaign_table_csv,
    campaign_table_xlsx,
    corrections_bytes,
    findings_bytes,
    summary_files,
)
from warmth.figures.dataset import Dataset
from warmth.ledger.heads import heads_text


@dataclass
class Published:
    """What `publish` wrote: every download but all.zip and all.zip.sha256, which a thread is still writing."""

    downloads: list[Download]  # sorted by path, SHA256SUMS last
    _archive: Future
    _pool: ThreadPoolExecutor

    def archive(self) -> list[Download]:
        """Wait for all.zip; return its two downloads (an error writing it is raised here)."""
        try:
            return [Download(d.path, d.bytes, d.sha256, TITLES[d.path]) for d in self._archive.result()]
        finally:
            self._pool.shutdown(wait=True)

    def close(self) -> None:
        """Wait for the thread whatever happened (the staging folder may be removed next); its error is the caller's to ask for."""
        self._pool.shutdown(wait=True)


def publish(out: Path, ds: Dataset, *, cache_dir: Path | None) -> Published:
    """Write everything under ``out``/data/; the downloads: SHA256SUMS last, then all.zip and all.zip.sha256 (being written).

    Sealed rounds (``ds.sealed``: path under /data/ → (archived file, bytes,
    sha256)) are published exactly as sealed, whatever the current data would
    give — except, in the build ``make redact`` checks, a round with pending
    redactions, published as its archive with them applied (downloads/redacted.py);
    the ledger is published as /data/ledger.jsonl once a round is sealed, with
    the head hash after each of its lines in /data/ledger-heads.txt (ledger/heads.py),
    and the union's public key as /data/ledger-public-key.pem once it has one.
    """
    campaign = ds.campaign
    data_out = Path(out) / DATA_DIR
    data_out.mkdir(parents=True, exist_ok=True)
    downloads = write_record_files(ds.records, campaign, data_out, records_key(ds.digests), cache_dir)
    if ds.sealed:
        downloads = [d for d in downloads if d.path not in ds.sealed]
        rewritten = pending_files(ds)  # only in the build make redact checks: rounds with redactions not yet sealed
        for rel, (source, size, sha) in sorted(ds.sealed.items()):
            target = data_out / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.unlink(missing_ok=True)
            if rel in rewritten:
                payload = rewritten[rel][0]
                atomic_write(target, payload)
                downloads.append(Download(rel, len(payload), hashlib.sha256(payload).hexdigest()))
                continue
            shutil.copyfile(source, target)
            downloads.append(Download(rel, size, sha))
    table = ds.campaign_table
    small = {"allocations.csv": allocations_bytes(ds.agg), **summary_files(ds.agg, campaign)}
    small["findings.csv"] = findings_bytes(ds.findings)
    if ds.corrections:
        small["corrections.csv"] = corrections_bytes(ds.published_corrections)
    small["summary/campaign-table.csv"] = campaign_table_csv(table)
    small["summary/campaign-table.xlsx"] = campaign_table_xlsx(table, campaign)
    if ds.ledger:
        small[LEDGER_FILE] = (ds.data_dir / LEDGER_FILE).read_bytes()
        small[HEADS_FILE] = heads_text(ds.ledger)
    if ds.public_key is not None:
        small[PUBLIC_KEY_FILE] = ds.public_key
    small[CAMPAIGN_JSON_FILE] = campaign_json(campaign, report_dates_recorded=ds.submissions is not None)
    small[KIT_FILE] = auditor_kit(Path(cache_dir) / "kit" if cache_dir else None)
    for rel, payload in small.items():
        atomic_write(data_out / rel, payload)
        downloads.append(Download(rel, len(payload), hashlib.sha256(payload).hexdigest()))
    check_plain_cells(data_out)
    downloads = [Download(d.path, d.bytes, d.sha256, title_for(d.path, campaign)) for d in downloads]
    downloads += write_browse_files(data_out, ds)  # receipt lookup and filter data, each folder with its own SHA256SUMS
    package = datapackage(campaign, downloads, table)
    atomic_write(data_out / "datapackage.json", package)
    downloads.append(Download("datapackage.json", len(package), hashlib.sha256(package).hexdigest(), TITLES["datapackage.json"]))
    sums = sha256sums(downloads)
    atomic_write(data_out / SUMS_FILE, sums)
    downloads = sorted(downloads, key=lambda d: d.path)
    downloads.append(Download(SUMS_FILE, len(sums), hashlib.sha256(sums).hexdigest(), "校验和清单 / checksums"))
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="all.zip")
    return Published(downloads, pool.submit(publish_archive, data_out, sums, cache_dir), pool)
