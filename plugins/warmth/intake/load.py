"""Load: find the input files and read them into frames of text.

Every value stays text here (IDs must not turn into numbers); rows keep their
file and spreadsheet row number (header = row 1) so later checks can point at
the exact cell. Problems with whole files are collected, not raised.

Two readers share one header check: pyarrow reads well-formed files fast
(multi-threaded); any file where a physical line is not exactly one record
(blank lines inside, line breaks inside quotes, ragged rows) is read by the
csv module instead, which numbers every record exactly and names every ragged
row. Both yield the same frame for the same rows.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from warmth.core.files import BOM
from warmth.core.layout import ALLOCATIONS_FILE
from warmth.core.problems import Problem
from warmth.core.schema import ALLOCATION_COLUMNS, RECORD_COLUMNS, Column, header_map, normalize_header
from warmth.intake.forms import bare, csv_form, is_header, is_serial, known_names, shape_form
from warmth.intake.listing import round_files
from warmth.intake.rowcache import RowCache
from warmth.intake.sources import SourceError, decode_csv, read_sheet
from warmth.pii.headers import is_personal_header

log = logging.getLogger("warmth")


@dataclass(frozen=True)
class Table:
    """Rows of one or more files: canonical columns plus ``_file`` and ``_row``.

    ``digests`` maps each file read to the SHA-256 of the very bytes parsed, so
    caches are keyed by what was read, not by what is on disk later.
    """

    frame: pd.DataFrame
    files: tuple[str, ...]
    digests: dict[str, str]
    absent: dict[str, tuple[str, ...]] = field(default_factory=dict)  # file → required columns it lacks
    notices: tuple[str, ...] = ()  # what was read past in form-style sheets (title lines, totals, footers)


def _decode(raw: bytes, name: str, problems: list[Problem]) -> str | None:
    """The whole file as text (UTF-8 with or without BOM, else GB18030), or a problem."""
    try:
        return decode_csv(raw)[0]
    except SourceError as exc:
        problems.append(exc.problem(name))
        return None


SKIP = "_skip"  # a column read past: 序号, or one already reported (unknown, personal data, a second copy)


def _map_header(
    header: list[str], columns: tuple[Column, ...], name: str, problems: list[Problem], row: int = 1
) -> tuple[list[str | None], bool]:
    """Canonical name per header cell (None: an empty column, checked below; `SKIP`: read past), and whether it is clean.

    A header cell may hold line breaks and spaces (``金额\n（元）``). Problems go to ``problems``.
    """
    mapping = {bare(k): v for k, v in header_map(columns).items()}
    names: list[str | None] = []
    ok = True
    for raw_header in header:
        canonical = mapping.get(bare(raw_header))
        if canonical is None and not raw_header.strip():
            names.append(None)  # Excel sometimes leaves an empty column; its cells are checked below
        elif canonical is None and is_serial(raw_header):
            names.append(SKIP)
        elif canonical is None and is_personal_header(raw_header):
            problems.append(Problem.of("personal-data-column", name, row, raw_header, raw_header))
            ok = False
            names.append(SKIP)
        elif canonical is None:
            problems.append(Problem.of("unknown-column", name, row, raw_header, raw_header))
            ok = False
            names.append(SKIP)
        elif canonical in names:
            problems.append(Problem.of("duplicate-column", name, row, raw_header, raw_header))
            ok = False
            names.append(SKIP)
        else:
            names.append(canonical)
    for col in columns:
        if col.required != "no" and col.name not in names:
            problems.append(Problem.of("missing-column", name, row, col.name, label=col.zh, column=col.name))
            ok = False
    return names, ok


def _fast_read(body: bytes, width: int, start: int = 0) -> list[pa.ChunkedArray] | None:
    """pyarrow's reader, for UTF-8 files where every physical line is one record.

    Returns the raw columns, or None whenever one-line-one-record cannot be
    proven (then row numbers could be wrong) and the careful reader takes over.
    """
    rejected = []
    end = len(body)
    while end and body[end - 1] in b"\r\n":  # trailing blank lines are harmless
        end -= 1
    view = pa.py_buffer(body).slice(start, max(end - start, 0))  # no copy of a large file
    if not _is_utf8(view):
        return None
    try:
        table = pacsv.read_csv(
            pa.BufferReader(view),
            read_options=pacsv.ReadOptions(column_names=[f"c{i}" for i in range(width)], skip_rows=1),
            parse_options=pacsv.ParseOptions(newlines_in_values=False, invalid_row_handler=lambda row: rejected.append(row) or "skip"),
            convert_options=pacsv.ConvertOptions(
                column_types={f"c{i}": pa.string() for i in range(width)},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid:
        return None
    lines = body.count(b"\n", start, end) + 1
    if rejected or table.num_rows != lines - 1:
        return None
    return [table.column(i) for i in range(width)]


def _careful_read(text: str, width: int, name: str, problems: list[Problem]) -> tuple[list[list[str]], list[int]] | None:
    """The csv module, record by record: exact row numbers and every ragged row named.

    Only odd files come here (blank lines inside, line breaks in cells, ragged
    rows, non-UTF-8 encodings). Returns (rows of cells, their row numbers).
    """
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        problems.append(Problem.of("unreadable", name, variant="csv", detail=exc))
        return None
    rows, numbers, bad = [], [], False
    for number, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue  # blank row
        if len(record) != width:
            bad = True
            problems.append(Problem.of("ragged-row", name, number, "", len(record), fields=len(record), width=width))
            continue
        rows.append(record)
        numbers.append(number)
    return None if bad else (rows, numbers)


def clean_text(values) -> pa.Array:
    """NFKC (full-width digits, letters, brackets and spaces become ordinary ones), then trimmed.

    ASCII-only columns skip NFKC (a no-op there); columns of repeating values
    normalise each distinct value once.
    """
    values = pa.chunked_array([values]) if isinstance(values, pa.Array) else values
    values = values.cast(pa.string())
    if len(values) == 0 or pc.all(pc.string_is_ascii(values)).as_py() is not False:
        return pc.utf8_trim_whitespace(values)
    distinct = pc.unique(values)
    if len(distinct) * 4 <= len(values):
        cleaned = pc.utf8_trim_whitespace(pc.utf8_normalize(distinct, form="NFKC"))
        return pc.take(cleaned, pc.index_in(values, value_set=distinct))
    return pc.utf8_trim_whitespace(pc.utf8_normalize(values, form="NFKC"))


def _rows_to_columns(rows: list[list[str]], width: int) -> list[pa.Array]:
    return [pa.array([row[i] for row in rows], type=pa.string()) for i in range(width)]


def _header(text: str) -> list[str]:
    return [cell.strip() for cell in next(csv.reader(io.StringIO(text, newline="")), [])]


def _read_csv(raw: bytes, name: str, problems: list[Problem]) -> tuple[list[str], list, np.ndarray] | None:
    """(header, raw columns, row numbers) of a CSV file, or None with problems."""
    start = len(BOM) if raw.startswith(BOM) else 0  # offsets, not slices: no copy of a large file
    if re.compile(rb"\s*\Z").match(raw, start):
        problems.append(Problem.of("empty-file", name))
        return None
    # Most files are UTF-8: their header comes from the first line alone and
    # pyarrow checks the rest (decoding a million-row file first would cost
    # more than parsing it). Anything else takes the full decode.
    newline = raw.find(b"\n", start)
    first_line = raw[start : newline if newline >= 0 else len(raw)]
    text = None
    try:
        head = first_line.decode("utf-8") if first_line.count(b'"') % 2 == 0 else None
    except UnicodeDecodeError:
        head = None
    if head is None:
        text = _decode(raw, name, problems)
        if text is None:
            return None
        head = text
    try:
        header = _header(head)
    except csv.Error as exc:
        problems.append(Problem.of("unreadable", name, 1, variant="header", detail=exc))
        return None
    if not any(header):
        return header, [], np.zeros(0, dtype=np.int64)  # reported as no-header by the caller
    width = len(header)
    # the fast reader proves one line = one record by counting "\n": a bare CR would
    # split a record unseen, and NUL bytes mean a binary file (decode_csv says so)
    odd = raw.count(b"\r") != raw.count(b"\r\n") or b"\x00" in raw
    columns = _fast_read(raw, width, start) if text is None and not odd else None
    if columns is None:
        text = text if text is not None else _decode(raw, name, problems)
        if text is None:
            return None
        if not _is_utf8(pa.py_buffer(raw).slice(start)):  # e.g. GB18030 from Excel's plain "CSV": the fast reader wants UTF-8
            columns = _fast_read(text.encode("utf-8"), width)
    if columns is not None:
        return header, columns, np.arange(2, len(columns[0]) + 2, dtype=np.int64)
    parsed = _careful_read(text, len(header), name, problems)
    if parsed is None:
        return None
    rows, numbers = parsed
    return header, _rows_to_columns(rows, len(header)), np.array(numbers, dtype=np.int64)


def _is_utf8(raw: bytes | pa.Buffer) -> bool:
    """Arrow's UTF-8 validation (SIMD, zero-copy): ~10x faster than bytes.decode."""
    buffer = raw if isinstance(raw, pa.Buffer) else pa.py_buffer(raw)
    offsets = pa.py_buffer(np.array([0, buffer.size], dtype=np.int64).tobytes())
    try:
        pa.Array.from_buffers(pa.large_string(), 1, [None, offsets, buffer]).validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


