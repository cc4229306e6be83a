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


def _problem(row: int, value: str, rule: str, zh: str, en: str, file: str = LEDGER_FILE) -> Problem:
    return Problem(file, row, "", value, rule, zh, en)


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
            _problem(1, "BOM", "ledger-format", "账本文件开头有 BOM，请用原样的文件。", "The ledger starts with a byte-order mark; use the file as written.")
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
                _problem(number, line[:40].decode("utf-8", "replace"), "ledger-format",
                         "这一行不是 JSON（账本每行一个清单）。", "This line is not JSON (one manifest per line).")
            )
            continue
        if not isinstance(obj, dict):
            problems.append(_problem(number, "", "ledger-format", "这一行不是 JSON 对象。", "This line is not a JSON object."))
            continue
        if canonical(obj).encode("utf-8") != line:
            problems.append(
                _problem(number, "", "ledger-format",
                         "这一行不是规范格式（键排序、无空格），可能被重新保存或修改过。",
                         "This line is not in canonical form (sorted keys, no spaces); it was re-saved or edited.")
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
        return [_problem(row, key, "ledger-format", f"{key} 应为非空的文件列表。", f"{key} must be a non-empty list of files.")]
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
                _problem(row, key, "ledger-format", f"{key} 中的条目应为 {{path, bytes, sha256}}。",
                         f"Each {key} entry must be {{path, bytes, sha256}}.")
            )
            continue
        paths.append(entry["path"])
        if not (safe_relative(entry["path"]) and isinstance(rnd, str) and entry["path"].startswith(prefix)):
            problems.append(
                _problem(row, entry["path"], "ledger-format", f"{key} 中的路径应在 {prefix} 之下。", f"{key} paths must lie under {prefix}.")
            )
    if paths != sorted(set(paths)):
        problems.append(_problem(row, key, "ledger-format", f"{key} 应按路径排序且不重复。", f"{key} must be sorted by path, without repeats."))
    return problems


def _manifest_problems(manifest: dict, row: int) -> list[Problem]:
    missing = [k for k in MANIFEST_KEYS if k not in manifest]
    if missing:
        return [_problem(row, ", ".join(missing), "ledger-format", "清单缺少字段。", "The manifest lacks fields.")]
    problems = []
    rnd = manifest["round"]
    if not isinstance(rnd, str) or not re.fullmatch(r"[0-9a-z][0-9a-z_-]*", rnd):
        problems.append(_problem(row, str(rnd), "ledger-format", "批次编号格式不对。", "Malformed round id."))
    try:
        dt.date.fromisoformat(manifest["sealed_on"])
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", manifest["sealed_on"]):
            raise ValueError
    except (TypeError, ValueError):
        problems.append(_problem(row, str(manifest["sealed_on"]), "ledger-format", "sealed_on 应为日期 YYYY-MM-DD。", "sealed_on must be a date YYYY-MM-DD."))
    for key in ("previous", "campaign"):
        if not isinstance(manifest[key], str) or not _HEX64.fullmatch(manifest[key]):
            problems.append(_problem(row, key, "ledger-format", f"{key} 应为 64 位十六进制 SHA-256。", f"{key} must be a 64-hex-digit SHA-256."))
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
            problems.append(_problem(row, "", "ledger-format", "这一行不是 JSON 对象。", "This line is not a JSON object."))
            expected = None
            continue
        problems += _manifest_problems(manifest, row)
        previous = manifest.get("previous")
        if expected is not None and previous != expected:
            problems.append(
                _problem(
                    row, str(previous)[:12], "ledger-chain",
                    f"哈希链断开：previous 应为 {expected}（上一行的 SHA-256），实为 {previous}。上一行或这一行被改过、删过或调换过。",
                    f"Hash chain broken: previous should be {expected} (SHA-256 of the line before), is {previous}. "
                    "A line was changed, removed or reordered.",
                )
            )
        rnd = manifest.get("round")
        if isinstance(rnd, str):
            if rnd in seen:
                problems.append(
                    _problem(row, rnd, "ledger-duplicate-round", f"批次 {rnd} 已在第 {seen[rnd]} 行封存过。",
                             f"Round {rnd} was already sealed on line {seen[rnd]}.")
                )
            else:
                seen[rnd] = row
        expected = manifest_hash(manifest)
    return problems
