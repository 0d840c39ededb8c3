"""Seeded populations of realistic home sites, drawn from real data, as a batch input table.

Every home gets the same horizon and the same real prices (the shipped ``agile`` scheme: Octopus Agile import
and Agile Outgoing export), as in a nightly run once the next day's prices are known. What differs between
homes is drawn from real data in ``data/series/population/`` (provenance in its README):

- **household load**: a real 30-minute profile of one of two houses (a GB smart meter, a French home), taken
  from a randomly chosen week-aligned day of the source year (same weekday and UTC clock time as the
  horizon), scaled so that the house's annual consumption becomes a draw from a log-normal distribution
  (median :data:`MEDIAN_ANNUAL_LOAD_KWH`);
- **PV**: the modelled output per kWp of a south-facing roof for the horizon's calendar dates (one weather for
  all homes, as for one region on one day), times a per-home array size [kWp];
- **EV plug-in session**: a real Norwegian residential session; its local plug-in clock time and duration are
  kept and placed on the horizon, and the energy it delivered sets the arrival state of charge below an 80 %
  departure target;
- **equipment**: a vehicle and a home battery from the catalogue (``models/``), grid limits of common
  UK connections.

:func:`generate_population` writes the site table (columns = scenario TOML key paths, see ``docs/batch.md``)
and the two shared series files it references; ``planner batch`` reads the table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from planner.inputs.catalogue import scenario_fields
from planner.inputs.paths import data_dir

VEHICLE_MODELS = ("nissan-leaf-62", "nissan-leaf-40", "nissan-env200-40", "volkswagen-id4-77")
"""Catalogue vehicles drawn from (all bidirectional)."""
BATTERY_MODELS = ("nissan-xstorage-4", "nissan-xstorage-6", "tesla-powerwall-2")
"""Catalogue home batteries drawn from."""
IMPORT_LIMITS_KW = (13.8, 18.4, 23.0)
"""Import limits of 60, 80 and 100 A single-phase 230 V supplies [kW]."""
EXPORT_LIMITS_KW = (3.68, 5.0)
"""Export limits: G98 (16 A per phase) and a common G99 approval [kW]."""
MEDIAN_ANNUAL_LOAD_KWH = 3100.0
"""Median annual household consumption of the drawn population [kWh/year]."""
ANNUAL_LOAD_SIGMA = 0.35
"""Standard deviation of log(annual consumption) (dimensionless)."""
DEPART_TARGET_FRACTION = 0.8
"""Departure target as a fraction of the vehicle's capacity."""
SESSION_TIMEZONE = "Europe/Oslo"
"""Local clock of the session data (plug-in behaviour follows local time)."""

LOAD_SOURCES = {
    "gb": "load_gb_smartmeter_net_import_2022.csv",
    "fr": "load_fr_emhass_2024-04-05_2025-02-27.csv",
}
SESSIONS_FILE = "ev_sessions_norway_residential_sample4000.csv"
PV_FILE = "pv_de_hamburg_try2010_1kwp_2023.csv"
LOAD_FILE = "load_kw.csv"
"""Name of the shared load file written next to the site table (one column per source day)."""
PV_SERIES_FILE = "pv_kw_per_kwp.csv"
"""Name of the shared PV file written next to the site table."""


@dataclass(frozen=True)
class PopulationSpec:
    """What to draw.

    Parameters
    ----------
    homes : int
        Number of sites.
    seed : int
        Seed of the random draws (the same spec gives the same population).
    start : str
        Horizon start, tz-aware ISO 8601 (inside the Agile series: 2022-11-01 to 2023-12-18).
    hours : float
        Horizon length [h].
    step_minutes : int
        Step length [min].
    timezone : str
        Local time zone of the sites.
    tariff_scheme : str
        Shipped tariff scheme every site uses.
    vehicle_share, battery_share, pv_share : float
        Fraction of homes with a vehicle, a home battery, PV (each in [0, 1]).
    v2g_share : float
        Fraction of vehicles allowed to discharge.
    """

    homes: int
    seed: int = 0
    start: str = "2023-03-14T12:00:00+00:00"
    hours: float = 48.0
    step_minutes: int = 30
    timezone: str = "Europe/London"
    tariff_scheme: str = "agile"
    vehicle_share: float = 1.0
    battery_share: float = 1.0
    pv_share: float = 1.0
    v2g_share: float = 1.0


def population_dir() -> Path:
    """Folder of the real-data slices populations are drawn from."""
    return data_dir("series") / "population"


def _read(name: str) -> pd.DataFrame:
    frame = pd.read_csv(population_dir() / name)
    for col in ("timestamp_utc", "arrival_utc", "departure_utc"):
        if col in frame:
            frame[col] = pd.to_datetime(frame[col], utc=True, format="ISO8601")
    return frame


