"""A sealed round's files never change: its inputs in rounds/<round>/ and its
archive in sealed/<round>/ are checked against the ledger on every build.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from warmth.core.files import file_digest
from warmth.core.layout import LEDGER_FILE, ROUNDS_DIR, SEALED_DIR
from warmth.core.problems import Problem
from warmth.intake.load import round_files
from warmth.ledger.chain import safe_relative


def round_inputs(data_dir: Path, round_id: str) -> dict[str, Path]:
    """The input files of one round exactly as the loader reads them (path under data_dir → file)."""
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
        current = round_inputs(data_dir, rnd)
        sealed_on = manifest.get("sealed_on", "")
        for entry in manifest["inputs"]:
            if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
                continue
            path = entry["path"]
            if path in allowed:
                continue
            file = data_dir / path
            if path not in current or not safe_relative(path):
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
            if not (path.startswith(prefix) and safe_relative(path)):
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
