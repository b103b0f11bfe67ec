"""Macros by package: which macro a name calls, written bare or as `package.name`.

dbt keeps each package's macros apart (dbt-core's MacroNamespace). A name
written without a package, while a node of package P renders, is looked up in
P, then in the root project, then among dbt's own macros: the package of the
node decides, not the package of the macro making the call. `dbt_utils.star`
names its package; `adapter.dispatch('star', 'dbt_utils')` searches the
packages of the root project's `dispatch:` order, else the root project then
`dbt_utils`, for `duckdb__star` then `default__star` (dbt-duckdb declares no
parent adapter, so those are its two prefixes).

The engine follows that rule, and goes one step further only where dbt would
fail: a package macro calling a helper of its own package without the
prefix, for a root model, finds the helper (dbt finds nothing and stops).

A package's macro files are compiled when one of their macros is first
called. Packages ship many macros a project never calls (some for other
databases, some using constructs the engine refuses); compiling them all
would slow each load and refuse what nothing uses.
"""

from __future__ import annotations

import difflib
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from warehouse.core.errors import ProjectError, caret_snippet

PREFIXES = ("duckdb", "default")  # dbt-duckdb's adapter, then dbt's default
INTERNAL = "dbt"  # dbt's own macros (warehouse.dbt.crossdb's namespace)
_DEFINITION = re.compile(r"{%[-+]?\s*(macro|test)\s+(\w+)\s*\(")