DATE_HEADERS = frozenset(normalize_header(h) for h in ("date", "发放日期", "filed_on", "建档日期"))


def _read_xlsx(raw: bytes, name: str, problems: list[Problem], columns: tuple[Column, ...]):
    """(header, raw columns, row numbers, header row, merged ranges) of a workbook's first sheet, or None."""
    try:
        sheet = read_sheet(raw, date_columns=DATE_HEADERS, header_names=known_names(columns))
    except SourceError as exc:
        problems.append(exc.problem(name, 1 if exc.rule == "no-header" else 0))
        return None
    width = len(sheet.header)
    rows = [cells + [""] * (width - len(cells)) if len(cells) < width else cells[:width] for _, cells in sheet.rows]
    numbers = np.array([number for number, _ in sheet.rows], dtype=np.int64)
    return sheet.header, _rows_to_columns(rows, width), numbers, sheet.header_row, sheet.merged


def read_table(
    path: Path, name: str, columns: tuple[Column, ...], problems: list[Problem], *, require_rows: bool = True,
    raw: bytes | None = None, notices: list[str] | None = None,
) -> tuple[pd.DataFrame | None, str]:
    """Read one CSV or .xlsx file into a frame of clean text with canonical column names.

    Returns (frame or None when the file cannot be used, SHA-256 of the bytes read).
    ``raw``: the file's bytes when the caller has read them already.
    A form-style sheet is read as staff mean it (`intake.forms`: title lines,
    序号, total rows, footer lines; a line about them goes to ``notices``). A
    header problem does not hide a record file's rows: they are checked with
    the columns that were recognised, and ``frame.attrs["absent"]`` names the
    columns the file lacks (no cell of those is reported empty). Other tables
    with a header problem are not used, as before.
    """
    raw = Path(path).read_bytes() if raw is None else raw
    digest = hashlib.sha256(raw).hexdigest()
    header_row, merged = 1, ()
    if Path(path).suffix.lower() == ".xlsx":
        sheet = _read_xlsx(raw, name, problems, columns)  # the very bytes digested
        if sheet is not None:
            *sheet, header_row, merged = sheet
    else:
        sheet = _read_csv(raw, name, problems)
        text = _decode(raw, name, []) if sheet is not None and not is_header(sheet[0], known_names(columns)) else None
        form = csv_form(text, known_names(columns), name, problems) if text is not None else None
        if form is not None:
            header, form_rows, numbers, header_row = form
            sheet = header, _rows_to_columns(form_rows, len(header)), np.array(numbers, dtype=np.int64)
    if sheet is None:
        return None, digest
    header, raw_columns, rows = sheet
    if not any(header):
        problems.append(Problem.of("no-header", name, 1))
        return None, digest
    header_problems: list[Problem] = []
    names, clean = _map_header(header, columns, name, header_problems, header_row)
    if not clean:
        # a CSV in an unreadable encoding is reported as that, not as odd headers
        if Path(path).suffix.lower() != ".xlsx" and _decode(raw, name, problems) is None:
            return None, digest
        problems.extend(header_problems)
        if columns is not RECORD_COLUMNS or not any(n not in (None, SKIP) for n in names):
            return None, digest  # a small table (allocations, corrections …), or nothing recognisable: rows not checked
    if not raw_columns:
        raw_columns = [pa.array([], type=pa.string()) for _ in header]

    frame = pa.table([clean_text(col) for col in raw_columns], names=[f"_c{i}" for i in range(len(raw_columns))]).to_pandas()
    frame.columns = [n if n not in (None, SKIP) else f"_drop{i}" if n is None else f"_skip{i}" for i, n in enumerate(names)]
    frame["_row"] = rows
    frame = shape_form(frame, name, header_row, merged, problems, notices)
    for i, n in enumerate(names):
        if n is None:
            filled = frame[f"_drop{i}"] != ""
            for row in frame.loc[filled, "_row"].head(5):
                problems.append(Problem.of("unnamed-column", name, row, f"（第 {i + 1} 列）", number=i + 1))
            if filled.any():
                return None, digest
    for col in columns:
        if col.name not in frame.columns:
            frame[col.name] = ""
    frame = frame[[c.name for c in columns] + ["_row"]]
    if len(frame):
        first_empty = frame[columns[0].name] == ""
        if first_empty.any():  # only then can a row be blank; checking all columns is costly
            blank = first_empty & (frame[[c.name for c in columns]] == "").all(axis=1)
            frame = frame.loc[~blank]
    if not len(frame) and require_rows:
        problems.append(Problem.of("no-rows", name))
        return None, digest
    frame["_file"] = name
    frame.attrs["absent"] = tuple(c.name for c in columns if c.name not in names)
    return frame, digest


