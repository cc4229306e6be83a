"""Issue 11, item 2: resubmission is the normal path (make accept; make check FILE= by content)."""

from __future__ import annotations

import csv
import hashlib
import io

import pytest
from test_forms import messy_book
from test_intake import cli

from warmth.core.problems import DataError
from warmth.figures.dataset import read_dataset
from warmth.staff.accept import accept
from warmth.staff.check import check_file, check_incoming

from independent import read_rows, yuan
from test_validate import EN, write_csv


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def corrected_copy(small_data, tmp_path, name="沙湾区.xlsx"):
    """沙湾区's round-1 file, resent as .xlsx under another name, with one amount corrected (+100.00)."""
    rows = read_rows(small_data / "rounds/2012-01/shawan.csv")
    rows[0]["amount_yuan"] = str(yuan(rows[0]["amount_yuan"]) + 100)
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(EN)
    for r in rows:
        book.active.append([r[c] for c in EN])
    path = tmp_path / "incoming" / name
    path.parent.mkdir(parents=True)
    book.save(path)
    return path, rows


def test_a_resubmission_under_another_name_is_not_full_of_duplicates(small_data, tmp_path):
    path, rows = corrected_copy(small_data, tmp_path)
    problems, where = check_incoming(small_data, path)
    assert problems == []  # was 262 false duplicate-record-id
    assert (where.round, where.destination, where.replaced) == ("2012-01", "沙湾区", ("rounds/2012-01/shawan.csv",))


def test_ids_repeated_against_another_file_still_are_duplicates(small_data, tmp_path):
    other = read_rows(small_data / "rounds/2012-01/jingyan.csv")[0]["record_id"]
    path, rows = corrected_copy(small_data, tmp_path)
    from openpyxl import load_workbook

    book = load_workbook(path)
    book.active.cell(2, 1, other)  # first record now uses an id of 井研县's file
    book.save(path)
    problems = check_file(small_data, path)
    assert [(p.rule, p.row) for p in problems] == [("duplicate-record-id", 2)]
    assert "jingyan.csv" in problems[0].message_zh


def test_accept_puts_it_in_place_and_keeps_the_old_one(small_data, tmp_path, root):
    path, rows = corrected_copy(small_data, tmp_path)
    old = small_data / "rounds/2012-01/shawan.csv"
    old_sha, old_bytes = sha(old), old.read_bytes()
    result = cli(root, "accept", "--data", str(small_data), "--file", str(path))
    assert result.returncode == 0, result.stderr
    assert not old.exists()
    placed = small_data / "rounds/2012-01/shawan.xlsx"
    assert placed.read_bytes() == path.read_bytes()
    (kept,) = (small_data / "history/2012-01").iterdir()
    assert kept.read_bytes() == old_bytes and old_sha[:16] in kept.name
    log = list(csv.DictReader(io.StringIO((small_data / "history/history.csv").read_text(encoding="utf-8"))))
    assert [(r["replaced_file"], r["replaced_sha256"], r["new_file"], r["district"]) for r in log] == [
        ("rounds/2012-01/shawan.csv", old_sha, "rounds/2012-01/shawan.xlsx", "沙湾区")
    ]
    assert old_sha in result.stdout
    ds = read_dataset(small_data)  # builds: the history folder is not read
    mine = ds.checked[ds.checked["_file"] == "rounds/2012-01/shawan.xlsx"]
    assert int(mine["amount_fen"].sum()) == int(sum(yuan(r["amount_yuan"]) for r in rows) * 100)
    assert "history" not in " ".join(ds.checked["_file"].astype(str).unique())


def test_accept_refuses_a_file_with_problems_and_moves_nothing(small_data, tmp_path):
    path = tmp_path / "bad.csv"
    rows = read_rows(small_data / "rounds/2012-01/shawan.csv")
    rows[3]["date"] = "2012/2/30"
    write_csv(path, EN, [[r[c] for c in EN] for r in rows])
    before = {p: sha(p) for p in (small_data / "rounds").rglob("*") if p.is_file()}
    with pytest.raises(DataError) as err:
        accept(small_data, path)
    assert [p.rule for p in err.value.problems] == ["date-format"]
    assert {p: sha(p) for p in (small_data / "rounds").rglob("*") if p.is_file()} == before
    assert not (small_data / "history").exists()


def test_a_messy_form_is_accepted_as_its_destinations_file(data, tmp_path):
    path = messy_book(tmp_path / "沙湾区2012年1月汇总（盖章版）.xlsx")
    done = accept(data, path)
    assert done.target == "rounds/2012-01/shawan.xlsx" and done.kept == ()
    assert len(read_dataset(data).checked) == 5
    again = accept(data, path)
    assert again.unchanged


def test_accept_refuses_a_sealed_round(small_data, tmp_path):
    from warmth.staff.accept import AcceptError

    path, _ = corrected_copy(small_data, tmp_path)
    (small_data / "sealed/2012-01").mkdir(parents=True)
    before = sha(small_data / "rounds/2012-01/shawan.csv")
    with pytest.raises(AcceptError) as err:
        accept(small_data, path)
    assert "已封存" in str(err.value) and "corrections.csv" in str(err.value)
    assert sha(small_data / "rounds/2012-01/shawan.csv") == before and not (small_data / "rounds/2012-01/shawan.xlsx").exists()