def _half_hour_index(start: pd.Timestamp, hours: float) -> pd.DatetimeIndex:
    """30-minute stamps covering ``[start, start + hours)`` (the series files' resolution)."""
    first = start.floor("30min")
    end = start + pd.Timedelta(hours=hours)
    periods = math.ceil((end - first) / pd.Timedelta(minutes=30))
    return pd.date_range(first, periods=periods, freq="30min", tz="UTC")


def _load_columns(
    rng: np.random.Generator, spec: PopulationSpec, index: pd.DatetimeIndex
) -> tuple[list[tuple[str, float]], pd.DataFrame]:
    """Per home: (load column, scale); and the frame of every distinct source window used."""
    sources = {key: _read(name).set_index("timestamp_utc")["load_kw"] for key, name in LOAD_SOURCES.items()}
    annual_kwh = {key: float(s.mean() * 8760.0) for key, s in sources.items()}
    columns: dict[str, np.ndarray] = {}
    chosen: list[tuple[str, float]] = []
    n = len(index)
    for _ in range(spec.homes):
        key = str(rng.choice(list(sources)))
        series = sources[key]
        first, last = series.index[0], series.index[-1]
        weeks = int((last - first) / pd.Timedelta(weeks=1)) - 1
        # the same weekday and clock time as the horizon start, in a random week of the source year
        offset_days = (index[0].dayofweek - first.dayofweek) % 7
        anchor = first.normalize() + pd.Timedelta(days=offset_days)
        anchor += index[0] - index[0].normalize()
        begin = anchor + pd.Timedelta(weeks=int(rng.integers(0, max(weeks - 1, 1))))
        name = f"{key}_{begin:%Y%m%dT%H%M}"
        if name not in columns:
            values = series.loc[begin:].to_numpy()[:n]
            if len(values) < n:  # pragma: no cover - the week draw keeps a full window inside the year
                values = np.resize(values, n)
            columns[name] = values
        target_kwh = MEDIAN_ANNUAL_LOAD_KWH * math.exp(ANNUAL_LOAD_SIGMA * rng.standard_normal())
        chosen.append((name, round(target_kwh / annual_kwh[key], 4)))
    frame = pd.DataFrame(columns, index=index)
    return chosen, frame


def _pv_column(start: pd.Timestamp, index: pd.DatetimeIndex) -> np.ndarray:
    """PV per kWp on the horizon's calendar dates (the typical year is stamped 2023) [kW/kWp]."""
    pv = _read(PV_FILE).set_index("timestamp_utc")["pv_ac_power_kw_per_kwp"]
    shift = pd.Timestamp(year=2023, month=1, day=1, tz="UTC") - pd.Timestamp(
        year=start.year, month=1, day=1, tz="UTC"
    )
    stamps = (index + shift).floor("h")
    values = pv.reindex(stamps).to_numpy()
    # the typical year has no 29 Feb and ends at 23:00 UTC on 31 Dec: wrap around the year
    missing = np.isnan(values)
    if missing.any():
        wrapped = stamps[missing] - pd.DateOffset(years=1)
        values[missing] = pv.reindex(wrapped).fillna(0.0).to_numpy()
    return np.round(values, 4)


def _session(
    rng: np.random.Generator,
    sessions: pd.DataFrame,
    start: pd.Timestamp,
    hours: float,
    tz: str,
    capacity_kwh: float,
    charge_max_kw: float,
    eta_charge: float,
) -> dict[str, object]:
    """One real session placed on the horizon (plug-in clock time and duration kept)."""
    end = start + pd.Timedelta(hours=hours)
    local_start = start.tz_convert(tz)
    for _ in range(50):
        row = sessions.iloc[int(rng.integers(len(sessions)))]
        arrival_local = row["arrival_utc"].tz_convert(SESSION_TIMEZONE)
        duration = row["departure_utc"] - row["arrival_utc"]
        clock = arrival_local - arrival_local.normalize()
        day = local_start.normalize()
        arrive = (day.tz_localize(None) + clock).tz_localize(tz, nonexistent="shift_forward", ambiguous=True)
        if arrive < local_start:
            arrive = ((day + pd.Timedelta(days=1)).tz_localize(None) + clock).tz_localize(
                tz, nonexistent="shift_forward", ambiguous=True
            )
        depart = arrive + duration
        if depart <= end:
            break
    deliverable_kwh = 0.9 * charge_max_kw * eta_charge * duration / pd.Timedelta(hours=1)
    energy_kwh = min(float(row["energy_kwh"]), deliverable_kwh)
    target_kwh = DEPART_TARGET_FRACTION * capacity_kwh
    arrive_soc_kwh = max(0.1 * capacity_kwh, target_kwh - energy_kwh)
    return {
        "vehicle.session.arrive": arrive.tz_convert("UTC").isoformat(),
        "vehicle.session.depart": min(depart, end).tz_convert("UTC").isoformat(),
        "vehicle.session.arrive_soc_kwh": round(arrive_soc_kwh, 3),
        "vehicle.session.depart_soc_min_kwh": round(target_kwh, 3),
        "meta.session_id": str(row["session_id"]),
    }


