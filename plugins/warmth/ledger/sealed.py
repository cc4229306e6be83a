"""A sealed round's files never change: its inputs in rounds/<round>/ and its
archive in sealed/<round>/ are checked against the ledger on every build.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from warmth.core.files import file_digest
from warmth.core.layout import LEDGER_FILE, ROUNDS_DIR, SEALED_DIR
from warmth.core.problems import Problem
from warmth.intake.listing import round_files
from warmth.ledger.chain import latest_by_round, safe_relative


def round_inputs(data_dir: Path, round_id: str) -> dict[str, Path]:
    """The input files of one round exactly as the loader reads them (path under data_dir → file)."""
    return {
        path.relative_to(data_dir).as_posix(): path
        for folder, path in round_files(data_dir)
        if folder == round_id
    }


def check_sealed_inputs(
    data_dir: Path, manifests: list[dict], allowed_changes: Iterable[str] = frozenset(), skip_rounds: Iterable[str] = frozenset()
) -> list[Problem]:
    """A sealed round's input files may not change, disappear or gain a sibling.

    They are checked against the round's latest ledger line (a redaction line
    records the inputs as they are after a take-down). ``allowed_changes``
    (paths under data_dir) are exempt — the hook for corrections, which a later
    release records in the ledger; ``skip_rounds`` are rounds with redactions
    not yet in the ledger (reported as such; ``make redact`` checks their inputs).
    """
    data_dir = Path(data_dir)
    allowed = set(allowed_changes)
    problems: list[Problem] = []
    for rnd, manifest in latest_by_round(manifests).items():
        if rnd in skip_rounds or not isinstance(manifest.get("inputs"), list):
            continue  # check_chain reports a malformed list
        current = round_inputs(data_dir, rnd)
        sealed_on = manifest.get("redacted_on", manifest.get("sealed_on", ""))
        listed = set()
        for entry in manifest["inputs"]:
            if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
                continue  # a name taken down: that file was renamed since, and a later line lists it
            path = entry["path"]
            listed.add(path)
            if path in allowed:
                continue
            file = data_dir / path
            if path not in current or not safe_relative(path):
                problems.append(
                    Problem.of("sealed-input-changed", path, variant="gone", round=rnd, sealed_on=sealed_on)
                )
                continue
            size, sha = file_digest(file)
            if sha != entry.get("sha256") or size != entry.get("bytes"):
                problems.append(
                    Problem.of("sealed-input-changed", path, 0, "", sha, variant="changed",
                               round=rnd, sealed_on=sealed_on, sealed=entry.get("sha256"), now=sha)
                )
        for path in sorted(set(current) - listed - allowed):
            problems.append(
                Problem.of("sealed-input-changed", path, variant="added", round=rnd, sealed_on=sealed_on)
            )
    return problems


def archive_files(data_dir: Path, manifests: list[dict]) -> tuple[dict[str, Path], list[Problem]]:
    """The archived files to publish for every sealed round, and problems with the archive.

    Returns {path under /data/ (``rounds/<round>/…``) → file in
    data_dir/sealed/<round>/}, holding only files whose size and SHA-256 equal
    the ``published`` entry of the round's latest ledger line; any other
    difference (changed, missing or extra file) is a ``sealed-archive-changed``
    problem naming the file.
    """
    data_dir = Path(data_dir)
    files: dict[str, Path] = {}
    problems: list[Problem] = []
    for rnd, manifest in latest_by_round(manifests).items():
        if not isinstance(manifest.get("published"), list):
            continue  # check_chain reports it
        prefix = f"{ROUNDS_DIR}/{rnd}/"
        archive = data_dir / SEALED_DIR / rnd
        listed = set()
        for entry in manifest["published"]:
            if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
                continue
            path = entry["path"]
            shown = f"{SEALED_DIR}/{rnd}/{path.removeprefix(prefix)}"
            if not (path.startswith(prefix) and safe_relative(path)):
                problems.append(Problem.of("sealed-archive-changed", LEDGER_FILE, 0, "", path, variant="path", prefix=prefix))
                continue
            listed.add(path.removeprefix(prefix))
            source = archive / path.removeprefix(prefix)
            if not source.is_file():
                problems.append(Problem.of("sealed-archive-changed", shown, variant="gone", round=rnd))
                continue
            size, sha = file_digest(source)
            if sha != entry.get("sha256") or size != entry.get("bytes"):
                problems.append(
                    Problem.of("sealed-archive-changed", shown, 0, "", sha, variant="changed", round=rnd, sealed=entry.get("sha256"), now=sha)
                )
                continue
            files[path] = source
        if archive.is_dir():
            for extra in sorted(p for p in archive.rglob("*") if p.is_file()):
                rel = extra.relative_to(archive).as_posix()
                if rel not in listed:
                    problems.append(
                        Problem.of("sealed-archive-changed", f"{SEALED_DIR}/{rnd}/{rel}", variant="added", round=rnd)
                    )
    return dict(sorted(files.items())), problems
