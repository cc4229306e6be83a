"""The ledger of sealed rounds: sealing, the hash chain, sealed inputs and the archive.

A real site is built once (from a copy of the embedded data); each test seals
into its own copy of that data folder, never into data/ itself.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from warmth.core.layout import LEDGER_FILE
from warmth.core.problems import DataError, WarmthError
from warmth.ledger.chain import ZERO_HASH, canonical, check_chain, manifest_hash, read_ledger
from warmth.ledger.sealed import archive_files, check_sealed_inputs
from warmth.staff.seal import SealError, seal

ROOT = Path(__file__).resolve().parents[1]
ROUND = "2012-01"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): sha(p) for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def built(built_copy) -> tuple[Path, Path]:
    """(data folder, the site's /data/ folder built from it)."""
    data, site = built_copy
    return data, site / "data"


@pytest.fixture(scope="module")
def sealed_once(built, tmp_path_factory) -> tuple[Path, dict]:
    """A data folder with round 2012-01 sealed, and the manifest (tests copy it before changing it)."""
    data = tmp_path_factory.mktemp("sealed") / "data"
    shutil.copytree(built[0], data)
    manifest = seal(data, ROUND, built[1], sealed_on="2012-01-21")
    return data, manifest


@pytest.fixture
def data(built, tmp_path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(built[0], copy)
    return copy


@pytest.fixture
def sealed(sealed_once, tmp_path) -> Path:
    copy = tmp_path / "sealed-data"
    shutil.copytree(sealed_once[0], copy)
    return copy


def entry(path: str, byte: str = "a", size: int = 1) -> dict:
    return {"path": path, "bytes": size, "sha256": byte * 64}


def manifest(round_id: str, previous: str, **changes) -> dict:
    m = {
        "round": round_id,
        "sealed_on": "2012-01-21",
        "previous": previous,
        "campaign": "c" * 64,
        "inputs": [entry(f"rounds/{round_id}/a.csv"), entry(f"rounds/{round_id}/b.csv")],
        "published": [entry(f"rounds/{round_id}/disbursements.csv", "b")],
    }
    m.update(changes)
    return m


def chain(*round_ids: str) -> list[dict]:
    manifests, previous = [], ZERO_HASH
    for rid in round_ids:
        m = manifest(rid, previous)
        manifests.append(m)
        previous = manifest_hash(m)
    return manifests


# --- sealing -------------------------------------------------------------------

def test_seal_archives_the_round_and_appends_its_manifest(built, sealed_once):
    source, site = built
    data, m = sealed_once
    inputs = sorted((source / "rounds" / ROUND).glob("*.csv"))
    assert set(m) == {"format", "round", "sealed_on", "previous", "campaign", "inputs", "published"}
    assert m["format"] == 2 and m["round"] == ROUND and m["sealed_on"] == "2012-01-21"
    assert m["previous"] == ZERO_HASH
    assert m["campaign"] == sha(source / "campaign.toml")
    assert m["inputs"] == [
        {"path": f"rounds/{ROUND}/{p.name}", "bytes": p.stat().st_size, "sha256": sha(p)} for p in inputs
    ]
    published = site / "rounds" / ROUND / "disbursements.csv"
    assert m["published"] == [
        {"path": f"rounds/{ROUND}/disbursements.csv", "bytes": published.stat().st_size, "sha256": sha(published)}
    ]
    archived = data / "sealed" / ROUND / "disbursements.csv"
    assert archived.read_bytes() == published.read_bytes()
    assert archived.stat().st_ino != published.stat().st_ino  # a copy, not a link into the site
    # one canonical line; its hash is that of its commitment form: every path replaced by its SHA-256
    raw = (data / LEDGER_FILE).read_bytes()
    assert raw == canonical(m).encode("utf-8") + b"\n"
    committed = {**m, **{key: [
        {"bytes": e["bytes"], "path_sha256": hashlib.sha256(e["path"].encode()).hexdigest(), "sha256": e["sha256"]} for e in m[key]
    ] for key in ("inputs", "published")}}
    assert manifest_hash(m) == hashlib.sha256(canonical(committed).encode("utf-8")).hexdigest()
    assert manifest_hash(m) != hashlib.sha256(raw.rstrip(b"\n")).hexdigest()
    assert read_ledger(data / LEDGER_FILE) == [m]
    assert check_chain([m]) == []


def test_seal_writes_nothing_but_the_archive_and_the_ledger(built, sealed_once):
    source, _ = built
    data, _ = sealed_once
    before, after = snapshot(source), snapshot(data)
    new = {rel for rel in after if rel not in before}
    assert new == {LEDGER_FILE, f"sealed/{ROUND}/disbursements.csv"}
    assert {rel: after[rel] for rel in before} == before
    assert not [p for p in data.rglob(".*")]  # no temp files left behind


def test_the_second_round_chains_to_the_first(built, sealed):
    first = read_ledger(sealed / LEDGER_FILE)
    second = seal(sealed, "2012-02", built[1], sealed_on="2012-03-01")
    lines = (sealed / LEDGER_FILE).read_bytes().split(b"\n")
    assert lines[2] == b"" and len(lines) == 3
    assert second["previous"] == manifest_hash(first[0])  # the hash of the first line's commitment form (format 2)
    assert read_ledger(sealed / LEDGER_FILE) == [first[0], second]
    assert check_chain([first[0], second]) == []
    assert archive_files(sealed, [first[0], second])[0].keys() == {
        f"rounds/{ROUND}/disbursements.csv", "rounds/2012-02/disbursements.csv"
    }


def test_sealing_twice_is_refused(built, sealed):
    before = snapshot(sealed)
    with pytest.raises(WarmthError) as err:
        seal(sealed, ROUND, built[1], sealed_on="2012-02-01")
    message = str(err.value)
    assert "已于 2012-01-21 封存" in message and "already sealed" in message
    assert message.index("封存") < message.index("already")  # Chinese first
    assert snapshot(sealed) == before


def test_an_undeclared_round_is_refused(built, data):
    before = snapshot(data)
    with pytest.raises(SealError, match="2012-13.*campaign.toml"):
        seal(data, "2012-13", built[1], sealed_on="2012-01-21")
    assert snapshot(data) == before


def test_a_round_without_input_files_is_refused(built, data):
    toml = data / "campaign.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + '\n[[rounds]]\nid = "2012-03"\nlabel = "补报"\ndeadline = 2012-03-31\n', encoding="utf-8")
    (data / "rounds" / "2012-03").mkdir()
    (data / "rounds" / "2012-03" / "~$lock.csv").write_text("x", encoding="utf-8")  # Excel's lock file is no input
    with pytest.raises(SealError, match="没有任何输入文件"):
        seal(data, "2012-03", built[1], sealed_on="2012-04-01")
    assert not (data / LEDGER_FILE).exists() and not (data / "sealed").exists()


def test_a_round_missing_from_the_site_is_refused(data, tmp_path):
    empty_site = tmp_path / "site-data"
    empty_site.mkdir()
    with pytest.raises(SealError, match="make site"):
        seal(data, ROUND, empty_site, sealed_on="2012-01-21")
    assert not (data / LEDGER_FILE).exists() and not (data / "sealed").exists()


def test_a_site_built_before_the_inputs_changed_is_refused(built, data):
    shawan = data / "rounds" / ROUND / "shawan.csv"
    lines = shawan.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    assert ",cash,,,,200," in lines[1]
    lines[1] = lines[1].replace(",cash,,,,200,", ",cash,,,,201,")
    shawan.write_text("".join(lines), encoding="utf-8-sig")
    with pytest.raises(SealError) as err:
        seal(data, ROUND, built[1], sealed_on="2012-01-21")
    assert f"rounds/{ROUND}/disbursements.csv" in str(err.value)
    assert not (data / LEDGER_FILE).exists() and not (data / "sealed").exists()


def test_a_left_over_archive_folder_is_refused(built, data):
    (data / "sealed" / ROUND).mkdir(parents=True)
    with pytest.raises(SealError, match="interrupted seal"):
        seal(data, ROUND, built[1], sealed_on="2012-01-21")
    assert not (data / LEDGER_FILE).exists()


def test_sealing_onto_a_damaged_ledger_is_refused(built, sealed):
    ledger = sealed / LEDGER_FILE
    ledger.write_bytes(ledger.read_bytes().replace(b'"previous":"0', b'"previous":"1'))
    before = snapshot(sealed)
    with pytest.raises(SealError, match="ledger-chain"):
        seal(sealed, "2012-02", built[1], sealed_on="2012-03-01")
    assert snapshot(sealed) == before


def test_sealed_on_must_be_a_date(built, data):
    with pytest.raises(SealError, match="YYYY-MM-DD"):
        seal(data, ROUND, built[1], sealed_on="21/1/2012")


# --- reading the ledger ----------------------------------------------------------

def test_no_ledger_is_an_empty_ledger(tmp_path):
    assert read_ledger(tmp_path / LEDGER_FILE) == []


def test_lines_that_are_not_canonical_json_are_refused(tmp_path):
    good = chain("2012-01", "2012-02")
    path = tmp_path / LEDGER_FILE
    path.write_text(canonical(good[0]) + "\n{not json\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        read_ledger(path)
    assert [(p.file, p.row, p.rule) for p in err.value.problems] == [(LEDGER_FILE, 2, "ledger-format")]
    path.write_text(canonical(good[0]) + "\n" + json.dumps(good[1]) + "\n", encoding="utf-8")  # re-saved with spaces
    with pytest.raises(DataError) as err:
        read_ledger(path)
    assert [(p.row, p.rule) for p in err.value.problems] == [(2, "ledger-format")]


def test_windows_line_ends_are_read(tmp_path):
    good = chain("2012-01", "2012-02")
    path = tmp_path / LEDGER_FILE
    path.write_bytes(b"".join(canonical(m).encode() + b"\r\n" for m in good))
    assert read_ledger(path) == good


# --- the chain -----------------------------------------------------------------

def test_an_intact_chain_has_no_problems():
    assert check_chain([]) == []
    assert check_chain(chain("2012-01", "2012-02", "2012-03")) == []


def test_a_changed_line_breaks_the_chain_at_the_next_line():
    manifests = chain("2012-01", "2012-02", "2012-03")
    manifests[0]["published"][0]["sha256"] = "d" * 64  # someone "fixes" round 1's published hash
    problems = check_chain(manifests)
    assert [(p.file, p.row, p.rule) for p in problems] == [(LEDGER_FILE, 2, "ledger-chain")]
    assert manifest_hash(manifests[0]) in problems[0].message_en


def test_the_first_line_must_point_at_zeros_and_lines_cannot_be_dropped():
    manifests = chain("2012-01", "2012-02", "2012-03")
    assert [(p.row, p.rule) for p in check_chain(manifests[1:])] == [(1, "ledger-chain")]
    assert [(p.row, p.rule) for p in check_chain([manifests[0], manifests[2]])] == [(2, "ledger-chain")]
    assert [(p.row, p.rule) for p in check_chain([manifests[1], manifests[0]])] == [(1, "ledger-chain"), (2, "ledger-chain")]


def test_a_round_sealed_twice_is_a_problem():
    first = manifest("2012-01", ZERO_HASH)
    again = manifest("2012-01", manifest_hash(first), sealed_on="2012-02-01")
    assert [(p.row, p.rule, p.value) for p in check_chain([first, again])] == [(2, "ledger-duplicate-round", "2012-01")]


@pytest.mark.parametrize(
    "changes",
    [
        {"sealed_on": "2012-1-21"},
        {"previous": "xyz"},
        {"campaign": None},
        {"inputs": "rounds/2012-01/a.csv"},
        {"inputs": [entry("rounds/2012-01/b.csv"), entry("rounds/2012-01/a.csv")]},  # not sorted
        {"inputs": [entry("rounds/2012-02/a.csv")]},  # another round's file
        {"published": []},
        {"published": [entry("rounds/2012-01/../../campaign.toml")]},
        {"published": [{"path": "rounds/2012-01/disbursements.csv", "bytes": "12", "sha256": "b" * 64}]},
        {"round": "../x"},
    ],
)
def test_malformed_manifests_are_format_problems(changes):
    m = manifest("2012-01", ZERO_HASH)
    m.update(changes)
    problems = check_chain([m])
    expected = {"ledger-format", "ledger-chain"} if "previous" in changes else {"ledger-format"}
    assert {p.rule for p in problems} == expected
    assert {(p.file, p.row) for p in problems} == {(LEDGER_FILE, 1)}


def test_a_manifest_without_its_fields_is_a_format_problem():
    m = manifest("2012-01", ZERO_HASH)
    del m["published"]
    assert [(p.row, p.rule, p.value) for p in check_chain([m])] == [(1, "ledger-format", "published")]


# --- sealed inputs -----------------------------------------------------------------

def test_unchanged_sealed_inputs_have_no_problems(sealed):
    manifests = read_ledger(sealed / LEDGER_FILE)
    (sealed / "rounds" / ROUND / ".~notes.csv").write_text("x", encoding="utf-8")  # hidden: ignored
    (sealed / "rounds" / ROUND / "~$shawan.xlsx").write_bytes(b"lock")  # Excel lock file: ignored
    assert check_sealed_inputs(sealed, manifests) == []


def test_a_changed_removed_or_added_sealed_input_is_named(sealed):
    manifests = read_ledger(sealed / LEDGER_FILE)
    folder = sealed / "rounds" / ROUND
    with open(folder / "shawan.csv", "ab") as handle:
        handle.write(b"\n")  # even a blank line changes the file
    (folder / "ebian.csv").unlink()
    shutil.copy(folder / "mabian.csv", folder / "mabian-补报.csv")
    (sealed / "rounds" / "2012-02" / "extra.csv").write_text("x", encoding="utf-8")  # round 2012-02 is not sealed
    problems = check_sealed_inputs(sealed, manifests)
    assert [(p.file, p.rule) for p in problems] == [
        (f"rounds/{ROUND}/ebian.csv", "sealed-input-changed"),
        (f"rounds/{ROUND}/shawan.csv", "sealed-input-changed"),
        (f"rounds/{ROUND}/mabian-补报.csv", "sealed-input-changed"),
    ]
    assert "2012-01-21" in problems[1].message_zh and "changed" in problems[1].message_en
    exempt = {f"rounds/{ROUND}/shawan.csv", f"rounds/{ROUND}/mabian-补报.csv"}
    assert [p.file for p in check_sealed_inputs(sealed, manifests, allowed_changes=exempt)] == [f"rounds/{ROUND}/ebian.csv"]


# --- the archive -------------------------------------------------------------------

def test_archive_files_maps_published_paths_to_the_archive(sealed):
    manifests = read_ledger(sealed / LEDGER_FILE)
    files, problems = archive_files(sealed, manifests)
    assert problems == []
    assert files == {f"rounds/{ROUND}/disbursements.csv": sealed / "sealed" / ROUND / "disbursements.csv"}
    assert archive_files(sealed, []) == ({}, [])


def test_a_changed_or_extra_archived_file_is_a_problem(sealed):
    manifests = read_ledger(sealed / LEDGER_FILE)
    archived = sealed / "sealed" / ROUND / "disbursements.csv"
    archived.write_bytes(archived.read_bytes().replace(b'"600.00"', b'"6000.00"', 1))
    (sealed / "sealed" / ROUND / "notes.txt").write_text("x", encoding="utf-8")
    files, problems = archive_files(sealed, manifests)
    assert files == {}
    assert [(p.file, p.rule) for p in problems] == [
        (f"sealed/{ROUND}/disbursements.csv", "sealed-archive-changed"),
        (f"sealed/{ROUND}/notes.txt", "sealed-archive-changed"),
    ]
    archived.unlink()
    assert [p.file for p in archive_files(sealed, manifests)[1]] == [f"sealed/{ROUND}/disbursements.csv", f"sealed/{ROUND}/notes.txt"]


def test_invalid_data_is_not_sealed(built, data):
    (data / "rounds" / "2012-02" / "shawan.csv").write_text("record_id,round\nX,2012-02\n", encoding="utf-8")
    with pytest.raises(SealError, match="nothing was sealed") as err:
        seal(data, ROUND, built[1], sealed_on="2012-01-21")
    assert "rounds/2012-02/shawan.csv" in str(err.value)
    assert not (data / LEDGER_FILE).exists() and not (data / "sealed").exists()


def test_sealing_over_a_changed_sealed_round_is_refused(built, sealed):
    with open(sealed / "rounds" / ROUND / "shawan.csv", "ab") as handle:
        handle.write(b"\n")
    before = snapshot(sealed)
    with pytest.raises(SealError, match="sealed-input-changed") as err:
        seal(sealed, "2012-02", built[1], sealed_on="2012-03-01")
    assert f"rounds/{ROUND}/shawan.csv" in str(err.value)
    assert snapshot(sealed) == before
