"""findings.csv against the rules re-computed from the public data (rules.py), and what cannot be re-computed.

Two checks. The first compares every finding of the rules the public data gives
exactly — a finding missing, one too many, or other records or money, named
with its rule, destination and fund source — and bounds those it gives only in
part. The second takes the rules that need withheld columns (file first needs
filed_on, fairness needs recipient_ref): they cannot be re-computed, and the
check says so in a caveat; it only confirms that they agree with the published
records (declared destinations, record ids that exist there, no more records
or money than the destination has). Explanation texts are not compared.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from decimal import Decimal

from warmth.audit.csvfiles import CsvFiles, Unreadable, decimal, money
from warmth.audit.declared import Declared, NotDeclared, read_declared
from warmth.audit.folder import ALLOCATIONS, CAMPAIGN, FINDINGS, RECORDS
from warmth.audit.report import Check
from warmth.audit.rules import NEEDS, SEVERITY, Finding, RuleInputs, Tally, expected, unspent_balances, with_empty_round
from warmth.audit.summaries import allocated_amounts
from warmth.audit.totals import Totals

FINDINGS_NAME = (
    f"核查结果重新计算 {FINDINGS}",
    f"{FINDINGS} re-computed from {RECORDS}, {ALLOCATIONS} and {CAMPAIGN}",
)
WITHHELD_NAME = (
    f"{FINDINGS} 中需要不公开字段的规则（只核对一致性）",
    f"{FINDINGS}: rules that need withheld fields (consistency only)",
)
FINDINGS_HEADER = ["rule", "severity", "district", "fund_source", "records", "amount_yuan", "record_ids", "explanation", "explanation_en"]
SEPARATOR = "、"  # a fairness finding may name several destinations
EXACT = ("over-allocation", "unspent-balance", "earmark")


def read_findings(csvs: CsvFiles) -> tuple[list[Finding], list[str]]:
    """findings.csv as findings, and what is wrong with its rows."""
    table = csvs.table(FINDINGS)
    if not table or table[0] != FINDINGS_HEADER:
        return [], [f"{FINDINGS}: 表头应为 / header should be {','.join(FINDINGS_HEADER)}"]
    found, issues = [], []
    for number, row in enumerate(table[1:], 2):
        where = f"{FINDINGS} 第{number}行 (row {number})"
        if len(row) != len(FINDINGS_HEADER):
            issues.append(f"{where}: 字段数不对 / wrong number of fields")
            continue
        rule, severity, district, source, records, amount, ids = row[:7]
        if SEVERITY.get(rule) != severity:
            issues.append(f"{where}: 规则 {rule!r} 的级别 {severity!r} 不对 / unknown rule or wrong severity (expected {SEVERITY.get(rule)!r})")
            continue
        value = decimal(amount)
        if not records.isdigit() or value is None:
            issues.append(f"{where}: records 或 amount_yuan 不是数 / records or amount_yuan is not a number: {records!r}, {amount!r}")
            continue
        found.append(Finding(rule, district, source, int(records), value, ids))
    return found, issues


def wanted_ids(findings: list[Finding]) -> set[str]:
    """The record ids the rules that cannot be re-computed name: their records are looked up in the one read."""
    return {rid for f in findings if f.rule in NEEDS for rid in f.record_ids.split()}


def _describe(f: Finding) -> str:
    ids = f.record_ids.split()
    shown = " ".join(ids[:3]) + (f" …（共 {len(ids)} 个 / {len(ids)} ids）" if len(ids) > 3 else "")
    return f"{f.records} 条 / records, {money(f.amount)} 元" + (f", record_ids {shown}" if ids else "")


def _compare(want: list[Finding], got: list[Finding], issues: list[str]) -> None:
    """Per rule × destination × fund source: the same findings, with the same records, money and ids."""
    groups: dict[tuple[str, str, str], tuple[list[Finding], list[Finding]]] = defaultdict(lambda: ([], []))
    for f in want:
        groups[(f.rule, f.district, f.fund_source)][0].append(f)
    for f in got:
        groups[(f.rule, f.district, f.fund_source)][1].append(f)
    for (rule, dest, source), (mine, theirs) in sorted(groups.items()):
        missing = sorted((Counter(mine) - Counter(theirs)).elements())
        extra = sorted((Counter(theirs) - Counter(mine)).elements())
        where = f"{FINDINGS} {rule} {dest}" + (f" × {source}" if source else "")
        for stated, computed in zip(extra, missing):
            issues.append(f"{where}: 文件 / file {_describe(stated)}；重新计算 / re-computed {_describe(computed)}")
        for stated in extra[len(missing):]:
            issues.append(f"{where}: 文件有这项，重新计算没有 / listed, but the data gives no such finding: {_describe(stated)}")
        for computed in missing[len(extra):]:
            issues.append(f"{where}: 缺少这项 / missing: {_describe(computed)}")


def _bound(f: Finding, limit: Tally, what: str, issues: list[str]) -> None:
    if f.records > limit.records or f.amount > limit.amount:
        issues.append(
            f"{FINDINGS} {f.rule} {f.district}{' × ' + f.fund_source if f.fund_source else ''}: {_describe(f)}，"
            f"多于{what} / more than {limit.records} records, {money(limit.amount)} yuan possible"
        )


def check_findings(
    published: list[Finding], problems: list[str], inputs: RuleInputs, totals: Totals, allocated: dict[tuple[str, str], Decimal]
) -> list[Check]:
    """The re-computed rules, then the rules that need withheld fields."""
    declared = inputs.declared
    issues = list(problems)
    computed = expected(inputs, totals, allocated)
    hidden = [f for f in published if f.rule == "earmark" and not f.record_ids]
    exact_rules = {*EXACT, *(() if declared.report_dates_recorded else ("missing-report", "late-report"))}
    # dates of arrival kept, not published: a destination with a round without records may have a report missing,
    # so its unspent-balance rows may be absent; those listed must be exactly its allocation less what it disbursed
    incomplete = with_empty_round(inputs) if declared.report_dates_recorded else set()
    maybe = {f for f in unspent_balances(inputs, totals, allocated) if f.district in incomplete}
    bounded = [f for f in published if f.rule == "unspent-balance" and f.district in incomplete]
    for f in bounded:
        if f not in maybe:
            issues.append(f"{FINDINGS} unspent-balance {f.district} × {f.fund_source}: {_describe(f)}，与拨付和发放之差不符 / "
                          "not the allocation less what was disbursed")
    _compare(computed, [f for f in published if f.rule in exact_rules and f not in hidden and f not in bounded], issues)
    caveats = []
    seen = set()
    for f in hidden:  # earmark breaches among records published as 其他: one row per destination × source
        if (f.district, f.fund_source) in seen:
            issues.append(f"{FINDINGS} earmark {f.district} × {f.fund_source}: 类别未公开的行重复 / hidden-category row listed twice")
        seen.add((f.district, f.fund_source))
        _bound(f, inputs.other.get((f.district, f.fund_source), Tally()), f"该区县该资金类别为“{declared.other_label}”的记录", issues)
    if hidden:
        caveats.append(
            f"earmark：{len(hidden)} 行涉及类别已合并为“{declared.other_label}”的记录，原类别不公开，只核对了不多于这些记录 / "
            f"{len(hidden)} earmark row(s) concern records whose category is published as '{declared.other_label}': "
            "only checked not to exceed those records"
        )
    if declared.report_dates_recorded:
        caveats.append(_reports(published, inputs, declared, issues))
    counts = Counter(f.rule for f in published if f.rule in exact_rules or f in hidden)
    summary = "，".join(f"{rule} {counts[rule]}" for rule in SEVERITY if rule in counts) or "0"
    first = Check.of(FINDINGS_NAME, issues, f"与重新计算一致 / match the re-computation: {summary}", "\n".join(caveats))
    return [first, _withheld_rules(published, inputs, totals, declared)]


def _reports(published: list[Finding], inputs: RuleInputs, declared: Declared, issues: list[str]) -> str:
    """Dates of arrival are kept but not published: a missing report is a destination × round with no records; a late
    report holds the records and money of one of its destination's rounds."""
    for f in published:
        cells = [inputs.cells.get((rnd.id, f.district), Tally()) for rnd in declared.rounds]
        if f.rule == "missing-report":
            empty = sum(1 for cell in cells if not cell.records)
            mine = sum(1 for g in published if g.rule == "missing-report" and g.district == f.district)
            if f.records or f.amount or mine > empty:
                issues.append(f"{FINDINGS} missing-report {f.district}: 该区县只有 {empty} 个批次没有记录 / only {empty} round(s) without records")
        elif f.rule == "late-report" and not any((c.records, c.amount) == (f.records, f.amount) for c in cells):
            issues.append(f"{FINDINGS} late-report {f.district}: {_describe(f)} 不是该区县任何批次的记录数和金额 / matches none of its rounds")
    return (
        "missing-report、late-report：各区县报送的收到日期有记录但不公开，只核对了未报送的批次没有记录、逾期报送的条数和金额与某一批次相同；"
        "有批次没有记录的区县，其资金未用完（unspent-balance）可有可无（未报送时不列），列出的只核对了金额 / "
        "the dates reports arrived are kept but not published: only checked that a missing report has no records and a late one "
        "holds one round's records and money; a destination with a round without records may or may not have unspent-balance "
        "rows (none while a report is missing): those listed are checked for their amount only"
    )


