"""The auditor's kit: one standard-library file, /data/verify.py, bundled from the audit/ package.

`bundle` reads a package's modules as text (it never imports them), starts
from an entry module, and writes that module and everything it imports from
the package, transitively, into one file in dependency order — ties broken by
module name, so the same code always gives the same bytes. Each module keeps
its text, docstring and comments; only the imports between the package's own
modules (and ``from __future__``, hoisted to the top once) are removed, which
is why every name must be defined once across the bundled modules.

It fails loudly (`KitError`) rather than write a file that would not run the
same: a name defined at the top level of two modules (identical imports of
the same standard-library name aside), an import of the package that is not
a plain top-level ``from <package>.<module> import name``, a name imported
that its module does not define, a cycle, syntax newer than Python 3.9, or a
library name Python 3.9 lacks (`NEWER_THAN_3_9`).
"""

from __future__ import annotations

import ast
import hashlib
import re
import sys
from pathlib import Path

from warmth.core.entries import keep_newest, read_entry, write_entry

MIN_PYTHON = (3, 9)
# Library names Python 3.9 lacks: attributes and imported names (itertools.pairwise, hashlib.file_digest …),
# builtins, and keyword arguments of particular calls (zip(strict=…), dataclass(slots=…)).
NEWER_THAN_3_9 = frozenset({
    "pairwise", "batched", "file_digest", "bit_count", "tomllib", "StrEnum", "ReprEnum", "TaskGroup", "UTC",
    "add_note", "Self", "LiteralString", "Never", "TypeAlias", "ParamSpec", "TypeGuard", "Concatenate",
    "assert_never", "reveal_type", "dataclass_transform", "override", "TypeVarTuple", "Unpack",
})
NEWER_BUILTINS = frozenset({"aiter", "anext", "ExceptionGroup", "BaseExceptionGroup", "EncodingWarning"})
NEWER_KEYWORDS = frozenset({("zip", "strict"), ("dataclass", "slots"), ("dataclass", "kw_only"), ("field", "kw_only")})
AUDIT = Path(__file__).resolve().parents[1] / "audit"
ENTRY = "command"  # audit/command.py: main(argv) → exit status
KEEP_KITS = 3  # cached bundles kept (one per version of the audit package)


class KitError(Exception):
    """The package cannot be bundled into one file that behaves like it; the message says why."""


def auditor_kit(cache: Path | None = None) -> bytes:
    """/data/verify.py: the audit/ package as one file, run as ``python3 verify.py <folder>``.

    Bundling parses every module (~0.5 s), so with a ``cache`` folder the result is kept there, named by the
    SHA-256 of this module's and the audit package's source and Python's version, checked before reuse
    (core/entries.py).
    """
    if cache is None:
        return bundle(AUDIT, "warmth.audit", ENTRY, title=KIT_TITLE, where="plugins/warmth/audit")
    key = hashlib.sha256(f"{sys.version_info[:2]}".encode())
    for path in [Path(__file__), *sorted(AUDIT.glob("*.py"))]:
        key.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    entry = Path(cache) / f"{key.hexdigest()}.py"
    kit = read_entry(entry)
    if kit is None:
        kit = bundle(AUDIT, "warmth.audit", ENTRY, title=KIT_TITLE, where="plugins/warmth/audit")
        write_entry(entry, kit)
        keep_newest(Path(cache), "*.py", KEEP_KITS)  # one entry per version of the audit package: the last few
    return kit


KIT_TITLE = """\
The auditor's check of a published /data/ folder — 送温暖款物公开 — with nothing to install.

    python3 verify.py <folder>        (or, in the unzipped all.zip:  python3 verify.py .)

Runs with any Python 3.9 or newer and its standard library alone; reads, never writes.
It checks SHA256SUMS, all.zip, datapackage.json, the ledger of sealed rounds, every sealed
record against disbursements.csv (a difference needs a published correction or a recorded
redaction), every summary and finding re-computed from the records, and the CSV format;
exit status 0 when every check passes, 1 otherwise.

This file is generated: the modules of plugins/warmth/audit/ in the project's source,
joined in dependency order with only the imports between them removed. Compare it with
that source (the SHA-256 of each module is listed below), or read it: it is the whole
program. SHA256SUMS lists this file, so check it came from the site you audit.
"""


