"""Where a source table is read from: the warehouse's own database, or files.

A source declared in another database (`database:`, dbt's newer `catalog:`)
would be read from the wrong place, so it is refused at the key. A source
read from files is dbt-duckdb's `external_location` (in `meta:` or
`config:` of the source or the table): its path or reader call, as written,
with where it was written (compile/external_sources.py makes its SQL). `src`
is the property file being read (properties._Source): its path, and `located`
for an error's line, column and snippet.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from warehouse.core.errors import ProjectError
from warehouse.core.yaml_load import LINE_KEY, strip_lines


@dataclass(frozen=True)
class ExternalLocation:
    """dbt-duckdb's `external_location` of a source table, as written: the path (or reader
    call) that stands for the table, the `formatter` of its `{placeholders}`, the keys
    they may name (the source's and table's meta and config), and where it was written."""

    template: str
    formatter: str
    context: Mapping[str, Any]
    where: Mapping[str, Any]  # path, line, column, snippet: for a ProjectError


# Keys of a source's config that dbt reads itself; the others reach dbt-duckdb's
# external_location as placeholders (its SourceConfig: meta, then config "extra").
_SOURCE_CONFIG_KEYS = frozenset({"enabled", "meta", "tags", "freshness", "event_time",
                                 "loaded_at_field", "loaded_at_query"})


def external_location(source: Mapping[str, Any], table: Mapping[str, Any], src: Any,
                      what: str) -> ExternalLocation | None:
    """The table's `external_location`, if its source or itself sets one (in `meta:` or
    `config:`). Later layers win, as dbt-duckdb merges them: the source's meta, its
    config's meta, the table's meta, its config's meta, then the config keys."""
    def inner(block: Any, key: str) -> Any:
        return block.get(key) if isinstance(block, Mapping) else None

    what = f"{what} ({src.path}:{table.get(LINE_KEY)})" if table.get(LINE_KEY) else what

    layers = [source.get("meta"), inner(source.get("config"), "meta"), table.get("meta"),
              inner(table.get("config"), "meta"), source.get("config"), table.get("config")]
    merged: dict[str, Any] = {}
    where: dict[str, Any] | None = None
    for index, layer in enumerate(layers):
        if not isinstance(layer, Mapping):
            continue
        if layer.get("plugin"):
            block = ("meta", "config.meta", "meta", "config.meta", "config", "config")[index]
            raise ProjectError(f"{what}: {block}.plugin (a dbt-duckdb source plugin) is not "
                               "supported", path=src.path, **src.located(layer, "plugin"),
                               hint="read the files with external_location, or load them "
                                    "as a seed")
        if "external_location" in layer:
            where = {"path": src.path, **src.located(layer, "external_location")}
        merged.update({k: v for k, v in strip_lines(layer).items()
                       if index < 4 or k not in _SOURCE_CONFIG_KEYS})
    location = merged.get("external_location")
    if not location:
        return None
    assert where is not None
    if not isinstance(location, str):
        raise ProjectError(f"{what}: external_location must be text (a path, or a reader "
                           f"call such as read_csv('...')), got {location!r}", **where)
    return ExternalLocation(location, str(merged.get("formatter") or "newstyle"), merged,
                            where)


def check_source_location(entry: Mapping[str, Any], src: Any, what: str) -> None:
    """A source read from another database would be read from the wrong place: refuse it
    by name, at the key (and say where the entry it belongs to begins). Files read as a
    source (`external_location`) are `external_location`'s."""
    what = f"{what} ({src.path}:{entry.get(LINE_KEY)})" if entry.get(LINE_KEY) else what
    for key in ("database", "catalog"):  # (dbt's newer schema: a catalog is a database here)
        if entry.get(key):
            raise ProjectError(f"{what}: '{key}:' is not supported (sources are read from the "
                               "warehouse's own database)", path=src.path,
                               **src.located(entry, key))