def load_records(data_dir: Path, problems: list[Problem], cache: Path | None = None, progress=None) -> Table:
    """Every record of every round folder, with ``_folder`` holding the folder name.

    ``cache``: a folder where each file's rows are kept by its bytes' digest (intake/rowcache.py).
    ``progress``: called with each file's name once it is read.
    """
    frames = []
    files = []
    digests = {}
    rows = RowCache(cache) if cache is not None else None
    absent, notices = {}, []
    try:
        for folder, path in round_files(data_dir, problems):
            name = path.relative_to(data_dir).as_posix()
            files.append(name)
            frame, digests[name] = _read_round_file(path, name, problems, rows, notices)
            if progress is not None:
                progress(name)
            if frame is not None:
                if frame.attrs.get("absent"):
                    absent[name] = frame.attrs["absent"]
                frame["_folder"] = folder
                frames.append(frame)
    finally:
        if rows is not None:
            rows.flush()  # the entries stored in the background are all written
    columns = [c.name for c in RECORD_COLUMNS] + ["_row", "_file", "_folder"]
    if frames:
        frame = pd.concat(frames, ignore_index=True)
    else:
        frame = pd.DataFrame({c: pd.Series(dtype="int64" if c == "_row" else "str") for c in columns})
    frame["_file"] = frame["_file"].astype("category")
    frame["_folder"] = frame["_folder"].astype("category")
    if rows is not None:
        rows.sweep()
    for line in notices:  # form-style sheets: what was read past (row numbers only, never the text)
        log.info("说明 / note: %s", line)
    return Table(frame[columns], tuple(files), digests, absent, tuple(notices))


