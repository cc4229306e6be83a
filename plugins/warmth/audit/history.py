"""Every record of a sealed round is in disbursements.csv as sealed, or the difference is explained.

A sealed round's file (``rounds/<round>/disbursements.csv``, published exactly as
sealed: the ledger check proves its bytes) says what each of its records was.
``disbursements.csv`` says what it is now. The two may differ only where

- ``corrections.csv`` corrects that field of that record (a correction of the aid
  type also explains its goods columns), or withdraws the record; when the last
  such correction of an amount or a quantity shows its new value, the record
  must hold it;
- the ledger records a redaction of that field of that record (by its id, by the
  SHA-256 of its id, or as ``redacted-<redaction id>``).

Anything else — a changed value, a sealed record gone, a record of a sealed
round that was never sealed — is named with the record id, field, sealed value
and current value.

Streaming, for a million records: each sealed file is read once into record id
→ a 16-byte value (a digest of its row and its round's number; about 150 bytes of
memory per sealed record in all); ``disbursements.csv`` is seen once, in the read
that sums it (a `Watcher`). Only records that differ are kept, and only the
sealed files holding them are read a second time, to name each field.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from warmth.audit.chain import Ledger
from warmth.audit.csvfiles import CsvFiles, Unreadable
from warmth.audit.folder import CORRECTIONS, RECORDS
from warmth.audit.report import Check
from warmth.audit.totals import row_token

HISTORY_NAME = (
    "已封存批次的每条记录：与封存时相同，或有公开的更正、记录的删除说明差异",
    "every record of a sealed round is in disbursements.csv as sealed, or a correction or redaction explains the difference",
)
WITHDRAW = "withdrawn"
NOT_SHOWN = ("（不公开）", "[已删除]")  # a correction's value the site does not show
ALSO_EXPLAINS = {"aid_type": ("item", "quantity", "unit")}  # goods columns follow the aid type
NUMERIC = ("amount_yuan", "quantity")
SHOWN_DIFFERENCES = 500  # unexplained differences named in full (and changed records examined field by field); all are counted


DIGEST = 14  # bytes of a row's digest; two more say which sealed round it is from


def _digest(fields: list[str]) -> bytes:
    return hashlib.blake2b(row_token(fields), digest_size=DIGEST).digest()


def _number(text: str) -> Decimal | None:
    try:
        return Decimal(unicodedata.normalize("NFKC", text).strip().replace(",", ""))
    except InvalidOperation:
        return None


@dataclass
class Explanations:
    """What the published corrections and the ledger's redactions explain."""

    corrected: dict = field(default_factory=dict)  # (record_id, field) → the last correction's new value as published
    withdrawn: set = field(default_factory=set)  # record ids
    redacted: dict = field(default_factory=dict)  # field → record ids, "sha256:<hex>" targets and "redacted-<id>" ids
    problems: list = field(default_factory=list)
    named: set | None = None  # every record a correction or redaction names (made on first use)

    @classmethod
    def read(cls, csvs: CsvFiles, ledger: Ledger | None) -> Explanations:
        found = cls()
        if csvs.folder.exists(CORRECTIONS):
            try:
                header, *rows = csvs.table(CORRECTIONS)
                at = {name: header.index(name) for name in ("record_id", "field", "new_value")}
            except (Unreadable, ValueError) as exc:
                found.problems.append(f"{CORRECTIONS}: 无法读取，不能用来说明差异 / cannot be read to explain differences: {exc}")
                rows = []
            for row in rows:
                if len(row) == len(header):
                    rid, name = row[at["record_id"]], row[at["field"]]
                    if name == WITHDRAW:
                        found.withdrawn.add(rid)
                    else:
                        found.corrected[(rid, name)] = row[at["new_value"]]
        for _line, _round, item in ledger.redactions() if ledger is not None else []:
            targets = found.redacted.setdefault(str(item.get("field")), set())
            targets.add(str(item.get("target")))
            targets.add(f"redacted-{item.get('id')}")
        return found

    def why(self, rid: str, name: str, current: str) -> tuple[str | None, str]:
        """(what explains the change of ``name`` in record ``rid``, or None; a note when a correction does not fit)."""
        for source, follows in ALSO_EXPLAINS.items():
            if name in follows and (rid, source) in self.corrected:
                return "correction", ""
        if (rid, name) in self.corrected:
            new = self.corrected[(rid, name)]
            if name in NUMERIC and new not in NOT_SHOWN and _number(new) != _number(current):
                return None, f"最后一次更正的新值为 / the last correction's new value is {new!r}"
            return "correction", ""
        targets = self.redacted.get(name, ())
        if rid in targets or f"sha256:{hashlib.sha256(rid.encode('utf-8')).hexdigest()}" in targets:
            return "redaction", ""
        return None, ""

    def mentions(self, rid: str) -> bool:
        """Might a correction or a redaction explain a change to this record?"""
        if self.named is None:
            self.named = {r for r, _ in self.corrected} | {t for targets in self.redacted.values() for t in targets}
        return rid in self.named or f"sha256:{hashlib.sha256(rid.encode('utf-8')).hexdigest()}" in self.named


