"""The import contract of ``docs/architecture.md``, checked over every module's ``ast`` (module-level,
function-level and type-checking imports alike):

- layers import only downward, and siblings on one line (``model``, ``results``, ``verify``) never import
  each other;
- the whole import graph (function-level imports included) has no cycle, so no import dodges a circle;
- no component imports another (except their shared ``base``);
- no Pyomo or HiGHS in ``inputs``, ``domain``, ``results`` or ``verify``;
- no module imports another module's underscored name; no module is over 400 lines.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "planner"
LAYERS = [
    ("planner.errors", "planner._version"),
    ("planner.timegrid", "planner.extras", "planner.fields"),
    ("planner.domain",),
    ("planner.inputs",),
    ("planner.model", "planner.results", "planner.verify"),
    ("planner.solve",),
    ("planner.api",),
    ("planner.jobs",),
    ("planner.cli",),
]
"""Bottom to top; the names on one line are siblings."""
TOP = ("planner", "planner.__main__")
NO_SOLVER = ("planner.inputs", "planner.domain", "planner.results", "planner.verify")
SOLVER_LIBS = ("pyomo", "highspy")
MAX_LINES = 400


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py")) if "_data" not in p.parts}


def _imports(name: str) -> list[tuple[str, list[str], int]]:
    """(imported module, imported names, line) of every import in module ``name``."""
    path = MODULES[name]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.extend((alias.name, [], node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names = [a.name for a in node.names]
            out.append((base, names, node.lineno))
            for n in names:  # ``from planner.cli import batch`` imports the module planner.cli.batch
                if f"{base}.{n}" in MODULES:
                    out.append((f"{base}.{n}", [], node.lineno))
    return out


def _layer(module: str) -> tuple[int, str] | None:
    for rank, names in enumerate(LAYERS):
        for prefix in names:
            if module == prefix or module.startswith(prefix + "."):
                return rank, prefix
    return None


def _internal(target: str) -> str | None:
    """The planner module an import refers to (the longest known prefix), or None for a library."""
    parts = target.split(".")
    for k in range(len(parts), 0, -1):
        candidate = ".".join(parts[:k])
        if candidate in MODULES:
            return candidate
    return None


def test_layers_import_only_downward() -> None:
    problems = []
    for name in MODULES:
        if name in TOP:
            continue
        mine = _layer(name)
        assert mine is not None, f"{name} is in no layer of docs/architecture.md"
        for target, _, line in _imports(name):
            other = _internal(target) if target.startswith("planner") else None
            if other is None or other in TOP:
                if other in TOP and target == "planner" and not _imports_only_version(name, line):
                    problems.append(f"{name}:{line} imports the package top")
                continue
            theirs = _layer(other)
            assert theirs is not None, other
            if theirs[0] > mine[0] or (theirs[0] == mine[0] and theirs[1] != mine[1]):
                problems.append(f"{name}:{line} imports {other} (layer {theirs[1]} above or beside {mine[1]})")
    assert not problems, "\n".join(problems)


def _imports_only_version(name: str, line: int) -> bool:
    return all(names == ["__version__"] for target, names, ln in _imports(name) if target == "planner" and ln == line)


def test_the_import_graph_has_no_cycle() -> None:
    graph = {n: sorted({m for t, _, _ in _imports(n) if t.startswith("planner") and (m := _internal(t))
                        and m != n and m not in TOP}) for n in MODULES}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(n: str) -> None:
        state[n] = 1
        stack.append(n)
        for m in graph[n]:
            if state.get(m) == 1:
                cycle = stack[stack.index(m):] + [m]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if m not in state:
                visit(m)
        stack.pop()
        state[n] = 2

    for n in graph:
        if n not in state:
            visit(n)


def test_no_component_imports_another() -> None:
    prefix = "planner.model.components."
    problems = [
        f"{name}:{line} imports {target}"
        for name in MODULES if name.startswith(prefix)
        for target, _, line in _imports(name)
        if target.startswith(prefix) and _internal(target) not in (name, prefix + "base")
    ]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("layer", NO_SOLVER)
def test_no_solver_library_outside_the_model_and_solve_layers(layer: str) -> None:
    problems = [
        f"{name}:{line} imports {target}"
        for name in MODULES if name == layer or name.startswith(layer + ".")
        for target, _, line in _imports(name)
        if target.split(".")[0] in SOLVER_LIBS
    ]
    assert not problems, "\n".join(problems)


def test_no_module_imports_another_modules_private_names() -> None:
    problems = [
        f"{name}:{line} imports {n} from {target}"
        for name in MODULES
        for target, names, line in _imports(name)
        if target.startswith("planner") and _internal(target) != name
        for n in names if n.startswith("_") and not n.startswith("__")
    ]
    assert not problems, "\n".join(problems)


def test_no_module_is_over_400_lines() -> None:
    long = {name: n for name, path in MODULES.items()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines: {long}"


def test_every_subpackage_is_shipped() -> None:
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    packages = {_module_name(p.parent / "__init__.py") for p in PACKAGE.rglob("__init__.py") if "_data" not in p.parts}
    assert packages <= listed, f"not in pyproject's packages: {sorted(packages - listed)}"
    folders = {_module_name(d / "__init__.py") for d in PACKAGE.rglob("*") if d.is_dir()
               and d.name not in ("__pycache__", "_data") and "_data" not in d.parts and any(d.glob("*.py"))}
    assert folders <= packages, f"folders of modules without __init__.py: {sorted(folders - packages)}"
