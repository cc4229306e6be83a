"""Rebuilds (issue 12): nothing changed → nothing done; anything changed → a build whose
output is byte-identical to a cold build of the same input. No timing is asserted here:
speed is measured by `make bench` only."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

from warmth.site.build import build_site

from conftest import a_district_file, change_one_amount, make_data


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def stats(folder: Path) -> dict[str, tuple[int, int]]:
    return {p.relative_to(folder).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns) for p in folder.rglob("*") if p.is_file()}


def project_copy(root: Path, where: Path) -> Path:
    """The project's content, theme, plugins and settings files in a folder a test may edit."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("content", "theme", "plugins"):
        shutil.copytree(root / name, where / name, ignore=ignore)
    for name in ("pelicanconf.py", "publishconf.py"):
        shutil.copy(root / name, where / name)
    return where


def test_a_rebuild_with_nothing_changed_does_nothing(tmp_path, root):
    data, out, cache = make_data(tmp_path / "data"), tmp_path / "site", tmp_path / "cache"
    first = build_site(root, data=data, output=out, cache=cache)
    assert not first.unchanged
    before, seen = tree(out), stats(out)

    again = build_site(root, data=data, output=out, cache=cache)
    assert again.unchanged and again.report.records == first.report.records
    assert stats(out) == seen and tree(out) == before  # not one file rewritten

    os.utime(a_district_file(data))  # touched, same bytes: hashed again, still unchanged
    assert build_site(root, data=data, output=out, cache=cache).unchanged
    assert stats(out) == seen


def test_no_cache_always_builds(tmp_path, root):
    data, out = make_data(tmp_path / "data"), tmp_path / "site"
    build_site(root, data=data, output=out, cache=None)
    assert not build_site(root, data=data, output=out, cache=None).unchanged


def test_a_cached_rebuild_is_byte_identical_to_a_cold_build(tmp_path, root):
    data, out, cache = make_data(tmp_path / "data"), tmp_path / "site", tmp_path / "cache"
    build_site(root, data=data, output=out, cache=cache)
    change_one_amount(a_district_file(data))
    rebuilt = build_site(root, data=data, output=out, cache=cache)  # one district file changed: a real build
    assert not rebuilt.unchanged

    cold = build_site(root, data=data, output=tmp_path / "cold", cache=None)
    assert tree(out) == tree(tmp_path / "cold")
    assert rebuilt.report.records == cold.report.records

    again = build_site(root, data=data, output=tmp_path / "again", cache=cache)  # warm, into a new output
    assert not again.unchanged and tree(tmp_path / "again") == tree(out)


def test_an_edited_or_missing_output_file_is_rebuilt(tmp_path, root):
    data, out, cache = make_data(tmp_path / "data"), tmp_path / "site", tmp_path / "cache"
    build_site(root, data=data, output=out, cache=cache)
    expected = tree(out)

    (out / "about/index.html").write_text("edited", encoding="utf-8")
    assert not build_site(root, data=data, output=out, cache=cache).unchanged
    assert tree(out) == expected

    (out / "findings/index.html").unlink()
    assert not build_site(root, data=data, output=out, cache=cache).unchanged
    assert tree(out) == expected


def test_any_change_to_data_content_theme_plugins_or_settings_builds(tmp_path, root, monkeypatch):
    project = project_copy(root, tmp_path / "project")
    data, out, cache = make_data(project / "data"), tmp_path / "site", tmp_path / "cache"

    def rebuilt(**kwargs) -> bool:
        result = build_site(project, data=data, output=out, cache=cache, **kwargs)
        assert build_site(project, data=data, output=out, cache=cache, **kwargs).unchanged  # and then settles
        return not result.unchanged

    assert rebuilt()
    edits = [
        data / "allocations.csv",
        project / "plugins/warmth/site/pages.py",
        project / "theme/templates/base.html",
        project / "pelicanconf.py",
    ]
    for path in edits:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write("\n" if path.suffix == ".csv" else "\n# x\n" if path.suffix == ".py" else "\n{# x #}\n")
        assert rebuilt(), path
    sorted((data / "rounds").rglob("*.csv"))[-1].unlink()  # a district file taken out
    assert rebuilt()
    (project / "content" / "rounds").mkdir(parents=True, exist_ok=True)
    (project / "content" / "rounds" / "2012-01.md").write_text("新的说明\n", encoding="utf-8")
    assert rebuilt()
    monkeypatch.delenv("WARMTH_SITEURL", raising=False)
    assert rebuilt(settings_file=Path("publishconf.py"))  # another settings file
    monkeypatch.setenv("WARMTH_SITEURL", "")  # a variable the settings may read (publishconf reads this one)
    assert rebuilt(settings_file=Path("publishconf.py"))
    assert rebuilt(overrides={"WARMTH_PENDING_REDACTIONS": True})


