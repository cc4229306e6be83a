"""README documents every promise: settings, record columns, download paths."""

from __future__ import annotations

import re

from warmth.core.schema import ALLOCATION_COLUMNS, RECORD_COLUMNS
from warmth.core.settings import SETTINGS


def readme(root) -> str:
    return (root / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented(root):
    text = readme(root)
    for setting in SETTINGS:
        assert f"| `{setting.name}` |" in text, setting.name


def test_every_record_column_is_documented_in_both_languages(root):
    text = readme(root)
    for col in RECORD_COLUMNS:
        assert re.search(rf"\| `{col.name}` \| {re.escape(col.zh)} \|", text), col.name
    for col in ALLOCATION_COLUMNS:
        assert col.name in text


def test_every_published_path_is_documented(root, default_site):
    text = readme(root)
    for path in (default_site / "data").rglob("*"):
        if path.is_file():
            rel = path.relative_to(default_site / "data").as_posix()
            generic = re.sub(r"^(rounds|districts)/[^/]+/", r"\1/<PLACEHOLDER>/", rel)
            pattern = re.escape(f"/data/{generic}").replace("PLACEHOLDER", "[a-z]+")
            name = rel.rsplit("/", 1)[-1]
            assert re.search(pattern, text) or (rel.startswith("summary/") and f"`{name}`" in text), rel


def test_readme_gives_the_two_commands(root):
    text = readme(root)
    assert "make site" in text and "make test" in text
    assert "make test" in (root / ".ci" / "run").read_text(encoding="utf-8")
