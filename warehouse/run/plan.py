"""What a run must do: the nodes it selects, which changed, which can be skipped, which
tests are reused, and why.

Pure functions of the project, the run's options, what the selectors
compare with (`SelectionState`) and the stored state of the warehouse: the
runner asks once and executes the answer. The rules:

* A seed or model runs when its full fingerprint differs from the stored one
  (or none is stored), when its relation is missing from the warehouse, or
  when anything upstream of it runs in this run, even through a node that is
  not selected: with a -> b -> c, a view b shows a's new rows to c. Otherwise
  it is *unchanged* and skipped. This holds for incremental models too: with
  nothing new upstream, another incremental run would add nothing new.
* A data test is *reused*, reported from its stored result instead of run,
  when its own SQL and config and its parents' fingerprints are unchanged
  (one full fingerprint says both), nothing upstream runs, and the stored
  result was a pass or a warn: the same query on the same data gives the
  same answer. A failing or erroring test is never stored (such a build is
  not published), and is always run again.
* `--full-refresh` runs everything selected.
* A snapshot always runs when selected: it records the rows of its query as
  they are at that moment, so there is no "unchanged" snapshot (and nothing
  downstream of it is either). It is never rebuilt, `--full-refresh` or not.

What is not seen: data that reaches the warehouse outside the engine
(a source table loaded by another tool, a table edited by hand). Sources
are fingerprinted by their relation only; `--full-refresh` rebuilds
everything from them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from warehouse.adapters.base import NodeState, StoredState
from warehouse.compile.fingerprint import Fingerprint, digest, fold
from warehouse.compile.jinja_context import data_kinds
from warehouse.core.config import should_full_refresh
from warehouse.core.console import Console
from warehouse.core.identity import NodeId, NodeKind, Relation
from warehouse.core.nodes import ModelNode, Node, SeedNode, SnapshotNode, TestNode
from warehouse.run.plan_graph import TEST_KINDS, Graph, Reused, graph_of
from warehouse.run.results import KINDS_BY_COMMAND, NodeResult, RunOptions
from warehouse.run.selection import NodeInfo, SelectionState, resolve_selection

REUSABLE_TEST_STATUSES = frozenset({"pass", "warn"})
SNAPSHOT_REASON = "snapshot: captures its query's rows now"


@dataclass(frozen=True)
class Plan:
    """`order`: the selected nodes in DAG order; `run`: nodes to execute; `unchanged`:
    seeds/models to skip; `reused`: tests whose stored result stands. Each selected node
    is in exactly one of the last three. `based_on` is the stored state it was made from."""

    order: tuple[NodeId, ...]
    run: frozenset[NodeId]
    unchanged: frozenset[NodeId]
    reused: Mapping[NodeId, NodeState]
    reasons: Mapping[NodeId, str]  # why a node runs: 'new', 'changed', 'missing', ...
    based_on: StoredState | None = None
    # The fingerprints it compared: the project's, with the data of its sources folded in.
    fingerprints: Mapping[NodeId, Fingerprint] = field(default_factory=dict)
    source_data: Mapping[NodeId, str | None] = field(default_factory=dict)

    @property
    def nothing_to_do(self) -> bool:
        return not self.run


def plan_run(selected: Iterable[NodeId], topological: Iterable[NodeId],
             parents: Mapping[NodeId, Iterable[NodeId]],
             fingerprints: Mapping[NodeId, Fingerprint], stored: StoredState,
             relations: Mapping[NodeId, Relation | None], *,
             full_refresh: bool = False, always: Mapping[NodeId, str] | None = None,
             dag: Any = None) -> Plan:
    """Decide, in dependency order, what each selected node does.

    `topological` is every node of the project in dependency order (not only
    the selected ones), so that change flows through unselected nodes;
    `relations` gives each seed/model the relation it must find in the
    warehouse (None for ephemeral models, which build nothing); `always` names
    the nodes that run whatever is stored, with the reason (see `always_run`).

    The work is in proportion to what runs: the nodes with a reason of their own
    are found by comparing the project's and the stored fingerprints as whole
    sets (`_own_reasons`), and only they and what is downstream of them are
    walked in order, each asked why it runs as one node at a time would be."""
    always = always or {}
    order = tuple(selected)
    graph = graph_of(topological, parents, dag)  # (`dag`: the project's, of `parents`)
    chosen = frozenset(order)  # (set operations between sets: no NodeId hashed again)
    if not chosen <= graph.all:
        chosen = chosen & graph.all
    first = not stored.nodes  # nothing stored: every node is new, no fingerprint compared
    if full_refresh or first:
        starts = set(chosen)
    else:
        starts = _own_reasons(chosen, graph, fingerprints, stored, relations) | (
            chosen & always.keys())
    run: set[NodeId] = set()
    reasons: dict[NodeId, str] = {}
    tainted: set[NodeId] = set()  # runs now, or reads something that runs now
    for node_id in graph.in_order(starts):
        upstream = any(p in tainted for p in parents.get(node_id, ()))
        if node_id not in chosen:
            if upstream:
                tainted.add(node_id)
            continue
        if node_id.kind is NodeKind.SNAPSHOT:  # captures now: never unchanged, never refreshed
            reason = always.get(node_id) or SNAPSHOT_REASON
        else:
            reason = "full refresh" if full_refresh else always.get(node_id) or (
                "new" if first else _reason(node_id, fingerprints.get(node_id), stored,
                                            relations.get(node_id), upstream=upstream))
        if reason is not None:
            run.add(node_id)
            reasons[node_id] = reason
            tainted.add(node_id)
    left = chosen - run
    reused = Reused(left & graph.tests, graph, stored)
    return Plan(order, frozenset(run), left - graph.tests, reused, reasons, stored,
                fingerprints)


def _own_reasons(chosen: frozenset[NodeId], graph: Graph,
                 fingerprints: Mapping[NodeId, Fingerprint], stored: StoredState,
                 relations: Mapping[NodeId, Relation | None]) -> set[NodeId]:
    """The selected nodes that `_reason` would run with nothing upstream running (and maybe
    a few it would not): no fingerprint, none stored or another one stored (one set
    difference of (id, fingerprint) pairs), a test whose stored result may not be
    reused, a relation missing from the warehouse. Snapshots run always."""
    ours, unprinted = graph.full_fingerprints(fingerprints)
    theirs = {k: s.fingerprint for k, s in stored.nodes.items()}
    node, texts = graph.node, graph.texts
    found = {node(k) for k, _ in ours.items() - theirs.items() if k in texts}
    found.update(node(k) for k, s in stored.nodes.items()
                 if s.status not in REUSABLE_TEST_STATUSES and k in graph.test_texts)
    found.update(n for n, r in relations.items() if r is not None
                 and (r.schema.lower(), r.name.lower()) not in stored.relations)
    return (found | unprinted | graph.snapshots) & chosen


def _reason(node_id: NodeId, fingerprint: Fingerprint | None, stored: StoredState,
            relation: Relation | None, *, upstream: bool) -> str | None:
    """Why the node must run, or None when its stored relation or result stands."""
    if fingerprint is None:
        return "no fingerprint"
    before = stored.nodes.get(str(node_id))
    if before is None:
        return "new"
    if before.fingerprint != fingerprint.full:
        return "changed" if before.local_fingerprint != fingerprint.local else "parent changed"
    if upstream:
        return "upstream runs"
    if node_id.kind in TEST_KINDS:
        return None if before.status in REUSABLE_TEST_STATUSES else f"was {before.status}"
    if relation is not None and not stored.has_relation(relation):
        return "relation missing"
    return None


# ---------------------------------------------------------------------------
# The project's side: selection, and what is planned for each node
# ---------------------------------------------------------------------------


def select_nodes(project: Any, options: RunOptions, state: SelectionState | None = None,
                 console: Console | None = None) -> list[NodeId]:
    """The nodes the command runs, in DAG order; `state` is what `state:` and `result:`
    compare with. A selector term that matches nothing is a warning on `console`."""
    kinds = KINDS_BY_COMMAND[options.command]
    if not options.select and not options.exclude:  # everything: no node's details needed
        return [n for n in project.dag.topological_order()
                if n.kind in kinds and n in project.nodes]
    return _select_by_terms(project, options, state, console)


def _select_by_terms(project: Any, options: RunOptions, state: SelectionState | None,
                     console: Console | None) -> list[NodeId]:
    """`select_nodes` through the selectors' evaluation (any selection, even none)."""
    from warehouse.run.dbt_ids import package_of

    infos = {
        node_id: NodeInfo(
            id=node_id, name=node.name, kind=node_id.kind, path=node.path, tags=node.tags,
            materialized=node.materialized,
            source_name=getattr(node, "source_name", None),
            attached_to=tuple(node.depends_on) if node_id.kind in TEST_KINDS else (),
            test_name=node.test_name if isinstance(node, TestNode) else (
                node.name if node_id.kind is NodeKind.UNIT_TEST else None),
            relation=_relation_text(node), package=package_of(project, node),
        )
        for node_id, node in project.nodes.items()
    }
    selection = resolve_selection(project.dag, infos, list(options.select) or None,
                                  list(options.exclude) or None, state)
    if console is not None:
        for term in selection.unmatched:
            console.line(f"warning: the selector {term!r} matches no node")
    chosen, kinds = selection.nodes, KINDS_BY_COMMAND[options.command]
    return [n for n in project.dag.topological_order() if n in chosen and n.kind in kinds]


