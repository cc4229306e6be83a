"""Issue 9, item 1: make verify explains every difference between a sealed round and what is published now.

Through the real commands (build, seal, ``make verify``, the kit): round 2012-01
of the embedded data is built, sealed and published; then record
EMS-2012-01-000207 goes from 200.00 to 2000.00 in two ways a forger would use —
the sealed archive and the ledger put back after a rebuild, or the sealed input
edited and its ledger line rewritten to match — and every checksum regenerated.
Both used to pass all 16 checks; now the record and field are named. The same
change made openly, by a published correction, passes.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from test_auditor_kit import pythons, run_kit
from test_verify import resum

from warmth.audit.history import HISTORY_NAME
from warmth.core.layout import LEDGER_FILE
from warmth.ledger.chain import canonical

ROOT = Path(__file__).resolve().parents[1]
RECORD = "EMS-2012-01-000207"  # 200 yuan, round 2012-01, 峨眉山市 (data/rounds/2012-01/emeishan.csv)
INPUT = "rounds/2012-01/emeishan.csv"
NAMED = f"record_id '{RECORD}' amount_yuan: 封存 / sealed '200.00' → 现在 / now '2000.00'"
HISTORY = f"✗ {HISTORY_NAME[0]}"


def cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "plugins")}
    return subprocess.run([sys.executable, "-m", "warmth", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


def build(data: Path, site: Path) -> None:
    result = cli("build", "--data", str(data), "--output", str(site), "--no-cache")
    assert result.returncode == 0, result.stderr[-3000:]


def make_verify(site: Path) -> subprocess.CompletedProcess:
    """``make verify SITE=…`` exactly as the Makefile runs it (no virtual environment); returncode: verify's own (0 or 1)."""
    result = subprocess.run(["make", "-s", "verify", f"SITE={site}"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    if result.returncode:  # make says which status the recipe ended with
        status = re.search(r"\[Makefile:\d+: verify\] Error (\d+)", result.stderr)
        result.returncode = int(status.group(1)) if status else result.returncode
    return result


def failed_lines(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if line.startswith("✗")]


@pytest.fixture(scope="module")
def sealed(tmp_path_factory) -> tuple[Path, Path]:
    """(data, site): the embedded data with round 2012-01 sealed on 2012-01-21 and the site rebuilt; copy before changing."""
    base = tmp_path_factory.mktemp("sealed-history")
    shutil.copytree(ROOT / "data", base / "data")
    build(base / "data", base / "site")
    sealing = cli("seal", "--data", str(base / "data"), "--output", str(base / "site"), "--round", "2012-01", "--date", "2012-01-21")
    assert sealing.returncode == 0, sealing.stderr
    build(base / "data", base / "site")
    return base / "data", base / "site"


@pytest.fixture
def case(sealed, tmp_path) -> tuple[Path, Path]:
    shutil.copytree(sealed[0], tmp_path / "data")
    shutil.copytree(sealed[1], tmp_path / "site")
    return tmp_path / "data", tmp_path / "site"


def change_amount(data: Path, record: str = RECORD, old: bytes = b",200,", new: bytes = b",2000,") -> None:
    path = data / INPUT
    raw = path.read_bytes()
    start = raw.index(record.encode() + b",")
    end = raw.index(b"\n", start)
    line = raw[start:end]
    assert line.count(old) == 1, line
    path.write_bytes(raw[:start] + line.replace(old, new) + raw[end:])


def rewrite_ledger_inputs(data: Path) -> None:
    """The forger's ledger: the edited input's hash and size written into its line, the chain re-linked after it."""
    manifests = [json.loads(line) for line in (data / LEDGER_FILE).read_text(encoding="utf-8").splitlines()]
    for manifest in manifests:
        for entry in manifest["inputs"]:
            if entry.get("path") == INPUT:
                entry["bytes"] = (data / INPUT).stat().st_size
                entry["sha256"] = hashlib.sha256((data / INPUT).read_bytes()).hexdigest()
    assert len(manifests) == 1  # one sealed round: no later line to re-link
    (data / LEDGER_FILE).write_text("".join(canonical(m) + "\n" for m in manifests), encoding="utf-8")


def forge_checksums(data: Path) -> None:
    """SHA256SUMS, the data package's bytes and hashes, all.zip and its checksum: all made to match the files again."""
    package = json.loads((data / "datapackage.json").read_text(encoding="utf-8"))
    for resource in package["resources"]:
        raw = (data / resource["path"]).read_bytes()
        resource["bytes"], resource["hash"] = len(raw), f"sha256:{hashlib.sha256(raw).hexdigest()}"
    (data / "datapackage.json").write_text(json.dumps(package, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    resum(data)  # SHA256SUMS, then all.zip and all.zip.sha256


def test_the_sealed_site_passes(sealed):
    result = make_verify(sealed[1])
    assert result.returncode == 0, result.stdout[-3000:]
    assert "✓ 已封存批次的每条记录" in result.stdout and "0 differences" in result.stdout


def test_a_change_with_the_sealed_file_and_ledger_put_back_fails_naming_record_and_field(case, tmp_path):
    data, site = case
    # the forger: change the amount, hide the seal so the build does not refuse, rebuild …
    change_amount(data)
    aside = tmp_path / "aside"
    aside.mkdir()
    for name in (LEDGER_FILE, "sealed"):
        shutil.move(data / name, aside / name)
    build(data, site)
    published = site / "data"
    assert f'"{RECORD}"'.encode() in (published / "rounds/2012-01/disbursements.csv").read_bytes()
    assert not (published / LEDGER_FILE).exists()
    # … then put the sealed round file and the ledger back, and regenerate every checksum
    shutil.copy(aside / "sealed/2012-01/disbursements.csv", published / "rounds/2012-01/disbursements.csv")
    shutil.copy(aside / LEDGER_FILE, published / LEDGER_FILE)
    forge_checksums(published)

    result = make_verify(site)
    assert result.returncode == 1
    assert NAMED in result.stdout
    # nothing else gives it away: every other check passes, as all 16 did before
    assert [line.split(" / ")[0] for line in failed_lines(result.stdout)] == [HISTORY]

    # the auditor's kit, from the unzipped all.zip with a bare Python, in an unrelated folder: rejected too
    unzipped = tmp_path / "unzipped"
    with zipfile.ZipFile(published / "all.zip") as archive:
        archive.extractall(unzipped)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    python = pythons()[min(pythons())]
    kit = run_kit(python, unzipped / "verify.py", str(unzipped), elsewhere)
    assert kit.returncode == 1 and NAMED in kit.stdout, kit.stdout[-3000:]


def test_a_sealed_input_edited_with_its_ledger_line_rewritten_fails(case):
    data, site = case
    change_amount(data)
    refused = cli("build", "--data", str(data), "--output", str(site), "--no-cache")
    assert refused.returncode == 1 and "sealed-input-changed" in refused.stderr  # the build refuses an edited sealed input …
    rewrite_ledger_inputs(data)
    build(data, site)  # … but not one whose ledger line was rewritten to match
    result = make_verify(site)
    assert result.returncode == 1 and NAMED in result.stdout
    assert [line.split(" / ")[0] for line in failed_lines(result.stdout)] == [HISTORY]


CORRECTIONS = (
    "correction_id,record_id,field,old_value,new_value,reason,date,round\n"
    f"C-1,{RECORD},amount_yuan,200,2000,发放表漏写一个零,2012-02-01,2012-01\n"
    "C-2,SZ-2012-01-000002,category,就业援助,生活救助,类别填错,2012-02-01,2012-01\n"
    "C-3,SZ-2012-01-000003,district,市中区,沙湾区,区县填错,2012-02-01,2012-01\n"
    "C-4,SZ-2012-01-000004,withdrawn,,,重复登记,2012-02-01,2012-01\n"
)


def test_the_same_change_made_by_a_published_correction_passes(case):
    data, site = case
    (data / "corrections.csv").write_text(CORRECTIONS, encoding="utf-8")
    build(data, site)
    result = make_verify(site)
    assert result.returncode == 0, result.stdout[-3000:]
    line = next(line for line in result.stdout.splitlines() if line.startswith("✓ 已封存批次的每条记录"))
    assert "3 differences: 3 corrected, 0 redacted, 1 withdrawn" in line
    published = site / "data"
    # a forger who points an old correction at a new value: the correction says 300, the record holds 2000
    corrections = published / "corrections.csv"
    corrections.write_bytes(corrections.read_bytes().replace(b'"200","2000"', b'"200","300"'))
    forge_checksums(published)
    result = make_verify(site)
    assert result.returncode == 1
    why = "最后一次更正的新值为 / the last correction's new value is '300'"
    assert f"{NAMED}（没有更正或删除说明 / no correction or redaction explains it；{why}）" in result.stdout
    # and one who removes the correction and the withdrawal from the published list
    rows = corrections.read_bytes().splitlines(keepends=True)
    corrections.write_bytes(b"".join(row for row in rows if b'"C-1"' not in row and b'"C-4"' not in row))
    forge_checksums(published)
    result = make_verify(site)
    assert result.returncode == 1 and f"{NAMED}（没有更正或删除说明 / no correction or redaction explains it）" in result.stdout
    assert "record_id 'SZ-2012-01-000004'（批次 2012-01）已封存，但 disbursements.csv 中没有，也没有撤回它的更正" in result.stdout


def test_a_record_added_to_a_sealed_round_is_named(case):
    data, site = case
    published = site / "data"
    path = published / "disbursements.csv"
    raw = path.read_bytes()
    line = next(row for row in raw.splitlines(keepends=True) if row.startswith(f'"{RECORD}"'.encode()))
    path.write_bytes(raw.replace(line, line + line.replace(RECORD.encode(), b"EMS-2012-01-999999"), 1))
    forge_checksums(published)
    result = make_verify(site)
    assert result.returncode == 1
    assert "records of a sealed round that were never sealed: EMS-2012-01-999999 (2012-01)" in result.stdout


def test_many_differences_are_counted_and_the_first_named(case):
    """A million-record site could differ everywhere: each is counted, the first few hundred named, in one streamed pass."""
    data, site = case
    published = site / "data"
    path = published / "disbursements.csv"
    text = path.read_bytes().decode("utf-8-sig")
    changed = re.sub(r'^("SZHI-2012-01-\d+",(?:"[^"]*",){11})"(\d+)\.(\d\d)"', r'\1"\2\3.00"', text, flags=re.M)
    assert changed != text
    path.write_bytes(b"\xef\xbb\xbf" + changed.encode("utf-8"))
    forge_checksums(published)
    result = make_verify(site)
    assert result.returncode == 1
    count = len(re.findall(r'^"SZHI-2012-01-', text, re.M))
    assert count > 500 and f"{count} 处差异没有说明 / {count} unexplained difference(s):" in result.stdout
    assert result.stdout.count("（没有更正或删除说明 / no correction or redaction explains it）") == 29  # the count, then the first 29
