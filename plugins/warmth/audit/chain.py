"""The ledger of sealed rounds, read and checked with the standard library alone.

The auditor's own reading of ``ledger.jsonl``, sharing no code with the build
(whose side is warmth/ledger/chain.py). The format:

- one manifest per line, a JSON object in canonical form:
  ``json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))``;
- every manifest has ``round``, ``sealed_on`` (YYYY-MM-DD), ``previous``,
  ``campaign`` (SHA-256 hex), ``inputs`` and ``published`` (lists of
  ``{path, bytes, sha256}`` under ``rounds/<round>/``, sorted by path);
- each line's ``previous`` is the SHA-256 (hex) of the line before it, as
  UTF-8 bytes without the newline; the first line's is 64 zeros.

Every problem names its line (1 = the first), the rule broken and what is
wrong, Chinese first, with full hashes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from warmth.audit.folder import LEDGER, safe_path

ZERO_HASH = "0" * 64
MANIFEST_KEYS = ("round", "sealed_on", "previous", "campaign", "inputs", "published")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_ROUND = re.compile(r"[0-9a-z][0-9a-z_-]*")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class Problem(NamedTuple):
    """One thing wrong with the ledger; ``value`` only orders problems found on the same line."""

    line: int
    value: str
    rule: str
    zh: str
    en: str

    def format(self) -> str:
        return f"{LEDGER} 第{self.line}行 (line {self.line}): {self.zh} / {self.en} [{self.rule}]"


@dataclass(frozen=True)
class Ledger:
    """The manifests of a published ledger, and every problem with it.

    When a line cannot be read as a canonical JSON object, ``manifests`` is
    empty and ``problems`` says which lines; otherwise ``problems`` holds the
    chain's (format of each manifest, broken links, a round sealed twice).
    """

    manifests: tuple[dict, ...]
    problems: tuple[Problem, ...]

    def sealed_rounds(self) -> frozenset[str]:
        return frozenset(m["round"] for m in self.manifests if isinstance(m.get("round"), str) and isinstance(m.get("published"), list))


def canonical(obj) -> str:
    """The one text form of a manifest: sorted keys, no spaces, UTF-8 text kept as is."""
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def read_ledger(path: Path) -> Ledger:
    lines, manifests, problems = _read_lines(Path(path).read_bytes())
    if problems:
        return Ledger((), tuple(sorted(problems)))
    return Ledger(tuple(manifests), tuple(_chain_problems(lines, manifests)))


def _read_lines(raw: bytes) -> tuple[list[bytes], list[dict], list[Problem]]:
    """Each line, its manifest, and the lines that are not canonical JSON objects.

    A re-formatted line has other bytes, so the next line's ``previous`` could
    no longer prove it. Windows line ends (a git checkout with autocrlf) are accepted.
    """
    problems = []
    if raw.startswith(b"\xef\xbb\xbf"):
        problems.append(
            Problem(1, "BOM", "ledger-format", "账本文件开头有 BOM，请用原样的文件。", "The ledger starts with a byte-order mark; use the file as written.")
        )
        raw = raw[3:]
    lines = raw.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    lines = [line.removesuffix(b"\r") for line in lines]
    manifests = []
    for number, line in enumerate(lines, 1):
        try:
            obj = json.loads(line.decode("utf-8"))
        except ValueError:  # UnicodeDecodeError too
            value = line[:40].decode("utf-8", "replace")
            problems.append(Problem(number, value, "ledger-format", "这一行不是 JSON（账本每行一个清单）。", "This line is not JSON (one manifest per line)."))
            continue
        if not isinstance(obj, dict):
            problems.append(Problem(number, "", "ledger-format", "这一行不是 JSON 对象。", "This line is not a JSON object."))
            continue
        if canonical(obj).encode("utf-8") != line:
            problems.append(
                Problem(number, "", "ledger-format", "这一行不是规范格式（键排序、无空格），可能被重新保存或修改过。",
                        "This line is not in canonical form (sorted keys, no spaces); it was re-saved or edited.")
            )
        manifests.append(obj)
    return lines, manifests, problems


def _chain_problems(lines: list[bytes], manifests: list[dict]) -> list[Problem]:
    """Line 1 must point at 64 zeros, every later line at the SHA-256 of the line before; no round twice."""
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    expected = ZERO_HASH
    for number, (line, manifest) in enumerate(zip(lines, manifests), 1):
        problems += _manifest_problems(manifest, number)
        previous = manifest.get("previous")
        if previous != expected:
            problems.append(
                Problem(
                    number, str(previous), "ledger-chain",
                    f"哈希链断开：previous 应为 {expected}（上一行的 SHA-256），实为 {previous}。上一行或这一行被改过、删过或调换过。",
                    f"Hash chain broken: previous should be {expected} (SHA-256 of the line before), is {previous}. "
                    "A line was changed, removed or reordered.",
                )
            )
        rnd = manifest.get("round")
        if isinstance(rnd, str):
            if rnd in seen:
                problems.append(
                    Problem(number, rnd, "ledger-duplicate-round",
                            f"批次 {rnd} 已在第 {seen[rnd]} 行封存过。", f"Round {rnd} was already sealed on line {seen[rnd]}.")
                )
            else:
                seen[rnd] = number
        expected = hashlib.sha256(line).hexdigest()
    return problems


def _manifest_problems(manifest: dict, number: int) -> list[Problem]:
    missing = [k for k in MANIFEST_KEYS if k not in manifest]
    if missing:
        return [Problem(number, ", ".join(missing), "ledger-format", "清单缺少字段。", "The manifest lacks fields.")]
    problems = []
    rnd = manifest["round"]
    if not isinstance(rnd, str) or not _ROUND.fullmatch(rnd):
        problems.append(Problem(number, str(rnd), "ledger-format", "批次编号格式不对。", "Malformed round id."))
    if not _is_date(manifest["sealed_on"]):
        problems.append(Problem(number, str(manifest["sealed_on"]), "ledger-format", "sealed_on 应为日期 YYYY-MM-DD。", "sealed_on must be a date YYYY-MM-DD."))
    for key in ("previous", "campaign"):
        if not isinstance(manifest[key], str) or not _HEX64.fullmatch(manifest[key]):
            problems.append(Problem(number, key, "ledger-format", f"{key} 应为 64 位十六进制 SHA-256。", f"{key} must be a 64-hex-digit SHA-256."))
    problems += _entries_problems(manifest, "inputs", number)
    problems += _entries_problems(manifest, "published", number)
    return problems


def _is_date(value) -> bool:
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_entry(entry) -> bool:
    return (
        isinstance(entry, dict)
        and set(entry) == {"path", "bytes", "sha256"}
        and isinstance(entry["path"], str)
        and isinstance(entry["bytes"], int)
        and not isinstance(entry["bytes"], bool)
        and entry["bytes"] >= 0
        and isinstance(entry["sha256"], str)
        and _HEX64.fullmatch(entry["sha256"]) is not None
    )


def _entries_problems(manifest: dict, key: str, number: int) -> list[Problem]:
    entries = manifest.get(key)
    rnd = manifest.get("round")
    prefix = f"rounds/{rnd}/"
    if not isinstance(entries, list) or (key == "published" and not entries):
        return [Problem(number, key, "ledger-format", f"{key} 应为非空的文件列表。", f"{key} must be a non-empty list of files.")]
    problems = []
    paths = []
    for entry in entries:
        if not _is_entry(entry):
            problems.append(
                Problem(number, key, "ledger-format", f"{key} 中的条目应为 {{path, bytes, sha256}}。", f"Each {key} entry must be {{path, bytes, sha256}}.")
            )
            continue
        paths.append(entry["path"])
        if not (safe_path(entry["path"]) and isinstance(rnd, str) and entry["path"].startswith(prefix)):
            problems.append(Problem(number, entry["path"], "ledger-format", f"{key} 中的路径应在 {prefix} 之下。", f"{key} paths must lie under {prefix}."))
    if paths != sorted(set(paths)):
        problems.append(Problem(number, key, "ledger-format", f"{key} 应按路径排序且不重复。", f"{key} must be sorted by path, without repeats."))
    return problems
