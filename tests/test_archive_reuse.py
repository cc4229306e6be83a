"""all.zip rebuilt from the previous zip's members (issue 12, "write less"): a rebuild copies the members whose
files did not change, already compressed, from the most recent cached zip, and the zip it gives is byte for byte
the zip written afresh from the same files. A cached zip or members list that was edited, or one written by another
recipe, is never a source."""

from __future__ import annotations

import hashlib
import logging
import random
import zipfile
from pathlib import Path

import pytest

from warmth.downloads import archive
from warmth.downloads.archive import publish_archive, write_zip, zipped_paths


def sha(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def write_sums(data: Path) -> bytes:
    """SHA256SUMS files as the build writes them: lookup/ lists its own files; the top one lists the rest."""
    lookup = data / "lookup"
    inner = "".join(f"{sha(p.read_bytes())}  {p.relative_to(lookup).as_posix()}\n"
                    for p in sorted(lookup.rglob("*")) if p.is_file() and p.name != "SHA256SUMS")
    (lookup / "SHA256SUMS").write_text(inner, encoding="utf-8")
    top = "".join(f"{sha(p.read_bytes())}  {p.relative_to(data).as_posix()}\n"
                  for p in sorted(data.rglob("*"))
                  if p.is_file() and p.parent != lookup and p.name not in ("SHA256SUMS", "all.zip", "all.zip.sha256"))
    top += f"{sha(inner.encode())}  lookup/SHA256SUMS\n"
    (data / "SHA256SUMS").write_text(top, encoding="utf-8")
    return top.encode("utf-8")


@pytest.fixture
def data(tmp_path) -> Path:
    rng = random.Random(12)
    folder = tmp_path / "site" / "data"
    words = ["乐山", "市中区", "困难职工", "大米", "10袋", "500.00", "农民工", "慰问金", "2012-01-15"]
    def text(lines: int) -> str:
        return "".join(",".join(rng.choice(words) for _ in range(8)) + "\n" for _ in range(lines))
    (folder / "rounds" / "2012-01").mkdir(parents=True)
    (folder / "disbursements.csv").write_text(text(6000), encoding="utf-8")
    (folder / "rounds" / "2012-01" / "disbursements.csv").write_text(text(3000), encoding="utf-8")
    (folder / "summary").mkdir()
    (folder / "summary" / "汇总.csv").write_text(text(50), encoding="utf-8")  # a name zip flags as UTF-8
    for key in ("00", "01", "ff"):
        (folder / "lookup" / key[:1]).mkdir(parents=True, exist_ok=True)
        (folder / "lookup" / key[:1] / f"{key}.csv").write_text(text(40), encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    return folder


def change(path: Path) -> None:
    raw = path.read_bytes()
    path.write_bytes(raw.replace(b"500.00", b"501.00", 1))


def fresh(data: Path, where: Path) -> bytes:
    """The zip written with nothing reused: every member compressed from its file."""
    write_zip(data, zipped_paths(data), where)
    return where.read_bytes()


def spy(monkeypatch) -> list:
    """The cached zips publish_archive opens as a source, to count the members it copies."""
    opened = []
    real = archive.previous_zip
    def previous_zip(folder, recipe):
        found = real(folder, recipe)
        opened.append(found)
        return found
    monkeypatch.setattr(archive, "previous_zip", previous_zip)
    return opened


def test_a_rebuild_copies_unchanged_members_and_gives_the_same_bytes_as_a_fresh_zip(data, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    publish_archive(data, write_sums(data), cache)
    first = (data / "all.zip").read_bytes()
    assert first == fresh(data, tmp_path / "fresh0.zip")

    change(data / "disbursements.csv")
    change(data / "lookup" / "0" / "01.csv")
    opened = spy(monkeypatch)
    (data / "all.zip").unlink()
    (data / "all.zip.sha256").unlink()
    publish_archive(data, write_sums(data), cache)
    rebuilt = (data / "all.zip").read_bytes()
    assert rebuilt != first and rebuilt == fresh(data, tmp_path / "fresh1.zip")
    # changed: disbursements.csv, lookup/0/01.csv, lookup/SHA256SUMS, SHA256SUMS; the other 5 files copied
    assert len(zipped_paths(data)) == 9 and opened[0] is not None and opened[0].reused == 5
    with zipfile.ZipFile(data / "all.zip") as zipped:
        assert zipped.testzip() is None
        for rel in zipped_paths(data):
            assert zipped.read(rel) == (data / rel).read_bytes()
    assert (data / "all.zip.sha256").read_text(encoding="ascii") == f"{sha(rebuilt)}  all.zip\n"


def rebuild_after_change(data: Path, cache: Path) -> bytes:
    change(data / "rounds" / "2012-01" / "disbursements.csv")
    publish_archive(data, write_sums(data), cache)
    return (data / "all.zip").read_bytes()


def test_an_edited_cached_zip_is_not_a_source(data, tmp_path, monkeypatch, caplog):
    cache = tmp_path / "cache"
    publish_archive(data, write_sums(data), cache)
    (zipped,) = (cache / "archive").glob("*.zip")
    raw = bytearray(zipped.read_bytes())
    at = raw.index(b"PK\x03\x04", 10) - 5  # inside some member's compressed bytes: the zip still opens
    raw[at] ^= 0xFF
    zipped.chmod(0o644)
    zipped.write_bytes(bytes(raw))
    opened = spy(monkeypatch)
    with caplog.at_level(logging.WARNING, logger="warmth"):
        rebuilt = rebuild_after_change(data, cache)
    assert opened == [None] and "a cached all.zip was changed; not reused" in caplog.text
    assert rebuilt == fresh(data, tmp_path / "fresh.zip")


def test_an_edited_members_list_is_not_a_source(data, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    publish_archive(data, write_sums(data), cache)
    (members,) = (cache / "archive").glob("*.zip.members")
    lines = members.read_text(encoding="utf-8").splitlines(keepends=True)
    a, b = lines[1].split("  ")[0], lines[2].split("  ")[0]  # two members' hashes swapped: a lie about their bytes
    lines[1], lines[2] = lines[1].replace(a, b), lines[2].replace(b, a)
    members.chmod(0o644)
    members.write_text("".join(lines), encoding="utf-8")
    opened = spy(monkeypatch)
    assert rebuild_after_change(data, cache) == fresh(data, tmp_path / "fresh.zip")
    assert opened == [None]


def test_a_zip_written_by_another_recipe_is_not_a_source(data, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    publish_archive(data, write_sums(data), cache)
    monkeypatch.setattr(archive, "LEVEL", 1)  # another compression level: members' bytes differ
    opened = spy(monkeypatch)
    rebuilt = rebuild_after_change(data, cache)
    assert opened == [None]
    assert rebuilt == fresh(data, tmp_path / "fresh.zip")
    with zipfile.ZipFile(data / "all.zip") as zipped:
        assert zipped.testzip() is None


def test_zip64_members_and_offsets_are_copied_exactly(data, tmp_path, monkeypatch):
    """With zipfile's zip64 limit lowered to 1,000 bytes, every size and offset takes the zip64 form, as a
    5M-record site's would: the copied members still give the bytes of a zip written afresh."""
    monkeypatch.setattr(zipfile, "ZIP64_LIMIT", 1000)
    cache = tmp_path / "cache"
    publish_archive(data, write_sums(data), cache)
    opened = spy(monkeypatch)
    rebuilt = rebuild_after_change(data, cache)
    assert opened[0] is not None and opened[0].reused == 7  # all but the round file and SHA256SUMS
    assert rebuilt == fresh(data, tmp_path / "fresh.zip")
    with zipfile.ZipFile(data / "all.zip") as zipped:
        assert zipped.testzip() is None
        assert any(info.extract_version >= 45 for info in zipped.infolist())  # zip64 in use
