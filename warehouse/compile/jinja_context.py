"""dbt's Jinja context beyond `ref`/`source`/`config`: what a template may read, and whether
what it read ties its SQL to the database or to the run.

dbt renders a model twice: at parse time with `execute` false (no database:
`run_query` gives None) and at run time with `execute` true. The engine does
the same. A load renders every node without a database; a node whose render
touched anything that differs at run time (`execute`, `run_query`,
`statement`, `load_result`, `adapter.get_columns_in_relation`, `graph`,
`flags`, `invocation_id`, `run_started_at`) is marked and rendered again at
run time, with `execute` true and a session on the build's database
(`warehouse.compile.runtime_render`). What it touched is recorded in the render
state (`touched`), as one of the KINDS below; the planner reads them to know
whether a skipped node would be provably unchanged (see `data_kinds`).

Everything here reads the render state through the `state` function it is
given (the renderer's context variable), so one environment serves every
thread and both passes.
"""

from __future__ import annotations

import datetime
import itertools
import json
import re
import sys
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from warehouse.core.errors import ProjectError

EXECUTE = "execute"  # read `execute`: the template branches on load versus run
QUERY = "query"  # ran SQL on data: run_query, statement, load_result
COLUMNS = "columns"  # read the catalog: columns or existence of a relation
GRAPH = "graph"  # read the project's graph
FLAGS = "flags"  # read the command's flags
INVOCATION = "invocation"  # read invocation_id or run_started_at: new each run
UNKNOWN = "unknown"  # called something whose reads cannot be told
# What a skipped node cannot be proven unchanged after: the SQL may differ on the same inputs.
DATA_KINDS = frozenset({QUERY, GRAPH, FLAGS, INVOCATION, UNKNOWN})
DBT_VERSION = "1.11.0"

_INVOCATION_ID = str(uuid.uuid4())
_STARTED_AT = datetime.datetime.now(datetime.UTC)

_DEFAULT_FLAGS: Mapping[str, Any] = {
    "FULL_REFRESH": False, "WHICH": "build", "STORE_FAILURES": False, "FAIL_FAST": False,
    "WARN_ERROR": False, "DEBUG": False, "EMPTY": False, "USE_COLORS": True,
    "PARTIAL_PARSE": True, "STATIC_PARSER": True, "QUIET": False, "WRITE_JSON": True,
    "INTROSPECT": True, "SEND_ANONYMOUS_USAGE_STATS": False, "VERSION_CHECK": True,
    "CACHE_SELECTED_ONLY": False, "PRINTER_WIDTH": 80, "INDIRECT_SELECTION": "eager",
    "LOG_FORMAT": "default", "MACRO_DEBUGGING": False, "SELECT": None, "EXCLUDE": None,
    "STATE": None, "DEFER": False, "FAVOR_STATE": False, "TARGET_PATH": None,
    "PROFILES_DIR": None, "PROJECT_DIR": None, "INVOCATION_COMMAND": "dbt build",
}


@dataclass(frozen=True)
class RunContext:
    """What a run-time render reads besides the project: the build's session, the flags
    of the command, the project's graph, and the run's id and start. `seen` collects the
    relations whose catalog entry a render read (schema, name), for the planner."""

    session: Any
    flags: Mapping[str, Any] = field(default_factory=dict)
    graph: Mapping[str, Any] | None = None
    invocation_id: str = _INVOCATION_ID
    run_started_at: datetime.datetime = _STARTED_AT
    seen: list[tuple[str, str]] = field(default_factory=list)


def data_kinds(kinds: Any) -> list[str]:
    """The kinds among `kinds` after which a node must always run."""
    return sorted(set(kinds) & DATA_KINDS)


