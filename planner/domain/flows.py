"""Energy-flow rules: which source may feed which sink within a step.

A step's energy comes from *sources* (grid import, solar after curtailment, each battery's and each V2G
vehicle's discharge) and goes to *sinks* (the load that is served, export, each battery's and each vehicle's
charge). A rule names kinds: an asset's ``charge_from`` (sources it accepts) and ``discharge_to`` (sinks it
feeds), and the grid's ``import_to`` and ``export_from``. An arc *source -> sink* is allowed when both ends
allow it; an asset never feeds itself, and import never feeds export.

Solar serves the household load first, as meters and export schemes count it: ``min(solar_kw, load_kw)``
goes from solar to the load in every step, so solar the load needs is never curtailed and load that solar
can cover is never left unserved. A plan keeps the rules when the rest of the step's mean powers admit an
*allocation*: non-negative flows on allowed arcs whose sums are each source's and each sink's power.
Electrons are not labelled, so this is the meaning a meter can check: "no battery into the car" holds when
the battery's discharge fits into the load solar leaves, export and the other allowed sinks of that step;
"the battery charges only from solar" when its charge fits into the solar the load leaves. Energy already
stored is not traced by origin: a battery that may charge only from solar holds only solar energy, so its
export is solar energy too.

Assets of one kind with the same rules are one node (the allocation only needs each node's total, and two
members of a node may feed each other); a node of one asset may not feed itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FLOW_SOURCES = ("grid", "solar", "battery", "vehicle")
"""Where energy can come from in a step: grid import, solar, a battery's or a vehicle's discharge."""
FLOW_SINKS = ("load", "grid", "battery", "vehicle")
"""Where energy can go in a step: the household load, export, a battery's or a vehicle's charge."""
IMPORT_TO = ("load", "battery", "vehicle")
"""Default of the grid's ``import_to``."""
EXPORT_FROM = ("solar", "battery", "vehicle")
"""Default of the grid's ``export_from``."""


@dataclass(frozen=True)
class FlowNode:
    """One node of a step's flow graph: ``kind`` (grid, solar, load, battery or vehicle) and the names of
    the assets it stands for (empty for grid, solar and load)."""

    kind: str
    members: tuple[str, ...] = ()
    accepts: tuple[str, ...] = FLOW_SOURCES
    """Source kinds this node accepts as a sink."""
    feeds: tuple[str, ...] = FLOW_SINKS
    """Sink kinds this node feeds as a source."""

    @property
    def label(self) -> str:
        """``battery[home]``-style name for messages and model names."""
        return f"{self.kind}[{','.join(self.members)}]" if self.members else self.kind


@dataclass(frozen=True)
class FlowGraph:
    """Sources, sinks and the allowed arcs ``(source index, sink index)`` of the site."""

    sources: tuple[FlowNode, ...]
    sinks: tuple[FlowNode, ...]
    arcs: tuple[tuple[int, int], ...]


def _group(kind: str, specs) -> list[FlowNode]:
    groups: dict[tuple, list[str]] = {}
    for s in specs:
        groups.setdefault((tuple(s.charge_from), tuple(s.discharge_to)), []).append(s.name)
    return [FlowNode(kind, tuple(names), accepts, feeds) for (accepts, feeds), names in groups.items()]


def solar_to_load_kw(scenario) -> np.ndarray:
    """The solar that serves the load first in each step, ``min(solar_kw, load_kw)`` [kW]."""
    return np.minimum(np.asarray(scenario.solar_kw, dtype=float), np.asarray(scenario.load_kw, dtype=float))


def has_rules(scenario) -> bool:
    """Whether any asset or the grid narrows where energy may flow."""
    c = scenario.connection
    if tuple(c.import_to) != IMPORT_TO or tuple(c.export_from) != EXPORT_FROM:
        return True
    return any(tuple(s.charge_from) != FLOW_SOURCES or tuple(s.discharge_to) != FLOW_SINKS
               for s in (*scenario.batteries, *scenario.vehicles))


def flow_graph(scenario) -> FlowGraph | None:
    """The site's flow graph, or None when no rule narrows any flow (nothing to model or check)."""
    if not has_rules(scenario):
        return None
    c = scenario.connection
    grid_source = FlowNode("grid", feeds=tuple(c.import_to))
    grid_sink = FlowNode("grid", accepts=tuple(c.export_from))
    batteries = _group("battery", scenario.batteries)
    vehicles = _group("vehicle", scenario.vehicles)
    v2g = _group("vehicle", [v for v in scenario.vehicles if v.v2g and v.discharge_max_kw > 0])
    sources = (grid_source, FlowNode("solar"), *batteries, *v2g)
    sinks = (FlowNode("load"), grid_sink, *batteries, *vehicles)
    arcs = []
    for i, src in enumerate(sources):
        for j, dst in enumerate(sinks):
            if src.kind == "grid" and dst.kind == "grid":
                continue
            if src.kind == dst.kind and src.members == dst.members and len(src.members) == 1:
                continue  # an asset never feeds itself
            if dst.kind in src.feeds and src.kind in dst.accepts:
                arcs.append((i, j))
    return FlowGraph(tuple(sources), tuple(sinks), tuple(arcs))
