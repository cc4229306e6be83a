"""Errors are data: every problem found in the input is one `Problem` record.

Checks collect problems instead of raising on the first one; the build stops
once, with a report that lists all of them (Chinese first, English after).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from warmth.core.codes import CODE
from warmth.core.schema import RECORD_COLUMNS


def _mask(text: str) -> str:
    """pii.detect's mask, imported when first needed: a no-change rebuild never loads pandas (site/uptodate.py)."""
    from warmth.pii.detect import mask

    return mask(text)


COLUMN_ZH = {c.name: c.zh for c in RECORD_COLUMNS}

# A message quotes at most this many characters of a value: enough to find the
# cell, never a whole 200 MB cell (nor most of a long text that holds personal data).
EXCERPT_CHARS = 40
# The value is masked on this many characters before it is cut, so a personal
# number across the cut is masked as a whole; a longer value is never scanned in full.
MASK_WINDOW = 1_000
# The named values of a message that come from a cell (the others are made by the code).
QUOTED = ("value", "old", "current", "record_id", "field")


def excerpt(value: object, limit: int = EXCERPT_CHARS) -> str:
    """``value`` as a message may quote it: masked first, then at most ``limit`` characters, "…" marking a cut."""
    text = str(value)
    shown = _mask(text[:MASK_WINDOW])
    if len(text) > MASK_WINDOW or len(shown) > limit:
        return shown[: limit - 1] + "…"
    return shown


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with one cell, row or file.

    ``row`` is the spreadsheet row number (header = row 1); 0 means the problem
    concerns the whole file. ``rule`` is a code declared in core/codes.py, and
    the messages come from its templates: make problems with `Problem.of`.
    """

    file: str
    row: int
    column: str
    value: str
    rule: str
    message_zh: str
    message_en: str

    def __post_init__(self) -> None:
        if self.rule not in CODE:
            raise ValueError(f"undeclared problem code {self.rule!r}: declare it in core/codes.py")
        # A problem may quote a cell holding an ID number or a phone number; it
        # reaches terminals, CI logs and report files, so it is masked here, once,
        # and the value is cut to a short excerpt (a cell may hold megabytes).
        object.__setattr__(self, "value", excerpt(self.value))
        for name in ("file", "column", "message_zh", "message_en"):
            object.__setattr__(self, name, _mask(str(getattr(self, name))))

    @classmethod
    def of(cls, code: str, file: str, row: int = 0, column: str = "", value: object = "", /, *, variant: str = "", **values) -> Problem:
        """A problem with the message of ``code`` (its ``variant``), filled with ``values`` (and ``{value}``).

        The value and the other values quoted from cells (`QUOTED`) appear as excerpts.
        """
        value = excerpt(value)
        values = {k: excerpt(v) if k in QUOTED else v for k, v in values.items()}
        zh, en = CODE[code].message(variant, value=value, **values)
        return cls(str(file), int(row), column, value, code, zh, en)

    def format(self) -> str:
        where = self.file
        if self.row:
            where += f" 第{self.row}行 (row {self.row})"
        if self.column:
            zh = COLUMN_ZH.get(self.column)
            where += f" 列 {self.column}（{zh}）" if zh else f" 列 {self.column}"
        shown = f" 值 value: {self.value!r}" if self.value != "" else ""
        return f"{where}:{shown}\n    {self.message_zh}\n    {self.message_en} [{self.rule}]"


class WarmthError(Exception):
    """Base of every error this package reports to a user (no traceback)."""

    def report(self) -> str:
        return str(self)


class ConfigError(WarmthError):
    """The campaign file or the build settings are wrong."""


class BuildError(WarmthError):
    """The build failed for a reason other than the data (a plugin, a template, an unsafe page)."""


class DataError(WarmthError):
    """The input data has problems; carries every one of them."""

    def __init__(self, problems: list[Problem], *, total: int | None = None):
        self.problems = sorted(problems)
        self.total = len(problems) if total is None else total
        super().__init__(self.report())

    def report(self, limit: int = 200, *, building: bool = True) -> str:
        head_zh, head_en = ("未生成网站。", "the site was not built.") if building else ("", "")
        lines = [
            f"数据有 {self.total} 处问题，{head_zh}请逐条修改后重试。",
            f"The data has {self.total} problem(s); {head_en} Fix each and retry.".replace(";  ", "; "),
            "",
        ]
        for problem in self.problems[:limit]:
            lines.append(problem.format())
        if self.total > min(limit, len(self.problems)):
            lines.append("")
            lines.append(
                f"……仅列出前 {min(limit, len(self.problems))} 处。"
                f" / … only the first {min(limit, len(self.problems))} are listed."
            )
        counts = Counter(p.rule for p in self.problems)
        if len(counts) > 1:
            lines.append("")
            lines.append("按规则统计 / by rule: " + ", ".join(f"{r} {n}" for r, n in sorted(counts.items())))
        return "\n".join(lines)
