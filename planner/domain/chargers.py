"""Depot chargers: the effective limits of each vehicle session on the charger it is plugged into (numpy
only; the rule the model, the fail-safe plan and the grid-service headroom share).

A session on charger ``c`` may charge up to ``min(vehicle, charger)`` and discharge only on a
bidirectional charger, up to ``min(vehicle, charger)``; in a scenario with chargers a session assigned to
none can do neither. A three-phase charger puts a third of its power on each of L1, L2, L3; a single-phase
charger all of it on its phase. Units: power [kW].
"""

from __future__ import annotations

from dataclasses import dataclass

PHASES = ("L1", "L2", "L3")


@dataclass(frozen=True)
class SessionLimits:
    """Effective limits of one vehicle session on its charger.

    Attributes
    ----------
    charger : str or None
        Charger name (None: no charger assigned).
    charge_max_kw, charge_min_kw, discharge_max_kw : float
        Effective limits [kW] before scaling by the covered fraction.
    phase_share : dict
        Phase -> share of the session's power on that phase (1 or 1/3).
    """

    charger: str | None
    charge_max_kw: float
    charge_min_kw: float
    discharge_max_kw: float
    phase_share: dict[str, float]


def phase_share(phase: str) -> dict[str, float]:
    """Share of a charger's power on each phase: ``{"L1": 1}`` or a third on each of L1, L2, L3."""
    if phase in PHASES:
        return {phase: 1.0}
    return {p: 1.0 / 3.0 for p in PHASES}


def charger_limits(scenario, vehicle, charger: str | None) -> SessionLimits:
    """Effective limits of ``vehicle`` plugged into the charger named ``charger`` (module docstring); without
    chargers in the scenario, the vehicle's own limits."""
    v_dmax = vehicle.discharge_max_kw if vehicle.v2g else 0.0
    if not scenario.chargers:
        return SessionLimits(None, vehicle.charge_max_kw, vehicle.charge_min_kw, v_dmax, {})
    c = next((x for x in scenario.chargers if x.name == charger), None) if charger is not None else None
    if c is None:
        return SessionLimits(None, 0.0, 0.0, 0.0, {})
    dmax = min(v_dmax, c.discharge_max_kw) if c.bidirectional else 0.0
    cmax = min(vehicle.charge_max_kw, c.charge_max_kw)
    cmin = max(vehicle.charge_min_kw, c.charge_min_kw)
    return SessionLimits(c.name, cmax, min(cmin, cmax), dmax, phase_share(c.phase))


def session_limits(scenario, vehicle) -> list[SessionLimits]:
    """Effective limits of every session of ``vehicle`` (in the order of ``vehicle.sessions``).

    Without chargers in the scenario each session keeps the vehicle's own limits.
    """
    return [charger_limits(scenario, vehicle, s.charger) for s in vehicle.sessions]


__all__ = ["PHASES", "SessionLimits", "charger_limits", "phase_share", "session_limits"]
