"""Load: find the input files and read them into frames of text.

Every value stays text here (IDs must not turn into numbers); rows keep their
file and spreadsheet row number (header = row 1) so later checks can point at
the exact cell. Problems with whole files are collected, not raised.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .problems import Problem
from .schema import ALLOCATION_COLUMNS, RECORD_COLUMNS, Column, header_map, normalize_header

ROUNDS_DIR = "rounds"
ALLOCATIONS_FILE = "allocations.csv"
CAMPAIGN_FILE = "campaign.toml"


@dataclass(frozen=True)
class Table:
    """Rows of one or more files: canonical columns plus ``_file`` and ``_row``."""

    frame: pd.DataFrame
    files: tuple[str, ...]


def round_files(data_dir: Path) -> list[tuple[str, Path]]:
    """Every ``rounds/<round>/*.csv`` file as (round folder name, path), sorted."""
    root = Path(data_dir) / ROUNDS_DIR
    if not root.is_dir():
        return []
    found = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        for path in sorted(folder.glob("*.csv")):
            found.append((folder.name, path))
    return found


def _decode(raw: bytes, name: str, problems: list[Problem]) -> str | None:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.append(
            Problem(
                name, 0, "", "", "encoding",
                f"文件不是 UTF-8 编码（第 {exc.start} 字节附近）。请在 Excel 中另存为“CSV UTF-8”。",
                f"File is not UTF-8 (near byte {exc.start}). Save it as 'CSV UTF-8' in Excel.",
            )
        )
        return None


def _ragged_rows(text: str, width: int, name: str) -> list[Problem]:
    """Rows whose field count differs from the header's (only run on failure)."""
    problems = []
    reader = csv.reader(io.StringIO(text))
    next(reader, None)
    for line_no, row in enumerate(reader, start=2):
        if row and len(row) != width and any(cell.strip() for cell in row):
            problems.append(
                Problem(
                    name, line_no, "", f"{len(row)}", "ragged-row",
                    f"这一行有 {len(row)} 个字段，表头有 {width} 个。请检查多余或缺少的逗号。",
                    f"Row has {len(row)} fields but the header has {width}. Check for extra or missing commas.",
                )
            )
    return problems


def read_table(path: Path, name: str, columns: tuple[Column, ...], problems: list[Problem]) -> pd.DataFrame | None:
    """Read one CSV into a frame of stripped text with canonical column names.

    Returns None (and adds problems) when the file cannot be used at all.
    """
    raw = Path(path).read_bytes()
    text = _decode(raw, name, problems)
    if text is None:
        return None
    if not text.strip():
        problems.append(Problem(name, 0, "", "", "empty-file", "文件是空的。", "File is empty."))
        return None
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            engine="c",
        )
    except (pd.errors.ParserError, csv.Error) as exc:
        header = next(csv.reader(io.StringIO(text)), [])
        found = _ragged_rows(text, len(header), name)
        problems.extend(
            found
            or [Problem(name, 0, "", "", "unreadable", f"无法读取此 CSV 文件：{exc}", f"Cannot parse this CSV file: {exc}")]
        )
        return None

    mapping = header_map(columns)
    rename: dict[str, str] = {}
    ok = True
    for raw_header in frame.columns:
        key = normalize_header(str(raw_header))
        canonical = mapping.get(key)
        if canonical is None:
            if str(raw_header).startswith("Unnamed:") and (frame[raw_header] == "").all():
                continue  # a trailing empty column Excel sometimes leaves
            problems.append(
                Problem(
                    name, 1, str(raw_header), str(raw_header), "unknown-column",
                    "未知的列名。请使用说明中的英文或中文列名。",
                    "Unknown column. Use the English or Chinese column names from the README.",
                )
            )
            ok = False
        elif canonical in rename.values():
            problems.append(
                Problem(name, 1, str(raw_header), str(raw_header), "duplicate-column", "列名重复。", "Column appears twice.")
            )
            ok = False
        else:
            rename[raw_header] = canonical
    missing = [c for c in columns if c.name not in rename.values() and c.required != "no"]
    for col in missing:
        problems.append(
            Problem(
                name, 1, col.name, "", "missing-column",
                f"缺少必需的列“{col.zh}”（{col.name}）。",
                f"Required column '{col.name}' ({col.zh}) is missing.",
            )
        )
    if not ok or missing:
        return None

    width = len(frame.columns)
    frame = frame[list(rename)].rename(columns=rename)
    # short rows come back with missing (NaN) cells; truly blank lines are all-missing
    missing_cells = frame.isna()
    short = missing_cells.any(axis=1) & ~missing_cells.all(axis=1)
    if short.any():
        problems.extend(_ragged_rows(text, width, name))
        return None
    for col in columns:
        if col.name not in frame.columns:
            frame[col.name] = ""
    frame = frame[[c.name for c in columns]]
    frame = frame.fillna("")
    for col in frame.columns:
        frame[col] = frame[col].str.strip()
    frame["_row"] = pd.RangeIndex(2, len(frame) + 2, dtype="int64")
    blank = (frame[[c.name for c in columns]] == "").all(axis=1)
    frame = frame.loc[~blank]
    frame.insert(len(frame.columns), "_file", name)
    return frame


def load_records(data_dir: Path, problems: list[Problem]) -> Table:
    """Every record of every round folder, with ``_folder`` holding the folder name."""
    frames = []
    files = []
    for folder, path in round_files(data_dir):
        name = path.relative_to(data_dir).as_posix()
        files.append(name)
        frame = read_table(path, name, RECORD_COLUMNS, problems)
        if frame is not None and len(frame):
            frame["_folder"] = folder
            frames.append(frame)
    columns = [c.name for c in RECORD_COLUMNS] + ["_row", "_file", "_folder"]
    if frames:
        frame = pd.concat(frames, ignore_index=True)
    else:
        frame = pd.DataFrame({c: pd.Series(dtype="int64" if c == "_row" else "str") for c in columns})
    frame["_file"] = frame["_file"].astype("category")
    frame["_folder"] = frame["_folder"].astype("category")
    return Table(frame[columns], tuple(files))


def load_allocations(data_dir: Path, problems: list[Problem]) -> Table:
    path = Path(data_dir) / ALLOCATIONS_FILE
    columns = [c.name for c in ALLOCATION_COLUMNS] + ["_row", "_file"]
    frame = None
    if path.exists():
        frame = read_table(path, ALLOCATIONS_FILE, ALLOCATION_COLUMNS, problems)
    if frame is None:
        frame = pd.DataFrame({c: pd.Series(dtype="int64" if c == "_row" else "str") for c in columns})
    return Table(frame[columns], (ALLOCATIONS_FILE,) if path.exists() else ())
