"""The auditor's kit (/data/verify.py) and the one download (/data/all.zip), through the real commands.

The kit is run as an auditor runs it: ``python3 -I -S verify.py <folder>`` from
an unrelated folder, on all.zip unzipped, with every Python 3.9+ this machine
has (none of them sees the project, its virtual environment or site-packages).
"""

from __future__ import annotations

import ast
import glob
import hashlib
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from test_verify import resum, rezip

from warmth.downloads.archive import FIXED_TIME
from warmth.downloads.kit import AUDIT, KitError, auditor_kit, bundle

ROOT = Path(__file__).resolve().parents[1]


def cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "plugins")}
    return subprocess.run([sys.executable, "-m", "warmth", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


def pythons() -> dict[tuple[int, int], str]:
    """Every Python 3.9+ on this machine (PATH, pyenv), one per version: version → interpreter."""
    candidates = [shutil.which(f"python3.{n}") for n in range(9, 15)] + [shutil.which("python3"), "/usr/bin/python3"]
    root = os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))
    candidates += sorted(glob.glob(f"{root}/versions/3.*/bin/python3"))
    found: dict[tuple[int, int], str] = {}
    for path in filter(None, candidates):
        try:
            probe = subprocess.run([path, "-I", "-S", "-c", "import sys; print(*sys.version_info[:2])"], capture_output=True, text=True, timeout=30)
        except OSError:
            continue
        if probe.returncode == 0:
            version = tuple(map(int, probe.stdout.split()))
            if version >= (3, 9):
                found.setdefault(version, path)
    return found


def run_kit(python: str, kit: Path, folder: str, cwd: Path) -> subprocess.CompletedProcess:
    """As an auditor: a bare interpreter (-I: no PYTHONPATH, no user site; -S: no site-packages), elsewhere."""
    return subprocess.run([python, "-I", "-S", str(kit), folder], cwd=cwd, capture_output=True, text=True, timeout=600,
                          env={"PATH": os.environ.get("PATH", "")})


def unzip(site: Path, target: Path) -> Path:
    with zipfile.ZipFile(site / "data" / "all.zip") as archive:
        archive.extractall(target)
    return target


# --- the bundle ----------------------------------------------------------------------------


def test_the_kit_is_bundled_once_and_checked_before_reuse(tmp_path):
    fresh = auditor_kit()  # no cache: bundled from the source
    assert auditor_kit(tmp_path) == fresh
    (entry,) = tmp_path.iterdir()
    assert not entry.stat().st_mode & 0o222  # read-only
    kept = entry.read_bytes()
    assert auditor_kit(tmp_path) == fresh and entry.read_bytes() == kept  # reused as it is
    entry.chmod(0o644)
    entry.write_bytes(kept.replace(b"def main(", b"def mian(", 1))  # edited: fails its SHA-256, bundled again
    assert auditor_kit(tmp_path) == fresh and entry.read_bytes() == kept
    for i in range(5):  # bundles of older versions of the package: only the newest few are kept
        (tmp_path / f"old{i}.py").write_bytes(b"x")
        os.utime(tmp_path / f"old{i}.py", (1_000_000 + i, 1_000_000 + i))
    entry.unlink()
    assert auditor_kit(tmp_path) == fresh
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([entry.name, "old3.py", "old4.py"])


def test_the_published_kit_is_the_audit_package_bundled(default_site):
    kit = (default_site / "data" / "verify.py").read_bytes()
    assert kit == auditor_kit() == auditor_kit()  # deterministic: the same code gives the same bytes
    text = kit.decode("utf-8")
    ast.parse(text, feature_version=(3, 9))
    assert "from warmth" not in text and "import warmth" not in text
    assert text.count("from __future__ import annotations") == 1
    # every bundled module is named with the SHA-256 of its source, for an auditor to compare with the project
    listed = {name: sha for sha, name in re.findall(r"^    ([0-9a-f]{64})  plugins/warmth/audit/(\w+)\.py$", text, re.M)}
    assert {"verify", "command", "history", "findings", "rules", "archive", "chain"} <= set(listed)
    for name, sha in listed.items():
        assert hashlib.sha256((AUDIT / f"{name}.py").read_bytes()).hexdigest() == sha, name
    order = list(listed)
    assert order.index("folder") < order.index("history") < order.index("verify") < order.index("command")
    sums = (default_site / "data" / "SHA256SUMS").read_text(encoding="utf-8")
    assert f"{hashlib.sha256(kit).hexdigest()}  verify.py" in sums


