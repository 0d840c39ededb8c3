"""Scenario: a site's equipment, time grid, prices, forecasts and vehicle sessions.

A scenario is a tree of frozen dataclasses. :func:`load_scenario` reads the TOML format of
``docs/scenario.md`` (``schema_version = 1``); :func:`scenario_from_dict` does the same from a parsed dictionary.
Every problem found is collected into one :class:`~planner.errors.ScenarioError`.

Units: power [kW] (mean over a step), energy [kWh], prices [currency/kWh], efficiencies dimensionless in
(0, 1]. Sign conventions: load and solar are non-negative; grid import and export are separate
non-negative flows.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planner.errors import Issue, ScenarioError
from planner.inputs.csv_table import CsvShapeError, read_series_table
from planner.inputs.paths import resolve_data_path
from planner.inputs.tariffs.scheme import TariffSpec
from planner.timegrid import TimeGrid, align_series, check_timezone, to_utc_timestamp

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


# ------------------------------------------------------------------------------------------------
# Reading
# ------------------------------------------------------------------------------------------------
TOP_KEYS = {
    "schema_version",
    "name",
    "currency",
    "horizon",
    "grid",
    "tariff",
    "load",
    "solar",
    "battery",
    "vehicle",
    "charger",
    "shortfall_penalty_per_kwh",
}
HORIZON_KEYS = {"start", "hours", "step_minutes", "timezone", "steps"}
GRID_KEYS = {"import_limit_kw", "export_limit_kw", "phase_limit_kw"}
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
}
SESSION_KEYS = {"arrive", "depart", "arrive_soc_kwh", "depart_soc_min_kwh", "charger"}
CHARGER_KEYS = {"name", "model", "charge_max_kw", "charge_min_kw", "discharge_max_kw", "bidirectional", "phase"}
CHARGER_PHASES = ("L1", "L2", "L3", "L1L2L3")


class _Reader:
    """Collects issues while converting raw TOML values."""

    def __init__(self, base_dir: Path) -> None:
        self.issues: list[Issue] = []
        self.notes: list[str] = []
        self.base_dir = base_dir

    def add(self, field_name: str, value: object, expected: str) -> None:
        self.issues.append(Issue(field_name, value, expected))

    def check_keys(self, table: Mapping[str, Any], allowed: set[str], prefix: str) -> None:
        import difflib

        for key in table:
            if not isinstance(key, str):
                self.add(f"{prefix}{key!r}", "a key that is not a string", "a string key")
                continue
            if key not in allowed:
                close = difflib.get_close_matches(key, sorted(allowed), n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else f" ({', '.join(sorted(allowed))})"
                self.add(f"{prefix}{key}", "unknown key", f"one of the known keys{hint}")

    def table(self, raw: Mapping[str, Any], key: str, prefix: str = "") -> Mapping[str, Any]:
        value = raw.get(key, {})
        if not isinstance(value, Mapping):
            self.add(f"{prefix}{key}", value, "a table")
            return {}
        return value

    def number(
        self,
        table: Mapping[str, Any],
        key: str,
        where: str,
        default: float | None = None,
        *,
        minimum: float | None = None,
        maximum: float | None = None,
        required: bool = False,
        unit: str = "",
        unlimited: bool = False,
    ) -> float:
        """A number from ``table[key]``; ``inf`` only where ``unlimited`` (documented as "no limit")."""
        name = f"{where}.{key}" if where else key
        if key not in table:
            if required or default is None:
                self.add(name, "missing", f"a number{unit}")
                return math.nan
            return default
        value = table[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.add(name, value, f"a number{unit}")
            return math.nan
        value = float(value)
        if not math.isfinite(value) and not (value == math.inf and unlimited):
            self.add(name, value, f"a finite number{unit}")
            return math.nan
        if minimum is not None and value < minimum:
            self.add(name, value, f"a number >= {minimum:g}{unit}")
        if maximum is not None and value > maximum:
            self.add(name, value, f"a number <= {maximum:g}{unit}")
        return value

    def boolean(self, table: Mapping[str, Any], key: str, where: str, default: bool) -> bool:
        if key not in table:
            return default
        value = table[key]
        if not isinstance(value, bool):
            self.add(f"{where}.{key}", value, "true or false")
            return default
        return value

    def string(self, table: Mapping[str, Any], key: str, where: str, default: str | None) -> str:
        name = f"{where}.{key}" if where else key
        if key not in table:
            if default is None:
                self.add(name, "missing", "a string")
                return ""
            return default
        value = table[key]
        if not isinstance(value, str):
            self.add(name, value, "a string")
            return str(value)
        return value

    def timestamp(self, table: Mapping[str, Any], key: str, where: str) -> pd.Timestamp | None:
        name = f"{where}.{key}"
        if key not in table:
            self.add(name, "missing", "a tz-aware ISO 8601 timestamp")
            return None
        value = table[key]
        try:
            return to_utc_timestamp(value, name)
        except ScenarioError as exc:
            self.issues.extend(exc.issues)
            return None

    # -- series -------------------------------------------------------------------------------
    def _plain(self, value: object, name: str, grid: TimeGrid) -> object:
        """A pandas or numpy value as a number, a list, or an aligned array (None after an error)."""
        if isinstance(value, pd.DataFrame):
            if value.shape[1] != 1:
                self.add(name, f"a DataFrame with columns {list(value.columns)}", "a Series or one column")
                return None
            value = value.iloc[:, 0]
        if isinstance(value, pd.Series):
            if isinstance(value.index, pd.DatetimeIndex):
                if value.index.tz is None:
                    self.add(name, "a Series with naive timestamps", "a tz-aware DatetimeIndex (or a list)")
                    return None
                numeric = pd.to_numeric(value, errors="coerce")
                if numeric.isna().any():
                    bad = value.index[numeric.isna().to_numpy()][0]
                    self.add(f"{name}[{bad.isoformat()}]", value[bad], "a number")
                    return None
                stamps = pd.DatetimeIndex(numeric.index).tz_convert("UTC")
                if len(stamps) == grid.steps and (stamps.as_unit("ns") == grid.index.as_unit("ns")).all():
                    return numeric.to_numpy(dtype=float)  # already on the grid: the values as given
                try:
                    values, notes = align_series(numeric.astype(float), grid, name)
                except ScenarioError as exc:
                    self.issues.extend(exc.issues)
                    return None
                self.notes.extend(notes)
                return values
            value = value.to_numpy()
        if isinstance(value, np.ndarray):
            if value.ndim == 0:
                return value.item()
            if value.ndim != 1:
                self.add(name, f"an array of shape {value.shape}", f"a 1-D array of {grid.steps} numbers")
                return None
            return [v.item() if isinstance(v, np.generic) else v for v in value]
        if isinstance(value, tuple):
            return list(value)
        if isinstance(value, np.generic):
            return value.item()
        return value

    def array(self, value: object, name: str, grid: TimeGrid) -> np.ndarray | None:
        """A scalar (held constant), a list (or 1-D numpy array) with one value per step, or a pandas
        Series / one-column DataFrame: with a tz-aware DatetimeIndex it is aligned to the grid like a CSV
        series, otherwise its values are taken in order."""
        n = grid.steps
        value = self._plain(value, name, grid)
        if value is None or isinstance(value, np.ndarray):
            return value
        if isinstance(value, bool):
            self.add(name, value, f"a number or a list of {n} numbers")
            return None
        if isinstance(value, int | float):
            if not math.isfinite(float(value)):
                self.add(name, value, "a finite number")
                return None
            return np.full(n, float(value))
        if not isinstance(value, list):
            self.add(name, value, f"a number or a list of {n} numbers")
            return None
        out = np.empty(len(value))
        ok = True
        for i, item in enumerate(value):
            if isinstance(item, bool) or not isinstance(item, int | float):
                self.add(f"{name}[{i}]", item, "a number")
                ok = False
                continue
            if not math.isfinite(float(item)):
                self.add(f"{name}[{i}]", item, "a finite number")
                ok = False
                continue
            out[i] = float(item)
        if len(value) < n:
            self.add(name, f"{len(value)} values", f"{n} values, one per step of {grid}")
            return None
        if len(value) > n:
            self.notes.append(f"{name}: {len(value)} values cut to the horizon's {n} steps")
            out = out[:n]
        return out if ok else None

    def csv_series(
        self, path_value: object, column: object, name: str, grid: TimeGrid
    ) -> np.ndarray | None:
        """Read a CSV with a tz-aware timestamp column and align one value column to the grid."""
        if not isinstance(path_value, str):
            self.add(name, path_value, "a path to a CSV file")
            return None
        path = resolve_data_path(path_value, self.base_dir)
        if not path.is_file():
            self.add(name, path_value, f"an existing CSV file (looked for {path})")
            return None
        try:
            frame = read_series_csv(path)
        except ScenarioError as exc:
            self.issues.extend(Issue(name, i.value, i.expected) for i in exc.issues)
            return None
        if column is None:
            if frame.shape[1] != 1:
                self.add(
                    name,
                    path_value,
                    f"one value column, or a 'column' key choosing one of {list(frame.columns)}",
                )
                return None
            col = frame.columns[0]
        else:
            if column not in frame.columns:
                self.add(name, column, f"one of the columns {list(frame.columns)}")
                return None
            col = column
        series = frame[col]
        if series.isna().any():
            bad = series.index[series.isna()][0]
            self.add(f"{name}[{bad.isoformat()}]", "empty", "a number")
            return None
        try:
            values, notes = align_series(series, grid, name)
        except ScenarioError as exc:
            self.issues.extend(exc.issues)
            return None
        self.notes.extend(notes)
        return values

    def series(
        self,
        table: Mapping[str, Any],
        grid: TimeGrid,
        where: str,
        value_key: str = "kw",
        csv_key: str = "csv",
        column_key: str = "column",
        required: bool = False,
    ) -> np.ndarray | None:
        if value_key in table and csv_key in table:
            self.add(f"{where}.{csv_key}", table[csv_key], f"either {value_key} or {csv_key}, not both")
            return None
        if value_key in table:
            return self.array(table[value_key], f"{where}.{value_key}", grid)
        if csv_key in table:
            column = table.get(column_key)
            if column is not None and not isinstance(column, str):
                self.add(f"{where}.{column_key}", column, "a column name (a string)")
                return None
            return self.csv_series(table[csv_key], column, f"{where}.{csv_key}", grid)
        if required:
            self.add(f"{where}.{value_key}", "missing", f"a list of {grid.steps} values or {csv_key}")
        return None


_SERIES_CACHE: dict[tuple[str, int, int], pd.DataFrame] = {}
_SERIES_CACHE_MAX = 64


def read_series_csv(path: Path) -> pd.DataFrame:
    """Read a CSV whose first column is a tz-aware timestamp (interval start).

    Returns a frame indexed by UTC timestamps with the remaining numeric columns. Frames are cached per
    process, keyed by path, size and modification time, so many scenarios sharing a series (a batch of
    sites, the days of a simulation) parse it once; callers must treat the frame as read-only.
    """
    path = Path(path)
    try:
        st = path.stat()
    except OSError as exc:
        raise ScenarioError([Issue(str(path), "unreadable", f"a CSV file ({exc})")]) from None
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    frame = _SERIES_CACHE.get(key)
    if frame is None:
        if len(_SERIES_CACHE) >= _SERIES_CACHE_MAX:
            _SERIES_CACHE.clear()
        frame = _SERIES_CACHE[key] = _parse_series_csv(path)
    return frame


def _parse_series_csv(path: Path) -> pd.DataFrame:
    """Parse a series CSV (see :func:`read_series_csv`)."""
    try:
        frame = read_series_table(path)
    except CsvShapeError as exc:
        raise ScenarioError([Issue(str(path), "mismatched columns", f"one value per header column ({exc})")]) from None
    except (OSError, ValueError) as exc:
        raise ScenarioError([Issue(str(path), "unreadable", f"a CSV file ({exc})")]) from None
    if frame.shape[1] < 2:
        raise ScenarioError([Issue(str(path), "columns", "a timestamp column and a value column")])
    ts_col = frame.columns[0]
    raw = frame[ts_col].astype(str)
    naive = ~raw.str.contains(r"(?:Z|[+-]\d\d:?\d\d)$", regex=True)
    if naive.any():
        row = int(np.flatnonzero(naive.to_numpy())[0])
        raise ScenarioError(
            [Issue(f"{path.name}:{ts_col}[{row}]", raw.iloc[row], "a tz-aware timestamp (offset or Z)")]
        )
    try:
        index = pd.to_datetime(raw, utc=True, format="ISO8601")
    except (ValueError, TypeError) as exc:
        raise ScenarioError([Issue(f"{path.name}:{ts_col}", "unparseable", f"ISO 8601 ({exc})")]) from None
    frame = frame.drop(columns=[ts_col])
    frame.index = pd.DatetimeIndex(index, name="time")
    for col in frame.columns:
        frame[col] = pd.to_numeric(frame[col], errors="coerce")
    return frame


def _read_horizon(r: _Reader, raw: Mapping[str, Any]) -> TimeGrid | None:
    table = r.table(raw, "horizon")
    if not table:
        r.add("horizon", "missing", "a [horizon] table with start, hours, step_minutes, timezone")
        return None
    r.check_keys(table, HORIZON_KEYS, "horizon.")
    start = r.timestamp(table, "start", "horizon")
    step = table.get("step_minutes")
    if (
        isinstance(step, bool)
        or not isinstance(step, int | float)
        or not math.isfinite(step)
        or float(step) != int(step)
    ):
        r.add("horizon.step_minutes", step if step is not None else "missing", "a whole number of minutes (5-60)")
        step = None
    elif not 5 <= int(step) <= 60 or 60 % int(step) != 0:
        r.add("horizon.step_minutes", step, "one of 5, 10, 15, 20, 30, 60")
        step = None
    tz = table.get("timezone", "UTC")
    try:
        tz = check_timezone(tz)
    except ScenarioError as exc:
        r.issues.extend(exc.issues)
        tz = None
    if "hours" in table and "steps" in table:
        r.add("horizon.steps", table["steps"], "either hours or steps, not both")
        return None
    if start is None or step is None or tz is None:
        return None
    if "steps" in table:
        steps = table["steps"]
        if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
            r.add("horizon.steps", steps, "a positive whole number of steps")
            return None
        return TimeGrid(start, int(step), steps, tz)
    hours = r.number(table, "hours", "horizon", required=True, minimum=0.0, unit=" [h]")
    if not math.isfinite(hours):
        return None
    if hours <= 0 or hours > 24 * 31:
        r.add("horizon.hours", hours, "a horizon between one step and 31 days [h]")
        return None
    try:
        return TimeGrid.from_hours(start, hours, int(step), tz)
    except ScenarioError as exc:
        r.issues.extend(exc.issues)
        return None


def _read_tariff(r: _Reader, raw: Mapping[str, Any], grid: TimeGrid) -> TariffSpec | None:
    table = r.table(raw, "tariff")
    if not table:
        r.add("tariff", "missing", "a [tariff] table with prices or a scheme")
        return None
    # HOOK: tariff scheme (a [tariff] table naming a scheme is resolved by planner.inputs.tariffs.scheme)
    if "scheme" in table:
        from planner.inputs.tariffs import scheme as tariffs

        resolver = getattr(tariffs, "tariff_from_table", None)
        if resolver is None:
            r.add("tariff.scheme", table["scheme"], "explicit import/export prices (schemes unavailable)")
            return None
        try:
            currency = raw.get("currency") if isinstance(raw.get("currency"), str) else None
            return resolver(table, grid, r.base_dir, "tariff", currency=currency)
        except ScenarioError as exc:
            r.issues.extend(exc.issues)
            return None
    r.check_keys(table, TARIFF_ARRAY_KEYS, "tariff.")
    imp = r.series(
        table, grid, "tariff", "import_price_per_kwh", "import_prices_csv", "import_price_column", True
    )
    exp = r.series(
        table, grid, "tariff", "export_price_per_kwh", "export_prices_csv", "export_price_column"
    )
    if exp is None and "export_price_per_kwh" not in table and "export_prices_csv" not in table:
        exp = np.zeros(grid.steps)
    standing = r.number(table, "standing_charge_per_day", "tariff", 0.0, unit=" [currency/day]")
    if imp is None or exp is None:
        return None
    return TariffSpec(imp, exp, standing * grid.hours / 24.0 if math.isfinite(standing) else 0.0)


def _read_profile(
    r: _Reader, raw: Mapping[str, Any], key: str, grid: TimeGrid, allowed: set[str]
) -> tuple[np.ndarray, Mapping[str, Any]]:
    table = r.table(raw, key)
    r.check_keys(table, allowed, f"{key}.")
    values = r.series(table, grid, key)
    if values is None:
        values = np.zeros(grid.steps)
    if "kw" not in table and "csv" not in table:
        for factor in ("kwp", "scale"):
            if factor in table:  # a size without a profile would silently plan with zero
                r.add(f"{key}.{factor}", table[factor],
                      f"a profile to scale as well: '{key}.csv' (with 'column') or '{key}.kw'"
                      + (" in kW per kWp" if factor == "kwp" else ""))
    scale = r.number(table, "scale", key, 1.0)
    if "kwp" in table:
        scale *= r.number(table, "kwp", key, 1.0, minimum=0.0, unit=" [kWp]")
    if math.isfinite(scale):
        values = values * scale
    return values, table


def read_profile(raw: Mapping[str, Any], key: str, grid: TimeGrid, base_dir: Path | str) -> np.ndarray:
    """The ``[load]`` or ``[solar]`` profile of a parsed scenario on any grid [kW], one value per step.

    The same rules as when a scenario is read (list, constant or CSV; ``column``, ``scale``, ``kwp``), so a
    simulation can re-read a scenario's series over a longer period than its horizon.

    Raises
    ------
    ScenarioError
        Listing every problem of the table or its series over ``grid``.
    """
    r = _Reader(Path(base_dir))
    values, _ = _read_profile(r, raw, key, grid, SOLAR_KEYS if key == "solar" else SERIES_KEYS)
    if r.issues:
        raise ScenarioError(r.issues)
    return values


def _merge_catalogue(r: _Reader, table: Mapping[str, Any], where: str, kind: str) -> dict[str, Any]:
    """Fill fields from a catalogue entry named by ``model``; explicit fields win."""
    merged = dict(table)
    # HOOK: catalogue (an asset naming a catalogue entry with model = "..." takes its fields)
    name = table.get("model")
    if name is None:
        return merged
    try:
        from planner.inputs import catalogue
    except ImportError:
        return merged
    loader = getattr(catalogue, "scenario_fields", None)
    if loader is None:
        return merged
    try:
        base = dict(loader(name, kind))
    except ScenarioError as exc:
        r.issues.extend(Issue(f"{where}.model", i.value, i.expected) for i in exc.issues)
        return merged
    for key, value in table.items():
        if key == "degradation" and isinstance(value, Mapping) and isinstance(base.get(key), Mapping):
            base[key] = {**base[key], **value}
        else:
            base[key] = value
    return base


def _degradation_issues(
    degradation: Mapping[str, Any], capacity_kwh: float, soc_upper_kwh: float, where: str
) -> list[Issue]:
    """Problems of an asset's ``[degradation]`` table (wear ``model`` plus its parameters)."""
    from planner.domain.wear import wear_model_issues

    if not (math.isfinite(capacity_kwh) and math.isfinite(soc_upper_kwh)):
        return []
    return wear_model_issues(degradation, capacity_kwh, soc_upper_kwh, where)


