"""The benchmark's generated warehouse project: a layered DAG of SQL models.

`generate(n, rows)` builds, deterministically (seeded), a few root tables
from `range()`, then layers of models each reading 1-3 models of earlier
layers (the first always from the layer just above, so the DAG is as deep as
its layers), mostly tables and some views, with `unique`/`not_null` tests on
every model's key, and macros and `var()` so rendering does real Jinja work.
`change_model` edits one model the way a person would, for the incremental
rebuild measures.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

SEED = 20261101
COLUMNS = ("id", "a", "b", "c")


@dataclass(frozen=True)
class GeneratedModel:
    name: str
    layer: int  # 0 for the root tables
    parents: tuple[str, ...]
    materialized: str  # "table" or "view"
    tests: tuple[str, ...]  # generic tests on the key column
    sql: str  # the Jinja template, as written to models/<layer>/<name>.sql


@dataclass(frozen=True)
class GeneratedProject:
    models: tuple[GeneratedModel, ...]
    rows: int

    @property
    def n_tests(self) -> int:
        return sum(len(m.tests) for m in self.models)

    @property
    def n_views(self) -> int:
        return sum(m.materialized == "view" for m in self.models)

    @property
    def layers(self) -> int:
        return 1 + max(m.layer for m in self.models)

    def files(self) -> dict[str, str]:
        """Project-relative path → text, everything the engine reads."""
        out: dict[str, str] = {"pyproject.toml": _pyproject(self), "macros/bench.sql": _MACROS}
        by_layer: dict[int, list[GeneratedModel]] = {}
        for model in self.models:
            by_layer.setdefault(model.layer, []).append(model)
            out[f"models/{_folder(model.layer)}/{model.name}.sql"] = model.sql
        for layer, models in sorted(by_layer.items()):
            out[f"models/{_folder(layer)}/schema.yml"] = _schema_yml(models)
        return out

    def write(self, root: Path) -> Path:
        for rel, text in self.files().items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        (root / "seeds").mkdir(exist_ok=True)
        return root


_MACROS = """\
{% macro bump(col, n) %}({{ col }} + {{ n }}){% endmacro %}

