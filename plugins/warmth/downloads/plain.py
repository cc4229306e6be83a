"""Every published cell is plain text: nothing a spreadsheet would run as a formula.

A text cell that starts with = + - @, a tab or a carriage return runs as a
formula when Excel or WPS opens the file (CSV injection; openpyxl even turns
such a string into a live formula by itself). The inputs refuse them where
they are typed (records, corrections, campaign.toml); here the workbooks are
written with every string typed as a string, and `check_plain_cells` reads back
every CSV and .xlsx file under /data/ before the build may finish. A number is
no formula: a negative balance ``-12.30`` is fine.

The CSV scan is exact and cheap enough for million-row files: numpy finds the
bytes that could start such a field (a formula character right after a comma,
a line break or a quote), quote parity tells which really start a field, and
only those few cells are read.
"""

from __future__ import annotations

import mmap
import re
import zipfile
from pathlib import Path

import numpy as np

from warmth.core.files import BOM
from warmth.core.problems import BuildError
from warmth.core.schema import FORMULA_START
from warmth.pii.detect import mask

_NUMBER = re.compile(r"[-+]?[0-9]+(?:\.[0-9]+)?")
_FORMULA_BYTES = tuple(ord(c) for c in FORMULA_START)
_QUOTE, _COMMA, _NEWLINE = ord('"'), ord(","), ord("\n")
_CHUNK = 1 << 20  # bytes per numpy pass: the masks stay in the CPU cache
_FORMULA_ELEMENT = re.compile(rb"<(?:\w+:)?f[\s>/]")  # <f>…</f> in a worksheet's XML is a formula
_SHOWN = 60  # characters of a cell a message quotes


def starts_like_formula(text: str) -> bool:
    """True for text a spreadsheet would run as a formula (a plain number is not)."""
    return text.startswith(FORMULA_START) and not _NUMBER.fullmatch(text)


def append_text_row(sheet, values: list) -> None:
    """``sheet.append(values)`` with every string a string: openpyxl would make "=…" a formula.

    A string that starts like a formula is also marked quotePrefix, so that
    Excel keeps it text even when someone edits the cell.
    """
    sheet.append(values)
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"
            if cell.value.startswith(FORMULA_START):
                cell.quotePrefix = True


# --- the final check -----------------------------------------------------------------


def check_plain_cells(folder: Path) -> None:
    """Raise BuildError naming every CSV or .xlsx cell under ``folder`` that could run as a formula."""
    by_file: dict[str, list[str]] = {}
    for path, value in formula_cells(folder):
        by_file.setdefault(path, []).append(value)
    if by_file:
        raise BuildError(
            "下载文件中有以 = + - @、制表符或回车开头的文字（电子表格打开时会当作公式执行），网站未生成：\n"
            "Published downloads hold text that starts like a formula (= + - @, tab or CR; a spreadsheet "
            "would run it); the site was not built:\n"
            + "\n".join(
                f"  - /data/{path}: {len(values)} 处 / cell(s), " + ", ".join(values[:3]) + (" …" if len(values) > 3 else "")
                for path, values in by_file.items()
            )
        )


def formula_cells(folder: Path) -> list[tuple[str, str]]:
    """(path under ``folder``, the cell as shown, masked) for every cell that could run as a formula."""
    folder = Path(folder)
    found = []
    for path in sorted(folder.rglob("*")):
        suffix = path.suffix.lower()
        if not path.is_file() or suffix not in (".csv", ".xlsx"):
            continue
        cells = _csv_cells(path) if suffix == ".csv" else _xlsx_cells(path)
        rel = path.relative_to(folder).as_posix()
        found += [(rel, repr(mask(text[:_SHOWN]))) for text in cells]
    return found


def _csv_cells(path: Path) -> list[str]:
    """The fields of a CSV file that start like a formula."""
    with open(path, "rb") as handle:
        if not handle.seek(0, 2):
            return []
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as view:
            data = np.frombuffer(view, dtype=np.uint8)
            try:
                start = len(BOM) if view[: len(BOM)] == BOM else 0
                texts = [_field_at(view, at, quoted) for at, quoted in _field_starts(data, start)]
            finally:
                del data  # the mmap cannot close while numpy still holds it
    return [t for t in texts if starts_like_formula(t)]


def _field_starts(data: np.ndarray, start: int):
    """(offset of the text, quoted?) of every field whose first character is a formula character.

    A candidate is a formula byte after a comma, a line break or a quote (or at
    the start). It starts a field only outside quotes: an even number of quote
    characters before it (escaped quotes come in pairs) — and, after a quote,
    when that quote opens the field. Masks are computed in place, a chunk at a
    time, so a 200 MB file costs a few tenths of a second and no copy.
    """
    n = len(data)
    hit, after, scratch = (np.empty(_CHUNK, dtype=bool) for _ in range(3))
    quotes_before = 0  # quote characters in data[start:off]
    for off in range(start, n, _CHUNK):
        end = min(off + _CHUNK, n)
        chunk = data[off:end]
        prev = data[off - 1 : end - 1] if off > start else np.concatenate(([_NEWLINE], data[off : end - 1])).astype(np.uint8)
        h, a, t = hit[: end - off], after[: end - off], scratch[: end - off]
        np.equal(chunk, _FORMULA_BYTES[0], out=h)
        for byte in _FORMULA_BYTES[1:]:
            h |= np.equal(chunk, byte, out=t)
        np.equal(prev, _COMMA, out=a)
        a |= np.equal(prev, _NEWLINE, out=t)
        a |= np.equal(prev, _QUOTE, out=t)
        h &= a
        quote = np.equal(chunk, _QUOTE, out=t)
        if h.any():
            counts = quotes_before + np.concatenate(([0], np.cumsum(quote)))  # counts[k]: quotes in data[start:off+k]
            for k in np.flatnonzero(h).tolist():
                x = off + k
                if x > start and data[x - 1] == _QUOTE:
                    before = counts[k - 1] if k else quotes_before - 1  # quotes before the quote at x-1
                    opens = x - 1 == start or data[x - 2] in (_COMMA, _NEWLINE)
                    if before % 2 == 0 and opens:
                        yield x, True
                elif counts[k] % 2 == 0:
                    yield x, False
        quotes_before += int(np.count_nonzero(quote))


def _field_at(view, at: int, quoted: bool) -> str:
    """The text of the field starting at ``at`` (at most a few hundred bytes of it)."""
    limit = at + 512
    if not quoted:
        end = min(e for e in (view.find(b",", at, limit), view.find(b"\n", at, limit), limit) if e >= 0)
        return bytes(view[at:end]).removesuffix(b"\r").decode("utf-8", "replace")
    out = bytearray()
    i = at
    while i < limit:
        j = view.find(b'"', i, limit)
        if j < 0:
            out += view[i:limit]
            break
        if view[j + 1 : j + 2] == b'"':
            out += view[i : j + 1]
            i = j + 2
        else:
            out += view[i:j]
            break
    return out.decode("utf-8", "replace")


def _xlsx_cells(path: Path) -> list[str]:
    """Formulas and text cells that start like one, in every worksheet of a workbook."""
    from openpyxl import load_workbook

    found = []
    with zipfile.ZipFile(path) as book:
        for name in book.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml") and _FORMULA_ELEMENT.search(book.read(name)):
                found.append(f"<f> ({name})")
    for sheet in load_workbook(path).worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                text = cell.value if isinstance(cell.value, str) else ""
                if cell.data_type == "f" or starts_like_formula(text):
                    found.append(f"{cell.coordinate} {text or cell.value!s}")
    return found
