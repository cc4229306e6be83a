"""Redactions and the ledger: which are recorded, which a sealed round still waits for, file names.

A redaction of a record in a sealed round changes what was sealed, so the
ledger must record it: until a line records it (``make redact``), it is
*pending* and the build refuses. A redaction applied before its round was
sealed is recorded in the round's seal line (the sealed files never held the
value). A recorded redaction stays in redactions.csv as it was recorded.

A ``file:<sha256>`` redaction takes down the name of a sealed input file: the
file was renamed, and `hide_paths` removes the old name from every format-2
line that lists it (the commitment, and so every hash, stays the same).
"""

from __future__ import annotations

from dataclasses import replace

from warmth.core.layout import LEDGER_FILE, REDACTIONS_FILE
from warmth.core.problems import Problem
from warmth.intake.redactions import Redaction
from warmth.ledger.chain import latest_by_round, manifest_hash, without_path

# what the ledger records of a redaction and must stay as recorded (field of Redaction → words for a message)
RECORDED = {"target": ("对象", "target"), "field": ("字段", "field"), "reason": ("删除理由", "reason"), "date": ("删除日期", "date")}


def recorded(manifests: list[dict]) -> dict[str, tuple[int, str, dict]]:
    """Every redaction the ledger records: id → (line, round, its entry)."""
    found = {}
    for line, manifest in enumerate(manifests, 1):
        items = manifest.get("redactions") if isinstance(manifest, dict) and "format" in manifest else None
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                found.setdefault(item["id"], (line, manifest.get("round"), item))
    return found


def resolve_files(redactions: list[Redaction], manifests: list[dict]) -> tuple[list[Redaction], list[Problem]]:
    """Give each ``file:`` redaction the sealed round whose ledger lines list that file (by its content's SHA-256).

    A file no line lists is an unknown target; one a format-1 line lists by
    name cannot have its name removed (that line's hash covers the name).
    """
    out, problems = [], []
    for r in redactions:
        if r.kind != "file":
            out.append(r)
            continue
        rounds, old = [], []
        for line, manifest in enumerate(manifests, 1):
            entries = manifest.get("inputs") if isinstance(manifest, dict) else None
            for entry in entries if isinstance(entries, list) else []:
                if isinstance(entry, dict) and entry.get("sha256") == r.key:
                    rounds.append(manifest.get("round"))
                    if "format" not in manifest and "path" in entry:
                        old.append(line)
        if not rounds:
            problems.append(Problem.of("redaction-unknown-target", REDACTIONS_FILE, r.row, "target", r.target, variant="file"))
        elif old:
            problems.append(Problem.of("redaction-old-ledger", REDACTIONS_FILE, r.row, "target", r.target, line=old[0]))
        else:
            out.append(replace(r, round=rounds[0]))
    return out, problems


def recorded_problems(redactions: list[Redaction], manifests: list[dict]) -> list[Problem]:
    """A redaction the ledger records must still be in redactions.csv, exactly as recorded."""
    mine = {r.id: r for r in redactions}
    problems = []
    for rid, (line, _round, item) in sorted(recorded(manifests).items()):
        r = mine.get(rid)
        if r is None:
            problems.append(Problem.of("redaction-ledger-mismatch", REDACTIONS_FILE, 0, "redaction_id", rid,
                                       variant="missing", line=line, id=rid))
            continue
        changed = [key for key in RECORDED if item.get(key) != getattr(r, key)]
        if changed:
            problems.append(Problem.of(
                "redaction-ledger-mismatch", REDACTIONS_FILE, r.row, changed[0], "", variant="changed", id=rid, line=line,
                what="、".join(RECORDED[k][0] for k in changed), what_en=", ".join(RECORDED[k][1] for k in changed),
            ))
    return problems


def pending(redactions: list[Redaction], manifests: list[dict]) -> dict[str, list[Redaction]]:
    """Sealed round → its redactions the ledger does not record yet (``make redact`` records them)."""
    sealed = latest_by_round(manifests)
    done = recorded(manifests)
    waiting: dict[str, list[Redaction]] = {}
    for r in redactions:
        if r.round in sealed and r.id not in done:
            waiting.setdefault(r.round, []).append(r)
    return waiting


def pending_problems(waiting: dict[str, list[Redaction]]) -> list[Problem]:
    return [
        Problem.of("redaction-pending", LEDGER_FILE, 0, "", "", round=rnd, ids="、".join(r.id for r in rs))
        for rnd, rs in sorted(waiting.items())
    ]


def hide_paths(manifests: list[dict], file_hashes: set[str]) -> list[dict]:
    """The ledger with the name of every input file whose content has one of these SHA-256s taken down.

    Only format-2 lines change, and only by an entry losing its ``path`` (its
    ``path_sha256`` takes its place): every line keeps its hash, which is checked.
    """
    out = []
    for manifest in manifests:
        if "format" in manifest and isinstance(manifest.get("inputs"), list):
            changed = {**manifest, "inputs": [
                without_path(e) if isinstance(e, dict) and e.get("sha256") in file_hashes else e for e in manifest["inputs"]
            ]}
            if manifest_hash(changed) != manifest_hash(manifest):  # cannot happen: without_path keeps the commitment
                raise AssertionError("taking a path down changed a line's hash")
            manifest = changed
        out.append(manifest)
    return out
