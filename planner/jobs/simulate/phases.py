"""A depot controller's phase limit: the chargers' power on each phase within ``phase_limit_kw``.

The plan keeps its own setpoints within the limit (:mod:`planner.model.components.charger`), but a
controller that catches up or guarantees a departure can ask more of a phase than it carries. As a load
manager does, each overloaded phase's charging is scaled down in every car on it (a three-phase charger
takes a third of its power from each phase), then its discharging the same way; a charge cut below its
charger's minimum stops. A car's power counts on the phases of every session covering the step (as the
independent check counts it). Units: power [kW].
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from planner.domain.chargers import PHASES, charger_limits
from planner.inputs.specs import Scenario
from planner.timegrid import TimeGrid


def keep_within_phases(
    template: Scenario, grid: TimeGrid, pieces: Sequence[object], charge_kw: Mapping[str, np.ndarray],
    discharge_kw: Mapping[str, np.ndarray],
) -> None:
    """Scale the cars' ``charge_kw`` and ``discharge_kw`` (per vehicle, per step of ``grid``; changed in
    place) so that no phase carries more than ``phase_limit_kw`` (module docstring). Nothing changes at a
    home or without a finite limit."""
    limit = template.connection.phase_limit_kw
    if not template.chargers or not math.isfinite(limit):
        return
    vehicles = {v.name: v for v in template.vehicles}
    n = grid.steps
    shares = {name: np.zeros((n, len(PHASES))) for name in charge_kw}
    minimum = {name: np.zeros(n) for name in charge_kw}
    for piece in pieces:
        lim = charger_limits(template, vehicles[piece.vehicle], piece.charger)
        frac = grid.coverage(piece.arrive, piece.depart)
        inside = frac > 0
        for k, phase in enumerate(PHASES):
            shares[piece.vehicle][inside, k] += lim.phase_share.get(phase, 0.0)
        minimum[piece.vehicle] = np.maximum(minimum[piece.vehicle], np.where(inside, lim.charge_min_kw * frac, 0.0))
    for flows in (charge_kw, discharge_kw):
        for k in range(len(PHASES)):
            load = sum((shares[name][:, k] * flows[name] for name in flows), np.zeros(n))
            over = load > limit
            if not over.any():
                continue
            factor = np.where(over, limit / np.where(over, load, 1.0), 1.0)
            for name, power in flows.items():
                power *= np.where(shares[name][:, k] > 0, factor, 1.0)
    for name, power in charge_kw.items():
        power[(power > 0) & (power < minimum[name] - 1e-9)] = 0.0


__all__ = ["keep_within_phases"]
