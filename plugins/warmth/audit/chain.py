"""The ledger of sealed rounds, read and checked with the standard library alone.

The auditor's own reading of ``ledger.jsonl``, sharing no code with the build
(whose side is warmth/ledger/chain.py). The format:

- one manifest per line, a JSON object in canonical form:
  ``json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))``;
- format 1 (no ``format`` key): ``round``, ``sealed_on`` (YYYY-MM-DD),
  ``previous``, ``campaign`` (SHA-256 hex), ``inputs`` and ``published``
  (lists of ``{path, bytes, sha256}`` under ``rounds/<round>/``, sorted by
  path); the line's hash is the SHA-256 of its UTF-8 bytes, without the newline;
- format 2 (``"format": 2``): a *seal line* has the same keys (and may list
  ``redactions`` applied before the round was sealed); a *redaction line* has
  ``redacted_on`` instead of ``sealed_on``, the round's new ``inputs`` and
  ``published``, and ``redactions`` (``{id, target, field, reason, date,
  value_sha256}``). An entry is ``{path, bytes, sha256}`` or, its name taken
  down, ``{path_sha256, bytes, sha256}``. The line's hash is the SHA-256 of
  its *commitment form*: the canonical line with every ``path`` replaced by
  ``path_sha256`` = SHA-256 of the path's UTF-8 bytes;
- each line's ``previous`` is the hash of the line before it; the first
  line's is 64 zeros. A round has one seal line; its redaction lines follow
  it, and the latest line of a round gives its files as they are now;
- a format-2 line may carry ``signature``: the standard base64 of a 64-byte
  Ed25519 signature of its *payload*, the canonical commitment form of the
  line without its ``signature`` (UTF-8). The line's hash covers the line
  with its signature (audit/signatures.py checks them);
- the *head hash* after a line is that line's hash (audit/heads.py).

Every problem names its line (1 = the first), the rule broken and what is
wrong, Chinese first, with full hashes.
"""

from __future__ import annotations

import base64
import binascii
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
SEAL_KEYS = ("format", *MANIFEST_KEYS)
REDACTION_KEYS = ("format", "round", "redacted_on", "previous", "campaign", "inputs", "published", "redactions")
REDACTION_ENTRY_KEYS = ("id", "target", "field", "reason", "date", "value_sha256")
SIGNATURE = "signature"
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

    def latest(self) -> dict[str, dict]:
        """Each sealed round's latest line: its seal line, or the last redaction line after it."""
        found: dict[str, dict] = {}
        for m in self.manifests:
            rnd = m.get("round")
            if isinstance(rnd, str) and (rnd in found or not is_redaction(m)):
                found[rnd] = m
        return found

    def hashes(self) -> list[str]:
        """Each line's hash, in order: the head hash after that line."""
        return [line_hash(m) for m in self.manifests]

    def redactions(self) -> list[tuple[int, str, dict]]:
        """Every redaction the ledger records: (line, round, entry)."""
        return [
            (number, str(m.get("round")), item)
            for number, m in enumerate(self.manifests, 1)
            if "format" in m and isinstance(m.get("redactions"), list)
            for item in m["redactions"]
            if isinstance(item, dict)
        ]


def canonical(obj) -> str:
    """The one text form of a manifest: sorted keys, no spaces, UTF-8 text kept as is."""
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def is_redaction(manifest: dict) -> bool:
    return "format" in manifest and "redacted_on" in manifest


def commitment(manifest: dict) -> dict:
    """Format 2: the line with every entry's path replaced by its SHA-256; format 1: the line itself."""
    if "format" not in manifest:
        return manifest
    out = dict(manifest)
    for key in ("inputs", "published"):
        if isinstance(manifest.get(key), list):
            out[key] = [
                {**{k: v for k, v in e.items() if k != "path"}, "path_sha256": hashlib.sha256(e["path"].encode("utf-8")).hexdigest()}
                if isinstance(e, dict) and isinstance(e.get("path"), str) else e
                for e in manifest[key]
            ]
    return out


def payload(manifest: dict) -> bytes:
    """What a line's signature signs: the canonical commitment form of the line without ``signature``, UTF-8."""
    return canonical(commitment({k: v for k, v in manifest.items() if k != SIGNATURE})).encode("utf-8")


def signature(manifest: dict) -> bytes | None:
    """A format-2 line's signature, decoded (64 bytes); None when it has none or it is malformed."""
    value = manifest.get(SIGNATURE) if "format" in manifest else None
    if not isinstance(value, str):
        return None
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) == 64 and base64.b64encode(raw).decode("ascii") == value else None


def line_hash(manifest: dict) -> str:
    """What the next line's ``previous`` must be: SHA-256 of the canonical commitment form."""
    return hashlib.sha256(canonical(commitment(manifest)).encode("utf-8")).hexdigest()


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
    """Line 1 must point at 64 zeros, every later line at the hash of the line before; no round sealed twice."""
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    ids: set = set()
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
        if isinstance(rnd, str) and is_redaction(manifest):
            if rnd not in seen:
                problems.append(Problem(number, rnd, "ledger-format", f"批次 {rnd} 的删除行出现在它的封存行之前。",
                                        f"A redaction line of round {rnd} comes before the round was sealed."))
        elif isinstance(rnd, str):
            if rnd in seen:
                problems.append(
                    Problem(number, rnd, "ledger-duplicate-round",
                            f"批次 {rnd} 已在第 {seen[rnd]} 行封存过。", f"Round {rnd} was already sealed on line {seen[rnd]}.")
                )
            else:
                seen[rnd] = number
        items = manifest.get("redactions") if "format" in manifest else None
        for item in items if isinstance(items, list) else []:
            rid = item.get("id") if isinstance(item, dict) else None
            if isinstance(rid, str) and rid in ids:
                problems.append(Problem(number, rid, "ledger-format", f"删除编号 {rid} 在账本中出现两次。", f"Redaction {rid} appears twice in the ledger."))
            ids.add(rid)
        expected = hashlib.sha256(line).hexdigest() if "format" not in manifest else line_hash(manifest)
    return problems


