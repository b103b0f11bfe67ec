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

A miss reuses what did not change, each piece under a key of everything it
depends on: each model's two render passes (`model_cache`: its template, the
project-wide render inputs, what its references resolve to), each property
file's parse (`properties_cache`), and, keyed by the rendered SQL, the
syntax check and parse (`parse.analyze_model_sql`) and the normalized digest
of each SQL text. These are `warehouse.compile.memo.Memo`s kept after the
load in the same file (a second pickle, read only on a miss), each under the
version of the code that computed it, each holding what the last load used.

The file is a pickle (exact round trip of YAML values such as dates and of
frozen dataclasses, with no schema to keep in step with the node classes),
written atomically, and only ever read back by the engine that wrote it: a
file whose header is not ours, or that fails to load, is a miss.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from warehouse.adapters.base import ParsedModel
    from warehouse.compile.memo import Memo

CACHE_NAME = "parse_cache.pickle"
STATS_NAME = "parse_cache.stats.json"  # the files' stats that stand for them (load_stats.py)
FORMAT = "warehouse-parse-cache/4"
_ENV_LITERAL = re.compile(r"""env_var\(\s*(['"])([^'"]+)\1""")
_ENV_CALL = re.compile(r"env_var\s*\(")
_DEFINES_MACROS = re.compile(r"{%-?\s*(macro|test)\b")
_PACKAGES = (("sqlglot", "sqlglot"), ("duckdb", "duckdb"), ("jinja2", "jinja2"),
             ("yaml", "PyYAML"))  # (module, distribution)


@dataclass(frozen=True)
class CachedLoad:
    """What is pickled: the output of `load_project` that costs time to compute."""

    key: str
    nodes: Mapping[Any, Any]
    parents: Mapping[Any, Any]
    fingerprints: Mapping[Any, Any]
    memos: Mapping[str, tuple[str, Mapping[str, Any]]]  # name: Memo.state(), for the next miss
    stderr: str = ""  # what the load printed (`exceptions.warn` in templates), replayed
    dag: Any = None  # the project's core.dag.Dag, which costs a warm load more to build


def cache_path(config: Any) -> Path:
    return config.root / config.target_dir / CACHE_NAME


def cache_key(config: Any, files: Any, vars: Mapping[str, Any],
              environ: Mapping[str, str] | None = None, signature: str | None = None) -> str:
    """One digest of everything a load depends on (see the module docstring).
    `signature` is `engine_signature()` when the caller already has it."""
    environ = os.environ if environ is None else environ
    signature = engine_signature() if signature is None else signature
    h = hashlib.sha256()

    def add(*parts: str | bytes) -> None:
        for part in parts:
            h.update(part if isinstance(part, bytes) else part.encode())
            h.update(b"\0")

    from warehouse import __version__

    add(FORMAT, __version__, signature, repr(config))
    add(json.dumps(vars, sort_keys=True, default=repr))
    texts = {}
    for group in ("models", "properties", "macros", "docs", "tests", "snapshots",
                  "fixtures", "python_models"):
        mapping = getattr(files, group)
        add(group, str(len(mapping)))
        for rel in sorted(mapping):
            add(rel, mapping[rel])
            texts[rel] = mapping[rel]
    add("seeds", str(len(files.seeds)))
    for rel in files.seeds:
        add(rel, (config.root / rel).read_bytes())
    add("env", json.dumps(env_used(texts.values(), environ), sort_keys=True))
    return h.hexdigest()


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


def engine_signature() -> str:
    """Versions of the engine and what it parses with, and the state of its own modules.

    Versions come from the installed distributions' `*.dist-info` folder names
    and the packages' files are stat'ed, not imported: importing sqlglot and
    importlib.metadata alone would cost a warm load more than the rest of it."""
    from importlib.util import find_spec

    parts = [sys.version]
    listings: dict[Path, list[str]] = {}
    for module, dist in _PACKAGES:
        spec = find_spec(module)
        origin = Path(spec.origin) if spec is not None and spec.origin else None
        if origin is None or not origin.exists():
            parts.append(f"{module}=?")
            continue
        stat = origin.stat()
        site = origin.parent.parent
        if site not in listings:
            listings[site] = sorted(os.listdir(site))
        prefix = dist.lower() + "-"
        dists = [n for n in listings[site]
                 if n.lower().startswith(prefix) and n.endswith(".dist-info")]
        parts.append(f"{module}:{origin}:{stat.st_size}:{stat.st_mtime_ns}:{dists}")
    package = str(Path(__file__).parent.parent)  # every layer of `warehouse`, not only compile/
    parts += sorted(_module_stats(package, len(package) + 1))
    return "\n".join(parts)


