"""Snapshots over three loads of a seed: a changed row, a deleted row that comes back, and a
row whose unchecked column changes. Each strategy and `hard_deletes` mode is compared with
the rows dbt-duckdb 1.11 writes for the same project (checked by hand on these loads: the
same rows, meta columns included; the times a run stamps differ only by the run's clock).

A time the run stamps (`now()`) is shown as `run2`/`run3`: which build wrote it.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

import pytest

from tests.wh_helpers import build, rows
from warehouse.core.errors import ProjectError

HEADER = "id,region,name,note,updated_at\n"
LOADS = (  # 1: note changes, updated_at does not; 2: renamed; 3: deleted, then back
    "1,x,a,n1,2024-01-01 00:00:00\n2,x,b,n1,2024-01-01 00:00:00\n3,y,c,n1,2024-01-01 00:00:00\n",
    "1,x,a,n2,2024-01-01 00:00:00\n2,x,bb,n1,2024-02-01 00:00:00\n",
    "1,x,a,n2,2024-01-01 00:00:00\n2,x,bb,n1,2024-02-01 00:00:00\n3,y,c,n1,2024-03-01 00:00:00\n",
)
JAN, FEB, MAR = (datetime(2024, m, 1) for m in (1, 2, 3))
META = "dbt_valid_from, dbt_valid_to"


def block(name: str, config: str, query: str = "select * from {{ ref('people') }}") -> str:
    return (f"{{% snapshot {name} %}}\n{{{{ config(target_schema='snapshots', {config}) }}}}\n"
            f"{query}\n{{% endsnapshot %}}\n")


def three_loads(make_project, files: dict[str, str], select: str):
    """Build the project once per load; the snapshot's rows (by `select`), with each time a
    build stamped replaced by 'runN'."""
    root = make_project({"seeds/people.csv": HEADER + LOADS[0], **files})
    runs = []
    for load in LOADS:
        (root / "seeds" / "people.csv").write_text(HEADER + load)
        start = datetime.now()
        result, out = build(root)
        assert result.exit_code == 0, out
        runs.append((start, datetime.now()))

    def stamp(value):
        for n, (start, stop) in enumerate(runs, start=1):
            if isinstance(value, datetime) and start <= value <= stop:
                return f"run{n}"
        return value

    return root, sorted((tuple(stamp(v) for v in row) for row in rows(root, select)), key=repr)


TIMESTAMP = "strategy='timestamp', unique_key='id', updated_at='updated_at'"
KEEP = [(1, "a", "n1", JAN, None), (2, "b", "n1", JAN, FEB), (2, "bb", "n1", FEB, None)]


@pytest.mark.parametrize("mode, third", [
    ("ignore", [(3, "c", "n1", JAN, MAR), (3, "c", "n1", MAR, None)]),
    ("invalidate", [(3, "c", "n1", JAN, "run2"), (3, "c", "n1", MAR, None)]),
])
def test_timestamp_strategy_hard_deletes(make_project, mode, third):
    """A new updated_at closes the current version at that time; a change that keeps
    updated_at (row 1's note) is not a new version. A deleted row stays open (ignore) or is
    closed at the run's time (invalidate); when it comes back it is a new version."""
    _, got = three_loads(make_project, {"snapshots/s.sql": block(
        "snap", f"{TIMESTAMP}, hard_deletes='{mode}'")},
        f"select id, name, note, {META} from snapshots.snap")
    assert got == sorted(KEEP + third, key=repr)


def test_timestamp_new_record_marks_the_deletion(make_project):
    """new_record: the deleted key gets a version of its own, flagged dbt_is_deleted='True',
    opened at the run that saw it gone and closed when the key came back."""
    _, got = three_loads(make_project, {"snapshots/s.sql": block(
        "snap", f"{TIMESTAMP}, hard_deletes='new_record'")},
        f"select id, name, {META}, dbt_is_deleted, dbt_updated_at from snapshots.snap")
    assert got == sorted([
        (1, "a", JAN, None, "False", JAN), (2, "b", JAN, FEB, "False", JAN),
        (2, "bb", FEB, None, "False", FEB), (3, "c", JAN, "run2", "False", JAN),
        (3, "c", "run2", MAR, "True", "run2"), (3, "c", MAR, None, "False", MAR)], key=repr)


def test_scd_id_is_md5_of_key_and_updated_at(make_project):
    root, _ = three_loads(make_project, {"snapshots/s.sql": block("snap", TIMESTAMP)},
                          "select 1")
    got = rows(root, "select id, dbt_updated_at, dbt_scd_id from snapshots.snap")
    assert len(got) == 5
    for key, updated, scd in got:
        assert scd == hashlib.md5(f"{key}|{updated}".encode()).hexdigest()


def test_check_all_columns(make_project):
    """check_cols: 'all': any column's change is a new version, row 1's note included; each
    version is opened (and the one before closed) at the run that saw the change."""
    _, got = three_loads(make_project, {"snapshots/s.sql": block(
        "snap", "strategy='check', unique_key='id', check_cols='all', "
                "hard_deletes='invalidate'")},
        f"select id, name, note, {META}, dbt_updated_at from snapshots.snap")
    assert got == sorted([
        (1, "a", "n1", "run1", "run2", "run1"), (1, "a", "n2", "run2", None, "run2"),
        (2, "b", "n1", "run1", "run2", "run1"), (2, "bb", "n1", "run2", None, "run2"),
        (3, "c", "n1", "run1", "run2", "run1"), (3, "c", "n1", "run3", None, "run3")],
        key=repr)


def test_check_listed_columns_with_a_composite_key(make_project):
    """check_cols: [name] ignores the note; the key is (id, region): the same id in two
    regions is two histories."""
    extra = "4,x,d,n1,2024-01-01 00:00:00\n4,y,e,n1,2024-01-01 00:00:00\n"
    files = {"snapshots/s.sql": block(
        "snap", "strategy='check', unique_key=['id', 'region'], check_cols=['name']")}
    root = None
    for load in LOADS:
        files["seeds/people.csv"] = HEADER + load + extra
        if root is None:
            root = make_project(files)
        else:
            (root / "seeds" / "people.csv").write_text(files["seeds/people.csv"])
        result, out = build(root)
        assert result.exit_code == 0, out
    got = rows(root, "select id, region, name, note, dbt_valid_to is null from snapshots.snap "
                     "order by all")
    assert got == [(1, "x", "a", "n1", True), (2, "x", "b", "n1", False),
                   (2, "x", "bb", "n1", True), (3, "y", "c", "n1", True),
                   (4, "x", "d", "n1", True), (4, "y", "e", "n1", True)]
    # The run time as DuckDB writes it as text (Python's str() keeps trailing zeros of the
    # microseconds that DuckDB drops, so the digest is taken of DuckDB's text).
    scds = rows(root, "select id, region, cast(dbt_valid_from as varchar), dbt_scd_id "
                      "from snapshots.snap")
    assert all(s == hashlib.md5(f"{i}|{r}|{v}".encode()).hexdigest() for i, r, v, s in scds)


def test_yaml_configured_snapshot(make_project):
    """dbt 1.9's snapshot in YAML: `relation:` and `config:`, no SQL file; the same history
    as the block's."""
    yaml = """
        snapshots:
          - name: people_history
            relation: ref('people')
            config:
              schema: snapshots
              strategy: timestamp
              unique_key: id
              updated_at: updated_at
              hard_deletes: invalidate
        """
    _, got = three_loads(make_project, {"snapshots/people.yml": yaml},
                         f"select id, name, note, {META} from snapshots.people_history")
    assert got == sorted(KEEP + [(3, "c", "n1", JAN, "run2"), (3, "c", "n1", MAR, None)],
                         key=repr)


def test_meta_column_names_and_valid_to_current(make_project):
    """snapshot_meta_column_names renames the meta columns; dbt_valid_to_current is the
    open versions' valid_to (and they are still found as current)."""
    config = (f"{TIMESTAMP}, dbt_valid_to_current=\"'9999-12-31'::timestamp\", "
              "snapshot_meta_column_names={'dbt_valid_from': 'valid_from', "
              "'dbt_valid_to': 'valid_to'}")
    _, got = three_loads(make_project, {"snapshots/s.sql": block("snap", config)},
                         "select id, name, valid_from, valid_to from snapshots.snap")
    end = datetime(9999, 12, 31)
    assert got == sorted([(1, "a", JAN, end), (2, "b", JAN, FEB), (2, "bb", FEB, end),
                          (3, "c", JAN, MAR), (3, "c", MAR, end)], key=repr)


def test_a_later_query_column_is_added(make_project):
    """A column the query gains is added to the table (old versions NULL), as dbt does."""
    root = make_project({"seeds/people.csv": HEADER + LOADS[0],
                         "snapshots/s.sql": block("snap", TIMESTAMP, "select id, name, "
                                                  "updated_at from {{ ref('people') }}")})
    assert build(root)[0].exit_code == 0
    (root / "snapshots" / "s.sql").write_text(block("snap", TIMESTAMP))
    later = LOADS[0].replace("3,y,c,n1,2024-01-01", "3,y,c,n1,2024-05-01")
    (root / "seeds" / "people.csv").write_text(HEADER + later)
    result, out = build(root)
    assert result.exit_code == 0, out
    got = rows(root, "select id, note, dbt_valid_to is null from snapshots.snap")
    assert sorted(got, key=repr) == sorted([(1, None, True), (2, None, True), (3, None, False),
                                            (3, "n1", True)], key=repr)


@pytest.mark.parametrize("config, words", [
    ("unique_key='id', updated_at='updated_at'", ["strategy", "snapshots/s.sql:1"]),
    ("strategy='check', unique_key='id'", ["check_cols", "snapshots/s.sql:1"]),
    ("strategy='timestamp', unique_key='id'", ["updated_at", "snapshots/s.sql:1"]),
    (f"{TIMESTAMP}, hard_deletes='drop'", ["hard_deletes='drop'", "snapshots/s.sql:2"]),
])
def test_config_errors_are_located(make_project, config, words):
    """A wrong value at the line that sets it; a missing one at the block that lacks it."""
    root = make_project({"seeds/people.csv": HEADER + LOADS[0],
                         "snapshots/s.sql": block("snap", config)})
    with pytest.raises(ProjectError) as error:
        build(root)
    text = str(error.value)
    assert all(w in text for w in words), text


def test_check_cols_naming_a_missing_column_fails_the_snapshot_only(make_project):
    """The snapshot's error is placed at its config; nothing of the failed build is
    published (the seed's new rows neither)."""
    root = make_project({"seeds/people.csv": HEADER + LOADS[0],
                         "snapshots/s.sql": block("snap", "strategy='check', unique_key='id', "
                                                  "check_cols=['nam']")})
    assert build(root)[0].exit_code == 0  # the first capture compares nothing
    (root / "seeds" / "people.csv").write_text(HEADER + LOADS[1])
    result, out = build(root)
    assert result.exit_code != 0
    assert '"nam"' in out and "snapshots/s.sql" in out, out
    assert rows(root, "select count(*) from snapshots.snap") == [(3,)]
    assert rows(root, "select count(*) from people") == [(3,)]
