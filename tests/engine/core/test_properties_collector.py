"""Property files are read with the cycle collector paused (their YAML makes no cycles), and
the collector is left as it was found, whether the files load or fail."""

from __future__ import annotations

import gc

import pytest

from warehouse.core.errors import ProjectError
from warehouse.core.properties import load_properties

GOOD = {"models/a.yml": "version: 2\nmodels:\n  - name: a\n    columns:\n      - name: id\n"}
BAD = {"models/a.yml": "version: 2\nmodels:\n  - name: a\n    colums: []\n"}


@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_is_paused_while_reading_and_left_as_found(enabled, monkeypatch):
    seen: list[bool] = []

    def read_yaml(text, path):
        seen.append(gc.isenabled())
        from warehouse.core.yaml_load import load_yaml

        return load_yaml(text, path)

    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        assert load_properties(GOOD, read_yaml=read_yaml).models["a"].columns[0].name == "id"
        assert gc.isenabled() is enabled and seen == [False]
        with pytest.raises(ProjectError, match="unknown key 'colums'"):
            load_properties(BAD)
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_what_the_properties_hold_is_not_left_to_the_next_collection():
    """Thousands of objects made while reading live as long as the load: they are moved
    to the oldest generation at once, so the next young collection does not walk them."""
    text = "version: 2\nmodels:\n" + "".join(
        f"  - name: m{i}\n    columns:\n      - name: id\n        data_tests: [unique]\n"
        for i in range(300))
    was = gc.isenabled()
    gc.disable()  # (so that no collection moves them meanwhile)
    try:
        gc.collect()
        properties = load_properties({"models/a.yml": text})
        young = len(gc.get_objects(generation=0))
    finally:
        (gc.enable if was else gc.disable)()
    assert len(properties.models) == 300 and young < 100, young
