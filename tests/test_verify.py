"""The auditor's tool: a real built site passes; every kind of tampering is caught and named."""

from __future__ import annotations

import ast
import copy
import dataclasses
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from warmth.audit import chain as audit_chain
from warmth.audit.csvfiles import CsvFiles
from warmth.audit.folder import DataFolder
from warmth.audit.totals import read_totals
from warmth.audit.verify import Report, verify
from warmth.core.layout import LEDGER_FILE
from warmth.core.problems import DataError
from warmth.downloads.archive import write_zip
from warmth.ledger.chain import canonical, check_chain, read_ledger
from warmth.pii.detect import mask
from warmth.site.build import build_site
from warmth.staff.seal import seal

ROOT = Path(__file__).resolve().parents[1]

SUMS_OK = "every file listed in SHA256SUMS has that SHA-256"
SUMS_ALL = "SHA256SUMS lists every file under /data/"
PACKAGE = "datapackage.json: bytes and sha256 of every resource"
CHAIN = "ledger.jsonl hash chain intact"
SEALED = "published files of sealed rounds match the ledger"
ARCHIVE = "all.zip holds exactly the other files, and all.zip.sha256 is its SHA-256"
ROUNDS = "rounds/<round>/disbursements.csv = the round's rows of disbursements.csv"
DISTRICTS = "districts/<slug>/disbursements.csv = the destination's rows of disbursements.csv"
FORMAT = "CSV format: UTF-8 with BOM, every field quoted, amounts with exactly two decimals"
SUMMARIES = [
    "summary/by-district.csv", "summary/by-fund-source.csv", "summary/by-category.csv",
    "summary/by-recipient-group.csv", "summary/by-aid-type.csv", "summary/by-round.csv",
]
ALLOC_VS = "summary/allocated-vs-disbursed.csv re-computed from disbursements.csv and allocations.csv"


def recomputed(rel: str) -> str:
    return f"{rel} re-computed from disbursements.csv"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def resum(data: Path) -> None:
    """Rewrite SHA256SUMS to match the files as they are now, and all.zip and its checksum when there is one
    (a careful forger would)."""
    lines = [
        f"{sha(p)}  {p.relative_to(data).as_posix()}\n"
        for p in sorted(data.rglob("*"))
        if p.is_file() and p.relative_to(data).as_posix() not in ("SHA256SUMS", "all.zip", "all.zip.sha256")
    ]
    (data / "SHA256SUMS").write_text("".join(lines), encoding="utf-8")
    if (data / "all.zip").exists():
        rezip(data)


def rezip(data: Path) -> None:
    """Write all.zip again from every file of the folder (README: all but all.zip and all.zip.sha256), and its .sha256."""
    names = [p.relative_to(data).as_posix() for p in data.rglob("*") if p.is_file() and p.name not in ("all.zip", "all.zip.sha256")]
    (data / "all.zip").unlink(missing_ok=True)
    _size, digest = write_zip(data, names, data / "all.zip")
    (data / "all.zip.sha256").write_text(f"{digest}  all.zip\n", encoding="ascii")


def replace_once(path: Path, old: bytes, new: bytes) -> None:
    raw = path.read_bytes()
    assert raw.count(old) >= 1, old
    path.write_bytes(raw.replace(old, new, 1))


def failed(report: Report) -> dict[str, str]:
    return {c.name_en: c.detail for c in report.checks if not c.ok}


