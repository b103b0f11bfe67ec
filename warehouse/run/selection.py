"""Node selection, dbt's syntax: `--select "+stg_* tag:daily,path:models/marts" --exclude x`.

Two steps kept apart, as dbt does (`selector_spec.py` / `selector.py`):
parsing turns text into a `SelectorSpec` and needs no project, so a typo is a
`UsageError` before anything loads; evaluation applies a spec to a `Dag` and
the nodes' facts (`NodeInfo`), and never raises for a term that matches
nothing: the CLI decides whether to warn, from `Selection.unmatched`.

Tests follow dbt's "eager" indirect selection: a test comes along when any
node it tests is selected. We chose eager over "cautious" (all its nodes
selected) because then `build --select x` runs every test on x, including a
relationships test from x to a model that was not selected; those tests are
what tell the user the model they just changed still fits. Exclusion is
greedy, as in dbt: a test on any excluded node is excluded too.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import PurePosixPath

from warehouse.core.dag import Dag
from warehouse.core.errors import UsageError
from warehouse.core.identity import NodeId, NodeKind

# ---------------------------------------------------------------------------
# Parsing: text -> spec
# ---------------------------------------------------------------------------

RESULT_STATUSES = frozenset({"error", "fail", "warn", "skipped", "pass", "success",
                             "unchanged"})
TEST_TYPES = frozenset({"generic", "singular", "data", "unit"})  # data: dbt's old name
_TESTS = frozenset({NodeKind.TEST, NodeKind.UNIT_TEST})  # kinds that test others
# method -> allowed values (None: anything non-empty)
METHODS: Mapping[str, frozenset[str] | None] = {
    "fqn": None, "tag": None, "path": None, "file": None, "package": None,
    "config.materialized": None, "source": None, "test_name": None,
    "resource_type": frozenset(k.value for k in NodeKind),
    "test_type": TEST_TYPES,
    "state": frozenset({"modified", "new"}),
    "result": RESULT_STATUSES,
}
FILE_SUFFIXES = (".sql", ".csv", ".py", ".yml", ".yaml")

_TERM = re.compile(
    r"(?P<at>@)?"
    r"(?:(?P<up_depth>\d*)(?P<up>\+))?"
    r"(?:(?P<method>[A-Za-z_][\w.]*):)?"
    r"(?P<value>[^\s+@,:]*)"
    r"(?:(?P<down>\+)(?P<down_depth>\d*))?"
)


@dataclass(frozen=True)
class Criterion:
    """One term such as `2+tag:daily+`: a method matches nodes, then the graph grows them."""

    text: str
    method: str
    value: str
    parents: bool = False
    parents_depth: int | None = None  # None: all ancestors
    children: bool = False
    children_depth: int | None = None
    childrens_parents: bool = False  # `@`: descendants and all their ancestors


@dataclass(frozen=True)
class Intersection:
    """Comma-joined criteria (`tag:a,path:models/marts`): nodes every one of them picks."""

    text: str
    criteria: tuple[Criterion, ...]


@dataclass(frozen=True)
class SelectorSpec:
    """Space-separated intersections: nodes any one of them picks."""

    text: str
    terms: tuple[Intersection, ...]

    @property
    def criteria(self) -> tuple[Criterion, ...]:
        return tuple(c for term in self.terms for c in term.criteria)


def parse_selector(text: str) -> SelectorSpec:
    """Parse one `--select`/`--exclude` value; raise `UsageError` quoting it if malformed."""
    words = text.split()
    if not words:
        raise _malformed(text, "it is empty")
    return SelectorSpec(text, tuple(_parse_intersection(text, w) for w in words))


def _parse_intersection(whole: str, word: str) -> Intersection:
    parts = word.split(",")
    if any(not p for p in parts):
        raise _malformed(whole, f"{word!r} has an empty term around a comma")
    return Intersection(word, tuple(_parse_criterion(whole, p) for p in parts))


def _parse_criterion(whole: str, term: str) -> Criterion:
    match = _TERM.fullmatch(term)
    if match is None:
        if term.startswith(("@+", "+@")) or re.match(r"\d+\+@", term):
            why = f"{term!r} combines '@' with a leading '+'; '@' already takes all ancestors"
        else:
            why = f"cannot read {term!r}"
        raise _malformed(whole, why)
    g = match.groupdict()
    if g["at"] and g["up"]:
        raise _malformed(whole, f"{term!r} combines '@' with a leading '+'")
    method, value = g["method"], g["value"]
    if not value:
        what = f"'{method}:' needs a value after the colon" if method else f"{term!r} names no node"
        raise _malformed(whole, what)
    if method is None:
        method = _default_method(value)
    if method not in METHODS:
        known = ", ".join(sorted(f"{m}:" for m in METHODS))
        raise _malformed(whole, f"unknown selector method {method + ':'!r} (known: {known})")
    allowed = METHODS[method]
    if allowed is not None and value not in allowed:
        raise _malformed(whole, f"'{method}:' takes one of {', '.join(sorted(allowed))}, "
                                f"not {value!r}")
    return Criterion(
        text=term, method=method, value=value,
        parents=bool(g["up"]), parents_depth=int(g["up_depth"]) if g["up_depth"] else None,
        children=bool(g["down"]),
        children_depth=int(g["down_depth"]) if g["down_depth"] else None,
        childrens_parents=bool(g["at"]),
    )


def _default_method(value: str) -> str:
    """dbt's reading of a bare term: a folder path, a file name, or a (glob of a) name."""
    if "/" in value:
        return "path"
    if value.lower().endswith(FILE_SUFFIXES):
        return "file"
    return "fqn"


