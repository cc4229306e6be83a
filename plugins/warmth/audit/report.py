"""The verdicts: one `Check` per promise made to auditors, and the `Report` that prints them.

Every line is Chinese first, English after. A check may carry a caveat: what it
could not check from the public data (a rule that needs withheld fields), printed
with ⚠ under its verdict, pass or fail, and counted in the last line, so that a
limit is never mistaken for a pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

SHOWN_PER_CHECK = 30


@dataclass(frozen=True)
class Check:
    """One check: its name in Chinese and English, the verdict and what was found."""

    name_zh: str
    name_en: str
    ok: bool
    detail: str = ""
    listing: bool = False  # a passing check whose every line is printed (the redactions)
    caveat: str = ""  # what the public data cannot show: printed under the verdict, pass or fail

    @classmethod
    def of(cls, name: tuple[str, str], issues: list[str], passed: str, caveat: str = "") -> Check:
        """Passed when nothing was found; the detail is every issue, one per line, or else `passed`."""
        return cls(name[0], name[1], not issues, "\n".join(issues) or passed, caveat=caveat)

    def lines(self, limit: int = SHOWN_PER_CHECK) -> list[str]:
        caveat = [f"    ⚠ {line}" for line in self.caveat.splitlines()]
        return self._verdict(limit) + caveat

    def _verdict(self, limit: int) -> list[str]:
        mark = "✓" if self.ok else "✗"
        detail = self.detail.splitlines()
        head = f"{mark} {self.name_zh} / {self.name_en}"
        if self.ok and self.listing and len(detail) > 1:
            return [f"{head}: {detail[0]}", *(f"    {line}" for line in detail[1:])]
        if self.ok or len(detail) <= 1:
            return [head + (f": {detail[0]}" if detail else "")]
        shown = [f"    {line}" for line in detail[:limit]]
        if len(detail) > limit:
            shown.append(f"    ……另有 {len(detail) - limit} 处 / … {len(detail) - limit} more")
        return [head, *shown]


@dataclass
class Report:
    folder: Path
    data: Path | None
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]

    def format(self) -> str:
        lines = [f"核对 / verifying: {self.data or self.folder}"]
        for check in self.checks:
            lines += check.lines()
        limited = sum(1 for c in self.checks if c.caveat)
        if limited:
            lines.append(
                f"⚠ 其中 {limited} 项有公开数据无法核对的部分（见上）。/ {limited} check(s) have parts the public data cannot show (see ⚠ above)."
            )
        if self.ok:
            lines.append(f"全部 {len(self.checks)} 项检查通过。/ All {len(self.checks)} checks passed.")
        else:
            n = len(self.failed)
            lines.append(f"{n} 项检查未通过（共 {len(self.checks)} 项）。/ {n} of {len(self.checks)} checks failed.")
        return "\n".join(lines)
