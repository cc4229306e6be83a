"""Tables and figure lists of a built page, read with the standard library's HTML parser.

Tests look a figure up by where it is shown — the row's label and the column's
header, or a stat's term — rather than searching the whole page for it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path


@dataclass
class Table:
    caption: str = ""
    section: str = ""  # id of the last <h2> before the table
    head: list[list[str]] = field(default_factory=list)  # header rows (thead)
    rows: list[list[str]] = field(default_factory=list)  # body rows, first cell is the row label
    foot: list[list[str]] = field(default_factory=list)

    @property
    def columns(self) -> list[str]:
        return self.head[-1] if self.head else []

    def row(self, label: str) -> dict[str, str]:
        """The one body (or foot) row whose first cell is ``label``: column header → cell text."""
        found = [r for r in self.rows + self.foot if r and r[0] == label]
        assert len(found) == 1, (self.caption, label, len(found))
        return dict(zip(self.columns, found[0]))

    def labels(self) -> list[str]:
        return [r[0] for r in self.rows]


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


class _Parser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables: list[Table] = []
        self.stats: list[tuple[str, str]] = []
        self._stack: list[Table] = []
        self._section = "rows"
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._caption: list[str] | None = None
        self._dt: list[str] | None = None
        self._dd: list[str] | None = None
        self._small = 0
        self._last_dt = ""
        self._section_id = ""

    def handle_starttag(self, tag, attrs):
        if tag == "h2":
            self._section_id = dict(attrs).get("id") or ""
        elif tag == "table":
            self._stack.append(Table(section=self._section_id))
            self._section = "rows"
        elif tag == "caption" and self._stack:
            self._caption = []
        elif tag == "thead":
            self._section = "head"
        elif tag == "tbody":
            self._section = "rows"
        elif tag == "tfoot":
            self._section = "foot"
        elif tag == "tr" and self._stack:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "dt":
            self._dt = []
        elif tag == "dd":
            self._dd = []
        elif tag == "small":
            self._small += 1
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag):
        if tag == "table" and self._stack:
            self.tables.append(self._stack.pop())
        elif tag == "caption" and self._caption is not None:
            self._stack[-1].caption = _clean("".join(self._caption))
            self._caption = None
        elif tag in ("td", "th") and self._cell is not None:
            self._row.append(_clean("".join(self._cell)))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            table = self._stack[-1]
            {"head": table.head, "rows": table.rows, "foot": table.foot}[self._section].append(self._row)
            self._row = None
        elif tag in ("thead", "tfoot"):
            self._section = "rows"
        elif tag == "dt" and self._dt is not None:
            self._last_dt = _clean("".join(self._dt))
            self._dt = None
        elif tag == "dd" and self._dd is not None:
            self.stats.append((self._last_dt, _clean("".join(self._dd))))
            self._dd = None
        elif tag == "small":
            self._small -= 1

    def handle_data(self, data):
        for target in (self._cell, self._caption, self._dt):
            if target is not None:
                target.append(data)
        if self._dd is not None and not self._small:  # a stat's value without its small print
            self._dd.append(data)


@dataclass
class Page:
    tables: list[Table]
    stats: dict[str, str]  # <dt> term → <dd> value (without its <small> note)

    def table(self, caption: str = "", *, section: str | None = None) -> Table:
        """The one table whose caption starts with ``caption`` (and that follows ``<h2 id=section>``)."""
        found = [t for t in self.tables if t.caption.startswith(caption) and (section is None or t.section == section)]
        assert len(found) == 1, (caption, section, [t.caption for t in self.tables])
        return found[0]


def read_page(path: Path) -> Page:
    parser = _Parser()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    stats: dict[str, str] = {}
    for term, value in parser.stats:
        assert term not in stats, term
        stats[term] = value
    return Page(parser.tables, stats)
