"""The parts of dbt's context that packages call besides the cross-database macros.

dbt's global project defines small macros that materializations and
packages share: `should_store_failures()` (dbt_utils' `expression_is_true`
selects every column only when failures are stored), `should_full_refresh()`,
`load_relation(relation)`; and every render sees `model`, the node being
rendered (dbt_utils names it in its deprecation warnings). The engine
defines each here in its own terms, over the render state: `config.get`
reads the node's config as the renderer collected it (a generic test's
config is put there before its macro runs, see compile/testbuild.py), and
`flags` is jinja_context's, the command's flags at run time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import PurePosixPath
from typing import Any


def package_globals(state: Callable[[], Any], flags: Any, adapter: Any,
                    package_of: Callable[[str], str | None], project_name: str
                    ) -> dict[str, Any]:
    """The globals: `state()` is the render running now, `flags` dbt's `flags` object,
    `package_of(path)` the package of a file (None: the root project)."""

    def should_store_failures() -> Any:
        """The node's `store_failures`, else the command's --store-failures."""
        value = state().config.get("store_failures")
        return flags.STORE_FAILURES if value is None else value

    def should_full_refresh() -> Any:
        """The node's `full_refresh`, else the command's --full-refresh."""
        value = state().config.get("full_refresh")
        return flags.FULL_REFRESH if value is None else value

    def load_relation(relation: Any) -> Any:
        """The relation as the database has it now, or None (always None at load)."""
        return adapter.load_relation(relation)

    return {"should_store_failures": should_store_failures,
            "should_full_refresh": should_full_refresh,
            "load_relation": load_relation,
            "model": NodeView(state, package_of, project_name)}


def package_lenient_undefined(in_package: Callable[[], bool]) -> type:
    """StrictUndefined, except in a package's macro (`in_package()` says whether the
    template running now is one), where an undefined name is false, empty and prints
    nothing, as in dbt (whose undefined is Jinja's lenient one): dbt_utils prints
    `{{ select_gb_cols }}` set only when there are group-by columns, audit_helper tests
    `{% if props %}` set in one branch. The project's own templates stay strict, where
    a misspelt name must be an error."""
    import jinja2

    class PackageLenientUndefined(jinja2.StrictUndefined):
        __slots__ = ()

        def __bool__(self) -> bool:
            return False if in_package() else super().__bool__()

        def __str__(self) -> str:
            return "" if in_package() else super().__str__()

        def __iter__(self) -> Any:
            return iter(()) if in_package() else super().__iter__()

        def __len__(self) -> int:
            return 0 if in_package() else super().__len__()

    return PackageLenientUndefined


class NodeView(Mapping[str, Any]):
    """`model`: the node rendering now, with the fields packages read (`name`,
    `package_name`, `resource_type`, `original_file_path`, `config`, `schema`,
    `alias`), as attributes or keys."""

    _FIELDS = ("name", "package_name", "resource_type", "original_file_path", "path",
               "config", "schema", "database", "alias", "unique_id")

    def __init__(self, state: Callable[[], Any], package_of: Callable[[str], str | None],
                 project_name: str) -> None:
        self._state = state
        self._package_of = package_of
        self._project = project_name

    def _fields(self) -> dict[str, Any]:
        state = self._state()
        path = state.path or ""
        this = state.this
        name = getattr(this, "identifier", None) or PurePosixPath(path).stem
        package = self._package_of(path) or self._project
        kind = "seed" if path.endswith(".csv") else (
            "test" if this is None else "model")
        return {"name": name, "package_name": package, "resource_type": kind,
                "original_file_path": path, "path": path, "config": dict(state.config),
                "schema": getattr(this, "schema", None),
                "database": getattr(this, "database", None), "alias": name,
                "unique_id": f"{kind}.{package}.{name}"}

    def __getitem__(self, key: str) -> Any:
        return self._fields()[key]

    def __iter__(self) -> Any:
        return iter(self._FIELDS)

    def __len__(self) -> int:
        return len(self._FIELDS)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name.startswith("jinja"):
            raise AttributeError(name)
        try:
            return self._fields()[name]
        except KeyError:
            raise AttributeError(name) from None
