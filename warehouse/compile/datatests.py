"""Data test specs from property files, their dbt-style names and SQL (their config and
thresholds are testconfig.py's, re-exported here).

Everything here is pure: YAML entries in, frozen specs and SQL text out. The
shapes accepted are dbt's (a bare name, `{test: {args}}`, args nested under
`arguments:` as in dbt 1.10, config under `config:` or at the top level as in
older dbt), so an existing dbt project's tests load unchanged; anything the
engine cannot honour is a ProjectError naming the YAML file and line, never a
test that silently checks something else. Running the SQL is `testrun`'s job.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping, Sequence
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
from warehouse.compile.testconfig import (  # noqa: F401 - part of this module's API
    CONFIG_KEYS,
    DISPLAYS,
    IGNORED_KEYS,
    TestConfig,
    config_from_mapping,
    evaluate,
    threshold_met,
)
from warehouse.core.errors import ProjectError
from warehouse.core.frozen import make
from warehouse.core.property_keys import EntryPlace
from warehouse.core.yaml_load import value_position

LINE_KEY = "__line__"  # added to every YAML mapping by properties.load_yaml

_TEST_NAME = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*\.)?[A-Za-z_][A-Za-z0-9_]*$")  # package.test
MAX_NAME = 64  # dbt shortens names this long or longer (file names, table names)
_NOT_WORD = re.compile(r"[^0-9a-zA-Z_]+")  # replaced by _ in a generated test name


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
    # the line of each argument's value: a ref() in one that fails is reported there
    arg_lines: tuple[tuple[str, int], ...] = ()


# ---------------------------------------------------------------------------
# YAML entries
# ---------------------------------------------------------------------------

def parse_test_entries(entries: Any, *, attached_to: str, column_name: str | None,
                       yaml_path: str, yaml_line: int | None,
                       defaults: TestConfig | None = None,
                       positions: Sequence[tuple[int | None, int | None] | None] = (),
                       yaml_text: str | None = None) -> list[TestSpec]:
    """The tests under one `data_tests:` (or `tests:`) key of a model, seed, source table
    or column. Disabled tests (`enabled: false`) are left out.

    An error is at the entry's own line (its `positions` item: a bare `- unique` has no
    other; or a mapping's line), else at `yaml_line`. Given the file's `yaml_text`, it is at
    the key or value that is wrong, with a caret, as every property-file error is."""
    if entries is None:
        return []
    if not isinstance(entries, (list, tuple)):
        raise ProjectError(f"data_tests of {_where(attached_to, column_name)} must be a list",
                           path=yaml_path, line=yaml_line)
    specs: list[TestSpec] = []
    seen: dict[str, int | None] = {}
    for index, entry in enumerate(entries):
        position = positions[index] if index < len(positions) else None
        where = EntryPlace.of(entry, position, yaml_path, yaml_line, yaml_text)
        spec = _parse_entry(entry, attached_to, column_name, where, defaults)
        if spec is None:
            continue
        if spec.name in seen:
            raise ProjectError(f"two tests named {spec.name!r} on "
                               f"{_where(attached_to, column_name)}", path=yaml_path,
                               hint="give one of them its own `name:`", **where.entry())
        seen[spec.name] = where.line
        specs.append(spec)
    return specs


def _where(attached_to: str, column_name: str | None) -> str:
    return f"{attached_to}.{column_name}" if column_name else attached_to


def _parse_entry(entry: Any, attached_to: str, column_name: str | None, where: EntryPlace,
                 defaults: TestConfig | None) -> TestSpec | None:
    def fail(message: str, hint: str | None = None,
             at: dict[str, Any] | None = None) -> ProjectError:
        return ProjectError(f"{message} (test on {_where(attached_to, column_name)})",
                            path=where.path, hint=hint, **(at or where.entry()))

    test_name, body, skip = _name_and_body(entry, where, fail)
    if body:
        custom_name, config_block, args, origin = _split_body(test_name, body, skip, where,
                                                              fail)
    else:  # a bare name (`- unique`): what _split_body makes of nothing
        custom_name, config_block, args, origin = None, {}, {}, {"name": body}

    def at(key: str, value: bool = True) -> dict[str, Any]:
        return where.at(origin.get(key), key, value)

    config = config_from_mapping(config_block, path=where.path, line=where.line,
                                 defaults=defaults, locate=at)
    if not config.enabled:
        return None
    col = column_name
    if "column_name" in args:
        given = args.pop("column_name")
        if column_name is not None and given != column_name:
            raise fail(f"column_name {given!r} given for a test under column {column_name!r}",
                       at=at("column_name"))
        if not isinstance(given, str):
            raise fail(f"column_name must be a string, got {given!r}", at=at("column_name"))
        col = given
    _check_builtin_args(test_name, col, args, fail, at)
    if custom_name is not None and (not isinstance(custom_name, str) or not custom_name):
        raise fail(f"test name must be a non-empty string, got {custom_name!r}", at=at("name"))
    # dbt names a package's test `<package>_<test>_...`
    name = custom_name or generic_test_name(test_name.replace(".", "_"), attached_to, col, args)
    arg_lines = tuple((k, value_position(origin[k], k)[0]) for k in args
                      if k in (getattr(origin.get(k), "marks", None) or {}))
    return make(TestSpec, {"name": name, "test_name": test_name, "attached_to": attached_to,
                           "column_name": col, "kwargs": FrozenArgs(args), "config": config,
                           "yaml_path": where.path, "yaml_line": where.line,
                           "arg_lines": arg_lines})


def _name_and_body(entry: Any, where: EntryPlace, fail) -> tuple[str, Mapping[str, Any], str]:
    """The test's name, the mapping of its arguments and config, and a key of that mapping
    to leave out (the name itself, in dbt's `{name:, test_name:, ...}` form)."""
    skip = ""
    if isinstance(entry, str):
        test_name, body, at = entry, {}, None
    elif isinstance(entry, Mapping):
        keys = [k for k in entry if k != LINE_KEY]
        if "test_name" in keys:  # dbt's alternative form: {name:, test_name:, ...}
            test_name, body, skip = entry["test_name"], entry, "test_name"
            at = where.at(entry, "test_name")
        elif len(keys) == 1:
            test_name, body, at = keys[0], entry[keys[0]], where.at(entry, keys[0], False)
        else:
            raise fail(f"a test must be a name or a mapping with one key, got keys {keys}",
                       hint="write `- accepted_values: {values: [a, b]}`")
        if body is None:
            body = {}
        if not isinstance(body, Mapping):
            raise fail(f"the arguments of test {test_name!r} must be a mapping, got {body!r}",
                       at=where.at(entry, test_name))
    else:
        raise fail(f"a test must be a name or a mapping, got {entry!r}")
    if not isinstance(test_name, str) or not test_name:
        raise fail(f"bad test name {test_name!r}", at=at)
    if not _TEST_NAME.match(test_name):
        raise fail(f"bad test name {test_name!r}", at=at)
    return test_name, body, skip


def _split_body(test_name: str, body: Mapping[str, Any], skip: str, where: EntryPlace, fail
                ) -> tuple[Any, dict[str, Any], dict[str, Any], dict[str, Mapping[str, Any]]]:
    """A test's custom name, config, arguments, and the YAML mapping each config key and
    argument was read from (`origin`), to point an error at it."""
    rest = {k: v for k, v in body.items() if k not in (LINE_KEY, skip)}
    origin: dict[str, Mapping[str, Any]] = {}
    custom_name = rest.pop("name", None)
    config_yaml = rest.pop("config", None) or {}
    arguments = rest.pop("arguments", None)
    if not isinstance(config_yaml, Mapping):
        raise fail(f"config of test {test_name!r} must be a mapping", at=where.at(body, "config"))
    config_block = {k: v for k, v in config_yaml.items() if k != LINE_KEY}
    origin.update(dict.fromkeys(config_block, config_yaml))
    origin["name"] = body if custom_name is not None else config_yaml
    if "name" in config_block:
        custom_name = custom_name or config_block.pop("name")
        config_block.pop("name", None)
    args: dict[str, Any] = {}
    for key, value in rest.items():
        if key in CONFIG_KEYS:
            if key in config_block:
                raise fail(f"{key!r} is given both at the top level and under config:",
                           at=where.at(body, key, False))
            config_block[key] = value
        elif key not in IGNORED_KEYS:
            args[key] = value
        origin[key] = body
    if arguments is not None:
        if not isinstance(arguments, Mapping):
            raise fail(f"arguments of test {test_name!r} must be a mapping",
                       at=where.at(body, "arguments"))
        for key, value in arguments.items():
            if key == LINE_KEY:
                continue
            if key in args:
                raise fail(f"argument {key!r} is given both under arguments: and beside it",
                           at=where.at(arguments, key, False))
            args[key], origin[key] = value, arguments
    return custom_name, config_block, args, origin


def _check_builtin_args(test_name: str, column: str | None, args: Mapping[str, Any],
                        fail, at) -> None:
    allowed = BUILTIN_ARGS.get(test_name)
    if allowed is None:
        return  # a project macro: its signature decides
    unknown = sorted(set(args) - allowed)
    if unknown:
        raise fail(f"test {test_name!r} takes no argument {unknown[0]!r}", at=at(unknown[0], False),
                   hint=f"{test_name} takes: " + (", ".join(sorted(allowed)) or "no arguments"))
    missing = [a for a in REQUIRED_ARGS.get(test_name, ()) if args.get(a) in (None, "")]
    if missing:
        raise fail(f"test {test_name!r} needs {missing[0]!r}",
                   at=at(missing[0]) if missing[0] in args else None)
    if test_name in NEEDS_COLUMN and column is None:
        raise fail(f"test {test_name!r} needs a column: put it under a column, "
                   "or give column_name")
    if test_name == "accepted_values":
        values = args["values"]
        if not isinstance(values, (list, tuple)) or not values:
            raise fail(f"accepted_values needs a non-empty list of values, got {values!r}",
                       at=at("values"))
        if not isinstance(args.get("quote", True), bool):
            raise fail("accepted_values quote must be true or false", at=at("quote"))


def generic_test_name(test_name: str, attached_to: str, column_name: str | None,
                      args: Mapping[str, Any]) -> str:
    """dbt's name of a generic test: `<test>_<model>_<args…>`, each argument's values in
    key order with anything but letters, digits and _ replaced. It is the node's name
    (selected, reported, in unique_id) however long; its relation and compiled file take
    `short_test_name`, which dbt shortens."""
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
        flat.extend(_NOT_WORD.sub("_", str(p)) for p in parts)
    identifier = f"{test_name}_{attached_to}"
    return f"{identifier}_{'__'.join(flat)}" if flat else identifier


def short_test_name(name: str, test_name: str | None, attached_to: str | None) -> str:
    """The relation (and file) name of a test called `name`: a generated name of 64
    characters or more becomes the first 30 characters of `<test>_<model>` plus the md5
    of the whole name, as dbt does; a name given in YAML, or a short one, stays."""
    if test_name is None or attached_to is None or len(name) < MAX_NAME:
        return name
    identifier = f"{test_name.replace('.', '_')}_{attached_to}"
    if not name.startswith(identifier):  # a name: given in the YAML
        return name
    return f"{identifier[:30]}_{hashlib.md5(name.encode('utf-8')).hexdigest()}"