def _package(tmp_path: Path, modules: dict[str, str]) -> Path:
    folder = tmp_path / "pkg"
    folder.mkdir()
    (folder / "__init__.py").write_text("", encoding="utf-8")
    for name, source in modules.items():
        (folder / f"{name}.py").write_text(source, encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("modules", "complaint"),
    [
        ({"a": "X = 1\n", "main": "from p.a import X\nX = 2\ndef main():\n    return X\n"}, "'X' is defined at the top level of both p.a and p.main"),
        ({"a": "def helper():\n    return 1\n",
          "main": "from p.a import helper\nfrom collections import OrderedDict as helper\ndef main():\n    return 0\n"},
         "'helper' is defined at the top level of both"),
        ({"a": "X = 1\n", "main": "from p.a import X as Y\ndef main():\n    return Y\n"}, "no renaming"),
        ({"a": "X = 1\n", "main": "def main():\n    from p.a import X\n    return X\n"}, "inside a block"),
        ({"a": "X = 1\n", "main": "import p.a\ndef main():\n    return 0\n"}, "'import p.a'"),
        ({"a": "X = 1\n", "main": "from p.a import Y\ndef main():\n    return Y\n"}, "imports Y from p.a, which does not define it"),
        ({"a": "from p.main import main\n", "main": "from p.a import main\n"}, "import cycle"),
        ({"main": "import itertools\ndef main():\n    return list(itertools.pairwise([1, 2]))\n"}, "uses pairwise, which Python 3.9 lacks"),
        ({"main": "def main():\n    return list(zip([1], [2], strict=True))\n"}, "zip(strict=…)"),
        ({"main": "def main(x=1):\n    match x:\n        case 1:\n            return 0\n"}, "not Python 3.9 syntax"),
    ],
)
def test_the_bundler_refuses_what_would_not_run_the_same(tmp_path, modules, complaint):
    folder = _package(tmp_path, modules)
    with pytest.raises(KitError, match=re.escape(complaint)):
        bundle(folder, "p", "main", title="t")


def test_same_named_identical_imports_are_fine_and_the_bundle_runs(tmp_path):
    folder = _package(tmp_path, {
        "a": "from decimal import Decimal\n\nTOTAL = Decimal('1.50')\n",
        "main": (
            '"""Entry."""\n\nfrom __future__ import annotations\n\nfrom decimal import Decimal\n\nfrom p.a import TOTAL\n\n\n'
            'def main():\n    print(TOTAL + Decimal("0.50"))\n    return 0\n'
        ),
    })
    first = bundle(folder, "p", "main", title="A test bundle.")
    assert first == bundle(folder, "p", "main", title="A test bundle.")
    script = tmp_path / "kit.py"
    script.write_bytes(first)
    result = subprocess.run([sys.executable, "-I", "-S", str(script)], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0 and result.stdout == "2.00\n"


# --- all.zip ---------------------------------------------------------------------------------


def test_all_zip_holds_every_download_and_is_the_same_across_builds(tmp_path):
    from conftest import build

    first, second, cached = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    for out in (first, second):  # two processes, no cache
        result = cli("build", "--output", str(out), "--no-cache")
        assert result.returncode == 0, result.stderr[-2000:]
    cache = tmp_path / "cache"
    build(ROOT, ROOT / "data", cached, cache)  # zipped into the cache …
    (cached / "data" / "all.zip").unlink()
    build(ROOT, ROOT / "data", cached, cache)  # … and copied from it: the site's own file, never a link into the cache
    (zipped,) = (cache / "archive").glob("*.zip")
    kept = zipped.read_bytes()
    assert (cached / "data" / "all.zip").stat().st_ino != zipped.stat().st_ino
    assert (cached / "data" / "all.zip").read_bytes() == kept
    with open(cached / "data" / "all.zip", "r+b") as handle:  # an edit of one site's zip, in place …
        handle.write(b"XX")
    assert zipped.read_bytes() == kept  # … does not reach the cache
    with open(zipped, "r+b") as handle:  # an edited cache entry, same size …
        handle.seek(100)
        handle.write(b"XX")
    build(ROOT, ROOT / "data", cached, cache)  # … is found and written afresh
    assert zipped.read_bytes() == kept and (cached / "data" / "all.zip").read_bytes() == kept
    for name in ("all.zip", "all.zip.sha256"):
        assert (first / "data" / name).read_bytes() == (second / "data" / name).read_bytes() == (cached / "data" / name).read_bytes()
    data = first / "data"
    raw = (data / "all.zip").read_bytes()
    assert (data / "all.zip.sha256").read_text(encoding="ascii") == f"{hashlib.sha256(raw).hexdigest()}  all.zip\n"
    if shutil.which("sha256sum"):
        assert subprocess.run(["sha256sum", "-c", "all.zip.sha256"], cwd=data, capture_output=True).returncode == 0
    listed = [line.split("  ", 1)[1] for line in (data / "SHA256SUMS").read_text(encoding="utf-8").splitlines()]
    derived = [f"{folder}/{line.split('  ', 1)[1]}" for folder in ("lookup", "browse")
               for line in (data / folder / "SHA256SUMS").read_text(encoding="utf-8").splitlines()]
    with zipfile.ZipFile(data / "all.zip") as archive:
        members = archive.infolist()
        assert [m.filename for m in members] == sorted([*listed, *derived, "SHA256SUMS"])
        for member in members:
            assert member.date_time == FIXED_TIME and member.external_attr >> 16 == 0o100644 and member.create_system == 3
            assert member.compress_type == zipfile.ZIP_DEFLATED
            assert archive.read(member) == (data / member.filename).read_bytes()


# --- the kit, run as an auditor runs it ---------------------------------------------------------


def test_the_kit_needs_only_a_bare_python_3_9_or_newer(default_site, tmp_path):
    found = pythons()
    assert found, "no Python 3.9+ found"
    folder = unzip(default_site, tmp_path / "送温暖数据")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for version, python in sorted(found.items()):
        result = run_kit(python, folder / "verify.py", str(folder), elsewhere)
        assert result.returncode == 0, (version, result.stdout[-3000:], result.stderr[-3000:])
        assert re.search(r"All \d+ checks passed\.$", result.stdout.strip()), version
        assert "no all.zip here (an unzipped folder)" in result.stdout
    # in the unzipped folder itself, as the download page says: python3 verify.py .
    python = found[min(found)]
    here = subprocess.run([python, "-I", "-S", "verify.py", "."], cwd=folder, capture_output=True, text=True, timeout=600)
    assert here.returncode == 0, here.stdout[-3000:]
    print("kit run with Python", ", ".join(f"{a}.{b}" for a, b in sorted(found)))


def test_an_older_python_gets_a_message_not_a_traceback(default_site, tmp_path):
    older = sorted(glob.glob(str(Path(os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))) / "versions/3.8*/bin/python3")))
    if not older:
        pytest.skip("no Python 3.8 on this machine")
    result = run_kit(older[0], default_site / "data" / "verify.py", str(default_site), tmp_path)
    assert result.returncode == 2 and "Python 3.9 or newer is required" in result.stderr


