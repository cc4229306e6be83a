"""Take-down that keeps the audit trail (issue 8, item 3), through the real commands.

Build, ``make seal``, ``make redact`` (the Makefile's own recipe) and ``make
verify`` run as subprocesses, as staff and auditors run them. The personal
values used are forms the personal-data gate does not catch — a bare name with
no cue word (README: "A bare name with no cue … is not found") — which is
exactly what take-down is for. After a take-down the value must be in no byte
of the site, of the sealed archive, of the ledger, of the whole data folder.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_verify import SEALED, _audit_problems, _build_problems, resum

from warmth.audit.history import HISTORY_NAME
from warmth.audit.verify import verify
from warmth.core.layout import LEDGER_FILE
from warmth.core.schema import RECORD_COLUMNS, header_map, normalize_header
from warmth.ledger.chain import ZERO_HASH, canonical, check_chain, manifest_hash, read_ledger, without_path
from warmth.ledger.redactions import hide_paths

from conftest import make_data
from independent import read_rows

HISTORY = HISTORY_NAME[1]
NAME = "欧阳娜娜"  # a bare name: the gate cannot tell it from a word, so it slips through
OTHER = "上官婉儿"  # another, in a test of its own
MARK = "[已删除]"
PERSONAL_FILE = "rounds/2012-01/jiajiang-shangguanwan.csv"
REDACTIONS_HEADER_ZH = "删除编号,对象,字段,删除理由,删除日期\n"


def cli(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root / "plugins")}
    return subprocess.run([sys.executable, "-m", "warmth", *args], cwd=root, env=env, capture_output=True, text=True, timeout=600)


def build(root: Path, data: Path, site: Path, *extra: str) -> subprocess.CompletedProcess:
    return cli(root, "build", "--data", str(data), "--output", str(site), "--no-cache", *extra)


def make_redact(root: Path, data: Path, site: Path, signkey: Path | None = None) -> list[subprocess.CompletedProcess]:
    """Run the Makefile's ``redact`` recipe line by line, as ``make redact DATA=… OUTPUT=… [SIGNKEY=…]`` would
    (without the project's build cache); stop at the first that fails."""
    text = (root / "Makefile").read_text(encoding="utf-8")
    recipe = []
    for line in text.split("\nredact:", 1)[1].splitlines()[1:]:
        if not line.startswith("\t"):
            break
        recipe.append(line.strip())
    assert len(recipe) == 3, recipe
    done = []
    for line in recipe:
        signing = f' --signkey "{signkey}"' if signkey else ""
        line = line.replace("$(PY)", "PY").replace("$(DATA)", str(data)).replace("$(OUTPUT)", str(site)).replace("$(SIGNING)", signing)
        words = shlex.split(line)
        assert words[:3] == ["PY", "-m", "warmth"], line
        args = [*words[3:], *(["--no-cache"] if words[3] == "build" else [])]
        done.append(cli(root, *args))
        if done[-1].returncode:
            break
    return done


def holding(needle: str, *folders: Path) -> list[str]:
    """Every file under ``folders`` (or the file itself) whose bytes contain ``needle`` (UTF-8)."""
    found = []
    for folder in folders:
        files = [folder] if folder.is_file() else [p for p in folder.rglob("*") if p.is_file()]
        found += [str(p) for p in files if needle.encode("utf-8") in p.read_bytes()]
    return found


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def set_cell(path: Path, record_id: str, column: str, value: str) -> str:
    """Change one cell of a record in a round's CSV file; return what it held."""
    text = path.read_bytes().decode("utf-8-sig")
    lines = text.split("\n")
    names = header_map(RECORD_COLUMNS)
    header = [names.get(normalize_header(h), h) for h in lines[0].split(",")]  # English or Chinese headers
    for i, line in enumerate(lines):
        cells = line.split(",")
        if cells[0] == record_id:
            old, cells[header.index(column)] = cells[header.index(column)], value
            lines[i] = ",".join(cells)
            path.write_bytes(("\ufeff" + "\n".join(lines)).encode("utf-8"))
            return old
    raise KeyError(record_id)


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@pytest.fixture(scope="module")
def named(tmp_path_factory, root) -> tuple[Path, Path, str]:
    """(data, site, record id): notes published, a name in one note of 2012-01 and in one file name, the round
    built and sealed (the site is the one built from the data, before sealing).

    Tests copy both folders before changing anything.
    """
    base = tmp_path_factory.mktemp("named")
    data = make_data(base / "data")
    campaign = data / "campaign.toml"
    campaign.write_text(campaign.read_text(encoding="utf-8").replace("publish_notes = false", "publish_notes = true"), encoding="utf-8")
    record = read_rows(data / "rounds/2012-01/shawan.csv")[0]["record_id"]
    set_cell(data / "rounds/2012-01/shawan.csv", record, "note", NAME)
    (data / "rounds/2012-01/jiajiang.csv").rename(data / PERSONAL_FILE)  # a name in pinyin: treated as personal
    site = base / "site"
    built = build(root, data, site)
    assert built.returncode == 0, built.stderr
    assert holding(NAME, site / "data/rounds/2012-01/disbursements.csv")  # it did slip through
    sealed = cli(root, "seal", "--data", str(data), "--output", str(site), "--round", "2012-01", "--date", "2012-01-21")
    assert sealed.returncode == 0, sealed.stderr
    return data, site, record


@pytest.fixture
def case(named, tmp_path) -> tuple[Path, Path, str]:
    data, site, record = named
    shutil.copytree(data, tmp_path / "data")
    shutil.copytree(site, tmp_path / "site")
    return tmp_path / "data", tmp_path / "site", record


# --- the done-when -------------------------------------------------------------------


def test_a_round_sealed_with_a_name_can_be_redacted_and_verify_passes_afterwards(root, case):
    data, site, record = case
    assert holding(NAME, data / "sealed", data / LEDGER_FILE) == [str(data / "sealed/2012-01/disbursements.csv")]
    old_archive = (data / "sealed/2012-01/disbursements.csv").read_bytes()
    old_ledger = (data / LEDGER_FILE).read_bytes()

    # staff: remove the value from the input, then say in redactions.csv where it was (never what it was)
    set_cell(data / "rounds/2012-01/shawan.csv", record, "note", "")
    (data / "redactions.csv").write_text(REDACTIONS_HEADER_ZH + f"R1,{record},备注,备注里写了受助人姓名,2012-02-01\n", encoding="utf-8")
    assert NAME not in (data / "redactions.csv").read_text(encoding="utf-8")

    # the build refuses until the ledger records it: Chinese first, saying to run make redact; the site stays as it was
    before = snapshot(site)
    refused = build(root, data, site)
    assert refused.returncode == 1 and "[redaction-pending]" in refused.stderr
    assert "请运行 make redact" in refused.stderr and refused.stderr.index("请运行 make redact") < refused.stderr.index("Run make redact")
    assert "sealed-input-changed" not in refused.stderr  # the edited input is the take-down, not tampering
    assert snapshot(site) == before

    steps = make_redact(root, data, site)
    assert [s.returncode for s in steps] == [0, 0, 0], steps[-1].stderr

    # the name is in no byte of the site, the sealed archive, the ledger — nor anywhere in the data folder
    assert holding(NAME, site, data / "sealed", data / LEDGER_FILE, data) == []
    # the archive changed in that one cell only: the auditor's by-hand check
    new_archive = (data / "sealed/2012-01/disbursements.csv").read_bytes()
    assert new_archive == old_archive.replace(f'"{NAME}"'.encode(), f'"{MARK}"'.encode())
    assert (site / "data/rounds/2012-01/disbursements.csv").read_bytes() == new_archive
    published = {r["record_id"]: r for r in read_rows(site / "data/disbursements.csv")}
    assert published[record]["note"] == MARK
    # the ledger: the old line byte for byte, then one redaction line with the fact, never the value
    ledger = (data / LEDGER_FILE).read_bytes()
    assert ledger.startswith(old_ledger) and ledger.count(b"\n") == 2
    line = json.loads(ledger.splitlines()[1])
    assert line["format"] == 2 and line["round"] == "2012-01" and line["previous"] == manifest_hash(json.loads(old_ledger))
    assert line["redactions"] == [{"id": "R1", "target": record, "field": "note", "reason": "备注里写了受助人姓名",
                                   "date": "2012-02-01", "value_sha256": sha(NAME)}]
    assert line["published"] == [{"path": "rounds/2012-01/disbursements.csv", "bytes": len(new_archive),
                                  "sha256": hashlib.sha256(new_archive).hexdigest()}]
    shawan = data / "rounds/2012-01/shawan.csv"
    assert {"path": "rounds/2012-01/shawan.csv", "bytes": shawan.stat().st_size,
            "sha256": hashlib.sha256(shawan.read_bytes()).hexdigest()} in line["inputs"]
    assert check_chain(read_ledger(data / LEDGER_FILE)) == []
    # SHA256SUMS and the data package describe the new bytes; make verify passes and lists the redaction
    sums = (site / "data/SHA256SUMS").read_text(encoding="utf-8")
    assert f"{hashlib.sha256(new_archive).hexdigest()}  rounds/2012-01/disbursements.csv" in sums
    package = json.loads((site / "data/datapackage.json").read_text(encoding="utf-8"))
    assert f"sha256:{hashlib.sha256(new_archive).hexdigest()}" in [r.get("hash") for r in package["resources"]]
    verified = cli(root, "verify", str(site))
    assert verified.returncode == 0, verified.stdout
    listed = [row for row in verified.stdout.splitlines() if row.strip().startswith("R1:")]
    assert len(listed) == 1 and all(part in listed[0] for part in ("2012-01", "note", "备注里写了受助人姓名", "2012-02-01", sha(NAME)))
    # every sealed record is as sealed: the archive was rewritten with the take-down, so nothing differs
    assert "✓ 已封存批次的每条记录" in verified.stdout and "0 differences" in verified.stdout
    # had the old archive been published, the ledger check catches it, and the note's difference is the recorded redaction
    old = site.parent / "old-archive"
    shutil.copytree(site, old)
    (old / "data/rounds/2012-01/disbursements.csv").write_bytes(old_archive)
    resum(old / "data")
    report = {c.name_en: c for c in verify(old).checks}
    assert not report[SEALED].ok and report[HISTORY].ok and "1 redacted" in report[HISTORY].detail, report[HISTORY].detail
    page = (site / "ledger/index.html").read_text(encoding="utf-8")
    assert "删除记录" in page and "备注里写了受助人姓名" in page and sha(NAME) in page

    # once recorded, a redaction can be neither changed nor undone
    (data / "redactions.csv").write_text(REDACTIONS_HEADER_ZH + f"R1,{record},备注,换个说法,2012-02-01\n", encoding="utf-8")
    changed = build(root, data, site)
    assert changed.returncode == 1 and "[redaction-ledger-mismatch]" in changed.stderr and "删除理由" in changed.stderr
    (data / "redactions.csv").unlink()
    gone = build(root, data, site)
    assert gone.returncode == 1 and "[redaction-ledger-mismatch]" in gone.stderr and "R1" in gone.stderr


def test_a_file_name_is_taken_down_from_every_ledger_line_and_the_chain_still_holds(root, case):
    data, site, _ = case
    sealed = cli(root, "seal", "--data", str(data), "--output", str(site), "--round", "2012-02", "--date", "2012-03-01")
    assert sealed.returncode == 0, sealed.stderr  # a later line, chained onto the one that names the file
    assert holding("shangguanwan", data / LEDGER_FILE)
    before = read_ledger(data / LEDGER_FILE)

    (data / PERSONAL_FILE).rename(data / "rounds/2012-01/jiajiang.csv")  # same bytes, a harmless name
    renamed = data / "rounds/2012-01/jiajiang.csv"
    digest = hashlib.sha256(renamed.read_bytes()).hexdigest()
    (data / "redactions.csv").write_text(
        "redaction_id,target,field,reason,date\n" f"F1,file:{digest},name,文件名含受助人姓名,2012-03-05\n", encoding="utf-8"
    )
    refused = build(root, data, site)
    assert refused.returncode == 1 and "[redaction-pending]" in refused.stderr and "F1" in refused.stderr

    steps = make_redact(root, data, site)
    assert [s.returncode for s in steps] == [0, 0, 0], steps[-1].stderr
    assert holding("shangguanwan", site, data) == []
    after = read_ledger(data / LEDGER_FILE)
    assert len(after) == 3
    # line 1 lost the path and nothing else; every line keeps its hash, so the chain holds unchanged
    assert after[0] == {**before[0], "inputs": [without_path(e) if e["sha256"] == digest else e for e in before[0]["inputs"]]}
    assert [e for e in after[0]["inputs"] if "path" not in e] == [
        {"bytes": renamed.stat().st_size, "path_sha256": sha(PERSONAL_FILE), "sha256": digest}
    ]
    assert after[1] == before[1]
    assert [manifest_hash(m) for m in after[:2]] == [manifest_hash(m) for m in before]
    assert after[2]["redactions"] == [{"id": "F1", "target": f"file:{digest}", "field": "name", "reason": "文件名含受助人姓名",
                                       "date": "2012-03-05", "value_sha256": sha(PERSONAL_FILE)}]
    assert {"path": "rounds/2012-01/jiajiang.csv", "bytes": renamed.stat().st_size, "sha256": digest} in after[2]["inputs"]
    assert check_chain(after) == []
    page = (site / "ledger/index.html").read_text(encoding="utf-8")
    assert "文件名已删除" in page and sha(PERSONAL_FILE) in page
    verified = cli(root, "verify", str(site))
    assert verified.returncode == 0, verified.stdout
    assert "F1:" in verified.stdout


def test_corrections_record_ids_and_unsealed_rounds(root, case):
    """A correction's reason, a sealed record's id (named by its SHA-256), a note in a round not yet sealed."""
    data, site, _ = case
    first = read_rows(data / "rounds/2012-01/emeishan.csv")[0]
    later = read_rows(data / "rounds/2012-02/shawan.csv")[0]
    (data / "corrections.csv").write_text(
        "correction_id,record_id,field,old_value,new_value,reason,date,round\n"
        f"C1,{later['record_id']},amount_yuan,{later['amount_yuan']},1.00,{OTHER},2012-02-10,2012-02\n",
        encoding="utf-8",
    )
    set_cell(data / "rounds/2012-02/shawan.csv", later["record_id"], "note", OTHER)

    # staff take the values out of the inputs first: the record id, the note, the correction's reason
    old_id = first["record_id"]
    set_cell(data / "rounds/2012-01/emeishan.csv", old_id, "record_id", "redacted-R2")
    set_cell(data / "rounds/2012-02/shawan.csv", later["record_id"], "note", "")
    corrections = data / "corrections.csv"
    corrections.write_text(corrections.read_text(encoding="utf-8").replace(OTHER, MARK), encoding="utf-8")
    (data / "redactions.csv").write_text(
        REDACTIONS_HEADER_ZH
        + "R1,correction:C1,更正说明,更正说明里有姓名,2012-03-01\n"
        + f"R2,sha256:{sha(old_id)},记录编号,记录编号里有姓名,2012-03-01\n"
        + f"R3,{later['record_id']},note,备注里有姓名,2012-03-01\n",
        encoding="utf-8",
    )
    refused = build(root, data, site)
    assert refused.returncode == 1 and "R2" in refused.stderr and "R1" not in refused.stderr and "R3" not in refused.stderr
    steps = make_redact(root, data, site)
    assert [s.returncode for s in steps] == [0, 0, 0], steps[-1].stderr

    assert holding(OTHER, site, data) == []
    assert holding(old_id, site, data / "sealed", data / LEDGER_FILE) == []
    history = read_rows(site / "data/corrections.csv")
    assert [(h["correction_id"], h["reason"], h["new_value"]) for h in history] == [("C1", MARK, "1.00")]
    assert MARK in (site / "corrections/index.html").read_text(encoding="utf-8")
    archived = read_rows(data / "sealed/2012-01/disbursements.csv")
    assert "redacted-R2" in {r["record_id"] for r in archived}
    published = {r["record_id"]: r for r in read_rows(site / "data/disbursements.csv")}
    assert published[later["record_id"]]["note"] == MARK and published[later["record_id"]]["amount_yuan"] == "1.00"
    ledger = read_ledger(data / LEDGER_FILE)
    assert [[r["id"] for r in m.get("redactions", [])] for m in ledger] == [[], ["R2"]]
    assert ledger[1]["redactions"][0]["value_sha256"] == sha(old_id) and ledger[1]["redactions"][0]["target"] == f"sha256:{sha(old_id)}"

    # sealing 2012-02 afterwards records R3 in its seal line: the sealed files never held the value
    sealed = cli(root, "seal", "--data", str(data), "--output", str(site), "--round", "2012-02", "--date", "2012-03-02")
    assert sealed.returncode == 0, sealed.stderr
    line = read_ledger(data / LEDGER_FILE)[-1]
    assert line["sealed_on"] == "2012-03-02" and [(r["id"], r["value_sha256"]) for r in line["redactions"]] == [("R3", None)]
    assert build(root, data, site).returncode == 0
    verified = cli(root, "verify", str(site))
    assert verified.returncode == 0 and "R3:" in verified.stdout and "R2:" in verified.stdout and "R1:" not in verified.stdout


# --- refusals ---------------------------------------------------------------------------------


def test_every_problem_of_redactions_csv_is_reported_by_make_check(root, case):
    data, _site, record = case
    digest = "a" * 64
    (data / "redactions.csv").write_text(
        "redaction_id,target,field,reason,date\n"
        "X1,NO-SUCH-RECORD,note,r,2012-02-01\n"  # 2 unknown record
        "X2,correction:C9,reason,r,2012-02-01\n"  # 3 unknown correction
        f"X3,file:{digest},name,r,2012-02-01\n"  # 4 unknown file
        f"X4,{record},amount_yuan,r,2012-02-01\n"  # 5 not redactable
        f"X5,{record},note,,2012-02-01\n"  # 6 no reason
        f"X6,{record},note,r,2012-13-45\n"  # 7 bad date
        f"X6,{record},item,r,2012-02-01\n"  # 8 duplicate id
        f"-X8,{record},unit,r,2012-02-01\n"  # 9 malformed id (and a formula)
        f"X9,{record},note,已联系13912345678,2012-02-01\n"  # 10 a reason holding personal data
        f"X10,{record},record_id,r,2012-02-01\n"  # 11 the target is the value
        "X11,not a target!,note,r,2012-02-01\n",  # 12 malformed target
        encoding="utf-8",
    )
    checked = cli(root, "check", "--data", str(data))
    assert checked.returncode == 1
    found = {(line.split("第")[1].split("行")[0], line.rsplit("[", 1)[1].rstrip("]"))
             for line in _problem_lines(checked.stderr) if line.startswith("redactions.csv 第")}
    assert {
        ("2", "redaction-unknown-target"), ("3", "redaction-unknown-target"), ("4", "redaction-unknown-target"),
        ("5", "redaction-field"), ("6", "redaction-reason-required"), ("7", "date-format"), ("8", "duplicate-redaction-id"),
        ("9", "redaction-id-format"), ("9", "formula-prefix"), ("10", "personal-data"), ("11", "redaction-names-value"),
        ("12", "redaction-target"),
    } <= found
    assert f"sha256:{sha(record)}" in checked.stderr  # the form to write instead
    assert "13912345678" not in checked.stderr  # masked


def test_redactions_csv_has_no_column_for_the_value(root, case):
    """Impossible by design: there is no column that could hold the removed value, and an extra one is refused."""
    data, _site, record = case
    (data / "redactions.csv").write_text(
        f"redaction_id,target,field,reason,date,old_value\nR1,{record},note,r,2012-02-01,{NAME}\n", encoding="utf-8"
    )
    checked = cli(root, "check", "--data", str(data))
    assert checked.returncode == 1 and "[unknown-column]" in checked.stderr and NAME not in checked.stderr


def _problem_lines(report: str) -> list[str]:
    """Each problem of a report as one line: where, then the code."""
    lines, current = [], None
    for line in report.splitlines():
        if not line.startswith(" ") and ":" in line:
            current = line
        elif current and line.rstrip().endswith("]") and "[" in line:
            lines.append(f"{current} {line.strip()}")
    return lines


def test_make_redact_refuses_a_stale_site_an_input_still_holding_the_value_and_changed_money(root, case):
    data, site, record = case
    (data / "redactions.csv").write_text(REDACTIONS_HEADER_ZH + f"R1,{record},备注,备注里有姓名,2012-02-01\n", encoding="utf-8")
    kept = snapshot(data / "sealed"), (data / LEDGER_FILE).read_bytes()

    # the site was not built with the pending redactions (it still publishes the name): refused
    set_cell(data / "rounds/2012-01/shawan.csv", record, "note", "")
    stale = cli(root, "redact", "--data", str(data), "--output", str(site))
    assert stale.returncode == 1 and "--pending-redactions" in stale.stderr and "rounds/2012-01/disbursements.csv" in stale.stderr
    assert (snapshot(data / "sealed"), (data / LEDGER_FILE).read_bytes()) == kept

    # the input still holds the name: refused, nothing written
    set_cell(data / "rounds/2012-01/shawan.csv", record, "note", NAME)
    assert build(root, data, site, "--pending-redactions").returncode == 0
    still = cli(root, "redact", "--data", str(data), "--output", str(site))
    assert still.returncode == 1 and "输入文件里还有要删除的值" in still.stderr and "R1: note" in still.stderr
    assert (snapshot(data / "sealed"), (data / LEDGER_FILE).read_bytes()) == kept

    # an amount changed under cover of the take-down: refused
    set_cell(data / "rounds/2012-01/shawan.csv", record, "note", "")
    other = read_rows(data / "rounds/2012-01/shawan.csv")[1]["record_id"]
    set_cell(data / "rounds/2012-01/shawan.csv", other, "amount_yuan", "99999")
    assert build(root, data, site, "--pending-redactions").returncode == 0
    money = cli(root, "redact", "--data", str(data), "--output", str(site))
    assert money.returncode == 1 and f"record_id {other}" in money.stderr and "corrections.csv" in money.stderr
    assert (snapshot(data / "sealed"), (data / LEDGER_FILE).read_bytes()) == kept


# --- the old format ---------------------------------------------------------------------------


def test_an_old_format_1_ledger_still_builds_verifies_and_takes_a_redaction(root, case, tmp_path):
    data, site, record = case
    old = read_ledger(data / LEDGER_FILE)[0]
    del old["format"]  # what make seal wrote before format 2
    (data / LEDGER_FILE).write_text(canonical(old) + "\n", encoding="utf-8")
    assert manifest_hash(old) == hashlib.sha256(canonical(old).encode()).hexdigest()  # hashed as the line itself
    # an auditor's copy of a site published with that ledger verifies
    copy_ = tmp_path / "published"
    shutil.copytree(site, copy_)
    shutil.copy(data / LEDGER_FILE, copy_ / "data" / LEDGER_FILE)
    resum(copy_ / "data")
    assert cli(root, "verify", str(copy_)).returncode == 0

    # a file named in a format-1 line cannot have its name removed: that line's hash covers it
    digest = hashlib.sha256((data / PERSONAL_FILE).read_bytes()).hexdigest()
    (data / "redactions.csv").write_text(REDACTIONS_HEADER_ZH + f"F1,file:{digest},文件名,r,2012-02-01\n", encoding="utf-8")
    refused = cli(root, "check", "--data", str(data))
    assert refused.returncode == 1 and "[redaction-old-ledger]" in refused.stderr and "第 1 行" in refused.stderr

    # a value in a round sealed with format 1 can: the redaction line (format 2) chains onto the old line
    set_cell(data / "rounds/2012-01/shawan.csv", record, "note", "")
    (data / "redactions.csv").write_text(REDACTIONS_HEADER_ZH + f"R1,{record},备注,备注里有姓名,2012-02-01\n", encoding="utf-8")
    assert [s.returncode for s in make_redact(root, data, site)] == [0, 0, 0]
    lines = (data / LEDGER_FILE).read_bytes().splitlines()
    assert lines[0] == canonical(old).encode() and json.loads(lines[1])["previous"] == hashlib.sha256(lines[0]).hexdigest()
    assert holding(NAME, site, data) == []
    verified = cli(root, "verify", str(site))
    assert verified.returncode == 0, verified.stdout


# --- the ledger format, build and auditor alike ------------------------------------------------


def _line(round_id: str, previous: str, **changes) -> dict:
    m = {
        "format": 2, "round": round_id, "sealed_on": "2012-01-21", "previous": previous, "campaign": "c" * 64,
        "inputs": [{"path": f"rounds/{round_id}/a.csv", "bytes": 1, "sha256": "a" * 64},
                   {"path": f"rounds/{round_id}/b.csv", "bytes": 2, "sha256": "b" * 64}],
        "published": [{"path": f"rounds/{round_id}/disbursements.csv", "bytes": 3, "sha256": "d" * 64}],
    }
    m.update(changes)
    return m


def _redaction(round_id: str, previous: str, **changes) -> dict:
    m = {**_line(round_id, previous), "redacted_on": "2012-02-01",
         "redactions": [{"id": "R1", "target": "X-1", "field": "note", "reason": "r", "date": "2012-02-01", "value_sha256": "e" * 64}]}
    del m["sealed_on"]
    m.update(changes)
    return m


def _chained(*lines: dict) -> list[dict]:
    out, previous = [], ZERO_HASH
    for m in lines:
        m = {**m, "previous": previous}
        out.append(m)
        previous = manifest_hash(m)
    return out


def test_taking_a_path_down_keeps_every_hash():
    ledger = _chained(_line("2012-01", ""), _redaction("2012-01", ""), _line("2012-02", ""))
    hidden = hide_paths(ledger, {"a" * 64})
    assert hidden[0]["inputs"][0] == {"path_sha256": sha("rounds/2012-01/a.csv"), "bytes": 1, "sha256": "a" * 64}
    assert [manifest_hash(m) for m in hidden] == [manifest_hash(m) for m in ledger]
    assert check_chain(hidden) == [] and check_chain(ledger) == []
    # but changing anything else — or the hidden path's hash — breaks the chain at the next line
    forged = copy.deepcopy(hidden)
    forged[0]["inputs"][0]["path_sha256"] = "f" * 64
    assert [(p.row, p.rule) for p in check_chain(forged)] == [(2, "ledger-chain")]


@pytest.mark.parametrize(
    "lines, variant_rows",
    [
        ([_redaction("2012-01", "")], [(1, "ledger-format")]),  # a redaction before its seal line
        ([_line("2012-01", "", format=3)], [(1, "ledger-format")]),
        ([_line("2012-01", "", extra=1)], [(1, "ledger-format")]),
        ([_line("2012-01", "", inputs=[{"path": "rounds/2012-01/a.csv", "path_sha256": "a" * 64, "bytes": 1, "sha256": "a" * 64}])],
         [(1, "ledger-format")]),
        ([_line("2012-01", ""), _redaction("2012-01", "", redactions=[])], [(2, "ledger-format")]),
        ([_line("2012-01", ""), _redaction("2012-01", ""), _redaction("2012-01", "")], [(3, "ledger-format")]),  # R1 twice
        ([_line("2012-01", ""), _line("2012-01", "")], [(2, "ledger-duplicate-round")]),
    ],
)
def test_malformed_format_2_lines_are_named_alike_by_the_build_and_the_auditor(lines, variant_rows, tmp_path):
    ledger = _chained(*lines)
    assert [(p.row, p.rule) for p in check_chain(ledger)] == variant_rows
    path = tmp_path / LEDGER_FILE
    path.write_text("".join(canonical(m) + "\n" for m in ledger), encoding="utf-8")
    assert _audit_problems(path) == _build_problems(path)


def test_make_redact_is_the_three_commands(root):
    text = (root / "Makefile").read_text(encoding="utf-8")
    recipe = text.split("\nredact:", 1)[1].split("\n\n", 1)[0]
    assert "build --data $(DATA) --output $(OUTPUT) --pending-redactions" in recipe
    assert "redact --data $(DATA) --output $(OUTPUT)$(SIGNING)" in recipe
    assert recipe.rstrip().endswith("$(PY) -m warmth build --data $(DATA) --output $(OUTPUT)")
