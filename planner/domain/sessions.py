"""Plug-in sessions on a time grid: covered fractions, boundaries, pro-rated targets and step ownership.

The one statement of these rules for the model, the fail-safe plan and the simulation
(``planner.verify`` keeps its own deliberate copy, so that a mistake here cannot hide from it).

- A session covers a fraction of each step it overlaps (``TimeGrid.coverage``); its state of charge lives on
  boundaries ``first`` (the boundary at or before arrival, clipped to the horizon) to ``last`` (at or after
  departure).
- A departure after the horizon's end pro-rates the target in time: the end-of-horizon target is
  ``arrive + (target - arrive) x (n - arrival position) / (departure position - arrival position)``.
- A step shared by two sessions of one vehicle belongs to the later one (a car that leaves and comes back
  within one step charges for the new session).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np


@dataclass(frozen=True)
class SessionWindow:
    """Where a session sits on the grid.

    Attributes
    ----------
    steps : list of int
        Steps with a positive covered fraction (after step ownership).
    fraction : numpy.ndarray
        Covered fraction of every step of the horizon (0 outside the session).
    first_boundary, last_boundary : int
        Boundaries of the session's first and last state of charge.
    target_kwh : float
        Effective departure target [kWh] at ``last_boundary`` (pro-rated when departing after the horizon).
    departs_in_horizon : bool
        Whether the departure lies inside the horizon.
    start_soc_kwh : float
        SoC at ``first_boundary`` [kWh].
    """

    steps: list[int]
    fraction: np.ndarray
    first_boundary: int
    last_boundary: int
    target_kwh: float
    departs_in_horizon: bool
    start_soc_kwh: float


def session_window(grid: Any, session: Any) -> SessionWindow:
    """Place ``session`` (``arrive``, ``depart``, ``arrive_soc_kwh``, ``depart_soc_min_kwh``) on ``grid``."""
    n = grid.steps
    frac = grid.coverage(session.arrive, session.depart)
    steps = [int(t) for t in np.flatnonzero(frac > 0)]
    a_pos = grid.position(session.arrive)
    d_pos = grid.position(session.depart)
    first = int(min(max(math.floor(a_pos + 1e-9), 0), n))
    last = int(min(max(math.ceil(d_pos - 1e-9), first), n))
    departs_inside = d_pos <= n + 1e-9
    target = session.depart_soc_min_kwh
    if not departs_inside:
        start_pos = max(a_pos, 0.0)
        ratio = (n - start_pos) / (d_pos - start_pos) if d_pos > start_pos else 1.0
        target = session.arrive_soc_kwh + (target - session.arrive_soc_kwh) * ratio
    return SessionWindow(steps, frac, first, last, float(target), departs_inside, session.arrive_soc_kwh)


def session_target(grid: Any, session: Any) -> tuple[float, int, int, bool]:
    """(effective target [kWh], first boundary, last boundary, departs inside the horizon) of ``session``."""
    w = session_window(grid, session)
    return w.target_kwh, w.first_boundary, w.last_boundary, w.departs_in_horizon


def kept_windows(grid: Any, sessions: Sequence[Any]) -> list[tuple[int, SessionWindow]]:
    """(index, window) of every session touching the horizon, in order, with step ownership applied."""
    kept = [(j, w) for j, s in enumerate(sessions)
            if (w := session_window(grid, s)).last_boundary > w.first_boundary or w.steps]
    for k in range(len(kept) - 1):  # a step shared with the next session belongs to the next session
        j, w = kept[k]
        later = kept[k + 1][1].fraction > 0
        if any(later[t] for t in w.steps):
            kept[k] = (j, replace(w, steps=[t for t in w.steps if not later[t]],
                                  fraction=np.where(later, 0.0, w.fraction)))
    return kept


def shortfall_penalty_per_kwh(vehicle: Any, scenario_penalty_per_kwh: float) -> float:
    """Price of one kWh short of a vehicle's departure target [currency/kWh]: the vehicle's own
    ``shortfall_penalty_per_kwh`` when set, else the scenario's."""
    own = vehicle.shortfall_penalty_per_kwh
    return float(own) if own is not None else float(scenario_penalty_per_kwh)
