"""packages.yml: `warehouse deps` installs `local:` packages and names what it cannot fetch;
a build names the entry of a package that is not installed, at its line.

The packages are written for these tests: `mypkg` is in dbt_packages/ as `dbt
deps` leaves a hub package, `shim` is a folder beside the project listed as
`local: ../shim`.
"""

from __future__ import annotations

import duckdb
import pytest

from tests.engine.dbt.test_packages import MYPKG, ROOT

SHIM = {
    "shim/dbt_project.yml": "name: shim\nversion: '1.0.0'\n",
    "shim/macros/double.sql": "{% macro double(x) %}({{ x }} * 2){% endmacro %}",
}
PACKAGES = """
    packages:
      - package: acme/mypkg
        version: 1.0.0
      - local: ../shim
    """
USES_SHIM = {"models/doubled.sql": "select {{ shim.double('id') }} as d from {{ ref('payments') }}"}


def _project(tmp_path, monkeypatch, packages=PACKAGES, extra=None):
    """The root project in tmp_path/project, the shim package beside it."""
    from tests.conftest import write_project

    monkeypatch.delenv("DBT_PROFILES_DIR", raising=False)
    write_project(tmp_path, SHIM)
    (tmp_path / "pyproject.toml").unlink()
    root = write_project(tmp_path / "project",
                         {**ROOT, **MYPKG, **USES_SHIM, "packages.yml": packages,
                          **(extra or {})})
    (root / "pyproject.toml").unlink()
    return root


def test_deps_installs_a_local_package_and_the_build_uses_it(tmp_path, cli, monkeypatch):
    root = _project(tmp_path, monkeypatch)
    res = cli(root, "deps")
    assert res.code == 0, res.text
    assert "local: ../shim" in res.out and "dbt_packages/shim" in res.out
    assert "package: acme/mypkg: installed in dbt_packages/mypkg" in res.out
    installed = root / "dbt_packages" / "shim"
    assert (installed / "macros" / "double.sql").is_file()
    assert installed.resolve() == (tmp_path / "shim").resolve()
    again = cli(root, "deps")
    assert again.code == 0 and "already installed" in again.out, again.text
    res = cli(root, "build")
    assert res.code == 0, res.text
    con = duckdb.connect(str(root / "shop.duckdb"), read_only=True)
    assert con.execute("select d from main.doubled order by d").fetchall() == [(2,), (4,), (6,)]
    con.close()


def test_deps_names_what_it_cannot_fetch_without_a_network(tmp_path, cli, monkeypatch):
    root = _project(tmp_path, monkeypatch, packages="""
        packages:
          - local: ../shim
          - package: dbt-labs/dbt_utils
            version: 1.3.3
          - git: "https://github.com/acme/other-pkg.git"
            revision: main
        """)
    res = cli(root, "deps")
    assert res.code == 1, res.text
    assert "Traceback" not in res.err
    assert (root / "dbt_packages" / "shim").is_dir()  # the local one is installed anyway
    lines = res.err.splitlines()
    hub = next(line for line in lines if "dbt-labs/dbt_utils" in line)
    git = next(line for line in lines if "other-pkg" in line)
    assert hub.startswith("packages.yml:3:") and "the dbt hub" in hub and "dbt deps" in hub
    assert git.startswith("packages.yml:5:") and "git" in git and "network" in git
    assert "2 of 3 packages are not installed" in res.err


def test_a_local_package_not_installed_is_named_at_its_line(tmp_path, cli, monkeypatch):
    root = _project(tmp_path, monkeypatch)
    res = cli(root, "build")
    assert res.code == 2, res.text
    assert "packages.yml:4" in res.err and "../shim" in res.err
    assert "warehouse deps" in res.err
    assert not (root / "shop.duckdb").exists()


def test_a_hub_package_not_installed_is_named_at_its_line(tmp_path, cli, monkeypatch):
    root = _project(tmp_path, monkeypatch, packages="""
        packages:
          - package: acme/mypkg
            version: 1.0.0
          - package: dbt-labs/dbt_utils
            version: 1.3.3
        """, extra={"models/doubled.sql": "select 1 as d"})
    res = cli(root, "build")
    assert res.code == 2, res.text
    assert "packages.yml:4" in res.err and "dbt-labs/dbt_utils" in res.err
    assert "dbt deps" in res.err and "Traceback" not in res.err


@pytest.mark.parametrize(("packages", "expected"), [
    ("packages:\n  - local: ../nowhere\n", ["packages.yml:2", "nowhere", "does not exist"]),
    ("packages:\n  - version: 1.0\n", ["packages.yml:2", "package entry needs one of"]),
    ("packages:\n  - package: acme/mypkg\n    version: 1.0.0\nprojects:\n  - name: other\n",
     ["packages.yml:4", "projects:"]),
])
def test_a_bad_entry_of_packages_yml_is_named_at_its_line(tmp_path, cli, monkeypatch,
                                                          packages, expected):
    root = _project(tmp_path, monkeypatch, packages=packages,
                    extra={"models/doubled.sql": "select 1 as d"})
    for command in ("deps", "build"):
        res = cli(root, command)
        assert res.code == 2, (command, res.text)
        assert "Traceback" not in res.err
        for text in expected:
            assert text in res.err, (command, text, res.err)


def test_an_installed_folder_without_a_project_file_is_named(tmp_path, cli, monkeypatch):
    root = _project(tmp_path, monkeypatch, packages="packages:\n  - package: acme/mypkg\n",
                    extra={"models/doubled.sql": "select 1 as d",
                           "dbt_packages/leftover/macros/x.sql": ""})
    res = cli(root, "build")
    assert res.code == 2, res.text
    assert "dbt_packages/leftover" in res.err and "dbt_project.yml" in res.err
