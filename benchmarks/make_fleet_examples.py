"""Generate the depot examples (``data/examples/depot-20-vans.toml``, ``depot-200-vans.toml`` and the fleet V2G
scheme ``depot-20-vans-fleet-v2g.toml``) from real sessions.

Usage::

    .venv/bin/python benchmarks/make_fleet_examples.py            # rewrite both example files

Where the numbers come from
---------------------------
- **Plug-in and plug-out times and energy**: real overnight charging sessions from the Norwegian residential
  data set (Sørensen et al., *Data in Brief* 2024, doi:10.1016/j.dib.2024.110883; the shared copy
  ``ev_sessions/residential_norway_12_locations_2018-2021.csv``, provenance in its README). Kept: sessions
  that start Monday-Thursday between 14:00 and 21:00 local time, end the next day before 13:00 and last
  8-18 h (6,692 of 35,377 sessions) - the shape of a van that returns in the evening and leaves in the morning.
  Each van and night draws one session with a seeded generator; its local clock time of arrival, its
  duration and its energy are placed on that night of the scenario (local time of the scenario's zone).
- **State of charge**: each van must leave with 90 % of the e-NV200's usable 39 kWh (35.1 kWh) and arrives
  with that minus the session's delivered energy (never below a 10 % reserve of 3.9 kWh), so the energy a
  van needs each night is the energy a real driver took.
- **Prices**: real Octopus Agile import and Agile Outgoing export (``data/series``, provenance there).
- **Vehicles**: the catalogue's ``nissan-env200-40``. **Chargers**: one bay per van; every fifth bay is the
  catalogue's bidirectional ``enel-v2g-10`` (three-phase), the rest are one-way 7.4 kW single-phase AC
  wallboxes (32 A x 230 V, minimum 6 A = 1.4 kW as IEC 61851 signals), spread over L1, L2, L3.
- **Connection**: 100 kVA for 20 vans (taken as 100 kW at unity power factor, a third per phase); the
  200-van variant scales it to 1,000 kVA, 5 kVA per van as in the 20-van depot.

The depot has no building load or PV in these examples (no depot metering is in the shared data).

The fleet V2G scheme
--------------------
``depot-20-vans-fleet-v2g.toml`` is the 20-van depot under the one business V2G scheme with a sourced
price: frequency reserve sold through an aggregator, as the Parker project's depot did (10 Nissan e-NV200
vans on 10 kW Enel chargers, FCR-N for Energinet, 2016-19; about 1,300 EUR per car per year for 10 kW of
symmetric capacity, the vans plugged in about 17 h a day). That is 1300 / (365 x 17 x 10) = 0.021 EUR per
kW-hour, :data:`FLEET_SERVICE_PRICE_PER_KW_H` = 0.018 GBP at 0.87 GBP/EUR, paid in every hour for capacity
held both up and down (``direction = "both"``) with one hour of energy behind it (an assumption). One-way
bays take part by changing their charging (up: stop; down: charge more), bidirectional bays also by
discharging, all within the chargers' and the phases' limits.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "data" / "examples"
SESSION_FILES = (
    ROOT / "data" / "series" / "ev_sessions" / "residential_norway_12_locations_2018-2021.csv",
    Path("/work/shared/data/ev_sessions/residential_norway_12_locations_2018-2021.csv"),
)
PRICES_CSV = "shipped:series/agile_gb_import_export_2022-11-01_2023-12-20.csv"
START = "2023-01-17T12:00:00+00:00"  # Tuesday noon, Europe/London (GMT in January)
TIMEZONE = "Europe/London"
CAPACITY_KWH = 39.0
DEPART_SOC_KWH = 0.9 * CAPACITY_KWH
RESERVE_KWH = 0.1 * CAPACITY_KWH
KVA_PER_VAN = 5.0
FLEET_SERVICE_PRICE_PER_KW_H = 0.018
"""Availability price of the fleet V2G scheme [GBP per kW held per hour] (module docstring)."""


def overnight_sessions() -> pd.DataFrame:
    """Real overnight sessions (see the module docstring): local arrival hour, duration [h], energy [kWh]."""
    path = next((p for p in SESSION_FILES if p.is_file()), None)
    if path is None:
        raise FileNotFoundError(f"session data not found in {[str(p) for p in SESSION_FILES]}")
    raw = pd.read_csv(path).dropna(subset=["arrival_utc", "departure_utc", "energy_kwh"])
    arrive = pd.to_datetime(raw["arrival_utc"], utc=True).dt.tz_convert("Europe/Oslo")
    depart = pd.to_datetime(raw["departure_utc"], utc=True).dt.tz_convert("Europe/Oslo")
    duration_h = (depart - arrive).dt.total_seconds() / 3600.0
    keep = (
        (arrive.dt.day_of_week < 4)
        & (arrive.dt.hour >= 14)
        & (arrive.dt.hour < 21)
        & (depart.dt.normalize() == arrive.dt.normalize() + pd.Timedelta(days=1))
        & (depart.dt.hour < 13)
        & (duration_h >= 8)
        & (duration_h <= 18)
    )
    out = pd.DataFrame(
        {
            "arrival_local_h": (arrive.dt.hour + arrive.dt.minute / 60.0)[keep].to_numpy(),
            "duration_h": duration_h[keep].to_numpy(),
            "energy_kwh": raw["energy_kwh"][keep].to_numpy(dtype=float),
        }
    )
    return out.reset_index(drop=True)


def fleet_dict(n_vans: int, seed: int, *, hours: float = 48.0, step_minutes: int = 15) -> dict[str, Any]:
    """A depot scenario dictionary with ``n_vans`` vans, one bay each, ``KVA_PER_VAN`` of connection per van.

    Relative CSV paths resolve against ``data/examples`` (pass that as ``base_dir``).
    """
    sessions = overnight_sessions()
    rng = np.random.default_rng(seed)
    start = pd.Timestamp(START)
    first_night = start.tz_convert(TIMEZONE).normalize()
    end = start + pd.Timedelta(hours=hours)
    nights = [first_night + pd.Timedelta(days=d) for d in range(int(math.ceil(hours / 24.0)) + 1)]
    connection_kw = KVA_PER_VAN * n_vans
    chargers: list[dict[str, Any]] = []
    vehicles: list[dict[str, Any]] = []
    for i in range(n_vans):
        bay = f"bay{i + 1:03d}" if n_vans >= 100 else f"bay{i + 1:02d}"
        van = f"van{i + 1:03d}" if n_vans >= 100 else f"van{i + 1:02d}"
        if (i + 1) % 5 == 0:
            chargers.append({"name": bay, "model": "enel-v2g-10", "phase": "L1L2L3"})
        else:
            chargers.append({"name": bay, "charge_max_kw": 7.4, "charge_min_kw": 1.4, "bidirectional": False,
                             "phase": ("L1", "L2", "L3")[i % 3]})
        van_sessions = []
        for night in nights:
            row = sessions.iloc[int(rng.integers(len(sessions)))]
            arrive = (night + pd.Timedelta(hours=float(row["arrival_local_h"]))).round("min")
            depart = (arrive + pd.Timedelta(hours=float(row["duration_h"]))).round("min")
            if depart <= start or arrive >= end:
                continue
            need = min(float(row["energy_kwh"]), DEPART_SOC_KWH - RESERVE_KWH)
            van_sessions.append(
                {
                    "arrive": arrive.tz_convert("UTC").isoformat(),
                    "depart": depart.tz_convert("UTC").isoformat(),
                    "arrive_soc_kwh": round(DEPART_SOC_KWH - need, 2),
                    "depart_soc_min_kwh": round(DEPART_SOC_KWH, 2),
                }
            )
        vehicles.append({"name": van, "model": "nissan-env200-40", "soc_min_kwh": RESERVE_KWH, "charger": bay,
                         "session": van_sessions})
    return {
        "schema_version": 1,
        "name": f"depot-{n_vans}-vans",
        "currency": "GBP",
        "horizon": {"start": START, "hours": hours, "step_minutes": step_minutes, "timezone": TIMEZONE},
        "grid": {
            "import_limit_kw": connection_kw,
            "export_limit_kw": connection_kw,
            "phase_limit_kw": round(connection_kw / 3.0, 2),
        },
        "tariff": {
            "import_prices_csv": PRICES_CSV,
            "import_price_column": "import_price_gbp_per_kwh",
            "export_prices_csv": PRICES_CSV,
            "export_price_column": "export_price_gbp_per_kwh",
        },
        "charger": chargers,
        "vehicle": vehicles,
    }


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return f'"{v}"'
    if isinstance(v, float) and v.is_integer():
        return f"{v:.1f}"
    return repr(v)


def to_toml(raw: dict[str, Any], header: str) -> str:
    """Write the scenario dictionary as TOML (the subset the depot examples use)."""
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    for key in ("schema_version", "name", "currency"):
        lines.append(f"{key} = {_value(raw[key])}")
    for table in ("horizon", "grid", "tariff"):
        lines.append(f"\n[{table}]")
        lines += [f"{k} = {_value(v)}" for k, v in raw[table].items()]
    if "grid_service" in raw:
        service = dict(raw["grid_service"])
        windows = service.pop("window")
        lines.append("\n[grid_service]")
        lines += [f"{k} = {_value(v)}" for k, v in service.items()]
        for w in windows:
            lines.append("\n[[grid_service.window]]")
            lines += [f"{k} = {_value(v)}" for k, v in w.items()]
    for c in raw["charger"]:
        lines.append("\n[[charger]]")
        lines += [f"{k} = {_value(v)}" for k, v in c.items()]
    for v in raw["vehicle"]:
        lines.append("\n[[vehicle]]")
        lines += [f"{k} = {_value(x)}" for k, x in v.items() if k != "session"]
        for s in v["session"]:
            lines.append("[[vehicle.session]]")
            lines += [f"{k} = {_value(x)}" for k, x in s.items()]
    return "\n".join(lines) + "\n"


HEADER = """{n}-van depot behind a {kva:g} kVA connection (Nissan e-NV200 40 kWh, catalogue nissan-env200-40), 48 h at 15 min.
One bay per van: every fifth bay a bidirectional Enel 10 kW (catalogue enel-v2g-10, three-phase), the others
one-way 7.4 kW single-phase AC wallboxes spread over L1-L3; phase_limit_kw = a third of the connection.
Arrival/departure times and nightly energy: real overnight sessions from the Norwegian residential data set
(Sorensen et al. 2024, doi:10.1016/j.dib.2024.110883), resampled with seed {seed}; each van leaves with 90 %
of 39 kWh. Prices: real Octopus Agile import / Agile Outgoing export. No depot load or PV (no data).
Generated by benchmarks/make_fleet_examples.py (see its docstring); do not edit by hand."""


FLEET_HEADER = """The 20-van depot of depot-20-vans.toml under a fleet V2G scheme: frequency reserve sold through an
aggregator, paid {price} GBP per kW held up and down per hour, all day, one hour of energy behind it. The price
is derived from the Parker project's depot (Frederiksberg, 10 e-NV200 vans on 10 kW V2G chargers, FCR-N,
about 1,300 EUR per car per year for 10 kW plugged in about 17 h a day: 0.021 EUR = 0.018 GBP per kW-h).
One-way bays take part by changing their charging, the bidirectional bays also by discharging, within the
chargers' and the phases' limits. docs/grid_services.md.
"""


def fleet_v2g_dict(raw: dict[str, Any]) -> dict[str, Any]:
    """The depot dictionary ``raw`` under the fleet V2G scheme (module docstring)."""
    out = dict(raw, name=f"{raw['name']}-fleet-v2g")
    out["grid_service"] = {"direction": "both", "duration_minutes": 60,
                           "window": [{"start": "00:00", "end": "24:00",
                                       "availability_price_per_kw_per_h": FLEET_SERVICE_PRICE_PER_KW_H}]}
    return out


def main() -> None:
    for n, seed in ((20, 20), (200, 200)):
        raw = fleet_dict(n, seed)
        header = HEADER.format(n=n, kva=KVA_PER_VAN * n, seed=seed)
        (EXAMPLES / f"depot-{n}-vans.toml").write_text(to_toml(raw, header), encoding="utf-8")
        if n == 20:
            text = to_toml(fleet_v2g_dict(raw), FLEET_HEADER.format(price=FLEET_SERVICE_PRICE_PER_KW_H) + header)
            (EXAMPLES / f"depot-{n}-vans-fleet-v2g.toml").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
