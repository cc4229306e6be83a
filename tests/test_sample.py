"""The sample generator (warmth.tools.sample).

The committed data/ folder is the default sample, byte for byte: anyone
changing the generator either keeps every random draw in place or
regenerates data/ (``make sample``) in the same commit.
"""

from __future__ import annotations

import ast
import filecmp
import os
import shutil
import stat
from pathlib import Path

import pytest

import warmth.tools.sample as package
from warmth.core.files import current_umask
from warmth.tools.sample import DEFAULT_RECORDS, DEFAULT_SEED, SampleError, generate, main


def _data_files(folder) -> list[str]:
    rounds = sorted(p.relative_to(folder).as_posix() for p in (folder / "rounds").glob("*/*.csv"))
    return [*rounds, "allocations.csv"]


def test_the_default_sample_is_the_committed_data_byte_for_byte(root, tmp_path):
    committed = root / "data"
    fresh = tmp_path / "data"
    fresh.mkdir()
    shutil.copy(committed / "campaign.toml", fresh / "campaign.toml")
    summary = generate(fresh, fresh / "campaign.toml")
    assert (summary["records"], summary["seed"]) == (DEFAULT_RECORDS, DEFAULT_SEED) == (6000, 2012)
    expected = _data_files(committed)
    assert _data_files(fresh) == expected
    assert sorted(summary["files"]) == sorted(expected)  # campaign.toml was there: not rewritten
    differ = [rel for rel in expected if not filecmp.cmp(fresh / rel, committed / rel, shallow=False)]
    assert not differ, f"the generator no longer writes the committed data/ (run `make sample`?): {differ}"


def test_rerun_removes_stale_files_and_keeps_the_campaign_file(root, tmp_path):
    out = tmp_path / "data"
    stale = out / "rounds" / "2011-12" / "old.csv"
    stale.parent.mkdir(parents=True)
    stale.write_text("x")
    leftover = out / "rounds" / "2011-12" / ".old.csv.tmp-abc"
    leftover.write_text("x")
    (out / "campaign.toml").write_text("# kept\n")
    generate(out, root / "data" / "campaign.toml", records=500, seed=1)
    assert not stale.exists() and not leftover.exists()
    assert (out / "campaign.toml").read_text() == "# kept\n"
    files = _data_files(out)
    assert files[0] == "rounds/2012-01/ebian.csv" and len(files) == 24
    mode = stat.S_IMODE(os.stat(out / files[0]).st_mode)
    assert mode == 0o666 & ~current_umask()  # like any new file: a web server may read it
    assert not list(out.rglob("*.tmp-*"))


def test_too_few_records_or_a_broken_campaign_are_refused(root, tmp_path, capsys):
    with pytest.raises(SampleError, match="at least 114"):
        generate(tmp_path, root / "data" / "campaign.toml", records=113)
    (tmp_path / "campaign.toml").write_text("[campaign]\nstart = 2012-01-01\n")
    assert main(["--out", str(tmp_path)]) == 2
    assert "cannot write sample data" in capsys.readouterr().err
    assert not (tmp_path / "rounds").exists()


def test_the_generator_uses_nothing_of_warmth_but_core():
    """The sample stands apart from the pipeline it feeds: only warmth.core (format, file writing)."""
    folder = Path(package.__file__).parent
    outside = []
    for path in sorted(folder.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            outside += [f"{path.name}: {n}" for n in names if n.split(".")[0] == "warmth" and not n.startswith("warmth.core")]
    assert not outside
