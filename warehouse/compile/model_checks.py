"""Checks of a model's config and of property files against the project's files.

Kept apart from `assemble` (which calls them) so each stays readable: a config
the engine cannot build is refused at the key that set it, and a property file
describing a model or seed that has no file is an error at its entry.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from typing import Any

from warehouse.compile.config_origin import ConfigLocator
from warehouse.compile.files import ProjectFiles
from warehouse.core.config import INCREMENTAL_STRATEGIES, MATERIALIZATIONS, ProjectConfig
from warehouse.core.errors import ProjectError, Unsupported
from warehouse.core.properties import Properties


def validate_model_config(cfg: Mapping[str, Any], path: str,
                           locate: ConfigLocator | None = None) -> None:
    """Refuse a config the engine cannot build, at the key that set it (`locate`: in the
    model's config() call, its property file or the project's config file): a
    materialization or strategy it does not have is Unsupported (this model is refused,
    the rest builds); a merge without a key is the user's error."""
    mat = cfg.get("materialized", "view")
    if mat not in MATERIALIZATIONS:
        raise _config_error(locate, path, "materialized", f"materialized={mat!r} is not "
                            "supported", _one_of(mat, MATERIALIZATIONS), kind=Unsupported)
    if mat == "incremental":
        strategy = cfg.get("incremental_strategy", "merge" if cfg.get("unique_key") else "append")
        if strategy not in INCREMENTAL_STRATEGIES:
            raise _config_error(locate, path, "incremental_strategy",
                                f"incremental_strategy={strategy!r} is not supported",
                                _one_of(strategy, INCREMENTAL_STRATEGIES), kind=Unsupported)
        if strategy != "append" and not cfg.get("unique_key"):
            raise _config_error(locate, path, "incremental_strategy",
                                f"incremental_strategy={strategy!r} needs a unique_key",
                                "set unique_key to the column (or columns) that identify a "
                                "row, or use incremental_strategy='append'")


def _config_error(locate: ConfigLocator | None, path: str, key: str, message: str,
                  hint: str | None = None, kind: type[ProjectError] = ProjectError
                  ) -> ProjectError:
    """The error at the key's place; naming the model when that place is another file."""
    where = locate(key) if locate else {"path": path}
    if where.get("path") != path:
        message += f" (model {path})"
    return kind(message, hint=hint, **where)


def _one_of(value: Any, allowed: frozenset[str]) -> str:
    close = difflib.get_close_matches(str(value), sorted(allowed), n=1)
    known = f"use one of {', '.join(sorted(allowed))}"
    return f"did you mean {close[0]!r}? {known}" if close else known


def stem(path: str) -> str:
    """`Path(path).stem` of a project path (a POSIX string), without a Path."""
    return os.path.splitext(path.rpartition("/")[2])[0]


def seeds_described_as_models(props: Properties, files: ProjectFiles) -> Properties:
    """A `models:` entry naming a seed (and no model) describes that seed, as in dbt,
    whose tests find their node by name whatever its kind (dbt's own adapter tests
    describe their seed so); the seed's own `seeds:` entry, if any, wins."""
    from dataclasses import replace

    model_names = {stem(p) for p in (*files.models, *files.python_models)}
    seed_names = {stem(p) for p in files.seeds}
    moved = {name: p for name, p in props.models.items()
             if name not in model_names and name in seed_names and name not in props.seeds}
    if not moved:
        return props
    return replace(props, models={k: v for k, v in props.models.items() if k not in moved},
                   seeds={**props.seeds, **moved})


def check_orphan_properties(props: Properties, files: ProjectFiles, config: ProjectConfig):
    model_names = {stem(p) for p in (*files.models, *files.python_models)}
    for name, p in props.models.items():
        if name not in model_names:
            raise ProjectError(f"properties describe model {name!r}, which has no .sql file",
                               path=p.path, line=p.line)
    seed_names = {stem(p) for p in files.seeds}
    for name, p in props.seeds.items():
        if name not in seed_names:
            raise ProjectError(f"properties describe seed {name!r}, which has no .csv file",
                               path=p.path, line=p.line)
