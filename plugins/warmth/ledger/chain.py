"""The ledger of sealed rounds: proof that a published file was not changed later.

When staff publish a round they *seal* it (``make seal ROUND=<id>``): the
round's published files are copied into ``data/sealed/<round>/`` (kept
forever, committed with the data) and a manifest is appended to
``data/ledger.jsonl`` — one canonical JSON object per line, each naming the
hash of the line before it, so no line can be changed, dropped or reordered
without breaking every line after it.

**Format 1** (lines without a ``format`` key; written before redactions
existed, still read and chained exactly as then)::

    {"campaign": "<sha256 of campaign.toml>", "inputs": [{"bytes": n, "path": "rounds/2012-01/shawan.csv",
     "sha256": "…"}, …], "previous": "<hash of the previous line, or 64 zeros>",
     "published": [{"bytes": n, "path": "rounds/2012-01/disbursements.csv", "sha256": "…"}],
     "round": "2012-01", "sealed_on": "2012-01-21"}

A format-1 line's hash is the SHA-256 of the line itself (UTF-8, no newline),
so its input paths can never be removed without breaking the chain.

**Format 2** (``"format": 2``; what `make seal` and `make redact` write) makes
file names removable. A line's hash is the SHA-256 of its *commitment form*:
the line with every entry's ``path`` replaced by ``path_sha256``, the SHA-256
(hex) of the path's UTF-8 bytes, in canonical form. An entry is either
``{"bytes", "path", "sha256"}`` or, once its name has been taken down,
``{"bytes", "path_sha256", "sha256"}``: both give the same commitment, so
removing a path from an old line (``make redact``, a ``file:`` redaction)
changes no hash. Everything else in a line is covered as in format 1.

- a *seal line*: ``format, round, sealed_on, previous, campaign, inputs,
  published`` and, when redactions applied to the round before it was sealed,
  ``redactions`` (their ``value_sha256`` null: the sealed files never held the value);
- a *redaction line* (``make redact``): ``format, round, redacted_on, previous,
  campaign, inputs, published, redactions`` — the round's new input and
  published entries, which replace the earlier ones from then on, and each
  redaction applied: ``{"id", "target", "field", "reason", "date",
  "value_sha256"}``; ``value_sha256`` is the SHA-256 of the value removed from
  the sealed files (null when they did not hold it), never the value.

**Signatures.** A format-2 line written once the union has an Ed25519 key
(``make signkey``; its public key in ``data/ledger-public-key.pem``) carries
``"signature"``: the standard base64 (with padding) of the 64-byte Ed25519
signature of ``signed_payload(line)`` = ``canonical(commitment(line without
its "signature"))``, UTF-8. The signature is part of the line, so the chain
hash (``manifest_hash``, the next line's ``previous``) covers the signed line,
signature included; and since it signs the commitment form, it survives a file
name being taken down. Lines written before signing existed (format 1, and
format 2 without ``signature``) stay unsigned; once one line is signed, every
later line must be (ledger/signing.py checks the signatures).

The *head hash* after line n is ``manifest_hash`` of line n: the next line's
``previous``, and what an auditor keeps to check later that today's ledger
still begins with the lines they saw (ledger/heads.py).

Everything here is a pure function of the ledger's bytes and lines; sealing
(staff/seal.py) and redacting (staff/redact.py) write it.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import re
from pathlib import Path

from warmth.core.files import file_digest, text_sha256
from warmth.core.layout import LEDGER_FILE, ROUNDS_DIR
from warmth.core.problems import DataError, Problem

ZERO_HASH = "0" * 64
FORMAT = 2
MANIFEST_KEYS = ("round", "sealed_on", "previous", "campaign", "inputs", "published")  # format 1
SEAL_KEYS = ("format", *MANIFEST_KEYS)
REDACTION_KEYS = ("format", "round", "redacted_on", "previous", "campaign", "inputs", "published", "redactions")
REDACTION_ENTRY_KEYS = ("id", "target", "field", "reason", "date", "value_sha256")
SIGNATURE = "signature"  # format 2: base64 of the Ed25519 signature of signed_payload(line)
SIGNATURE_BYTES = 64
_HEX64 = re.compile(r"[0-9a-f]{64}")


# --- canonical form and hashes ---------------------------------------------

def canonical(obj) -> str:
    """The one text form of a manifest: sorted keys, no spaces, UTF-8 text kept as is."""
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def commitment(manifest: dict) -> dict:
    """What a line commits to: format 2 with every entry's path as its SHA-256; a format-1 line itself."""
    if not isinstance(manifest, dict) or "format" not in manifest:
        return manifest
    out = dict(manifest)
    for key in ("inputs", "published"):
        if isinstance(manifest.get(key), list):
            out[key] = [without_path(e) for e in manifest[key]]
    return out


