"""A typo in REPORT=, OUT=, REJECTS= or KEY= never destroys a file (issue 8, item 1).

Each command (check's report file and report folder, anonymize's public file
and rejects list, keygen's key) against each kind of target: a new name, an
existing ordinary file (refused, then replaced with --replace / REPLACE=1), a
key file in its several forms, the file the command reads, a link to a key,
and a folder (refused even with --replace).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from makefile import recipe
from test_anonymize import KEY, write_csv
from test_intake import cli

from warmth.core.problems import Problem, WarmthError
from warmth.staff.anonymize import anonymize
from warmth.staff.check import write_report
from warmth.staff.keys import KEY_ENV, keygen
from warmth.staff.targets import TargetError, is_key_file

from test_validate import EN, row
from test_validate import write_csv as write_records

OLD = b"an earlier report, still wanted"


@pytest.fixture(autouse=True)
def no_configured_key(monkeypatch):
    monkeypatch.delenv(KEY_ENV, raising=False)


@pytest.fixture
def place(tmp_path) -> Path:
    folder = tmp_path / "private"
    folder.mkdir()
    return folder


def never(kind: str, place: Path, monkeypatch) -> Path:
    """A target that must survive even --replace: a key in one of its forms, a link to one, or a folder."""
    if kind == "campaign-key":
        return keygen(place / "campaign.key")
    if kind in ("renamed-key", "renamed-key-csv"):  # a backup of the key under another name: 32 bytes
        path = place / ("backup.bin" if kind == "renamed-key" else "backup.csv")
        path.write_bytes(keygen(place / "k" / "x.key").read_bytes())
        return path
    if kind == "key-backup-name":
        path = place / "campaign.key.bak"
        path.write_bytes(b"not 32 bytes, but named like a key")
        return path
    if kind == "configured-key":  # $WARMTH_KEY_FILE, whatever its name and size
        path = place / "secret.dat"
        path.write_bytes(b"x" * 100)
        monkeypatch.setenv(KEY_ENV, str(path))
        return path
    if kind == "link-to-key":
        path = place / "report.csv"
        path.symlink_to(keygen(place / "real.key"))
        return path
    if kind == "folder":
        path = place / "reports.csv"
        path.mkdir()
        (path / "inside.txt").write_bytes(OLD)
        return path
    raise AssertionError(kind)


NEVER = ["campaign-key", "renamed-key", "renamed-key-csv", "key-backup-name", "configured-key", "link-to-key", "folder"]


def snapshot(path: Path) -> object:
    if path.is_dir() and not path.is_symlink():
        return sorted((p.name, p.read_bytes()) for p in path.iterdir())
    return (os.path.islink(path), path.read_bytes())


def says(err: BaseException, *needles: str) -> None:
    text = str(err)
    for needle in needles:
        assert needle in text, (needle, text)
    first_english = min(text.find(w) for w in ("already", "never", "is an existing", "appeared") if w in text)
    assert text.index(needles[0]) < first_english  # Chinese first


# ------------------------------------------------------------- anonymize


@pytest.mark.parametrize("which", ["out", "rejects"])
def test_anonymize_writes_a_new_name_refuses_an_existing_file_and_replaces_it_when_asked(place, which):
    table = write_csv(place / "汇总表.csv")
    target = place / f"{which}.csv"
    target.write_bytes(OLD)
    out, rejects = (target, place / "r.csv") if which == "out" else (place / "o.csv", target)
    with pytest.raises(TargetError) as exc:
        anonymize(table, out, key=KEY, rejects=rejects)
    says(exc.value, "已存在", "REPLACE=1", "--replace", str(target))
    assert target.read_bytes() == OLD
    assert not (place / ("r.csv" if which == "out" else "o.csv")).exists()  # nothing at all was written
    anonymize(table, out, key=KEY, rejects=rejects, replace=True)
    assert target.read_bytes() != OLD and out.read_bytes().startswith(b"\xef\xbb\xbf")


@pytest.mark.parametrize("which", ["out", "rejects"])
@pytest.mark.parametrize("kind", NEVER)
def test_anonymize_never_writes_over_a_key_or_a_folder(place, monkeypatch, which, kind):
    table = write_csv(place / "汇总表.csv")
    target = never(kind, place, monkeypatch)
    before = snapshot(target)
    out, rejects = (target, None) if which == "out" else (place / "o.csv", target)
    for replace in (False, True):
        with pytest.raises(WarmthError) as exc:
            anonymize(table, out, key=KEY, rejects=rejects, replace=replace)
        message = str(exc.value)
        if which == "rejects" or kind in ("renamed-key-csv", "link-to-key"):
            says(exc.value, "文件夹" if kind == "folder" else "密钥", "REPLACE=1 也不会")
        else:  # a public file must end in .csv: that rule speaks first
            assert ".csv" in message
        assert snapshot(target) == before
    assert not (place / "o.csv").exists()


@pytest.mark.parametrize("which", ["out", "rejects"])
def test_anonymize_never_writes_over_the_real_name_table(place, which):
    table = write_csv(place / "汇总表.csv")
    before = table.read_bytes()
    out, rejects = (table, None) if which == "out" else (place / "o.csv", table)
    for replace in (False, True):
        with pytest.raises(WarmthError) as exc:
            anonymize(table, out, key=KEY, rejects=rejects, replace=replace)
        assert "汇总表" in str(exc.value)
    assert table.read_bytes() == before
    link = place / "link.csv"
    link.symlink_to(table)
    with pytest.raises(WarmthError):
        anonymize(table, place / "o.csv", key=KEY, rejects=link, replace=True)
    assert table.read_bytes() == before


def test_anonymize_command_line_and_makefile(root, place):
    key = keygen(place / "campaign.key")
    key_bytes = key.read_bytes()
    table = write_csv(place / "汇总表.csv")
    out = place / "shawan.csv"
    out.write_bytes(OLD)
    base = ["anonymize", "--key", str(key), "--data", str(place / "data"), "--table", str(table)]
    refused = cli(root, *base, "--out", str(out))
    assert refused.returncode == 1 and "已存在" in refused.stderr and "REPLACE=1" in refused.stderr
    assert "Traceback" not in refused.stderr and out.read_bytes() == OLD
    replaced = cli(root, *base, "--out", str(out), "--replace")
    assert replaced.returncode == 1 and out.read_bytes() != OLD  # 1: rows were left out, the good ones written
    typo = cli(root, *base, "--out", str(place / "o.csv"), "--rejects", str(key), "--replace")
    assert typo.returncode == 1 and "密钥" in typo.stderr and key.read_bytes() == key_bytes
    assert not (place / "o.csv").exists()


# ----------------------------------------------------------------- check


def incoming(place: Path) -> Path:
    path = place / "incoming.csv"
    write_records(path, EN, [row(record_id="N-1", amount_yuan="x")])
    return path


def problems() -> list[Problem]:
    return [Problem.of("amount-format", "incoming.csv", 2, "amount_yuan", "x", max="999,999,999.99")]


def test_check_report_file_new_existing_and_replaced(place, data):
    source = incoming(place)
    report = place / "问题清单.xlsx"
    assert write_report(problems(), data, report, protected=[data], single=source) == [report]
    first = report.read_bytes()
    report.write_bytes(OLD)
    with pytest.raises(TargetError) as exc:
        write_report(problems(), data, report, protected=[data], single=source)
    says(exc.value, "已存在", "REPLACE=1")
    assert report.read_bytes() == OLD
    write_report(problems(), data, report, protected=[data], single=source, replace=True)
    assert report.read_bytes()[:2] == first[:2] == b"PK"


@pytest.mark.parametrize("kind", NEVER)
def test_check_report_never_over_a_key_or_a_folder(place, data, monkeypatch, kind):
    source = incoming(place)
    target = never(kind, place, monkeypatch)
    before = snapshot(target)
    for replace in (False, True):
        with pytest.raises(TargetError):
            write_report(problems(), data, target, protected=[data], single=source, replace=replace)
        assert snapshot(target) == before


def test_check_report_never_over_the_checked_file(place, data):
    source = incoming(place)
    before = source.read_bytes()
    for replace in (False, True):
        with pytest.raises(TargetError) as exc:
            write_report(problems(), data, source, protected=[data], single=source, replace=replace)
        says(exc.value, "本命令要读取的文件", "never overwritten")
    assert source.read_bytes() == before


def test_check_report_folder_is_checked_whole_before_anything_is_written(place, data):
    folder = place / "reports"
    folder.mkdir()
    found = [Problem.of("no-rows", "rounds/2012-01/a.csv"), Problem.of("no-rows", "rounds/2012-01/b.csv")]
    (folder / "2012-01-b.csv.problems.xlsx").write_bytes(OLD)
    with pytest.raises(TargetError):
        write_report(found, data, folder, protected=[data])
    assert sorted(p.name for p in folder.iterdir()) == ["2012-01-b.csv.problems.xlsx"]  # a.csv's was not written either
    assert (folder / "2012-01-b.csv.problems.xlsx").read_bytes() == OLD
    written = write_report(found, data, folder, protected=[data], replace=True)
    assert len(written) == 2 and (folder / "2012-01-b.csv.problems.xlsx").read_bytes() != OLD
    key = keygen(place / "k.key")
    (folder / "2012-01-a.csv.problems.xlsx").unlink()
    (folder / "2012-01-a.csv.problems.xlsx").symlink_to(key)
    with pytest.raises(TargetError):
        write_report(found, data, folder, protected=[data], replace=True)
    assert len(key.read_bytes()) == 32


@pytest.mark.parametrize("kind", ["campaign-key", "link-to-key", "ordinary"])
def test_check_report_folder_that_is_a_file_is_refused(place, data, monkeypatch, kind):
    if kind == "ordinary":
        target = place / "notes.txt"
        target.write_bytes(OLD)
    else:
        target = never(kind, place, monkeypatch)
    before = snapshot(target)
    with pytest.raises(WarmthError) as exc:
        write_report([Problem.of("no-rows", "rounds/2012-01/a.csv")], data, target, protected=[data], replace=True)
    assert "应是一个文件夹" in str(exc.value)
    assert snapshot(target) == before


def test_check_command_line(root, place, small_data):
    source = place / "incoming.csv"
    write_records(source, EN, [row(record_id="N-1", amount_yuan="x")])
    key = keygen(place / "campaign.key")
    key_bytes = key.read_bytes()
    typo = cli(root, "check", "--data", str(small_data), "--file", str(source), "--report", str(key), "--replace")
    assert typo.returncode == 1 and "密钥" in typo.stderr and "Traceback" not in typo.stderr
    assert key.read_bytes() == key_bytes
    assert "amount-format" not in typo.stderr  # refused before the check ran
    report = place / "r.csv"
    report.write_bytes(OLD)
    refused = cli(root, "check", "--data", str(small_data), "--file", str(source), "--report", str(report))
    assert refused.returncode == 1 and "REPLACE=1" in refused.stderr and report.read_bytes() == OLD
    replaced = cli(root, "check", "--data", str(small_data), "--file", str(source), "--report", str(report), "--replace")
    assert replaced.returncode == 1 and "amount-format" in replaced.stderr
    assert "【金额（元）】" in report.read_bytes().decode("utf-8-sig")  # the replaced report: what to fix, in Chinese


# ---------------------------------------------------------------- keygen


@pytest.mark.parametrize("kind", ["ordinary", "renamed-key", "table"])
def test_keygen_never_writes_over_anything(place, monkeypatch, kind):
    if kind == "ordinary":
        target = place / "notes.key"
        target.write_bytes(OLD)
    elif kind == "table":
        target = write_csv(place / "汇总表.csv")
    else:
        target = never(kind, place, monkeypatch)
    before = target.read_bytes()
    with pytest.raises(WarmthError) as exc:
        keygen(target)
    assert str(exc.value).index("已存在") < str(exc.value).index("already exists")
    assert target.read_bytes() == before
    dangling = place / "dangling.key"
    dangling.symlink_to(place / "nowhere")
    with pytest.raises(WarmthError):
        keygen(dangling)
    assert not (place / "nowhere").exists()


# ------------------------------------------------------------- the rules


def test_what_counts_as_a_key(place, monkeypatch):
    plain = place / "report.csv"
    plain.write_bytes(OLD)
    assert not is_key_file(plain) and not is_key_file(place / "new.csv")
    assert is_key_file(place / "missing.key") and is_key_file(place / "Campaign.KEY")
    exactly = place / "x.csv"
    exactly.write_bytes(bytes(32))
    assert is_key_file(exactly)
    monkeypatch.setenv(KEY_ENV, str(plain))
    assert is_key_file(plain)


def test_makefile_passes_replace_only_when_asked(root):
    def dry(target: str, *args: str) -> str:
        return "\n".join(recipe(root, target, *args))

    for target, extra in (("check", ["REPORT=r.csv"]), ("anonymize", ["IN=t.csv", "OUT=o.csv"])):
        assert "--replace" in dry(target, *extra, "REPLACE=1").splitlines()[-1]
        assert "--replace" in dry(target, *extra, "REPLACE=yes").splitlines()[-1]
        assert "--replace" not in dry(target, *extra).splitlines()[-1]
        assert "--replace" not in dry(target, *extra, "REPLACE=0").splitlines()[-1]
    assert "--replace" not in dry("keygen", "KEY=k.key", "REPLACE=1").splitlines()[-1]