def _read_battery(r: _Reader, table: Mapping[str, Any], i: int) -> BatterySpec | None:
    where = f"battery[{i}]"
    if not isinstance(table, Mapping):
        r.add(where, table, "a table")
        return None
    r.check_keys(table, BATTERY_KEYS, f"{where}.")
    table = _merge_catalogue(r, table, where, "battery")
    name = r.string(table, "name", where, f"battery{i}")
    cap = r.number(table, "capacity_kwh", where, required=True, minimum=0.0, unit=" [kWh]")
    soc = r.number(table, "soc_kwh", where, required=True, minimum=0.0, unit=" [kWh]")
    soc_min = r.number(table, "soc_min_kwh", where, 0.0, minimum=0.0, unit=" [kWh]")
    soc_max = r.number(table, "soc_max_kwh", where, cap, minimum=0.0, unit=" [kWh]")
    cmax = r.number(table, "charge_max_kw", where, required=True, minimum=0.0, unit=" [kW]")
    dmax = r.number(table, "discharge_max_kw", where, cmax, minimum=0.0, unit=" [kW]")
    etac = r.number(table, "eta_charge", where, 0.95, unit=" in (0, 1]")
    etad = r.number(table, "eta_discharge", where, 0.95, unit=" in (0, 1]")
    deg = r.number(table, "degradation_cost_per_kwh", where, 0.0, minimum=0.0, unit=" [currency/kWh]")
    end_min = r.number(table, "end_soc_min_kwh", where, soc, minimum=0.0, unit=" [kWh]")
    degradation = table.get("degradation", {})
    if not isinstance(degradation, Mapping):
        r.add(f"{where}.degradation", degradation, "a table")
        degradation = {}
    r.issues.extend(_degradation_issues(degradation, cap, max(soc_max, soc), f"{where}.degradation"))
    return BatterySpec(
        name, cap, soc, soc_min, soc_max, cmax, dmax, etac, etad, deg, end_min, dict(degradation),
        table.get("model"), _end_value(r, table, where),
    )