def _withheld_rules(published: list[Finding], inputs: RuleInputs, totals: Totals, declared: Declared) -> Check:
    issues = []
    names = set(declared.destinations)
    per_destination = totals.sums.get("district", {})
    seen: set[tuple[str, str]] = set()
    mine = [f for f in published if f.rule in NEEDS]
    for f in mine:
        where = f"{FINDINGS} {f.rule} {f.district}"
        dests = f.district.split(SEPARATOR) if f.rule.startswith("fairness") else [f.district]
        for dest in dests:
            if dest not in names:
                issues.append(f"{where}: {dest!r} 不是已声明的区县 / is not a declared destination")
            if (f.rule, dest) in seen:
                issues.append(f"{where}: {dest} 出现在两行 / in two rows")
            seen.add((f.rule, dest))
        if f.fund_source:
            issues.append(f"{where}: fund_source 应为空 / fund_source must be empty")
        if f.rule.startswith("fairness"):
            if f.record_ids:
                issues.append(f"{where}: 关于受助人的结果不列记录编号 / a finding about people lists no record ids")
            limit = Tally()
            for dest in dests:
                if dest in per_destination:
                    limit.records += per_destination[dest].records
                    limit.amount += per_destination[dest].amount
            _bound(f, limit, "这些区县的全部记录 / all records of these destinations", issues)
            continue
        ids = f.record_ids.split()
        listed = Tally()
        for rid in ids:
            row = inputs.listed.get(rid)
            if row is None or row[0] != f.district or row[2] != declared.hardship_group:
                issues.append(f"{where}: record_id {rid!r} 不是该区县“{declared.hardship_group}”的记录 / is not a {declared.hardship_group} record there")
            else:
                listed.add(row[3])
        if len(ids) > f.records or listed.amount > f.amount:
            issues.append(f"{where}: 列出的记录多于结果的条数或金额 / the ids listed exceed its records or money")
        _bound(f, inputs.hardship.get(f.district, Tally()), f"该区县“{declared.hardship_group}”和“{declared.other_label}”的记录", issues)
    withheld = sorted({NEEDS[f] for f in NEEDS})
    caveat = (
        f"file-first-missing、file-first-late 需要建档日期（filed_on），fairness-multi-district、fairness-repeat 需要受助人编码"
        f"（recipient_ref）；这些字段为保护受助人不公开，所以这 4 条规则无法由公开数据重新计算，只核对了与公开记录一致 / "
        f"these 4 rules need {', '.join(withheld)}, withheld for privacy: they are NOT re-computed, only checked against the "
        "published records (declared destinations, record ids that exist there, no more records or money than there are)"
    )
    counts = Counter(f.rule for f in mine)
    summary = "，".join(f"{rule} {counts[rule]}" for rule in NEEDS if rule in counts) or "0"
    return Check.of(WITHHELD_NAME, issues, f"{len(mine)} 行与公开记录一致 / rows consistent with the records: {summary}", caveat)


