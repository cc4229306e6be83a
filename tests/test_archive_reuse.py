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


def plain_zip(data: Path, where: Path) -> bytes:
    """all.zip's recipe written with nothing but zipfile, member after member (README "Downloads": sorted paths,
    1980-01-01, 0644 from Unix, DEFLATE level 3, sizes known beforehand): independent of write_zip."""
    return plain_zip_of(data, [p.relative_to(data).as_posix() for p in data.rglob("*") if p.is_file()], where)


def plain_zip_of(data: Path, paths: list[str], where: Path) -> bytes:
    with zipfile.ZipFile(where, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=3, allowZip64=True) as out:
        for rel in sorted(paths):
            info = zipfile.ZipInfo(rel, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type, info.create_system, info.external_attr = zipfile.ZIP_DEFLATED, 3, 0o100644 << 16
            info.file_size = (data / rel).stat().st_size
            for attribute in ("compress_level", "_compresslevel"):
                if hasattr(info, attribute):
                    setattr(info, attribute, 3)
            with open(data / rel, "rb") as handle, out.open(info, "w") as member:
                member.write(handle.read())
    return where.read_bytes()


@pytest.mark.parametrize("zip64_limit", [None, 1000])
def test_big_files_compressed_in_threads_give_the_zip_written_member_after_member(data, tmp_path, monkeypatch, zip64_limit):
    """Files of BIG bytes or more are compressed beside the zip, each in a zip of its own, and copied in: the
    bytes are those of the zip written member after member (zip64 sizes and offsets too)."""
    if zip64_limit:
        monkeypatch.setattr(zipfile, "ZIP64_LIMIT", zip64_limit)
    expected = plain_zip(data, tmp_path / "plain.zip")
    parts = []
    real = archive._part
    monkeypatch.setattr(archive, "_part", lambda *args: parts.append(args[1]) or real(*args))
    monkeypatch.setattr(archive, "BIG", 2000)  # the two record files, the summary and the lookup shards
    write_zip(data, zipped_paths(data), tmp_path / "all.zip")
    assert (tmp_path / "all.zip").read_bytes() == expected
    assert sorted(parts) == sorted(p.relative_to(data).as_posix() for p in data.rglob("*") if p.is_file() and p.stat().st_size >= 2000)
    assert "disbursements.csv" in parts and "summary/汇总.csv" in parts and len(parts) == 6
    assert {p.name for p in tmp_path.iterdir()} == {"site", "plain.zip", "all.zip"}  # the parts' folder is gone


def test_a_part_that_fails_fails_the_zip_and_leaves_nothing(data, tmp_path, monkeypatch):
    monkeypatch.setattr(archive, "BIG", 2000)
    def broken(source, rel, path):
        raise OSError("disk full")
    monkeypatch.setattr(archive, "_part", broken)
    with pytest.raises(OSError, match="disk full"):
        write_zip(data, zipped_paths(data), tmp_path / "all.zip")
    assert {p.name for p in tmp_path.iterdir()} == {"site", "all.zip"}  # the parts' folder is gone (all.zip: the caller's)


def test_big_files_compressed_in_threads_beside_members_copied_from_the_previous_zip(data, tmp_path, monkeypatch):
    """A rebuild both copies unchanged members from the cached zip and compresses the changed big files in
    threads: the zip is still the one written member after member, and the parts' folder is gone."""
    monkeypatch.setattr(archive, "BIG", 2000)
    cache = tmp_path / "cache"
    publish_archive(data, write_sums(data), cache)
    change(data / "disbursements.csv")
    change(data / "lookup" / "0" / "01.csv")
    parts = []
    real = archive._part
    monkeypatch.setattr(archive, "_part", lambda *args: parts.append(args[1]) or real(*args))
    opened = spy(monkeypatch)
    (data / "all.zip").unlink()
    (data / "all.zip.sha256").unlink()
    publish_archive(data, write_sums(data), cache)
    rebuilt = (data / "all.zip").read_bytes()
    assert rebuilt == plain_zip_of(data, [p for p in zipped_paths(data)], tmp_path / "plain.zip")
    assert "disbursements.csv" in parts and "lookup/0/01.csv" in parts and "summary/汇总.csv" not in parts  # reused
    assert opened[0] is not None and opened[0].reused >= 4
    assert not list(cache.rglob(".zip-parts-*")) and not list(cache.rglob(".archive-*"))
