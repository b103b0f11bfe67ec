"""dbt's basic adapter cases, run against `warehouse` (see harness.py for how).

The fourteen classes dbt-duckdb runs in its tests/functional/adapter/test_basic.py,
each subclassed unchanged: fixtures, commands and assertions come from the installed
`dbt-tests-adapter`. The docs cases take DuckDB's type names for the expected
catalog, as dbt-duckdb's subclasses do (the base classes expect PostgreSQL's).

dbt-core 1.11 with dbt-duckdb 1.11 passes all fourteen, and so does `warehouse`. A case
it cannot pass (after a change to the engine or a new dbt-tests-adapter) is marked with
`gap(...)`: a strict xfail whose reason lists what stops it, in the order the case meets
them (the engine file to change). Strict, so the day the case passes again it fails as
XPASS: then delete its marker.
"""

from __future__ import annotations

import pytest
from dbt.tests.adapter.basic import expected_catalog
from dbt.tests.adapter.basic.test_adapter_methods import BaseAdapterMethod
from dbt.tests.adapter.basic.test_base import BaseSimpleMaterializations
from dbt.tests.adapter.basic.test_docs_generate import BaseDocsGenerate, BaseDocsGenReferences
from dbt.tests.adapter.basic.test_empty import BaseEmpty
from dbt.tests.adapter.basic.test_ephemeral import BaseEphemeral
from dbt.tests.adapter.basic.test_generic_tests import BaseGenericTests
from dbt.tests.adapter.basic.test_incremental import (
    BaseIncremental,
    BaseIncrementalNotSchemaChange,
)
from dbt.tests.adapter.basic.test_singular_tests import BaseSingularTests
from dbt.tests.adapter.basic.test_singular_tests_ephemeral import BaseSingularTestsEphemeral
from dbt.tests.adapter.basic.test_snapshot_check_cols import BaseSnapshotCheckCols
from dbt.tests.adapter.basic.test_snapshot_timestamp import BaseSnapshotTimestamp
from dbt.tests.adapter.basic.test_validate_connection import BaseValidateConnection

# dbt's package declares its class-scoped fixtures as instance methods; pytest 9 warns.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Class-scoped fixtures defined as instance methods:pytest.PytestRemovedIn10Warning")


def gap(*blockers: str):
    return pytest.mark.xfail(strict=True, reason="; then ".join(blockers))


DUCKDB_TYPES = dict(role=None, id_type="INTEGER", text_type="VARCHAR", time_type="TIMESTAMP",
                    view_type="VIEW", table_type="BASE TABLE",
                    model_stats=expected_catalog.no_stats())


class TestSimpleMaterializations(BaseSimpleMaterializations):
    pass


class TestSingularTests(BaseSingularTests):
    pass


class TestSingularTestsEphemeral(BaseSingularTestsEphemeral):
    pass


class TestEmpty(BaseEmpty):
    pass


class TestEphemeral(BaseEphemeral):
    pass


class TestIncremental(BaseIncremental):
    pass


class TestIncrementalNotSchemaChange(BaseIncrementalNotSchemaChange):
    pass


class TestGenericTests(BaseGenericTests):
    pass


class TestSnapshotCheckCols(BaseSnapshotCheckCols):
    pass


class TestSnapshotTimestamp(BaseSnapshotTimestamp):
    pass


class TestAdapterMethod(BaseAdapterMethod):
    pass


class TestValidateConnection(BaseValidateConnection):
    pass


class TestDocsGenerate(BaseDocsGenerate):
    @pytest.fixture(scope="class")
    def expected_catalog(self, project):
        return expected_catalog.base_expected_catalog(project, **DUCKDB_TYPES)


class TestDocsGenReferences(BaseDocsGenReferences):
    @pytest.fixture(scope="class")
    def expected_catalog(self, project):
        return expected_catalog.expected_references_catalog(project, bigint_type="BIGINT",
                                                            **DUCKDB_TYPES)
