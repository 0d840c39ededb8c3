"""Independent checks of the scenario's refinements: energy-flow rules, session goals, reserve windows,
time at high SoC and the charge taper (numpy only; a deliberate copy of the rules, not the model's code).

Solar serves the household load first (``min(solar, load)`` in each step); flow rules are checked by Gale's theorem instead of an allocation: the step's powers admit flows on the
allowed arcs exactly when every set ``A`` of sources supplies no more than the sinks ``A`` may reach::

    sum_{i in A} supply_i <= sum_{j reachable from A} demand_j          for every subset A of sources

(total supply equals total demand by the site balance, checked in :mod:`planner.verify.core`).
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import combinations

import numpy as np

TOL_KW = 1e-5
DEFAULT_IMPORT_TO = ("load", "battery", "vehicle")
DEFAULT_EXPORT_FROM = ("solar", "battery", "vehicle")

Report = Callable[..., None]
Column = Callable[[str], np.ndarray]


def _nodes(scenario, col: Column, load: np.ndarray):
    """Sources and sinks of every step: ``(kind, members, feeds | accepts, power [kW] per step)``."""
    c = scenario.connection
    imp, exp = col("grid_import_kw"), col("grid_export_kw")
    first = np.minimum(scenario.solar_kw, load)  # solar serves the load first
    sources = [("grid", (), tuple(getattr(c, "import_to", DEFAULT_IMPORT_TO)), imp),
               ("solar", (), ("load", "grid", "battery", "vehicle"), scenario.solar_kw - first - col("solar_curtailed_kw"))]
    sinks = [("load", (), ("grid", "solar", "battery", "vehicle"), load - first - col("unserved_load_kw")),
             ("grid", (), tuple(getattr(c, "export_from", DEFAULT_EXPORT_FROM)), exp)]
    for kind, specs in (("battery", scenario.batteries), ("vehicle", scenario.vehicles)):
        groups: dict[tuple, list] = {}
        for s in specs:
            groups.setdefault((tuple(s.charge_from), tuple(s.discharge_to)), []).append(s)
        for (accepts, feeds), members in groups.items():
            names = tuple(s.name for s in members)
            sources.append((kind, names, feeds, sum(col(f"{s.name}_discharge_kw") for s in members)))
            sinks.append((kind, names, accepts, sum(col(f"{s.name}_charge_kw") for s in members)))
    return sources, sinks


def _allowed(src, dst) -> bool:
    if src[0] == "grid" and dst[0] == "grid":
        return False
    if src[0] == dst[0] and src[1] == dst[1] and len(src[1]) == 1:
        return False
    return dst[0] in src[2] and src[0] in dst[2]


def check_flow_rules(scenario, col: Column, report: Report) -> list[str]:
    """Report every step whose powers admit no allocation on the allowed arcs; return what was checked."""
    c = scenario.connection
    rules = [f"grid.{key} = {list(getattr(c, key))}" for key, default in
             (("import_to", DEFAULT_IMPORT_TO), ("export_from", DEFAULT_EXPORT_FROM))
             if tuple(getattr(c, key, default)) != default]
    for s in (*scenario.batteries, *scenario.vehicles):
        for key, default in (("charge_from", ("grid", "solar", "battery", "vehicle")),
                             ("discharge_to", ("load", "grid", "battery", "vehicle"))):
            if tuple(getattr(s, key, default)) != default:
                rules.append(f"{s.name}.{key} = {list(getattr(s, key))}")
    if not rules:
        return []
    sources, sinks = _nodes(scenario, col, scenario.load_kw)
    report(sources[1][3] < -10 * TOL_KW, "solar curtailed while the household load needs it (flow rules)",
           sources[1][3])
    report(sinks[0][3] < -10 * TOL_KW, "load unserved while solar could serve it (flow rules)", sinks[0][3])
    reach = [[j for j, dst in enumerate(sinks) if _allowed(src, dst)] for src in sources]
    live = [i for i, src in enumerate(sources) if np.any(np.asarray(src[3]) > TOL_KW)]
    worst = np.zeros(scenario.steps)
    for size in range(1, len(live) + 1):
        for subset in combinations(live, size):
            supply = sum(np.asarray(sources[i][3], dtype=float) for i in subset)
            targets = sorted({j for i in subset for j in reach[i]})
            demand = sum((np.asarray(sinks[j][3], dtype=float) for j in targets), np.zeros(scenario.steps))
            worst = np.maximum(worst, supply - demand)
    report(worst > 10 * TOL_KW, "energy flows break a flow rule (" + "; ".join(rules) + ")", worst)
    return rules
