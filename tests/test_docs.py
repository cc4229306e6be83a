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
            generic = re.sub(r"^lookup/[0-9a-f]{2}/[0-9a-f]+\.csv$", "lookup/<PLACEHOLDER>/<PLACEHOLDER>.csv", generic)
            generic = re.sub(r"^browse/districts/[^/]+\.json$", "browse/districts/<PLACEHOLDER>.json", generic)
            pattern = re.escape(f"/data/{generic}").replace("PLACEHOLDER", "[a-z]+")
            name = rel.rsplit("/", 1)[-1]
            assert re.search(pattern, text) or (rel.startswith("summary/") and f"`{name}`" in text), rel


def test_readme_gives_the_two_commands(root):
    text = readme(root)
    assert "make site" in text and "make test" in text
    assert "make test" in (root / ".ci" / "run").read_text(encoding="utf-8")


def test_every_setting_is_documented_with_its_default(root):
    text = readme(root)
    for setting in SETTINGS:
        shown = "project root" if setting.default == "" else f"`{setting.default}`"
        assert re.search(rf"\| `{setting.name}` \| {re.escape(shown)}", text), (setting.name, shown)


def readme_problem_table(text: str) -> dict[str, tuple[str, str]]:
    start = text.index("| code | 问题 | problem |")
    rows = {}
    for line in text[start:].splitlines()[2:]:
        if not line.startswith("| `"):
            break
        code, zh, en = (cell.strip() for cell in line.strip("|").split("|"))
        rows[code.strip("`")] = (zh, en)
    return rows


def test_readme_problem_table_is_the_registry(root):
    """Every problem code, with its titles, is in README's table, and nothing else is."""
    from warmth.core.codes import CODES

    table = readme_problem_table(readme(root))
    assert table == {c.code: (c.title_zh, c.title_en) for c in CODES}



def declared_dependencies(root) -> dict[str, bool]:
    """Direct dependencies from requirements*.in: name (lower case) → is a dev tool."""
    found = {}
    for name, dev in (("requirements.in", False), ("requirements-dev.in", True)):
        for line in (root / name).read_text(encoding="utf-8").splitlines():
            line = line.split("#", 1)[0].strip()
            if line and not line.startswith("-"):
                found[re.split(r"[=<>!~\[ ]", line, maxsplit=1)[0].lower()] = dev
    return found


def test_readme_dependency_table_is_requirements_in(root):
    text = readme(root)
    table = text[text.index("| package | why |") :].split("\n\n", 1)[0].splitlines()[2:]
    documented = {}
    for row in table:
        cell = row.strip("|").split("|")[0].strip()
        documented[cell.removesuffix(" (dev)").lower()] = cell.endswith("(dev)")
    assert documented == declared_dependencies(root)


def test_every_direct_dependency_is_pinned(root):
    """The .in files name versions, and the compiled files pin the same versions."""
    pins = {}
    for name in ("requirements.txt", "requirements-dev.txt"):
        for line in (root / name).read_text(encoding="utf-8").splitlines():
            if "==" in line and not line.lstrip().startswith("#"):
                package, version = line.split("==")
                pins[package.strip().lower().replace("_", "-")] = version.strip()
    for name in ("requirements.in", "requirements-dev.in"):
        for line in (root / name).read_text(encoding="utf-8").splitlines():
            line = line.split("#", 1)[0].strip()
            if line and not line.startswith("-"):
                package, version = line.split("==")
                package = package.split("[", 1)[0]  # pagefind[extended]: the extra's packages are pinned in the .txt
                assert pins.get(package.lower().replace("_", "-")) == version, (package, version, pins.get(package.lower()))