def _read_vehicle(r: _Reader, table: Mapping[str, Any], i: int) -> VehicleSpec | None:
    where = f"vehicle[{i}]"
    if not isinstance(table, Mapping):
        r.add(where, table, "a table")
        return None
    r.check_keys(table, VEHICLE_KEYS, f"{where}.")
    table = _merge_catalogue(r, table, where, "vehicle")
    name = r.string(table, "name", where, f"vehicle{i}")
    cap = r.number(table, "capacity_kwh", where, required=True, minimum=0.0, unit=" [kWh]")
    soc_min = r.number(table, "soc_min_kwh", where, 0.0, minimum=0.0, unit=" [kWh]")
    soc_max = r.number(table, "soc_max_kwh", where, cap, minimum=0.0, unit=" [kWh]")
    cmax = r.number(table, "charge_max_kw", where, required=True, minimum=0.0, unit=" [kW]")
    cmin = r.number(table, "charge_min_kw", where, 0.0, minimum=0.0, unit=" [kW]")
    v2g = r.boolean(table, "v2g", where, False)
    dmax = r.number(table, "discharge_max_kw", where, cmax if v2g else 0.0, minimum=0.0, unit=" [kW]")
    etac = r.number(table, "eta_charge", where, 0.92, unit=" in (0, 1]")
    etad = r.number(table, "eta_discharge", where, 0.92, unit=" in (0, 1]")
    deg = r.number(table, "degradation_cost_per_kwh", where, 0.0, minimum=0.0, unit=" [currency/kWh]")
    penalty = None
    if "shortfall_penalty_per_kwh" in table:
        penalty = r.number(table, "shortfall_penalty_per_kwh", where, minimum=0.0, unit=" [currency/kWh]")
    default_charger = None
    if "charger" in table:
        default_charger = r.string(table, "charger", where, "")
    raw_sessions = table.get("session", [])
    if isinstance(raw_sessions, Mapping):
        raw_sessions = [raw_sessions]
    if not isinstance(raw_sessions, list):
        r.add(f"{where}.session", raw_sessions, "a list of [[vehicle.session]] tables")
        raw_sessions = []
    sessions = []
    for j, s in enumerate(raw_sessions):
        sw = f"{where}.session[{j}]"
        if not isinstance(s, Mapping):
            r.add(sw, s, "a table")
            continue
        r.check_keys(s, SESSION_KEYS, f"{sw}.")
        arrive = r.timestamp(s, "arrive", sw)
        depart = r.timestamp(s, "depart", sw)
        a_soc = r.number(s, "arrive_soc_kwh", sw, required=True, minimum=0.0, unit=" [kWh]")
        d_soc = r.number(s, "depart_soc_min_kwh", sw, required=True, minimum=0.0, unit=" [kWh]")
        charger = r.string(s, "charger", sw, "") if "charger" in s else default_charger
        if arrive is not None and depart is not None:
            sessions.append(SessionSpec(arrive, depart, a_soc, d_soc, charger))
    degradation = table.get("degradation", {})
    if not isinstance(degradation, Mapping):
        r.add(f"{where}.degradation", degradation, "a table")
        degradation = {}
    soc_upper = max([soc_max, *(s.arrive_soc_kwh for s in sessions)])
    r.issues.extend(_degradation_issues(degradation, cap, soc_upper, f"{where}.degradation"))
    return VehicleSpec(
        name, cap, soc_min, soc_max, cmax, cmin, dmax, etac, etad, v2g, deg,
        tuple(sorted(sessions, key=lambda s: s.arrive)), penalty, dict(degradation), table.get("model"),
        _end_value(r, table, where),
    )


