"""Generate the compare-ready example ``data/examples/gb-home-year.toml`` and its two series files.

Usage::

    .venv/bin/python benchmarks/make_home_year_example.py      # rewrite the example and its series

One GB home over the period the shipped Agile prices cover (2022-11-01 .. 2023-12-20 UTC):

- **Load**: the GB smart-meter household of the shared ``load/`` set (fawkesley, half-hourly, 2,184 kWh in
  2022, 2,033 kWh in 2023 to 20 Dec), cut unchanged to 2022-11-01 .. 2023-12-20 and written to
  ``data/series/load/household_gb_smartmeter_net_import_2022-11-01_2023-12-20.csv``. It is the house's
  **net import**: the house has rooftop PV whose generation is already netted out and whose export is not in
  the data, so the example has no ``[solar]`` (adding a PV profile would count the sun twice).
- **Sessions**: user ``ASK_Plass7`` of the Norwegian residential set (Sorensen et al. 2024; see
  ``data/series/ev_sessions/norway_user_ASK_Plass7_README.md``), moved by 209 whole weeks (2018-11 .. 2020-02
  onto 2022-11 .. 2024-02), keeping the local wall-clock time (Oslo -> London) and the weekday. The energy a
  session delivered is the battery energy driven since the previous departure (times the Leaf's
  ``eta_charge``); the car leaves with 80 % of its usable capacity. Written to
  ``data/series/ev_sessions/gb_home_year_sessions_2022-11_2023-12.csv`` (columns of a ``sessions_csv``).
- **Equipment**: the catalogue's Nissan Leaf 62 with V2G and a 10 kWh / 5 kW home battery, both on the
  ``cycle_depth_calendar`` wear model, as in ``benchmarks/tariff_comparison.py``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SHARED_LOAD = ROOT.parent / "shared" / "data" / "load" / "household_gb_smartmeter_2020-08-06_2023-12-20.csv"
LOAD_OUT = ROOT / "data" / "series" / "load" / "household_gb_smartmeter_net_import_2022-11-01_2023-12-20.csv"
SESSIONS_IN = ROOT / "data" / "series" / "ev_sessions" / "norway_user_ASK_Plass7_2018-11_2020-02.csv"
SESSIONS_OUT = ROOT / "data" / "series" / "ev_sessions" / "gb_home_year_sessions_2022-11_2023-12.csv"
FIRST = pd.Timestamp("2022-11-01T00:00Z")
END = pd.Timestamp("2023-12-21T00:00Z")  # the Agile series' end (exclusive)
SHIFT = pd.Timedelta(weeks=209)
USABLE_KWH = 59.0  # catalogue nissan-leaf-62
ETA_CHARGE = 0.92  # catalogue nissan-leaf-62
TARGET_KWH = round(0.8 * USABLE_KWH, 2)


def write_load(source: Path = SHARED_LOAD, out: Path = LOAD_OUT) -> pd.DataFrame:
    """Cut the smart-meter file to ``[FIRST, END)``, rows and values unchanged."""
    frame = pd.read_csv(source)
    when = pd.to_datetime(frame["timestamp_utc"], utc=True, format="ISO8601")
    cut = frame[(when >= FIRST) & (when < END)]
    cut.to_csv(out, index=False)
    return cut


def _local_move(utc: str) -> pd.Timestamp:
    wall = pd.Timestamp(utc).tz_convert("Europe/Oslo").tz_localize(None) + SHIFT
    return wall.tz_localize("Europe/London", ambiguous=True, nonexistent="shift_forward").tz_convert("UTC")


def write_sessions(source: Path = SESSIONS_IN, out: Path = SESSIONS_OUT) -> pd.DataFrame:
    """The user's sessions moved onto the example's period (arrivals in ``[FIRST, END)``)."""
    rows = []
    for _, row in pd.read_csv(source).iterrows():
        arrive, depart = _local_move(row["arrival_utc"]), _local_move(row["departure_utc"])
        if FIRST <= arrive < END and depart > arrive:
            rows.append({"arrive": arrive.isoformat(), "depart": depart.isoformat(),
                         "depart_soc_min_kwh": TARGET_KWH,
                         "drive_kwh": round(float(row["energy_kwh"]) * ETA_CHARGE, 3),
                         "source_session_id": row["session_id"]})
    frame = pd.DataFrame(rows)
    frame.to_csv(out, index=False)
    return frame


if __name__ == "__main__":
    load = write_load()
    sessions = write_sessions()
    print(f"{LOAD_OUT.relative_to(ROOT)}: {len(load)} rows; {SESSIONS_OUT.relative_to(ROOT)}: {len(sessions)} sessions")