def _relation_text(node: Node) -> str | None:
    relation = built_relation(node)
    return str(relation) if relation is not None else None


def plan_for(project: Any, options: RunOptions, order: Iterable[NodeId],
             stored: StoredState, sources: Mapping[NodeId, str | None] | None = None) -> Plan:
    """What the run does with each selected node of `order`, given the stored state and the
    data signatures of the sources it reads (`sources_read`; None when it reads none)."""
    order = tuple(order)
    facts = _facts_of(project)  # (of every node: plan_run asks only about those of order)
    always = always_run(project, order, True) if options.full_refresh else dict(facts.always)
    always.update({n: "refused at load" for n in facts.refused})
    fingerprints: Mapping[NodeId, Fingerprint] = (
        _Later(lambda: with_source_data(project, sources)) if not stored.nodes
        else with_source_data(project, sources))
    plan = plan_run(order, project.dag.topological_order(), project.parents,
                    fingerprints, stored, facts.relations, always=always, dag=project.dag)
    return replace(plan, source_data=dict(sources or {}))


class _Later(Mapping):
    """Fingerprints made when first read. A first build compares none (every node is
    new) and needs them only to store its state at the end; by then a cold load's
    late checks (compile/late_checks.py) have made them beside the build, instead of
    before it."""

    def __init__(self, make: Any) -> None:
        self._make, self._made = make, None

    def _mapping(self) -> Mapping[NodeId, Fingerprint]:
        if self._made is None:
            self._made = self._make()
        return self._made

    def __getitem__(self, node_id: NodeId) -> Fingerprint:
        return self._mapping()[node_id]

    def __iter__(self) -> Any:
        return iter(self._mapping())

    def __len__(self) -> int:
        return len(self._mapping())


