"""Goals, reserve windows and time at high SoC of a schedule: the entries of ``Plan.shortfalls``.

Placement rules: :mod:`planner.domain.targets`; equations: :mod:`planner.model.components.targets`.
Entries (every goal and window, met or not; one per high-SoC limit):

- ``vehicle_goal``: ``asset``, ``session``, ``by``, ``target_kwh``, ``soc_kwh`` (at the goal's boundary),
  ``shortfall_kwh``;
- ``battery_reserve``: ``asset``, ``from``, ``to``, ``target_kwh``, ``soc_kwh`` (lowest in the window),
  ``shortfall_kwh`` (the largest deficit);
- ``high_soc_hours``: ``asset``, ``above_kwh``, ``max_hours``, ``hours_above``, ``excess_hours`` [h] and
  ``shortfall_kwh`` 0 (it is time, not energy; its cost is ``high_soc_penalty``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from planner.domain.targets import goal_boundary, reserve_boundaries

ABOVE_TOL_KWH = 1e-6
"""A SoC counts as above a threshold when it exceeds it by more than this [kWh]."""


def target_entries(scenario, schedule: pd.DataFrame, traced: dict[str, list[tuple[int, Any, np.ndarray]]],
                   met) -> list[dict[str, Any]]:
    """The entries of the module docstring; ``traced`` holds each vehicle's session trajectories (SoC on
    the window's boundaries) and ``met(shortfall)`` rounds a tiny shortfall to 0."""
    grid, h = scenario.grid, scenario.step_hours
    out: list[dict[str, Any]] = []
    for v in scenario.vehicles:
        hours = 0.0
        for j, w, traj in traced.get(v.name, []):
            for g in v.sessions[j].goals if w.last_boundary > w.first_boundary else ():
                k = goal_boundary(grid, w.first_boundary, w.last_boundary, g.by)
                if k is None:
                    continue
                soc = float(traj[k - w.first_boundary])
                out.append({"asset": v.name, "kind": "vehicle_goal", "session": j,
                            "by": g.by.tz_convert(grid.timezone), "target_kwh": float(g.soc_kwh),
                            "soc_kwh": soc, "shortfall_kwh": met(g.soc_kwh - soc)})
            if v.high_soc is not None:
                hours += h * float(np.count_nonzero(traj[1:] > v.high_soc.above_kwh + ABOVE_TOL_KWH))
        if v.high_soc is not None:
            out.append(_high_soc_entry(v.name, v.high_soc, hours))
    for b in scenario.batteries:
        soc = np.concatenate([[b.soc_kwh], schedule[f"{b.name}_soc_kwh"].to_numpy(dtype=float)])
        for r in b.reserves:
            ks = reserve_boundaries(grid, r.start, r.end)
            if not ks:
                continue
            low = float(soc[ks].min())
            out.append({"asset": b.name, "kind": "battery_reserve", "from": r.start.tz_convert(grid.timezone),
                        "to": r.end.tz_convert(grid.timezone), "target_kwh": float(r.soc_min_kwh),
                        "soc_kwh": low, "shortfall_kwh": met(r.soc_min_kwh - low)})
        if b.high_soc is not None:
            hours = h * float(np.count_nonzero(soc[1:] > b.high_soc.above_kwh + ABOVE_TOL_KWH))
            out.append(_high_soc_entry(b.name, b.high_soc, hours))
    return out


def _high_soc_entry(asset: str, limit, hours: float) -> dict[str, Any]:
    return {"asset": asset, "kind": "high_soc_hours", "above_kwh": float(limit.above_kwh),
            "max_hours": float(limit.max_hours), "hours_above": hours,
            "excess_hours": max(0.0, hours - limit.max_hours), "shortfall_kwh": 0.0}


def high_soc_costs(scenario, shortfalls: list[dict[str, Any]]) -> dict[str, float]:
    """``asset -> penalty_per_hour x excess_hours`` [currency] of each asset with a high-SoC limit."""
    specs = {s.name: s for s in (*scenario.batteries, *scenario.vehicles)}
    return {e["asset"]: specs[e["asset"]].high_soc.penalty_per_hour * e["excess_hours"]
            for e in shortfalls if e.get("kind") == "high_soc_hours"}
