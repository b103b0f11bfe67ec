"""The `warehouse` command line: a thin layer over the library.

Each command parses its options, calls one library function and turns the
result into an exit code: 0 success, 1 a node or blocking test failed, 2 a
usage or project error. Heavy imports happen inside the command functions, so
`warehouse --help` stays fast.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from warehouse.cli_args import COMMANDS
from warehouse.cli_args import parser as command_parser
from warehouse.core.errors import NodeFailure, UsageError, WarehouseError

# Commands whose work lives in a module of its own: "module:function". The
# function takes the loaded project and the parsed arguments, returns an exit code.
HANDLERS = {
    "lineage": "warehouse.serve.lineage_cli:command",
    "docs": "warehouse.serve.docs:command",
    "publish": "warehouse.serve.pg_publish:command",
    "export": "warehouse.serve.export:command",
    "ack": "warehouse.serve.ack:command",
    "propose": "warehouse.serve.propose:command",
    "deps": "warehouse.dbt.deps:command",  # takes the project folder: it may not load yet
}


def main(argv: list[str] | None = None) -> int:
    from warehouse.dbt.cli_flags import normalize

    if argv is None:  # the program itself, not a call from a process that goes on
        _leave_heap_to_exit()
    parser = command_parser()
    given = normalize(sys.argv[1:] if argv is None else argv, COMMANDS)
    for note in given.notes:
        print(f"note: {note}", file=sys.stderr)
    args = parser.parse_args(list(given.argv))
    if not args.command:
        parser.print_help()
        return 2
    try:
        return _dispatch(args)
    except WarehouseError as exc:
        if args.debug:
            import traceback

            traceback.print_exc()
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted: nothing was published", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return _reader_went_away()


def _leave_heap_to_exit() -> None:
    """At exit, the cycle collector's last walks over everything still alive (a loaded
    project is hundreds of thousands of objects) were a tenth of a second of a build of
    500 models, to free memory the process was about to give back anyway. Frozen after
    every `atexit` function registered later has run (they run last registered first),
    they find nothing to walk; output is still flushed and every exit function runs."""
    import atexit
    import gc

    atexit.register(gc.freeze)


def _reader_went_away() -> int:
    """The reader of our output closed it (`warehouse ls | head`): stop quietly, as other
    command-line tools do, with the status of a process ended by SIGPIPE."""
    import os

    try:  # later writes, and the interpreter's own flush at exit, go nowhere
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return 141


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "propose":  # reads only the text file: no project, no warehouse
        import importlib

        module_name, function_name = HANDLERS["propose"].split(":")
        return getattr(importlib.import_module(module_name), function_name)(None, args)
    from warehouse.core.config import find_project_root

    root = args.project_dir if args.project_dir else find_project_root(Path.cwd())
    import os  # dbt's flags are its environment variables; the profile loader reads those

    if args.profiles_dir:
        os.environ["DBT_PROFILES_DIR"] = str(args.profiles_dir)
    if args.target:
        os.environ["DBT_TARGET"] = args.target
    if args.command == "clean":
        return _clean(root)
    if args.command == "debug":  # the profile and the database only: models may not load
        from warehouse.run.debug import command

        return command(root, args)
    if args.command == "deps":
        import importlib

        module_name, function_name = HANDLERS["deps"].split(":")
        return getattr(importlib.import_module(module_name), function_name)(root, args)
    vars = _parse_vars(args.vars)
    cache = not getattr(args, "no_parse_cache", False)
    config = seen = None
    if cache and args.command in ("build", "seed", "run", "test") and not (
            args.full_refresh or args.show_unchanged):
        from warehouse.compile.files import load_config
        from warehouse.core.console import Console
        from warehouse.run.noop import answer, look

        config = load_config(root, vars)
        seen = look(config, vars, args.command, args.select, args.exclude)
        code = answer(seen, Console())  # nothing changed since a build that left it all
        if code is not None:  # consistent: say so, without loading the project
            return code
    from warehouse.compile.load import load_project

    project = load_project(root, vars=vars, cache=cache, config=config,
                           late=args.command in ("build", "run"))
    if args.command in ("build", "seed", "run", "test", "snapshot"):
        return _run(project, args, seen)
    if args.command == "compile":
        return _compile(project, args)
    if args.command == "docs" and args.action == "generate":
        from warehouse.serve.catalog import command

        return command(project, args)
    if args.command == "docs" and args.action == "serve":
        args.serve = True
    if args.command in HANDLERS:
        import importlib

        module_name, function_name = HANDLERS[args.command].split(":")
        return getattr(importlib.import_module(module_name), function_name)(project, args)
    return _ls(project, args)


def _parse_vars(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        import yaml

        try:
            value = yaml.safe_load(text)
        except yaml.YAMLError:
            value = None
    if not isinstance(value, dict):
        raise UsageError(f"--vars must be a JSON or YAML mapping, got {text!r}")
    return value


def _run(project: Any, args: argparse.Namespace, seen: Any = None) -> int:
    from warehouse.core.heap import frozen_heap
    from warehouse.run.results import RunOptions

    if args.threads is not None and args.threads < 1:
        raise UsageError("--threads must be at least 1")
    options = RunOptions(command=args.command, select=args.select, exclude=args.exclude,
                         threads=args.threads, full_refresh=args.full_refresh,
                         show_unchanged=args.show_unchanged)
    with frozen_heap():  # the loaded project: out of the cycle collector's walks
        return _run_and_record(project, args, options, seen)


def _run_and_record(project: Any, args: argparse.Namespace, options: Any, seen: Any) -> int:
    """Execute (the manifest written meanwhile), then write the results and the no-op
    stamp."""
    import contextlib

    from warehouse.core.atomic import write_atomic
    from warehouse.run.artifacts import manifest_in_background, run_results_json
    from warehouse.run.runner import execute

    manifest_written = manifest_in_background(project.target_path / "manifest.json", project)
    try:
        result = execute(project, options)
    except BaseException:
        with contextlib.suppress(Exception):  # the build's own error is the one to say
            manifest_written()
        raise
    if not result.results and (args.select or args.exclude):
        with contextlib.suppress(Exception):
            manifest_written()
        return _nothing_selected(args)
    try:
        manifest_written()
        write_atomic(project.target_path / "run_results.json",
                     run_results_json(result, project))
    except OSError as exc:
        done = "was published" if result.published else "ran"
        raise NodeFailure(f"the build {done}, but its artifacts could not be written: "
                          f"{exc.strerror or exc}", path=str(exc.filename or
                                                             project.target_path),
                          hint="make room (or fix the folder's permissions); the next build "
                               "writes them again") from None
    if seen is not None:  # so that the same command next time need not load the project
        from warehouse.run.noop import remember

        with contextlib.suppress(OSError):
            remember(seen, project, options, result)
    return result.exit_code


def _compile(project: Any, args: argparse.Namespace) -> int:
    from warehouse.core.identity import NodeKind
    from warehouse.core.nodes import ModelNode, SnapshotNode, TestNode
    from warehouse.run.results import RunOptions
    from warehouse.run.runner import selected_nodes

    options = RunOptions(command="build", select=args.select, exclude=args.exclude)
    chosen = [n for n in selected_nodes(project, options, _warnings())
              if n.kind is not NodeKind.SEED]
    if not chosen and (args.select or args.exclude):
        return _nothing_selected(args)
    out_dir = project.target_path / "compiled"
    for node_id in chosen:
        node = project.nodes[node_id]
        built = isinstance(node, (ModelNode, SnapshotNode))
        sql = node.compiled_sql if built else node.sql
        rel = node.path if isinstance(node, ModelNode) else f"tests/{node.name}.sql"
        if isinstance(node, SnapshotNode):  # (a file may hold several, or be YAML)
            rel = f"{Path(node.path).with_suffix('')}/{node.name}.sql"
        if isinstance(node, TestNode) and node.test_name is None:
            rel = node.path
        if getattr(node, "renders_at_run", False):  # its SQL reads the database
            sql = ("-- rendered without a database (`execute` false, as dbt parses): the SQL "
                   "that runs is rendered again when it runs\n" + sql)
        target = out_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(sql, encoding="utf-8")
        if args.print_sql or (args.select and len(chosen) == 1):
            print(f"-- {node_id} ({node.path})\n{sql.strip()}\n")
    print(f"compiled {len(chosen)} nodes into {out_dir}", file=sys.stderr)
    return 0


def _ls(project: Any, args: argparse.Namespace) -> int:
    from warehouse.run.results import RunOptions
    from warehouse.run.runner import selected_nodes

    options = RunOptions(command="build", select=args.select, exclude=args.exclude)
    chosen = selected_nodes(project, options, _warnings())
    if args.resource_type:
        chosen = [n for n in chosen if n.kind.value == args.resource_type]
    if not chosen and (args.select or args.exclude or args.resource_type):
        return _nothing_selected(args)
    for node_id in chosen:
        node = project.nodes[node_id]
        if args.output == "json":
            print(json.dumps({"unique_id": str(node_id), "name": node.name, "path": node.path,
                              "resource_type": node_id.kind.value}))
        else:
            print({"id": str(node_id), "name": node.name, "path": node.path}[args.output])
    return 0


def _warnings() -> Any:
    """Where selection warnings go for commands whose output is the listing: stderr."""
    from warehouse.core.console import Console

    return Console(sys.stderr)


def _nothing_selected(args: argparse.Namespace) -> int:
    """A selection that picks nothing is most often a typo: say so, and exit 1 (as grep
    does when nothing matches) so that a script notices."""
    what = " ".join([*(["--select", *args.select] if args.select else []),
                     *(["--exclude", *args.exclude] if args.exclude else [])])
    kind = getattr(args, "resource_type", None)
    picks = f"no {kind}" if kind else "nothing"
    print(f"warning: {what or '--resource-type ' + str(kind)} picks {picks} for "
          f"`{args.command}`: nothing was done (see `warehouse ls` for the nodes)",
          file=sys.stderr)
    return 1


def _clean(root: Path) -> int:
    """Remove target/ and what killed builds left, holding the build lock throughout: while
    a build runs, clean refuses (exit 2, naming the build) and removes nothing, rather than
    wait for a build that may take minutes; no build starts while target/ goes."""
    import shutil

    from warehouse.adapters.target import adapter_for
    from warehouse.compile.files import load_config

    config = load_config(root)
    target = config.root / config.target_dir
    with adapter_for(config).without_builds() as leftovers:
        local_postgres = target / "postgres"  # where `make publish` keeps its throwaway server
        if local_postgres.exists():
            from warehouse.serve import pg_server

            if pg_server.stop(local_postgres):
                print(f"stopped the PostgreSQL server in {local_postgres}")
        if target.exists():
            shutil.rmtree(target)
    if leftovers:
        print(f"removed what earlier builds left: {', '.join(leftovers)}")
    print(f"removed {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
