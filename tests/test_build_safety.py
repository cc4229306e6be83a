"""Builds that cannot harm each other (issue 9, item 5), through the real `python -m warmth build`.

- an in-place edit of one build's published CSV stays in that build; an edited
  cache entry is found, discarded and rewritten;
- a build killed at any moment (after staging, in the swap, between the
  fallback's two renames) leaves a complete output, and the next build leaves
  no debris;
- two builds into one output take turns, or one refuses after its wait;
- only a folder the build marked is replaced: an auditor's notes folder that
  holds data/SHA256SUMS is refused untouched; a site of the earlier version
  (no marker) is replaced only when it is exactly a site.

Processes are paused at named points with WARMTH_TEST_PAUSE=<point>:<flag file>
(site/swap.py) and killed there; nothing here asserts how long anything takes.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from warmth.core.layout import BUILD_MARKER, inside_built_site, is_marked_build, marker_bytes
from warmth.core.problems import ConfigError

from conftest import make_data

WAITING = "另一个生成过程"  # the message of a build that waits for (or gives up on) another one
PATIENCE = 300  # seconds a test waits for a paused process to reach its point: a safety net, not an assertion


# --- helpers ---------------------------------------------------------------------------------


def settings(folder: Path, root: Path, cache: Path) -> Path:
    """A settings file like pelicanconf.py with its own cache, usable from any working folder."""
    path = folder / "conf.py"
    path.write_text(
        f"import sys\nsys.path.insert(0, {str(root)!r})\nfrom pelicanconf import *\n"
        f"PATH = {str(root / 'content')!r}\nTHEME = {str(root / 'theme')!r}\nPLUGIN_PATHS = [{str(root / 'plugins')!r}]\n"
        f"WARMTH_CACHE = {str(cache)!r}\n",
        encoding="utf-8",
    )
    return path


def command(root: Path, data: Path, out: Path, conf: Path) -> list[str]:
    return [sys.executable, "-m", "warmth", "build", "--root", str(root), "--data", str(data), "--output", str(out), "--settings", str(conf)]


def environment(root: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WARMTH_")}
    return {**env, "PYTHONPATH": str(root / "plugins"), **extra}


def run(root: Path, data: Path, out: Path, conf: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(command(root, data, out, conf), cwd=root, env=environment(root, **env), capture_output=True, text=True, timeout=900)


def start(root: Path, data: Path, out: Path, conf: Path, log: Path, **env: str) -> subprocess.Popen:
    with open(log, "wb") as handle:
        return subprocess.Popen(command(root, data, out, conf), cwd=root, env=environment(root, **env), stdout=handle, stderr=handle)


def paused(proc: subprocess.Popen, flag: Path, log: Path) -> None:
    """Wait until ``proc`` has reached its pause point (it created ``flag``)."""
    deadline = time.monotonic() + PATIENCE
    while not flag.exists():
        assert proc.poll() is None, log.read_text(encoding="utf-8", errors="replace")[-3000:]
        assert time.monotonic() < deadline, "the build never reached its pause point"
        time.sleep(0.05)


def kill(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): digest(p) for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_complete(site: Path) -> None:
    """A whole site: its marker, its pages, and data/SHA256SUMS listing every download with its SHA-256
    (all but all.zip and all.zip.sha256, which hold or sum SHA256SUMS itself: README, "Downloads")."""
    assert is_marked_build(site), site
    assert (site / "index.html").is_file() and (site / "downloads/index.html").is_file()
    data = site / "data"
    listed = {}
    for line in (data / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        sha, rel = line.split("  ", 1)
        listed[rel] = sha
    for folder in ("lookup", "browse"):  # the derived folders list their files in their own SHA256SUMS (README "Downloads")
        for line in (data / folder / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
            sha, rel = line.split("  ", 1)
            listed[f"{folder}/{rel}"] = sha
    beside = ("SHA256SUMS", "all.zip", "all.zip.sha256")
    files = {p.relative_to(data).as_posix(): digest(p) for p in data.rglob("*") if p.is_file() and p.relative_to(data).as_posix() not in beside}
    assert files == listed
    assert "disbursements.csv" in files


def debris(out: Path) -> list[str]:
    """What builds into ``out`` may leave beside it: staging and old-output folders, the lock file."""
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))


@pytest.fixture(scope="module")
def warm_cache(tmp_path_factory, root) -> Path:
    """A cache holding the charts and record files of the data `make_data` generates (seeded: the same every time)."""
    base = tmp_path_factory.mktemp("warm")
    cache = base / "cache"
    result = run(root, make_data(base / "data"), base / "site", settings(base, root, cache))
    assert result.returncode == 0, result.stderr[-3000:]
    return cache


@pytest.fixture
def setup(tmp_path, root, small_data, warm_cache):
    """(data, settings with a private copy of the warm cache, the cache) for one test."""
    cache = tmp_path / "cache"
    shutil.copytree(warm_cache, cache, symlinks=True)
    return small_data, settings(tmp_path, root, cache), cache


def built(root: Path, data: Path, out: Path, conf: Path, **env: str) -> None:
    result = run(root, data, out, conf, **env)
    assert result.returncode == 0, result.stderr[-3000:]


def record_entry(cache: Path) -> Path:
    (entry,) = [p for p in (cache / "records").iterdir() if p.is_dir() and not p.name.startswith(".")]
    return entry


def edit_an_amount(path: Path) -> None:
    """Change one digit of the first amount, in place (the same file, not a new one), as an editor as root would."""
    with open(path, "r+b") as handle:
        body = handle.read()
        at = body.index(b".", body.index(b"\n") + 1)  # the first decimal point after the header: inside an amount
        digit = body[at - 1 : at]
        handle.seek(at - 1)
        handle.write(b"1" if digit != b"1" else b"2")


# --- the cache never carries an edit from one build to another -------------------------------


def test_an_in_place_edit_of_a_published_csv_stays_in_that_build(tmp_path, root, setup):
    data, conf, cache = setup
    edited, other, fresh = tmp_path / "edited", tmp_path / "output", tmp_path / "fresh"
    built(root, data, edited, conf)
    built(root, data, other, conf)
    before = tree(other)
    published = (other / "data/disbursements.csv").read_bytes()

    edit_an_amount(edited / "data/disbursements.csv")
    assert (edited / "data/disbursements.csv").read_bytes() != published

    built(root, data, fresh, conf)
    assert (fresh / "data/disbursements.csv").read_bytes() == published  # the edit is not published again …
    assert_complete(fresh)  # … and SHA256SUMS matches what is published
    assert tree(other) == before  # the other build, the project's own output/ say, did not change
    assert tree(fresh) == before
    for path in record_entry(cache).rglob("*"):  # the cache itself is read-only
        if path.is_file():
            assert path.stat().st_mode & 0o222 == 0, path


def test_an_edited_cache_entry_is_discarded_and_rewritten(tmp_path, root, setup):
    data, conf, cache = setup
    first = tmp_path / "first"
    built(root, data, first, conf)
    entry = record_entry(cache)
    cached = entry / "disbursements.csv"
    os.chmod(cached, 0o644)  # root writes anyway; anyone else would have to do this first
    edit_an_amount(cached)
    (entry / "rounds/2012-02/disbursements.csv").unlink()

    result = run(root, data, tmp_path / "second", conf)
    assert result.returncode == 0, result.stderr[-3000:]
    message = result.stderr
    assert "缓存中的记录文件与其校验和不符" in message and "Cached record files do not match" in message
    assert message.index("缓存中的记录文件") < message.index("Cached record files")  # Chinese first
    assert "disbursements.csv" in message and "rounds/2012-02/disbursements.csv" in message
    assert tree(tmp_path / "second") == tree(first)
    assert_complete(tmp_path / "second")

    entry = record_entry(cache)  # rewritten: every file as its manifest says, read-only again
    manifest = json.loads((entry / "manifest.json").read_text(encoding="utf-8"))
    for rel, (size, sha) in manifest.items():
        assert (entry / rel).stat().st_size == size and digest(entry / rel) == sha, rel
        assert (entry / rel).stat().st_mode & 0o222 == 0, rel
    assert [p.name for p in (cache / "records").iterdir() if p.name.startswith(".") and p.name != ".lock"] == []


def test_temporary_folders_in_the_cache_are_swept(tmp_path, root, setup):
    data, conf, cache = setup
    left = cache / "records" / ".records-abcd1234"  # what a build killed while filling the cache leaves
    (left / "rounds").mkdir(parents=True)
    (left / "rounds" / "disbursements.csv").write_text("half", encoding="utf-8")
    built(root, data, tmp_path / "site", conf)
    assert not left.exists()


# --- a killed build ---------------------------------------------------------------------------


def test_a_build_killed_after_staging_leaves_the_output_and_the_next_build_no_debris(tmp_path, root, setup):
    data, conf, _ = setup
    out = tmp_path / "site"
    built(root, data, out, conf)
    before = tree(out)
    flag, log = tmp_path / "flag", tmp_path / "build.log"
    proc = start(root, data, out, conf, log, WARMTH_TEST_PAUSE=f"staged:{flag}")
    paused(proc, flag, log)
    kill(proc)
    assert tree(out) == before
    assert [name for name in debris(out) if ".tmp-" in name], "the killed build's staging folder is there"

    built(root, data, out, conf)
    assert debris(out) == []
    assert_complete(out)


def test_a_build_killed_in_the_swap_leaves_a_complete_output(tmp_path, root, setup):
    from warmth.site.swap import exchange

    (tmp_path / "x").mkdir()
    (tmp_path / "y").mkdir()
    (tmp_path / "x" / "was-x").touch()
    if not exchange(tmp_path / "x", tmp_path / "y"):
        pytest.skip("renameat2(RENAME_EXCHANGE) is not available here (the fallback is tested below)")
    assert (tmp_path / "y" / "was-x").exists() and not (tmp_path / "x" / "was-x").exists()
    data, conf, _ = setup
    out = tmp_path / "site"
    built(root, data, out, conf)
    flag, log = tmp_path / "flag", tmp_path / "build.log"
    proc = start(root, data, out, conf, log, WARMTH_TEST_PAUSE=f"swapped:{flag}")
    paused(proc, flag, log)  # exchanged: the new site is the output, the old one waits under the staging name
    kill(proc)
    assert_complete(out)
    assert debris(out) != []

    built(root, data, out, conf)
    assert debris(out) == []
    assert_complete(out)


def test_the_two_rename_fallback_killed_between_them_puts_the_old_site_back(tmp_path, root, setup):
    data, conf, _ = setup
    out = tmp_path / "site"
    built(root, data, out, conf)
    before = tree(out)
    flag, log = tmp_path / "flag", tmp_path / "build.log"
    proc = start(root, data, out, conf, log, WARMTH_TEST_NO_EXCHANGE="1", WARMTH_TEST_PAUSE=f"renamed-away:{flag}")
    paused(proc, flag, log)
    kill(proc)
    assert not out.exists()  # the fallback's moment without an output (RENAME_EXCHANGE has none)

    broken = data / "campaign.toml"
    good = broken.read_bytes()
    broken.write_bytes(good + b"\n[[this is not toml\n")
    result = run(root, data, out, conf)
    assert result.returncode == 1 and "恢复原来的网站" in result.stderr
    assert tree(out) == before  # put back first, and the failed build left it alone

    broken.write_bytes(good)
    built(root, data, out, conf, WARMTH_TEST_NO_EXCHANGE="1")  # the fallback swap itself works
    assert debris(out) == []
    assert_complete(out)


# --- concurrent builds ------------------------------------------------------------------------


def test_two_builds_into_one_output_take_turns(tmp_path, root, setup):
    data, conf, _ = setup
    out = tmp_path / "site"
    flag, first_log, second_log = tmp_path / "flag", tmp_path / "first.log", tmp_path / "second.log"
    first = start(root, data, out, conf, first_log, WARMTH_TEST_PAUSE=f"staged:{flag}")
    paused(first, flag, first_log)  # it holds the lock, its staging folder built
    second = start(root, data, out, conf, second_log)
    deadline = time.monotonic() + PATIENCE
    while WAITING not in second_log.read_text(encoding="utf-8", errors="replace"):
        assert second.poll() is None, second_log.read_text(encoding="utf-8", errors="replace")[-3000:]
        assert time.monotonic() < deadline
        time.sleep(0.05)
    said = second_log.read_text(encoding="utf-8")
    assert said.index(WAITING) < said.index("Another build")  # Chinese first
    flag.unlink()  # let the first one finish
    assert first.wait(timeout=PATIENCE) == 0, first_log.read_text(encoding="utf-8")[-3000:]
    assert second.wait(timeout=PATIENCE) == 0, second_log.read_text(encoding="utf-8")[-3000:]
    assert debris(out) == []
    assert_complete(out)


def test_two_builds_started_together_both_succeed(tmp_path, root, setup):
    data, conf, _ = setup
    out = tmp_path / "site"
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    procs = [start(root, data, out, conf, log) for log in logs]
    for proc, log in zip(procs, logs):
        assert proc.wait(timeout=PATIENCE) == 0, log.read_text(encoding="utf-8")[-3000:]
    assert debris(out) == []
    assert_complete(out)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name not in ("data", "cache", "conf.py", "a.log", "b.log")) == ["site"]


def test_builds_into_two_outputs_fill_one_cache_together(tmp_path, root, setup):
    data, conf, cache = setup
    shutil.rmtree(cache / "records")  # both builds write the record files and race to store them
    outs, logs = [tmp_path / "a", tmp_path / "b"], [tmp_path / "a.log", tmp_path / "b.log"]
    procs = [start(root, data, out, conf, log) for out, log in zip(outs, logs)]
    for proc, log in zip(procs, logs):
        assert proc.wait(timeout=PATIENCE) == 0, log.read_text(encoding="utf-8")[-3000:]
    for out in outs:
        assert_complete(out)
        assert debris(out) == []
    assert tree(outs[0]) == tree(outs[1])
    entry = record_entry(cache)  # exactly one entry, no temporary folder left
    assert sorted(p.name for p in (cache / "records").iterdir()) == sorted([".lock", entry.name])


def test_a_build_refuses_when_the_other_does_not_finish_in_time(tmp_path, root, setup):
    data, conf, _ = setup
    out = tmp_path / "site"
    built(root, data, out, conf)
    before = tree(out)
    with open(tmp_path / ".site.lock", "w") as held:  # another build holding the lock
        fcntl.flock(held, fcntl.LOCK_EX)
        result = run(root, data, out, conf, WARMTH_BUILD_WAIT="0")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert WAITING in result.stderr and "did not finish" in result.stderr
    assert result.stderr.index(WAITING) < result.stderr.index("Another build")
    assert tree(out) == before
    assert [name for name in debris(out) if ".tmp-" in name or ".old-" in name] == []


# --- only a marked build is replaced ----------------------------------------------------------


def test_an_auditors_notes_folder_is_refused_and_untouched(tmp_path, root, setup):
    data, conf, _ = setup
    site = tmp_path / "site"
    built(root, data, site, conf)
    notes = tmp_path / "audit-notes"  # the downloads, checked with sha256sum -c, and the auditor's notes beside them
    shutil.copytree(site / "data", notes / "data")
    (notes / "notes.txt").write_text("2012-01: 沙湾区 totals checked\n", encoding="utf-8")
    before = tree(notes)
    result = run(root, data, notes, conf)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "不是本程序生成的网站" in result.stderr and BUILD_MARKER in result.stderr
    assert tree(notes) == before
    assert debris(notes) == []

    only_sums = tmp_path / "sums-only"  # a folder that merely holds data/SHA256SUMS
    (only_sums / "data").mkdir(parents=True)
    shutil.copy(site / "data/SHA256SUMS", only_sums / "data/SHA256SUMS")
    assert run(root, data, only_sums, conf).returncode == 1
    assert (only_sums / "data/SHA256SUMS").read_bytes() == (site / "data/SHA256SUMS").read_bytes()


def test_a_file_as_output_is_refused(tmp_path, root, setup):
    data, conf, _ = setup
    out = tmp_path / "site"
    out.write_text("not a folder", encoding="utf-8")
    result = run(root, data, out, conf)
    assert result.returncode == 1 and "不是文件夹" in result.stderr
    assert out.read_text(encoding="utf-8") == "not a folder"


def test_a_site_of_the_earlier_version_is_replaced_only_when_it_is_exactly_a_site(tmp_path, root, small_data, cache_dir):
    from warmth.site.build import build_site

    site = tmp_path / "site"
    build_site(root, data=small_data, output=site, cache=cache_dir)
    (site / BUILD_MARKER).unlink()  # as the earlier version left it
    build_site(root, data=small_data, output=site, cache=cache_dir)
    assert_complete(site)  # replaced, and marked now

    refusals = {
        "notes.txt": lambda s: (s / "notes.txt").write_text("mine", encoding="utf-8"),
        "edited download": lambda s: edit_an_amount(s / "data/disbursements.csv"),
        "hidden file": lambda s: (s / "districts" / ".notes").write_text("mine", encoding="utf-8"),
        "extra download": lambda s: (s / "data" / "mine.csv").write_text("a\n", encoding="utf-8"),
    }
    for what, change in refusals.items():
        (site / BUILD_MARKER).unlink()
        change(site)
        before = tree(site)
        with pytest.raises(ConfigError, match="不是本程序生成的网站"):
            build_site(root, data=small_data, output=site, cache=cache_dir)
        assert tree(site) == before, what
        shutil.rmtree(site)
        build_site(root, data=small_data, output=site, cache=cache_dir)


def test_the_marker_is_the_builds_own_and_not_a_download(default_site):
    assert (default_site / BUILD_MARKER).read_bytes() == marker_bytes()
    assert json.loads(marker_bytes()) == {"format": "warmth-build", "version": 1}
    assert BUILD_MARKER not in (default_site / "data/SHA256SUMS").read_text(encoding="utf-8")
    assert not (default_site / "data" / BUILD_MARKER).exists()


def test_staff_commands_recognise_the_marker_and_still_data_sha256sums(tmp_path, root, small_data):
    marked, sums_only = tmp_path / "marked", tmp_path / "sums-only"
    marked.mkdir()
    (marked / BUILD_MARKER).write_bytes(marker_bytes())
    (sums_only / "data").mkdir(parents=True)
    (sums_only / "data/SHA256SUMS").write_text("", encoding="utf-8")
    for site in (marked, sums_only):
        assert inside_built_site(site / "campaign.key")
    assert is_marked_build(marked) and not is_marked_build(sums_only)

    bad = sorted((small_data / "rounds").glob("*/*.csv"))[0]  # a bad amount, so check has a report to write
    lines = bad.read_text(encoding="utf-8-sig").splitlines()
    column = next(i for i, h in enumerate(lines[0].split(",")) if h in ("amount_yuan", "金额（元）"))
    cells = lines[1].split(",")
    cells[column] = "12.345"
    lines[1] = ",".join(cells)
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    env = environment(root)
    for site in (marked, sums_only):
        result = subprocess.run(
            [sys.executable, "-m", "warmth", "check", "--data", str(small_data), "--report", str(site / "reports")],
            cwd=root, env=env, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        assert result.returncode == 1 and "报告不能写进已生成的网站" in result.stderr, result.stderr[-2000:]
        assert not (site / "reports").exists()


@pytest.mark.skipif(not shutil.which("git"), reason="git not installed")
def test_git_ignores_what_builds_leave_beside_the_output(root):
    names = [".output.tmp-abcd1234/index.html", ".output.old-abcd1234/index.html", ".output.lock", ".preview.tmp-x1y2z3w4/a"]
    result = subprocess.run(["git", "check-ignore", "--no-index", *names], cwd=root, capture_output=True, text=True)
    assert sorted(result.stdout.split()) == sorted(names)
