"""The plugin's shape: stages as folders, imports only downward, no cycles, README's map equal to the tree.

Imports are read with `ast` from the source, both at module level and inside
functions (a lazy import is still a dependency), so nothing here imports the
plugin.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "plugins" / "warmth"

# Lower layers never import higher ones. Stages of one layer do not import each other.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("pii",),
    ("core",),
    ("intake",),
    ("ledger",),
    ("figures",),
    ("downloads",),
    ("site",),
    ("staff", "audit", "tools"),
    ("cli",),
    ("__init__", "__main__"),
)
RANK = {stage: rank for rank, stages in enumerate(LAYERS) for stage in stages}
MAX_LINES = 420  # "a module a reader can hold in mind"; declarative tables are listed below
DECLARATIVE = {"pii/unicode_ranges.py", "core/codes.py"}  # a generated table; every problem code's texts


def modules() -> dict[str, Path]:
    """Dotted module name → file, for every module of the package."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imports_of(path: Path, name: str, known: set[str]) -> set[str]:
    """The warmth modules a module imports, anywhere in it (resolved to modules, not names)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            # ``from pkg import mod`` depends on the module; ``from mod import name`` on mod
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        for target in targets:
            # the longest known module the target names (``warmth.core.money.yuan`` → ``warmth.core.money``)
            while target and target not in known:
                target = target.rpartition(".")[0]
            # a module's own packages are imported before it anyway: not a dependency of its own
            if target and target != name and target.startswith("warmth") and not name.startswith(target + "."):
                found.add(target)
    return found


def graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    return {name: imports_of(path, name, known) - {"warmth"} for name, path in mods.items()}


def stage(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def test_no_import_cycles():
    edges = graph()
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges[node]):
            if nxt not in edges:
                continue
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt):] + [nxt]
                raise AssertionError("import cycle: " + " → ".join(cycle))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)


def test_stages_import_only_downward():
    wrong = []
    for module, targets in graph().items():
        here = stage(module)
        for target in targets:
            there = stage(target)
            if there != here and (RANK[there] >= RANK[here]):
                wrong.append(f"{module} → {target}")
    assert not wrong, "imports that go up or sideways between stages:\n" + "\n".join(sorted(wrong))


def test_every_stage_has_a_layer():
    stages = {stage(m) for m in modules()}
    assert stages <= set(RANK), stages - set(RANK)


def test_pii_is_a_leaf_and_the_pelican_glue_is_thin():
    edges = graph()
    assert all(stage(t) == "pii" for m, ts in edges.items() if stage(m) == "pii" for t in ts)
    init = (PACKAGE / "__init__.py").read_text(encoding="utf-8")
    assert len(init.splitlines()) < 30 and "def register" in init
    # only the site's generator and build talk to Pelican
    talks_to_pelican = sorted(
        m for m, path in modules().items() if re.search(r"^\s*(?:from|import) pelican\b", path.read_text(encoding="utf-8"), re.M)
    )
    assert talks_to_pelican == ["warmth", "warmth.site.build", "warmth.site.generator"], talks_to_pelican


def test_modules_stay_small():
    long = []
    for path in modules().values():
        rel = path.relative_to(PACKAGE).as_posix()
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES and rel not in DECLARATIVE:
            long.append(f"{rel}: {lines} lines")
    assert not long, long


def readme_map(root) -> dict[str, set[str]]:
    """README's map of the package (the table under "How it is built"): folder → modules and sub-folders it names."""
    text = (root / "README.md").read_text(encoding="utf-8")
    start = text.index("| folder | stage | modules, one job each |")
    rows: dict[str, set[str]] = {}
    for line in text[start:].splitlines()[2:]:
        if not line.startswith("|"):
            break
        folder, _stage, names = (cell.strip() for cell in line.strip("|").split("|"))
        rows[folder.strip("`").rstrip("/")] = set(re.findall(r"`(\w+)(?:\.py|/)`", names)) - {"__init__"}
    return rows


def package_contents() -> dict[str, set[str]]:
    """Every folder of the package (relative, "" for the top) → its modules and sub-folders."""
    contents: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        folder = path.parent.relative_to(PACKAGE).as_posix()
        folder = "" if folder == "." else folder
        if path.name != "__init__.py":
            contents.setdefault(folder, set()).add(path.stem)
        else:
            contents.setdefault(folder, set())
            if folder:
                parent, _, leaf = folder.rpartition("/")
                contents.setdefault(parent, set()).add(leaf)
    return contents


def test_readme_architecture_matches_the_tree(root):
    """README's map names every folder, module and sub-folder of the package, and nothing that is not there."""
    documented = readme_map(root)
    actual = package_contents()
    actual["plugins/warmth"] = actual.pop("")
    assert set(documented) == set(actual), ("folders", set(actual) ^ set(documented))
    for folder, names in actual.items():
        assert documented[folder] == names, (folder, "missing from README:", names - documented[folder], "named but absent:", documented[folder] - names)