def test_unchanged_files_keep_their_time_and_changed_ones_do_not(tmp_path, root):
    data, out, cache = make_data(tmp_path / "data"), tmp_path / "site", tmp_path / "cache"
    build_site(root, data=data, output=out, cache=cache)
    old = {rel: os.stat(out / rel).st_mtime_ns for rel in ("favicon.ico", "about/index.html", "data/disbursements.csv")}
    long_ago = 1_000_000_000 * 10**9  # 2001: any time this build could not have written
    for rel in old:
        os.utime(out / rel, ns=(long_ago, long_ago))
    change_one_amount(a_district_file(data))
    build_site(root, data=data, output=out, cache=cache)
    assert os.stat(out / "favicon.ico").st_mtime_ns == long_ago
    assert os.stat(out / "about/index.html").st_mtime_ns == long_ago
    assert os.stat(out / "data/disbursements.csv").st_mtime_ns != long_ago  # its bytes changed


def test_files_both_sites_list_alike_keep_their_time_unread(tmp_path, root, monkeypatch):
    """A file the old and new SHA256SUMS list with the same SHA-256, untouched since the swap, is not read again."""
    from warmth.site import mtimes

    data, out, cache = make_data(tmp_path / "data"), tmp_path / "site", tmp_path / "cache"
    build_site(root, data=data, output=out, cache=cache)
    before = {p.relative_to(out).as_posix(): p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    compared = []
    real = mtimes._same_bytes
    monkeypatch.setattr(mtimes, "_same_bytes", lambda a, b: compared.append(Path(b).relative_to(out).as_posix()) or real(a, b))
    change_one_amount(a_district_file(data))
    build_site(root, data=data, output=out, cache=cache)

    listed = {}  # read here from the new site's own checksum files
    for sums in (out / "data").rglob("SHA256SUMS"):
        folder = sums.parent.relative_to(out).as_posix()
        for line in sums.read_text(encoding="utf-8").splitlines():
            digest, name = line.split("  ", 1)
            listed[f"{folder}/{name}"] = digest
    after = {p.relative_to(out).as_posix(): p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    same = [rel for rel in listed if after.get(rel) == before.get(rel)]
    assert "data/disbursements.csv" not in same and len(same) > 10  # the changed file has a new time; many kept theirs
    assert not set(same) & set(compared)  # those were known equal from the checksums, not read
    assert any(not rel.startswith("data/") for rel in compared)  # pages have no checksums: compared in full


def test_an_edited_previous_file_never_lends_its_time(tmp_path, root):
    """Edited in place after the swap (same size, SHA256SUMS not updated): compared in full, so not 'unchanged'."""
    data, out, cache = make_data(tmp_path / "data"), tmp_path / "site", tmp_path / "cache"
    build_site(root, data=data, output=out, cache=cache)
    rel = "data/campaign.json"  # listed in SHA256SUMS; one changed amount leaves it as it is
    assert "  campaign.json\n" in (out / "data/SHA256SUMS").read_text(encoding="utf-8")
    with open(out / rel, "r+b") as handle:  # an edit in place: same size, other bytes
        handle.seek(200)
        byte = handle.read(1)
        handle.seek(200)
        handle.write(b"0" if byte != b"0" else b"1")
    edited_time = (out / rel).stat().st_mtime_ns
    change_one_amount(a_district_file(data))
    build_site(root, data=data, output=out, cache=cache)
    assert (out / rel).stat().st_mtime_ns != edited_time  # the rebuilt, correct file has this build's time
    listed_now = dict(reversed(line.split("  ", 1)) for line in (out / "data/SHA256SUMS").read_text(encoding="utf-8").splitlines())
    assert hashlib.sha256((out / rel).read_bytes()).hexdigest() == listed_now[rel.removeprefix("data/")]


def test_only_the_sites_own_checksum_files_are_believed(tmp_path):
    """A staff file named SHA256SUMS (copied from content/) lists a page whose bytes changed, same size: believing
    it would keep the old time and rsync would skip the new page. Only /data/'s checksum files count."""
    from warmth.site.mtimes import keep_times
    from warmth.site.uptodate import output_state

    old, new = tmp_path / "old", tmp_path / "new"
    for site, text in ((old, "before"), (new, "after!")):
        (site / "guide").mkdir(parents=True)
        (site / "data").mkdir()
        (site / "guide" / "a.txt").write_text(text, encoding="utf-8")  # same size, other bytes
        (site / "data" / "b.csv").write_text("same", encoding="utf-8")
        listed = hashlib.sha256(b"before").hexdigest()  # both sites' staff file claims the old bytes
        (site / "guide" / "SHA256SUMS").write_text(f"{listed}  a.txt\n", encoding="utf-8")
        (site / "data" / "SHA256SUMS").write_text(f"{hashlib.sha256(b'same').hexdigest()}  b.csv\n", encoding="utf-8")
    long_ago = 1_000_000_000 * 10**9
    for path in old.rglob("*"):
        if path.is_file():
            os.utime(path, ns=(long_ago, long_ago))
    swapped = output_state(old)["files"]
    assert keep_times(new, old, swapped) == 3  # data/b.csv, data/SHA256SUMS, guide/SHA256SUMS
    assert (new / "data" / "b.csv").stat().st_mtime_ns == long_ago
    assert (new / "guide" / "a.txt").stat().st_mtime_ns != long_ago  # compared in full: it changed


def test_the_record_files_cache_keeps_the_last_few_entries_only(tmp_path, root):
    """Each entry holds every record file (~530 MB at 1M records): a rebuild after every district file must not fill
    the disk. The two most recently used entries are kept besides the one a build uses."""
    data, out, cache = make_data(tmp_path / "data"), tmp_path / "site", tmp_path / "cache"
    build_site(root, data=data, output=out, cache=cache)
    for _ in range(4):
        change_one_amount(a_district_file(data))
        build_site(root, data=data, output=out, cache=cache)
    entries = [p for p in (cache / "records").iterdir() if len(p.name) == 64 and p.is_dir()]
    assert len(entries) == 3
    newest = max(entries, key=lambda p: p.stat().st_mtime_ns)
    listed = json.loads((newest / "manifest.json").read_text(encoding="utf-8"))
    assert listed["disbursements.csv"][1] == hashlib.sha256((out / "data/disbursements.csv").read_bytes()).hexdigest()


def test_an_edited_rows_cache_entry_is_discarded(tmp_path, root, caplog):
    data, cache = make_data(tmp_path / "data"), tmp_path / "cache"
    build_site(root, data=data, output=tmp_path / "first", cache=cache)
    entries = sorted((cache / "rows").glob("*.arrow"))
    assert entries and all(p.stat().st_mode & 0o222 == 0 for p in entries)  # read-only
    for entry in entries:
        os.chmod(entry, 0o644)
        body = bytearray(entry.read_bytes())
        body[len(body) // 2] ^= 1
        entry.write_bytes(bytes(body))
    with caplog.at_level("WARNING", logger="warmth"):
        build_site(root, data=data, output=tmp_path / "second", cache=cache)
    assert "缓存中" in caplog.text and "do not match their checksum" in caplog.text
    assert tree(tmp_path / "second") == tree(tmp_path / "first")
    for entry in entries:  # discarded and written afresh: the bytes the name's digest says, read-only again
        assert hashlib.sha256(entry.read_bytes()).hexdigest() == entry.name.split(".")[1]
        assert entry.stat().st_mode & 0o222 == 0


def test_an_unexpected_error_storing_rows_is_said_and_the_build_goes_on(tmp_path, root, caplog, monkeypatch):
    """The rows cache writes its entries in a thread: an error there is logged, not lost, and the build is whole."""
    import logging

    from warmth.intake.rowcache import RowCache

    def broken(self, digest, frame):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(RowCache, "_store", broken)
    data, out, cache = make_data(tmp_path / "data"), tmp_path / "site", tmp_path / "cache"
    with caplog.at_level(logging.WARNING, logger="warmth"):
        result = build_site(root, data=data, output=out, cache=cache)
    assert not result.unchanged and (out / "data" / "SHA256SUMS").is_file()
    assert "disk on fire" in caplog.text and "rows could not be cached" in caplog.text
    assert not list((cache / "rows").glob("*.arrow"))