def _end_value(r: _Reader, table: Mapping[str, Any], where: str) -> float | None:
    """``end_value_per_kwh`` of an asset table: a price >= 0, or None (absent: the default rule)."""
    if "end_value_per_kwh" not in table:
        return None
    return r.number(table, "end_value_per_kwh", where, minimum=0.0, maximum=20.0, unit=" [currency/kWh]")


def _read_charger(r: _Reader, table: Mapping[str, Any], i: int) -> ChargerSpec | None:
    where = f"charger[{i}]"
    if not isinstance(table, Mapping):
        r.add(where, table, "a table")
        return None
    r.check_keys(table, CHARGER_KEYS, f"{where}.")
    table = _merge_catalogue(r, table, where, "charger")
    if "bidirectional" not in table and isinstance(table.get("v2g"), bool):
        table["bidirectional"] = table["v2g"]  # catalogue entries call it v2g
    name = r.string(table, "name", where, None)
    cmax = r.number(table, "charge_max_kw", where, required=True, minimum=0.0, unit=" [kW]")
    cmin = r.number(table, "charge_min_kw", where, 0.0, minimum=0.0, unit=" [kW]")
    bidirectional = r.boolean(table, "bidirectional", where, False)
    dmax = r.number(
        table, "discharge_max_kw", where, cmax if bidirectional else 0.0, minimum=0.0, unit=" [kW]"
    )
    phase = r.string(table, "phase", where, "L1L2L3")
    if phase not in CHARGER_PHASES:
        r.add(f"{where}.phase", phase, f"one of {', '.join(CHARGER_PHASES)}")
    if math.isfinite(cmin) and math.isfinite(cmax) and cmin > cmax:
        r.add(f"{where}.charge_min_kw", cmin, f"<= charge_max_kw ({cmax:g} kW)")
    return ChargerSpec(name, cmax, cmin, dmax, bidirectional, phase, table.get("model"))