class Context:
    """The context's functions over one renderer: `state()` is the render running now,
    `fail(message)` raises at the template's line."""

    def __init__(self, state: Callable[[], Any], fail: Callable[..., Any],
                 target: Mapping[str, Any], project_name: str) -> None:
        self.state = state
        self.fail = fail
        self.target = dict(target)
        self.project_name = project_name

    # ------------------------------------------------------------ bookkeeping

    def touch(self, kind: str) -> Any:
        """Record `kind` on the render running now; its RunContext (None at load, and
        outside any render: the load's introspection probes these objects' attributes)."""
        try:
            state = self.state()
        except LookupError:
            return None
        state.touched.add(kind)
        return state.runtime

    def query(self, sql: str, what: str) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
        """Run `sql` in the build's session, or fail at the template's line."""
        runtime = self.touch(QUERY)
        try:
            return runtime.session.query(str(sql))
        except ProjectError:
            raise
        except Exception as exc:  # noqa: BLE001 - the database's message, at the line
            message = str(exc).strip().splitlines()
            self.fail(f"{what} failed: {message[0] if message else type(exc).__name__}",
                      hint="the SQL it ran:\n" + str(sql).strip())
            raise  # not reached: fail raises

    # ------------------------------------------------------------ run_query & co

    def run_query(self, sql: Any) -> Any:
        from warehouse.compile.jinja_results import Table

        if self.touch(QUERY) is None:
            return None
        columns, rows = self.query(sql, "run_query")
        return Table(columns, rows)

    def statement(self, name: Any = None, fetch_result: bool = False, auto_begin: bool = True,
                  language: str = "sql", caller: Any = None) -> str:
        from warehouse.compile.jinja_results import stored_result

        if self.touch(QUERY) is None or caller is None:
            return ""
        if language != "sql":
            self.fail(f"statement(language={language!r}) is not supported (only sql)")
        columns, rows = self.query(caller(), f"statement {name!r}" if name else "statement")
        if name is not None:
            self.state().results[name] = stored_result(columns, rows if fetch_result else [])
        return ""

    def load_result(self, name: Any) -> Any:
        if self.touch(QUERY) is None:
            return None
        return self.state().results.get(name)

    def store_result(self, name: Any, response: Any = None, agate_table: Any = None) -> str:
        from warehouse.compile.jinja_results import Table

        self.touch(QUERY)
        table = agate_table if agate_table is not None else Table((), ())
        self.state().results[name] = {"response": response, "table": table,
                                      "data": [list(r) for r in table.rows]}
        return ""

    def store_raw_result(self, name: Any, message: Any = None, code: Any = None,
                         rows_affected: Any = None, agate_table: Any = None) -> str:
        from warehouse.compile.jinja_results import Response

        return self.store_result(name, Response(str(message or "OK"), str(code or "OK"),
                                                rows_affected), agate_table)

    def fetch_one(self, sql: str) -> Any:
        """The first value of the query's first row; None at load (no database)."""
        if self.touch(QUERY) is None:
            return None
        _columns, rows = self.query(sql, "a dbt macro's query")
        return rows[0][0] if rows and rows[0] else None

    # ------------------------------------------------------------ the rest

    def log(self, msg: Any, info: bool = False) -> str:
        """dbt writes every log() to its log file and, with info=True, to the console. The
        engine prints the info ones on stderr, once: in the load's final render or at run
        time (not in the first pass, which only collects ref() calls)."""
        state = self.state()
        if info and (state.runtime is not None or state.resolve_ref is not None):
            stamp = datetime.datetime.now().strftime("%H:%M:%S")
            print(f"{stamp}  {msg}", file=sys.stderr)
        return ""

    def globals(self) -> dict[str, Any]:
        """The Jinja globals this module provides (render.py adds ref, source, config ...)."""
        return {
            "execute": _Execute(self), "run_query": self.run_query,
            "statement": self.statement, "load_result": self.load_result,
            "store_result": self.store_result, "store_raw_result": self.store_raw_result,
            "log": self.log, "flags": _Flags(self), "graph": _Graph(self),
            "invocation_id": _Tracked(self, lambda run: run.invocation_id, _INVOCATION_ID),
            "run_started_at": _Tracked(self, lambda run: run.run_started_at, _STARTED_AT),
            "modules": _modules(), "api": _api(self), "target": dict(self.target),
            "dbt_version": DBT_VERSION, "project_name": self.project_name,
            "tojson": _tojson, "fromjson": _fromjson, "toyaml": _toyaml, "fromyaml": _fromyaml,
            "local_md5": _md5, "zip": _zip, "set": _set, "set_strict": set,
            "print": _print,
        }