def _module_stats(folder: str, cut: int) -> list[str]:
    """`path:size:mtime` of every module under `folder` (scandir: no path objects, about
    a millisecond for the whole engine)."""
    out = []
    for entry in os.scandir(folder):
        if entry.is_dir():
            if entry.name != "__pycache__":
                out += _module_stats(entry.path, cut)
        elif entry.name.endswith(".py"):
            stat = entry.stat()
            out.append(f"{entry.path[cut:]}:{stat.st_size}:{stat.st_mtime_ns}")
    return out


def read_cache(path: Path, key: str | None) -> CachedLoad | None:
    """The cached load if its key matches; None on any doubt (missing, foreign, stale, broken).
    `key=None` reads whatever load is there (for its SQL digests only)."""
    import pickle

    try:
        with open(path, "rb") as handle:
            header = handle.readline().rstrip(b"\n")
            if key is None:
                if not header.startswith(f"{FORMAT} ".encode()):
                    return None
            elif header != f"{FORMAT} {key}".encode():
                return None
            entry = pickle.load(handle)
            if key is None and isinstance(entry, CachedLoad):  # a miss: the memos, after it
                entry = dataclasses.replace(entry, memos=pickle.load(handle))
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError,
            TypeError, ValueError, IndexError):
        return None
    if not isinstance(entry, CachedLoad) or (key is not None and entry.key != key):
        return None
    # A cache pickled by another version of the engine may lack fields this one reads.
    if any(not hasattr(entry, field.name) for field in dataclasses.fields(CachedLoad)):
        return None
    return entry


def write_cache(path: Path, entry: CachedLoad) -> None:
    """Write atomically (temp file, rename): a reader sees the old cache or the new one.
    A cache that cannot be written (read-only target/) only costs the next load time.
    The memos go in a second pickle after the load's: a warm load does not read them."""
    import pickle

    from warehouse.core.atomic import write_atomic

    header = f"{FORMAT} {entry.key}\n".encode()
    bare = dataclasses.replace(entry, memos={})
    with contextlib.suppress(OSError):
        write_atomic(path, header + pickle.dumps(bare, protocol=pickle.HIGHEST_PROTOCOL)
                     + pickle.dumps(dict(entry.memos), protocol=pickle.HIGHEST_PROTOCOL))


def load_cached(root: Path, vars: Mapping[str, Any] | None = None,
                config: Any = None) -> Any:
    """`load_project`, served from the cache when nothing it depends on changed. `config`:
    the project's configuration when the caller has loaded it already.

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
    key = cache_key(config, files, merged, signature=signature)
    entry = read_cache(path, key)
    if entry is not None:
        names = env_names(files)
        if settled:
            write_stats(stats_path, FORMAT, quick, key, names)
        return _cached_project(config, entry, merged, files, names)
    previous = read_cache(path, None)
    memos = previous.memos if previous is not None else {}
    memos = memos if isinstance(memos, Mapping) else {}  # (written by another engine)
    from warehouse.compile.assemble import assemble_project  # a miss: render everything
    from warehouse.compile.fingerprint import DigestMemo, normalizer_version
    from warehouse.compile.memo import Memo
    from warehouse.compile.model_cache import ModelCache, StderrCopy
    from warehouse.compile.properties_cache import cached_properties

    analyses: Memo[ParsedModel] = Memo.carried(analyzer_version(signature),
                                               memos.get("analyses"))
    models = ModelCache(model_context(config, files, merged, signature), memos.get("models"),
                        previous.nodes if previous is not None else None)
    with StderrCopy(sys.stderr) as printed:
        # The config and files the key was made of: loading them again would print the
        # config's notes twice and could build from other inputs than were hashed.
        project = assemble_project(config, files, vars=vars,
                                   analyze=memoized_analysis(analyses),
                                   properties=cached_properties(config, files,
                                                                f"{FORMAT}\0{signature}"),
                                   model_cache=models)
    project.cache_key = key
    project.env_read = env_names(files)
    digests = DigestMemo.carried(normalizer_version(), memos.get("sql_digests"))
    fingerprints = project.compute_fingerprints(digests, _same_nodes_local(previous, project))
    write_cache(path, CachedLoad(key, project.nodes, project.parents, dict(fingerprints),
                                 {"analyses": analyses.state(), "sql_digests": digests.state(),
                                  "models": models.state()},
                                 printed.getvalue(), project.dag))
    if settled:
        write_stats(stats_path, FORMAT, quick, key, project.env_read)
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


def memoized_analysis(memo: Memo[ParsedModel]) -> Callable[..., ParsedModel]:
    """`parse.analyze_model_sql` remembered by the SQL text. Its result depends on the
    SQL alone (`path` and `template` only place an error, and errors are not kept)."""
    from warehouse.compile import parse

    def analyze(sql: str, *, path: str, template: str) -> ParsedModel:
        return memo.get(sql, lambda text: parse.analyze_model_sql(text, path=path,
                                                                  template=template))

    return analyze