def state(folder: Path) -> dict[str, tuple[int, str]]:
    return {p.relative_to(folder).as_posix(): (p.stat().st_mtime_ns, sha(p)) for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def built(built_copy) -> tuple[Path, Path]:
    """(data folder, built site) — a real build of a copy of the embedded data."""
    return built_copy


@pytest.fixture
def site(built, tmp_path) -> Path:
    """A copy of the built site a test may tamper with."""
    copy = tmp_path / "site"
    shutil.copytree(built[1], copy)
    return copy


@pytest.fixture(scope="module")
def ledger_data(built, tmp_path_factory) -> Path:
    """A copy of the data folder with both rounds sealed from the built site."""
    data = tmp_path_factory.mktemp("sealed") / "data"
    shutil.copytree(built[0], data)
    seal(data, "2012-01", built[1] / "data", sealed_on="2012-01-21")
    seal(data, "2012-02", built[1] / "data", sealed_on="2012-03-01")
    return data


def publish_ledger(site: Path, ledger_data: Path) -> Path:
    """What the build will do once it publishes the ledger: copy it to /data/ and list it."""
    shutil.copy(ledger_data / LEDGER_FILE, site / "data" / LEDGER_FILE)
    resum(site / "data")
    return site / "data" / LEDGER_FILE


# --- a real site ----------------------------------------------------------------

def test_a_built_site_passes_every_check(built):
    report = verify(built[1])
    assert report.ok, report.format()
    names = [c.name_en for c in report.checks]
    for name in [SUMS_OK, SUMS_ALL, ARCHIVE, PACKAGE, CHAIN, ROUNDS, DISTRICTS, FORMAT, ALLOC_VS, *map(recomputed, SUMMARIES)]:
        assert name in names
    text = report.format()
    assert text.count("✓") == len(report.checks) and "✗" not in text
    first = text.splitlines()[1]
    assert first.startswith("✓ SHA256SUMS 所列文件校验和一致 / every file listed")  # Chinese, then English
    assert text.splitlines()[-1].endswith(f"All {len(report.checks)} checks passed.")


def test_a_downloaded_data_folder_passes_too(built, tmp_path):
    download = tmp_path / "download"
    shutil.copytree(built[1] / "data", download)
    (download / ".DS_Store").write_bytes(b"\0")  # what a Mac leaves in a folder
    report = verify(download)
    assert report.ok, report.format()
    assert report.data == download
    assert ".DS_Store" in report.format()


def test_a_folder_without_sha256sums_fails(tmp_path):
    report = verify(tmp_path)
    assert not report.ok
    assert "SHA256SUMS" in report.format()


# --- tampering -------------------------------------------------------------------

def test_one_changed_byte_in_a_summary_is_caught_and_named(site):
    path = site / "data" / "summary" / "by-district.csv"
    replace_once(path, b'"871509.55"', b'"871509.56"')  # 市中区's total, one fen more
    report = verify(site)
    problems = failed(report)
    assert set(problems) == {SUMS_OK, PACKAGE, ARCHIVE, recomputed("summary/by-district.csv")}
    assert "summary/by-district.csv: SHA-256 不符 / checksum mismatch" in problems[SUMS_OK]
    assert "all.zip: summary/by-district.csv 与文件夹里的文件内容不同 / differs from the file in the folder" in problems[ARCHIVE]
    assert "summary/by-district.csv" in problems[PACKAGE]
    detail = problems[recomputed("summary/by-district.csv")]
    assert "summary/by-district.csv 第2行 (row 2) 市中区" in detail
    assert "871509.56" in detail and "re-computed 871509.55" in detail
    assert "✗ 汇总重新计算 summary/by-district.csv" in report.format()


def test_an_edited_amount_with_consistent_checksums_fails_the_recomputation(site):
    data = site / "data"
    raw = (data / "disbursements.csv").read_bytes()
    start = raw.index(b'"SZ-2012-01-000001"')
    line_end = raw.index(b"\n", start)
    line = raw[start:line_end]
    assert b'"600.00"' in line
    (data / "disbursements.csv").write_bytes(raw[:start] + line.replace(b'"600.00"', b'"6000.00"') + raw[line_end:])
    resum(data)
    report = verify(site)
    problems = failed(report)
    assert SUMS_OK not in problems and SUMS_ALL not in problems and FORMAT not in problems
    for rel in SUMMARIES:
        assert rel in problems[recomputed(rel)]
    assert "市中区: amount_yuan 文件 / file 871509.55，重新计算 / re-computed 876909.55" in problems[recomputed("summary/by-district.csv")]
    assert "社会捐赠 × 市中区: disbursed_yuan" in problems[ALLOC_VS]
    # the round and destination files no longer equal disbursements.csv: the first differing row is named
    assert "rounds/2012-01/disbursements.csv 第2行 (row 2) record_id 'SZ-2012-01-000001'" in problems[ROUNDS]
    assert "amount_yuan: '600.00' ≠ disbursements.csv '6000.00'" in problems[ROUNDS]
    assert "districts/shizhong/disbursements.csv 第2行 (row 2)" in problems[DISTRICTS]
    assert "disbursements.csv" in problems[PACKAGE]  # its hash in the data package is stale too


def test_a_dropped_record_is_named_by_count(site):
    data = site / "data"
    path = data / "districts" / "shawan" / "disbursements.csv"
    lines = path.read_bytes().split(b"\n")
    path.write_bytes(b"\n".join(lines[:-2] + lines[-1:]))  # drop the last record
    resum(data)
    problems = failed(verify(site))
    assert set(problems) == {PACKAGE, DISTRICTS}
    assert "districts/shawan/disbursements.csv: 422 条记录，disbursements.csv 中 district = '沙湾区' 有 423 条" in problems[DISTRICTS]


def test_format_promises_are_checked(site):
    data = site / "data"
    alloc = data / "allocations.csv"
    alloc.write_bytes(alloc.read_bytes().removeprefix(b"\xef\xbb\xbf"))  # no BOM
    replace_once(data / "summary" / "by-round.csv", b'"2012-02","2120"', b'"2012-02",2120')  # unquoted
    replace_once(data / "summary" / "by-aid-type.csv", b'"121459.00"', b'"121459.0"')  # one decimal
    gbk = data / "summary" / "by-fund-source.csv"
    gbk.write_bytes(gbk.read_bytes().decode("utf-8-sig").encode("gb18030"))  # re-saved by Excel as plain "CSV"
    resum(data)
    problems = failed(verify(site))
    detail = problems[FORMAT]
    assert "allocations.csv: 文件开头没有 UTF-8 BOM" in detail
    assert "summary/by-round.csv 第3行 (row 3): 有字段没有加引号" in detail
    assert "summary/by-aid-type.csv 第4行 (row 4): amount_yuan = '121459.0' 不是恰好两位小数的金额" in detail
    assert "summary/by-fund-source.csv" in detail and "不是 UTF-8 编码" in detail
    assert "summary/by-fund-source.csv: 不是 UTF-8" in problems[recomputed("summary/by-fund-source.csv")]
    # the values themselves are still right, so the re-computation passes
    assert recomputed("summary/by-round.csv") not in problems
    assert recomputed("summary/by-aid-type.csv") not in problems


def test_a_file_read_only_up_to_its_header_is_still_format_checked_to_its_end(site):
    data = site / "data"
    path = data / "rounds" / "2012-02" / "disbursements.csv"
    lines = path.read_bytes().split(b"\n")
    lines[0] = lines[0].replace(b'"record_id"', b'"id"')  # the round check stops reading here
    lines[2] = lines[2].replace(b'"', b"", 2)  # row 3: the first field unquoted
    path.write_bytes(b"\n".join(lines))
    resum(data)
    problems = failed(verify(site))
    assert "rounds/2012-02/disbursements.csv: 表头与 disbursements.csv 不同" in problems[ROUNDS]
    assert problems[FORMAT].count("rounds/2012-02/disbursements.csv 第3行 (row 3): 有字段没有加引号") == 1


def test_unlisted_and_missing_files_are_named(site):
    data = site / "data"
    (data / "summary" / "extra.csv").write_bytes((data / "summary" / "by-round.csv").read_bytes())
    (data / "summary" / "by-category.csv").unlink()
    problems = failed(verify(site))
    assert "summary/extra.csv: 未列在 SHA256SUMS 中 / not listed in SHA256SUMS" in problems[SUMS_ALL]
    assert "summary/by-category.csv: 文件不存在 / file missing" in problems[SUMS_OK]
    assert "summary/extra.csv: 没有写进 datapackage.json" in problems[PACKAGE]
    assert "summary/by-category.csv: 文件不存在" in problems[recomputed("summary/by-category.csv")]


def test_verify_writes_nothing(site):
    replace_once(site / "data" / "disbursements.csv", b'"600.00"', b'"601.00"')
    before = state(site)
    report = verify(site)
    assert not report.ok
    assert state(site) == before


def test_a_destination_that_sent_nothing_has_empty_amounts(built, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(built[0], data)
    (data / "rounds" / "2012-01" / "muchuan.csv").unlink()  # 沐川县 has now sent nothing at all
    build_site(ROOT, data=data, output=tmp_path / "site", cache=None)
    summary = tmp_path / "site" / "data" / "summary" / "by-district.csv"
    assert '"沐川县","0",""' in summary.read_text(encoding="utf-8-sig")
    report = verify(tmp_path / "site")
    assert report.ok, report.format()
    replace_once(summary, '"沐川县","0",""'.encode(), '"沐川县","0","0.00"'.encode())
    resum(tmp_path / "site" / "data")
    problems = failed(verify(tmp_path / "site"))
    assert "沐川县: 没有记录时金额应为空（未报送），不应为 0.00" in problems[recomputed("summary/by-district.csv")]


@pytest.mark.parametrize(
    "package",
    ['[1]', '{"resources": {"a": 1}}', '{"resources": [1]}', '{"resources": [{"path": "summary/campaign-table.csv", "schema": []}]}'],
)
def test_a_data_package_of_the_wrong_shape_fails_its_check_without_a_crash(site, package):
    (site / "data" / "datapackage.json").write_text(package, encoding="utf-8")
    resum(site / "data")
    problems = failed(verify(site))
    assert set(problems) == {PACKAGE}
    assert recomputed("summary/campaign-table.csv") not in problems  # its money by aid type and people are still checked


def test_an_empty_campaign_table_fails_without_a_crash(site):
    (site / "data" / "summary" / "campaign-table.csv").write_bytes(b"\xef\xbb\xbf")
    resum(site / "data")
    problems = failed(verify(site))
    assert problems[recomputed("summary/campaign-table.csv")] == "summary/campaign-table.csv: 空文件，没有表头 / empty file, no header"
    assert "summary/campaign-table.csv: 空文件，没有表头" in problems[FORMAT]


# --- the ledger ------------------------------------------------------------------

def test_a_published_ledger_is_verified(site, ledger_data):
    publish_ledger(site, ledger_data)
    report = verify(site)
    assert report.ok, report.format()
    details = {c.name_en: c.detail for c in report.checks}
    assert "2012-01, 2012-02" in details[CHAIN]
    assert "2012-01" in details[ROUNDS] and "sealed" in details[ROUNDS]


def test_a_changed_hash_in_the_ledger_breaks_the_chain(site, ledger_data):
    ledger = publish_ledger(site, ledger_data)
    manifests = read_ledger(ledger)
    manifests[0]["published"][0]["sha256"] = "0" * 64
    ledger.write_text("".join(canonical(m) + "\n" for m in manifests), encoding="utf-8")
    resum(site / "data")
    problems = failed(verify(site))
    assert set(problems) == {CHAIN, SEALED}
    assert "ledger.jsonl 第2行 (line 2)" in problems[CHAIN] and "[ledger-chain]" in problems[CHAIN]
    assert "rounds/2012-01/disbursements.csv: 与 2012-01-21 封存时不同" in problems[SEALED]


def test_a_re_saved_or_edited_ledger_line_is_caught(site, ledger_data):
    ledger = publish_ledger(site, ledger_data)
    replace_once(ledger, b'"previous":"0000', b'"previous":"1000')
    resum(site / "data")
    problems = failed(verify(site))
    assert "ledger.jsonl 第1行 (line 1)" in problems[CHAIN]
    ledger.write_bytes(ledger.read_bytes().replace(b'":"', b'": "'))  # pretty-printed by an editor
    resum(site / "data")
    assert "[ledger-format]" in failed(verify(site))[CHAIN]


def test_a_sealed_round_changed_after_sealing_is_caught(site, ledger_data):
    publish_ledger(site, ledger_data)
    data = site / "data"
    # a forger edits both the round file and disbursements.csv consistently, and re-sums
    raw = (data / "disbursements.csv").read_bytes()
    start = raw.index(b'"SZ-2012-01-000001"')
    line = raw[start : raw.index(b"\n", start)]
    amount = line.rsplit(b'","', 4)[1]  # amount_yuan, before the three withheld columns
    edited = line.replace(b'"' + amount + b'"', b'"' + amount + b'0"' if b"." not in amount else b'"1' + amount + b'"', 1)
    for rel in ("rounds/2012-01/disbursements.csv", "disbursements.csv", "districts/shizhong/disbursements.csv"):
        replace_once(data / rel, line, edited)
    resum(data)
    problems = failed(verify(site))
    assert SEALED in problems
    assert "rounds/2012-01/disbursements.csv: 与 2012-01-21 封存时不同" in problems[SEALED]
    assert ROUNDS not in problems and DISTRICTS not in problems and CHAIN not in problems


def test_an_unsealed_file_in_a_sealed_round_is_caught(site, ledger_data):
    publish_ledger(site, ledger_data)
    shutil.copy(site / "data" / "rounds" / "2012-01" / "disbursements.csv", site / "data" / "rounds" / "2012-01" / "corrected.csv")
    resum(site / "data")
    problems = failed(verify(site))
    assert "rounds/2012-01/corrected.csv: 批次 2012-01 已封存，这个文件不在封存清单中" in problems[SEALED]


def test_report_format_has_one_line_per_passing_check_and_names_failures(site):
    os.remove(site / "data" / "summary" / "by-round.csv")
    report = verify(site)
    lines = report.format().splitlines()
    assert lines[0].startswith("核对 / verifying: ")
    marks = [line for line in lines if line[:1] in "✓✗"]
    assert len(marks) == len(report.checks)
    assert any(line.startswith("✗ 汇总重新计算 summary/by-round.csv") for line in lines)
    assert lines[-1].endswith("checks failed.")


def test_ledger_problems_print_full_hashes(site, ledger_data):
    ledger = publish_ledger(site, ledger_data)
    replace_once(ledger, b'"previous":"0000', b'"previous":"1000')
    resum(site / "data")
    detail = failed(verify(site))[CHAIN]
    assert f"previous 应为 {'0' * 64}（上一行的 SHA-256），实为 {'1' + '0' * 63}" in detail
    assert f"previous should be {'0' * 64} (SHA-256 of the line before), is {'1' + '0' * 63}" in detail


# --- the auditor's code stands alone ----------------------------------------------

AUDIT = ROOT / "plugins" / "warmth" / "audit"


def test_the_audit_package_imports_only_the_standard_library():
    """Every import in audit/, at any depth, is the standard library or audit/ itself; the syntax is Python 3.9's."""
    for path in sorted(AUDIT.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path), feature_version=(3, 9))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                assert node.level == 0, f"{path.name}: relative import"
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                assert top in sys.stdlib_module_names or top == "__future__" or name.startswith("warmth.audit."), f"{path.name} imports {name}"


def test_the_auditor_s_check_runs_without_any_installed_package(site, ledger_data):
    """Run in a Python without site-packages (-S): it passes, and loads no module but the standard library's and audit/."""
    publish_ledger(site, ledger_data)
    code = (
        "import sys\n"
        f"sys.path.insert(0, {str(ROOT / 'plugins')!r})\n"
        "from warmth.audit.verify import verify\n"
        f"report = verify({str(site)!r})\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] not in sys.stdlib_module_names)\n"
        "print(report.ok, len(report.checks), ' '.join(loaded))\n"
    )
    result = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    ok, count, *loaded = result.stdout.split()
    assert ok == "True" and int(count) == len(verify(site).checks)
    assert "warmth.audit.totals" in loaded
    assert [m for m in loaded if m not in ("__main__", "warmth", "warmth.audit") and not m.startswith("warmth.audit.")] == []


def _build_problems(path: Path) -> list[tuple[int, str, str, str]]:
    try:
        problems = check_chain(read_ledger(path))
    except DataError as exc:
        problems = exc.problems
    return [(p.row, p.rule, p.message_zh, p.message_en) for p in problems]


def _audit_problems(path: Path) -> list[tuple[int, str, str, str]]:
    return [(p.line, p.rule, mask(p.zh), mask(p.en)) for p in audit_chain.read_ledger(path).problems]


def _ledger_cases(good: list[dict]) -> dict[str, bytes]:
    def lines(manifests):
        return "".join(canonical(m) + "\n" for m in manifests).encode("utf-8")

    def changed(i, **changes):
        manifests = copy.deepcopy(good)
        manifests[i].update(changes)
        return lines(manifests)

    entry = good[0]["published"][0]
    return {
        "intact": lines(good),
        "empty": b"",
        "crlf": lines(good).replace(b"\n", b"\r\n"),
        "changed": changed(0, sealed_on="2012-01-22"),
        "dropped": lines(good[1:]),
        "swapped": lines(good[::-1]),
        "twice": lines([*good, {**good[0], "previous": hashlib.sha256(canonical(good[1]).encode()).hexdigest()}]),
        "bom": b"\xef\xbb\xbf" + lines(good),
        "not json": lines(good) + b"{not json\n\xff\n",
        "not an object": lines(good) + b"[1]\n",
        "pretty": lines(good).replace(b'":"', b'": "'),
        "fields": changed(0, round="../x", sealed_on="21/1/2012", campaign=None, inputs="x", published=[]),
        "entries": changed(1, published=[{**entry, "bytes": True}, entry, {"path": "rounds/other/a.csv", "bytes": 1, "sha256": "a" * 64}]),
        "lacks": lines([{k: v for k, v in good[0].items() if k not in ("published", "inputs")}, good[1]]),
    }


def test_the_auditor_s_ledger_reading_agrees_with_the_build_s(ledger_data, tmp_path):
    """audit/chain.py is an independent re-implementation: same problems, same lines, same messages."""
    good = read_ledger(ledger_data / LEDGER_FILE)
    for name, raw in _ledger_cases(good).items():
        path = tmp_path / f"{name}.jsonl"
        path.write_bytes(raw)
        assert _audit_problems(path) == _build_problems(path), name
    assert audit_chain.read_ledger(ledger_data / LEDGER_FILE).sealed_rounds() == {"2012-01", "2012-02"}


def test_disbursements_are_summed_into_one_typed_value(built):
    folder = DataFolder(built[1] / "data")
    totals = read_totals(CsvFiles(folder))
    with pytest.raises(dataclasses.FrozenInstanceError):
        totals.bad_rows = (2,)  # type: ignore[misc]
    assert totals.bad_rows == ()
    records = sum(part.records for part in totals.rounds.values())
    assert records == sum(part.records for part in totals.districts.values()) == sum(s.records for s in totals.sums["district"].values())
    money = sum(s.amount for s in totals.sums["fund_source"].values())
    assert money == sum(totals.pairs.values()) == sum(sum(by.values()) for by in totals.aid_money.values())
    assert set(totals.people) <= set(totals.districts) and all(n > 0 for n in totals.people.values())
