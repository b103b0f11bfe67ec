"""The `warehouse` command line: a thin layer over the library.

Each command parses its options, calls one library function and turns the
result into an exit code: 0 success, 1 a node or blocking test failed, 2 a
usage or project error. Heavy imports happen inside the command functions, so
`warehouse --help` stays fast.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from warehouse import __version__
from warehouse.core.errors import NodeFailure, UsageError, WarehouseError

COMMANDS = {
    "build": "load seeds, build models and run data tests; publish if all pass",
    "seed": "load the seed CSV files",
    "run": "build the models",
    "test": "run the data tests against the warehouse",
    "snapshot": "capture the snapshots' queries into their history tables",
    "compile": "render models and tests to SQL without running them",
    "ls": "list the nodes a selection picks",
    "lineage": "show a model's upstream and downstream models, or a column's sources",
    "docs": "write the documentation site to target/docs (and serve it with --serve)",
    "publish": "copy the marts of the published warehouse into PostgreSQL",
    "export": "write each mart of the published warehouse as a Parquet file",
    "clean": "remove build artifacts (target/ and stale work files)",
    "ack": "acknowledge a known inconsistency: add its check id and a reason to the seed",
    "propose": "print draft rows of seeds/reported_figures.csv from a report's text file",
    "deps": "install a dbt project's local: packages into dbt_packages/ (hub, git: dbt deps)",
    "debug": "check that the profile leads to a database (--connection: only that)",
}

RUNNING = ("build", "seed", "run", "test", "snapshot")  # (the commands that run nodes)
# Under each command's --help: what it does in a sentence or two, then examples.
EXAMPLES = {
    "build": ("Seeds, models and data tests in dependency order, in a copy of the warehouse "
              "that replaces the published one only when nothing failed. Nodes whose inputs "
              "did not change are not run again (--show-unchanged lists them).",
              ["warehouse build", "warehouse build --select +fct_trade_estimate",
               "warehouse build --select marts.fct_trade_estimate+ --threads 4"]),
    "seed": ("Load the CSV files under the seed paths into tables.",
             ["warehouse seed", "warehouse seed --select reported_figures"]),
    "run": ("Build the models (no seeds, no tests).",
            ["warehouse run --select path:models/marts", "warehouse run --full-refresh"]),
    "test": ("Run the data tests (and unit tests) against the published warehouse.",
             ["warehouse test", "warehouse test --select fct_trade_estimate"]),
    "snapshot": ("Record the rows of each snapshot's query into its history table.",
                 ["warehouse snapshot"]),
    "compile": ("Render models and tests to SQL in target/compiled without running them.",
                ["warehouse compile", "warehouse compile --select fct_trade_estimate"]),
    "ls": ("List the nodes a selection picks, one per line.",
           ["warehouse ls --select tag:nightly", "warehouse ls --resource-type model "
            "--output path", "warehouse ls --select marts.fct_trade_estimate --output json"]),
    "lineage": ("A model's upstream and downstream models as trees, or with .COLUMN the "
                "columns it comes from down to the seeds and sources.",
                ["warehouse lineage fct_trade_estimate",
                 "warehouse lineage marts.fct_trade_estimate.estimate_usd"]),
    "docs": ("Write the documentation site, one folder that opens offline.",
             ["warehouse docs", "warehouse docs --serve --port 8081"]),
    "publish": ("Copy the marts of the published warehouse into a PostgreSQL schema, with "
                "the keys their tests declare.",
                ["warehouse publish --postgres postgresql://analyst@localhost:5432/trade"]),
    "export": ("Write each mart as a Parquet file.", ["warehouse export --parquet out/"]),
    "clean": ("Remove target/ and what earlier builds left (a killed build's files, "
              "the spare).", ["warehouse clean"]),
    "ack": ("Record that an inconsistent check is known and why, so it no longer fails.",
            ["warehouse ack CHECK_ID --reason 'the ministry revised the figure'"]),
    "propose": ("Print draft rows of seeds/reported_figures.csv from a report's text.",
                ["warehouse propose report.txt --source-id 001_7ddad99573a6666b --format table"]),
    "deps": ("Install a dbt project's local packages into dbt_packages/.",
             ["warehouse deps"]),
    "debug": ("Check the configuration: the project, the profile and its output, and that "
              "the database it names can be opened.",
              ["warehouse debug", "warehouse debug --connection --target prod"]),
}


def _subparser(sub: Any, name: str, parents: list[argparse.ArgumentParser]
               ) -> argparse.ArgumentParser:
    """A command with its one-line help in the command list, and a description and
    examples under its own --help."""
    import textwrap

    description, examples = EXAMPLES[name]
    description = textwrap.fill(description, 78)
    epilog = "examples:\n" + "\n".join(f"  {e}" for e in examples)
    return sub.add_parser(name, help=COMMANDS[name], description=description, epilog=epilog,
                          parents=parents, formatter_class=argparse.RawDescriptionHelpFormatter)


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
    "compile": "warehouse.run.listing:compile_command",
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="warehouse", description="A dbt-style transform engine on DuckDB.",
        epilog="`warehouse COMMAND --help` describes a command, with examples.")
    parser.add_argument("--version", action="version", version=f"warehouse {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--project-dir", type=Path, default=None,
                        help="project folder (default: the nearest one above the current folder)")
    common.add_argument("--debug", action="store_true", help="show tracebacks of errors")
    common.add_argument("--vars", default=None, help="JSON (or YAML) mapping of variables")
    common.add_argument("--no-parse-cache", action="store_true",
                        help="render and parse every file again (ignore target/parse_cache)")
    common.add_argument("--profiles-dir", default=None,
                        help="dbt projects: folder holding profiles.yml (as DBT_PROFILES_DIR)")
    common.add_argument("--target", default=None,
                        help="dbt projects: the profile's output to build (as DBT_TARGET)")
    select = argparse.ArgumentParser(add_help=False)
    select.add_argument("-s", "--select", nargs="+", default=[],
                        help="nodes to include: names, schema.name, tag:, path:, +, @ "
                             "(dbt's syntax)")
    select.add_argument("-m", "--models", dest="select", nargs="+", default=[],
                        help="dbt's older name of --select")
    select.add_argument("--exclude", nargs="+", default=[], help="nodes to leave out")
    running = argparse.ArgumentParser(add_help=False)
    running.add_argument("--threads", type=int, default=None, help="parallel workers")
    running.add_argument("--full-refresh", action="store_true",
                         help="rebuild incremental models from scratch")
    running.add_argument("--show-unchanged", action="store_true",
                         help="print a line for every node, the unchanged ones too")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in RUNNING:
        _subparser(sub, name, [common, select, running])
    comp = _subparser(sub, "compile", [common, select])
    comp.add_argument("--print", action="store_true", dest="print_sql",
                      help="print the SQL of every selected node")
    ls = _subparser(sub, "ls", [common, select])
    ls.add_argument("--resource-type", choices=["model", "seed", "test", "source", "snapshot"],
                    default=None, help="list only nodes of this kind")
    ls.add_argument("--output", choices=["id", "name", "path", "json"], default="id",
                    help="what to print of each node: its id (default), name, file, or a "
                         "JSON object per line")
    lineage = _subparser(sub, "lineage", [common])
    lineage.add_argument("node", metavar="MODEL[.COLUMN]",
                         help="a model (or seed, source) name or schema.name, optionally "
                              "with a column")
    lineage.add_argument("--output", choices=["text", "json"], default="text",
                         help="indented trees (default) or JSON")
    docs = _subparser(sub, "docs", [common])
    docs.add_argument("action", nargs="?", choices=["generate", "serve"], default=None,
                      help="generate: dbt's target/catalog.json (and manifest.json); serve: "
                           "as --serve")
    docs.add_argument("--no-compile", action="store_true",
                      help="docs generate: write no manifest.json, as dbt's flag")
    docs.add_argument("--serve", action="store_true", help="serve the site on 127.0.0.1")
    docs.add_argument("--port", type=_port, default=8080, help="port for --serve (default 8080)")
    publish = _subparser(sub, "publish", [common])
    publish.add_argument("--postgres", metavar="URL", required=True,
                         help="PostgreSQL connection URL (postgresql://user@host:port/db)")
    publish.add_argument("--schema", default="marts", help="target schema (default marts)")
    export = _subparser(sub, "export", [common])
    export.add_argument("--parquet", metavar="DIR", type=Path, required=True,
                        help="folder to write one Parquet file per mart into")
    _subparser(sub, "clean", [common])
    _subparser(sub, "deps", [common])
    debug = _subparser(sub, "debug", [common])
    debug.add_argument("--connection", action="store_true",
                       help="only open the database the profile names, as dbt's flag")
    ack = _subparser(sub, "ack", [common])
    ack.add_argument("check_ids", nargs="+", metavar="CHECK_ID",
                     help="the id of an inconsistent check, as the failing test prints it")
    ack.add_argument("--reason", required=True,
                     help="why this is not an error (written to the seed beside the id)")
    propose = _subparser(sub, "propose", [common])
    propose.add_argument("file", metavar="FILE", type=Path, help="the report as a UTF-8 text file")
    propose.add_argument("--source-id", required=True,
                         help="the report's source_id (its file stem in seeds/sources.csv)")
    propose.add_argument("--format", choices=["csv", "table"], default="csv",
                         help="csv (the seed's columns, default) or table (aligned, for reading)")
    return parser


def _port(text: str) -> int:
    """A TCP port number for --port, checked before anything starts."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port: use 1 to 65535")
    return port