def without_path(entry: dict) -> dict:
    """An entry with its path taken down: ``path`` → ``path_sha256`` (anything else as it was)."""
    if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
        return entry
    return {**{k: v for k, v in entry.items() if k != "path"}, "path_sha256": text_sha256(entry["path"])}


def manifest_hash(manifest: dict) -> str:
    """The line's hash, the next line's ``previous``: SHA-256 (hex) of its canonical commitment form, UTF-8.

    For a format-1 line that is the SHA-256 of the line itself, without the newline.
    """
    return hashlib.sha256(canonical(commitment(manifest)).encode("utf-8")).hexdigest()


def unsigned(manifest: dict) -> dict:
    """The line without its signature: what the signature signs (in commitment form)."""
    return {k: v for k, v in manifest.items() if k != SIGNATURE}


def signed_payload(manifest: dict) -> bytes:
    """The bytes an Ed25519 signature of the line signs: ``canonical(commitment(line without "signature"))``, UTF-8."""
    return canonical(commitment(unsigned(manifest))).encode("utf-8")


def signature_bytes(manifest: dict) -> bytes | None:
    """The line's signature, decoded; None when the line is unsigned or the field is malformed."""
    value = manifest.get(SIGNATURE) if isinstance(manifest, dict) and "format" in manifest else None
    if not isinstance(value, str):
        return None
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    ok = len(raw) == SIGNATURE_BYTES and base64.b64encode(raw).decode("ascii") == value
    return raw if ok else None


def is_redaction(manifest: dict) -> bool:
    """A redaction line (format 2, ``redacted_on``), not a round's seal line."""
    return isinstance(manifest, dict) and "format" in manifest and "redacted_on" in manifest


def latest_by_round(manifests: list[dict]) -> dict[str, dict]:
    """Each sealed round's latest line (its seal line, or the last redaction line after it): what holds now."""
    latest: dict[str, dict] = {}
    for manifest in manifests:
        rnd = manifest.get("round") if isinstance(manifest, dict) else None
        if isinstance(rnd, str) and (rnd in latest or not is_redaction(manifest)):
            latest[rnd] = manifest
    return latest


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


def _is_entry(entry, format2: bool) -> bool:
    if not isinstance(entry, dict):
        return False
    named = set(entry) == {"path", "bytes", "sha256"} and isinstance(entry["path"], str)
    hidden = format2 and set(entry) == {"path_sha256", "bytes", "sha256"} and _is_hex(entry["path_sha256"])
    return (
        (named or hidden)
        and isinstance(entry["bytes"], int)
        and not isinstance(entry["bytes"], bool)
        and entry["bytes"] >= 0
        and _is_hex(entry["sha256"])
    )


def _is_hex(value) -> bool:
    return isinstance(value, str) and _HEX64.fullmatch(value) is not None


def _entries_problems(manifest: dict, key: str, row: int) -> list[Problem]:
    entries = manifest.get(key)
    rnd = manifest.get("round")
    prefix = f"{ROUNDS_DIR}/{rnd}/"
    format2 = "format" in manifest
    if not isinstance(entries, list) or (key == "published" and not entries):
        return [_problem(row, key, "entries", key=key)]
    problems = []
    paths = []
    for entry in entries:
        if not _is_entry(entry, format2):
            problems.append(_problem(row, key, "entry-2" if format2 else "entry", key=key))
            continue
        if "path" not in entry:
            continue
        paths.append(entry["path"])
        if not (safe_relative(entry["path"]) and isinstance(rnd, str) and entry["path"].startswith(prefix)):
            problems.append(
                _problem(row, entry["path"], "entry-path", key=key, prefix=prefix)
            )
    if paths != sorted(set(paths)):
        problems.append(_problem(row, key, "entry-order", key=key))
    elif format2:
        hashes = [without_path(e)["path_sha256"] for e in entries if _is_entry(e, True)]
        if len(hashes) != len(set(hashes)):
            problems.append(_problem(row, key, "entry-repeat", key=key))
    return problems