class SealedRecords:
    """The sealed rounds' records by id (a digest each), then, from the one read of disbursements.csv, what differs."""

    def __init__(self, csvs: CsvFiles, ledger: Ledger | None, explanations: Explanations) -> None:
        self.csvs = csvs
        self.explanations = explanations
        self.issues: list[str] = list(explanations.problems)
        self.files: dict[str, str] = {}  # round → its sealed record file
        self.rows: dict[str, bytes | None] = {}  # record id → digest of its sealed row + round number (None once seen)
        self.changed: dict[str, tuple[bytes, list[str]]] = {}  # record id → (sealed value, its row now): records that differ
        self.appeared: list[str] = []
        self.counts = {"appeared": 0, "twice": 0, "unexamined": 0}  # unexamined: changed, no explanation possible, past those shown
        self.header: list[str] | None = None
        for rnd, manifest in sorted((ledger.latest() if ledger is not None else {}).items()):
            for entry in manifest.get("published") or []:
                rel = entry.get("path") if isinstance(entry, dict) else None
                if rel == f"rounds/{rnd}/{RECORDS}":
                    self.files[rnd] = rel
        self.rounds = sorted(self.files)
        for number, rnd in enumerate(self.rounds):
            self._read_sealed(number, self.files[rnd])

    def where(self, value: bytes) -> str:
        """The sealed round a row's value comes from."""
        return self.rounds[int.from_bytes(value[DIGEST:], "big")]

    def _read_sealed(self, number: int, rel: str) -> None:
        try:
            rows = self.csvs.rows(rel)
            header = next(rows, None)
            if header is None or "record_id" not in header:
                self.issues.append(f"{rel}: 没有 record_id 列 / no record_id column")
                return
            if self.header is not None and header != self.header:
                self.issues.append(f"{rel}: 表头与其他已封存批次不同 / header differs from the other sealed rounds")
                return
            self.header = header
            at = header.index("record_id")
            tag = number.to_bytes(2, "big")
            for row, fields in enumerate(rows, 2):
                if len(fields) != len(header):
                    continue  # the format check names it
                rid = fields[at]
                if rid in self.rows:
                    self.issues.append(f"{rel} 第{row}行 (row {row}): record_id {rid!r} 在封存文件中重复 / sealed twice")
                self.rows[rid] = _digest(fields) + tag
        except Unreadable as exc:
            self.issues.append(str(exc))

    def start(self, header: list[str]) -> Callable[[list[str]], None] | None:
        if not self.rows:
            return None
        if header != self.header:
            self.issues.append(f"{RECORDS}: 表头与已封存批次的文件不同 / header differs from the sealed rounds' files")
            self.rows.clear()
            return None
        at, round_at = header.index("record_id"), header.index("round")
        sealed, rows, changed = set(self.files), self.rows, self.changed

        def see(fields: list[str]) -> None:
            rid = fields[at]
            want = rows.get(rid, b"")
            if want == b"":
                if fields[round_at] in sealed:
                    self.counts["appeared"] += 1
                    if len(self.appeared) < SHOWN_DIFFERENCES:
                        self.appeared.append(f"{rid} ({fields[round_at]})")
            elif want is None:
                self.counts["twice"] += 1
                self.issues.append(f"{RECORDS}: record_id {rid!r} 出现两次 / appears twice")
            else:
                rows[rid] = None
                if _digest(fields) != want[:DIGEST]:
                    if len(changed) < SHOWN_DIFFERENCES or self.explanations.mentions(rid):
                        changed[rid] = (want, fields)
                    else:
                        self.counts["unexamined"] += 1

        return see

    def check(self) -> Check:
        if not self.files:
            return Check(*HISTORY_NAME, not self.issues, "\n".join(self.issues) or "没有已封存的批次 / no sealed round")
        differences = self._differences()
        vanished = sorted(rid for rid, value in self.rows.items() if value is not None)
        withdrawn = [rid for rid in vanished if rid in self.explanations.withdrawn]
        missing = [rid for rid in vanished if rid not in self.explanations.withdrawn]
        named = [
            f"record_id {rid!r}（批次 {self.where(self.rows[rid])}）已封存，但 {RECORDS} 中没有，也没有撤回它的更正 / "
            f"sealed in round {self.where(self.rows[rid])}, missing from {RECORDS}, and no correction withdraws it"
            for rid in missing[:SHOWN_DIFFERENCES]
        ]
        explained = {"correction": 0, "redaction": 0}
        count = len(missing) + self.counts["unexamined"] + self.counts["appeared"]
        for rid, name, sealed, now, why, note in differences:
            if why:
                explained[why] += 1
                continue
            count += 1
            if len(named) < SHOWN_DIFFERENCES:
                named.append(
                    f"record_id {rid!r} {name}: 封存 / sealed {sealed!r} → 现在 / now {now!r}"
                    f"（没有更正或删除说明 / no correction or redaction explains it{'；' + note if note else ''}）"
                )
        if self.counts["appeared"]:
            named.append(
                f"{self.counts['appeared']} 条记录属于已封存批次，但不在封存的文件中 / records of a sealed round that were never sealed: "
                + ", ".join(self.appeared[:20]) + (" …" if self.counts["appeared"] > 20 else "")
            )
        issues = list(self.issues)
        if count:
            issues.append(f"{count} 处差异没有说明 / {count} unexplained difference(s):")
            issues += named
        passed = (
            f"{len(self.files)} 个已封存批次 {len(self.rows)} 条记录 / sealed rounds, records: "
            f"{len(differences)} 处差异，更正说明 {explained['correction']}，删除说明 {explained['redaction']}，撤回 {len(withdrawn)} / "
            f"{len(differences)} differences: {explained['correction']} corrected, {explained['redaction']} redacted, {len(withdrawn)} withdrawn"
        )
        return Check.of(HISTORY_NAME, issues, passed)

    def _differences(self) -> list[tuple[str, str, str, str, str | None, str]]:
        """(record id, field, sealed value, current value, what explains it, note) for every field that differs."""
        if not self.changed:
            return []
        header, found = self.header or [], []
        at = header.index("record_id")
        for rnd in sorted({self.where(value) for value, _ in self.changed.values()}):
            try:
                rows = self.csvs.rows(self.files[rnd])
                next(rows, None)
                for fields in rows:
                    rid = fields[at] if len(fields) == len(header) else None
                    if rid not in self.changed:
                        continue
                    now = self.changed[rid][1]
                    for name, was, is_ in zip(header, fields, now):
                        if was != is_:
                            why, note = self.explanations.why(rid, name, is_)
                            found.append((rid, name, was, is_, why, note))
            except Unreadable as exc:
                self.issues.append(str(exc))
        return found