def _read_round_file(
    path: Path, name: str, problems: list[Problem], rows: RowCache | None, notices: list[str]
) -> tuple[pd.DataFrame | None, str]:
    """read_table for a round file, through the rows cache: a file read cleanly once is not parsed again.

    Only a plain table is stored: a file with problems, or a form-style sheet (whose notice staff should see at
    every build), is read afresh each time (an .xlsx then from the workbook cache, intake/workbookcache.py).
    """
    if rows is None:
        return read_table(path, name, RECORD_COLUMNS, problems, notices=notices)
    raw = Path(path).read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    frame = rows.get(digest, name)
    if frame is not None:
        frame["_file"] = name
        return frame, digest
    before, noted = len(problems), len(notices)
    frame, digest = read_table(path, name, RECORD_COLUMNS, problems, raw=raw, notices=notices)
    if frame is not None and len(problems) == before and len(notices) == noted:
        rows.put(digest, frame.drop(columns="_file"))
    return frame, digest


def load_allocations(data_dir: Path, problems: list[Problem]) -> Table:
    """allocations.csv, which is optional: pairs not listed count as 0.00."""
    path = Path(data_dir) / ALLOCATIONS_FILE
    columns = [c.name for c in ALLOCATION_COLUMNS] + ["_row", "_file"]
    frame, digests = None, {}
    if path.exists():
        # a header-only allocations file just means "nothing allocated yet"
        frame, digests[ALLOCATIONS_FILE] = read_table(path, ALLOCATIONS_FILE, ALLOCATION_COLUMNS, problems, require_rows=False)
    if frame is None:
        frame = pd.DataFrame({c: pd.Series(dtype="int64" if c == "_row" else "str") for c in columns})
    return Table(frame[columns], tuple(digests), digests)
