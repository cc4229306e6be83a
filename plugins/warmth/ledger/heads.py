"""Head hashes: what anchors the ledger's history outside the site.

The *head hash* after line n is that line's chain hash (``manifest_hash``, the
next line's ``previous``). It fixes line n and, through the chain, every line
before it. ``make seal`` and ``make redact`` print the new head for the
round's official notice; the site publishes every head in
``/data/ledger-heads.txt``, one line per ledger line::

    <line> <head hash> <date> <round> <kind> <signed|unsigned>

(single spaces, ``\\n`` after every line, UTF-8; ``kind`` is ``seal`` or
``redaction``; the date is the line's ``sealed_on`` or ``redacted_on``), so
anyone can keep their own copy and later check, with ``make verify
SINCE=<hash>``, that today's ledger still begins with the lines they saw.
"""

from __future__ import annotations

from dataclasses import dataclass

from warmth.ledger.chain import SIGNATURE, is_redaction, manifest_hash


@dataclass(frozen=True)
class Head:
    line: int  # 1 = the ledger's first line
    hash: str  # the head hash after this line: its chain hash
    date: str  # sealed_on or redacted_on
    round: str
    kind: str  # "seal" or "redaction"
    signed: bool

    def text(self) -> str:
        return f"{self.line} {self.hash} {self.date} {self.round} {self.kind} {'signed' if self.signed else 'unsigned'}"


def heads(manifests: list[dict]) -> list[Head]:
    """One head per ledger line, in order."""
    return [
        Head(
            line=number,
            hash=manifest_hash(m),
            date=str(m.get("redacted_on") if is_redaction(m) else m.get("sealed_on")),
            round=str(m.get("round")),
            kind="redaction" if is_redaction(m) else "seal",
            signed=SIGNATURE in m,
        )
        for number, m in enumerate(manifests, 1)
    ]


def heads_text(manifests: list[dict]) -> bytes:
    """The bytes of /data/ledger-heads.txt."""
    return "".join(head.text() + "\n" for head in heads(manifests)).encode("utf-8")


def head_hash(manifests: list[dict]) -> str | None:
    """The ledger's newest head hash; None while the ledger is empty."""
    return manifest_hash(manifests[-1]) if manifests else None
