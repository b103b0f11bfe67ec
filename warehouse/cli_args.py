"""The `warehouse` command line's arguments: each command, its one-line help, a
description and examples under its own --help, and its options.

Apart from `warehouse.cli` so that the commands' definitions read as one list;
nothing here imports more than argparse, so `warehouse --help` stays fast.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from warehouse import __version__

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


def parser() -> argparse.ArgumentParser:
    """The parser of every command and its options."""
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
    for name in ("build", "seed", "run", "test", "snapshot"):
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