def _check_chargers(r: _Reader, chargers: list[ChargerSpec], vehicles: list[VehicleSpec]) -> None:
    """Unique charger names, known charger references, and one vehicle per charger at a time."""
    names: set[str] = set()
    for i, c in enumerate(chargers):
        if c.name in names:
            r.add(f"charger[{i}].name", c.name, "a name unique among chargers")
        names.add(c.name)
    booked: dict[str, list[tuple[pd.Timestamp, pd.Timestamp, str]]] = {}
    for i, v in enumerate(vehicles):
        for j, s in enumerate(v.sessions):
            if s.charger is None:
                continue
            if s.charger not in names:
                known = ", ".join(sorted(names)) or "none declared"
                r.add(f"vehicle[{i}].session[{j}].charger", s.charger, f"a declared [[charger]] ({known})")
                continue
            for arrive, depart, other in booked.get(s.charger, []):
                if s.arrive < depart and arrive < s.depart:
                    r.add(
                        f"vehicle[{i}].session[{j}].charger",
                        s.charger,
                        f"a charger free from {s.arrive.isoformat()} to {s.depart.isoformat()} "
                        f"(already used by {other} from {arrive.isoformat()} to {depart.isoformat()})",
                    )
                    break
            booked.setdefault(s.charger, []).append((s.arrive, s.depart, v.name))


