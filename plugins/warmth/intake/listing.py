"""Which files are read: rounds/<round>/*.csv and *.xlsx, and what else lies there.

Every file a build reads is listed here, and nothing is skipped silently:
anything else under rounds/ (a stray file, a sub-folder, an old .xls, a
symbolic link, a name that holds personal data) is reported as a problem.
"""

from __future__ import annotations

from pathlib import Path

from warmth.core.layout import ROUNDS_DIR
from warmth.core.problems import Problem
from warmth.pii.detect import KINDS, personal_data


def _ignored(path: Path) -> bool:
    """Hidden files and the lock files Excel leaves next to open workbooks."""
    return path.name.startswith((".", "~$"))


def round_files(data_dir: Path, problems: list[Problem] | None = None) -> list[tuple[str, Path]]:
    """Every ``rounds/<round>/*.csv`` or ``*.xlsx`` file as (round folder name, path), sorted.

    Anything else under rounds/ (a file outside a round folder, a sub-folder, a
    file that is not .csv) is reported, never silently skipped; so is a file or
    folder whose name holds personal data (and it is not read). Symbolic links
    (rounds/ itself, a round folder, a file) are reported and never followed:
    the data folder holds its files itself (rule ``symlink``, which says when
    the link leads outside the data folder).
    """
    root = Path(data_dir) / ROUNDS_DIR
    if root.is_symlink():
        _symlink(root, data_dir, problems)
        return []
    if not root.is_dir():
        return []
    found = []
    for entry in sorted(root.iterdir()):
        if _ignored(entry):
            continue
        if entry.is_symlink():
            _symlink(entry, data_dir, problems)
            continue
        if _personal_name(entry, data_dir, problems):
            continue
        if not entry.is_dir():
            _unexpected(entry, data_dir, problems)
            continue
        for path in sorted(entry.iterdir()):
            if _ignored(path):
                continue
            if _personal_name(path, data_dir, problems):
                continue
            if path.is_symlink():
                _symlink(path, data_dir, problems)
            elif path.is_file() and path.suffix.lower() in (".csv", ".xlsx"):
                found.append((entry.name, path))
            elif path.is_file() and path.suffix.lower() == ".xls" and problems is not None:
                problems.append(Problem.of("unsupported-format", path.relative_to(data_dir).as_posix()))
            else:
                _unexpected(path, data_dir, problems)
    return found


def _personal_name(path: Path, data_dir: Path, problems: list[Problem] | None) -> bool:
    """True (and reported) when a file or round folder under rounds/ is named after a person, an
    address, a phone number …: the name would be published with the downloads and the sealed
    archive. Such a file or folder is not read, so its name reaches no other message."""
    if problems is None:
        return False
    problem = file_name_problem(path, path.parent.relative_to(data_dir).as_posix())
    if problem is not None:
        problems.append(problem)
    return problem is not None


def file_name_problem(path: Path, shown_in: str = "") -> Problem | None:
    """A ``personal-data-file-name`` problem when the file's (or folder's) name holds personal
    data, showing it masked (inside ``shown_in``); None when the name is clean."""
    name = path.stem if path.is_file() else path.name
    # in a name, _ and - separate words (shawan_139_1234_5678): read them as spaces
    found = personal_data(name.replace("_", " ").replace("-", " "))
    if found is None:
        return None
    kind, masked = found
    if len(masked) == len(name):  # show the name's own separators again
        masked = "".join(o if o in "_-" and m == " " else m for o, m in zip(name, masked))
    shown = masked + (path.suffix if path.is_file() else "")
    shown = f"{shown_in}/{shown}" if shown_in and shown_in != "." else shown
    zh, en = KINDS[kind]
    return Problem.of("personal-data-file-name", shown, 0, "", masked, kind=zh, kind_en=en)


def _unexpected(path: Path, data_dir: Path, problems: list[Problem] | None) -> None:
    if problems is None:
        return
    problems.append(Problem.of("unexpected-file", path.relative_to(data_dir).as_posix()))


def _symlink(path: Path, data_dir: Path, problems: list[Problem] | None) -> None:
    if problems is None:
        return
    inside = Path(data_dir).resolve()
    target = path.resolve()  # only to say where it leads; never opened
    variant = "" if target == inside or inside in target.parents else "outside"
    problems.append(Problem.of("symlink", path.relative_to(data_dir).as_posix(), variant=variant))

