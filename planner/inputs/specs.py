"""What a scenario is: frozen dataclasses of the site, its assets and sessions, and the keys of each table.

Units: power [kW] (mean over a step), energy [kWh], prices [currency/kWh], efficiencies dimensionless in
(0, 1]. Sign conventions: load and solar are non-negative; grid import and export are separate
non-negative flows.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from planner.domain.flows import EXPORT_FROM, FLOW_SINKS, FLOW_SOURCES, IMPORT_TO
from planner.inputs.fidelity import Goal, HighSocLimit, ReserveWindow
from planner.inputs.grid_service import GridServiceSpec
from planner.inputs.session_source import SessionSource
from planner.inputs.tariffs.spec import TariffSpec
from planner.timegrid import TimeGrid

SCHEMA_VERSION = 1
DEFAULT_SHORTFALL_PENALTY_PER_KWH = 10.0
"""Default price of one kWh of unmet target or unserved load [currency/kWh]; far above any energy price."""


# ------------------------------------------------------------------------------------------------
# Specs
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class GridSpec:
    """The site's grid connection.

    Parameters
    ----------
    import_limit_kw, export_limit_kw : float
        Maximum import and export power [kW]; ``inf`` means limited only by the site's own assets.
    """

    import_limit_kw: float = math.inf
    export_limit_kw: float = math.inf
    phase_limit_kw: float = math.inf
    """Limit on the chargers' combined power on each phase [kW] (see :mod:`planner.model.components.charger`)."""
    import_to: tuple[str, ...] = IMPORT_TO
    """Where imported energy may go (flow rules, :mod:`planner.model.components.flow_rules`)."""
    export_from: tuple[str, ...] = EXPORT_FROM
    """Where exported energy may come from (flow rules)."""


@dataclass(frozen=True)
class BatterySpec:
    """A stationary home or depot battery.

    Parameters
    ----------
    name : str
        Unique asset name (used in column and Pyomo names).
    capacity_kwh : float
        Usable capacity [kWh].
    soc_kwh : float
        State of charge at the start of the horizon [kWh].
    soc_min_kwh, soc_max_kwh : float
        State-of-charge bounds [kWh]; ``soc_min_kwh`` is the backup reserve.
    charge_max_kw, discharge_max_kw : float
        AC-side power limits [kW].
    eta_charge, eta_discharge : float
        One-way efficiencies in (0, 1].
    degradation_cost_per_kwh : float
        Wear cost per kWh of AC throughput (charge + discharge) [currency/kWh].
    end_soc_min_kwh : float
        Floor on the state of charge at the end of the horizon [kWh] (soft: a miss is penalised and reported).
    degradation : dict
        Optional wear-model parameters (``model`` plus its parameters); empty means throughput.
    model : str or None
        Catalogue entry the spec was filled from.
    """

    name: str
    capacity_kwh: float
    soc_kwh: float
    soc_min_kwh: float
    soc_max_kwh: float
    charge_max_kw: float
    discharge_max_kw: float
    eta_charge: float = 0.95
    eta_discharge: float = 0.95
    degradation_cost_per_kwh: float = 0.0
    end_soc_min_kwh: float = 0.0
    degradation: Mapping[str, Any] = field(default_factory=dict)
    model: str | None = None
    end_value_per_kwh: float | None = None
    """Value of a kWh left stored at the horizon end above the start [currency/kWh]; None: the default rule
    of :mod:`planner.domain.end_value` (``eta_discharge`` x the horizon's lowest import price)."""
    charge_from: tuple[str, ...] = FLOW_SOURCES
    """Sources that may charge the asset in a step (flow rules, :mod:`planner.model.components.flow_rules`)."""
    discharge_to: tuple[str, ...] = FLOW_SINKS
    """Sinks its discharge may feed in a step (flow rules)."""
    charge_taper: tuple[tuple[float, float], ...] = ()
    """``(soc_fraction, max_charge_kw)`` points of a concave charge-power limit (:mod:`planner.domain.taper`);
    empty: ``charge_max_kw`` at every SoC."""
    high_soc: HighSocLimit | None = None
    """Limit on the time spent above a SoC (:mod:`planner.model.components.targets`)."""
    reserves: tuple[ReserveWindow, ...] = ()
    """Time-varying backup reserves (soft floors, :mod:`planner.model.components.targets`)."""
    cycle_depth_kwh: float = 0.0
    """Open cycle depth at the start [kWh]: energy discharged since the battery was last charged, so that
    the cycle-depth wear prices further discharge as deepening that cycle
    (:func:`planner.domain.wear_costs.segment_room_kwh`); 0: a fresh cycle."""
    ramp_penalty_per_kw: float = 0.0
    """Penalty per kW of change in the asset's net power (charge - discharge) between consecutive steps
    [currency/kW]; not money paid, a preference for steady plans (:mod:`planner.domain.ramp`); 0: none."""
    ramp_from_kw: float | None = None
    """Net power in the step before the horizon [kW, + = charging]: the first step's change from it is
    penalised too (a re-plan that keeps what the controller is doing); None: the first step is free."""