class _Execute:
    """`execute`: false at load, true at run time; reading it marks the render."""

    def __init__(self, context: Context) -> None:
        self._context = context

    def __bool__(self) -> bool:
        return self._context.touch(EXECUTE) is not None

    def __eq__(self, other: object) -> bool:
        return bool(self) == other

    __hash__ = object.__hash__

    def __str__(self) -> str:
        return str(bool(self))


class _Tracked:
    """A value that differs between runs (`invocation_id`, `run_started_at`): reading it
    marks the render, and gives the run's value (at load, this process's)."""

    def __init__(self, context: Context, at_run: Callable[[RunContext], Any],
                 at_load: Any) -> None:
        self._context = context
        self._at_run = at_run
        self._at_load = at_load

    def _value(self) -> Any:
        runtime = self._context.touch(INVOCATION)
        return self._at_load if runtime is None else self._at_run(runtime)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name.startswith("jinja"):
            raise AttributeError(name)
        return getattr(self._value(), name)

    def __str__(self) -> str:
        return str(self._value())

    def __format__(self, spec: str) -> str:
        return format(self._value(), spec)

    def __eq__(self, other: object) -> bool:
        return self._value() == other

    __hash__ = object.__hash__

    def __add__(self, other: Any) -> Any:
        return self._value() + other

    def __radd__(self, other: Any) -> Any:
        return other + self._value()

    def __sub__(self, other: Any) -> Any:
        return self._value() - other


class _Flags:
    """`flags.FULL_REFRESH` and the rest of dbt's common flags; a name dbt does not know
    is None. At load the defaults, at run time the command's."""

    def __init__(self, context: Context) -> None:
        self._context = context

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name.startswith("jinja"):
            raise AttributeError(name)
        runtime = self._context.touch(FLAGS)
        flags = _DEFAULT_FLAGS if runtime is None else {**_DEFAULT_FLAGS, **runtime.flags}
        return flags.get(name)


class _Graph(Mapping[str, Any]):
    """`graph`: the project's nodes and sources as dbt's flat graph. At load (dbt's parse
    time) it is empty, as dbt's is; at run time, the whole project's."""

    def __init__(self, context: Context) -> None:
        self._context = context

    def _graph(self) -> Mapping[str, Any]:
        runtime = self._context.touch(GRAPH)
        if runtime is None or runtime.graph is None:
            return {"nodes": {}, "sources": {}, "exposures": {}, "metrics": {},
                    "groups": {}, "semantic_models": {}, "saved_queries": {}}
        return runtime.graph

    def __getitem__(self, key: str) -> Any:
        return self._graph()[key]

    def __iter__(self) -> Any:
        return iter(self._graph())

    def __len__(self) -> int:
        return len(self._graph())

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name.startswith("jinja"):
            raise AttributeError(name)
        try:
            return self._graph()[name]
        except KeyError:
            raise AttributeError(name) from None


def _modules() -> SimpleNamespace:
    """dbt's `modules`: datetime, re, itertools, and pytz where it is installed."""
    found = {"datetime": datetime, "re": re, "itertools": itertools}
    try:
        import pytz  # type: ignore[import-untyped]
    except ImportError:
        pass
    else:
        found["pytz"] = pytz
    return SimpleNamespace(**found)


def _api(context: Context) -> SimpleNamespace:
    from warehouse.compile.jinja_relation import TemplateColumn, relation_class

    return SimpleNamespace(Relation=relation_class(context.target),
                           Column=TemplateColumn)


def _tojson(value: Any, sort_keys: bool = False) -> str:
    return json.dumps(value, sort_keys=sort_keys, default=str)


def _fromjson(text: str, default: Any = None) -> Any:
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return default


def _toyaml(value: Any, sort_keys: bool = False) -> str:
    import yaml

    return yaml.safe_dump(value, sort_keys=sort_keys)


def _fromyaml(text: str, default: Any = None) -> Any:
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return default


def _md5(text: str) -> str:
    import hashlib

    return hashlib.md5(str(text).encode(), usedforsecurity=False).hexdigest()


def _zip(*args: Any, default: Any = None) -> Any:
    try:
        return zip(*args)  # noqa: B905 - dbt's zip is Python's
    except TypeError:
        return default


def _set(value: Any, default: Any = None) -> Any:
    try:
        return set(value)
    except TypeError:
        return default


def _print(msg: Any) -> str:
    print(msg, file=sys.stderr)
    return ""
