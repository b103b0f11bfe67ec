"""`core/frozen.make`: a frozen dataclass instance without its generated __init__, the same
object as the class would make, and one with every field or none at all."""

from __future__ import annotations

import dataclasses
import pickle

import pytest

from warehouse.core.frozen import make
from warehouse.core.properties import ColumnProps

FIELDS = {"name": "id", "description": "the key", "data_type": "int", "tests": ("unique",),
          "line": 4, "description_line": 5, "test_positions": ((6, 9),),
          "constraints": ((7, "not_null"),)}


def test_make_gives_what_the_class_gives():
    made, built = make(ColumnProps, dict(FIELDS)), ColumnProps(**FIELDS)
    assert made == built and hash(made) == hash(built)
    assert list(vars(made).items()) == list(vars(built).items())
    assert pickle.loads(pickle.dumps(made)) == built
    assert dataclasses.replace(made, line=9) == dataclasses.replace(built, line=9)
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.line = 3  # type: ignore[misc]


@pytest.mark.parametrize("values", [
    {k: v for k, v in FIELDS.items() if k != "constraints"},  # a field left out
    {**FIELDS, "extra": 1},
])
def test_make_refuses_fields_missing_or_unknown(values):
    with pytest.raises(TypeError, match="needs every field"):
        make(ColumnProps, values)
