"""Energy-flow rules ("never charge the car from the home battery", "never export from the battery").

The rules and their meaning are in :mod:`planner.domain.flows`: a step keeps them when its powers admit an
allocation on the allowed arcs, with ``source_kw`` = grid import, ``solar - first - curtailed``, a node's
discharge and ``sink_kw`` = ``load - first - unserved``, export, a node's charge, where
``first = min(solar_kw, load_kw)`` is the solar that serves the load first. By the supply-demand theorem
(Gale 1957) such an allocation exists exactly when every set ``A`` of sources supplies no more than the sinks
it may reach, so the model adds, in every step ``t``, no variable and only these rows::

    solar_kw - first - curtailed_kw >= 0          load_kw - first - unserved_kw >= 0
    sum_{i in A} source_kw[i, t] <= sum_{j in N(A)} sink_kw[j, t]     for every A whose reach N(A) is not every sink

(a set that reaches every sink is implied by the site balance, and of the sets with one reach only the largest
is kept: it implies the others). No binary is needed; a source with no allowed
sink is held at 0. With more than :data:`MAX_GALE_SOURCES` source nodes the rows would multiply, and the model
instead gets a flow ``flow_kw[a, t] >= 0`` on each allowed arc with ``sum_j flow_kw[(i, j), t] = source_kw[i, t]``
and ``sum_i flow_kw[(i, j), t] = sink_kw[j, t]``.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

import pyomo.environ as pyo

from planner.domain.flows import FlowNode, flow_graph, solar_to_load_kw
from planner.model.components.base import BuildOptions, Contribution


def _node_power(node: FlowNode, t: int, m: Any, ports: dict[str, Any], side: str, first_kw: float) -> Any:
    """Power of ``node`` in step ``t`` [kW]: ``side`` is ``"source"`` (what it gives) or ``"sink"``;
    ``first_kw`` is the solar that serves the load first."""
    if node.kind == "grid":
        return m.grid.import_kw[t] if side == "source" else m.grid.export_kw[t]
    if node.kind == "solar":
        return m.solar.solar_kw[t] - first_kw - m.solar.curtailed_kw[t]
    if node.kind == "load":
        return m.site_load.load_kw[t] - first_kw - m.site_load.unserved_kw[t]
    terms = []
    for name in node.members:
        flows = ports[name].discharge_kw if side == "source" else ports[name].charge_kw
        if t in flows:
            terms.append(flows[t])
    return sum(terms) if terms else 0.0


MAX_GALE_SOURCES = 8
"""Up to this many source nodes the rules are the supply-demand rows (at most 255 sets a step)."""


def _deficient_sets(graph) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """``(sources A, sinks N(A))`` for every set of sources that cannot reach every sink."""
    reach = [{j for i2, j in graph.arcs if i2 == i} for i in range(len(graph.sources))]
    every = set(range(len(graph.sinks)))
    largest: dict[tuple[int, ...], set[int]] = {}  # reach -> the union of every set with that reach
    for size in range(1, len(graph.sources) + 1):
        for subset in combinations(range(len(graph.sources)), size):
            targets = set().union(*(reach[i] for i in subset))
            if targets != every:
                largest.setdefault(tuple(sorted(targets)), set()).update(subset)
    # a set's row is implied by a larger set with the same reach (supplies are >= 0), and the union of all
    # sets with one reach has that reach too, so one row per reach remains
    return [(tuple(sorted(subset)), targets) for targets, subset in largest.items()]


def add_flow_rules(m: pyo.ConcreteModel, scenario, options: BuildOptions,
                   contributions: list[Contribution]) -> Contribution | None:
    """Add block ``m.flow_rules`` (module docstring) when the scenario has a rule; else None."""
    graph = flow_graph(scenario)
    if graph is None:
        return None
    by_kind: dict[str, dict[str, Any]] = {"battery": {}, "vehicle": {}}
    for c in contributions:
        if c.storage is not None:
            by_kind[c.storage.kind][c.storage.name] = c.storage
    n = scenario.steps
    b = pyo.Block()
    m.flow_rules = b
    b.graph = graph  # plain attribute, for read-back and messages
    first = solar_to_load_kw(scenario).tolist()
    supply = [[_node_power(node, t, m, by_kind.get(node.kind, {}), "source", first[t]) for t in range(n)]
              for node in graph.sources]
    demand = [[_node_power(node, t, m, by_kind.get(node.kind, {}), "sink", first[t]) for t in range(n)]
              for node in graph.sinks]

    def live(power: Any) -> bool:  # a node that can have power in the step (not the constant 0)
        return not (isinstance(power, float) and power == 0.0)

    b.solar_serves_load_first = pyo.Constraint(range(n), rule=lambda _, t: m.solar.curtailed_kw[t] <= m.solar.solar_kw[t] - first[t])
    b.load_served_by_solar_first = pyo.Constraint(range(n), rule=lambda _, t: m.site_load.unserved_kw[t] <= m.site_load.load_kw[t] - first[t])
    if len(graph.sources) <= MAX_GALE_SOURCES:
        sets = _deficient_sets(graph)
        rows = [(r, t) for t in range(n) for r, (subset, _) in enumerate(sets) if any(live(supply[i][t]) for i in subset)]

        def gale(_, r: int, t: int) -> Any:
            subset, targets = sets[r]
            return sum(supply[i][t] for i in subset) <= sum(demand[j][t] for j in targets)

        b.supply_within_reach = pyo.Constraint(rows, rule=gale)
        return Contribution("flow_rules")
    idx = [(a, t) for t in range(n) for a, (i, j) in enumerate(graph.arcs) if live(supply[i][t]) and live(demand[j][t])]
    b.flow_kw = pyo.Var(idx, domain=pyo.NonNegativeReals)
    out_arcs: dict[tuple[int, int], list[Any]] = {}
    in_arcs: dict[tuple[int, int], list[Any]] = {}
    for a, t in idx:
        i, j = graph.arcs[a]
        out_arcs.setdefault((i, t), []).append(b.flow_kw[a, t])
        in_arcs.setdefault((j, t), []).append(b.flow_kw[a, t])

    def balance(flows: list[Any], power: Any) -> Any:
        if not live(power):
            return sum(flows) == 0 if flows else pyo.Constraint.Skip
        if isinstance(power, float) and not flows:
            return pyo.Constraint.Skip  # a constant the site balance already accounts for
        return sum(flows) == power if flows else power == 0

    b.source_balance = pyo.Constraint(
        list(range(len(graph.sources))), list(range(n)),
        rule=lambda _, i, t: balance(out_arcs.get((i, t), []), supply[i][t]),
    )
    b.sink_balance = pyo.Constraint(
        list(range(len(graph.sinks))), list(range(n)),
        rule=lambda _, j, t: balance(in_arcs.get((j, t), []), demand[j][t]),
    )
    return Contribution("flow_rules")
