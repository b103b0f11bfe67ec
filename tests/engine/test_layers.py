"""The engine's layers, kept honest: no import cycle, no import from a lower layer to a higher one.

Every import in `warehouse/` counts, at module level or inside a function
(a lazy import is still a dependency). The layers, bottom to top:

    core                  identity, errors, config, nodes, DAG
    adapters | dbt        the database | what dbt does (siblings: neither imports the other)
    compile               render, parse, resolve, tests, fingerprints, parse cache
    run                   plan, scheduler, runner, artifacts
    serve                 docs, lineage, export, PostgreSQL
    bench                 the benchmark
    cli, pytest_plugin    the entry points

A module may import its own layer and the layers below. `warehouse/__init__.py`
holds only the version and counts as core. Only the adapters (and the
benchmark, which measures against DuckDB itself) import `duckdb`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import warehouse

PACKAGE = Path(warehouse.__file__).parent
RANKS = {"core": 0, "adapters": 1, "dbt": 1, "compile": 2, "run": 3, "serve": 4, "bench": 5}
TOP = 6  # cli, pytest_plugin
DRIVER_IMPORTERS = ("adapters", "bench")


def module_files(root: Path, package: str) -> dict[str, Path]:
    """Dotted module name -> file, for every module of `package` under `root`."""
    out = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def imported_names(path: Path, module: str) -> set[str]:
    """Every module name an `import` or `from … import` in the file names (relative
    imports resolved; `from a import b` names both `a` and `a.b`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = here.split(".")[: len(here.split(".")) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def import_graph(root: Path, package: str) -> dict[str, set[str]]:
    """Module -> the modules of the package it imports (the innermost known name)."""
    files = module_files(root, package)
    graph: dict[str, set[str]] = {}
    for module, path in files.items():
        targets = set()
        for name in imported_names(path, module):
            while name and name not in files:
                name = name.rpartition(".")[0]
            if name and name != module and not module.startswith(name + "."):
                targets.add(name)  # (a module importing its own package's __init__ is not an edge)
        graph[module] = targets
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def layer_of(module: str) -> tuple[str, int]:
    parts = module.split(".")
    if len(parts) == 1:
        return "core", 0  # warehouse/__init__.py: the version only
    if parts[1] in RANKS:
        return parts[1], RANKS[parts[1]]
    return parts[1], TOP


def layer_violations(graph: dict[str, set[str]]) -> list[str]:
    """Imports that reach up a layer, or across to a sibling layer."""
    wrong = []
    for module, targets in sorted(graph.items()):
        layer, rank = layer_of(module)
        for target in sorted(targets):
            other, other_rank = layer_of(target)
            if other_rank > rank or (other_rank == rank and other != layer and rank != TOP):
                wrong.append(f"{module} ({layer}) imports {target} ({other})")
    return wrong


def driver_imports(root: Path, package: str) -> list[str]:
    """Modules outside the adapters (and the benchmark) that import duckdb."""
    found = []
    for module, path in module_files(root, package).items():
        if layer_of(module)[0] in DRIVER_IMPORTERS:
            continue
        if any(name in ("duckdb", "_duckdb") or name.startswith("duckdb.")
               for name in imported_names(path, module)):
            found.append(module)
    return found


# ---------------------------------------------------------------------------
# The engine


def test_the_engine_has_no_import_cycle():
    assert cycles(import_graph(PACKAGE.parent, "warehouse")) == []


def test_no_layer_imports_a_higher_or_sibling_layer():
    assert layer_violations(import_graph(PACKAGE.parent, "warehouse")) == []


def test_only_the_adapters_and_the_benchmark_import_duckdb():
    assert driver_imports(PACKAGE.parent, "warehouse") == []


def test_every_module_is_in_a_layer_and_the_top_level_stays_small():
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert top == ["__init__.py", "cli.py", "pytest_plugin.py"]
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert folders == set(RANKS)
    for folder in folders:
        init = PACKAGE / folder / "__init__.py"
        assert ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))), \
            f"{folder}/__init__.py should say what the layer holds and may import"


# ---------------------------------------------------------------------------
# The checks themselves fail on what they exist to catch


def write_package(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_a_cycle_through_lazy_and_relative_imports_is_found(tmp_path):
    write_package(tmp_path, {
        "warehouse/__init__.py": "",
        "warehouse/core/__init__.py": "",
        "warehouse/core/a.py": "from warehouse.core import b\n",
        "warehouse/core/b.py": "def f():\n    from . import c\n",
        "warehouse/core/c.py": "import warehouse.core.a\n",
        "warehouse/core/d.py": "from warehouse.core.a import x\n",
    })
    graph = import_graph(tmp_path, "warehouse")
    assert cycles(graph) == [["warehouse.core.a", "warehouse.core.b", "warehouse.core.c"]]


def test_upward_sibling_and_driver_imports_are_found(tmp_path):
    write_package(tmp_path, {
        "warehouse/__init__.py": "",
        "warehouse/core/__init__.py": "",
        "warehouse/core/ids.py": "def f():\n    from warehouse.run.runner import execute\n",
        "warehouse/dbt/__init__.py": "",
        "warehouse/dbt/naming.py": "from warehouse.adapters.base import Adapter\n",
        "warehouse/adapters/__init__.py": "",
        "warehouse/adapters/base.py": "import duckdb\nfrom warehouse.core import ids\n",
        "warehouse/run/__init__.py": "",
        "warehouse/run/runner.py": "from warehouse.compile import x\nimport duckdb.typing\n",
        "warehouse/cli.py": "from warehouse.run import runner\n"
                            "from warehouse import pytest_plugin\n",
        "warehouse/pytest_plugin.py": "",
    })
    graph = import_graph(tmp_path, "warehouse")
    assert layer_violations(graph) == [
        "warehouse.core.ids (core) imports warehouse.run.runner (run)",
        "warehouse.dbt.naming (dbt) imports warehouse.adapters.base (adapters)",
    ]
    assert driver_imports(tmp_path, "warehouse") == ["warehouse.run.runner"]
