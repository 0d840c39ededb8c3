"""Charge taper: the most a battery or car can take as it fills (constant current, then constant voltage).

A curve is points ``(soc_fraction, max_charge_kw)`` (fractions of usable capacity, AC kW), concave in SoC
(each segment's slope at most the previous one's), so the limit is the minimum of its segments' lines::

    P(soc) = min_i (a_i + b_i * soc)        [kW], soc [kWh], b_i [kW/kWh]

Power is the mean over a step, held by the charger as a setpoint. Within the step the SoC rises while
charging and a falling limit falls with it, so a setpoint ``p`` is delivered in full exactly when it stays
under every line along the SoC's straight path from ``soc0`` to ``soc0 + eta * p * hours``; each line is
linear, so its ends suffice: the start for a rising line, the end for a falling one. For a falling line
``p <= a + b * (soc0 + eta * p * hours)`` is ``p <= psi * (a + b * soc0)`` with ``psi = 1 / (1 - b * eta *
hours)``, so the step's limit, linear in the SoC at the step's start, is exact::

    charge_kw[t] <= psi_i * (a_i + b_i * soc_kwh[t])      for every segment i (psi_i = 1 when b_i >= 0)

The model, the fail-safe plan, the simulation and ``planner.verify`` use it; the plain ``charge_max_kw``
still applies.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def taper_lines(points: Sequence[tuple[float, float]], capacity_kwh: float) -> list[tuple[float, float]]:
    """``(a_kw, b_kw_per_kwh)`` of each segment of a curve on a battery of ``capacity_kwh`` [kWh]."""
    lines = []
    for (x1, y1), (x2, y2) in zip(points, points[1:], strict=False):
        b = (y2 - y1) / ((x2 - x1) * capacity_kwh)
        lines.append((y1 - b * x1 * capacity_kwh, b))
    return lines


def step_factor(b_kw_per_kwh: float, eta: float, hours: float) -> float:
    """``psi`` of the module docstring (dimensionless, in (0, 1])."""
    return 1.0 / (1.0 - b_kw_per_kwh * eta * hours) if b_kw_per_kwh < 0 else 1.0


def taper_limit_kw(points: Sequence[tuple[float, float]], capacity_kwh: float, eta: float, hours: float,
                   soc_kwh: float | np.ndarray) -> float | np.ndarray:
    """The largest setpoint [kW, >= 0] a tapering charger delivers in full over a step of ``hours`` from
    ``soc_kwh`` [kWh]; ``inf`` without a curve."""
    if not points:
        return np.full_like(np.asarray(soc_kwh, dtype=float), np.inf) if np.ndim(soc_kwh) else float("inf")
    soc = np.asarray(soc_kwh, dtype=float)
    limit = np.min([step_factor(b, eta, hours) * (a + b * soc) for a, b in taper_lines(points, capacity_kwh)], axis=0)
    limit = np.maximum(limit, 0.0)
    return float(limit) if limit.ndim == 0 else limit


def taper_rows(points: Sequence[tuple[float, float]], capacity_kwh: float, eta: float, charge_max_kw: float,
               steps: Sequence[tuple[int, int, float, float]]) -> list[tuple[int, int, float, float]]:
    """The model rows ``charge <= c0 + c1 * soc_at_step_start`` of a curve: ``(segment, step, c0 [kW],
    c1 [kW/kWh])`` for each ``(segment, step, hours, soc upper bound [kWh])`` of ``steps`` and each line that
    can fall below ``charge_max_kw`` on ``[0, soc upper bound]`` (the others never bind)."""
    if not points:
        return []
    rows = []
    lines = taper_lines(points, capacity_kwh)
    for seg, t, hours, upper in steps:
        for a, b in lines:
            psi = step_factor(b, eta, hours)
            if min(psi * a, psi * (a + b * upper)) < charge_max_kw:
                rows.append((seg, t, psi * a, psi * b))
    return rows
