"""The no-op that does not grow with the project: "nothing to do", decided from file stats.

A build that changed nothing still had to load the project (read every
file, unpickle the parse cache, build the DAG), read the stored state and
plan every node before it could say so: seconds at 5,000 models. Yet when no
input changed since a build that left everything consistent, the answer is
known before any of that. So such a build leaves a stamp in target/ that
says what it was made from, and the next command compares only that:

* the engine (its version and the stat of each of its modules, as the parse
  cache's key has it) and the project's configuration as loaded;
* the command, its selection and `--vars`;
* the size, mtime and ctime of every file under the folders a load reads
  (models, seeds, macros, tests, docs, snapshots, packages), not their text;
* the values of the environment variables the templates read (all of them
  when a template computes a name);
* the published warehouse file's identity (device, inode, size, mtimes; no
  write-ahead log beside it): a build that published, or any write to it,
  changes it.

All equal: the stamp's summary line is printed, run_results.json written
from the stamp, and nothing else happens (no YAML, no pickle, no DuckDB).
Anything different, or any doubt, and the command runs as it always does.

A stamp is written only when the next identical command is certain to find
nothing to run: the run succeeded with every node `success`, `pass` or
`unchanged` (a warning is printed again each time, so it has no stamp);
no selected node reads a source (its data can change outside the engine),
calls a volatile function, is incremental, a snapshot, rendered from data at
run time, or refused; no selector compares with a previous run (`state:`,
`result:`); and no input file was modified in the two seconds before the
command started, since a file edited within the filesystem's timestamp
granularity could keep its size and mtime (git's "racily clean" problem).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

STAMP_NAME = "noop_stamp"
FORMAT = "warehouse-noop/1"
COMMANDS = frozenset({"build", "run", "seed", "test"})
RACY_NS = 2_000_000_000  # files newer than this before the command: no stamp


@dataclass(frozen=True)
class Look:
    """What the command's inputs looked like before anything was loaded."""

    stamp: Path
    key: str  # digest of everything but the environment and the warehouse file
    database: Path
    manifest: Path
    settled: bool  # no input file was modified just before the command started
    started: float


def look(config: Any, vars: Any, command: str, select: list[str], exclude: list[str]
         ) -> Look:
    """Stat the inputs (before the load reads them: an edit during the run then shows as a
    difference next time, never as the state this run saw)."""
    from warehouse import __version__
    from warehouse.compile.files import take_stats
    from warehouse.compile.signature import engine_signature  # (not the parse cache: 10 ms)

    started = time.perf_counter()
    taken = take_stats(config, hand_over=True)  # (for the load, when the command runs)
    h = hashlib.sha256()
    for part in (FORMAT, __version__, engine_signature(), repr(config),
                 json.dumps(vars or {}, sort_keys=True, default=repr),
                 json.dumps([command, list(select), list(exclude)]), repr(taken.stats)):
        h.update(part.encode())
        h.update(b"\0")
    target = config.root / config.target_dir
    return Look(target / STAMP_NAME, h.hexdigest(), config.root / config.database,
                target / "manifest.json", settled=taken.newest < taken.wall - RACY_NS,
                started=started)


def file_identity(path: Path) -> list[int] | None:
    """What changes whenever the file's content may have (as adapters/duckdb/state.py's
    `file_identity`, which this layer cannot import without DuckDB's adapter)."""
    if os.path.exists(str(path) + ".wal"):
        return None
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]


def environment(names: list[str] | None) -> str:
    """A digest of the named environment variables' values (None: of all of them)."""
    chosen = sorted(os.environ.items()) if names is None else [
        (name, os.environ.get(name)) for name in names]
    return hashlib.sha256(json.dumps(chosen).encode()).hexdigest()