def test_make_verify_needs_no_virtual_environment(tmp_path):
    """The Makefile's verify recipe runs the standard-library package, never $(PY) from .venv, and sets nothing up."""
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    _head, recipe = text.split("\nverify:", 1)
    assert recipe.splitlines()[0].strip() == "", "verify must not depend on the runtime environment"
    assert recipe.splitlines()[1].strip().startswith('$(PYTHON) -m warmth.audit "$(SITE)"')


# --- all.zip, as verify sees it ----------------------------------------------------------------


@pytest.fixture
def site(default_site, tmp_path) -> Path:
    copy = tmp_path / "site"
    shutil.copytree(default_site, copy)
    return copy


def test_verify_checks_all_zip_against_the_folder(site):
    from test_verify import failed

    from warmth.audit.verify import verify

    def zip_problem() -> str:
        return next(v for k, v in failed(verify(site)).items() if k.startswith("all.zip holds"))

    data = site / "data"
    report = verify(site)
    assert report.ok, report.format()
    assert any(c.name_en.startswith("all.zip holds") and "files, byte for byte" in c.detail for c in report.checks)
    # a zip that does not match its checksum file
    with open(data / "all.zip", "ab") as handle:
        handle.write(b"\0")
    assert "all.zip: SHA-256 不符" in zip_problem()
    rezip(data)
    assert verify(site).ok

    def forge_but_keep_the_old_zip() -> None:
        """SHA256SUMS made to match the folder; all.zip and its checksum left as they were."""
        old = {name: (data / name).read_bytes() for name in ("all.zip", "all.zip.sha256")}
        resum(data)
        for name, raw in old.items():
            (data / name).write_bytes(raw)

    path = data / "summary" / "by-round.csv"
    path.write_bytes(path.read_bytes().replace(b'"2012-02"', b'"2012-03"'))
    forge_but_keep_the_old_zip()
    assert "summary/by-round.csv 与文件夹里的文件内容不同 / differs from the file in the folder" in zip_problem()
    (data / "extra.txt").write_text("x", encoding="utf-8")
    forge_but_keep_the_old_zip()
    assert "缺少 extra.txt / lacks extra.txt" in zip_problem()
    (data / "all.zip").unlink()
    assert "all.zip.sha256 is here but all.zip is missing" in zip_problem()


def test_sha256sums_lists_everything_but_the_zip_and_its_checksum(default_site):
    data = default_site / "data"
    listed = {line.split("  ", 1)[1] for line in (data / "SHA256SUMS").read_text(encoding="utf-8").splitlines()}
    files = {p.relative_to(data).as_posix() for p in data.rglob("*") if p.is_file()}
    # the derived folders' files are listed by their own SHA256SUMS, which the top one lists (README "Downloads")
    derived = {f"{folder}/{line.split('  ', 1)[1]}" for folder in ("lookup", "browse")
               for line in (data / folder / "SHA256SUMS").read_text(encoding="utf-8").splitlines()}
    assert {"lookup/SHA256SUMS", "browse/SHA256SUMS"} <= listed
    assert files - listed - derived == {"SHA256SUMS", "all.zip", "all.zip.sha256"}
    assert {"verify.py", "campaign.json"} <= listed