@dataclass(frozen=True)
class SessionSpec:
    """One plug-in session ``[arrive, depart)`` of a vehicle.

    Parameters
    ----------
    arrive, depart : pandas.Timestamp
        Plug-in and departure times (tz-aware, UTC).
    arrive_soc_kwh : float
        State of charge on arrival [kWh].
    depart_soc_min_kwh : float
        Required state of charge at departure [kWh] (soft: a shortfall is penalised and reported).
    """

    arrive: pd.Timestamp
    depart: pd.Timestamp
    arrive_soc_kwh: float
    depart_soc_min_kwh: float
    charger: str | None = None
    """Name of the charger the vehicle is plugged into during the session (None: no charger assigned)."""
    goals: tuple[Goal, ...] = ()
    """Intermediate goals ("60 % by 07:00") before the departure target, sorted by time (soft)."""
    cycle_depth_kwh: float = 0.0
    """Open cycle depth on arrival [kWh]: what the pack gave since it was last charged (usually the drive),
    so that V2G discharge is priced as deepening the driving cycle by the cycle-depth wear; 0: a fresh cycle."""


@dataclass(frozen=True)
class ChargerSpec:
    """A depot charger: its own power limits, bidirectionality and supply phase.

    Parameters
    ----------
    name : str
        Unique charger name (sessions refer to it with ``charger = "..."``).
    charge_max_kw, charge_min_kw : float
        Charging power is 0 or within ``[charge_min_kw, charge_max_kw]`` [kW] (AC side, into the vehicle).
    discharge_max_kw : float
        Maximum discharge (V2G) power [kW]; used only when ``bidirectional`` is true.
    bidirectional : bool
        Whether the charger can discharge a vehicle.
    phase : str
        ``"L1"``, ``"L2"`` or ``"L3"`` (single-phase) or ``"L1L2L3"`` (three-phase, power shared evenly).
    model : str or None
        Catalogue entry the spec was filled from.
    """

    name: str
    charge_max_kw: float
    charge_min_kw: float = 0.0
    discharge_max_kw: float = 0.0
    bidirectional: bool = False
    phase: str = "L1L2L3"
    model: str | None = None