def _parse(path: Path, name: str) -> ast.Module:
    try:
        return ast.parse(path.read_text(encoding="utf-8"), filename=str(path), feature_version=MIN_PYTHON)
    except SyntaxError as exc:
        raise KitError(f"{name}: not Python {MIN_PYTHON[0]}.{MIN_PYTHON[1]} syntax: {exc}") from None


def _package_imports(tree: ast.Module, name: str, package: str, known: set[str]) -> dict[str, list[ast.ImportFrom]]:
    """``from <package>.<module> import a, b`` at the top level, by module; anything else of the package refused."""
    found: dict[str, list[ast.ImportFrom]] = {}
    top = set(map(id, tree.body))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            raise KitError(f"{name}: relative import (line {node.lineno}); write from {package}.<module> import …")
        if isinstance(node, ast.Import) and any(a.name == package or a.name.startswith(package + ".") for a in node.names):
            raise KitError(f"{name}: 'import {node.names[0].name}' (line {node.lineno}); write from {package}.<module> import …")
        if not isinstance(node, ast.ImportFrom) or not (node.module or "").startswith(package):
            continue
        module = node.module.removeprefix(package + ".")
        if module not in known:
            raise KitError(f"{name}: imports {node.module} (line {node.lineno}), which is not a module of {package}")
        if id(node) not in top:
            raise KitError(f"{name}: imports {node.module} inside a block (line {node.lineno}); import at the top level")
        for alias in node.names:
            if alias.asname not in (None, alias.name) or alias.name == "*":
                raise KitError(f"{name}: 'from {node.module} import {alias.name} as {alias.asname}' (line {node.lineno}); no renaming")
        found.setdefault(module, []).append(node)
    return found


def _bindings(tree: ast.Module, package: str) -> dict[str, str]:
    """Every top-level name a module binds → what binds it ("def", "class", "=", or "import <origin>")."""
    names: dict[str, str] = {}

    def bind(name: str, what: str) -> None:
        if not (name.startswith("__") and name.endswith("__")):
            names[name] = what if name not in names or names[name] == what else "several"

    def targets(node: ast.AST) -> None:
        if isinstance(node, ast.Name):
            bind(node.id, "=")
        elif isinstance(node, (ast.Tuple, ast.List)):
            for element in node.elts:
                targets(element)

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                bind(node.name, "def")
            elif isinstance(node, ast.ClassDef):
                bind(node.name, "class")
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    targets(target)
            elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
                targets(node.target)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    bind(alias.asname or alias.name.split(".")[0], f"import {alias.name}")
            elif isinstance(node, ast.ImportFrom) and node.module != "__future__" and not (node.module or "").startswith(package):
                for alias in node.names:
                    bind(alias.asname or alias.name, f"import {node.module}.{alias.name}")
            elif isinstance(node, (ast.If, ast.Try, ast.With)):
                for block in ("body", "orelse", "finalbody"):
                    visit(getattr(node, block, []))
                for handler in getattr(node, "handlers", []):
                    visit(handler.body)

    visit(tree.body)
    return names


def _newer_names(tree: ast.Module) -> set[str]:
    """Uses of library names Python 3.9 lacks: attributes, imported names, builtins, keyword arguments."""
    used = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in NEWER_THAN_3_9:
            used.add(node.attr)
        elif isinstance(node, ast.alias) and NEWER_THAN_3_9 & set(node.name.split(".")):
            used.add(node.name)
        elif isinstance(node, ast.Name) and node.id in NEWER_BUILTINS:
            used.add(node.id)
        elif isinstance(node, ast.Call):
            func = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            used.update(f"{func}({k.arg}=…)" for k in node.keywords if (func, k.arg) in NEWER_KEYWORDS)
    return used