def _is_date(value) -> bool:
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_redaction_entry(item) -> bool:
    return (
        isinstance(item, dict)
        and set(item) == set(REDACTION_ENTRY_KEYS)
        and all(isinstance(item[k], str) and item[k] for k in ("id", "target", "field", "reason"))
        and _is_date(item["date"])
        and (item["value_sha256"] is None or _is_hex(item["value_sha256"]))
    )


def _keys_problems(manifest: dict, row: int) -> list[Problem] | None:
    """Problems with a line's keys; None when the line has every key it needs (extra keys aside)."""
    if "format" not in manifest:
        missing = [k for k in MANIFEST_KEYS if k not in manifest]
        return [_problem(row, ", ".join(missing), "fields")] if missing else None
    if manifest["format"] != FORMAT or isinstance(manifest["format"], bool):
        return [_problem(row, str(manifest["format"]), "format")]
    keys = REDACTION_KEYS if "redacted_on" in manifest else SEAL_KEYS
    missing = [k for k in keys if k not in manifest]
    if missing:
        return [_problem(row, ", ".join(missing), "fields")]
    return None


def _manifest_problems(manifest: dict, row: int) -> list[Problem]:
    keys = _keys_problems(manifest, row)
    if keys is not None:
        return keys
    problems = []
    if "format" in manifest:
        extra = sorted(set(manifest) - {*(REDACTION_KEYS if is_redaction(manifest) else (*SEAL_KEYS, "redactions")), SIGNATURE})
        if extra:
            problems.append(_problem(row, ", ".join(extra), "extra-fields"))
        if SIGNATURE in manifest and signature_bytes(manifest) is None:
            problems.append(_problem(row, SIGNATURE, "signature"))
    rnd = manifest["round"]
    if not isinstance(rnd, str) or not re.fullmatch(r"[0-9a-z][0-9a-z_-]*", rnd):
        problems.append(_problem(row, str(rnd), "round"))
    date_key = "redacted_on" if is_redaction(manifest) else "sealed_on"
    if not _is_date(manifest[date_key]):
        problems.append(_problem(row, str(manifest[date_key]), date_key))
    for key in ("previous", "campaign"):
        if not _is_hex(manifest[key]):
            problems.append(_problem(row, key, "hash", key=key))
    problems += _entries_problems(manifest, "inputs", row)
    problems += _entries_problems(manifest, "published", row)
    if "format" in manifest and "redactions" in manifest:
        items = manifest["redactions"]
        if not isinstance(items, list) or not items or not all(_is_redaction_entry(i) for i in items):
            problems.append(_problem(row, "redactions", "redactions"))
    return problems


def check_chain(manifests: list[dict]) -> list[Problem]:
    """Every problem with the ledger itself: format, broken chain, a round sealed twice.

    Row = line number in ledger.jsonl. Line 1 must point at 64 zeros; every
    later line at the hash of the line before it (`manifest_hash`). A round has
    one seal line; its redaction lines come after it; a redaction id appears once.
    """
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    redaction_ids: set[str] = set()
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
        if isinstance(rnd, str) and is_redaction(manifest):
            if rnd not in seen:
                problems.append(_problem(row, rnd, "redaction-before-seal"))
        elif isinstance(rnd, str):
            if rnd in seen:
                problems.append(
                    Problem.of("ledger-duplicate-round", LEDGER_FILE, row, "", rnd, round=rnd, first=seen[rnd])
                )
            else:
                seen[rnd] = row
        items = manifest.get("redactions") if "format" in manifest else None
        for item in items if isinstance(items, list) else []:
            rid = item.get("id") if isinstance(item, dict) else None
            if isinstance(rid, str) and rid in redaction_ids:
                problems.append(_problem(row, rid, "redaction-id"))
            redaction_ids.add(rid)
        expected = manifest_hash(manifest)
    return problems
