"""Reading the published CSV files with the csv module, and the format promised to auditors.

The first read of a file also checks its format: UTF-8 with BOM, every field
quoted, as many fields as the header, every amount with exactly two decimals.
`check_format` reads the CSV files no other check read and reports it all.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from functools import partial

from warmth.audit.folder import DataFolder
from warmth.audit.report import Check

BOM = b"\xef\xbb\xbf"
AMOUNT_COLUMNS = {"amount_yuan", "allocated_yuan", "disbursed_yuan", "balance_yuan"}
SHOWN_FORMAT_PER_FILE = 5
FORMAT_NAME = (
    "CSV 格式：UTF-8 带 BOM、字段都加引号、金额两位小数",
    "CSV format: UTF-8 with BOM, every field quoted, amounts with exactly two decimals",
)

_AMOUNT = re.compile(r"(?:0|[1-9][0-9]*)\.[0-9]{2}")
_SIGNED_AMOUNT = re.compile(r"-?(?:0|[1-9][0-9]*)\.[0-9]{2}")
_FIELD = r'"[^"]*(?:""[^"]*)*"'
_RECORD = re.compile(rf"{_FIELD}(?:,{_FIELD})*")


class Unreadable(Exception):
    """A CSV file cannot be read at all (missing, not UTF-8, broken quoting); the message says why."""


def decimal(text: str) -> Decimal | None:
    """The exact value of an amount, or None when the text is not a finite number."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def money(value: Decimal) -> str:
    return f"{value:.2f}"


class _QuotingWatch:
    """Passes a file's lines to the csv module unchanged, checking that every field is quoted.

    A record ends at a line end outside quotes (an even count of quote
    characters so far); each record must be ``"…","…",…`` with inner quotes doubled.
    """

    def __init__(self, handle, complain) -> None:
        self.handle = handle
        self.complain = complain
        self.pending: list[str] = []
        self.quotes = 0
        self.row = 0

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = next(self.handle)
        self.pending.append(line)
        self.quotes += line.count('"')
        if self.quotes % 2 == 0:
            record = "".join(self.pending)
            self.pending, self.quotes = [], 0
            self.row += 1
            body = record.removesuffix("\n").removesuffix("\r")
            if not _RECORD.fullmatch(body):
                shown = body if len(body) <= 60 else body[:57] + "…"
                self.complain(self.row, f"有字段没有加引号（每个字段都应在双引号内）/ a field is not quoted: {shown!r}")
        return line


def _amount_columns(rel: str, header: list[str]) -> list[tuple[int, str, bool, bool]]:
    """(position, name, required, signed) of each amount column: summaries may leave an amount empty (not yet reported)."""
    return [
        (i, name, not rel.startswith("summary/") or name == "allocated_yuan", name == "balance_yuan")
        for i, name in enumerate(header)
        if name in AMOUNT_COLUMNS
    ]


def _row_format(fields: list[str], header: list[str], amounts: list[tuple[int, str, bool, bool]]) -> Iterator[str]:
    if len(fields) != len(header):
        yield f"有 {len(fields)} 个字段，表头有 {len(header)} 个 / {len(fields)} fields, the header has {len(header)}"
    for i, name, required, signed in amounts:
        value = fields[i] if i < len(fields) else ""
        if value == "" and not required:
            continue
        if not (_SIGNED_AMOUNT if signed else _AMOUNT).fullmatch(value):
            yield f"{name} = {value!r} 不是恰好两位小数的金额 / is not an amount with exactly two decimals"


class CsvFiles:
    """The published CSV files of one folder, and the format problems found while reading them."""

    def __init__(self, folder: DataFolder) -> None:
        self.folder = folder
        self.issues: dict[str, list[str]] = defaultdict(list)  # the first few per file
        self.counts: dict[str, int] = defaultdict(int)  # all of them
        self.scanned: set[str] = set()  # read at least once: format checked on the first read
        self.complete: set[str] = set()  # the first read reached the end, or a row that cannot be read

    def _complain(self, rel: str, row: int, message: str) -> None:
        self.counts[rel] += 1
        if self.counts[rel] <= SHOWN_FORMAT_PER_FILE:
            where = f" 第{row}行 (row {row})" if row else ""
            self.issues[rel].append(f"{rel}{where}: {message}")

    def rows(self, rel: str) -> Iterator[list[str]]:
        """The header, then every row of a published CSV, parsed by the csv module.

        The first read of a file also checks its format. Raises Unreadable when
        the file is missing or parsing stops.
        """
        if not self.folder.exists(rel):
            raise Unreadable(f"{rel}: 文件不存在 / file missing")
        check = rel not in self.scanned
        self.scanned.add(rel)
        complain = partial(self._complain, rel)
        path = self.folder.path / rel
        if check:
            with open(path, "rb") as raw:
                if raw.read(3) != BOM:
                    complain(0, "文件开头没有 UTF-8 BOM / the file does not start with a UTF-8 BOM")
        with open(path, encoding="utf-8-sig", errors="strict", newline="") as handle:
            reader = csv.reader(_QuotingWatch(handle, complain) if check else handle, strict=True)
            header = None
            number = 0
            try:
                for number, fields in enumerate(reader, 1):
                    if header is None:
                        header = fields
                        amounts = _amount_columns(rel, header)
                    elif check:
                        for message in _row_format(fields, header, amounts):
                            complain(number, message)
                    yield fields
            except UnicodeDecodeError as exc:
                message = f"不是 UTF-8 编码（第 {number + 1} 行附近）/ not UTF-8 (near row {number + 1}): {exc.reason}"
                if check:
                    complain(0, message)
                    self.complete.add(rel)
                raise Unreadable(f"{rel}: {message}") from None
            except csv.Error as exc:
                message = f"无法按 CSV 读取（第 {number + 1} 行附近）/ unreadable as CSV near row {number + 1}: {exc}"
                if check:
                    complain(number + 1, message)
                    self.complete.add(rel)
                raise Unreadable(f"{rel}: {message}") from None
        if check:
            self.complete.add(rel)
            if header is None:
                complain(0, "空文件，没有表头 / empty file, no header")

    def forget(self, rel: str) -> None:
        """Drop what a first read found, so that the next read checks the format again."""
        self.scanned.discard(rel)
        self.complete.discard(rel)
        self.issues.pop(rel, None)
        self.counts.pop(rel, None)

    def tables(self, *rels: str) -> list[list[list[str]]]:
        """Whole small files, header first; Unreadable names the first missing file before any is read."""
        for rel in rels:
            if not self.folder.exists(rel):
                raise Unreadable(f"{rel}: 文件不存在 / file missing")
        return [list(self.rows(rel)) for rel in rels]

    def table(self, rel: str) -> list[list[str]]:
        return self.tables(rel)[0]


def check_format(csvs: CsvFiles) -> Check:
    """Every CSV file: read the ones no other check read to their end, then report the format problems of all.

    A check may stop reading a file early (a header that differs): that file is read again, whole.
    """
    for rel in csvs.folder.csv_files():
        if rel not in csvs.complete:
            csvs.forget(rel)
            try:
                for _ in csvs.rows(rel):
                    pass
            except Unreadable:
                pass
    issues = []
    for rel in sorted(csvs.issues):
        issues += csvs.issues[rel]
        more = csvs.counts[rel] - len(csvs.issues[rel])
        if more:
            issues.append(f"{rel}: ……另有 {more} 处格式问题 / … {more} more format problems")
    return Check.of(FORMAT_NAME, issues, f"{len(csvs.folder.csv_files())} 个 CSV 文件 / CSV files")