def answer(seen: Look, console: Any) -> int | None:
    """Exit code 0 after printing the summary when the stamp proves there is nothing to do;
    None when the command must run."""
    try:
        with open(seen.stamp, "rb") as handle:
            header = json.loads(handle.readline())
            if (header.get("key") != seen.key
                    or header.get("database") != file_identity(seen.database)
                    or header.get("env") != environment(header.get("env_names"))
                    or not seen.manifest.exists()):
                return None
            elapsed = time.perf_counter() - seen.started
            run = dict(header["run_results"])
            for field in ("elapsed_time", "elapsed_seconds"):  # (whichever the layout has)
                if field in run:
                    run[field] = round(elapsed, 4)
            if isinstance(run.get("metadata"), dict) and "generated_at" in run["metadata"]:
                run["metadata"] = dict(run["metadata"],
                                       generated_at=_now(run["metadata"]["generated_at"]))
            head = json.dumps(run)
            # as run_results.json after the same no-op run in full: the results are the
            # rest of the stamp, copied as they are (the full run reports why it cannot)
            _write_results(seen.stamp.parent / "run_results.json",
                           f'{head[:-1]}, "results": '.encode(), handle)
    except (OSError, ValueError, AttributeError):
        return None
    console.line(header["note"])
    labels = [label for label, count in header["labels"].items() for _ in range(count)]
    console.summary(labels, elapsed, reused=header["reused"])
    return 0


def _write_results(path: Path, head: bytes, rest: Any) -> None:
    """`head`, the rest of the open file `rest`, then the closing brace, into `path`
    atomically; the rest copied by the kernel where it can (megabytes at 5,000 models,
    which reading and writing back through Python made a sixth of a no-op)."""
    import shutil
    import tempfile

    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(head)
            out.flush()
            start, end = rest.tell(), os.fstat(rest.fileno()).st_size
            try:
                while start < end:
                    copied = os.copy_file_range(rest.fileno(), out.fileno(), end - start,
                                                start, out.tell())
                    if copied <= 0:
                        raise OSError("copy_file_range copied nothing")
                    start += copied
                    out.seek(0, os.SEEK_END)
            except (OSError, AttributeError):  # another system, file system or kernel
                rest.seek(start)
                out.seek(0, os.SEEK_END)
                shutil.copyfileobj(rest, out)
            out.write(b"}")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _now(like: str) -> str:
    """The time now, written as `like` was (with a Z, or an offset)."""
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    if str(like).endswith("Z"):
        return now.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"
    return now.isoformat()


def remember(seen: Look, project: Any, options: Any, result: Any) -> None:
    """Write the stamp when the same command would now find nothing to do (see the module
    docstring); remove a stamp that no longer holds."""
    seen.stamp.unlink(missing_ok=True)
    if not _certain(seen, project, options, result):
        return
    identity = file_identity(seen.database)
    if identity is None:
        return
    from warehouse.core.atomic import write_atomic
    from warehouse.run.artifacts import run_results_parts
    from warehouse.run.progress import hidden_note, summary_label
    from warehouse.run.results import NodeResult, RunResult

    again = [NodeResult(r.node_id, "pass", failures=r.failures or 0, detail={"reused": True})
             if r.node_id.kind.value in ("test", "unit_test")
             else NodeResult(r.node_id, "unchanged", relation=r.relation)
             for r in result.results]
    labels: dict[str, int] = {}
    for r in again:
        labels[summary_label(r)] = labels.get(summary_label(r), 0) + 1
    again_run = RunResult(result.command, tuple(again), 0.0, False, result.database)
    try:  # node ids as the artifacts name them need the project, where it is taken
        document, results = run_results_parts(again_run, project)
    except TypeError:
        document, results = run_results_parts(again_run)
    names = getattr(project, "env_read", ())
    header = {"key": seen.key, "database": identity, "env_names": names,
              "env": environment(None if names is None else list(names)),
              "note": hidden_note(again, options), "labels": labels,
              "reused": sum(1 for r in again if r.detail.get("reused")),
              "run_results": document}
    write_atomic(seen.stamp, (json.dumps(header) + "\n" + results).encode())


def _certain(seen: Look, project: Any, options: Any, result: Any) -> bool:
    """Whether running the same command again is certain to run nothing."""
    from warehouse.run.plan import always_run, sources_read
    from warehouse.run.state import wants_state

    if (not seen.settled or options.full_refresh or options.show_unchanged
            or wants_state(options) or result.exit_code != 0 or not result.results
            or result.database != str(seen.database)
            or not hasattr(project, "env_read") or getattr(project, "cache_key", None) is None):
        return False
    if any(r.status not in ("success", "pass", "unchanged") or r.detail.get("reads_outside")
           for r in result.results):
        return False
    order = [r.node_id for r in result.results]
    if sources_read(project, order) or always_run(project, order, False):
        return False
    return not any(getattr(project.nodes[n], "refused", None) is not None for n in order)