def _keys_problems(manifest: dict, number: int) -> list[Problem] | None:
    if "format" not in manifest:
        keys = MANIFEST_KEYS
    elif manifest["format"] != 2 or isinstance(manifest["format"], bool):
        return [Problem(number, str(manifest["format"]), "ledger-format", "format 应为 2（没有 format 的行是旧格式）。",
                        "format must be 2 (a line without format is of the old format).")]
    else:
        keys = REDACTION_KEYS if "redacted_on" in manifest else SEAL_KEYS
    missing = [k for k in keys if k not in manifest]
    if missing:
        return [Problem(number, ", ".join(missing), "ledger-format", "清单缺少字段。", "The manifest lacks fields.")]
    return None


def _manifest_problems(manifest: dict, number: int) -> list[Problem]:
    keys = _keys_problems(manifest, number)
    if keys is not None:
        return keys
    problems = []
    if "format" in manifest:
        extra = sorted(set(manifest) - {*(REDACTION_KEYS if is_redaction(manifest) else (*SEAL_KEYS, "redactions")), SIGNATURE})
        if extra:
            problems.append(Problem(number, ", ".join(extra), "ledger-format", "清单有不认识的字段。", "The manifest has unknown fields."))
        if SIGNATURE in manifest and signature(manifest) is None:
            problems.append(Problem(number, SIGNATURE, "ledger-format", "signature 应为 64 字节 Ed25519 签名的 base64（标准写法，带 = 补齐）。",
                                    "signature must be the base64 (standard, padded) of a 64-byte Ed25519 signature."))
    rnd = manifest["round"]
    if not isinstance(rnd, str) or not _ROUND.fullmatch(rnd):
        problems.append(Problem(number, str(rnd), "ledger-format", "批次编号格式不对。", "Malformed round id."))
    date_key = "redacted_on" if is_redaction(manifest) else "sealed_on"
    if not _is_date(manifest[date_key]):
        problems.append(
            Problem(number, str(manifest[date_key]), "ledger-format", f"{date_key} 应为日期 YYYY-MM-DD。", f"{date_key} must be a date YYYY-MM-DD.")
        )
    for key in ("previous", "campaign"):
        if not _is_hex(manifest[key]):
            problems.append(Problem(number, key, "ledger-format", f"{key} 应为 64 位十六进制 SHA-256。", f"{key} must be a 64-hex-digit SHA-256."))
    problems += _entries_problems(manifest, "inputs", number)
    problems += _entries_problems(manifest, "published", number)
    if "format" in manifest and "redactions" in manifest:
        items = manifest["redactions"]
        if not isinstance(items, list) or not items or not all(_is_redaction_entry(i) for i in items):
            problems.append(Problem(number, "redactions", "ledger-format",
                                    "redactions 应为非空列表，每项为 {id, target, field, reason, date, value_sha256}。",
                                    "redactions must be a non-empty list of {id, target, field, reason, date, value_sha256}."))
    return problems


def _is_date(value) -> bool:
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_hex(value) -> bool:
    return isinstance(value, str) and _HEX64.fullmatch(value) is not None


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


def _is_redaction_entry(item) -> bool:
    return (
        isinstance(item, dict)
        and set(item) == set(REDACTION_ENTRY_KEYS)
        and all(isinstance(item[k], str) and item[k] for k in ("id", "target", "field", "reason"))
        and _is_date(item["date"])
        and (item["value_sha256"] is None or _is_hex(item["value_sha256"]))
    )


def _entries_problems(manifest: dict, key: str, number: int) -> list[Problem]:
    entries = manifest.get(key)
    rnd = manifest.get("round")
    prefix = f"rounds/{rnd}/"
    format2 = "format" in manifest
    if not isinstance(entries, list) or (key == "published" and not entries):
        return [Problem(number, key, "ledger-format", f"{key} 应为非空的文件列表。", f"{key} must be a non-empty list of files.")]
    problems = []
    paths = []
    for entry in entries:
        if not _is_entry(entry, format2):
            if format2:
                zh = f"{key} 中的条目应为 {{path, bytes, sha256}} 或 {{path_sha256, bytes, sha256}}。"
                en = f"Each {key} entry must be {{path, bytes, sha256}} or {{path_sha256, bytes, sha256}}."
            else:
                zh, en = f"{key} 中的条目应为 {{path, bytes, sha256}}。", f"Each {key} entry must be {{path, bytes, sha256}}."
            problems.append(Problem(number, key, "ledger-format", zh, en))
            continue
        if "path" not in entry:
            continue
        paths.append(entry["path"])
        if not (safe_path(entry["path"]) and isinstance(rnd, str) and entry["path"].startswith(prefix)):
            problems.append(Problem(number, entry["path"], "ledger-format", f"{key} 中的路径应在 {prefix} 之下。", f"{key} paths must lie under {prefix}."))
    if paths != sorted(set(paths)):
        problems.append(Problem(number, key, "ledger-format", f"{key} 应按路径排序且不重复。", f"{key} must be sorted by path, without repeats."))
    elif format2:
        hashes = [commitment({"format": 2, key: [e]})[key][0]["path_sha256"] for e in entries if _is_entry(e, True)]
        if len(hashes) != len(set(hashes)):
            problems.append(Problem(number, key, "ledger-format", f"{key} 中有同一个文件出现两次。", f"A file appears twice in {key}."))
    return problems
