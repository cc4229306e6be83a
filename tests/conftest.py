"""Shared fixtures: the project root, generated data folders and built sites.

Builds run in-process through the same `build_site` the `make site` command
uses; a session-wide chart cache keeps repeated builds fast.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests run the same examples on every machine, so CI cannot fail at random;
# HYPOTHESIS_PROFILE=explore draws new ones (run it now and then, and keep what it finds as tests).
settings.register_profile("repeatable", derandomize=True, print_blob=True)
settings.register_profile("explore", max_examples=2000, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session", autouse=True)
def workbook_cache(tmp_path_factory) -> Path:
    """The workbook cache of every test (and every build a test starts) in a folder of its own."""
    folder = tmp_path_factory.mktemp("workbooks")
    os.environ["WARMTH_WORKBOOK_CACHE"] = str(folder)
    return folder


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("cache")


def make_data(folder: Path, records: int = 1500, seed: int = 7) -> Path:
    from warmth.tools.sample import generate

    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "data" / "campaign.toml", folder / "campaign.toml")
    generate(folder, folder / "campaign.toml", records=records, seed=seed)
    return folder


def a_district_file(data: Path) -> Path:
    """The first round CSV of a generated data folder (UTF-8 in the sample)."""
    return sorted((data / "rounds").rglob("*.csv"))[0]


def change_one_amount(path: Path) -> None:
    """Add one yuan to the first record's amount, the file's own format kept."""
    lines = path.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    header = lines[0].rstrip("\r\n").split(",")
    for col in ("金额", "amount_yuan", "金额（元）"):
        if col in header:
            at = header.index(col)
            break
    else:
        at = next(i for i, v in enumerate(lines[1].split(",")) if v.count(".") == 1 and v.replace(".", "").isdigit())
    cells = lines[1].split(",")
    whole, _, cents = cells[at].partition(".")
    cells[at] = f"{int(whole) + 1}.{cents}"
    lines[1] = ",".join(cells)
    path.write_text("".join(lines), encoding="utf-8-sig")


@pytest.fixture
def data(tmp_path) -> Path:
    """An empty data folder holding only the default campaign file."""
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copy(ROOT / "data" / "campaign.toml", folder)
    return folder


@pytest.fixture
def small_data(tmp_path) -> Path:
    """A fresh, valid, generated data folder a test may change."""
    return make_data(tmp_path / "data")


def build(root: Path, data: Path, output: Path, cache: Path | None = None):
    from warmth.site.build import build_site

    return build_site(root, data=data, output=output, cache=cache if cache else None)


@pytest.fixture(scope="session")
def built_copy(tmp_path_factory) -> tuple[Path, Path]:
    """(a copy of the embedded data, the site built from it without cache), built once.

    For tests that seal or tamper: they copy what they change, never change these.
    """
    base = tmp_path_factory.mktemp("built-copy")
    shutil.copytree(ROOT / "data", base / "data")
    build(ROOT, base / "data", base / "site", None)
    return base / "data", base / "site"


@pytest.fixture(scope="session")
def default_site(tmp_path_factory, cache_dir) -> Path:
    """The embedded default data built once for the whole session."""
    out = tmp_path_factory.mktemp("site") / "output"
    build(ROOT, ROOT / "data", out, cache_dir)
    return out
