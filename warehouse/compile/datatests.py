"""Data test specs from property files, their dbt-style names, SQL and thresholds.

Everything here is pure: YAML entries in, frozen specs and SQL text out. The
shapes accepted are dbt's (a bare name, `{test: {args}}`, args nested under
`arguments:` as in dbt 1.10, config under `config:` or at the top level as in
older dbt), so an existing dbt project's tests load unchanged; anything the
engine cannot honour is a ProjectError naming the YAML file and line, never a
test that silently checks something else. Running the SQL is `testrun`'s job.
"""

from __future__ import annotations

import hashlib
import operator
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from warehouse.compile.generic_sql import (  # noqa: F401 - part of this module's API
    BUILTIN_ARGS,
    NEEDS_COLUMN,
    REQUIRED_ARGS,
    apply_where,
    expression_condition,
    generic_test_sql,
    sql_literal,
)
from warehouse.core.errors import ProjectError

LINE_KEY = "__line__"  # added to every YAML mapping by properties.load_yaml


CONFIG_KEYS = frozenset({"severity", "warn_if", "error_if", "where", "limit", "store_failures",
                         "tags", "enabled", "meta", "fail_calc", "store_failures_as",
                         "database", "schema", "alias"})
# Accepted only with the value that means what the engine does anyway.
_ONLY_DEFAULT = {"fail_calc": "count(*)", "store_failures_as": "table"}
_UNSUPPORTED = frozenset({"database", "schema", "alias"})
_IGNORED_KEYS = frozenset({"description", "meta"})  # documentation only

_THRESHOLD = re.compile(r"^\s*(>=|<=|!=|<>|==|=|>|<)\s*(\d+)\s*$")
_OPS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le,
        "=": operator.eq, "==": operator.eq, "!=": operator.ne, "<>": operator.ne}
_TEST_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
MAX_NAME = 64  # dbt shortens names this long or longer (file names, table names)


class FrozenArgs(Mapping[str, Any]):
    """A read-only mapping (lists inside become tuples): test arguments must not change
    after loading, and unlike MappingProxyType it survives pickle and deepcopy."""

    __slots__ = ("_items",)

    def __init__(self, data: Mapping[str, Any] | None = None) -> None:
        items = tuple((str(k), _freeze(v)) for k, v in (data or {}).items() if k != LINE_KEY)
        object.__setattr__(self, "_items", items)

    def __getitem__(self, key: str) -> Any:
        for k, v in self._items:
            if k == key:
                return v
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return (k for k, _ in self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(self._items)

    def __repr__(self) -> str:
        return f"FrozenArgs({dict(self._items)!r})"

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("FrozenArgs is read-only")

    def __getstate__(self):
        return self._items

    def __setstate__(self, state) -> None:
        object.__setattr__(self, "_items", state)


def _freeze(value: Any) -> Any:
    if isinstance(value, Mapping):
        return FrozenArgs(value)
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    return value


@dataclass(frozen=True)
class TestConfig:
    """How a test's failing rows are judged and kept; dbt's defaults."""

    __test__ = False  # not a pytest class

    severity: str = "error"  # 'error' | 'warn'
    warn_if: str = "!=0"
    error_if: str = "!=0"
    where: str | None = None
    limit: int | None = None
    store_failures: bool = False
    tags: tuple[str, ...] = ()
    enabled: bool = True


@dataclass(frozen=True)
class TestSpec:
    """One generic test as declared in a property file, before its SQL is built."""

    __test__ = False

    name: str
    test_name: str
    attached_to: str
    column_name: str | None
    kwargs: FrozenArgs = field(default_factory=FrozenArgs)
    config: TestConfig = field(default_factory=TestConfig)
    yaml_path: str = ""
    yaml_line: int | None = None


# ---------------------------------------------------------------------------
# Config
# ---------------------------------------------------------------------------

def config_from_mapping(values: Mapping[str, Any] | None, *, path: str,
                        line: int | None = None,
                        defaults: TestConfig | None = None) -> TestConfig:
    """A validated TestConfig from `config:` keys (also `{{ config(...) }}` of a singular
    test), on top of `defaults`. Unknown keys are errors so a typo is not ignored."""
    base = defaults or TestConfig()
    out: dict[str, Any] = {}
    for key, value in (values or {}).items():
        if key == LINE_KEY or key in _IGNORED_KEYS:
            continue
        where = f"test config {key!r}"
        if key not in CONFIG_KEYS:
            raise ProjectError(f"unknown {where}", path=path, line=line,
                               hint="test config keys: " + ", ".join(sorted(
                                   CONFIG_KEYS - _UNSUPPORTED - set(_ONLY_DEFAULT))))
        if key in _UNSUPPORTED:
            raise ProjectError(f"{where} is not supported by this engine", path=path, line=line)
        if key in _ONLY_DEFAULT:
            if str(value).replace(" ", "").lower() != _ONLY_DEFAULT[key]:
                raise ProjectError(f"{where}: only {_ONLY_DEFAULT[key]!r} is supported, "
                                   f"got {value!r}", path=path, line=line)
            continue
        if key == "severity":
            if not isinstance(value, str) or value.lower() not in ("error", "warn"):
                raise ProjectError(f"severity must be 'error' or 'warn', got {value!r}",
                                   path=path, line=line)
            out[key] = value.lower()
        elif key in ("warn_if", "error_if"):
            out[key] = _threshold(value, key, path, line)
        elif key == "where":
            if value is not None and not isinstance(value, str):
                raise ProjectError(f"where must be an SQL condition string, got {value!r}",
                                   path=path, line=line)
            out[key] = (value.strip() or None) if isinstance(value, str) else None
        elif key == "limit":
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                      or value < 0):
                raise ProjectError(f"limit must be a whole number >= 0, got {value!r}",
                                   path=path, line=line)
            out[key] = value
        elif key in ("store_failures", "enabled"):
            if not isinstance(value, bool):
                raise ProjectError(f"{key} must be true or false, got {value!r}",
                                   path=path, line=line)
            out[key] = value
        elif key == "tags":
            tags = [value] if isinstance(value, str) else value
            if not isinstance(tags, (list, tuple)) or not all(isinstance(t, str) for t in tags):
                raise ProjectError(f"tags must be a string or a list of strings, got {value!r}",
                                   path=path, line=line)
            out[key] = tuple(dict.fromkeys(tuple(base.tags) + tuple(tags)))
    from dataclasses import replace

    return replace(base, **out)


