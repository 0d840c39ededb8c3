"""A separate rate for a car's charging (OVO Charge Anytime, Octopus Power Pack): the credit (numpy only).

The site's meter bills every kWh at the import price; the supplier reads each car's charger and credits
``(import_price - ev_charge_price) x (charge_kw - discharge_kw) x step_hours`` per step, so the car's
charging costs the EV rate. The credit is on the charger's *net* energy: energy charged at the EV rate and
discharged into the home is given back at the import price, so the EV rate cannot be pumped into the house.
Units: [currency], + = money received.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np


def ev_charge_credit(import_price_per_kwh: np.ndarray, ev_charge_price_per_kwh: np.ndarray | None,
                     net_charge_kw: Iterable[np.ndarray], step_hours: float) -> float:
    """The credit of the cars' net charging ``net_charge_kw`` (one array per car, charge - discharge [kW])."""
    if ev_charge_price_per_kwh is None:
        return 0.0
    rate = np.asarray(import_price_per_kwh, dtype=float) - np.asarray(ev_charge_price_per_kwh, dtype=float)
    return float(sum(np.dot(rate, np.asarray(net, dtype=float)) for net in net_charge_kw) * step_hours)
