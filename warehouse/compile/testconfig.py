"""How a data test's failing rows are judged: its config (dbt's keys and defaults), checked
where it is written, and the thresholds that turn a count of failing rows into a status.

Pure, like datatests.py (which re-exports all of it): a config key the engine cannot honour
is a ProjectError at the key or value, never a test that silently judges otherwise.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from warehouse.core.errors import ProjectError
from warehouse.core.yaml_load import LINE_KEY

CONFIG_KEYS = frozenset({"severity", "warn_if", "error_if", "where", "limit", "store_failures",
                         "tags", "enabled", "meta", "fail_calc", "store_failures_as",
                         "database", "schema", "alias", "display"})
# Accepted only with the value that means what the engine does anyway.
_ONLY_DEFAULT = {"store_failures_as": "table"}
DEFAULT_FAIL_CALC = "count(*)"
_UNSUPPORTED = frozenset({"database", "schema", "alias"})
IGNORED_KEYS = frozenset({"description", "meta"})  # documentation only
# How a failing test prints its rows: a table cut to fit (dbt's way), or each row whole.
DISPLAYS = ("table", "records")

_THRESHOLD = re.compile(r"^\s*(>=|<=|!=|<>|==|=|>|<)\s*(\d+)\s*$")
_OPS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le,
        "=": operator.eq, "==": operator.eq, "!=": operator.ne, "<>": operator.ne}


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
    display: str = "table"  # 'table' | 'records' (see DISPLAYS)
    # What the failing rows count as (dbt's fail_calc): an aggregate over them, compared
    # with warn_if/error_if; dbt_utils' equal_rowcount sums a difference column.
    fail_calc: str = DEFAULT_FAIL_CALC


_DEFAULTS = TestConfig()


def config_from_mapping(values: Mapping[str, Any] | None, *, path: str,
                        line: int | None = None, defaults: TestConfig | None = None,
                        locate: Callable[[str, bool], dict[str, Any]] | None = None
                        ) -> TestConfig:
    """A validated TestConfig from `config:` keys (also `{{ config(...) }}` of a singular
    test), on top of `defaults`. Unknown keys are errors so a typo is not ignored. An error
    is at `line`, or where `locate(key, at_value)` says the key (or its value) was written."""
    base = defaults or _DEFAULTS
    out: dict[str, Any] = {}
    for key, value in (values or {}).items():
        if key == LINE_KEY or key in IGNORED_KEYS:
            continue

        def fail(message: str, hint: str | None = None, *, at_value: bool = True,
                 key: str = key) -> ProjectError:
            where = locate(key, at_value) if locate else {"line": line}
            return ProjectError(message, path=path, hint=hint, **where)

        checked = _config_value(key, value, base, fail)
        if checked is not _DEFAULT:
            out[key] = checked
    return replace(base, **out) if out else base  # (frozen: one object serves every test)


_DEFAULT = object()  # a config accepted only with the value that changes nothing


def _config_value(key: str, value: Any, base: TestConfig, fail) -> Any:
    """`value` of config `key` checked and normalised, or _DEFAULT."""
    where = f"test config {key!r}"
    if key not in CONFIG_KEYS:
        raise fail(f"unknown {where}", at_value=False, hint="test config keys: " + ", ".join(
            sorted(CONFIG_KEYS - _UNSUPPORTED - set(_ONLY_DEFAULT))))
    if key in _UNSUPPORTED:
        raise fail(f"{where} is not supported by this engine", at_value=False)
    if key in _ONLY_DEFAULT:
        if str(value).replace(" ", "").lower() != _ONLY_DEFAULT[key]:
            raise fail(f"{where}: only {_ONLY_DEFAULT[key]!r} is supported, got {value!r}")
        return _DEFAULT
    if key == "severity":
        if not isinstance(value, str) or value.lower() not in ("error", "warn"):
            raise fail(f"severity must be 'error' or 'warn', got {value!r}")
        return value.lower()
    if key in ("warn_if", "error_if"):
        match = _THRESHOLD.match(value if isinstance(value, str) else "")
        if not match:
            raise fail(f"{key} must be a comparison with a whole number such as "
                       f"'>0', '>=10' or '!=0', got {value!r}")
        return f"{match.group(1)}{match.group(2)}"
    if key == "where":
        if value is not None and not isinstance(value, str):
            raise fail(f"where must be an SQL condition string, got {value!r}")
        return (value.strip() or None) if isinstance(value, str) else None
    if key == "limit":
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or value < 0):
            raise fail(f"limit must be a whole number >= 0, got {value!r}")
        return value
    if key == "display":
        return _display(value, fail)
    if key == "fail_calc":
        if not isinstance(value, str) or not value.strip():
            raise fail(f"fail_calc must be an SQL aggregate such as 'count(*)' or "
                       f"'sum(n)', got {value!r}")
        return value.strip()
    if key in ("store_failures", "enabled"):
        if not isinstance(value, bool):
            raise fail(f"{key} must be true or false, got {value!r}")
        return value
    tags = [value] if isinstance(value, str) else value  # key == "tags"
    if not isinstance(tags, (list, tuple)) or not all(isinstance(t, str) for t in tags):
        raise fail(f"tags must be a string or a list of strings, got {value!r}")
    return tuple(dict.fromkeys(tuple(base.tags) + tuple(tags)))


def _display(value: Any, fail) -> str:
    """`display`, checked at load: a typo must not quietly print the cut table."""
    if not isinstance(value, str) or value.strip().lower() not in DISPLAYS:
        raise fail(f"display must be 'table' or 'records', got {value!r}",
                   hint="'records' prints each failing row whole, one `column: value` line "
                        "per column; 'table' (the default) prints a table of cut cells")
    return value.strip().lower()


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
