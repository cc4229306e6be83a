"""The ledger of sealed rounds: proof that a published file was not changed later.

When staff publish a round they *seal* it (``make seal ROUND=<id>``): the
round's published files are copied into ``data/sealed/<round>/`` (kept
forever, committed with the data) and a manifest is appended to
``data/ledger.jsonl`` — one canonical JSON object per line, each naming the
SHA-256 of the line before it, so no line can be changed, dropped or
reordered without breaking every line after it::

    {"campaign": "<sha256 of campaign.toml>", "inputs": [{"bytes": n, "path": "rounds/2012-01/shawan.csv",
     "sha256": "…"}, …], "previous": "<sha256 of the previous line, or 64 zeros>",
     "published": [{"bytes": n, "path": "rounds/2012-01/disbursements.csv", "sha256": "…"}],
     "round": "2012-01", "sealed_on": "2012-01-21"}

A manifest's hash is the SHA-256 of its canonical line (UTF-8, no newline).
Everything here is a pure function of files, except `seal`, which writes the
archive and the ledger and nothing else (each atomically).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from pathlib import Path

from warmth.core.files import file_digest
from warmth.core.layout import LEDGER_FILE, ROUNDS_DIR
from warmth.core.problems import DataError, Problem

ZERO_HASH = "0" * 64
MANIFEST_KEYS = ("round", "sealed_on", "previous", "campaign", "inputs", "published")
_HEX64 = re.compile(r"[0-9a-f]{64}")


# --- canonical form and hashes ---------------------------------------------

def canonical(obj) -> str:
    """The one text form of a manifest: sorted keys, no spaces, UTF-8 text kept as is."""
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def manifest_hash(manifest: dict) -> str:
    """SHA-256 (hex) of the manifest's canonical line, UTF-8, without the newline."""
    return hashlib.sha256(canonical(manifest).encode("utf-8")).hexdigest()

def entry(path: str, file: Path) -> dict:
    size, sha = file_digest(file)
    return {"path": path, "bytes": size, "sha256": sha}


def _problem(row: int, value: str, variant: str, **values) -> Problem:
    """A ``ledger-format`` problem of line ``row``."""
    return Problem.of("ledger-format", LEDGER_FILE, row, "", value, variant=variant, **values)


# --- reading and checking the ledger ---------------------------------------

def read_ledger(path: Path) -> list[dict]:
    """Every manifest in the ledger, in order; [] when there is no ledger yet.

    Raises DataError (rule ``ledger-format``, row = line number) if a line is
    not a JSON object written in the canonical form: a re-formatted line has
    other bytes, so the next line's ``previous`` could no longer prove it.
    Windows line ends (a git checkout with autocrlf) are accepted.
    """
    path = Path(path)
    if not path.exists():
        return []
    raw = path.read_bytes()
    manifests: list[dict] = []
    problems: list[Problem] = []
    if raw.startswith(b"\xef\xbb\xbf"):
        problems.append(
            _problem(1, "BOM", "bom")
        )
        raw = raw[3:]
    lines = raw.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    for number, line in enumerate(lines, 1):
        line = line.removesuffix(b"\r")
        try:
            obj = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            problems.append(
                _problem(number, line[:40].decode("utf-8", "replace"), "json")
            )
            continue
        if not isinstance(obj, dict):
            problems.append(_problem(number, "", "object"))
            continue
        if canonical(obj).encode("utf-8") != line:
            problems.append(
                _problem(number, "", "canonical")
            )
        manifests.append(obj)
    if problems:
        raise DataError(problems)
    return manifests


def safe_relative(path: str) -> bool:
    return bool(path) and "\\" not in path and not path.startswith("/") and all(part not in ("", ".", "..") for part in path.split("/"))


def _entries_problems(manifest: dict, key: str, row: int) -> list[Problem]:
    entries = manifest.get(key)
    rnd = manifest.get("round")
    prefix = f"{ROUNDS_DIR}/{rnd}/"
    if not isinstance(entries, list) or (key == "published" and not entries):
        return [_problem(row, key, "entries", key=key)]
    problems = []
    paths = []
    for entry in entries:
        ok = (
            isinstance(entry, dict)
            and set(entry) == {"path", "bytes", "sha256"}
            and isinstance(entry["path"], str)
            and isinstance(entry["bytes"], int)
            and not isinstance(entry["bytes"], bool)
            and entry["bytes"] >= 0
            and isinstance(entry["sha256"], str)
            and _HEX64.fullmatch(entry["sha256"]) is not None
        )
        if not ok:
            problems.append(
                _problem(row, key, "entry", key=key)
            )
            continue
        paths.append(entry["path"])
        if not (safe_relative(entry["path"]) and isinstance(rnd, str) and entry["path"].startswith(prefix)):
            problems.append(
                _problem(row, entry["path"], "entry-path", key=key, prefix=prefix)
            )
    if paths != sorted(set(paths)):
        problems.append(_problem(row, key, "entry-order", key=key))
    return problems


def _manifest_problems(manifest: dict, row: int) -> list[Problem]:
    missing = [k for k in MANIFEST_KEYS if k not in manifest]
    if missing:
        return [_problem(row, ", ".join(missing), "fields")]
    problems = []
    rnd = manifest["round"]
    if not isinstance(rnd, str) or not re.fullmatch(r"[0-9a-z][0-9a-z_-]*", rnd):
        problems.append(_problem(row, str(rnd), "round"))
    try:
        dt.date.fromisoformat(manifest["sealed_on"])
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", manifest["sealed_on"]):
            raise ValueError
    except (TypeError, ValueError):
        problems.append(_problem(row, str(manifest["sealed_on"]), "sealed_on"))
    for key in ("previous", "campaign"):
        if not isinstance(manifest[key], str) or not _HEX64.fullmatch(manifest[key]):
            problems.append(_problem(row, key, "hash", key=key))
    problems += _entries_problems(manifest, "inputs", row)
    problems += _entries_problems(manifest, "published", row)
    return problems


def check_chain(manifests: list[dict]) -> list[Problem]:
    """Every problem with the ledger itself: format, broken chain, a round sealed twice.

    Row = line number in ledger.jsonl. Line 1 must point at 64 zeros; every
    later line at the SHA-256 of the line before it.
    """
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    expected = ZERO_HASH
    for row, manifest in enumerate(manifests, 1):
        if not isinstance(manifest, dict):
            problems.append(_problem(row, "", "object"))
            expected = None
            continue
        problems += _manifest_problems(manifest, row)
        previous = manifest.get("previous")
        if expected is not None and previous != expected:
            problems.append(
                Problem.of("ledger-chain", LEDGER_FILE, row, "", previous, expected=expected, previous=previous)
            )
        rnd = manifest.get("round")
        if isinstance(rnd, str):
            if rnd in seen:
                problems.append(
                    Problem.of("ledger-duplicate-round", LEDGER_FILE, row, "", rnd, round=rnd, first=seen[rnd])
                )
            else:
                seen[rnd] = row
        expected = manifest_hash(manifest)
    return problems
