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
import os
import re
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

from .problems import DataError, Problem, WarmthError

LEDGER_FILE = "ledger.jsonl"
SEALED_DIR = "sealed"
ROUNDS_DIR = "rounds"
CAMPAIGN_FILE = "campaign.toml"
ZERO_HASH = "0" * 64
MANIFEST_KEYS = ("round", "sealed_on", "previous", "campaign", "inputs", "published")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_CHUNK = 1 << 20


class SealError(WarmthError):
    """Sealing was refused; nothing was written."""


# --- canonical form and hashes ---------------------------------------------

def canonical(obj) -> str:
    """The one text form of a manifest: sorted keys, no spaces, UTF-8 text kept as is."""
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def manifest_hash(manifest: dict) -> str:
    """SHA-256 (hex) of the manifest's canonical line, UTF-8, without the newline."""
    return hashlib.sha256(canonical(manifest).encode("utf-8")).hexdigest()


def file_digest(path: Path) -> tuple[int, str]:
    """(bytes, SHA-256 hex) of a file, read in chunks."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _entry(path: str, file: Path) -> dict:
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


def _safe_relative(path: str) -> bool:
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
        if not (_safe_relative(entry["path"]) and isinstance(rnd, str) and entry["path"].startswith(prefix)):
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


def _round_inputs(data_dir: Path, round_id: str) -> dict[str, Path]:
    """The input files of one round exactly as the loader reads them (path under data_dir → file)."""
    from .load import round_files

    return {
        path.relative_to(data_dir).as_posix(): path
        for folder, path in round_files(data_dir)
        if folder == round_id
    }


def check_sealed_inputs(data_dir: Path, manifests: list[dict], allowed_changes: Iterable[str] = frozenset()) -> list[Problem]:
    """A sealed round's input files may not change, disappear or gain a sibling.

    ``allowed_changes`` (paths under data_dir) are exempt — the hook for
    corrections, which a later release records in the ledger.
    """
    data_dir = Path(data_dir)
    allowed = set(allowed_changes)
    problems: list[Problem] = []
    for manifest in manifests:
        rnd = manifest.get("round") if isinstance(manifest, dict) else None
        if not isinstance(rnd, str) or not isinstance(manifest.get("inputs"), list):
            continue  # check_chain reports it
        current = _round_inputs(data_dir, rnd)
        sealed_on = manifest.get("sealed_on", "")
        for entry in manifest["inputs"]:
            if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
                continue
            path = entry["path"]
            if path in allowed:
                continue
            file = data_dir / path
            if path not in current or not _safe_relative(path):
                problems.append(
                    Problem(path, 0, "", "", "sealed-input-changed",
                            f"批次 {rnd} 已于 {sealed_on} 封存，这个输入文件不见了。请从 git 恢复原文件。",
                            f"Round {rnd} was sealed on {sealed_on}; this input file is gone. Restore it from git.")
                )
                continue
            size, sha = file_digest(file)
            if sha != entry.get("sha256") or size != entry.get("bytes"):
                problems.append(
                    Problem(path, 0, "", sha[:12], "sealed-input-changed",
                            f"批次 {rnd} 已于 {sealed_on} 封存，这个输入文件被改过（SHA-256 封存时 {entry.get('sha256')}，现在 {sha}）。"
                            "请从 git 恢复原文件；更正需另行登记。",
                            f"Round {rnd} was sealed on {sealed_on}; this input file changed (SHA-256 sealed {entry.get('sha256')}, "
                            f"now {sha}). Restore it from git; corrections must be recorded separately.")
                )
        listed = {e.get("path") for e in manifest["inputs"] if isinstance(e, dict)}
        for path in sorted(set(current) - listed - allowed):
            problems.append(
                Problem(path, 0, "", "", "sealed-input-changed",
                        f"批次 {rnd} 已于 {sealed_on} 封存，之后不能再往 rounds/{rnd}/ 加文件。请移走这个文件。",
                        f"Round {rnd} was sealed on {sealed_on}; no file may be added to rounds/{rnd}/ afterwards. Move this file away.")
            )
    return problems


def archive_files(data_dir: Path, manifests: list[dict]) -> tuple[dict[str, Path], list[Problem]]:
    """The archived files to publish for every sealed round, and problems with the archive.

    Returns {path under /data/ (``rounds/<round>/…``) → file in
    data_dir/sealed/<round>/}, holding only files whose size and SHA-256 equal
    the manifest's ``published`` entry; any other difference (changed, missing
    or extra file) is a ``sealed-archive-changed`` problem naming the file.
    """
    data_dir = Path(data_dir)
    files: dict[str, Path] = {}
    problems: list[Problem] = []
    for manifest in manifests:
        rnd = manifest.get("round") if isinstance(manifest, dict) else None
        if not isinstance(rnd, str) or not isinstance(manifest.get("published"), list):
            continue  # check_chain reports it
        prefix = f"{ROUNDS_DIR}/{rnd}/"
        archive = data_dir / SEALED_DIR / rnd
        listed = set()
        for entry in manifest["published"]:
            if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
                continue
            path = entry["path"]
            shown = f"{SEALED_DIR}/{rnd}/{path.removeprefix(prefix)}"
            if not (path.startswith(prefix) and _safe_relative(path)):
                problems.append(Problem(LEDGER_FILE, 0, "", path, "sealed-archive-changed",
                                        f"清单中的路径不在 {prefix} 之下。", f"A published path in the manifest is not under {prefix}."))
                continue
            listed.add(path.removeprefix(prefix))
            source = archive / path.removeprefix(prefix)
            if not source.is_file():
                problems.append(Problem(shown, 0, "", "", "sealed-archive-changed",
                                        f"批次 {rnd} 的存档文件不见了。请从 git 恢复。", f"The archived file of round {rnd} is gone. Restore it from git."))
                continue
            size, sha = file_digest(source)
            if sha != entry.get("sha256") or size != entry.get("bytes"):
                problems.append(
                    Problem(shown, 0, "", sha[:12], "sealed-archive-changed",
                            f"批次 {rnd} 的存档文件被改过（SHA-256 封存时 {entry.get('sha256')}，现在 {sha}）。请从 git 恢复。",
                            f"The archived file of round {rnd} changed (SHA-256 sealed {entry.get('sha256')}, now {sha}). Restore it from git.")
                )
                continue
            files[path] = source
        if archive.is_dir():
            for extra in sorted(p for p in archive.rglob("*") if p.is_file()):
                rel = extra.relative_to(archive).as_posix()
                if rel not in listed:
                    problems.append(
                        Problem(f"{SEALED_DIR}/{rnd}/{rel}", 0, "", "", "sealed-archive-changed",
                                f"批次 {rnd} 的存档里多了一个封存时没有的文件。请移走。",
                                f"Round {rnd}'s archive holds a file that was not sealed. Move it away.")
                    )
    return dict(sorted(files.items())), problems


# --- sealing -----------------------------------------------------------------

def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _atomic_write(path: Path, payload: bytes) -> None:
    """Write through a temp file beside ``path`` and rename it into place."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), 0o666 & ~_umask())
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _expected_round_files(data_dir: Path, round_id: str) -> tuple[dict[str, tuple[int, str]], dict[str, str]]:
    """What a build of data_dir publishes under rounds/<round>/ (path → (bytes, sha256)), and the inputs' digests."""
    from .dataset import read_dataset
    from .publish import _write_records_csv, record_tables

    try:
        dataset = read_dataset(data_dir)
    except DataError as exc:
        raise SealError(
            f"数据有 {exc.total} 处问题，不能封存。请先修改，生成并发布网站后再封存。\n"
            f"The data has {exc.total} problem(s); nothing was sealed. Fix them, build and publish, then seal.\n"
            + "\n".join(problem.format() for problem in exc.problems[:200])
        ) from None
    prefix = f"{ROUNDS_DIR}/{round_id}/"
    expected = {}
    with tempfile.TemporaryDirectory(prefix="warmth-seal-") as tmp:
        for rel, table in record_tables(dataset.records, dataset.campaign):
            if rel.startswith(prefix):
                expected[rel] = _write_records_csv(table, Path(tmp) / rel)
    return expected, dataset.digests