@dataclass(frozen=True)
class _Facts:
    """What planning reads of every node, the same in each plan of a loaded project: the
    relation it leaves, why it runs always (without --full-refresh), whether refused."""

    relations: dict[NodeId, Relation]
    always: dict[NodeId, str]
    refused: frozenset[NodeId]
    texts: dict[NodeId, str] = field(default_factory=dict)  # str(relation), as asked

    def relation_text(self, node_id: NodeId) -> str | None:
        text = self.texts.get(node_id)
        if text is None:
            relation = self.relations.get(node_id)
            if relation is None:
                return None
            text = self.texts[node_id] = str(relation)
        return text


_last_facts: tuple[Any, bool, _Facts] | None = None


def _facts_of(project: Any) -> _Facts:
    """The `_Facts` of the project last planned (a build plans two or three times). Facts
    made while late model checks are pending are kept for the plans made meanwhile only:
    once the checks have ended, the facts of the models they checked (now replaced) are
    made again."""
    global _last_facts
    late = getattr(project, "late_checks", None)
    pending = late is not None and late.pending  # (its models change as their checks end)
    if _last_facts is None or _last_facts[0] is not project:
        nodes = project.nodes
        relations = {n: r for n, node in nodes.items()
                     if (r := built_relation(node)) is not None}
        refused = frozenset(n for n, node in nodes.items()
                            if getattr(node, "refused", None) is not None)
        _last_facts = (project, pending,
                       _Facts(relations, always_run(project, nodes, False), refused))
    elif _last_facts[1] and not pending:
        _last_facts = (project, False, _checked_again(project, _last_facts[2], late.checked))
    return _last_facts[2]