def population_table(spec: PopulationSpec) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Draw a population.

    Returns
    -------
    sites : pandas.DataFrame
        One row per home; columns are scenario key paths (``horizon.start``, ``battery.model``, ...) plus
        ``site`` and ``meta.*`` provenance columns. Series references point at :data:`LOAD_FILE` and
        :data:`PV_SERIES_FILE`.
    load : pandas.DataFrame
        Shared load profiles [kW], 30-minute UTC index, one column per drawn source window.
    pv : pandas.DataFrame
        Shared PV output per kWp [kW/kWp], same index, column ``pv_kw_per_kwp``.
    """

    if spec.homes < 1:
        msg = f"homes must be >= 1 (got {spec.homes})"
        raise ValueError(msg)
    rng = np.random.default_rng(spec.seed)
    start = pd.Timestamp(spec.start).tz_convert("UTC")
    index = _half_hour_index(start, spec.hours)
    loads, load_frame = _load_columns(rng, spec, index)
    pv_frame = pd.DataFrame({"pv_kw_per_kwp": _pv_column(start, index)}, index=index)
    sessions = _read(SESSIONS_FILE)
    vehicles = {m: scenario_fields(m, "vehicle") for m in VEHICLE_MODELS}
    batteries = {m: scenario_fields(m, "battery") for m in BATTERY_MODELS}
    width = len(str(spec.homes - 1))
    rows = []
    for i in range(spec.homes):
        row: dict[str, object] = {
            "site": f"home-{i:0{width}d}",
            "name": f"home-{i:0{width}d}",
            "horizon.start": start.isoformat(),
            "horizon.hours": float(spec.hours),
            "horizon.step_minutes": int(spec.step_minutes),
            "horizon.timezone": spec.timezone,
            "grid.import_limit_kw": float(rng.choice(IMPORT_LIMITS_KW)),
            "grid.export_limit_kw": float(rng.choice(EXPORT_LIMITS_KW)),
            "tariff.scheme": spec.tariff_scheme,
            "load.csv": LOAD_FILE,
            "load.column": loads[i][0],
            "load.scale": loads[i][1],
        }
        if rng.random() < spec.pv_share:
            row.update(
                {
                    "solar.csv": PV_SERIES_FILE,
                    "solar.column": "pv_kw_per_kwp",
                    "solar.kwp": float(rng.choice([2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 6.0])),
                }
            )
        if rng.random() < spec.battery_share:
            model = str(rng.choice(BATTERY_MODELS))
            cap = float(batteries[model]["capacity_kwh"])
            row.update(
                {
                    "battery.name": "battery",
                    "battery.model": model,
                    "battery.soc_kwh": round(cap * float(rng.uniform(0.2, 0.8)), 3),
                    "battery.soc_min_kwh": round(0.1 * cap, 3),
                }
            )
        if rng.random() < spec.vehicle_share:
            model = str(rng.choice(VEHICLE_MODELS))
            fields = vehicles[model]
            cap = float(fields["capacity_kwh"])
            row.update(
                {
                    "vehicle.name": "ev",
                    "vehicle.model": model,
                    "vehicle.v2g": bool(rng.random() < spec.v2g_share),
                    "vehicle.soc_min_kwh": round(0.1 * cap, 3),
                }
            )
            row.update(
                _session(
                    rng, sessions, start, spec.hours, spec.timezone, cap,
                    float(fields["charge_max_kw"]), float(fields["eta_charge"]),
                )
            )
        rows.append(row)
    return pd.DataFrame(rows), load_frame, pv_frame


def _write_series(frame: pd.DataFrame, path: Path) -> None:
    out = frame.copy()
    out.index = [ts.strftime("%Y-%m-%dT%H:%M:%SZ") for ts in out.index]
    out.to_csv(path, index_label="timestamp_utc", float_format="%.4f")


def generate_population(out_dir: str | Path, spec: PopulationSpec, table_format: str = "parquet") -> Path:
    """Write a population: the site table plus the shared series files it references.

    Parameters
    ----------
    out_dir : path
        Folder to write into (created).
    spec : PopulationSpec
        What to draw.
    table_format : str
        ``"parquet"`` or ``"csv"``.

    Returns
    -------
    pathlib.Path
        Path of the site table (``sites.parquet`` or ``sites.csv``), the ``INPUT`` of ``planner batch``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    sites, load, pv = population_table(spec)
    _write_series(load, out / LOAD_FILE)
    _write_series(pv, out / PV_SERIES_FILE)
    if table_format == "parquet":
        path = out / "sites.parquet"
        sites.to_parquet(path, index=False)
    elif table_format == "csv":
        path = out / "sites.csv"
        sites.to_csv(path, index=False)
    else:
        msg = f"table_format must be 'parquet' or 'csv' (got {table_format!r})"
        raise ValueError(msg)
    return path


__all__ = ["PopulationSpec", "generate_population", "population_table"]
