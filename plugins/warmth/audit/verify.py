"""The auditor's tool: check a published /data/ folder on its own (``make verify SITE=…``).

Given a built site (``<folder>/data/SHA256SUMS``) or a downloaded /data/
folder (``<folder>/SHA256SUMS``), it checks — reading only, writing nothing,
with the Python standard library alone:

1. SHA256SUMS: every listed file exists with that hash, every file is listed
   (checksums.py); all.zip holds exactly those files and all.zip.sha256 is its
   hash, when they are there (archive.py);
2. datapackage.json: every resource's bytes and ``sha256:`` hash (checksums.py);
3. the ledger of sealed rounds (when ``ledger.jsonl`` is published): the hash
   chain (format 1 and format 2), ledger-heads.txt, the signatures (with the
   union's public key and openssl), an earlier copy given with SINCE, every
   sealed round's published files against its latest line, and a list of
   every redaction it records (chain.py reads it; sealed.py, heads.py and
   signatures.py check);
4. every figure re-computed from the record files with nothing but the csv
   module and Decimal: ``disbursements.csv`` is streamed once into `Totals`
   (totals.py); the summaries and allocated vs disbursed are compared with it
   (summaries.py), and so is each round's and destination's record file (parts.py);
5. every record of a sealed round is in disbursements.csv as sealed, or a
   published correction or a recorded redaction explains the difference
   (history.py), seen in that same read;
6. findings.csv: the rules the public data allows re-computed with campaign.json,
   the others (they need withheld fields) checked for consistency and said to be
   so (rules.py, findings.py, declared.py), seen in that same read;
7. the format promised to auditors: UTF-8 with BOM, every field quoted,
   every amount with exactly two decimals (csvfiles.py).

report.py holds the verdicts (`Check`, `Report`); folder.py the file names and hashes;
command.py the command line (``make verify``, and ``python3 verify.py`` in the kit).
"""

from __future__ import annotations

from pathlib import Path

from warmth.audit.archive import check_archive
from warmth.audit.chain import Ledger
from warmth.audit.checksums import check_datapackage, check_sums, check_sums_complete, read_sums
from warmth.audit.csvfiles import CsvFiles, Unreadable, check_format
from warmth.audit.findings import FindingsCheck, failed_findings
from warmth.audit.folder import CAMPAIGN_TABLE, SUMMARIES, SUMS, DataFolder
from warmth.audit.history import HISTORY_NAME, Explanations, SealedRecords
from warmth.audit.parts import check_parts, parts_name
from warmth.audit.report import Check, Report
from warmth.audit.sealed import anchor_checks, check_chain, check_redactions, check_sealed_files, read_published_ledger
from warmth.audit.summaries import (
    ALLOC_VS_NAME,
    check_allocated_vs_disbursed,
    check_campaign_table,
    check_summary,
    summary_name,
)
from warmth.audit.totals import read_totals

__all__ = ["Check", "Report", "data_folder", "verify"]


def data_folder(folder: Path) -> Path | None:
    """The /data/ folder inside a built site, or the folder itself when it is one."""
    folder = Path(folder)
    if (folder / "data" / SUMS).is_file():
        return folder / "data"
    if (folder / SUMS).is_file():
        return folder
    return None


def verify(folder: Path, *, since: str | None = None, pubkey: Path | None = None) -> Report:
    """Check everything that can be checked from a published /data/ folder; write nothing.

    ``since``: an earlier copy of ledger.jsonl, or a head hash, that today's ledger must begin with;
    ``pubkey``: the union's public key (from its notice) to check the ledger's signatures with.
    """
    folder = Path(folder)
    data = data_folder(folder)
    if data is None:
        return Report(
            folder, None,
            [Check("找到 SHA256SUMS", "find SHA256SUMS", False,
                   f"{folder} 及 {folder / 'data'} 中都没有 SHA256SUMS：请给出网站文件夹或下载的 data 文件夹。\n"
                   f"No SHA256SUMS in {folder} or {folder / 'data'}: give a built site or a downloaded data folder.")],
        )
    return Report(folder, data, run_checks(DataFolder(data), since=since, pubkey=pubkey))


def run_checks(folder: DataFolder, *, since: str | None = None, pubkey: Path | None = None) -> list[Check]:
    """Every check, in the order they are printed."""
    sums = read_sums(folder)
    checks = [check_sums(folder, sums), check_sums_complete(folder, sums), check_archive(folder), check_datapackage(folder)]
    ledger = read_published_ledger(folder)
    checks.append(check_chain(ledger))
    checks += anchor_checks(folder, ledger, since, pubkey)
    if ledger is not None:
        checks.append(check_sealed_files(folder, ledger))
        checks.append(check_redactions(ledger))
    csvs = CsvFiles(folder)
    checks += _record_checks(csvs, ledger)
    checks.append(check_format(csvs))
    return checks


def _record_checks(csvs: CsvFiles, ledger: Ledger | None) -> list[Check]:
    """The checks that re-compute from disbursements.csv, read once; all fail, saying why, when it cannot be read."""
    sealed = ledger.sealed_rounds() if ledger is not None else frozenset()
    history = SealedRecords(csvs, ledger, Explanations.read(csvs, ledger))
    findings = FindingsCheck(csvs)
    try:
        totals = read_totals(csvs, [history, *findings.watchers()])
    except Unreadable as exc:
        why = f"无法重新计算 / cannot re-compute: {exc}"
        names = [*map(summary_name, SUMMARIES), ALLOC_VS_NAME, parts_name("round"), parts_name("district"), HISTORY_NAME]
        return [Check(*name, False, why) for name in names] + failed_findings(why)
    checks = [check_summary(csvs, totals, rel) for rel in SUMMARIES]
    checks.append(check_allocated_vs_disbursed(csvs, totals))
    checks.append(check_parts(csvs, totals, "round", sealed))
    checks.append(check_parts(csvs, totals, "district", sealed))
    if csvs.folder.exists(CAMPAIGN_TABLE):
        checks.append(check_campaign_table(csvs, totals))
    checks.append(history.check())
    checks += findings.checks(totals)
    return checks
