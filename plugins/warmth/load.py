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

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

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


def _fast_read(raw: bytes) -> pd.DataFrame | None:
    """Read a well-formed file with pyarrow (multi-threaded, ~10x pandas' parser).

    Returns None unless every physical line after the header became exactly one
    row — no blank lines, no ragged rows, no line breaks inside quotes — so that
    row numbers are exact; the caller then takes the careful path instead.
    """
    rejected = []

    def on_invalid(row) -> str:
        rejected.append(row)
        return "skip"

    header_line = raw.split(b"\n", 1)[0]
    try:
        names = next(csv.reader([header_line.decode("utf-8").rstrip("\r")]))
        if len(set(names)) != len(names):
            return None
        table = pacsv.read_csv(
            io.BytesIO(raw),
            parse_options=pacsv.ParseOptions(newlines_in_values=False, invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in names},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError, csv.Error):
        return None
    lines = raw.count(b"\n") + (0 if raw.endswith(b"\n") else 1)
    if rejected or table.num_rows != lines - 1 or table.column_names != names:
        return None
    table = pa.table({name: pc.utf8_trim_whitespace(table.column(name)) for name in names})
    return table.to_pandas()


def _careful_read(text: str, name: str, problems: list[Problem]) -> pd.DataFrame | None:
    """pandas' parser, keeping blank lines so row numbers stay spreadsheet rows."""
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
    # short rows come back with missing (NaN) cells; truly blank lines are all-missing
    missing_cells = frame.isna()
    short = missing_cells.any(axis=1) & ~missing_cells.all(axis=1)
    if short.any():
        problems.extend(_ragged_rows(text, len(frame.columns), name))
        return None
    frame = frame.fillna("")
    for col in frame.columns:
        frame[col] = frame[col].str.strip()
    return frame


def read_table(path: Path, name: str, columns: tuple[Column, ...], problems: list[Problem]) -> pd.DataFrame | None:
    """Read one CSV into a frame of stripped text with canonical column names.

    Returns None (and adds problems) when the file cannot be used at all.
    """
    raw = Path(path).read_bytes()
    body = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
    if not body.strip():
        problems.append(Problem(name, 0, "", "", "empty-file", "文件是空的。", "File is empty."))
        return None
    text = _decode(raw, name, problems)
    if text is None:
        return None
    frame = _fast_read(body)
    if frame is None:
        frame = _careful_read(text, name, problems)
        if frame is None:
            return None

    mapping = header_map(columns)
    rename: dict[str, str] = {}
    ok = True
    for raw_header in frame.columns:
        key = normalize_header(str(raw_header))
        canonical = mapping.get(key)
        if canonical is None:
            if (str(raw_header).startswith("Unnamed:") or not str(raw_header).strip()) and (frame[raw_header] == "").all():
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

    frame = frame[list(rename)].rename(columns=rename)
    for col in columns:
        if col.name not in frame.columns:
            frame[col.name] = ""
    frame = frame[[c.name for c in columns]]
    frame["_row"] = np.arange(2, len(frame) + 2, dtype=np.int64)
    first_empty = frame[columns[0].name] == ""
    if first_empty.any():  # only then can a row be blank; checking all columns is costly
        blank = first_empty & (frame[[c.name for c in columns]] == "").all(axis=1)
        frame = frame.loc[~blank]
    frame["_file"] = name
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
