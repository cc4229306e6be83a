"""The whole input, read and checked: load → validate → aggregate.

Shared by the site build and the staff commands, so a check and a build can
never disagree about what is valid.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from warmth.core.campaign import Campaign, load_campaign
from warmth.core.files import BOM
from warmth.core.layout import CAMPAIGN_FILE, CORRECTIONS_FILE, LEDGER_FILE, REDACTIONS_FILE, ROUNDS_DIR, SUBMISSIONS_FILE
from warmth.core.problems import DataError, Problem
from warmth.core.steps import Steps
from warmth.figures.aggregate import Aggregates, aggregate
from warmth.figures.campaign_table import campaign_table
from warmth.figures.findings import find
from warmth.figures.privacy import PrivacyReport, protect
from warmth.figures.privacy.history import GENERALISED_FIELDS, published_corrections
from warmth.intake.corrections import apply_corrections, load_corrections
from warmth.intake.load import load_allocations, load_records
from warmth.intake.redactions import Redaction, apply_redactions, load_redactions
from warmth.intake.submissions import load_submissions
from warmth.intake.validate import validate_allocations, validate_records
from warmth.intake.vetted import Vetted, touched
from warmth.ledger.chain import check_chain, latest_by_round, read_ledger
from warmth.ledger.redactions import pending, pending_problems, recorded_problems, resolve_files
from warmth.ledger.sealed import archive_files, check_sealed_inputs
from warmth.ledger.signing import read_public_key, signature_problems


@dataclass(frozen=True)
class Dataset:
    campaign: Campaign
    records: pd.DataFrame  # as published: typed, then protected (figures/privacy); refs kept for counting
    allocations: pd.DataFrame
    agg: Aggregates
    digests: dict[str, str]  # every input file read (path under the data folder) → SHA-256 of its bytes
    privacy: PrivacyReport  # what protecting the records generalised
    checked: pd.DataFrame  # the records before protection: rule findings need the real values
    ledger: list[dict]  # sealed rounds' manifests, in order (data/ledger.jsonl)
    sealed: dict[str, tuple[Path, int, str]]  # path under /data/ → (archived file, bytes, sha256)
    findings: pd.DataFrame  # breaches of the campaign's rules (findings.find): published, not errors
    corrections: list[dict]  # every correction applied (data/corrections.csv), in order, redacted values marked
    redactions: list[Redaction]  # every redaction applied (data/redactions.csv), with its round where it has one
    pending: dict[str, list[Redaction]]  # sealed round → redactions the ledger does not record yet (make redact)
    public_key: bytes | None  # the union's Ed25519 public key (data/ledger-public-key.pem), checked; None before make signkey
    submissions: pd.DataFrame | None  # when each report arrived (data/submissions.csv), if kept
    data_dir: Path  # the folder read

    @cached_property
    def published_corrections(self) -> list[dict]:
        """The corrections with the values hidden that would undo the privacy model (figures/privacy/history.py)."""
        return published_corrections(self.corrections, self.checked, self.records, self.campaign.withheld)

    @cached_property
    def campaign_table(self) -> dict:
        """The notice's campaign table per destination (figures/campaign_table.py), made once."""
        return campaign_table(self.records, self.campaign)


