"""The parse cache: a loaded project's nodes and fingerprints, kept in `target/` between runs.

Loading renders every model twice with Jinja and parses it with sqlglot;
for 500 models that is seconds, and it is the same work each time nothing
changed. So a load that succeeded is saved, under a key that hashes
everything the load read or depended on:

* every file it reads: models, tests, macros, property YAML, docs blocks
  (text) and seed CSV files (bytes);
* the project configuration as loaded (pyproject or dbt_project.yml and the
  profile: paths, folder configs, target) and the variables, `--vars` merged;
* the environment variables the templates name in `env_var('X')`, by value;
  a template that computes the name (`env_var(name)`) puts the whole
  environment in the key;
* the engine: the versions of Python, sqlglot, duckdb, jinja2 and PyYAML,
  `warehouse.__version__`, and the size and mtime of every module of the
  `warehouse` package, all its layers (an edited engine must not serve nodes
  an older engine made).

Any difference and the project loads again: the key is one digest, so a
hit is right by construction. A warm load hashes the files (or, once they
settled, only stats them: `load_stats`), unpickles the load (its DAG included)
and builds no Jinja environment.

A miss after only model files changed (the same set of them; every other
input as hashed the same) takes the last load and makes those models again
(`delta_load`); the memos below are then kept as they were, and `stale` names
the models whose nodes they no longer describe. Any other miss reuses what did
not change, each piece under a key of everything it depends on: each model's
two render passes (`model_cache`: its template, the project-wide render
inputs, what its references resolve to), each property file's parse
(`properties_cache`), and, keyed by the rendered SQL, the syntax check and
parse (`parse.analyze_model_sql`) and the normalized digest of each SQL text.
These are `warehouse.compile.memo.Memo`s kept after the load in the same file
(a second pickle, read only on a miss), each under the version of the code
that computed it, each holding what the last load used.

The files and their format: `cache_file` (a delta load writes an overlay of
the last whole one).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from warehouse.compile.cache_file import (  # (the file's format; read_cache for tests)
    BROKEN,
    FORMAT,
    CachedLoad,
    Previous,
    read_cache,
    read_previous,
    unpickle,
    write_cache,
    write_overlay,
)
from warehouse.compile.signature import engine_signature  # (read here: tests replace it)

if TYPE_CHECKING:
    from warehouse.adapters.base import ParsedModel
    from warehouse.compile.memo import Memo

CACHE_NAME = "parse_cache.pickle"
STATS_NAME = "parse_cache.stats.json"  # the files' stats that stand for them (load_stats.py)
_ENV_LITERAL = re.compile(r"""env_var\(\s*(['"])([^'"]+)\1""")
_ENV_CALL = re.compile(r"env_var\s*\(")
_DEFINES_MACROS = re.compile(r"{%-?\s*(macro|test)\b")


def cache_path(config: Any) -> Path:
    return config.root / config.target_dir / CACHE_NAME


def cache_key(config: Any, files: Any, vars: Mapping[str, Any],
              environ: Mapping[str, str] | None = None, signature: str | None = None) -> str:
    """One digest of everything a load depends on (see the module docstring).
    `signature` is `engine_signature()` when the caller already has it."""
    return load_inputs(config, files, vars, environ, signature).key


def load_inputs(config: Any, files: Any, vars: Mapping[str, Any],
                environ: Mapping[str, str] | None = None, signature: str | None = None) -> Any:
    """The digests the cache key is made of (`delta_load.Inputs`)."""
    from warehouse import __version__
    from warehouse.compile.delta_load import TEXT_GROUPS
    from warehouse.compile.delta_load import load_inputs as digests

    environ = os.environ if environ is None else environ
    signature = engine_signature() if signature is None else signature
    texts = [text for group in TEXT_GROUPS for text in getattr(files, group).values()]
    return digests(config, files, vars, (FORMAT, __version__, signature, repr(config)),
                   env_used(texts, environ))


def env_used(texts: Any, environ: Mapping[str, str]) -> dict[str, str | None]:
    """The environment variables templates can read, with their values (None: unset).

    Names are read off `env_var('NAME')` calls; a call whose name is not a
    literal could read anything, so then the whole environment counts."""
    names: set[str] = set()
    for text in texts:
        if "env_var" not in text:
            continue
        literal = {m.group(2) for m in _ENV_LITERAL.finditer(text)}
        if len(_ENV_CALL.findall(text)) > len(_ENV_LITERAL.findall(text)):
            return dict(environ)
        names |= literal
    return {name: environ.get(name) for name in sorted(names)}


def env_names(files: Any) -> tuple[str, ...] | None:
    """The names `env_used` reads in the project's templates; None: any name."""
    texts = [text for group in ("models", "properties", "macros", "docs", "tests",
                                "snapshots", "fixtures", "python_models")
             for text in getattr(files, group).values()]
    # Given an environment holding only a name no template can spell, `env_used` returns
    # that name when it means "the whole environment".
    used = env_used(texts, {"\0any": ""})
    return None if "\0any" in used else tuple(used)


def load_cached(root: Path, vars: Mapping[str, Any] | None = None,
                config: Any = None, *, late: bool = False,
                on_change: Callable[[], None] | None = None) -> Any:
    """`load_project`, served from the cache when nothing it depends on changed. `config`:
    the project's configuration when the caller has loaded it already; `late`: a whole
    load may leave the models' SQL checks to run beside the build
    (`warehouse.compile.late_checks`); `on_change`: called on a miss, before the load
    reads the last one or renders (`load_project`).

    The project gets `env_read`: the names of the environment variables its templates
    read, or None when a template computes the name (then the whole environment counts)."""
    from warehouse.compile.files import load_config, read_files
    from warehouse.compile.load_stats import read_stats, stats_key, write_stats

    config = config if config is not None else load_config(root, vars)
    merged = {**config.vars, **(vars or {})}
    signature = engine_signature()  # stats every engine module: once per load
    path = cache_path(config)
    stats_path = cache_path(config).with_name(STATS_NAME)
    quick, settled = stats_key(config, merged, f"{FORMAT}\0{signature}")  # before reading
    seen = read_stats(stats_path, FORMAT, quick)
    entry = read_cache(path, seen["key"]) if seen is not None else None
    if entry is not None:
        return _cached_project(config, entry, merged, None, seen["env_names"])
    files = read_files(config)
    inputs = load_inputs(config, files, merged, signature=signature)
    key = inputs.key
    entry = read_cache(path, key)
    if entry is not None:
        names = env_names(files)
        if settled:
            write_stats(stats_path, FORMAT, quick, key, names)
        return _cached_project(config, entry, merged, files, names)
    if on_change is not None:
        on_change()  # (a miss: the project's inputs changed since the cache was written)
    found = read_previous(path)
    project = (_delta(config, files, merged, inputs, found, late) if found is not None
               else None)
    if project is None:
        project = _assembled(config, files, vars, merged, inputs, signature, found, late)
    project.env_read = env_names(files)
    if settled:
        write_stats(stats_path, FORMAT, quick, key, project.env_read)
    return project


def _delta(config: Any, files: Any, merged: Mapping[str, Any], inputs: Any,
           found: Previous, late: bool = False) -> Any:
    """The project when only model files changed since the cached load (`delta_load`),
    written as an overlay of the main file's load (`cache_file`); None otherwise. With
    `late`, the changed models' SQL checks run beside the build (`late_checks`), and
    the overlay is written once they passed."""
    from warehouse.compile.delta_load import changed_models, reload_models
    from warehouse.compile.model_checks import stem
    from warehouse.core.identity import NodeId, NodeKind

    previous = found.entry
    changed = changed_models(previous.inputs, inputs)
    if changed is None:
        return None
    checks = None
    if late:
        from warehouse.compile.late_checks import LateChecks
        from warehouse.compile.parse import NativeFirst

        checks = LateChecks(NativeFirst(), edits=True)
    with _checked_first(checks):
        project = reload_models(config, files, merged, previous, changed, found.props,
                                analyze=checks)
    if project is None:
        return None
    project.cache_key = inputs.key
    ids = frozenset(NodeId(NodeKind.MODEL, stem(rel)) for rel in changed)

    def write() -> None:
        write_overlay(cache_path(config), found, CachedLoad(
            inputs.key, project.nodes, project.parents, dict(project.fingerprints), {}, "",
            project.dag, inputs, previous.stale | ids))

    return _written_when_checked(project, checks, write)


def _assembled(config: Any, files: Any, vars: Mapping[str, Any] | None,
               merged: Mapping[str, Any], inputs: Any, signature: str,
               found: Previous | None, late: bool = False) -> Any:
    """The whole project assembled (with what the last load's memos hold), and cached;
    with `late`, its models' SQL checks left to `project.late_checks` (then the cache is
    written once they all passed)."""
    from warehouse.compile.assemble import assemble_project  # a miss: render everything
    from warehouse.compile.delta_load import props_blob
    from warehouse.compile.fingerprint import DigestMemo, normalizer_version
    from warehouse.compile.memo import Memo
    from warehouse.compile.model_cache import ModelCache, StderrCopy
    from warehouse.compile.model_checks import seeds_described_as_models
    from warehouse.compile.parse import NativeFirst
    from warehouse.compile.properties_cache import cached_properties

    previous = found.entry if found is not None else None
    try:
        memos = unpickle(found.memos) if found is not None else {}
    except BROKEN:
        memos = {}
    memos = memos if isinstance(memos, Mapping) else {}  # (written by another engine)
    analyses: Memo[ParsedModel] = Memo.carried(analyzer_version(signature),
                                               memos.get("analyses"))
    # (a node a delta load replaced is not what the memos' entries naming it were made of)
    kept = ({k: v for k, v in previous.nodes.items() if k not in previous.stale}
            if previous is not None else None)
    models = ModelCache(model_context(config, files, merged, signature), memos.get("models"),
                        kept)
    properties = cached_properties(config, files, f"{FORMAT}\0{signature}")
    # A build's load (late checks) reads its models on DuckDB's tree: no sqlglot import,
    # and the first model checked, so run, sooner (parse.NativeFirst).
    analyze = memoized_analysis(analyses, NativeFirst() if late else None)
    checks = None
    if late:
        from warehouse.compile.late_checks import LateChecks

        analyze = checks = LateChecks(analyze)
    with StderrCopy(sys.stderr) as printed, _checked_first(checks):
        # The config and files the key was made of: loading them again would print the
        # config's notes twice and could build from other inputs than were hashed.
        project = assemble_project(config, files, vars=vars, analyze=analyze,
                                   properties=properties, model_cache=models)
    project.cache_key = inputs.key

    def write() -> None:
        # (with late checks, on their thread once they passed: the parse's tokens are
        # read for the digests then, and a first build's plan does not wait for them)
        digests = DigestMemo.carried(normalizer_version(), memos.get("sql_digests"))
        fingerprints = project.compute_fingerprints(digests,
                                                    _same_nodes_local(previous, project))
        write_cache(cache_path(config), CachedLoad(
            inputs.key, project.nodes, project.parents, dict(fingerprints),
            {"analyses": analyses.state(), "sql_digests": digests.state(),
             "models": models.state()}, printed.getvalue(), project.dag, inputs),
            props=props_blob(seeds_described_as_models(properties, files).models))

    return _written_when_checked(project, checks, write)


@contextlib.contextmanager
def _checked_first(checks: Any) -> Iterator[None]:
    """A load that fails after setting checks aside runs them first: a model's failed
    check, met earlier by an eager load, is the load's error (late_checks.run_now)."""
    from warehouse.core.errors import ProjectError

    try:
        yield
    except ProjectError:
        if checks is not None:
            checks.run_now()
        raise


def _written_when_checked(project: Any, checks: Any, write: Callable[[], None]) -> Any:
    """`project`, its cache written by `write` now, or once its late checks passed (they
    are then the project's, and their thread started, to begin when the build says)."""
    if checks is not None and checks.pending:
        project.late_checks = checks
        checks.then(write)
        checks.start(project.nodes)
    else:
        write()
    return project


def _same_nodes_local(previous: CachedLoad | None, project: Any) -> dict[Any, str]:
    """Local fingerprints of the last load kept for nodes that are its very objects (models
    the per-model cache gave whole): a function of the node alone, not computed again."""
    if previous is None:
        return {}
    return {node_id: previous.fingerprints[node_id].local
            for node_id, node in project.nodes.items()
            if previous.nodes.get(node_id) is node and node_id in previous.fingerprints}


def _cached_project(config: Any, entry: CachedLoad, merged: Mapping[str, Any],
                    files: Any, names: Any) -> Any:
    """The project of a cache hit. `files`, when the hit came from the stats alone, are
    read only if something renders at run time."""
    from warehouse.compile.project import Project, make_renderer

    def renderer() -> Any:
        from warehouse.compile.files import read_files

        return make_renderer(config, files if files is not None else read_files(config))

    if entry.stderr:
        sys.stderr.write(entry.stderr)
    project = Project(config, renderer, entry.nodes, entry.parents, merged,
                      fingerprints=entry.fingerprints, cache_key=entry.key, dag=entry.dag)
    project.env_read = names
    return project


def model_context(config: Any, files: Any, vars: Mapping[str, Any], signature: str
                  ) -> str | None:
    """What every model's render depends on besides its own template (see
    `warehouse.compile.model_cache`): the engine, the configuration (paths, folder
    configs, target, packages), the vars, the macros, docs blocks and snapshot files, the
    test files that define macros, and the environment variables templates read. None
    (keep nothing per model) when one of those files reads another file itself."""
    from warehouse import __version__
    from warehouse.compile.model_cache import reads_other_files, render_context

    parts = [FORMAT, __version__, signature, repr(config),
             json.dumps(vars, sort_keys=True, default=repr)]
    shared = [(group, rel, text) for group in ("macros", "docs", "snapshots", "tests")
              for rel, text in sorted(getattr(files, group).items())
              if group != "tests" or _DEFINES_MACROS.search(text)]
    if any(reads_other_files(text) for _group, _rel, text in shared):
        return None
    for group, rel, text in shared:
        parts += [group, rel, text]
    texts = [text for group in ("models", "properties", "macros", "docs", "tests",
                                "snapshots", "fixtures", "python_models")
             for text in getattr(files, group).values()]
    parts.append(json.dumps(env_used(texts, os.environ), sort_keys=True))
    return render_context(parts)


def analyzer_version(signature: str) -> str:
    """What `parse.analyze_model_sql`'s result depends on besides the SQL: the engine's
    code and the versions of sqlglot and DuckDB (`signature`, from `engine_signature`)."""
    return hashlib.sha256(signature.encode()).hexdigest()


def memoized_analysis(memo: Memo[ParsedModel], first: Callable[..., ParsedModel] | None = None
                      ) -> Callable[..., ParsedModel]:
    """`parse.analyze_model_sql`, or `first` (parse.NativeFirst: the same tables and
    columns), remembered by the SQL text. Its result depends on the SQL alone (`path` and
    `template` only place an error, and errors are not kept); an error a check finds on
    it is found again by sqlglot's analysis (`thorough`: resolve.checked_by)."""
    from warehouse.compile import parse

    analyzer = first or parse.analyze_model_sql

    def analyze(sql: str, *, path: str, template: str) -> ParsedModel:
        return memo.get(sql, lambda text: analyzer(text, path=path, template=template))

    analyze.thorough = parse.NativeFirst.thorough  # type: ignore[attr-defined]
    return analyze