def scenario_from_dict(
    raw: Mapping[str, Any], base_dir: Path | str = ".", source: str | None = None
) -> Scenario:
    """Build a validated :class:`Scenario` from a parsed scenario dictionary.

    Relative CSV paths resolve against ``base_dir``.

    Raises
    ------
    ScenarioError
        Listing every problem found.
    """
    from planner.inputs.validate import check_scenario

    r = _Reader(Path(base_dir))
    if not isinstance(raw, Mapping):
        raise ScenarioError([Issue("scenario", raw, "a table")], source)
    r.check_keys(raw, TOP_KEYS, "")
    version = raw.get("schema_version", SCHEMA_VERSION)
    if version != SCHEMA_VERSION:
        r.add("schema_version", version, f"{SCHEMA_VERSION}")
    name = r.string(raw, "name", "", "scenario")
    currency = r.string(raw, "currency", "", "GBP")
    penalty = r.number(
        raw, "shortfall_penalty_per_kwh", "", DEFAULT_SHORTFALL_PENALTY_PER_KWH, minimum=0.0
    )
    grid = _read_horizon(r, raw)
    gtable = r.table(raw, "grid")
    r.check_keys(gtable, GRID_KEYS, "grid.")
    connection = GridSpec(
        r.number(gtable, "import_limit_kw", "grid", math.inf, minimum=0.0, unit=" [kW]", unlimited=True),
        r.number(gtable, "export_limit_kw", "grid", math.inf, minimum=0.0, unit=" [kW]", unlimited=True),
        r.number(gtable, "phase_limit_kw", "grid", math.inf, minimum=0.0, unit=" [kW]", unlimited=True),
    )
    batteries_raw = raw.get("battery", [])
    vehicles_raw = raw.get("vehicle", [])
    if isinstance(batteries_raw, Mapping):
        batteries_raw = [batteries_raw]
    if isinstance(vehicles_raw, Mapping):
        vehicles_raw = [vehicles_raw]
    if not isinstance(batteries_raw, list):
        r.add("battery", batteries_raw, "a list of [[battery]] tables")
        batteries_raw = []
    if not isinstance(vehicles_raw, list):
        r.add("vehicle", vehicles_raw, "a list of [[vehicle]] tables")
        vehicles_raw = []
    batteries = [x for i, raw_b in enumerate(batteries_raw) if (x := _read_battery(r, raw_b, i))]
    vehicles = [x for i, raw_v in enumerate(vehicles_raw) if (x := _read_vehicle(r, raw_v, i))]
    chargers_raw = raw.get("charger", [])
    if isinstance(chargers_raw, Mapping):
        chargers_raw = [chargers_raw]
    if not isinstance(chargers_raw, list):
        r.add("charger", chargers_raw, "a list of [[charger]] tables")
        chargers_raw = []
    chargers = [x for i, raw_c in enumerate(chargers_raw) if (x := _read_charger(r, raw_c, i))]
    _check_chargers(r, chargers, vehicles)
    if grid is None:
        from planner.inputs.validate import asset_issues

        seen = {issue.field for issue in r.issues}
        more = [i for i in asset_issues(batteries, vehicles, connection, None) if i.field not in seen]
        raise ScenarioError(r.issues + more or [Issue("horizon", "missing", "a valid horizon")], source)
    tariff = _read_tariff(r, raw, grid)
    load, _ = _read_profile(r, raw, "load", grid, SERIES_KEYS)
    solar, solar_table = _read_profile(r, raw, "solar", grid, SOLAR_KEYS)
    curtailable = r.boolean(solar_table, "curtailable", "solar", True)
    if r.issues or tariff is None:
        # also list what is wrong with the assets themselves (fields already reported are not repeated)
        from planner.inputs.validate import asset_issues

        seen = {issue.field for issue in r.issues}
        more = [i for i in asset_issues(batteries, vehicles, connection, grid) if i.field not in seen]
        raise ScenarioError(r.issues + more or [Issue("tariff", "missing", "prices")], source)
    scenario = Scenario(
        name=name,
        currency=currency,
        grid=grid,
        connection=connection,
        tariff=tariff,
        load_kw=load,
        solar_kw=solar,
        batteries=tuple(batteries),
        vehicles=tuple(vehicles),
        chargers=tuple(chargers),
        solar_curtailable=curtailable,
        shortfall_penalty_per_kwh=penalty,
        notes=tuple(r.notes),
        source=source,
    )
    issues = check_scenario(scenario)
    if issues:
        raise ScenarioError(issues, source)
    return scenario


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario TOML file (the format of ``docs/scenario.md``).

    Raises
    ------
    ScenarioError
        If the file is missing, is not valid TOML, or holds any invalid value (all problems are listed).
    """
    path = Path(path)
    if not path.is_file():
        raise ScenarioError([Issue("path", str(path), "an existing scenario file")], str(path))
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ScenarioError([Issue("file", path.name, f"UTF-8 text ({exc})")], str(path)) from None
    return scenario_from_toml(text, path.parent, str(path))


def scenario_from_toml(text: str, base_dir: Path | str = ".", source: str = "<text>") -> Scenario:
    """Read and validate a scenario from TOML text (e.g. piped on stdin); CSV paths resolve against
    ``base_dir``."""
    try:
        raw = tomllib.loads(text.removeprefix("\ufeff"))
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError([Issue("file", source, f"valid TOML ({exc})")], source) from None
    return scenario_from_dict(raw, base_dir, source)
