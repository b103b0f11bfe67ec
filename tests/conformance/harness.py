"""Run dbt's own adapter test cases (package `dbt-tests-adapter`) against `warehouse`.

A case is a class from the installed package: its fixtures (models, seeds, snapshots, schema
YAML, project config) and its test method, with every expected number and every assertion,
stay as the package ships them. A case talks to the outside through two ends only, and
those are what this harness replaces:

- `run_dbt(args)` (dbt.tests.util) invokes dbt in-process. Here it invokes
  `warehouse.cli.main` in-process with the same arguments, dbt's verbatim (plus
  `--project-dir`/`--profiles-dir`, which dbt's own `run_dbt` adds too), and answers with
  objects shaped like dbt's: the node results from `target/run_results.json` (named
  through `target/manifest.json`), or the catalog from `target/catalog.json` for
  `docs generate`. An argument or command the engine lacks fails the case, as it
  should: the arguments are never translated.
- `project.adapter` is dbt's adapter for the target. dbt's checking helpers
  (`relation_from_name`, `check_relation_types`, `check_relations_equal`,
  `update_rows`, `run_sql`) only ask it for SQL snippets and run queries;
  `DuckDBTestAdapter` answers with plain SQL on the DuckDB file the profile names,
  opening one short connection per question, because the engine replaces that file
  when it publishes a build.
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import duckdb
import yaml
from dbt.adapters.base.column import Column
from dbt.adapters.base.impl import BaseAdapter
from dbt.adapters.base.relation import BaseRelation


class WarehouseCommandError(AssertionError):
    """`warehouse` stopped with a usage or project error (exit code 2), where dbt's
    `run_dbt` would have raised the invocation's exception."""

    def __init__(self, args: list[str], code: int, output: str):
        super().__init__(f"warehouse {' '.join(args)} exited {code}:\n{output.strip()}")
        self.code = code
        self.output = output


class DuckDBTestAdapter:
    """What dbt's test helpers ask of an adapter, answered on a DuckDB file.

    The SQL generators that dbt's base adapter defines for tests (row differences,
    `update ... set`, timestamp and string arithmetic) are dbt's own, borrowed unchanged;
    only running a query and reading the catalog are ours."""

    Relation = BaseRelation
    get_rows_different_sql = BaseAdapter.get_rows_different_sql
    update_column_sql = BaseAdapter.update_column_sql
    timestamp_add_sql = BaseAdapter.timestamp_add_sql
    string_add_sql = BaseAdapter.string_add_sql

    def __init__(self, path: Path, schema: str):
        self.path = path
        credentials = SimpleNamespace(database=path.stem, schema=schema)
        self.config = SimpleNamespace(credentials=credentials)
        self.connections = SimpleNamespace(get_thread_connection=lambda: None)

    @staticmethod
    def type() -> str:
        return "duckdb"

    @contextmanager
    def connection_named(self, name: str) -> Iterator[None]:
        yield

    def commit_if_has_connection(self) -> None:
        """Each query commits on its own connection."""

    def quote(self, identifier: str) -> str:
        return '"' + identifier.replace('"', '""') + '"'

    def query(self, sql: str, params: list[Any] | None = None, fetch: str | None = "all"):
        con = duckdb.connect(str(self.path))
        try:
            cursor = con.execute(sql, params or [])
            if fetch == "one":
                return cursor.fetchone()
            return cursor.fetchall() if fetch == "all" else None
        finally:
            con.close()

    def run_sql_for_tests(self, sql: str, fetch: str | None, conn: Any):
        return self.query(sql, fetch=fetch)

    def execute(self, sql: str, auto_begin: bool = False, fetch: bool = False,
                limit: int | None = None):
        rows = self.query(sql, fetch="all")
        return "OK", (rows if fetch else [])

    def create_schema(self, relation: BaseRelation) -> None:
        self.query(f"create schema if not exists {relation.without_identifier()}", fetch=None)

    def drop_schema(self, relation: BaseRelation) -> None:
        self.query(f"drop schema if exists {relation.without_identifier()} cascade", fetch=None)

    def list_relations_without_caching(self, schema_relation: BaseRelation) -> list[BaseRelation]:
        rows = self.query(
            "select table_name, table_type from information_schema.tables "
            "where table_catalog = ? and table_schema = ?",
            [schema_relation.database, schema_relation.schema])
        return [BaseRelation.create(database=schema_relation.database,
                                    schema=schema_relation.schema, identifier=name,
                                    type="view" if kind == "VIEW" else "table")
                for name, kind in rows]

    def get_columns_in_relation(self, relation: BaseRelation) -> list[Column]:
        rows = self.query(
            "select column_name, data_type from information_schema.columns "
            "where table_catalog = ? and table_schema = ? and table_name = ? "
            "order by ordinal_position",
            [relation.database, relation.schema, relation.identifier])
        return [Column(name, dtype) for name, dtype in rows]