def read_dataset(
    data_dir: Path, steps: Steps | None = None, *, pending_redactions: bool = False, cache: Path | None = None
) -> Dataset:
    """Read, check and aggregate a data folder; raise DataError with every problem.

    A sealed round with redactions the ledger does not record yet is refused
    (``redaction-pending``), unless ``pending_redactions``: then its inputs are
    not checked against the ledger, and ``pending`` lists them (the build that
    ``make redact`` checks publishes the round's archive with them applied).
    ``cache``: where each round file's rows are kept by content (intake/rowcache.py); None reads every file.
    """
    steps = steps or Steps()
    data_dir = Path(data_dir)
    with steps.step("campaign", "读取活动配置"):
        campaign = load_campaign(data_dir / CAMPAIGN_FILE)
    problems: list[Problem] = []
    with steps.step("load", "读取发放记录"):
        table = load_records(data_dir, problems, cache, steps.progress("files", "读取文件"))
        alloc_table = load_allocations(data_dir, problems)
        corrections, correction_problems = load_corrections(data_dir, campaign)
        frame, applied_problems, history = apply_corrections(table.frame, corrections)
        problems += correction_problems + applied_problems
        manifests, public_key, ledger_problems = _read_ledger(data_dir)
        if not ledger_problems:
            ledger_problems = check_chain(manifests) or signature_problems(manifests, public_key)
        redactions, redaction_problems = load_redactions(data_dir, campaign)
        frame, history, applied_problems, redactions = apply_redactions(table.frame, frame, history, redactions)
        redaction_problems += applied_problems
        if not ledger_problems:
            redactions, file_problems = resolve_files(redactions, manifests)
            redaction_problems += file_problems or ([] if redaction_problems else recorded_problems(redactions, manifests))
        problems += redaction_problems
        waiting = pending(redactions, manifests) if not ledger_problems else {}
    with steps.step("validate", "校验数据"):
        vetted = Vetted(cache, campaign.digest) if cache is not None else None
        passed, changed_files, skip = set(), set(), None
        if vetted is not None:  # rows of files already checked as they are skip the one-record rules
            passed = vetted.files(table.digests)
            changed, changed_files = touched(table.frame, frame)
            skip = frame["_file"].isin(passed).to_numpy() & ~changed if passed else None
        records, found, total = validate_records(frame, campaign, table.absent, skip)
        allocations, alloc_found, alloc_total = validate_allocations(alloc_table.frame, campaign)
        if vetted is not None and not problems and not found and not alloc_found:  # every one-record rule passed
            # a file a correction or redaction touched (a row changed or withdrawn) was not checked as it was read
            new = {name: d for name, d in table.digests.items() if name not in passed and name not in changed_files}
            vetted.mark(new, len(table.digests))
    problems += found + alloc_found
    if not len(records) and not problems:
        problems.append(
            Problem.of("no-records", "rounds/")
        )
    submissions, sub_problems = load_submissions(data_dir / SUBMISSIONS_FILE, campaign)
    problems += sub_problems
    with steps.step("ledger", "核对封存账本"):
        if not ledger_problems:
            ledger_problems = check_sealed_inputs(data_dir, manifests, skip_rounds=waiting)
        archived, archive_problems = archive_files(data_dir, manifests) if not ledger_problems else ({}, [])
        if waiting and not pending_redactions:
            archive_problems += pending_problems(waiting)
    problems += ledger_problems + archive_problems
    if problems:
        raise DataError(problems, total=len(problems) - len(found) - len(alloc_found) + total + alloc_total)
    with steps.step("aggregate", "汇总"):
        checked = records
        records, privacy = protect(checked, campaign, sealed_values(archived))
        agg = aggregate(records, allocations, campaign)
    with steps.step("findings", "核查规则"):
        findings = find(checked, agg.allocations, campaign, submissions, campaign_over=campaign.closed, published=records)
    digests = {CAMPAIGN_FILE: campaign.digest, **table.digests, **alloc_table.digests}
    if (data_dir / SUBMISSIONS_FILE).exists():
        digests[SUBMISSIONS_FILE] = hashlib.sha256((data_dir / SUBMISSIONS_FILE).read_bytes()).hexdigest()
    sealed = {rel: (path, *_published_entry(manifests, rel)) for rel, path in archived.items()}
    for name in (CORRECTIONS_FILE, REDACTIONS_FILE):
        if (data_dir / name).exists():
            digests[name] = hashlib.sha256((data_dir / name).read_bytes()).hexdigest()
    if manifests:  # the sealed archives it verifies decide how sealed records are published
        digests[LEDGER_FILE] = hashlib.sha256((data_dir / LEDGER_FILE).read_bytes()).hexdigest()
    return Dataset(
        campaign=campaign, records=records, allocations=allocations, agg=agg, digests=digests, privacy=privacy,
        checked=checked, ledger=manifests, sealed=sealed, findings=findings, corrections=history, submissions=submissions,
        redactions=redactions, pending=waiting, public_key=public_key, data_dir=data_dir,
    )


def sealed_values(archived: dict[str, Path]) -> pd.DataFrame | None:
    """The generalisable values of every sealed record, as its round's archived file publishes them."""
    frames = []
    for rel, path in sorted(archived.items()):
        if rel.startswith(f"{ROUNDS_DIR}/") and rel.endswith("/disbursements.csv"):
            raw = path.read_bytes()
            body = pa.py_buffer(raw).slice(len(BOM) if raw.startswith(BOM) else 0)
            table = pacsv.read_csv(
                pa.BufferReader(body),
                convert_options=pacsv.ConvertOptions(
                    include_columns=["record_id", *GENERALISED_FIELDS], strings_can_be_null=False, quoted_strings_can_be_null=False,
                    column_types={name: pa.string() for name in ("record_id", *GENERALISED_FIELDS)},
                ),
            )
            frames.append(table.to_pandas())
    return pd.concat(frames, ignore_index=True) if frames else None


def _read_ledger(data_dir: Path) -> tuple[list[dict], bytes | None, list[Problem]]:
    """The ledger's lines and the public key its signatures are checked with, or the problems reading them."""
    try:
        return read_ledger(data_dir / LEDGER_FILE), read_public_key(data_dir), []
    except DataError as err:
        return [], None, err.problems


def _published_entry(manifests: list[dict], rel: str) -> tuple[int, str]:
    """The size and SHA-256 the round's latest ledger line gives a published file."""
    for manifest in latest_by_round(manifests).values():
        for entry in manifest["published"]:
            if entry.get("path") == rel:
                return int(entry["bytes"]), entry["sha256"]
    raise KeyError(rel)
