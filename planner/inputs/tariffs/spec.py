"""The price contract read by the model: :class:`TariffSpec` and :class:`DemandCharge`.

Sign conventions: prices are currency per kWh; an import price is what the site pays per kWh imported, an
export price is what it is paid per kWh exported. Negative prices pass through unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class DemandCharge:
    """A charge on the peak grid import within a billing window.

    Parameters
    ----------
    name : str
        Label of the billing window (e.g. ``"2025-01"``), used in cost names.
    rate_per_kw : float
        Currency per kW of peak import, already pro-rated to the share of the billing period the horizon
        covers [currency/kW].
    step_mask : numpy.ndarray
        Boolean per step: True where the step belongs to this billing window.
    floor_kw : float
        Minimum billed peak [kW] (e.g. 2.5 kW in Flanders).
    """

    name: str
    rate_per_kw: float
    step_mask: np.ndarray
    floor_kw: float = 0.0


@dataclass(frozen=True)
class TariffSpec:
    """Prices for one horizon.

    Parameters
    ----------
    import_price_per_kwh, export_price_per_kwh : numpy.ndarray
        One price per step [currency/kWh].
    standing_charge_cost : float
        Fixed charge for the whole horizon [currency].
    demand_charges : tuple of DemandCharge
        Peak-import charges, one per billing window touched by the horizon.
    scheme : str or None
        Name of the scheme the prices came from, None for explicit series.
    notes : tuple of str
        What the prices rest on that a user should know (a dated scheme's rates used past their validity).
    ev_charge_price_per_kwh : numpy.ndarray or None
        Per step, what a car's charging is billed at instead of the import price [currency/kWh]: the
        supplier credits ``(import - ev) x (charge - discharge) x h`` per car (``ev_charge_credit``); None:
        no EV rate.
    """

    import_price_per_kwh: np.ndarray
    export_price_per_kwh: np.ndarray
    standing_charge_cost: float = 0.0
    demand_charges: tuple[DemandCharge, ...] = field(default_factory=tuple)
    scheme: str | None = None
    notes: tuple[str, ...] = ()
    ev_charge_price_per_kwh: np.ndarray | None = None
