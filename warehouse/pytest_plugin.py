"""pytest plugin: the project's data tests as pytest items, beside the engine's own tests.

When pytest runs in a warehouse project (a pyproject.toml with [tool.warehouse]
at its root) on its default test paths, one item per data test and per unit
test is added. The first item builds seeds and models into a private temporary
database (the published warehouse is never touched); each item then runs its
test there and fails with the same message the CLI prints (a unit test's diff).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("warehouse")
    group.addoption("--warehouse-project", default=None,
                    help="collect the data tests of this warehouse project")
    group.addoption("--no-warehouse", action="store_true",
                    help="do not collect the warehouse's data tests")


def _project_root(config: pytest.Config) -> Path | None:
    if config.getoption("--no-warehouse"):
        return None
    explicit = config.getoption("--warehouse-project")
    if explicit:
        return Path(explicit).resolve()
    root = Path(config.rootpath)
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file() or "[tool.warehouse" not in pyproject.read_text("utf-8"):
        return None
    # Only when pytest runs the whole suite, not one chosen file or test.
    args = [a for a in config.args if not a.startswith("-")]
    default_paths = {str((root / p).resolve()) for p in config.getini("testpaths") or []}
    if args and not all(str(Path(a).resolve()) in default_paths | {str(root)} for a in args):
        return None
    return root


class WarehouseCollector(pytest.Collector):
    def collect(self):  # pragma: no cover - items are added in modifyitems
        return []


class _SharedBuild:
    """Seeds and models built once per session into a temporary database."""

    def __init__(self, folder: Path) -> None:
        self.database = folder / "warehouse.duckdb"
        self.error: str | None = None
        self.done = False

    def ensure(self, project: Any) -> None:
        if self.done:
            if self.error:
                raise DataTestError(self.error)
            return
        self.done = True
        import io

        from warehouse.core.console import Console
        from warehouse.run.results import RunOptions
        from warehouse.run.runner import execute

        out = io.StringIO()
        result = execute(project, RunOptions(command="prepare", database=self.database),
                         Console(out, colour=False))
        if result.exit_code:
            self.error = "building seeds and models failed:\n" + out.getvalue()
            raise DataTestError(self.error)


class DataTestError(Exception):
    pass


class DataTestItem(pytest.Item):
    def __init__(self, *, node_id: Any, project: Any, shared: _SharedBuild, **kwargs) -> None:
        super().__init__(**kwargs)
        self.node_id = node_id
        self.project = project
        self.shared = shared

    def runtest(self) -> None:
        from warehouse.adapters.target import adapter_for
        from warehouse.run.testrun import run_test_node

        node = self.project.nodes[self.node_id]
        if self.node_id.kind.value == "unit_test":
            result = self._run_unit_test(node)
        else:
            self.shared.ensure(self.project)
            session = adapter_for(self.project.config, self.shared.database).open_published()
            try:
                from warehouse.run.hooks import render_test_for_run

                node = render_test_for_run(self.project, node, session, None)
                result = run_test_node(session, node, store=False,
                                       root=self.project.config.root)
            finally:
                session.close()
        if result.status in ("fail", "error"):
            raise DataTestError(result.message)
        if result.status == "warn":
            import warnings

            warnings.warn(result.message, stacklevel=1)

    def _run_unit_test(self, node: Any) -> Any:
        """A unit test reads the shared build only for its inputs' types (as in `warehouse
        build`); when that build failed it runs without it, as `warehouse test` does with
        no warehouse, instead of failing for a model it does not read."""
        from warehouse.adapters.target import adapter_for
        from warehouse.run.unit_run import run_unit_test_node

        try:
            self.shared.ensure(self.project)
        except DataTestError:
            with adapter_for(self.project.config,
                             self.shared.database.with_name("empty.duckdb")).workspace() as work:
                session = work.connect()
                try:
                    return run_unit_test_node(session, node)
                finally:
                    work.discard(keep=False)
        session = adapter_for(self.project.config, self.shared.database).open_published()
        try:
            return run_unit_test_node(session, node)
        finally:
            session.close()

    def repr_failure(self, excinfo: Any, style: Any = None) -> str:
        if isinstance(excinfo.value, DataTestError):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        node = self.project.nodes[self.node_id]
        kind = "unit test" if self.node_id.kind.value == "unit_test" else "data test"
        return Path(self.project.config.root, node.path), (node.line or 1) - 1, \
            f"{kind} {self.node_id.name}"


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    root = _project_root(config)
    if root is None:
        return
    from warehouse.compile.load import load_project
    from warehouse.core.errors import WarehouseError
    from warehouse.core.identity import NodeKind

    try:
        project = load_project(root)
    except WarehouseError as exc:
        raise pytest.UsageError(f"warehouse project {root} does not load:\n{exc}") from None
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="warehouse-data-tests-"))
    config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))
    shared = _SharedBuild(folder)
    collector = WarehouseCollector.from_parent(session, name="warehouse-data-tests")
    added = [DataTestItem.from_parent(collector, name=node_id.name, node_id=node_id,
                                      project=project, shared=shared)
             for node_id in project.dag.topological_order()
             if node_id.kind in (NodeKind.TEST, NodeKind.UNIT_TEST)]  # unit tests too
    items.extend(added)
    # Reported as collected, as pytest's own collectors report theirs: "collected N items"
    # then counts what runs.
    config.hook.pytest_collectreport(report=pytest.CollectReport(
        collector.nodeid, "passed", None, added))
