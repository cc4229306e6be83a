"""The auditor's tool: check a published /data/ folder on its own (``make verify SITE=…``).

Given a built site (``<folder>/data/SHA256SUMS``) or a downloaded /data/
folder (``<folder>/SHA256SUMS``), it checks — reading only, writing nothing:

1. SHA256SUMS: every listed file exists with that hash, every file is listed;
2. datapackage.json: every resource's bytes and ``sha256:`` hash;
3. the ledger of sealed rounds (when ``ledger.jsonl`` is published): the hash
   chain, and every sealed round's published files against its manifest;
4. every figure re-computed from the record files with nothing but the csv
   module and Decimal: the summaries, allocated vs disbursed, and each round's
   and destination's record file against ``disbursements.csv``;
5. the format promised to auditors: UTF-8 with BOM, every field quoted,
   every amount with exactly two decimals.

Record files may hold a million rows, so they are streamed: each row of
``disbursements.csv`` feeds the sums and a running digest per round and per
destination; a round or destination file is compared by digest and, only when
it differs, read again beside ``disbursements.csv`` to name the first row that
differs.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

BOM = b"\xef\xbb\xbf"
SUMS = "SHA256SUMS"
PACKAGE = "datapackage.json"
RECORDS = "disbursements.csv"
ALLOCATIONS = "allocations.csv"
ALLOC_VS = "summary/allocated-vs-disbursed.csv"
LEDGER = "ledger.jsonl"
SUMMARIES = {
    "summary/by-district.csv": "district",
    "summary/by-fund-source.csv": "fund_source",
    "summary/by-category.csv": "category",
    "summary/by-recipient-group.csv": "recipient_group",
    "summary/by-aid-type.csv": "aid_type",
    "summary/by-round.csv": "round",
}
UNREPORTED_EMPTY = {"district", "round"}  # README: never 0.00 for a destination or round that sent nothing
SUMMARY_HEADER = ["name", "records", "amount_yuan"]
ALLOC_VS_HEADER = ["fund_source", "district", "allocated_yuan", "disbursed_yuan", "balance_yuan"]
ALLOCATIONS_HEADER = ["fund_source", "district", "amount_yuan"]
RECORD_NEEDS = ["round", "district", "fund_source", "category", "recipient_group", "aid_type", "amount_yuan", "recipient_ref"]
CAMPAIGN_TABLE = "summary/campaign-table.csv"
AMOUNT_COLUMNS = {"amount_yuan", "allocated_yuan", "disbursed_yuan", "balance_yuan"}
# files a file manager or an unzip tool may leave in a downloaded folder
LITTER = {".DS_Store", "Thumbs.db", "desktop.ini"}

_AMOUNT = re.compile(r"(?:0|[1-9][0-9]*)\.[0-9]{2}")
_SIGNED_AMOUNT = re.compile(r"-?(?:0|[1-9][0-9]*)\.[0-9]{2}")
_COUNT = re.compile(r"0|[1-9][0-9]*")
_FIELD = r'"[^"]*(?:""[^"]*)*"'
_RECORD = re.compile(rf"{_FIELD}(?:,{_FIELD})*")
_SUMS_LINE = re.compile(r"([0-9a-fA-F]{64}) [ *](.+)")
_CHUNK = 1 << 20
SHOWN_PER_CHECK = 30
SHOWN_FORMAT_PER_FILE = 5


@dataclass(frozen=True)
class Check:
    """One check: its name in Chinese and English, the verdict and what was found."""

    name_zh: str
    name_en: str
    ok: bool
    detail: str = ""

    def lines(self, limit: int = SHOWN_PER_CHECK) -> list[str]:
        mark = "✓" if self.ok else "✗"
        detail = self.detail.splitlines()
        head = f"{mark} {self.name_zh} / {self.name_en}"
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
        if self.ok:
            lines.append(f"全部 {len(self.checks)} 项检查通过。/ All {len(self.checks)} checks passed.")
        else:
            n = len(self.failed)
            lines.append(f"{n} 项检查未通过（共 {len(self.checks)} 项）。/ {n} of {len(self.checks)} checks failed.")
        return "\n".join(lines)


def data_folder(folder: Path) -> Path | None:
    """The /data/ folder inside a built site, or the folder itself when it is one."""
    folder = Path(folder)
    if (folder / "data" / SUMS).is_file():
        return folder / "data"
    if (folder / SUMS).is_file():
        return folder
    return None


def verify(folder: Path) -> Report:
    """Check everything that can be checked from a published /data/ folder; write nothing."""
    folder = Path(folder)
    data = data_folder(folder)
    if data is None:
        return Report(
            folder, None,
            [Check("找到 SHA256SUMS", "find SHA256SUMS", False,
                   f"{folder} 及 {folder / 'data'} 中都没有 SHA256SUMS：请给出网站文件夹或下载的 data 文件夹。\n"
                   f"No SHA256SUMS in {folder} or {folder / 'data'}: give a built site or a downloaded data folder.")],
        )
    return Report(folder, data, _Verifier(data).run())


class _Unreadable(Exception):
    """A CSV file cannot be read at all (not UTF-8, broken quoting); the message says why."""


def _safe(rel: str) -> bool:
    return bool(rel) and "\\" not in rel and not rel.startswith("/") and all(p not in ("", ".", "..") for p in rel.split("/"))


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


class _FormatWatch:
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


class _Verifier:
    def __init__(self, data: Path) -> None:
        self.data = data
        self.files: list[str] = []
        self.litter: list[str] = []
        for path in sorted(p for p in data.rglob("*") if p.is_file()):
            rel = path.relative_to(data).as_posix()
            (self.litter if path.name in LITTER or path.name.startswith("._") else self.files).append(rel)
        self._digests: dict[str, tuple[int, str]] = {}
        self.format_issues: dict[str, list[str]] = defaultdict(list)
        self.format_counts: dict[str, int] = defaultdict(int)
        self.scanned: set[str] = set()
        self.sealed: dict[str, dict] = {}

    # --- helpers -------------------------------------------------------------

    def digest(self, rel: str) -> tuple[int, str]:
        if rel not in self._digests:
            h = hashlib.sha256()
            size = 0
            with open(self.data / rel, "rb") as handle:
                while chunk := handle.read(_CHUNK):
                    h.update(chunk)
                    size += len(chunk)
            self._digests[rel] = (size, h.hexdigest())
        return self._digests[rel]

    def exists(self, rel: str) -> bool:
        return _safe(rel) and (self.data / rel).is_file()

    def _format(self, rel: str, row: int, message: str) -> None:
        self.format_counts[rel] += 1
        if self.format_counts[rel] <= SHOWN_FORMAT_PER_FILE:
            where = f" 第{row}行 (row {row})" if row else ""
            self.format_issues[rel].append(f"{rel}{where}: {message}")

    def rows(self, rel: str) -> Iterator[list[str]]:
        """The header, then every row of a published CSV, parsed by the csv module.

        The first read of a file also checks its format (BOM, quoting, field
        count, two-decimal amounts). Raises _Unreadable when parsing stops.
        """
        check = rel not in self.scanned
        self.scanned.add(rel)
        path = self.data / rel
        if check:
            with open(path, "rb") as raw:
                if raw.read(3) != BOM:
                    self._format(rel, 0, "文件开头没有 UTF-8 BOM / the file does not start with a UTF-8 BOM")
        with open(path, encoding="utf-8-sig", errors="strict", newline="") as handle:
            lines = _FormatWatch(handle, lambda row, msg: self._format(rel, row, msg)) if check else handle
            reader = csv.reader(lines, strict=True)
            header = None
            amounts: list[tuple[int, str, bool, bool]] = []
            number = 0
            try:
                for number, fields in enumerate(reader, 1):
                    if header is None:
                        header = fields
                        for i, name in enumerate(header):
                            if name in AMOUNT_COLUMNS:
                                required = not rel.startswith("summary/") or name == "allocated_yuan"
                                amounts.append((i, name, required, name == "balance_yuan"))
                    elif check:
                        if len(fields) != len(header):
                            self._format(rel, number, f"有 {len(fields)} 个字段，表头有 {len(header)} 个 / {len(fields)} fields, the header has {len(header)}")
                        for i, name, required, signed in amounts:
                            value = fields[i] if i < len(fields) else ""
                            if value == "" and not required:
                                continue
                            if not (_SIGNED_AMOUNT if signed else _AMOUNT).fullmatch(value):
                                self._format(rel, number, f"{name} = {value!r} 不是恰好两位小数的金额 / is not an amount with exactly two decimals")
                    yield fields
            except UnicodeDecodeError as exc:
                message = f"不是 UTF-8 编码（第 {number + 1} 行附近）/ not UTF-8 (near row {number + 1}): {exc.reason}"
                if check:
                    self._format(rel, 0, message)
                raise _Unreadable(f"{rel}: {message}") from None
            except csv.Error as exc:
                message = f"无法按 CSV 读取（第 {number + 1} 行附近）/ unreadable as CSV near row {number + 1}: {exc}"
                if check:
                    self._format(rel, number + 1, message)
                raise _Unreadable(f"{rel}: {message}") from None
        if check and header is None:
            self._format(rel, 0, "空文件，没有表头 / empty file, no header")

    def table(self, rel: str) -> list[list[str]]:
        return list(self.rows(rel))

    # --- the checks ----------------------------------------------------------

    def run(self) -> list[Check]:
        checks = self.check_sums()
        checks.append(self.check_datapackage())
        checks += self.check_ledger()
        checks += self.check_records()
        checks.append(self.check_format())
        return checks

    def check_sums(self) -> list[Check]:
        listed: dict[str, str] = {}
        issues: list[str] = []
        raw = (self.data / SUMS).read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("utf-8", "replace")
            issues.append(f"{SUMS}: 不是 UTF-8 / not UTF-8")
        for number, line in enumerate(text.splitlines(), 1):
            match = _SUMS_LINE.fullmatch(line)
            if not match:
                issues.append(f"{SUMS} 第{number}行 (line {number}): 格式不对 / not '<sha256>  <file>': {line[:80]!r}")
                continue
            sha, rel = match.group(1).lower(), match.group(2)
            if rel in listed:
                issues.append(f"{SUMS} 第{number}行 (line {number}): {rel} 重复列出 / listed twice")
            listed[rel] = sha
        for rel, sha in listed.items():
            if not _safe(rel):
                issues.append(f"{rel}: 路径不安全，未读取 / unsafe path, not read")
            elif not self.exists(rel):
                issues.append(f"{rel}: 文件不存在 / file missing (SHA256SUMS lists {sha})")
            elif self.digest(rel)[1] != sha:
                issues.append(f"{rel}: SHA-256 不符 / checksum mismatch: SHA256SUMS {sha}, 文件 / file {self.digest(rel)[1]}")
        sums_ok = Check(
            "SHA256SUMS 所列文件校验和一致", "every file listed in SHA256SUMS has that SHA-256", not issues,
            "\n".join(issues) or f"{len(listed)} 个文件 / files",
        )
        unlisted = [f"{rel}: 未列在 SHA256SUMS 中 / not listed in SHA256SUMS" for rel in self.files if rel != SUMS and rel not in listed]
        note = f"；已忽略 / ignored: {', '.join(self.litter)}" if self.litter else ""
        complete = Check(
            "SHA256SUMS 列出全部文件", "SHA256SUMS lists every file under /data/", not unlisted,
            "\n".join(unlisted) or f"{len(self.files) - 1} 个文件全部列出 / files, all listed{note}",
        )
        return [sums_ok, complete]

    def check_datapackage(self) -> Check:
        name = ("数据包 datapackage.json 的大小与哈希", "datapackage.json: bytes and sha256 of every resource")
        if not self.exists(PACKAGE):
            return Check(*name, False, f"{PACKAGE}: 文件不存在 / file missing")
        try:
            package = json.loads((self.data / PACKAGE).read_bytes().decode("utf-8"))
            resources = package["resources"]
            if not isinstance(resources, list):
                raise TypeError
        except (UnicodeDecodeError, ValueError, KeyError, TypeError):
            return Check(*name, False, f"{PACKAGE}: 不是有效的数据包 JSON（缺少 resources）/ not a valid data package (no resources list)")
        issues = []
        described = set()
        for i, resource in enumerate(resources, 1):
            rel = resource.get("path") if isinstance(resource, dict) else None
            if not isinstance(rel, str):
                issues.append(f"{PACKAGE} resources[{i}]: path 不是单个文件 / path is not one file: {rel!r}")
                continue
            if rel in described:
                issues.append(f"{PACKAGE}: {rel} 重复描述 / described twice")
            described.add(rel)
            if not self.exists(rel):
                issues.append(f"{rel}: 文件不存在（datapackage.json 中有）/ file missing (listed in datapackage.json)")
                continue
            size, sha = self.digest(rel)
            if resource.get("bytes") != size:
                issues.append(f"{rel}: bytes 不符 / size mismatch: datapackage.json {resource.get('bytes')!r}, 文件 / file {size}")
            if resource.get("hash") != f"sha256:{sha}":
                issues.append(f"{rel}: hash 不符 / hash mismatch: datapackage.json {resource.get('hash')!r}, 文件 / file sha256:{sha}")
        for rel in self.files:
            if rel.endswith(".csv") and rel not in described:
                issues.append(f"{rel}: 没有写进 datapackage.json / not described in datapackage.json")
        return Check(*name, not issues, "\n".join(issues) or f"{len(resources)} 个资源 / resources")

    def check_ledger(self) -> list[Check]:
        from warmth.core.problems import DataError
        from warmth.ledger.chain import check_chain, read_ledger

        chain_name = ("账本哈希链 ledger.jsonl", "ledger.jsonl hash chain intact")
        if LEDGER not in self.files:
            return [Check(*chain_name, True, "未发布账本：还没有封存的批次 / no ledger published: no round sealed yet")]
        try:
            manifests = read_ledger(self.data / LEDGER)
            problems = check_chain(manifests)
        except DataError as exc:
            manifests, problems = [], exc.problems
        chain = Check(
            *chain_name, not problems,
            "\n".join(f"{p.file} 第{p.row}行 (line {p.row}): {p.message_zh} / {p.message_en} [{p.rule}]" for p in problems)
            or f"{len(manifests)} 个已封存批次 / sealed rounds: {', '.join(str(m.get('round')) for m in manifests)}",
        )
        issues = []
        count = 0
        for manifest in manifests:
            rnd = manifest.get("round")
            entries = manifest.get("published")
            if not isinstance(rnd, str) or not isinstance(entries, list):
                continue
            self.sealed[rnd] = manifest
            listed = set()
            for entry in entries:
                if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
                    continue
                rel = entry["path"]
                listed.add(rel)
                count += 1
                if not self.exists(rel):
                    issues.append(f"{rel}: 批次 {rnd} 已封存，但文件不存在 / round {rnd} is sealed but the file is missing")
                    continue
                size, sha = self.digest(rel)
                if (size, sha) != (entry.get("bytes"), entry.get("sha256")):
                    issues.append(
                        f"{rel}: 与 {manifest.get('sealed_on')} 封存时不同 / differs from the file sealed on {manifest.get('sealed_on')}: "
                        f"账本 / ledger {entry.get('sha256')} ({entry.get('bytes')} bytes), 文件 / file {sha} ({size} bytes)"
                    )
            for rel in self.files:
                if rel.startswith(f"rounds/{rnd}/") and rel not in listed:
                    issues.append(f"{rel}: 批次 {rnd} 已封存，这个文件不在封存清单中 / round {rnd} is sealed and this file was not part of it")
        sealed = Check(
            "已封存批次的公开文件与账本一致", "published files of sealed rounds match the ledger", not issues,
            "\n".join(issues) or f"{count} 个文件 / files",
        )
        return [chain, sealed]

    # --- re-computation ------------------------------------------------------

    def check_records(self) -> list[Check]:
        names = {
            rel: (f"汇总重新计算 {rel}", f"{rel} re-computed from disbursements.csv") for rel in SUMMARIES
        }
        names[ALLOC_VS] = (f"拨付与发放重新计算 {ALLOC_VS}", f"{ALLOC_VS} re-computed from disbursements.csv and allocations.csv")
        rounds_name = ("各批次文件与全部记录一致", "rounds/<round>/disbursements.csv = the round's rows of disbursements.csv")
        districts_name = ("各区县文件与全部记录一致", "districts/<slug>/disbursements.csv = the destination's rows of disbursements.csv")
        try:
            main = self._read_main()
        except _Unreadable as exc:
            why = f"无法重新计算 / cannot re-compute: {exc}"
            return [Check(*n, False, why) for n in [*names.values(), rounds_name, districts_name]]
        checks = [Check(*names[rel], *self._summary(rel, dim, main)) for rel, dim in SUMMARIES.items()]
        checks.append(Check(*names[ALLOC_VS], *self._alloc_vs(main)))
        checks.append(Check(*rounds_name, *self._parts(main, "round")))
        checks.append(Check(*districts_name, *self._parts(main, "district")))
        if self.exists(CAMPAIGN_TABLE):
            checks.append(Check(f"统计表重新计算 {CAMPAIGN_TABLE}", f"{CAMPAIGN_TABLE} re-computed from disbursements.csv",
                                *self._campaign_table(main)))
        return checks

    def _campaign_table(self, main: dict) -> tuple[bool, str]:
        """Money per destination by aid type and fund source, and people reached, from the records."""
        try:
            table = self.table(CAMPAIGN_TABLE)
        except _Unreadable as exc:
            return False, str(exc)
        header, *rows = table
        titles = {}
        try:
            package = json.loads((self.data / "datapackage.json").read_text(encoding="utf-8"))
            for resource in package.get("resources", []):
                if resource.get("path") == CAMPAIGN_TABLE:
                    titles = {f["name"]: f.get("title", "") for f in resource["schema"]["fields"]}
        except (OSError, ValueError, KeyError):
            pass
        issues = []
        for row in rows:
            cells = dict(zip(header, row))
            district = cells.get("district", "")
            if district == "合计":
                continue
            money = main["table_money"].get(district, {})
            expected = {"total_yuan": sum(money.get(("aid", t), Decimal(0)) for t in ("cash", "goods", "service"))}
            for t in ("cash", "goods", "service"):
                expected[f"{t}_yuan"] = money.get(("aid", t), Decimal(0))
            for key in header:
                if key.endswith("_yuan") and key not in expected and titles.get(key, "").endswith("（元）"):
                    expected[key] = money.get(("source", titles[key].removesuffix("（元）")), Decimal(0))
            expected_people = len(main["table_people"].get(district, ()))
            for key, value in expected.items():
                if key in cells and _decimal(cells[key]) != value:
                    issues.append(f"{CAMPAIGN_TABLE} {district} {key}: {cells[key]} ≠ {_money(value)}")
            if "reached_total" in cells and cells["reached_total"] != str(expected_people):
                issues.append(f"{CAMPAIGN_TABLE} {district} reached_total: {cells['reached_total']} ≠ {expected_people}")
        return not issues, "; ".join(issues[:10]) if issues else "各区县金额和受助人数与记录一致 / matches the records"

    def _read_main(self) -> dict:
        if not self.exists(RECORDS):
            raise _Unreadable(f"{RECORDS}: 文件不存在 / file missing")
        rows = self.rows(RECORDS)
        header = next(rows, None)
        missing = [c for c in RECORD_NEEDS if header is None or c not in header]
        if missing:
            rows.close()
            raise _Unreadable(f"{RECORDS}: 缺少列 / lacks columns {', '.join(missing)}")
        index = {c: header.index(c) for c in RECORD_NEEDS}
        totals = {dim: defaultdict(lambda: [0, Decimal(0)]) for dim in SUMMARIES.values()}
        pairs: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        digests = {"round": defaultdict(hashlib.sha256), "district": defaultdict(hashlib.sha256)}
        counts = {"round": defaultdict(int), "district": defaultdict(int)}
        bad = []
        table_money: dict[str, dict] = defaultdict(lambda: defaultdict(Decimal))
        table_people: dict[str, set] = defaultdict(set)
        width = len(header)
        for number, fields in enumerate(rows, 2):
            if len(fields) != width:
                bad.append(number)
                continue
            amount = _decimal(fields[index["amount_yuan"]])
            if amount is None:
                bad.append(number)
                amount = Decimal(0)
            for dim, bucket in totals.items():
                cell = bucket[fields[index[dim]]]
                cell[0] += 1
                cell[1] += amount
            pairs[(fields[index["fund_source"]], fields[index["district"]])] += amount
            district = fields[index["district"]]
            table_money[district][("aid", fields[index["aid_type"]])] += amount
            table_money[district][("source", fields[index["fund_source"]])] += amount
            if fields[index["recipient_ref"]]:
                table_people[district].add(fields[index["recipient_ref"]])
            token = repr(fields).encode("utf-8", "surrogatepass")
            for key in ("round", "district"):
                value = fields[index[key]]
                digests[key][value].update(token)
                counts[key][value] += 1
        return {
            "header": header, "index": index, "totals": totals, "pairs": pairs,
            "digests": {k: {v: h.hexdigest() for v, h in d.items()} for k, d in digests.items()},
            "counts": counts, "bad": bad, "table_money": table_money, "table_people": table_people,
        }

    def _bad_rows_note(self, main: dict) -> list[str]:
        if not main["bad"]:
            return []
        rows = ", ".join(str(n) for n in main["bad"][:10])
        return [f"{RECORDS} 第 {rows} 行的金额或字段数有误，按 0 计 / rows {rows}: bad amount or field count, counted as 0"]

    def _summary(self, rel: str, dim: str, main: dict) -> tuple[bool, str]:
        if not self.exists(rel):
            return False, f"{rel}: 文件不存在 / file missing"
        try:
            table = self.table(rel)
        except _Unreadable as exc:
            return False, str(exc)
        if not table or table[0] != SUMMARY_HEADER:
            return False, f"{rel}: 表头应为 / header should be {','.join(SUMMARY_HEADER)}: {table[0] if table else 'empty'}"
        totals = main["totals"][dim]
        issues = self._bad_rows_note(main)
        seen = set()
        for number, row in enumerate(table[1:], 2):
            if len(row) != 3:
                issues.append(f"{rel} 第{number}行 (row {number}): 应有 3 个字段 / should have 3 fields: {row}")
                continue
            name, records, amount = row
            where = f"{rel} 第{number}行 (row {number}) {name}"
            if name in seen:
                issues.append(f"{where}: 名称重复 / name listed twice")
            seen.add(name)
            count, total = totals.get(name, (0, Decimal(0)))
            if not _COUNT.fullmatch(records):
                issues.append(f"{where}: records = {records!r} 不是整数 / is not a whole number")
            elif int(records) != count:
                issues.append(f"{where}: records 文件 / file {records}，重新计算 / re-computed {count}")
            if amount == "":
                if count or records != "0":
                    issues.append(f"{where}: 金额为空（未报送），但有 {count} 条记录 / empty amount (not yet reported) but {count} records")
                continue
            value = _decimal(amount)
            if value is None:
                issues.append(f"{where}: amount_yuan = {amount!r} 不是金额 / is not an amount")
            elif value != total:
                issues.append(f"{where}: amount_yuan 文件 / file {amount}，重新计算 / re-computed {_money(total)}")
            elif dim in UNREPORTED_EMPTY and count == 0:
                issues.append(
                    f"{where}: 没有记录时金额应为空（未报送），不应为 {amount} / no records: the amount must be empty (not yet reported), not {amount}"
                )
        for name in sorted(set(totals) - seen):
            count, total = totals[name]
            issues.append(
                f"{rel}: 缺少 {name!r}（{RECORDS} 中 {count} 条，{_money(total)} 元）/ {name!r} is missing ({count} records, {_money(total)} yuan in {RECORDS})"
            )
        return not issues, "\n".join(issues) or f"{len(table) - 1} 行，与 {RECORDS} 一致 / rows, match {RECORDS}"

    def _alloc_vs(self, main: dict) -> tuple[bool, str]:
        for rel in (ALLOC_VS, ALLOCATIONS):
            if not self.exists(rel):
                return False, f"{rel}: 文件不存在 / file missing"
        try:
            table = self.table(ALLOC_VS)
            allocations_table = self.table(ALLOCATIONS)
        except _Unreadable as exc:
            return False, str(exc)
        if not table or table[0] != ALLOC_VS_HEADER:
            return False, f"{ALLOC_VS}: 表头应为 / header should be {','.join(ALLOC_VS_HEADER)}"
        if not allocations_table or allocations_table[0] != ALLOCATIONS_HEADER:
            return False, f"{ALLOCATIONS}: 表头应为 / header should be {','.join(ALLOCATIONS_HEADER)}"
        issues = self._bad_rows_note(main)
        allocated: dict[tuple[str, str], Decimal] = {}
        for number, row in enumerate(allocations_table[1:], 2):
            value = _decimal(row[2]) if len(row) == 3 else None
            if value is None:
                issues.append(f"{ALLOCATIONS} 第{number}行 (row {number}): 不是 fund_source,district,amount_yuan: {row}")
                continue
            if (row[0], row[1]) in allocated:
                issues.append(f"{ALLOCATIONS} 第{number}行 (row {number}): {row[0]} × {row[1]} 重复 / listed twice")
            allocated[(row[0], row[1])] = value
        districts = main["counts"]["district"]
        pairs = main["pairs"]
        seen = set()
        for number, row in enumerate(table[1:], 2):
            if len(row) != 5:
                issues.append(f"{ALLOC_VS} 第{number}行 (row {number}): 应有 5 个字段 / should have 5 fields: {row}")
                continue
            source, district, alloc_text, disb_text, bal_text = row
            pair = (source, district)
            where = f"{ALLOC_VS} 第{number}行 (row {number}) {source} × {district}"
            if pair in seen:
                issues.append(f"{where}: 重复 / listed twice")
            seen.add(pair)
            alloc = _decimal(alloc_text)
            if pair not in allocated:
                issues.append(f"{where}: {ALLOCATIONS} 中没有这一对 / pair not in {ALLOCATIONS}")
            elif alloc != allocated[pair]:
                issues.append(f"{where}: allocated_yuan 文件 / file {alloc_text}，{ALLOCATIONS} 中为 / in {ALLOCATIONS} {_money(allocated[pair])}")
            disbursed = pairs.get(pair, Decimal(0))
            if disb_text == "" or bal_text == "":
                if districts.get(district, 0) or disb_text != bal_text:
                    issues.append(
                        f"{where}: 发放或结余为空（未报送），但该区县有 {districts.get(district, 0)} 条记录 / "
                        f"empty disbursed or balance (not yet reported), but the destination has {districts.get(district, 0)} records"
                    )
                continue
            disb, bal = _decimal(disb_text), _decimal(bal_text)
            if disb is None or bal is None or alloc is None:
                issues.append(f"{where}: 金额格式不对 / malformed amount: {row[2:]}")
                continue
            if disb != disbursed:
                issues.append(f"{where}: disbursed_yuan 文件 / file {disb_text}，重新计算 / re-computed {_money(disbursed)}")
            if bal != alloc - disb:
                issues.append(f"{where}: balance_yuan {bal_text} ≠ allocated − disbursed = {_money(alloc - disb)}")
            if not districts.get(district, 0):
                issues.append(f"{where}: 该区县没有记录，发放与结余应为空 / destination has no records: disbursed and balance must be empty")
        for pair in sorted(set(pairs) - seen):
            issues.append(f"{ALLOC_VS}: 缺少 {pair[0]} × {pair[1]}（发放 {_money(pairs[pair])} 元）/ pair missing (disbursed {_money(pairs[pair])})")
        for pair in sorted(set(allocated) - seen):
            issues.append(f"{ALLOC_VS}: 缺少 {ALLOCATIONS} 中的 {pair[0]} × {pair[1]} / pair from {ALLOCATIONS} missing")
        return not issues, "\n".join(issues) or f"{len(table) - 1} 行，与记录和拨付表一致 / rows, match the records and allocations"

    def _parts(self, main: dict, key: str) -> tuple[bool, str]:
        """Each rounds/<r>/ or districts/<slug>/ record file holds exactly the matching rows of disbursements.csv."""
        folder = "rounds" if key == "round" else "districts"
        pattern = re.compile(rf"{folder}/([^/]+)/{re.escape(RECORDS)}")
        files = {m.group(1): rel for rel in self.files if (m := pattern.fullmatch(rel))}
        counts, digests = main["counts"][key], main["digests"][key]
        issues = []
        covered: dict[str, str] = {}
        checked = 0
        notes = []
        for name, rel in sorted(files.items()):
            if key == "round" and name in self.sealed:
                notes.append(name)
                continue  # a sealed round is published as sealed: the ledger check covers it
            try:
                rows = self.rows(rel)
                header = next(rows, None)
                if header != main["header"]:
                    rows.close()
                    issues.append(f"{rel}: 表头与 {RECORDS} 不同 / header differs from {RECORDS}")
                    continue
                value = name if key == "round" else None
                digest, count, stray = hashlib.sha256(), 0, None
                position = main["index"][key]
                for number, fields in enumerate(rows, 2):
                    cell = fields[position] if position < len(fields) else ""
                    if value is None:
                        value = cell
                    if cell != value and stray is None:
                        stray = (number, cell)
                    digest.update(repr(fields).encode("utf-8", "surrogatepass"))
                    count += 1
            except _Unreadable as exc:
                issues.append(str(exc))
                continue
            checked += 1
            if value is None:
                issues.append(f"{rel}: 没有记录 / holds no records")
                continue
            if stray is not None:
                what = "批次 / round" if key == "round" else "区县 / district"
                issues.append(f"{rel} 第{stray[0]}行 (row {stray[0]}): {key} = {stray[1]!r}，本文件应只有 {what} {value!r}")
                continue
            if value in covered:
                issues.append(f"{rel}: 与 {covered[value]} 是同一个 {key} {value!r} / same {key} as {covered[value]}")
            covered[value] = rel
            if digest.hexdigest() != digests.get(value) or count != counts.get(value, 0):
                issues.append(self._first_difference(rel, key, value, count, counts.get(value, 0)))
        for value in sorted(counts):
            if value not in covered and not (key == "round" and value in self.sealed):
                issues.append(
                    f"{RECORDS} 中 {key} = {value!r} 有 {counts[value]} 条记录，但没有对应的 {folder}/…/{RECORDS} / "
                    f"{counts[value]} records with {key} = {value!r} but no {folder}/…/{RECORDS}"
                )
        detail = f"{checked} 个文件与 {RECORDS} 一致 / files match {RECORDS}"
        if notes:
            detail += f"；已封存批次按账本核对 / sealed rounds checked against the ledger: {', '.join(notes)}"
        return not issues, "\n".join(issues) or detail

    def _first_difference(self, rel: str, key: str, value: str, count: int, expected: int) -> str:
        """Read the part file beside disbursements.csv again and name the first row that differs."""
        main_rows = self.rows(RECORDS)
        header = next(main_rows)
        position = header.index(key)
        wanted = (fields for fields in main_rows if position < len(fields) and fields[position] == value)
        part_rows = self.rows(rel)
        next(part_rows)
        try:
            for number, (mine, theirs) in enumerate(zip(part_rows, wanted), 2):
                if mine != theirs:
                    diffs = [
                        f"{header[i] if i < len(header) else i}: {mine[i] if i < len(mine) else ''!r} ≠ {RECORDS} {theirs[i] if i < len(theirs) else ''!r}"
                        for i in range(max(len(mine), len(theirs)))
                        if (mine[i] if i < len(mine) else None) != (theirs[i] if i < len(theirs) else None)
                    ]
                    at = header.index("record_id") if "record_id" in header else len(theirs)
                    rid = f" record_id {theirs[at]!r}" if at < len(theirs) else ""
                    return (
                        f"{rel} 第{number}行 (row {number}){rid}: 与 {RECORDS} 中 {key} = {value!r} 的第 {number - 1} 条不同 / "
                        f"differs from the {key}'s row {number - 1} in {RECORDS}: {'; '.join(diffs[:4])}"
                    )
        except _Unreadable as exc:
            return str(exc)
        finally:
            main_rows.close()
            part_rows.close()
        return f"{rel}: {count} 条记录，{RECORDS} 中 {key} = {value!r} 有 {expected} 条 / {count} records, {RECORDS} has {expected} with {key} = {value!r}"

    def check_format(self) -> Check:
        for rel in self.files:
            if rel.endswith(".csv") and rel not in self.scanned:
                try:
                    for _ in self.rows(rel):
                        pass
                except _Unreadable:
                    pass
        issues = []
        for rel in sorted(self.format_issues):
            issues += self.format_issues[rel]
            more = self.format_counts[rel] - len(self.format_issues[rel])
            if more:
                issues.append(f"{rel}: ……另有 {more} 处格式问题 / … {more} more format problems")
        csvs = sum(1 for rel in self.files if rel.endswith(".csv"))
        return Check(
            "CSV 格式：UTF-8 带 BOM、字段都加引号、金额两位小数",
            "CSV format: UTF-8 with BOM, every field quoted, amounts with exactly two decimals",
            not issues,
            "\n".join(issues) or f"{csvs} 个 CSV 文件 / CSV files",
        )