class MacroLibrary:
    """The macros of the root project (compiled at load, in `root`) and of each package
    (indexed by name, compiled on first use).

    `compile_file(path)` makes a macro file's Jinja module, `wrap(macro)` makes a macro
    callable as dbt calls it (`return()` honoured), `state()` is the render running
    now (its `path` tells the node's package), `position()` the template line running."""

    def __init__(self, root_name: str, packages: Mapping[str, str],
                 sources: Mapping[str, str], root: Mapping[str, tuple[str, Any]], *,
                 compile_file: Callable[[str], Any], wrap: Callable[[Any], Any],
                 state: Callable[[], Any], position: Callable[[], tuple[Any, Any]],
                 dispatch_orders: Mapping[str, Sequence[str]] | None = None) -> None:
        self.root_name = root_name
        self.root = root  # name -> (path, macro), filled by the renderer as it loads them
        self._dirs = sorted(((d.rstrip("/") + "/", n) for n, d in packages.items()),
                            key=lambda item: -len(item[0]))
        self.index: dict[str, dict[str, str]] = {name: {} for name in packages}
        self._compile_file = compile_file
        self._wrap = wrap
        self._state = state
        self._position = position
        self._orders = dict(dispatch_orders or {})
        self._modules: dict[str, Any] = {}
        self._wrapped: dict[tuple[str, str], Any] = {}
        self._lock = threading.RLock()
        self._packages_of: dict[str, str | None] = {}
        self.internal: Callable[[str], Any] = lambda name: None  # dbt's own, by bare name
        for path, text in sources.items():
            package = self.package_of(path)
            if package is not None:
                self._index_file(package, path, text)

    # ------------------------------------------------------------ where things are

    def package_of(self, path: str | None) -> str | None:
        """The package a file belongs to, or None for the root project's files."""
        if not path:
            return None
        if path not in self._packages_of:
            self._packages_of[path] = next((n for d, n in self._dirs if path.startswith(d)),
                                           None)
        return self._packages_of[path]

    def node_package(self) -> str | None:
        """The package of the node rendering now (None: the root project)."""
        state = self._state()
        return self.package_of(getattr(state, "path", None)) if state is not None else None

    def _index_file(self, package: str, path: str, text: str) -> None:
        names = self.index[package]
        for found in _DEFINITION.finditer(text):
            kind, name = found.groups()
            name = f"test_{name}" if kind == "test" else name
            if name in names:
                line = text.count("\n", 0, found.start()) + 1
                raise ProjectError(f"macro {name!r} is defined twice in package {package} "
                                   f"(also in {names[name]})", path=path, line=line,
                                   snippet=caret_snippet(text, line, None) or None)
            names[name] = path

    # ------------------------------------------------------------ lookups

    def in_package(self, package: str, name: str) -> Any:
        """Macro `name` of `package` (the root project's name works too), or None."""
        if package == self.root_name and package not in self.index:
            found = self.root.get(name)
            return self._wrap(found[1]) if found else None
        path = self.index.get(package, {}).get(name)
        if path is None:
            return None
        key = (package, name)
        if key not in self._wrapped:
            with self._lock:
                if path not in self._modules:
                    self._modules[path] = self._compile_file(path)
                macro = getattr(self._modules[path], name, None)
                if macro is None:
                    raise ProjectError(f"macro {name!r} of package {package} did not compile "
                                       "from its file", path=path)
                self._wrapped[key] = self._wrap(macro)
        return self._wrapped[key]

    def bare(self, name: str, caller: str | None = None) -> Any:
        """What `name` written without a package calls in the node rendering now: its
        package's macro, else the root project's; with `caller` (the package of the macro
        making the call), else that package's. None when none of them defines it."""
        node = self.node_package()
        if node is not None and name in self.index[node]:
            return self.in_package(node, name)
        if name in self.root:
            return self._wrap(self.root[name][1])
        if caller is not None and name in self.index.get(caller, {}):
            return self.in_package(caller, name)
        return None

    def defined_in(self, name: str) -> list[str]:
        return [p for p, names in self.index.items() if name in names]

    def test_macro(self, test_name: str, path: str) -> str | None:
        """The macro of generic test `test_name` (bare, or `package.name`) for a test
        written in file `path`, as `Renderer.call_macro` names it (`package.test_x`), or
        None. A bare name is searched in the file's package, the root project, then every
        package (as dbt's MacroResolver does for tests)."""
        namespace, _, short = test_name.rpartition(".")
        macro = f"test_{short}"
        if namespace:
            return f"{namespace}.{macro}" if self.in_package(namespace, macro) else None
        own = self.package_of(path)
        if own is not None and macro in self.index[own]:
            return f"{own}.{macro}"
        if macro in self.root:
            return macro
        return next((f"{p}.{macro}" for p, names in self.index.items() if macro in names), None)

    def installed(self, package: str) -> bool:
        return package in self.index or package == self.root_name

    # ------------------------------------------------------------ dispatch

    def search_packages(self, namespace: str | None) -> list[str | None]:
        """dbt's order for adapter.dispatch: the root's `dispatch:` for the namespace, else
        the root project then the namespace when it is installed (dbt counts itself as
        installed), else the bare-name lookup (None)."""
        if namespace is None:
            return [None]
        if namespace in self._orders:
            return list(self._orders[namespace])
        if namespace in self.index or namespace in (self.root_name, INTERNAL):
            return [self.root_name, namespace]
        return [None]

    def dispatch(self, macro_name: Any, macro_namespace: Any = None,
                 packages: Any = None) -> Any:
        """`adapter.dispatch(name, namespace)`: the first of `<prefix>__<name>` found in the
        search order (prefixes duckdb, then default), as a callable."""
        where = self._position()
        if not isinstance(macro_name, str) or "." in macro_name:
            hint = None
            if isinstance(macro_name, str):
                ns, _, short = macro_name.partition(".")
                hint = f"write adapter.dispatch({short!r}, {ns!r})"
            raise ProjectError(f"adapter.dispatch: {macro_name!r} is not a macro name",
                               path=where[0], line=where[1], hint=hint)
        if packages is not None:
            raise ProjectError("adapter.dispatch: the `packages` argument is not supported "
                               "(dbt removed it)", path=where[0], line=where[1],
                               hint="name the package with macro_namespace and order the "
                               "search with `dispatch:` in dbt_project.yml")
        if macro_namespace is not None and not isinstance(macro_namespace, str):
            raise ProjectError(f"adapter.dispatch: macro_namespace must be a string, got "
                               f"{macro_namespace!r}", path=where[0], line=where[1])
        tried = []
        for package in self.search_packages(macro_namespace):
            for prefix in PREFIXES:
                candidate = f"{prefix}__{macro_name}"
                found = self._candidate(package, candidate)
                tried.append(candidate if package is None else f"{package}.{candidate}")
                if found is not None:
                    return found
            if package in (None, INTERNAL):
                found = self.internal(macro_name)
                if found is not None:
                    return found
        hint = None
        if macro_namespace and macro_namespace not in self.index and macro_namespace not in (
                self.root_name, INTERNAL):
            hint = f"no package {macro_namespace!r} is installed"
        raise ProjectError(f"adapter.dispatch: no macro {macro_name!r} in namespace "
                           f"{macro_namespace!r}; looked for {', '.join(tried)}",
                           path=where[0], line=where[1], hint=hint)

    def _candidate(self, package: str | None, name: str) -> Any:
        if package is None:
            return self.bare(name)
        if package == INTERNAL:
            return None  # dbt's own macros are found by their bare name (self.internal)
        return self.in_package(package, name)

    # ------------------------------------------------------------ what templates see

    def namespace(self, package: str) -> PackageNamespace:
        return PackageNamespace(self, package)

    def bare_name(self, name: str, fallback: Any = None) -> BareName:
        return BareName(self, name, fallback)

    def missing(self, package: str, name: str) -> ProjectError:
        path, line = self._position()
        own = package == self.root_name and package not in self.index
        known = set(self.root) if own else set(self.index.get(package, {}))
        close = difflib.get_close_matches(name, sorted(known), n=1)
        return ProjectError(f"package {package} has no macro {name!r}", path=path, line=line,
                            hint=f"did you mean {package}.{close[0]}?" if close else None)