@dataclass
class WarehouseProject:
    """The case's `project` fixture (dbt's TestProjInfo), for a `warehouse` build."""

    project_root: Any  # a py.path.local, as in dbt's harness: cases call .mkdir() on it
    profiles_dir: Path
    test_schema: str
    database_path: Path
    test_config: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.adapter = DuckDBTestAdapter(self.database_path, self.test_schema)
        self.database = self.database_path.stem
        self.adapter_type = "duckdb"
        self.created_schemas: list[str] = []

    def run_sql(self, sql: str, fetch: str | None = None):
        from dbt.tests.util import run_sql_with_adapter

        return run_sql_with_adapter(self.adapter, sql, fetch=fetch)

    def create_test_schema(self, schema_name: str | None = None) -> None:
        schema = schema_name or self.test_schema
        self.adapter.create_schema(BaseRelation.create(database=self.database, schema=schema))
        self.created_schemas.append(schema)

    @property
    def target(self) -> Path:
        return Path(str(self.project_root)) / "target"


# ---------------------------------------------------------------------------
# run_dbt: the same arguments, given to `warehouse`
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    name: str
    unique_id: str
    resource_type: str


@dataclass(frozen=True)
class NodeResult:
    node: Node
    status: str
    message: str | None

    @property
    def unique_id(self) -> str:
        return self.node.unique_id


class ExecutionResult(list):
    """dbt's RunExecutionResult as the cases use it: a sized list with `.results`."""

    @property
    def results(self) -> list[NodeResult]:
        return list(self)


@dataclass(frozen=True)
class Catalog:
    nodes: dict[str, Any]
    sources: dict[str, Any]


def invoke(argv: list[str]) -> tuple[int, str]:
    """`warehouse ARGV` in this process; its exit code and everything it printed."""
    from warehouse.cli import main

    out = io.StringIO()
    with redirect_stdout(out), redirect_stderr(out):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse: an unknown command or option
            code = exc.code if isinstance(exc.code, int) else 2
    return code, out.getvalue()


def run_warehouse(project: WarehouseProject, args: list[str] | None = None,
                  expect_pass: bool | None = True, callbacks: Any = None):
    """Stands in for dbt.tests.util.run_dbt: same arguments, same return shapes."""
    args = list(args) if args is not None else ["run"]
    argv = list(args)
    if "--project-dir" not in argv:
        argv += ["--project-dir", str(project.project_root)]
    if "--profiles-dir" not in argv:
        argv += ["--profiles-dir", str(project.profiles_dir)]
    print(f"\nInvoking warehouse with {args}")
    artifacts = {name: _stamp(project.target / name)
                 for name in ("run_results.json", "catalog.json")}
    code, output = invoke(argv)
    print(output)
    if code not in (0, 1):
        raise WarehouseCommandError(args, code, output)
    if expect_pass is not None:
        assert (code == 0) == expect_pass, (
            f"warehouse exit state did not match expected ({code}):\n{output}")
    fresh = {name for name, stamp in artifacts.items()
             if _stamp(project.target / name) != stamp}
    if _is_docs_generate(args):
        assert "catalog.json" in fresh, "docs generate wrote no target/catalog.json"
        return _catalog(project.target / "catalog.json")
    if "run_results.json" not in fresh:
        return ExecutionResult()
    return _results(project.target)


