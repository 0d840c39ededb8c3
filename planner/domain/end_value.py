"""Terminal value: what energy left in storage at the end of a plan is worth.

A plan that ends at the horizon cannot see what stored energy will save afterwards, so without a value it
treats every kWh left above a floor as worthless: it curtails PV the battery could hold, or exports stored
energy for a few pence. Each battery and vehicle therefore has a value per kWh of stored energy,
``end_value_per_kwh`` [currency per kWh of stored (DC-side) energy]:

- **battery**: the plan's cost carries ``end_value = -v * (soc_end_kwh - soc_start_kwh)``;
- **vehicle**: each session carries ``end_value = -v * (soc_at_departure_kwh - target_kwh)`` (the target is
  pro-rated for a session that departs after the horizon), so energy above the target is worth ``v``.

The cost term is negative when energy is gained (a value), positive when it is drawn down.

**Default rule** (``end_value_per_kwh`` not given)::

    v = END_VALUE_SHARE * eta_discharge * max(0, min_t import_price[t] - degradation_cost_per_kwh)

``eta_discharge * (min_t import_price[t] - degradation_cost_per_kwh)`` is the least one stored kWh saves
when it is discharged after the horizon to displace an import at the horizon's cheapest price, net of the
throughput wear that discharge costs; ``END_VALUE_SHARE`` (0.95) makes a saving
within the horizon (certain) preferred to an equal one after it (a forecast), so on a flat tariff the plan
uses stored energy tonight rather than keeping it for tomorrow at the same price. Why it cannot make a plan
worse than the floor alone:

- the floors (``end_soc_min_kwh``, departure targets) are kept, so every plan allowed before is allowed now;
- storing a kWh bought from the grid costs at least ``min_t p[t] / eta_charge > v``, so the value never
  makes the plan buy energy just to hold it at the end;
- discharging a stored kWh saves ``eta_discharge * (p[t] - degradation_cost_per_kwh) > v`` net of its wear
  on every import it displaces (when that is positive), so the value never stops a discharge that pays;
- what it changes is what the floor alone gets wrong: stored energy is no longer exported below ``v`` per
  kWh, and PV surplus is stored rather than curtailed or exported below ``v`` per stored kWh.

``end_value_per_kwh = 0`` gives the plan of the floor alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

END_VALUE_SHARE = 0.95
"""Share of the least later saving a kWh kept at the horizon end is valued at (see the module docstring)."""


def end_value_rate_per_kwh(spec: Any, import_price_per_kwh: np.ndarray) -> float:
    """The value ``v`` of one stored kWh of ``spec`` [currency/kWh]: its own or the default rule above."""
    own = getattr(spec, "end_value_per_kwh", None)
    if own is not None:
        return float(own)
    prices = np.asarray(import_price_per_kwh, dtype=float)
    if prices.size == 0:
        return 0.0
    wear = float(getattr(spec, "degradation_cost_per_kwh", 0.0) or 0.0)
    return END_VALUE_SHARE * float(spec.eta_discharge) * max(0.0, float(np.min(prices)) - wear)


def refill_price_per_kwh(kind: str, tariff: Any) -> np.ndarray:
    """What refilling a kWh of an asset of ``kind`` costs per step [currency/kWh]: a car's EV charging rate
    when the tariff has one (:mod:`planner.domain.ev_rate`), else the import price."""
    ev = getattr(tariff, "ev_charge_price_per_kwh", None)
    return np.asarray(ev if kind == "vehicle" and ev is not None else tariff.import_price_per_kwh, dtype=float)


def end_value_costs(
    batteries: Iterable[Any],
    vehicles: Iterable[Any],
    import_price_per_kwh: np.ndarray,
    shortfalls: Iterable[Mapping[str, Any]],
    vehicle_price_per_kwh: np.ndarray | None = None,
) -> dict[str, float]:
    """``asset name -> end_value`` cost [currency, - = value gained] from a plan's shortfall entries.

    The entries (``battery_end_floor`` with the end SoC, ``vehicle_session`` with ``soc_kwh`` and
    ``target_kwh``) are the ones every plan reports, so the model, the fail-safe plan and the simulation
    price the end state the same way. ``vehicle_price_per_kwh`` (a car's EV charging rate, when the tariff
    has one) replaces the import price for the vehicles.
    """
    entries = list(shortfalls)
    out: dict[str, float] = {}
    for b in batteries:
        v = end_value_rate_per_kwh(b, import_price_per_kwh)
        ends = [e for e in entries if e.get("kind") == "battery_end_floor" and e.get("asset") == b.name]
        soc_end = float(ends[0]["soc_kwh"]) if ends else float(b.soc_kwh)
        out[b.name] = -v * (soc_end - float(b.soc_kwh))
    for veh in vehicles:
        v = end_value_rate_per_kwh(veh, import_price_per_kwh if vehicle_price_per_kwh is None else vehicle_price_per_kwh)
        gained = sum(
            float(e["soc_kwh"]) - float(e["target_kwh"])
            for e in entries
            if e.get("kind") == "vehicle_session" and e.get("asset") == veh.name
        )
        out[veh.name] = -v * gained
    return out