def _site_sums(site_data_dir: Path) -> dict[str, str]:
    sums = site_data_dir / "SHA256SUMS"
    if not sums.is_file():
        return {}
    listed = {}
    for line in sums.read_text(encoding="utf-8").splitlines():
        sha, _, path = line.partition("  ")
        listed[path.lstrip("*")] = sha
    return listed


def seal(data_dir: Path, round_id: str, site_data_dir: Path, *, sealed_on: str) -> dict:
    """Seal one round: archive its published files and append its manifest to the ledger.

    ``site_data_dir`` is the /data/ folder of the site built from ``data_dir``
    (``output/data``). Refuses — SealError, nothing written — when the round is
    not declared, is already sealed, has no input files, was not published in
    that site, or the site's files are not what the current inputs give (build
    again first); also when the ledger itself is damaged. Writes only
    ``data_dir/sealed/<round>/`` and ``data_dir/ledger.jsonl``.
    """
    from .campaign import load_campaign

    data_dir = Path(data_dir)
    site_data_dir = Path(site_data_dir)
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", sealed_on):
            raise ValueError
        dt.date.fromisoformat(sealed_on)
    except (TypeError, ValueError):
        raise SealError(f"封存日期应为 YYYY-MM-DD：{sealed_on!r} / sealed_on must be a date YYYY-MM-DD") from None

    campaign = load_campaign(data_dir / CAMPAIGN_FILE)
    if round_id not in campaign.round_ids:
        raise SealError(
            f"批次 {round_id!r} 没有在 campaign.toml 中声明（已声明：{'、'.join(campaign.round_ids)}），不能封存。\n"
            f"Round {round_id!r} is not declared in campaign.toml (declared: {', '.join(campaign.round_ids)}); refused."
        )
    ledger_path = data_dir / LEDGER_FILE
    try:
        manifests = read_ledger(ledger_path)
    except DataError as exc:
        manifests, damaged = [], exc.problems
    else:
        damaged = check_chain(manifests)
    if damaged:
        raise SealError(
            "账本 ledger.jsonl 已损坏，先从 git 恢复再封存。/ The ledger is damaged; restore it from git before sealing.\n"
            + "\n".join(p.format() for p in damaged)
        )
    for manifest in manifests:
        if manifest["round"] == round_id:
            raise SealError(
                f"批次 {round_id} 已于 {manifest['sealed_on']} 封存，不能再次封存。\n"
                f"Round {round_id} was already sealed on {manifest['sealed_on']}; it cannot be sealed again."
            )
    tampered = check_sealed_inputs(data_dir, manifests) + archive_files(data_dir, manifests)[1]
    if tampered:
        raise SealError(
            "已封存批次的文件被改过，先从 git 恢复再封存。/ Files of sealed rounds changed; restore them from git before sealing.\n"
            + "\n".join(p.format() for p in tampered)
        )
    inputs = _round_inputs(data_dir, round_id)
    if not inputs:
        raise SealError(
            f"批次 {round_id} 还没有任何输入文件（{ROUNDS_DIR}/{round_id}/*.csv 或 *.xlsx），不能封存。\n"
            f"Round {round_id} has no input files ({ROUNDS_DIR}/{round_id}/*.csv or *.xlsx); nothing to seal."
        )
    site_round = site_data_dir / ROUNDS_DIR / round_id
    if not (site_round / "disbursements.csv").is_file():
        raise SealError(
            f"网站中没有 {site_round / 'disbursements.csv'}：请先生成网站（make site），再封存。\n"
            f"{site_round / 'disbursements.csv'} is missing: build the site (make site) first, then seal."
        )
    archive = data_dir / SEALED_DIR / round_id
    if archive.exists():
        raise SealError(
            f"{archive} 已存在，但账本中没有批次 {round_id}（可能是上次封存中断留下的）。请确认后删除这个文件夹再封存。\n"
            f"{archive} exists but the ledger has no entry for round {round_id} (left by an interrupted seal?). "
            "Check it, remove the folder, and seal again."
        )

    # The site must publish exactly what the current inputs give: a site built
    # before an input changed would seal files that no longer match the inputs.
    expected, digests = _expected_round_files(data_dir, round_id)
    site_sums = _site_sums(site_data_dir)
    stale = []
    for rel, (size, sha) in sorted(expected.items()):
        file = site_data_dir / rel
        actual = file_digest(file) if file.is_file() else None
        if actual != (size, sha) or (rel in site_sums and site_sums[rel] != sha) or (site_sums and rel not in site_sums):
            stale.append(rel)
    if stale:
        raise SealError(
            "网站中的文件与当前数据不一致（数据在生成网站之后改过，或网站文件被改过）：请重新生成网站，发布后再封存。\n"
            "The site's files do not match the current data (data changed after the build, or the site was altered): "
            "build again, publish, then seal.\n" + "\n".join(f"  - {rel}" for rel in stale)
        )
    input_entries = [_entry(rel, inputs[rel]) for rel in sorted(inputs)]
    changed = [e["path"] for e in input_entries if digests.get(e["path"]) != e["sha256"]]
    if changed:
        raise SealError(
            "封存过程中输入文件被改动，请重试。/ Input files changed while sealing; try again.\n" + "\n".join(f"  - {p}" for p in changed)
        )

    archive.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{round_id}.tmp-", dir=archive.parent))
    try:
        published = []
        for source in sorted(p for p in site_round.rglob("*") if p.is_file()):
            rel = source.relative_to(site_round).as_posix()
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)  # a copy, never a link into the site or the cache
            published.append(_entry(f"{ROUNDS_DIR}/{round_id}/{rel}", target))
        for rel, (size, sha) in expected.items():
            if not any(p["path"] == rel and p["sha256"] == sha and p["bytes"] == size for p in published):
                raise SealError(f"复制时网站文件被改动，请重试。/ The site changed while sealing; try again: {rel}")
        for folder in [staging, *(p for p in staging.rglob("*") if p.is_dir())]:
            os.chmod(folder, 0o777 & ~_umask())
        manifest = {
            "round": round_id,
            "sealed_on": sealed_on,
            "previous": manifest_hash(manifests[-1]) if manifests else ZERO_HASH,
            "campaign": campaign.digest,
            "inputs": input_entries,
            "published": sorted(published, key=lambda e: e["path"]),
        }
        old = ledger_path.read_bytes() if ledger_path.exists() else b""
        if old and not old.endswith(b"\n"):
            old += b"\n"
        os.replace(staging, archive)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    try:
        _atomic_write(ledger_path, old + canonical(manifest).encode("utf-8") + b"\n")
    except BaseException:
        shutil.rmtree(archive, ignore_errors=True)  # no ledger line, so no seal: leave nothing behind
        raise
    return manifest