def main(argv: list[str] | None = None) -> int:
    args = None
    try:  # (Ctrl-C from the first line on: the same message, no traceback)
        from warehouse.dbt.cli_flags import normalize

        parser = _parser()
        given = normalize(sys.argv[1:] if argv is None else argv, COMMANDS)
        for note in given.notes:
            print(f"note: {note}", file=sys.stderr)
        args = parser.parse_args(list(given.argv))
        if argv is None:  # the program itself, not a call from a process that goes on
            from warehouse.core.heap import as_a_program

            as_a_program(runs_threads=args.command in RUNNING)
        if not args.command:
            parser.print_help()
            return 2
        return _dispatch(args)
    except WarehouseError as exc:
        if args is not None and args.debug:
            import traceback

            traceback.print_exc()
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except (KeyboardInterrupt, RuntimeError) as exc:
        from warehouse.core.console import interrupted_query

        if isinstance(exc, RuntimeError) and not interrupted_query(exc):
            raise
        print("interrupted: nothing was published", file=sys.stderr)
        return 130
    except BrokenPipeError:
        from warehouse.core.console import reader_went_away

        return reader_went_away()


def _handler(command: str) -> Any:
    """The function that runs `command` (HANDLERS), its module imported now."""
    import importlib

    module_name, function_name = HANDLERS[command].split(":")
    return getattr(importlib.import_module(module_name), function_name)


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "propose":  # reads only the text file: no project, no warehouse
        return _handler("propose")(None, args)
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
        return _handler("deps")(root, args)
    from warehouse.dbt.cli_flags import parse_vars

    vars = parse_vars(args.vars)
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

    changed = None
    if seen is not None:  # (the no-op check could not answer: a build may open ahead)
        from warehouse.run.workspace_ahead import when_changed

        changed = when_changed(config, args.command)
    try:
        project = load_project(root, vars=vars, cache=cache, config=config,
                               late=args.command in ("build", "run"), on_change=changed)
        if args.command in RUNNING:
            return _run(project, args, seen, changed and changed.ahead)
    finally:
        if changed is not None:
            changed.give_back()  # (not taken by the build: see run/workspace_ahead.py)
    if args.command == "docs" and args.action == "generate":
        from warehouse.serve.catalog import command

        return command(project, args)
    if args.command == "docs" and args.action == "serve":
        args.serve = True
    if args.command in HANDLERS:
        return _handler(args.command)(project, args)
    from warehouse.run.listing import ls_command

    return ls_command(project, args)


