"""Steady plans: a penalty on changes of a storage asset's net power between consecutive steps.

``ramp_penalty = rate * sum_t |n[t] - n[t-1]|`` over the horizon's steps, with ``n = charge_kw - discharge_kw``
[kW, AC side, + = charging] (a car away has ``n = 0``); the first step counts against ``ramp_from_kw`` (the
power in the step before the horizon) when it is given. ``rate`` is ``ramp_penalty_per_kw``
[currency/kW]. It is a preference, not money: simulations leave it out of the accounting. A switch from
charging 5 kW to discharging 5 kW costs ``10 * rate``.
"""

from __future__ import annotations

import numpy as np


def power_changes_kw(net_kw: np.ndarray, from_kw: float | None) -> np.ndarray:
    """``|n[t] - n[t-1]|`` for each step [kW]; the first against ``from_kw`` (0 change when None)."""
    net = np.asarray(net_kw, dtype=float)
    if len(net) == 0:
        return net
    first = abs(net[0] - from_kw) if from_kw is not None else 0.0
    return np.concatenate([[first], np.abs(np.diff(net))])


def ramp_penalty(spec: object, charge_kw: np.ndarray, discharge_kw: np.ndarray) -> float:
    """The asset's ramp penalty for a schedule [currency] (0 when its rate is 0)."""
    rate = float(getattr(spec, "ramp_penalty_per_kw", 0.0) or 0.0)
    if rate <= 0:
        return 0.0
    net = np.asarray(charge_kw, dtype=float) - np.asarray(discharge_kw, dtype=float)
    return rate * float(power_changes_kw(net, getattr(spec, "ramp_from_kw", None)).sum())