def _is_docs_generate(args: list[str]) -> bool:
    words = [a for a in args if not a.startswith("-")]
    return words[:2] == ["docs", "generate"]


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    return info.st_mtime_ns, info.st_ino


def _read_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _catalog(path: Path) -> Catalog:
    data = _read_json(path)
    return Catalog(nodes=data.get("nodes", {}), sources=data.get("sources", {}))


def _results(target: Path) -> ExecutionResult:
    manifest_path = target / "manifest.json"
    manifest = _read_json(manifest_path) if manifest_path.exists() else {}
    described = {**manifest.get("nodes", {}), **manifest.get("sources", {})}
    results = ExecutionResult()
    for entry in _read_json(target / "run_results.json")["results"]:
        uid = entry["unique_id"]
        node = described.get(uid, {})
        results.append(NodeResult(
            node=Node(name=node.get("name") or _name_from_id(uid), unique_id=uid,
                      resource_type=node.get("resource_type") or uid.split(".")[0]),
            status=entry["status"], message=entry.get("message")))
    return results


def _name_from_id(unique_id: str) -> str:
    """dbt's ids are resource.package.name[.hash]; a node the manifest does not describe
    is named by that third part."""
    parts = unique_id.split(".")
    return parts[2] if len(parts) > 2 else parts[-1]


def read_manifest(project: WarehouseProject, project_root: Any = None):
    """Stands in for dbt.tests.util.get_manifest (which reads dbt's private parse cache):
    target/manifest.json, as dbt's schema lays it out (`nodes` and `sources` apart)."""
    path = Path(str(project_root or project.project_root)) / "target" / "manifest.json"
    if not path.exists():
        return None
    data = _read_json(path)
    return SimpleNamespace(nodes=data.get("nodes", {}), sources=data.get("sources", {}),
                           metadata=data.get("metadata", {}))


def validate_connection(project: WarehouseProject, target: dict[str, Any]) -> None:
    """Stands in for dbt's DebugTask.validate_connection(target), whose command-line form is
    `dbt debug --connection`: the same command, given a profile holding that one target."""
    folder = Path(str(project.project_root)) / "validate_connection_profile"
    folder.mkdir(exist_ok=True)
    profile = {"test": {"target": "default", "outputs": {"default": target}}}
    (folder / "profiles.yml").write_text(yaml.safe_dump(profile), encoding="utf-8")
    args = ["debug", "--connection"]
    code, output = invoke([*args, "--project-dir", str(project.project_root),
                           "--profiles-dir", str(folder)])
    if code != 0:
        raise WarehouseCommandError(args, code, output)


def install(monkeypatch: Any, project: WarehouseProject) -> None:
    """Point every loaded dbt test module's `run_dbt` and `get_manifest` at `warehouse`.

    The cases import those names into their own modules, so each module's binding is
    replaced; `monkeypatch` puts dbt's back when the case's class is done."""
    import dbt.task.debug

    stand_ins = {"run_dbt": partial(run_warehouse, project),
                 "get_manifest": partial(read_manifest, project)}
    for name, module in list(sys.modules.items()):
        if name == "dbt.tests.util" or name.startswith("dbt.tests.adapter."):
            for attr, stand_in in stand_ins.items():
                if hasattr(module, attr):
                    monkeypatch.setattr(module, attr, stand_in)
    monkeypatch.setattr(dbt.task.debug.DebugTask, "validate_connection",
                        staticmethod(partial(validate_connection, project)))