class FindingsCheck:
    """Both checks of findings.csv: what they need is read before the one read of disbursements.csv, which feeds `inputs`."""

    def __init__(self, csvs: CsvFiles) -> None:
        self.csvs = csvs
        self.why_not = ""
        self.inputs: RuleInputs | None = None
        self.published: list[Finding] = []
        self.problems: list[str] = []
        try:
            declared = read_declared(csvs.folder)
            self.published, self.problems = read_findings(csvs)
        except (NotDeclared, Unreadable) as exc:
            self.why_not = f"无法重新计算核查结果 / cannot re-compute the findings: {exc}"
            return
        self.inputs = RuleInputs(declared, wanted_ids(self.published))

    def watchers(self) -> list[RuleInputs]:
        return [self.inputs] if self.inputs is not None else []

    def checks(self, totals: Totals) -> list[Check]:
        issues: list[str] = []
        try:
            allocated = allocated_amounts(self.csvs.table(ALLOCATIONS), issues)
        except Unreadable as exc:
            self.why_not = self.why_not or f"无法重新计算核查结果 / cannot re-compute the findings: {exc}"
        if self.inputs is None or self.why_not:
            return failed_findings(self.why_not)
        return check_findings(self.published, self.problems + issues, self.inputs, totals, allocated)


def failed_findings(why: str) -> list[Check]:
    return [Check.of(FINDINGS_NAME, [why], ""), Check.of(WITHHELD_NAME, [why], "")]