def _order(entry: str, deps: dict[str, set[str]]) -> list[str]:
    """The entry and what it needs, each module after the modules it imports; ties by name."""
    needed, todo = set(), [entry]
    while todo:
        module = todo.pop()
        if module not in needed:
            needed.add(module)
            todo += deps[module]
    done: list[str] = []
    while len(done) < len(needed):
        ready = sorted(m for m in needed - set(done) if deps[m] <= set(done))
        if not ready:
            raise KitError(f"import cycle among {', '.join(sorted(needed - set(done)))}")
        done.append(ready[0])
    return done


def _strip(source: str, tree: ast.Module, package: str) -> str:
    """The module's text without ``from __future__``, its imports of the package and ``__all__``."""
    lines = source.splitlines()
    drop = set()
    for node in tree.body:
        future = isinstance(node, ast.ImportFrom) and node.module == "__future__"
        ours = isinstance(node, ast.ImportFrom) and (node.module or "").startswith(package)
        exports = isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets)
        if future or ours or exports:
            drop.update(range(node.lineno - 1, node.end_lineno))
    kept = "\n".join(line for i, line in enumerate(lines) if i not in drop).strip("\n")
    return re.sub(r"\n{4,}", "\n\n\n", kept)


def bundle(folder: Path, package: str, entry: str, *, title: str, where: str = "", call: str = "main") -> bytes:
    """One file: ``title`` as its docstring, the entry module and its package imports, then ``raise SystemExit(call())``.

    ``where``: the folder's path in the project's source, as the file names each module (default: the package's).
    """
    folder = Path(folder)
    where = where or package.replace(".", "/")
    paths = {p.stem: p for p in sorted(folder.glob("*.py")) if p.stem not in ("__init__", "__main__")}
    if entry not in paths:
        raise KitError(f"{package}.{entry} does not exist")
    trees = {m: _parse(p, f"{package}.{m}") for m, p in paths.items()}
    imports = {m: _package_imports(t, f"{package}.{m}", package, set(paths)) for m, t in trees.items()}
    deps = {m: set(found) for m, found in imports.items()}
    order = _order(entry, deps)
    bindings = {m: _bindings(trees[m], package) for m in order}
    owner: dict[str, str] = {}
    for module in order:
        for name, what in bindings[module].items():
            other = owner.setdefault(name, module)
            if other != module and not (what.startswith("import ") and bindings[other][name] == what):
                raise KitError(
                    f"'{name}' is defined at the top level of both {package}.{other} and {package}.{module}: "
                    "in one file one would replace the other. Rename one of them."
                )
        for source, nodes in imports[module].items():
            for node in nodes:
                for alias in node.names:
                    if alias.name not in bindings[source]:
                        raise KitError(f"{package}.{module} imports {alias.name} from {package}.{source}, which does not define it")
        newer = _newer_names(trees[module])
        if newer:
            raise KitError(f"{package}.{module} uses {', '.join(sorted(newer))}, which Python {MIN_PYTHON[0]}.{MIN_PYTHON[1]} lacks")
    if call not in bindings[entry]:
        raise KitError(f"{package}.{entry} defines no {call}()")
    sources = {m: paths[m].read_bytes() for m in order}
    listing = "\n".join(f"    {hashlib.sha256(sources[m]).hexdigest()}  {where}/{m}.py" for m in order)
    parts = [f'"""{title}\nModules, in order, with the SHA-256 of each source file:\n\n{listing}\n"""', "from __future__ import annotations"]
    for module in order:
        rule = "# " + "-" * 76
        parts.append(f"{rule}\n# {where}/{module}.py\n{rule}\n\n{_strip(sources[module].decode('utf-8'), trees[module], package)}")
    parts.append(f'if __name__ == "__main__":\n    raise SystemExit({call}())')
    text = "\n\n\n".join(parts) + "\n"
    try:
        compile(ast.parse(text, filename="verify.py", feature_version=MIN_PYTHON), "verify.py", "exec")
    except SyntaxError as exc:
        raise KitError(f"the bundled file does not compile: {exc}") from None
    return text.encode("utf-8")