def _checked_again(project: Any, facts: _Facts, checked: frozenset[NodeId]) -> _Facts:
    """`facts` with those of the `checked` models made again from their checked nodes (a
    check may find a volatile call, or refuse the model; it leaves its relation)."""
    always = {n: why for n, why in facts.always.items() if n not in checked}
    always.update(always_run(project, sorted(checked), False))
    refused = (facts.refused - checked) | {
        n for n in checked if getattr(project.nodes[n], "refused", None) is not None}
    return _Facts(facts.relations, always, frozenset(refused))


def sources_read(project: Any, order: Iterable[NodeId]) -> list[NodeId]:
    """The sources upstream of the selected nodes: their data is part of what those
    nodes are a function of."""
    order = tuple(order)
    if not any(n.kind is NodeKind.SOURCE for n in project.nodes):
        return []
    return sorted(n for n in project.dag.upstream(order) | set(order)
                  if n.kind is NodeKind.SOURCE)


def with_source_data(project: Any, signatures: Mapping[NodeId, str | None] | None
                     ) -> Mapping[NodeId, Fingerprint]:
    """The project's fingerprints with each source's data signature folded into the
    source, so that new data in a source changes the full fingerprint of everything
    built from it, and a node not run since keeps looking changed. A source whose data
    could not be read gets a signature that matches nothing: what reads it runs."""
    if not signatures:
        return project.fingerprints
    local = {n: f.local for n, f in project.fingerprints.items()}
    for source, signature in signatures.items():
        local[source] = digest(local[source], "data", signature or uuid.uuid4().hex)
    return fold(local, project.dag.topological_order(), project.parents)


def always_run(project: Any, order: Iterable[NodeId], full_refresh: bool) -> dict[NodeId, str]:
    """Nodes that run whatever the stored state says, and why: a full refresh (the flag, or
    the node's own `full_refresh` config, which wins over the flag as in dbt), an
    incremental model (its step may add rows however unchanged its inputs look), SQL
    that calls a volatile function (`now()`, `random()`, `read_csv(...)` ...), and a model
    rendered at run time whose SQL depends on more than its parents (`run_query` over
    data, the graph, flags, the run's id: compile/introspect.py)."""
    reasons = {}
    nodes = project.nodes
    for node_id in order:
        node = nodes[node_id]
        config = getattr(node, "config", None)
        if type(config) is not dict and not isinstance(config, Mapping):  # (ABC check: slow)
            config = {}
        if isinstance(node, SnapshotNode):
            reasons[node_id] = SNAPSHOT_REASON
        elif should_full_refresh(config, full_refresh):
            reasons[node_id] = ("full refresh" if config.get("full_refresh") is None
                                else "full_refresh config")
        elif isinstance(node, ModelNode) and node.materialized == "incremental":
            reasons[node_id] = "incremental"
        elif getattr(node, "volatile", ()):
            reasons[node_id] = "calls " + ", ".join(f"{f}()" for f in node.volatile)
        elif getattr(node, "runtime_kinds", ()) and data_kinds(node.runtime_kinds):
            reasons[node_id] = "its SQL depends on " + ", ".join(
                _RUNTIME_READS[k] for k in data_kinds(node.runtime_kinds))
    return reasons


# Why a model rendered at run time must run every time (compile/jinja_context.py's kinds).
_RUNTIME_READS = {"query": "queries run while rendering", "graph": "the project graph",
                  "flags": "the command's flags", "invocation": "the run's id or start time",
                  "unknown": "macros whose reads cannot be told"}


def built_relation(node: Node) -> Relation | None:
    """The relation a seed or model leaves in the warehouse; None if it leaves none."""
    if isinstance(node, ModelNode) and node.materialized == "ephemeral":
        return None
    return node.relation if isinstance(node, (ModelNode, SeedNode, SnapshotNode)) else None


def not_run(project: Any, node_id: NodeId, plan: Plan) -> NodeResult:
    """The result of a node the plan leaves alone: unchanged, or a test's stored result."""
    stored = plan.reused.get(node_id)
    if stored is not None:
        return NodeResult(node_id, stored.status, message=stored.message or "",
                          failures=stored.failures, detail={"reused": True})
    return NodeResult(node_id, "unchanged", relation=_facts_of(project).relation_text(node_id))