{% macro mean(cols) %}({{ cols | join(' + ') }}) / {{ cols | length }}{% endmacro %}
"""


def _folder(layer: int) -> str:
    return "base" if layer == 0 else f"layer_{layer:02d}"


def _pyproject(project: GeneratedProject) -> str:
    lines = [
        "[tool.warehouse]",
        'name = "bench"',
        'database = "warehouse.duckdb"',
        "threads = 1",
        "",
        "[tool.warehouse.vars]",
        f"rows = {project.rows}",
        "",
        "[tool.warehouse.models]",
        '"+materialized" = "table"',
    ]
    for layer in range(project.layers):
        lines += ["", f"[tool.warehouse.models.{_folder(layer)}]",
                  f'"+schema" = "{_folder(layer)}"']
    return "\n".join(lines) + "\n"


def _schema_yml(models: list[GeneratedModel]) -> str:
    lines = ["version: 2", "", "models:"]
    for m in models:
        lines += [f"  - name: {m.name}",
                  f"    description: Generated model {m.name} (layer {m.layer}).",
                  "    columns:",
                  "      - name: id",
                  "        description: The key.",
                  "        data_tests:"]
        lines += [f"          - {t}" for t in m.tests]
        lines += ["      - name: a", "      - name: b", "      - name: c"]
    return "\n".join(lines) + "\n"


def generate(n_models: int, rows: int, *, seed: int = SEED) -> GeneratedProject:
    """A layered DAG of `n_models` models; the same arguments give the same project."""
    if n_models < 4:
        raise ValueError("the benchmark needs at least 4 models")
    rng = random.Random(f"{seed}:{n_models}:{rows}")
    n_roots = max(3, min(10, n_models // 30))
    n_layers = max(3, n_models.bit_length() - 1)  # 100 -> 6, 300 -> 8, 500 -> 8, 2000 -> 10
    rest = n_models - n_roots
    sizes = [rest // n_layers + (1 if i < rest % n_layers else 0) for i in range(n_layers)]

    models: list[GeneratedModel] = []
    layers: list[list[str]] = []
    counter = iter(range(n_models))

    def name() -> str:
        return f"m_{next(counter):04d}"

    roots = []
    for _ in range(n_roots):
        nm = name()
        roots.append(nm)
        models.append(GeneratedModel(nm, 0, (), "table", _tests(rng), _root_sql(rng)))
    layers.append(roots)
    for layer, size in enumerate(sizes, start=1):
        current = []
        earlier = [m for ms in layers for m in ms]
        for _ in range(size):
            nm = name()
            fan_in = rng.choices((1, 2, 3), weights=(4, 4, 2))[0]
            first = rng.choice(layers[-1])  # keeps the DAG as deep as its layers
            others = [m for m in earlier if m != first]
            parents = (first, *rng.sample(others, min(fan_in - 1, len(others))))
            materialized = "view" if rng.random() < 0.25 else "table"
            sql = _layer_sql(rng, parents, materialized)
            models.append(GeneratedModel(nm, layer, parents, materialized, _tests(rng), sql))
            current.append(nm)
        layers.append(current)
    return GeneratedProject(tuple(models), rows)


def _tests(rng: random.Random) -> tuple[str, ...]:
    return rng.choice([("unique", "not_null"), ("unique", "not_null"), ("unique",),
                       ("not_null",)])


def _root_sql(rng: random.Random) -> str:
    mul, mod, grp = rng.choice((7919, 104729, 15485863)), rng.choice((1000, 997, 5000)), \
        rng.choice((50, 97, 211))
    return (
        "-- a seed-like root table\n"
        f"select i as id, (i * {mul}) % {mod} as a, (i % {grp}) * 1.5 as b,\n"
        f"       'k' || (i % {grp}) as c\n"
        "from range({{ var('rows') }}) as t(i)\n"
    )


def _layer_sql(rng: random.Random, parents: tuple[str, ...], materialized: str) -> str:
    head = "{{ config(materialized='view') }}\n" if materialized == "view" else ""
    if len(parents) == 1:
        src = f"{{{{ ref('{parents[0]}') }}}}"
        n = rng.randint(1, 9)
        body = rng.choice([
            f"select id, a + {n} as a, b * 1.01 as b, c\nfrom {src}\n",
            f"select id, {{{{ bump('a', {n}) }}}} as a, round(b, 2) as b, upper(c) as c\n"
            f"from {src}\nwhere a >= 0\n",
            f"select id, a, b + avg(b) over (partition by a % {n + 1}) as b, c\nfrom {src}\n",
            f"with base as (\n    select * from {src}\n)\n"
            f"select id, a * 2 - {n} as a, b, lower(c) as c\nfrom base\n",
        ])
        return head + body
    refs = [f"{{{{ ref('{p}') }}}}" for p in parents]
    cols_a = [f"p{i}.a" for i in range(len(parents))]
    joins = "".join(f"join {r} as p{i} on p{i}.id = p0.id\n"
                    for i, r in enumerate(refs[1:], start=1))
    if rng.random() < 0.5:
        return head + (
            f"select p0.id, {' + '.join(cols_a)} as a,\n"
            f"       {{{{ mean({[f'p{i}.b' for i in range(len(parents))]}) }}}} as b,\n"
            f"       p{len(parents) - 1}.c as c\n"
            f"from {refs[0]} as p0\n{joins}"
        )
    return head + (
        "with joined as (\n"
        f"    select p0.id, p0.a, p1.b, p0.c from {refs[0]} as p0\n"
        f"    left join {refs[1]} as p1 on p1.id = p0.id\n"
        ")\n"
        "select id, coalesce(a, 0) as a, coalesce(b, 0) as b, c\nfrom joined\n"
        + "".join(f"where id <= (select max(id) from {r})\n" for r in refs[2:3])
    )


def leaf_and_root(project: GeneratedProject) -> tuple[GeneratedModel, GeneratedModel]:
    """A model nothing reads (the last one) and the root table the most models depend on."""
    children: dict[str, list[str]] = {m.name: [] for m in project.models}
    for m in project.models:
        for p in m.parents:
            children[p].append(m.name)
    leaf = next(m for m in reversed(project.models) if not children[m.name])

    def below(name: str, seen: set[str]) -> set[str]:
        for child in children[name]:
            if child not in seen:
                seen.add(child)
                below(child, seen)
        return seen

    roots = [m for m in project.models if m.layer == 0]
    root = max(roots, key=lambda m: (len(below(m.name, set())), m.name))
    return leaf, root


def model_path(root: Path, model: GeneratedModel) -> Path:
    return root / "models" / _folder(model.layer) / f"{model.name}.sql"


def change_model(root: Path, model: GeneratedModel, mark: int = 1) -> str:
    """Change what `model` computes (not its columns): a filter that keeps every row.

    Returns the file's previous text, so the caller can put it back."""
    path = model_path(root, model)
    before = path.read_text(encoding="utf-8")
    path.write_text(f"select * from (\n{before}\n) as changed\nwhere id >= -{mark}\n",
                    encoding="utf-8")
    return before
