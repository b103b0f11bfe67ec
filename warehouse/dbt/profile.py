"""A dbt profile's DuckDB target: found, rendered and validated the way dbt does it.

dbt looks for `profiles.yml` in the folder given with `--profiles-dir`, then
in `DBT_PROFILES_DIR`, then in the current folder, then in `~/.dbt/`. The
engine is run with `--project-dir` rather than from inside the project, so the
project folder stands in for the current folder (and is tried first among the
two). Values may use `{{ env_var('NAME', 'default') }}`, as in dbt. Only the
settings the engine honours are accepted; a DuckDB setting it would drop (an
attached database, an extension, a secret) is named in an error instead.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from warehouse.core.errors import ProjectError

_HONOURED = frozenset({"type", "path", "schema", "threads", "database"})
_IGNORED = frozenset({"keep_open", "retries", "disable_transactions"})  # connection handling
_MISSING = object()


@dataclass(frozen=True)
class DuckDBTarget:
    """The chosen output of a profile: where and with how many threads to build."""

    profile: str
    target: str
    path: str = "warehouse.duckdb"
    schema: str = "main"
    threads: int = 4
    file: str | None = None  # the profiles.yml it came from; None when there is none


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
                target_name: str | None = None) -> DuckDBTarget:
    """The DuckDB target of `profile_name`: `target_name`, else DBT_TARGET, else the
    profile's `target:`. Without any profiles.yml, dbt-duckdb's defaults."""
    from warehouse.core.properties import load_yaml, strip_lines
    from warehouse.core.textfile import read_text

    path = find_profiles_file(root, profiles_dir)
    if path is None:
        return DuckDBTarget(profile=profile_name, target=target_name or "dev")
    shown = str(path)
    profiles = strip_lines(load_yaml(read_text(path, shown), shown)) or {}
    profile = profiles.get(profile_name) if isinstance(profiles, Mapping) else None
    if not isinstance(profile, Mapping):
        raise ProjectError(f"profile {profile_name!r} not found", path=shown,
                           hint="the profile is named by `profile:` in dbt_project.yml")
    chosen = target_name or os.environ.get("DBT_TARGET") or render_value(
        profile.get("target", "dev"), shown)
    outputs = profile.get("outputs") or {}
    output = outputs.get(chosen) if isinstance(outputs, Mapping) else None
    if not isinstance(output, Mapping):
        raise ProjectError(f"target {chosen!r} of profile {profile_name!r} not found",
                           path=shown, hint="targets: " + ", ".join(sorted(map(str, outputs))))
    output = {k: render_value(v, shown) for k, v in output.items()}
    return _validated(output, profile_name, str(chosen), shown)


def _validated(output: Mapping[str, Any], profile: str, target: str,
               shown: str) -> DuckDBTarget:
    where = f"target {target!r} of profile {profile!r}"
    if output.get("type") != "duckdb":
        raise ProjectError(f"{where}: only DuckDB targets are supported, not "
                           f"{output.get('type')!r}", path=shown)
    for key, value in output.items():
        if key in _HONOURED or key in _IGNORED or value in (None, [], {}, ""):
            continue
        raise ProjectError(f"{where}: the dbt-duckdb setting {key!r} is not supported",
                           path=shown, hint="the engine builds into one local DuckDB file "
                           "with its own settings; remove the setting")
    db_path = str(output.get("path") or "warehouse.duckdb")
    if db_path == ":memory:" or db_path.startswith(("md:", "motherduck:")) or "://" in db_path:
        raise ProjectError(f"{where}: path {db_path!r} is not supported (a local database "
                           "file is needed to publish into)", path=shown)
    threads = output.get("threads", 4)
    try:
        threads = int(threads)
    except (TypeError, ValueError):
        threads = 0
    if threads < 1:
        raise ProjectError(f"{where}: threads must be a positive integer, got "
                           f"{output.get('threads')!r}", path=shown)
    return DuckDBTarget(profile=profile, target=target, path=db_path,
                        schema=str(output.get("schema") or "main"), threads=threads, file=shown)


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
