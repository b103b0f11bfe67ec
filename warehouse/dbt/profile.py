"""A dbt profile's DuckDB (or Spark) target: found, rendered and validated the way dbt does it.

dbt looks for `profiles.yml` in the folder given with `--profiles-dir`, then
in `DBT_PROFILES_DIR`, then in the current folder, then in `~/.dbt/`. The
engine is run with `--project-dir` rather than from inside the project, so the
project folder stands in for the current folder (and is tried first among the
two). Values may use `{{ env_var('NAME', 'default') }}`, as in dbt. Only the
settings the engine honours are accepted; a DuckDB setting it would drop (an
attached database, an extension, a secret) is named in an error instead.

An output of `type: spark` builds on the Spark target (adapters/spark) in
this process, as dbt-spark's `method: session` does: its `host` may name a
Spark master URL (spark://, yarn, k8s://, local[...]) and its
`server_side_parameters` are Spark conf; a Thrift, HTTP or ODBC connection
to a running server is refused at its line.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from warehouse.core.errors import ProjectError
from warehouse.core.yaml_load import LINE_KEY

_HONOURED = frozenset({"type", "path", "schema", "threads", "database"})
_IGNORED = frozenset({"keep_open", "retries", "disable_transactions"})  # connection handling
_MISSING = object()
_SPARK_HONOURED = frozenset({"type", "method", "schema", "threads", "host",
                             "server_side_parameters", "warehouse_dir"})
_SPARK_IGNORED = frozenset({"connect_retries", "connect_timeout", "retry_all", "poll_interval"})
_MASTERS = ("spark://", "yarn", "k8s://", "local", "mesos://")


@dataclass(frozen=True)
class DuckDBTarget:
    """The chosen output of a profile: where and with how many threads to build."""

    profile: str
    target: str
    path: str = "warehouse.duckdb"
    schema: str = "main"
    threads: int = 4
    file: str | None = None  # the profiles.yml it came from; None when there is none
    # where `path` is set (a ProjectError's path, line, column, snippet): a database
    # setting refused later (a folder, say) is reported there
    path_at: Mapping[str, Any] = field(default_factory=dict)
    # a Spark output (type: spark): master, warehouse_dir and conf for SparkSettings
    spark: Mapping[str, Any] | None = None


def find_profiles_file(root: Path, profiles_dir: str | Path | None = None) -> Path | None:
    """The profiles.yml dbt would read for a project in `root` (None if there is none)."""
    explicit = profiles_dir or os.environ.get("DBT_PROFILES_DIR")
    if explicit:
        path = Path(explicit).expanduser() / "profiles.yml"
        if not path.is_file():
            given = "--profiles-dir" if profiles_dir else "DBT_PROFILES_DIR"
            raise ProjectError(f"no profiles.yml in {explicit} (named by {given})")
        return path
    for folder in (root, Path.cwd(), Path.home() / ".dbt"):
        if (folder / "profiles.yml").is_file():
            return folder / "profiles.yml"
    return None


def load_target(root: Path, profile_name: str, *, profiles_dir: str | Path | None = None,
                target_name: str | None = None,
                named_at: Mapping[str, Any] | None = None) -> DuckDBTarget:
    """The DuckDB target of `profile_name`: `target_name`, else DBT_TARGET, else the
    profile's `target:`. Without any profiles.yml, dbt-duckdb's defaults. `named_at` is
    where the profile is named (dbt_project.yml's `profile:`): a profile that is not
    found is reported there, since that is the line to correct or to check."""
    from warehouse.core.properties import load_yaml
    from warehouse.core.textfile import read_text

    path = find_profiles_file(root, profiles_dir)
    if path is None:
        return DuckDBTarget(profile=profile_name, target=target_name or "dev")
    shown = str(path)
    text = read_text(path, shown)
    profiles = load_yaml(text, shown) or {}
    profile = profiles.get(profile_name) if isinstance(profiles, Mapping) else None
    if not isinstance(profile, Mapping):
        raise _profile_not_found(profile_name, profiles, shown, named_at)
    at = _locator(shown, text)
    chosen = target_name or os.environ.get("DBT_TARGET") or _rendered(
        profile, "target", "dev", shown, at)
    outputs = profile.get("outputs") or {}
    hashable = not isinstance(chosen, (list, dict))
    output = outputs.get(chosen) if isinstance(outputs, Mapping) and hashable else None
    if not isinstance(output, Mapping):
        raise _target_not_found(str(chosen), profile_name, profile, at, target_name)
    values = {k: _rendered(output, k, None, shown, at) for k in output if k != LINE_KEY}
    return _validated(values, profile_name, str(chosen), shown, lambda key: at(output, key))


def _locator(shown: str, text: str) -> Callable[[Mapping[str, Any], Any], dict[str, Any]]:
    """(mapping, key) to a ProjectError's location keywords at that key of profiles.yml."""
    from warehouse.core.property_keys import located

    return lambda mapping, key: {"path": shown, **located(mapping, key, text)}


def _rendered(mapping: Mapping[str, Any], key: str, default: Any, shown: str,
              at: Callable) -> Any:
    """The value of `key` with its Jinja rendered; an error of the rendering (an unset
    environment variable) at the key."""
    from warehouse.core.properties import strip_lines

    try:
        return render_value(strip_lines(mapping.get(key, default)), shown)
    except ProjectError as exc:
        if exc.line is None:
            where = at(mapping, key)
            exc.line, exc.column, exc.snippet = where["line"], where["column"], where["snippet"]
        raise


def _profile_not_found(name: str, profiles: Any, shown: str,
                       named_at: Mapping[str, Any] | None) -> ProjectError:
    import difflib

    names = sorted(str(k) for k in profiles if k != LINE_KEY) if isinstance(
        profiles, Mapping) else []
    close = difflib.get_close_matches(name, names, n=1)
    hint = (f"did you mean {close[0]!r}? " if close else "") + (
        f"profiles there: {', '.join(names)}; " if names else "") + (
        "the profile is named by `profile:` in dbt_project.yml")
    return ProjectError(f"profile {name!r} not found in {shown}",
                        **(named_at or {"path": shown}), hint=hint)


def _target_not_found(chosen: str, profile_name: str, profile: Mapping[str, Any],
                      at: Callable, flag: str | None) -> ProjectError:
    """At the profile's `target:` when that chose it; else (--target, DBT_TARGET) at
    its `outputs:`, the list the target was looked for in."""
    outputs = profile.get("outputs")
    names = sorted(str(k) for k in outputs if k != LINE_KEY) if isinstance(
        outputs, Mapping) else []
    by = ("--target" if flag else "--target or DBT_TARGET" if os.environ.get("DBT_TARGET")
          else None)
    where = at(profile, "outputs" if by or "target" not in profile else "target")
    hint = "targets: " + ", ".join(names) + (f" (the target was chosen by {by})" if by else "")
    return ProjectError(f"target {chosen!r} of profile {profile_name!r} not found", **where,
                        hint=hint)


def _validated(output: Mapping[str, Any], profile: str, target: str, shown: str,
               at: Callable[[str], dict[str, Any]]) -> DuckDBTarget:
    where = f"target {target!r} of profile {profile!r}"
    if output.get("type") == "spark":
        return _spark_target(output, profile, target, shown, at)
    if output.get("type") != "duckdb":
        raise ProjectError(f"{where}: only DuckDB and Spark targets are supported, not "
                           f"{output.get('type')!r}", **at("type"),
                           hint="type: duckdb, or type: spark with method: session")
    for key, value in output.items():
        if key in _HONOURED or key in _IGNORED or value in (None, [], {}, ""):
            continue
        raise ProjectError(f"{where}: the dbt-duckdb setting {key!r} is not supported",
                           **at(key), hint="the engine builds into one local DuckDB file "
                           "with its own settings; remove the setting")
    db_path = str(output.get("path") or "warehouse.duckdb")
    if db_path == ":memory:" or db_path.startswith(("md:", "motherduck:")) or "://" in db_path:
        raise ProjectError(f"{where}: path {db_path!r} is not supported (a local database "
                           "file is needed to publish into)", **at("path"),
                           hint="name a local file, such as path: warehouse.duckdb")
    threads = _threads(output, where, at)
    if output.get("path") and not Path(db_path).expanduser().is_absolute():
        # dbt-duckdb opens a relative path from the folder dbt runs in, not the project's
        db_path = str(Path.cwd() / db_path)
    return DuckDBTarget(profile=profile, target=target, path=db_path,
                        schema=str(output.get("schema") or "main"), threads=threads, file=shown,
                        path_at=at("path"))


def _threads(output: Mapping[str, Any], where: str, at: Callable[[str], dict[str, Any]]
             ) -> int:
    threads = output.get("threads", 4)
    try:
        threads = int(threads)
    except (TypeError, ValueError):
        threads = 0
    if threads < 1:
        raise ProjectError(f"{where}: threads must be a positive integer, got "
                           f"{output.get('threads')!r}", **at("threads"),
                           hint="threads is how many models build at once, such as 4")
    return threads


def _spark_target(output: Mapping[str, Any], profile: str, target: str, shown: str,
                  at: Callable[[str], dict[str, Any]]) -> DuckDBTarget:
    """A dbt-spark output as the engine's Spark target (see the module docstring)."""
    where = f"target {target!r} of profile {profile!r}"
    method = output.get("method")
    if method != "session":
        raise ProjectError(f"{where}: Spark method {method!r} is not supported",
                           **at("method" if "method" in output else "type"),
                           hint="the engine runs Spark in its own process through pyspark: "
                                "method: session (Thrift, HTTP and ODBC servers are not "
                                "supported)")
    for key, value in output.items():
        if key in _SPARK_HONOURED or key in _SPARK_IGNORED or value in (None, [], {}, ""):
            continue
        raise ProjectError(f"{where}: the dbt-spark setting {key!r} is not supported",
                           **at(key), hint="with method: session the engine honours "
                           + ", ".join(sorted(_SPARK_HONOURED - {"type", "method"})))
    conf = output.get("server_side_parameters") or {}
    if not isinstance(conf, Mapping):
        raise ProjectError(f"{where}: server_side_parameters must be a mapping of Spark "
                           "conf", **at("server_side_parameters"))
    conf = {str(k): str(v) for k, v in conf.items() if k != LINE_KEY}
    master = conf.pop("spark.master", None) or "local[*]"
    host = str(output.get("host") or "")
    if host and host.upper() != "NA":
        if not host.startswith(_MASTERS):
            raise ProjectError(f"{where}: host {host!r} is not a Spark master URL",
                               **at("host"), hint="with method: session, host names the "
                               "master (spark://host:7077, yarn, k8s://..., local[*]) or NA")
        master = host
    schema = output.get("schema")
    if not schema:
        raise ProjectError(f"{where}: a Spark output needs a schema (the database models "
                           "build into)", **at("type"), hint="add schema: analytics")
    spark = {"master": master, "conf": conf,
             "warehouse_dir": str(output.get("warehouse_dir") or "spark-warehouse")}
    return DuckDBTarget(profile=profile, target=target, schema=str(schema),
                        threads=_threads(output, where, at), file=shown, spark=spark)


def render_value(value: Any, path: str, context: Mapping[str, Any] | None = None) -> Any:
    """A YAML value with its Jinja rendered (`env_var()` and `context`), as dbt renders
    profiles and dbt_project.yml; values without Jinja come back unchanged."""
    if isinstance(value, Mapping):
        return {k: render_value(v, path, context) for k, v in value.items()}
    if isinstance(value, list):
        return [render_value(v, path, context) for v in value]
    if not isinstance(value, str) or ("{{" not in value and "{%" not in value):
        return value
    import jinja2

    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    env.filters.update(as_number=_as_number, as_bool=_as_bool, as_text=str, as_native=_native)
    env.globals["env_var"] = lambda name, default=_MISSING: _env_var(name, default, path)
    env.globals.update(context or {})
    try:
        text = env.from_string(value).render()
    except jinja2.TemplateError as exc:
        raise ProjectError(f"cannot render {value!r}: {exc}", path=path) from None
    return _native(text)


def _env_var(name: str, default: Any, path: str) -> str:
    if name in os.environ:
        return os.environ[name]
    if default is _MISSING:
        raise ProjectError(f"environment variable {name!r} is not set and has no default",
                           path=path)
    return default


def _native(text: Any) -> Any:
    """A rendered string as YAML would read it (`4` → 4, `true` → True)."""
    import yaml

    if not isinstance(text, str):
        return text
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    return value if isinstance(value, (int, float, bool)) and text.strip() else text


def _as_number(text: Any) -> Any:
    value = _native(text)
    return value if isinstance(value, (int, float)) else float(text)


def _as_bool(text: Any) -> bool:
    return str(text).strip().lower() in ("true", "1", "yes")