def _malformed(text: str, why: str) -> UsageError:
    return UsageError(f"malformed selector {text!r}: {why}",
                      hint="forms: name, +name, name+, 2+name, name+1, @name, tag:x, "
                           "path:models/marts, a,b (both), 'a b' (either)")


# ---------------------------------------------------------------------------
# Evaluation: spec + graph + facts -> nodes
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class NodeInfo:
    """What selection needs to know about a node, and nothing it does not."""

    id: NodeId
    name: str
    kind: NodeKind
    path: str  # posix, relative to the project: 'models/marts/fct.sql'
    tags: frozenset[str] = frozenset()
    materialized: str | None = None
    source_name: str | None = None  # sources: the source's name ('src' in 'src.table')
    package: str | None = None
    attached_to: tuple[NodeId, ...] = ()  # tests: the nodes they test
    test_name: str | None = None  # generic tests: 'unique', 'not_null'; None if singular
    relation: str | None = None  # what it builds, 'marts.fct_trade': selects it too


@dataclass(frozen=True)
class SelectionState:
    """The previous run, for `state:` (fingerprints) and `result:` (statuses).

    Keys are node ids as text (`model.fct_trade`). `None` means there is no
    previous run to compare with, which makes those methods a usage error
    rather than silently selecting everything or nothing.
    """

    current_fingerprints: Mapping[str, str] = field(default_factory=dict)
    previous_fingerprints: Mapping[str, str] | None = None
    previous_results: Mapping[str, str] | None = None


@dataclass(frozen=True)
class Selection:
    """The selected nodes, and the criteria that matched no node (for a warning)."""

    nodes: frozenset[NodeId]
    unmatched: tuple[str, ...] = ()


def select_nodes(dag: Dag, nodes_info: Mapping[NodeId, NodeInfo],
                 select: Sequence[str] | None, exclude: Sequence[str] | None = None,
                 state: SelectionState | None = None) -> frozenset[NodeId]:
    """The nodes `select` picks (all if None or empty) minus those `exclude` picks."""
    return resolve_selection(dag, nodes_info, select, exclude, state).nodes


def resolve_selection(dag: Dag, nodes_info: Mapping[NodeId, NodeInfo],
                      select: Sequence[str] | None, exclude: Sequence[str] | None = None,
                      state: SelectionState | None = None) -> Selection:
    """`select_nodes`, also saying which criteria matched nothing."""
    select_specs = [parse_selector(t) for t in select or ()]
    exclude_specs = [parse_selector(t) for t in exclude or ()]
    unmatched: list[str] = []
    if select_specs:
        chosen = frozenset().union(*(_evaluate(dag, nodes_info, s, state, unmatched)
                                     for s in select_specs))
    else:
        chosen = frozenset(n for n in dag if n in nodes_info)
    excluded = frozenset().union(*(_evaluate(dag, nodes_info, s, state, unmatched)
                                   for s in exclude_specs))
    chosen = (chosen | _attached_tests(dag, nodes_info, chosen)) - excluded
    if excluded:
        chosen = frozenset(n for n in chosen
                           if excluded.isdisjoint(_tested(dag, nodes_info, n)))
    return Selection(chosen, tuple(dict.fromkeys(unmatched)))


def _evaluate(dag: Dag, infos: Mapping[NodeId, NodeInfo], spec: SelectorSpec,
              state: SelectionState | None, unmatched: list[str]) -> frozenset[NodeId]:
    union: set[NodeId] = set()
    for term in spec.terms:
        sets = [_grow(dag, c, _match(infos, c, state), unmatched) for c in term.criteria]
        union |= frozenset.intersection(*sets)
    return frozenset(union)


def _grow(dag: Dag, c: Criterion, matched: frozenset[NodeId],
          unmatched: list[str]) -> frozenset[NodeId]:
    if not matched:
        unmatched.append(c.text)
        return matched
    matched = frozenset(n for n in matched if n in dag)
    out = set(matched)
    if c.childrens_parents:
        below = dag.downstream(matched)
        return below | dag.upstream(below)
    if c.parents:
        out |= dag.upstream(matched, c.parents_depth)
    if c.children:
        out |= dag.downstream(matched, c.children_depth)
    return frozenset(out)


