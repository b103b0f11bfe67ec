"""The Spark adapter: `warehouse.adapters.base.Adapter` over a Spark session's catalog.

Every statement a caller hands in is DuckDB SQL (the project's dialect) and
is transpiled to Spark SQL (session.py, with located refusals for what does
not transpile); the adapter's own statements are written in Spark SQL. The
project's schemas are Spark databases (`SparkSettings.database`), created
with their files under the target's warehouse_dir.

A build writes new versions of the relations it builds beside the
published ones and publishes them at its end (write-audit-publish, see
versions.py); a session opened by `open_published` reads the published
names only, a build's session (`session(build)`) reads what the build wrote
where it wrote it.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

from warehouse.adapters.base import StoredState, Unavailable
from warehouse.adapters.spark.session import SparkWarehouseSession
from warehouse.adapters.spark.settings import SparkSettings, spark_session
from warehouse.core.identity import Relation

if TYPE_CHECKING:
    from warehouse.adapters.spark.build import BuildVersions, SparkWorkspace


class SparkAdapter:
    name = "spark"
    dialect = "duckdb"  # models are written in DuckDB SQL and transpiled

    def __init__(self, settings: SparkSettings) -> None:
        self.settings = settings

    @property
    def location(self) -> str:
        return f"spark {self.settings.master} ({self.settings.warehouse_path})"

    @property
    def label(self) -> str:
        return f"the Spark warehouse ({self.settings.name})"

    def _session(self) -> SparkWarehouseSession:
        return self.session(None)

    def session(self, build: BuildVersions | None) -> SparkWarehouseSession:
        """A session on the published names, or one writing `build`'s versions."""
        return SparkWarehouseSession(self.settings, spark_session(self.settings), build)

    def published_exists(self) -> bool:
        return self._session().read_state().exists

    def published_state(self) -> StoredState:
        return self._session().read_state()

    def published_signatures(self, relations: Iterable[Relation]
                             ) -> dict[Relation, str | None]:
        return self._session().data_signatures(relations)

    def open_published(self) -> SparkWarehouseSession:
        session = self._session()
        if not session.read_state().exists:
            raise Unavailable("the Spark warehouse has not been built yet: run "
                              f"`warehouse build --target {self.settings.name}`")
        return session

    def workspace(self) -> SparkWorkspace:
        from warehouse.adapters.spark.build import SparkWorkspace

        return SparkWorkspace(self)

    def without_builds(self) -> AbstractContextManager[list[str]]:
        from warehouse.adapters.spark.build import without_builds

        return without_builds(self)

    def remove_leftovers(self) -> list[str]:
        with self.without_builds() as removed:
            return removed