def _threshold(value: Any, key: str, path: str, line: int | None) -> str:
    text = str(value) if isinstance(value, str) else None
    match = _THRESHOLD.match(text or "")
    if not match:
        raise ProjectError(f"{key} must be a comparison with a whole number such as "
                           f"'>0', '>=10' or '!=0', got {value!r}", path=path, line=line)
    return f"{match.group(1)}{match.group(2)}"


def threshold_met(failures: int, threshold: str) -> bool:
    """Whether `failures <threshold>` holds, as dbt's `count(*) {{ error_if }}`."""
    match = _THRESHOLD.match(threshold)
    if not match:
        raise ValueError(f"bad threshold {threshold!r}")
    return _OPS[match.group(1)](failures, int(match.group(2)))


def evaluate(failures: int, config: TestConfig) -> str:
    """'pass', 'warn' or 'fail', as dbt decides: error_if counts only at severity error;
    warn_if decides the rest, so severity warn never fails."""
    if config.severity == "error" and threshold_met(failures, config.error_if):
        return "fail"
    if threshold_met(failures, config.warn_if):
        return "warn"
    return "pass"


# ---------------------------------------------------------------------------
# YAML entries
# ---------------------------------------------------------------------------

def parse_test_entries(entries: Any, *, attached_to: str, column_name: str | None,
                       yaml_path: str, yaml_line: int | None,
                       defaults: TestConfig | None = None) -> list[TestSpec]:
    """The tests under one `data_tests:` (or `tests:`) key of a model, seed, source table
    or column. Disabled tests (`enabled: false`) are left out."""
    if entries is None:
        return []
    if not isinstance(entries, (list, tuple)):
        raise ProjectError(f"data_tests of {_where(attached_to, column_name)} must be a list",
                           path=yaml_path, line=yaml_line)
    specs: list[TestSpec] = []
    seen: dict[str, int | None] = {}
    for entry in entries:
        line = entry.get(LINE_KEY, yaml_line) if isinstance(entry, Mapping) else yaml_line
        spec = _parse_entry(entry, attached_to, column_name, yaml_path, line, defaults)
        if spec is None:
            continue
        if spec.name in seen:
            raise ProjectError(f"two tests named {spec.name!r} on "
                               f"{_where(attached_to, column_name)}", path=yaml_path, line=line,
                               hint="give one of them its own `name:`")
        seen[spec.name] = line
        specs.append(spec)
    return specs


def _where(attached_to: str, column_name: str | None) -> str:
    return f"{attached_to}.{column_name}" if column_name else attached_to


