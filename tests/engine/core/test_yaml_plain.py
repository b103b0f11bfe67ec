"""A plain YAML document is built in one walk (yaml_load.build_plain), and reads exactly as
PyYAML's own construction reads it: the same values, types, key order and marks. A
document that is not plain (aliases, merge keys, tags, a key written twice) is left to
PyYAML, so its values and its errors stay PyYAML's.
"""

from __future__ import annotations

import datetime

import pytest

from warehouse.core import yaml_load
from warehouse.core.errors import ProjectError
from warehouse.core.yaml_load import YamlList, YamlMap, _loader_class, load_yaml

PLAIN = """\
version: 2
models:
  - name: orders
    description: "Open orders: {{ doc('orders') }}"
    config: {materialized: table, enabled: true, tags: [a, 'b'], batch: 10, ratio: 0.5}
    columns:
      - name: id
        data_tests:
          - unique
          - not_null
          - accepted_values:
              values: [1, 2, ~, null, 2024-01-02, yes, "yes", '']
      - name: empty
        description:
      - name: "1"
  - name: b
    __line__: 99
"""

NOT_PLAIN = [
    "base: &b {x: 1}\nother:\n  <<: *b\n  y: 2\n",              # merge key
    "a: &l [1, 2]\nb: *l\n",                                    # alias of a list
    "a: !!set {x, y}\nb: !!str 3\n",                            # tags
    "a: !!omap [{x: 1}]\n",
    "1: one\nfalse: yes\nnull: nothing\n",                       # keys that are not text
    "a: 1\nb: !!binary aGk=\n",
]


def pyyaml_built(text: str, monkeypatch: pytest.MonkeyPatch):
    """`load_yaml` with the plain walk switched off: what PyYAML constructs."""
    with monkeypatch.context() as patch:
        patch.setattr(yaml_load, "build_plain", lambda loader, node: yaml_load.NOT_PLAIN)
        return load_yaml(text, "x.yml")


def same(left, right) -> None:
    """Equal values of the same types, key order and marks, all the way down."""
    assert type(left) is type(right), (left, right)
    if isinstance(left, dict):
        assert list(left) == list(right)
        if isinstance(left, YamlMap):
            assert list(left.marks.items()) == list(right.marks.items())
            assert left.value_marks == right.value_marks
        for key in left:
            same(left[key], right[key])
    elif isinstance(left, list):
        assert len(left) == len(right)
        if isinstance(left, YamlList):
            assert left.marks == right.marks
        for a, b in zip(left, right, strict=True):
            same(a, b)
    else:
        assert left == right


def test_a_plain_document_is_built_by_the_walk_as_pyyaml_loads_it(monkeypatch):
    loader = _loader_class()(PLAIN)
    walked = yaml_load.build_plain(loader, loader.get_single_node())
    assert walked is not yaml_load.NOT_PLAIN
    same(walked, pyyaml_built(PLAIN, monkeypatch))
    same(load_yaml(PLAIN, "x.yml"), walked)
    assert walked["models"][1]["__line__"] == 16  # the mapping's line wins, as before
    model = walked["models"][0]
    assert model["config"] == {"materialized": "table", "enabled": True, "tags": ["a", "b"],
                               "batch": 10, "ratio": 0.5, "__line__": 5}
    values = model["columns"][0]["data_tests"][2]["accepted_values"]["values"]
    assert values == [1, 2, None, None, datetime.date(2024, 1, 2), True, "yes", ""]
    assert model["columns"][1]["description"] is None and model["columns"][2]["name"] == "1"


@pytest.mark.parametrize("text", NOT_PLAIN)
def test_a_document_that_is_not_plain_is_left_to_pyyaml(text, monkeypatch):
    loader = _loader_class()(text)
    assert yaml_load.build_plain(loader, loader.get_single_node()) is yaml_load.NOT_PLAIN
    same(load_yaml(text, "x.yml"), pyyaml_built(text, monkeypatch))


def test_aliases_still_share_one_object():
    data = load_yaml("a: &l [1, 2]\nb: *l\n", "x.yml")
    assert data["a"] is data["b"]
    data = load_yaml("a: &l [1, *l]\n", "x.yml")  # a list holding itself
    assert data["a"][1] is data["a"]


@pytest.mark.parametrize("text", [
    "a:\n  - x: 1\n    x: 2\nb:\n  y: 1\n  y: 2\n",  # PyYAML reaches b's mapping first
    "a: 1\na: 2\n",
    "a: 2024-13-45\n",                              # a date PyYAML refuses
    "? [a, b]\n: c\n",                               # a key that cannot be one
    "a: &m {b: *m}\n",                              # a mapping holding itself
])
def test_errors_are_pyyamls_and_at_the_same_place(text, monkeypatch):
    with pytest.raises(Exception) as walked:
        load_yaml(text, "x.yml")
    with pytest.raises(Exception) as built:
        pyyaml_built(text, monkeypatch)
    assert type(walked.value) is type(built.value)
    assert str(walked.value) == str(built.value)
    if isinstance(walked.value, ProjectError):
        assert (walked.value.line, walked.value.column) == (built.value.line, built.value.column)
