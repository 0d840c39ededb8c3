"""What a simulation runs on: the site (template scenario, true load and solar, true sessions) and its prices.

Units: power [kW] (mean over a step), energy [kWh], prices [currency/kWh]. Timestamps are tz-aware.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from planner.errors import PlannerError, ScenarioError
from planner.inputs.specs import Scenario
from planner.inputs.tariffs.dated import standing_per_step
from planner.inputs.tariffs.rules import FlatRule, WindowRule
from planner.inputs.tariffs.scheme import load_scheme
from planner.timegrid import TimeGrid

TOL_KWH = 1e-9


@dataclass(frozen=True)
class TripSession:
    """One true plug-in session of a vehicle at home.

    Parameters
    ----------
    arrive, depart : pandas.Timestamp
        Plug-in and plug-out times (tz-aware).
    depart_soc_min_kwh : float
        State of charge the driver wants at ``depart`` [kWh].
    drive_kwh : float or None
        Battery energy used driving since the previous departure [kWh]; the arrival SoC is then the previous
        true departure SoC minus this.
    arrive_soc_kwh : float or None
        Fixed arrival SoC [kWh] (used when ``drive_kwh`` is None).
    charger : str or None
        The depot charger it is plugged into (None at a home).
    """

    arrive: pd.Timestamp
    depart: pd.Timestamp
    depart_soc_min_kwh: float
    drive_kwh: float | None = None
    arrive_soc_kwh: float | None = None
    charger: str | None = None


@dataclass(frozen=True)
class Site:
    """A home over a long period: equipment plus the true series and sessions.

    Parameters
    ----------
    template : Scenario
        Equipment, grid connection, currency, step length and time zone. Its horizon, prices, load, solar
        and sessions are ignored; its battery ``soc_kwh`` is the SoC at the start of the simulation.
    index : pandas.DatetimeIndex
        Step starts of the true series (UTC, regular, the template's step), including history before the
        simulated period (forecasts look back up to 7 days).
    load_kw, solar_kw : numpy.ndarray
        True household load and solar generation per step [kW].
    sessions : mapping of str to tuple of TripSession
        True sessions of each vehicle of the template, by vehicle name.
    vehicle_start_soc_kwh : mapping of str to float
        SoC of each vehicle before its first session [kWh] (default: its first target).
    """

    template: Scenario
    index: pd.DatetimeIndex
    load_kw: np.ndarray
    solar_kw: np.ndarray
    sessions: Mapping[str, tuple[TripSession, ...]] = field(default_factory=dict)
    vehicle_start_soc_kwh: Mapping[str, float] = field(default_factory=dict)

    @property
    def step_minutes(self) -> int:
        """Step length [minutes]."""
        return self.template.grid.step_minutes

    def position(self, when: pd.Timestamp) -> int:
        """Index of the step starting at ``when`` (which must lie on the series' grid)."""
        offset = (pd.Timestamp(when) - self.index[0]) / pd.Timedelta(minutes=self.step_minutes)
        pos = int(round(offset))
        if abs(offset - pos) > 1e-9 or not 0 <= pos <= len(self.index):
            raise PlannerError(f"{when} is not a step start of the site's series ({self.index[0]} ...)")
        return pos


@dataclass(frozen=True)
class PricePublication:
    """When dynamic prices become known: every day at ``publish`` (local), prices up to ``until`` of the
    next local day are published (Agile: 16:00, for the day ending 23:00)."""

    publish: str = "16:00"
    until: str = "23:00"
    timezone: str = "Europe/London"

    def known_until(self, issue: pd.Timestamp) -> pd.Timestamp:
        """End of the published prices at time ``issue`` (tz-aware UTC)."""
        local = pd.Timestamp(issue).tz_convert(self.timezone)
        day = local.tz_localize(None).normalize()
        pub = wall_time(day, self.publish)
        days_ahead = 1 if local.tz_localize(None) >= pub else 0
        end = wall_time(day + pd.Timedelta(days=days_ahead), self.until)
        return localize(end, self.timezone)


@dataclass(frozen=True)
class SitePrices:
    """True prices on a site's index.

    Parameters
    ----------
    name : str
        Tariff label.
    import_price_per_kwh, export_price_per_kwh : numpy.ndarray
        One price per step of the site's index [currency/kWh].
    standing_charge_per_day : float
        Fixed charge per local day [currency/day] (the latest rates of a dated scheme).
    publication : PricePublication or None
        None: prices are known in advance (fixed windows); else when they are published.
    standing_charge_per_step : numpy.ndarray or None
        The fixed charge each step carries [currency] (a local day's steps sum to that day's charge, as
        the rates in force on it set it); None: ``standing_charge_per_day`` spread over each day.
    """

    name: str
    import_price_per_kwh: np.ndarray
    export_price_per_kwh: np.ndarray
    standing_charge_per_day: float = 0.0
    publication: PricePublication | None = None
    standing_charge_per_step: np.ndarray | None = None
    notes: tuple[str, ...] = ()
    ev_charge_price_per_kwh: np.ndarray | None = None
    """A car's charging rate per step (:mod:`planner.domain.ev_rate`) [currency/kWh]; None: none."""

    def ev_prices(self, steps: slice) -> np.ndarray | None:
        """The EV charging rate over ``steps`` (None without one)."""
        ev = self.ev_charge_price_per_kwh
        return None if ev is None else ev[steps].copy()

    def standing_cost(self, steps: slice, step_minutes: int, whole_day: bool) -> float:
        """Fixed charge of the steps ``steps`` [currency] (``whole_day``: they are one whole local day)."""
        if self.standing_charge_per_step is not None:
            return float(self.standing_charge_per_step[steps].sum())
        n = len(range(*steps.indices(len(self.import_price_per_kwh))))
        return self.standing_charge_per_day * (1.0 if whole_day else n * step_minutes / 1440.0)


def prices_from_scheme(site: Site, tariff: str) -> SitePrices:
    """True prices of a shipped scheme (or ``import+export`` pair, or scheme file paths) on ``site``.

    ``"economy7+outgoing-fixed"`` takes the import of the first and the export of the second scheme.
    Series- and formula-based (dynamic) schemes are published day-ahead (:class:`PricePublication`).

    Raises
    ------
    ScenarioError
        Unknown scheme, demand charges (not supported in simulation), or series not covering the site.
    """

    parts = tariff.split("+")
    scheme = load_scheme(parts[0], field="tariff")
    export_scheme = load_scheme(parts[1], field="tariff") if len(parts) > 1 else None
    if scheme.demand_rule is not None:
        raise ScenarioError(f"tariff {tariff!r}: demand charges are not supported by the simulation")
    tz = site.template.grid.timezone
    grid = TimeGrid(site.index[0], site.step_minutes, len(site.index), tz)
    spec = scheme.prices(grid, export_scheme=export_scheme)
    dynamic = any(
        rule is not None and not isinstance(rule, FlatRule | WindowRule)
        for rule in (scheme.import_rule, (export_scheme or scheme).export_rule)
    )
    per_day = scheme.standing_charge_per_day + (export_scheme.standing_charge_per_day if export_scheme else 0.0)
    per_step = standing_per_step(scheme, grid) + (standing_per_step(export_scheme, grid) if export_scheme else 0.0)
    return SitePrices(
        tariff,
        np.asarray(spec.import_price_per_kwh, dtype=float),
        np.asarray(spec.export_price_per_kwh, dtype=float),
        float(per_day),
        PricePublication(timezone=scheme.timezone) if dynamic else None,
        per_step,
        spec.notes,
        spec.ev_charge_price_per_kwh,
    )

def wall_time(day: pd.Timestamp, hhmm: str) -> pd.Timestamp:
    hours, minutes = (int(x) for x in hhmm.split(":"))
    return day + pd.Timedelta(hours=hours, minutes=minutes)


def localize(naive: pd.Timestamp, tz: str) -> pd.Timestamp:
    """A naive local wall-clock time as UTC (a missing spring-forward time moves forward, a repeated one takes
    its first occurrence)."""
    return pd.Timestamp(naive).tz_localize(tz, ambiguous=True, nonexistent="shift_forward").tz_convert("UTC")
