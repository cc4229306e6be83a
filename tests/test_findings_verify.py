"""Issue 9, item 2: make verify re-computes findings.csv as far as the public data allows, and says what it cannot.

Each test tampers with a copy of a real build (findings.csv or campaign.json,
checksums regenerated as a careful forger would) and checks that the finding
is named; the rules that need withheld fields are checked for consistency only,
and the report says so.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from test_verify import failed, resum

from warmth.audit.findings import FINDINGS_NAME, WITHHELD_NAME
from warmth.audit.verify import verify

RECOMPUTED = FINDINGS_NAME[1]
WITHHELD = WITHHELD_NAME[1]


@pytest.fixture
def site(built_copy, tmp_path) -> Path:
    copy = tmp_path / "site"
    shutil.copytree(built_copy[1], copy)
    for name in ("all.zip", "all.zip.sha256"):  # checked by their own tests; here only the findings change
        (copy / "data" / name).unlink()
    return copy


def rows(site: Path) -> list[bytes]:
    return (site / "data" / "findings.csv").read_bytes().splitlines(keepends=True)


def write(site: Path, lines: list[bytes]) -> None:
    (site / "data" / "findings.csv").write_bytes(b"".join(lines))
    resum(site / "data")


def edit_campaign(site: Path, change) -> None:
    path = site / "data" / "campaign.json"
    declared = json.loads(path.read_text(encoding="utf-8"))
    change(declared)
    path.write_text(json.dumps(declared, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    resum(site / "data")


def problems_of(site: Path) -> dict[str, str]:
    problems = failed(verify(site))
    assert set(problems) <= {RECOMPUTED, WITHHELD, "datapackage.json: bytes and sha256 of every resource"}, set(problems)
    return problems


def test_a_built_site_re_computes_its_findings_and_says_what_it_cannot(built_copy):
    report = verify(built_copy[1])
    assert report.ok, report.format()
    checks = {c.name_en: c for c in report.checks}
    assert "over-allocation 1，unspent-balance 53，earmark 6，missing-report 1" in checks[RECOMPUTED].detail
    assert "earmark row(s) concern records whose category is published as '其他'" in checks[RECOMPUTED].caveat
    assert "they are NOT re-computed" in checks[WITHHELD].caveat and "filed_on, recipient_ref" in checks[WITHHELD].caveat
    text = report.format()
    assert "⚠ file-first-missing、file-first-late 需要建档日期（filed_on）" in text  # Chinese first, under its check
    assert "⚠ 其中 2 项有公开数据无法核对的部分（见上）。/ 2 check(s) have parts the public data cannot show" in text


def test_a_changed_amount_a_dropped_and_an_invented_finding_are_named(site):
    lines = rows(site)
    over = next(i for i, line in enumerate(lines) if line.startswith(b'"over-allocation"'))
    lines[over] = lines[over].replace(b'"2596.28"', b'"2596.29"')
    named = next(i for i, line in enumerate(lines) if line.startswith(b'"earmark","high","\xe5\xb3\xa8\xe7\x9c\x89\xe5\xb1\xb1\xe5\xb8\x82"'))  # 峨眉山市
    del lines[named]
    lines.append('"missing-report","high","市中区","","0","0.00","","",""\n'.encode())
    # 沐川县 sent nothing in 2012-02 and keeps no dates of arrival: its report is missing, so no balance may be listed
    lines.append('"unspent-balance","medium","沐川县","社会捐赠","0","1229.15","","",""\n'.encode())
    write(site, lines)
    detail = problems_of(site)[RECOMPUTED]
    assert "findings.csv unspent-balance 沐川县 × 社会捐赠: 文件有这项，重新计算没有" in detail
    assert "findings.csv over-allocation 马边彝族自治县 × 中央财政追加资金: 文件 / file 49 条 / records, 2596.29 元" in detail
    assert "重新计算 / re-computed 49 条 / records, 2596.28 元, record_ids MB-2012-01-000004 MB-2012-01-000007 MB-2012-01-000026 …（共 49 个" in detail
    assert "findings.csv earmark 峨眉山市 × 中央财政追加资金: 缺少这项 / missing: 4 条 / records, 1880.00 元, record_ids EMS-2012-01-000028" in detail
    assert "findings.csv missing-report 市中区: 文件有这项，重新计算没有 / listed, but the data gives no such finding" in detail


def test_findings_follow_the_declared_campaign(site):
    # declared open: money left unspent is not yet a finding, and the missing report is not yet missing
    edit_campaign(site, lambda d: d.update(closed=False))
    detail = problems_of(site)[RECOMPUTED]
    assert detail.count("unspent-balance") == 53 and "missing-report 沐川县: 文件有这项" in detail
    # declared earmark widened: the named earmark finding is no longer one
    edit_campaign(site, lambda d: d.update(closed=True))
    edit_campaign(site, lambda d: d["fund_sources"][0]["categories"].append("一线职工慰问"))
    assert "findings.csv earmark 峨眉山市 × 中央财政追加资金: 文件有这项，重新计算没有" in problems_of(site)[RECOMPUTED]


def test_without_campaign_json_the_findings_cannot_be_re_computed_and_that_fails(site):
    (site / "data" / "campaign.json").unlink()
    resum(site / "data")
    problems = problems_of(site)
    assert problems[RECOMPUTED] == problems[WITHHELD] == "无法重新计算核查结果 / cannot re-compute the findings: campaign.json: 文件不存在 / file missing"


def test_a_hidden_category_earmark_row_is_bounded_by_the_records_published_as_other(site):
    lines = rows(site)
    hidden = next(i for i, line in enumerate(lines) if line.startswith('"earmark","high","市直","市财政安排资金","1","17000.00",""'.encode()))
    lines[hidden] = lines[hidden].replace(b'"1","17000.00"', b'"1","99999999.00"')
    write(site, lines)
    assert "findings.csv earmark 市直 × 市财政安排资金: 1 条 / records, 99999999.00 元，多于该区县该资金类别为“其他”的记录" in problems_of(site)[RECOMPUTED]


def test_rules_that_need_withheld_fields_are_checked_for_consistency(site):
    lines = rows(site)
    late = next(i for i, line in enumerate(lines) if line.startswith(b'"file-first-late","high"') and b"QW-2012-01-000013" in line)
    lines[late] = lines[late].replace(b"QW-2012-01-000013", b"SZ-2012-01-000001")  # a record of another destination
    fair = next(i for i, line in enumerate(lines) if line.startswith(b'"fairness-repeat"'))
    parts = lines[fair].split(b'","')
    parts[6] = b"SZ-2012-01-000002"  # a finding about people that names a record
    lines[fair] = b'","'.join(parts)
    lines.append('"fairness-multi-district","medium","市中区、某某区","","1","1.00","","",""\n'.encode())
    write(site, lines)
    problems = problems_of(site)
    detail = problems[WITHHELD]
    assert "findings.csv file-first-late 犍为县: record_id 'SZ-2012-01-000001' 不是该区县“困难职工”的记录" in detail
    assert "a finding about people lists no record ids" in detail
    assert "'某某区' 不是已声明的区县" in detail and "市中区 出现在两行" in detail
    assert RECOMPUTED not in problems


def test_reports_with_dates_of_arrival_kept_but_not_published_are_bounded(site):
    edit_campaign(site, lambda d: d.update(report_dates_recorded=True))
    report = verify(site)
    assert report.ok, report.format()
    assert "the dates reports arrived are kept but not published" in {c.name_en: c for c in report.checks}[RECOMPUTED].caveat
    lines = rows(site)
    lines.append('"late-report","medium","市中区","","5","123.00","","",""\n'.encode())
    lines.append('"missing-report","high","市中区","","0","0.00","","",""\n'.encode())
    # 沐川县 sent nothing in 2012-02: its report may have arrived empty, so a balance may be listed — but only the right one
    # (allocated 1229.15 more than disbursed from 社会捐赠, as the build's own rows said before it held them back)
    lines.append('"unspent-balance","medium","沐川县","社会捐赠","0","1229.15","","",""\n'.encode())
    lines.append('"unspent-balance","medium","沐川县","单位筹集资金","0","1.00","","",""\n'.encode())
    write(site, lines)
    detail = problems_of(site)[RECOMPUTED]
    assert "unspent-balance 沐川县 × 社会捐赠" not in detail
    assert "findings.csv unspent-balance 沐川县 × 单位筹集资金: 0 条 / records, 1.00 元，与拨付和发放之差不符" in detail
    assert "findings.csv late-report 市中区: 5 条 / records, 123.00 元 不是该区县任何批次的记录数和金额" in detail
    assert "findings.csv missing-report 市中区: 该区县只有 0 个批次没有记录" in detail


def test_a_real_build_with_dates_of_arrival_passes(tmp_path, root):
    from conftest import build

    data = tmp_path / "data"
    shutil.copytree(root / "data", data)
    (data / "submissions.csv").write_text(
        "round,district,received_on\n2012-01,市中区,2012-01-25\n2012-01,沙湾区,2012-01-10\n2012-02,沐川县,2012-02-10\n", encoding="utf-8"
    )
    build(root, data, tmp_path / "site")
    declared = json.loads((tmp_path / "site/data/campaign.json").read_text(encoding="utf-8"))
    assert declared["report_dates_recorded"] is True and "received_on" not in (tmp_path / "site/data/campaign.json").read_text(encoding="utf-8")
    findings = (tmp_path / "site/data/findings.csv").read_text(encoding="utf-8-sig")
    assert '"late-report"' in findings and '"missing-report"' not in findings  # 沐川县's report came, with no records
    result = subprocess.run(["python3", "-I", "-S", "verify.py", "."], cwd=tmp_path / "site/data", capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:]