def _attached_tests(dag: Dag, infos: Mapping[NodeId, NodeInfo],
                    chosen: frozenset[NodeId]) -> frozenset[NodeId]:
    """Eager indirect selection: every test on any chosen node."""
    return frozenset(n for n in infos if n.kind in _TESTS
                     and not chosen.isdisjoint(_tested(dag, infos, n)))


def _tested(dag: Dag, infos: Mapping[NodeId, NodeInfo], node: NodeId) -> tuple[NodeId, ...]:
    """The nodes a test tests (its `attached_to`, else its parents); () for other nodes."""
    if node.kind not in _TESTS:
        return ()
    info = infos.get(node)
    if info is not None and info.attached_to:
        return info.attached_to
    return dag.parents(node) if node in dag else ()


def _match(infos: Mapping[NodeId, NodeInfo], c: Criterion,
           state: SelectionState | None) -> frozenset[NodeId]:
    """The nodes the criterion's method picks, before graph operators."""
    if c.method == "state":
        return _match_state(infos, c, state)
    if c.method == "result":
        return _match_result(infos, c, state)
    test = _METHOD_TESTS[c.method]
    return frozenset(node for node, info in infos.items() if test(info, c.value))


def _match_state(infos: Mapping[NodeId, NodeInfo], c: Criterion,
                 state: SelectionState | None) -> frozenset[NodeId]:
    if state is None or state.previous_fingerprints is None:
        raise UsageError(f"selector {c.text!r} needs a previous run to compare with",
                         hint="build once first, so its manifest records the fingerprints")
    before, now = state.previous_fingerprints, state.current_fingerprints
    picked = set()
    for node in infos:
        key = str(node)
        if key not in now:
            continue
        if key not in before or (c.value == "modified" and before[key] != now[key]):
            picked.add(node)
    return frozenset(picked)


def _match_result(infos: Mapping[NodeId, NodeInfo], c: Criterion,
                  state: SelectionState | None) -> frozenset[NodeId]:
    if state is None or state.previous_results is None:
        raise UsageError(f"selector {c.text!r} needs the results of a previous run",
                         hint="run a build first; its statuses are kept in run_results.json")
    return frozenset(n for n in infos if state.previous_results.get(str(n)) == c.value)


@lru_cache(maxsize=512)
def _glob(pattern: str):
    """A matcher for a name pattern; exact unless it has glob characters."""
    if any(ch in pattern for ch in "*?["):
        return re.compile(fnmatch.translate(pattern)).match
    return pattern.__eq__


def _fqn(info: NodeInfo) -> tuple[str, ...]:
    """dbt's fully qualified name without the project: folders under the resource root + name."""
    folders = PurePosixPath(info.path).parts[1:-1]
    return (*folders, info.name)


def _match_fqn(info: NodeInfo, value: str) -> bool:
    if info.kind is NodeKind.SOURCE:
        return False
    if _glob(value)(info.name):
        return True
    if info.relation is not None and "." in value and _glob(value.lower())(info.relation.lower()):
        return True  # the relation as a BI tool or a query names it: schema.name
    parts = value.split(".")
    fqn = _fqn(info)
    candidates = [fqn, (info.package, *fqn)] if info.package else [fqn]
    return any(len(parts) <= len(c) and all(_glob(p)(x) for p, x in zip(parts, c, strict=False))
               for c in candidates)


def _match_path(info: NodeInfo, value: str) -> bool:
    value = value.removeprefix("./").rstrip("/")
    path = info.path
    if not value or value == ".":
        return True
    return path == value or path.startswith(value + "/") or bool(_glob(value)(path))


def _match_file(info: NodeInfo, value: str) -> bool:
    name = PurePosixPath(info.path).name
    return bool(_glob(value)(name)) or bool(_glob(value)(PurePosixPath(name).stem))


def _match_source(info: NodeInfo, value: str) -> bool:
    if info.kind is not NodeKind.SOURCE:
        return False
    source = info.source_name or info.name.partition(".")[0]
    return bool(_glob(value)(info.name if "." in value else source))


def _match_test_type(info: NodeInfo, value: str) -> bool:
    if value == "unit" or info.kind is not NodeKind.TEST:
        return info.kind is NodeKind.UNIT_TEST and value == "unit"
    return (info.test_name is not None) == (value == "generic")


_METHOD_TESTS = {
    "fqn": _match_fqn,
    "tag": lambda info, v: any(_glob(v)(t) for t in info.tags),
    "path": _match_path,
    "file": _match_file,
    "package": lambda info, v: info.package is not None and bool(_glob(v)(info.package)),
    "config.materialized": lambda info, v: (info.materialized is not None
                                            and bool(_glob(v)(info.materialized))),
    "resource_type": lambda info, v: info.kind.value == v,
    "source": _match_source,
    "test_name": lambda info, v: (info.kind in _TESTS
                                  and bool(_glob(v)(info.test_name or info.name))),
    "test_type": _match_test_type,
}
