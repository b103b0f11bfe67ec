"""dbt's global flags on `warehouse`'s command line, so dbt's invocations run unchanged.

dbt takes its global flags before the command (`dbt --no-partial-parse run`) as
well as after it; argparse takes a subcommand's options only after the command.
`normalize` rewrites the arguments before argparse sees them:

- a flag the engine has under the same meaning (`--debug`, `--project-dir`,
  `--profiles-dir`, `--target`, `--vars`) moves after the command;
- a flag with an equivalent of ours is translated (`--no-partial-parse` is our
  `--no-parse-cache`: both mean "read every file again");
- a flag that means nothing here (logging, colours, usage statistics, dbt's
  parser choices) is dropped, with one note saying so, because refusing it
  would fail a dbt invocation over something that changes nothing we do.

A flag that would change what is built (`--state`, `--defer`, `--fail-fast` is
not one of them: it only stops early) is left to argparse, which refuses it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from warehouse.core.errors import UsageError

# Flags of ours that dbt also takes before the command: flag -> takes a value.
MOVABLE = {"--debug": False, "-d": False, "--project-dir": True, "--profiles-dir": True,
           "--target": True, "-t": True, "--vars": True, "--no-partial-parse": False}

TRANSLATED = {"--no-partial-parse": "--no-parse-cache", "-d": "--debug", "-t": "--target"}

# dbt flags without a value that change nothing the engine does, and why.
_LOGGING = "the engine's output has no log levels, colours or log files"
_PARSER = "the engine has one parser and its own parse cache"
IGNORED = {
    "--partial-parse": _PARSER, "--static-parser": _PARSER, "--no-static-parser": _PARSER,
    "--use-experimental-parser": _PARSER, "--no-use-experimental-parser": _PARSER,
    "--use-colors": _LOGGING, "--no-use-colors": _LOGGING, "--use-colors-file": _LOGGING,
    "--no-use-colors-file": _LOGGING, "--log-cache-events": _LOGGING,
    "--no-log-cache-events": _LOGGING, "--quiet": _LOGGING, "-q": _LOGGING,
    "--no-quiet": _LOGGING, "--print": _LOGGING, "--no-print": _LOGGING,
    "--no-debug": _LOGGING, "--show-all-deprecations": _LOGGING,
    "--no-show-all-deprecations": _LOGGING,
    "--send-anonymous-usage-stats": "the engine sends nothing anywhere",
    "--no-send-anonymous-usage-stats": "the engine sends nothing anywhere",
    "--version-check": "the engine does not check require-dbt-version",
    "--no-version-check": "the engine does not check require-dbt-version",
    "--cache-selected-only": "the engine keeps no relation cache",
    "--no-cache-selected-only": "the engine keeps no relation cache",
    "--populate-cache": "the engine keeps no relation cache",
    "--no-populate-cache": "the engine keeps no relation cache",
    "--write-json": "the engine always writes its artifacts",
    "--no-fail-fast": "the engine runs every node it can",
    "--no-upload-to-artifacts-ingest-api": "the engine uploads nothing",
}
# dbt flags with a value that change nothing the engine does, and why.
IGNORED_WITH_VALUE = {
    "--log-level": _LOGGING, "--log-level-file": _LOGGING, "--log-format": _LOGGING,
    "--log-format-file": _LOGGING, "--log-path": _LOGGING, "--printer-width": _LOGGING,
    "--record-timing-info": "the engine prints its own timings", "-r":
        "the engine prints its own timings",
}


@dataclass(frozen=True)
class Normalized:
    """The arguments argparse is given, and one note per dbt flag that was dropped."""

    argv: tuple[str, ...]
    notes: tuple[str, ...] = ()


def normalize(argv: Sequence[str], commands: Iterable[str]) -> Normalized:
    """`argv` with dbt's global flags moved after the command, translated or dropped."""
    commands = frozenset(commands)
    head: list[str] = []  # up to and including the command
    moved: list[str] = []  # flags of ours written before the command
    tail: list[str] = []  # after the command
    notes: dict[str, str] = {}
    command: str | None = None
    tokens = list(argv)
    i = 0
    while i < len(tokens):
        token = tokens[i]
        flag, equals, value = token.partition("=")
        if token == "--":  # everything after it is an argument, as argparse reads it
            (tail if command else head).extend(tokens[i:])
            break
        step = 1
        if flag in IGNORED_WITH_VALUE:
            notes.setdefault(flag, IGNORED_WITH_VALUE[flag])
            step = 1 if equals else 2
        elif token in IGNORED:
            notes.setdefault(token, IGNORED[token])
        else:
            name = TRANSLATED.get(flag, flag)
            words = [name + equals + value]
            if command is None and flag in MOVABLE:
                if MOVABLE[flag] and not equals:
                    words += tokens[i + 1:i + 2]
                    step = 2
                moved.extend(words)
            elif command is None:
                head.extend(words)
                command = token if token in commands else None
            else:
                tail.extend(words)
        i += step
    text = tuple(f"dbt's {flag} is ignored: {why}" for flag, why in notes.items())
    return Normalized((*head, *moved, *tail), text)


def parse_vars(text: str | None) -> dict[str, Any]:
    """`--vars`: a JSON mapping, or YAML as dbt takes it (`{key: value}`)."""
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