@dataclass(frozen=True)
class VehicleSpec:
    """An electric vehicle and its plug-in sessions.

    Parameters
    ----------
    name : str
        Unique asset name.
    capacity_kwh : float
        Usable battery capacity [kWh].
    soc_min_kwh, soc_max_kwh : float
        State-of-charge bounds while plugged in [kWh].
    charge_max_kw, charge_min_kw : float
        Charging power is 0 or within ``[charge_min_kw, charge_max_kw]`` [kW] (AC side).
    discharge_max_kw : float
        Maximum V2G/V2H power [kW]; only used when ``v2g`` is true.
    eta_charge, eta_discharge : float
        One-way efficiencies in (0, 1].
    v2g : bool
        Whether the vehicle may discharge.
    degradation_cost_per_kwh : float
        Wear cost per kWh of AC throughput [currency/kWh].
    sessions : tuple of SessionSpec
        Plug-in sessions, sorted by arrival, non-overlapping.
    shortfall_penalty_per_kwh : float or None
        Penalty per kWh below a departure target [currency/kWh]; None uses the scenario's.
    degradation : dict
        Optional wear-model parameters.
    model : str or None
        Catalogue entry the spec was filled from.
    """

    name: str
    capacity_kwh: float
    soc_min_kwh: float
    soc_max_kwh: float
    charge_max_kw: float
    charge_min_kw: float = 0.0
    discharge_max_kw: float = 0.0
    eta_charge: float = 0.92
    eta_discharge: float = 0.92
    v2g: bool = False
    degradation_cost_per_kwh: float = 0.0
    sessions: tuple[SessionSpec, ...] = ()
    shortfall_penalty_per_kwh: float | None = None
    degradation: Mapping[str, Any] = field(default_factory=dict)
    model: str | None = None
    end_value_per_kwh: float | None = None
    """Value of a kWh above a session's target at departure [currency/kWh]; None: the default rule of
    :mod:`planner.domain.end_value`."""
    charge_efficiency: tuple[tuple[float, float], ...] = ()
    """Measured ``(charge_kw, efficiency)`` points of the on-board charger (:mod:`planner.domain.efficiency`);
    empty: the constant ``eta_charge``. With a curve, ``eta_charge`` is its best efficiency (used only for
    estimates, never for the SoC) and ``charge_min_kw`` at least its lowest power when it has an overhead."""
    charge_from: tuple[str, ...] = FLOW_SOURCES
    """Sources that may charge the asset in a step (flow rules, :mod:`planner.model.components.flow_rules`)."""
    discharge_to: tuple[str, ...] = FLOW_SINKS
    """Sinks its discharge may feed in a step (flow rules)."""
    charge_taper: tuple[tuple[float, float], ...] = ()
    """``(soc_fraction, max_charge_kw)`` points of a concave charge-power limit (:mod:`planner.domain.taper`);
    empty: ``charge_max_kw`` at every SoC."""
    high_soc: HighSocLimit | None = None
    """Limit on the time spent above a SoC (:mod:`planner.model.components.targets`)."""
    session_source: SessionSource | None = None
    """The vehicle's ``sessions_csv`` and ``[[vehicle.weekly]]`` sessions over any period
    (:mod:`planner.inputs.session_source`); those in the horizon are already in ``sessions``."""
    km_per_kwh: float | None = None
    """Distance per kWh drawn from the pack while driving [km/kWh]: turns ``drive_km`` into energy and gives
    ``compare`` its cost per 100 km; None: not stated."""
    ramp_penalty_per_kw: float = 0.0
    """Penalty per kW of change in the asset's net power (charge - discharge) between consecutive steps
    [currency/kW]; not money paid, a preference for steady plans (:mod:`planner.domain.ramp`); 0: none."""
    ramp_from_kw: float | None = None
    """Net power in the step before the horizon [kW, + = charging]: the first step's change from it is
    penalised too (a re-plan that keeps what the controller is doing); None: the first step is free."""
    charger: str | None = None
    """The vehicle's default charger at a depot (``charger`` on its ``[[vehicle]]`` table): its sessions'
    charger where a session names none, also for the sessions a long-period source gives later."""