class PackageNamespace:
    """`dbt_utils` in templates: `dbt_utils.star(...)` is that package's macro."""

    def __init__(self, library: MacroLibrary, package: str) -> None:
        self._library = library
        self._package = package

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name.startswith("jinja"):
            raise AttributeError(name)
        found = self._library.in_package(self._package, name)
        if found is None:
            raise self._library.missing(self._package, name)
        return found

    def macro_path(self, name: str) -> str | None:
        """The file defining the package's macro `name`, or None (compile/introspect.py
        reads it to follow what a model calls)."""
        return self._library.index.get(self._package, {}).get(name)

    def __repr__(self) -> str:
        return f"<package {self._package}>"


class BareName:
    """A macro name packages define: which macro a call reaches is decided at the call
    (`MacroLibrary.bare`): the node's package's, the root project's, else `fallback`,
    what the name meant before (dbt's own macro of that name). Only where all of these
    miss, and dbt would fail, is the calling macro's own package searched."""

    def __init__(self, library: MacroLibrary, name: str, fallback: Any = None) -> None:
        self._library = library
        self._name = name
        self._fallback = fallback
        self.__name__ = name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        library = self._library
        found = library.bare(self._name)
        if found is None:
            found = self._fallback
        if found is None:  # a package's macro calling its own helper without the prefix
            path, line = library._position()
            found = library.bare(self._name, library.package_of(path))
        if found is None:
            path, line = library._position()
            owners = library.defined_in(self._name)
            raise ProjectError(
                f"macro {self._name!r} is not defined in this project; package "
                f"{owners[0]} defines it", path=path, line=line,
                hint=f"call it {owners[0]}.{self._name}(...): dbt looks up a macro without "
                     "its package in the node's own project only")
        return found(*args, **kwargs)


_UNSET = object()


def package_vars(var: Callable[..., Any], library: MacroLibrary, packages: Mapping[str, Any],
                 current: Callable[[], Mapping[str, Any]]) -> Callable[..., Any]:
    """`var()` that, for a package's node, also finds the package's own vars (its
    dbt_project.yml's, under the root project's `vars: <package>:`). The root's vars and
    --vars (`current()`) come first, as in dbt, where the root project overrides."""
    layers = {name: getattr(package, "vars", {}) for name, package in packages.items()}

    def lookup(name: str, default: Any = _UNSET) -> Any:
        package = library.node_package()
        if package is not None:
            own = layers.get(package) or {}
            if name in own and name not in current():
                return own[name]
        return var(name) if default is _UNSET else var(name, default)

    return lookup