def _parse_entry(entry: Any, attached_to: str, column_name: str | None, path: str,
                 line: int | None, defaults: TestConfig | None) -> TestSpec | None:
    def fail(message: str, hint: str | None = None) -> ProjectError:
        return ProjectError(f"{message} (test on {_where(attached_to, column_name)})",
                            path=path, line=line, hint=hint)

    if isinstance(entry, str):
        test_name, body = entry, {}
    elif isinstance(entry, Mapping):
        keys = [k for k in entry if k != LINE_KEY]
        if "test_name" in keys:  # dbt's alternative form: {name:, test_name:, ...}
            test_name, body = entry["test_name"], {k: entry[k] for k in keys if k != "test_name"}
        elif len(keys) == 1:
            test_name, body = keys[0], entry[keys[0]]
        else:
            raise fail(f"a test must be a name or a mapping with one key, got keys {keys}",
                       hint="write `- accepted_values: {values: [a, b]}`")
        if body is None:
            body = {}
        if not isinstance(body, Mapping):
            raise fail(f"the arguments of test {test_name!r} must be a mapping, got {body!r}")
    else:
        raise fail(f"a test must be a name or a mapping, got {entry!r}")
    if not isinstance(test_name, str) or not test_name:
        raise fail(f"bad test name {test_name!r}")
    if "." in test_name:
        short = test_name.rsplit(".", 1)[1]
        hint = (f"`{short}` is built in: write `{short}`" if short in BUILTIN_ARGS else
                "define the test in macros/ with {% test name(model, column_name) %}")
        raise fail(f"test {test_name!r} from a package is not supported", hint=hint)
    if not _TEST_NAME.match(test_name):
        raise fail(f"bad test name {test_name!r}")

    body = {k: v for k, v in body.items() if k != LINE_KEY}
    line = entry.get(LINE_KEY, line) if isinstance(entry, Mapping) else line
    custom_name = body.pop("name", None)
    config_block = body.pop("config", None) or {}
    arguments = body.pop("arguments", None)
    if not isinstance(config_block, Mapping):
        raise fail(f"config of test {test_name!r} must be a mapping")
    config_block = {k: v for k, v in config_block.items() if k != LINE_KEY}
    if "name" in config_block:
        custom_name = custom_name or config_block.pop("name")
        config_block.pop("name", None)
    args: dict[str, Any] = {}
    for key, value in body.items():
        if key in CONFIG_KEYS:
            if key in config_block:
                raise fail(f"{key!r} is given both at the top level and under config:")
            config_block[key] = value
        elif key not in _IGNORED_KEYS:
            args[key] = value
    if arguments is not None:
        if not isinstance(arguments, Mapping):
            raise fail(f"arguments of test {test_name!r} must be a mapping")
        for key, value in arguments.items():
            if key == LINE_KEY:
                continue
            if key in args:
                raise fail(f"argument {key!r} is given both under arguments: and beside it")
            args[key] = value
    config = config_from_mapping(config_block, path=path, line=line, defaults=defaults)
    if not config.enabled:
        return None

    col = column_name
    if "column_name" in args:
        given = args.pop("column_name")
        if column_name is not None and given != column_name:
            raise fail(f"column_name {given!r} given for a test under column {column_name!r}")
        if not isinstance(given, str):
            raise fail(f"column_name must be a string, got {given!r}")
        col = given
    _check_builtin_args(test_name, col, args, fail)
    if custom_name is not None and (not isinstance(custom_name, str) or not custom_name):
        raise fail(f"test name must be a non-empty string, got {custom_name!r}")
    name = custom_name or generic_test_name(test_name, attached_to, col, args)
    return TestSpec(name=name, test_name=test_name, attached_to=attached_to, column_name=col,
                    kwargs=FrozenArgs(args), config=config, yaml_path=path, yaml_line=line)


def _check_builtin_args(test_name: str, column: str | None, args: Mapping[str, Any],
                        fail) -> None:
    allowed = BUILTIN_ARGS.get(test_name)
    if allowed is None:
        return  # a project macro: its signature decides
    unknown = sorted(set(args) - allowed)
    if unknown:
        raise fail(f"test {test_name!r} takes no argument {unknown[0]!r}",
                   hint=f"{test_name} takes: " + (", ".join(sorted(allowed)) or "no arguments"))
    missing = [a for a in REQUIRED_ARGS.get(test_name, ()) if args.get(a) in (None, "")]
    if missing:
        raise fail(f"test {test_name!r} needs {missing[0]!r}")
    if test_name in NEEDS_COLUMN and column is None:
        raise fail(f"test {test_name!r} needs a column: put it under a column, "
                   "or give column_name")
    if test_name == "accepted_values":
        values = args["values"]
        if not isinstance(values, (list, tuple)) or not values:
            raise fail(f"accepted_values needs a non-empty list of values, got {values!r}")
        if not isinstance(args.get("quote", True), bool):
            raise fail("accepted_values quote must be true or false")


def generic_test_name(test_name: str, attached_to: str, column_name: str | None,
                      args: Mapping[str, Any]) -> str:
    """dbt's unique test name: `<test>_<model>_<args…>`, each argument's values in key
    order with anything but letters, digits and _ replaced; names of 64 characters or
    more become the first 30 characters plus the md5 of the full name, as dbt does."""
    named = dict(args)
    if column_name is not None:
        named["column_name"] = column_name
    flat: list[str] = []
    for key in sorted(k for k in named if k not in ("model", LINE_KEY)):
        value = named[key]
        if isinstance(value, Mapping):
            parts = [v for k, v in value.items() if k != LINE_KEY]
        elif isinstance(value, (list, tuple)):
            parts = list(value)
        else:
            parts = [value]
        flat.extend(re.sub(r"[^0-9a-zA-Z_]+", "_", str(p)) for p in parts)
    identifier = f"{test_name}_{attached_to}"
    full = f"{identifier}_{'__'.join(flat)}" if flat else identifier
    if len(full) >= MAX_NAME:
        return f"{identifier[:30]}_{hashlib.md5(full.encode('utf-8')).hexdigest()}"
    return full
