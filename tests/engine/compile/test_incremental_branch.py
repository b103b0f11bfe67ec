"""The SQL of an incremental model's `is_incremental()` branch is checked at load like the rest.

It used to be rendered only when the model ran, unchecked: a second statement
there ran against the warehouse being built.
"""

from __future__ import annotations

import pytest

from warehouse.compile.load import load_project
from warehouse.core.errors import ProjectError

INCREMENTAL = """{{ config(materialized='incremental') }}
select * from range(3) t(id)
{% if is_incremental() %}
where id > (select max(id) from {{ this }}){{ branch_end }}
{% endif %}
"""


def model(branch_end: str) -> str:
    return INCREMENTAL.replace("{{ branch_end }}", branch_end)


@pytest.mark.parametrize("branch_end, message, line", [
    ("; drop table main.victim", "exactly one SQL statement, found 2; another one starts here",
     4),
    ("\nunion all select id from main.victim", "reads table 'main.victim'", 5),
    (" and (", "SQL syntax error", 4),
])
def test_the_incremental_branch_is_checked_and_located(make_project, branch_end, message,
                                                       line):
    root = make_project({"models/inc.sql": model(branch_end)})
    with pytest.raises(ProjectError) as caught:
        load_project(root)
    assert message in str(caught.value)
    assert caught.value.path == "models/inc.sql"
    assert caught.value.line == line


def test_the_checked_branch_is_what_an_incremental_run_executes(make_project, cli):
    root = make_project({"models/inc.sql": model("")})
    project = load_project(root)
    node = next(n for n in project.nodes.values() if n.name == "inc")
    assert "where id > (select max(id) from \"main\".\"inc\")" in node.incremental_sql
    assert "where id >" not in node.compiled_sql
    assert cli(root, "build").code == 0
    res = cli(root, "build")
    assert res.code == 0, res.text