def _run(project: Any, args: argparse.Namespace, seen: Any = None, ahead: Any = None) -> int:
    from warehouse.core.heap import frozen_heap
    from warehouse.run.results import RunOptions

    if args.threads is not None and args.threads < 1:
        raise UsageError("--threads must be at least 1")
    options = RunOptions(command=args.command, select=args.select, exclude=args.exclude,
                         threads=args.threads, full_refresh=args.full_refresh,
                         show_unchanged=args.show_unchanged)
    with frozen_heap():  # the loaded project: out of the cycle collector's walks
        return _run_and_record(project, args, options, seen, ahead)


def _run_and_record(project: Any, args: argparse.Namespace, options: Any, seen: Any,
                    ahead: Any = None) -> int:
    """Execute (the manifest written meanwhile), then write the results and no-op stamp."""
    import contextlib

    from warehouse.core.atomic import write_atomic
    from warehouse.run.artifacts import manifest_in_background, run_results_json
    from warehouse.run.runner import execute

    manifest_written = manifest_in_background(project.target_path / "manifest.json", project)
    try:
        result = execute(project, options, ahead=ahead)
    except BaseException:
        with contextlib.suppress(Exception):  # the build's own error is the one to say
            manifest_written()
        raise
    if not result.results and (args.select or args.exclude):
        with contextlib.suppress(Exception):
            manifest_written()
        from warehouse.run.listing import nothing_selected

        return nothing_selected(args)
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
