"""Checking once per distinct file (issue 12): after a clean build, a rebuild runs the one-record rules only on the
rows of round files whose bytes changed; the rules over all records, and any row a correction changed, are checked
as always, and another campaign file, another place or other bytes are never taken as checked."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pandas as pd
import pytest

from warmth.core.problems import DataError
from warmth.intake import validate
from warmth.site.build import build_site

from conftest import a_district_file, change_one_amount, make_data


def data_rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def built(tmp_path, root):
    data, out, cache = make_data(tmp_path / "data"), tmp_path / "site", tmp_path / "cache"
    build_site(root, data=data, output=out, cache=cache)
    return data, out, cache


def parsed_sizes(monkeypatch) -> list[int]:
    """How many records each Cells.parse call checks: the first is every record, a second the rows the one-record
    rules still have to see."""
    sizes = []
    real = validate.Cells.parse.__func__
    monkeypatch.setattr(validate.Cells, "parse", classmethod(lambda cls, frame, *a, **k: sizes.append(len(frame)) or real(cls, frame, *a, **k)))
    return sizes


def test_a_rebuild_runs_the_one_record_rules_on_the_changed_file_only(built, root, monkeypatch):
    data, out, cache = built
    changed = a_district_file(data)
    change_one_amount(changed)
    sizes = parsed_sizes(monkeypatch)
    result = build_site(root, data=data, output=out, cache=cache)
    assert sizes == [result.report.records, len(data_rows(changed))]

    cold = parsed_sizes(monkeypatch)
    build_site(root, data=data, output=out.parent / "cold", cache=None)  # no cache: every rule on every record
    assert cold[-1:] == [result.report.records] and len(cold) == 1


def test_ids_stay_unique_across_files_when_only_one_is_checked(built, root):
    data, out, cache = built
    target = a_district_file(data)
    taken = None
    for other in sorted((data / "rounds").rglob("*.csv")):  # an id another UTF-8 file holds
        if other != target and other.read_bytes().startswith(b"\xef\xbb\xbf"):
            row = data_rows(other)[0]
            taken = row.get("记录编号") or row.get("record_id")
            if taken:
                break
    first = data_rows(target)[0]
    mine = first.get("记录编号") or first["record_id"]
    target.write_text(target.read_text(encoding="utf-8-sig").replace(mine, taken, 1), encoding="utf-8-sig")
    with pytest.raises(DataError) as err:
        build_site(root, data=data, output=out, cache=cache)
    assert {p.rule for p in err.value.problems} == {"duplicate-record-id"}


def test_a_row_a_correction_changed_is_checked_again(built, root):
    data, out, cache = built
    source = a_district_file(data)
    row = data_rows(source)[0]
    rid = row.get("记录编号") or row["record_id"]
    amount = row.get("金额（元）") or row["amount_yuan"]
    write_corrections(data, [["C-1", rid, "amount_yuan", amount, "abc", "录入错误", "2012-01-20", source.parent.name]])
    with pytest.raises(DataError) as err:
        build_site(root, data=data, output=out, cache=cache)
    assert [(p.rule, p.column, p.file) for p in err.value.problems] == [
        ("amount-format", "amount_yuan", source.relative_to(data).as_posix())
    ]


def write_corrections(data: Path, rows: list[list[str]]) -> None:
    with open(data / "corrections.csv", "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([["correction_id", "record_id", "field", "old_value", "new_value", "reason", "date", "round"], *rows])


def test_a_withdrawn_row_is_never_taken_as_checked(built, root):
    """A row with a phone number, withdrawn in the same round: the file's bytes hold a row the rules never saw, so
    the file is not marked; when the withdrawal is taken back, the row is checked and refused."""
    data, out, cache = built
    source = a_district_file(data)
    lines = source.read_text(encoding="utf-8-sig").splitlines()
    header, last = lines[0].split(","), data_rows(source)[-1]
    added = dict(last)
    id_column = "记录编号" if "记录编号" in added else "record_id"
    note_column = "备注" if "备注" in added else "note"
    added[id_column] = last[id_column] + "X"
    added[note_column] = "联系电话13912345678"
    with open(source, "a", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerow([added[name] for name in header])
    write_corrections(data, [["C-1", added[id_column], "withdrawn", "", "true", "重复登记", "2012-01-20", source.parent.name]])
    build_site(root, data=data, output=out, cache=cache)  # clean: the row is withdrawn before the checks
    (data / "corrections.csv").unlink()
    with pytest.raises(DataError) as err:
        build_site(root, data=data, output=out, cache=cache)
    assert {(p.rule, p.file) for p in err.value.problems} == {("personal-data", source.relative_to(data).as_posix())}


def test_another_campaign_file_checks_every_record_again(built, root, monkeypatch):
    data, out, cache = built
    toml = data / "campaign.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    sizes = parsed_sizes(monkeypatch)
    build_site(root, data=data, output=out, cache=cache)
    assert len(sizes) == 1  # no file counts as checked: one parse, every rule on every record


def test_the_same_bytes_in_another_round_folder_are_checked_again(built, root):
    data, out, cache = built
    source = a_district_file(data)
    rounds = sorted(p.name for p in (data / "rounds").iterdir() if p.is_dir())
    elsewhere = next(r for r in rounds if r != source.parent.name)
    moved = data / "rounds" / elsewhere / ("moved-" + source.name)
    shutil.move(source, moved)
    with pytest.raises(DataError) as err:
        build_site(root, data=data, output=out, cache=cache)
    assert {p.rule for p in err.value.problems} == {"round-folder-mismatch"}
    assert {p.file for p in err.value.problems} == {moved.relative_to(data).as_posix()}


def test_touched_matches_rows_by_file_and_row_number_not_position():
    """Known answer on a hand-made frame: rows matched by (file, row) whatever their position, so a withdrawal
    (which renumbers the frame) or another order never shifts the comparison."""
    from warmth.core.schema import COLUMN_NAMES
    from warmth.intake.vetted import touched

    def frame(rows):
        data = {name: [r.get(name, "") for r in rows] for name in COLUMN_NAMES}
        data["_file"] = pd.Categorical([r["_file"] for r in rows])
        data["_row"] = [r["_row"] for r in rows]
        return pd.DataFrame({k: (v if k in ("_file", "_row") else pd.Series(v, dtype="str")) for k, v in data.items()})

    loaded = frame([
        {"_file": "a.csv", "_row": 2, "record_id": "A-1", "note": "x"},
        {"_file": "a.csv", "_row": 3, "record_id": "A-2", "note": "y"},
        {"_file": "b.csv", "_row": 2, "record_id": "B-1", "note": "z"},
        {"_file": "c.csv", "_row": 2, "record_id": "C-1", "note": "w"},
    ])
    assert touched(loaded, loaded)[1] == set() and not touched(loaded, loaded)[0].any()
    # A-1 withdrawn, C-1's note corrected, the rest in another order
    final = frame([
        {"_file": "c.csv", "_row": 2, "record_id": "C-1", "note": "corrected"},
        {"_file": "b.csv", "_row": 2, "record_id": "B-1", "note": "z"},
        {"_file": "a.csv", "_row": 3, "record_id": "A-2", "note": "y"},
    ])
    changed, files = touched(loaded, final)
    assert list(changed) == [True, False, False] and files == {"a.csv", "c.csv"}