@dataclass(frozen=True)
class Scenario:
    """Everything the planner needs for one site and one horizon.

    Parameters
    ----------
    name : str
        Site name.
    currency : str
        ISO currency code of every price and cost.
    grid : TimeGrid
        The planning horizon.
    connection : GridSpec
        Grid connection limits.
    tariff : TariffSpec
        Per-step prices and charges.
    load_kw, solar_kw : numpy.ndarray
        Household load and solar generation forecast, one mean value per step [kW], non-negative.
    batteries, vehicles : tuple
        Storage assets.
    solar_curtailable : bool
        Whether the planner may curtail solar (needed when export prices are negative).
    shortfall_penalty_per_kwh : float
        Price of one kWh of unmet target or unserved load [currency/kWh].
    notes : tuple of str
        Informational notes produced while reading (e.g. series cut to the horizon).
    grid_service : GridServiceSpec or None
        A paid availability contract (:mod:`planner.inputs.grid_service`); None: none.
    """

    name: str
    currency: str
    grid: TimeGrid
    connection: GridSpec
    tariff: TariffSpec
    load_kw: np.ndarray
    solar_kw: np.ndarray
    batteries: tuple[BatterySpec, ...] = ()
    vehicles: tuple[VehicleSpec, ...] = ()
    chargers: tuple[ChargerSpec, ...] = ()
    solar_curtailable: bool = True
    shortfall_penalty_per_kwh: float = DEFAULT_SHORTFALL_PENALTY_PER_KWH
    notes: tuple[str, ...] = ()
    source: str | None = None
    grid_service: GridServiceSpec | None = None

    @property
    def steps(self) -> int:
        """Number of steps in the horizon."""
        return self.grid.steps

    @property
    def step_hours(self) -> float:
        """Length of one step [h]."""
        return self.grid.step_hours

    def with_prices(
        self, import_price_per_kwh: np.ndarray, export_price_per_kwh: np.ndarray
    ) -> Scenario:
        """A copy with new per-step prices [currency/kWh] (same shape)."""
        tariff = replace(
            self.tariff,
            import_price_per_kwh=np.asarray(import_price_per_kwh, dtype=float),
            export_price_per_kwh=np.asarray(export_price_per_kwh, dtype=float),
        )
        return replace(self, tariff=tariff)


TOP_KEYS = {"schema_version", "name", "currency", "horizon", "grid", "tariff", "load", "solar", "battery", "vehicle",
            "charger", "shortfall_penalty_per_kwh", "grid_service"}
HORIZON_KEYS = {"start", "hours", "step_minutes", "timezone", "steps"}
GRID_KEYS = {"import_limit_kw", "export_limit_kw", "phase_limit_kw", "import_to", "export_from"}
TARIFF_ARRAY_KEYS = {
    "import_price_per_kwh",
    "export_price_per_kwh",
    "import_prices_csv",
    "export_prices_csv",
    "import_price_column",
    "export_price_column",
    "standing_charge_per_day",
}
SERIES_KEYS = {"kw", "csv", "column", "scale"}
SOLAR_KEYS = SERIES_KEYS | {"kwp", "curtailable"}
BATTERY_KEYS = {
    "name",
    "model",
    "capacity_kwh",
    "soc_kwh",
    "soc_min_kwh",
    "soc_max_kwh",
    "charge_max_kw",
    "discharge_max_kw",
    "eta_charge",
    "eta_discharge",
    "degradation_cost_per_kwh",
    "end_soc_min_kwh",
    "end_value_per_kwh",
    "degradation",
    "charge_from",
    "discharge_to",
    "charge_taper",
    "high_soc",
    "reserve",
    "cycle_depth_kwh",
    "ramp_penalty_per_kw",
    "ramp_from_kw",
}
VEHICLE_KEYS = {
    "name",
    "model",
    "capacity_kwh",
    "soc_min_kwh",
    "soc_max_kwh",
    "charge_max_kw",
    "charge_min_kw",
    "discharge_max_kw",
    "eta_charge",
    "eta_discharge",
    "v2g",
    "degradation_cost_per_kwh",
    "shortfall_penalty_per_kwh",
    "end_value_per_kwh",
    "degradation",
    "session",
    "charger",
    "charge_efficiency",
    "sessions_csv",
    "weekly",
    "charge_from",
    "discharge_to",
    "charge_taper",
    "high_soc",
    "ramp_penalty_per_kw",
    "ramp_from_kw",
    "km_per_kwh",
}
SESSION_KEYS = {"arrive", "depart", "arrive_soc_kwh", "depart_soc_min_kwh", "charger", "goal", "cycle_depth_kwh"}
CHARGER_KEYS = {"name", "model", "charge_max_kw", "charge_min_kw", "discharge_max_kw", "bidirectional", "phase"}
CHARGER_PHASES = ("L1", "L2", "L3", "L1L2L3")
