"""Tariff schemes: hand-computed prices for every shipped scheme, DST days, step sizes, validation.

Expected values are written out by hand from the scheme files (rates) and, for dynamic schemes, read
row by row from the CSV files with the ``csv`` module (not through the code under test).
"""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from planner.errors import ScenarioError
from planner.inputs.tariffs import scheme as tariffs
from planner.inputs.tariffs.dated import version_on
from planner.inputs.tariffs.scheme import load_scheme, tariff_from_table
from planner.timegrid import TimeGrid

ROOT = Path(__file__).resolve().parents[2]
SERIES = ROOT / "data" / "series"
AGILE_FILE = SERIES / "agile_gb_import_export_2022-11-01_2023-12-20.csv"
AGILE_A_FILE = SERIES / "agile_gb_import_region_A_2018-02-19_2021-08-23.csv"
GB_DA_FILE = SERIES / "day_ahead_gb_2023-2024.csv"
DE_DA_FILE = SERIES / "day_ahead_de_lu_2023-2024.csv"


def raw_column(path: Path, column: str) -> dict[str, float]:
    """Map of UTC timestamp text -> value, read without pandas."""
    with path.open(newline="") as handle:
        return {row["timestamp_utc"]: float(row[column]) for row in csv.DictReader(handle)}


def grid(start: str, steps: int, step_minutes: int = 30, tz: str = "Europe/London") -> TimeGrid:
    return TimeGrid(pd.Timestamp(start), step_minutes, steps, tz)


def day(scheme: str, date: str, step_minutes: int = 30):
    return load_scheme(scheme).day_prices(date, step_minutes)


# ------------------------------------------------------------------------------------------------
# shipped schemes load and are all tested below
# ------------------------------------------------------------------------------------------------

SHIPPED = {
    "agile",
    "agile-18-02-21",
    "agile-day-ahead",
    "economy7",
    "flanders-capacity",
    "flat-price-cap",
    "intelligent-octopus-go",
    "octopus-flux",
    "octopus-power-pack",
    "octopus-go",
    "outgoing-fixed",
    "pge-ev2a",
}


def test_list_schemes_is_the_shipped_set():
    assert set(tariffs.list_schemes()) == SHIPPED


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_every_scheme_has_sources_and_currency(name):
    scheme = load_scheme(name)
    assert scheme.name == name
    assert scheme.sources and all(s.startswith("http") for s in scheme.sources)
    assert scheme.currency in {"GBP", "USD", "EUR"}
    assert scheme.standing_charge_per_day >= 0.0


# ------------------------------------------------------------------------------------------------
# flat-price-cap: 27.69 p/kWh, 54.75 p/day from 2026-01-01 (the latest dated rates, kept after 31 Mar 2026)
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("step", [15, 30, 60])
def test_flat_every_step_and_standing_charge_per_local_day(step):
    for date, hours in (("2026-01-15", 24), ("2026-03-29", 23), ("2026-10-25", 25)):
        frame = day("flat-price-cap", date, step)
        assert len(frame) == hours * 60 // step
        assert np.all(frame.import_price_per_kwh == 0.2769)
        assert np.all(frame.export_price_per_kwh == 0.0)
        # a whole local day is one day of standing charge, whatever its length
        assert frame.attrs["standing_charge_cost"] == pytest.approx(0.5475)


def test_flat_standing_charge_pro_rata_on_short_day_and_odd_start():
    scheme = load_scheme("flat-price-cap")
    # 12 hours of the 23-hour day 2026-03-29: 12/23 of a day
    spec = scheme.prices(grid("2026-03-29T00:00:00+00:00", 24))
    assert spec.standing_charge_cost == pytest.approx(0.5475 * 12 / 23)
    # 24 h from 00:07 on an ordinary day: 1433/1440 of one day and 7/1440 of the next
    spec = scheme.prices(grid("2026-01-15T00:07:00+00:00", 24, 60))
    assert spec.standing_charge_cost == pytest.approx(0.5475)
    # 48 h from noon
    spec = scheme.prices(grid("2026-01-15T12:00:00+00:00", 96))
    assert spec.standing_charge_cost == pytest.approx(2 * 0.5475)


# ------------------------------------------------------------------------------------------------
# economy7: 17.239 p 00:00-07:00 GMT (meter on GMT all year), 45.504 p otherwise (rates from Jan 2024)
# ------------------------------------------------------------------------------------------------

E7_NIGHT, E7_DAY = 0.17239, 0.45504


def test_economy7_winter_day_30min():
    frame = day("economy7", "2025-01-15")
    expected = np.array([E7_NIGHT] * 14 + [E7_DAY] * 34)
    np.testing.assert_allclose(frame.import_price_per_kwh, expected)


def test_economy7_spring_dst_day_46_half_hours_on_london_grid():
    # local midnight is 00:00Z; the window is 00:00Z-07:00Z: steps 0..13 whatever the local clock says
    g = grid("2025-03-30T00:00:00Z", 46)
    spec = load_scheme("economy7").prices(g)
    np.testing.assert_allclose(spec.import_price_per_kwh, [E7_NIGHT] * 14 + [E7_DAY] * 32)


def test_economy7_autumn_dst_day_50_half_hours():
    # local midnight BST = 23:00Z; window 00:00Z-07:00Z = steps 2..15
    g = grid("2025-10-25T23:00:00Z", 50)
    spec = load_scheme("economy7").prices(g)
    np.testing.assert_allclose(
        spec.import_price_per_kwh, [E7_DAY] * 2 + [E7_NIGHT] * 14 + [E7_DAY] * 34
    )


def test_economy7_summer_is_01_to_08_local_at_60min_and_15min():
    # London day 2025-07-01 starts at 23:00Z on 30 June
    spec = load_scheme("economy7").prices(grid("2025-06-30T23:00:00Z", 24, 60))
    np.testing.assert_allclose(spec.import_price_per_kwh, [E7_DAY] + [E7_NIGHT] * 7 + [E7_DAY] * 16)
    spec = load_scheme("economy7").prices(grid("2025-06-30T23:00:00Z", 96, 15))
    np.testing.assert_allclose(
        spec.import_price_per_kwh, [E7_DAY] * 4 + [E7_NIGHT] * 28 + [E7_DAY] * 64
    )
    # the scheme's own day (a GMT day) is 24 hours even when London changes its clocks
    assert len(day("economy7", "2025-03-30")) == 48


# ------------------------------------------------------------------------------------------------
# octopus-go: 5 p 00:30-04:30 local, 14.5 p otherwise
# ------------------------------------------------------------------------------------------------

GO_NIGHT, GO_DAY = 0.05, 0.145


def test_go_ordinary_day_30_and_60_min():
    frame = day("octopus-go", "2025-01-15")
    np.testing.assert_allclose(
        frame.import_price_per_kwh, [GO_DAY] + [GO_NIGHT] * 8 + [GO_DAY] * 39
    )
    frame = day("octopus-go", "2025-01-15", 60)
    half = (GO_DAY + GO_NIGHT) / 2
    np.testing.assert_allclose(
        frame.import_price_per_kwh, [half, GO_NIGHT, GO_NIGHT, GO_NIGHT, half] + [GO_DAY] * 19
    )


def test_go_spring_dst_day_window_is_three_real_hours():
    # 00:30-01:00 GMT (step 1), then the clock jumps 01:00 GMT -> 02:00 BST; 02:00-04:30 BST = steps 2..6
    frame = day("octopus-go", "2025-03-30")
    assert len(frame) == 46
    np.testing.assert_allclose(
        frame.import_price_per_kwh, [GO_DAY] + [GO_NIGHT] * 6 + [GO_DAY] * 39
    )
    frame = day("octopus-go", "2025-03-30", 60)
    half = (GO_DAY + GO_NIGHT) / 2
    np.testing.assert_allclose(
        frame.import_price_per_kwh, [half, GO_NIGHT, GO_NIGHT, half] + [GO_DAY] * 19
    )


def test_go_autumn_dst_day_window_is_five_real_hours():
    # 00:30 BST (23:30Z) to 04:30 GMT (04:30Z): steps 1..10 of the 50
    frame = day("octopus-go", "2025-10-26")
    assert len(frame) == 50
    np.testing.assert_allclose(
        frame.import_price_per_kwh, [GO_DAY] + [GO_NIGHT] * 10 + [GO_DAY] * 39
    )
    frame = day("octopus-go", "2025-10-26", 15)
    assert len(frame) == 100
    np.testing.assert_allclose(
        frame.import_price_per_kwh, [GO_DAY] * 2 + [GO_NIGHT] * 20 + [GO_DAY] * 78
    )


def test_go_odd_minute_start_prices_by_covered_fraction():
    # steps of 30 min from 00:07 GMT: step 0 = 00:07-00:37 has 23 min day + 7 min night
    spec = load_scheme("octopus-go").prices(grid("2025-01-15T00:07:00Z", 10))
    first = (23 * GO_DAY + 7 * GO_NIGHT) / 30
    # step 8 = 04:07-04:37: 23 min night + 7 min day
    ninth = (23 * GO_NIGHT + 7 * GO_DAY) / 30
    np.testing.assert_allclose(
        spec.import_price_per_kwh, [first] + [GO_NIGHT] * 7 + [ninth, GO_DAY]
    )


# ------------------------------------------------------------------------------------------------
# intelligent-octopus-go: 7 p 23:30-05:30 local, 22.36 p otherwise, 60.12 p/day
# ------------------------------------------------------------------------------------------------

IOG_NIGHT, IOG_DAY = 0.07, 0.2236


@pytest.mark.parametrize(
    ("date", "steps", "night_before", "night_after"),
    [
        # 30-min steps: night 00:00-05:30 local and 23:30-24:00 local
        ("2025-01-15", 48, 11, 1),
        # spring: 00:00-01:00 GMT and 02:00-05:30 BST = 2 + 7 half-hours
        ("2025-03-30", 46, 9, 1),
        # autumn: 00:00-02:00 BST, 01:00-05:30 GMT = 4 + 9 half-hours
        ("2025-10-26", 50, 13, 1),
    ],
)
def test_iog_window_wraps_midnight(date, steps, night_before, night_after):
    frame = day("intelligent-octopus-go", date)
    assert len(frame) == steps
    expected = [IOG_NIGHT] * night_before + [IOG_DAY] * (steps - night_before - night_after)
    expected += [IOG_NIGHT] * night_after
    np.testing.assert_allclose(frame.import_price_per_kwh, expected)
    assert frame.attrs["standing_charge_cost"] == pytest.approx(0.6012)


def test_iog_hourly_step_straddling_window_edges():
    frame = day("intelligent-octopus-go", "2025-03-30", 60)
    half = (IOG_NIGHT + IOG_DAY) / 2
    np.testing.assert_allclose(
        frame.import_price_per_kwh, [IOG_NIGHT] * 4 + [half] + [IOG_DAY] * 17 + [half]
    )


# ------------------------------------------------------------------------------------------------
# octopus-flux: import 20.11 / 33.52 / 46.93, export 9.11 / 22.52 / 35.93 (02-05 / day / 16-19)
# ------------------------------------------------------------------------------------------------


def flux_expected(
    hours_local: list[float], cheap: float, day_rate: float, peak: float
) -> list[float]:
    out = []
    for h in hours_local:
        if 2 <= h < 5:
            out.append(cheap)
        elif 16 <= h < 19:
            out.append(peak)
        else:
            out.append(day_rate)
    return out


@pytest.mark.parametrize(
    ("date", "local_hours"),
    [
        ("2025-01-15", [k / 2 for k in range(48)]),
        ("2025-03-30", [0, 0.5] + [2 + k / 2 for k in range(44)]),
        ("2025-10-26", [k / 2 for k in range(4)] + [1 + k / 2 for k in range(46)]),
    ],
)
def test_flux_import_and_export_windows(date, local_hours):
    frame = day("octopus-flux", date)
    assert len(frame) == len(local_hours)
    np.testing.assert_allclose(
        frame.import_price_per_kwh, flux_expected(local_hours, 0.2011, 0.3352, 0.4693)
    )
    np.testing.assert_allclose(
        frame.export_price_per_kwh, flux_expected(local_hours, 0.0911, 0.2252, 0.3593)
    )


def test_flux_odd_minute_start_and_15_min():
    spec = load_scheme("octopus-flux").prices(grid("2025-01-15T01:37:00Z", 2))
    np.testing.assert_allclose(spec.import_price_per_kwh, [(23 * 0.3352 + 7 * 0.2011) / 30, 0.2011])
    np.testing.assert_allclose(spec.export_price_per_kwh, [(23 * 0.2252 + 7 * 0.0911) / 30, 0.0911])
    # summer 15-min: 16:00 BST = 15:00Z is the first peak quarter
    spec = load_scheme("octopus-flux").prices(grid("2025-07-01T14:45:00Z", 2, 15))
    np.testing.assert_allclose(spec.import_price_per_kwh, [0.3352, 0.4693])


# ------------------------------------------------------------------------------------------------
# outgoing-fixed: export only, 15 p
# ------------------------------------------------------------------------------------------------


def test_outgoing_fixed_is_export_only():
    with pytest.raises(ScenarioError, match="export_scheme"):
        load_scheme("outgoing-fixed").prices(grid("2025-01-15T00:00:00Z", 4))


@pytest.mark.parametrize("step", [15, 30, 60])
def test_outgoing_fixed_combined_with_flat_import(step):
    g = load_scheme("flat-price-cap").day_grid("2026-03-29", step)
    spec = load_scheme("flat-price-cap").prices(g, export_scheme=load_scheme("outgoing-fixed"))
    assert np.all(spec.export_price_per_kwh == 0.12)  # Outgoing Fixed's rate from 1 Mar 2026
    assert np.all(spec.import_price_per_kwh == 0.2769)
    assert spec.scheme == "flat-price-cap+outgoing-fixed"


# ------------------------------------------------------------------------------------------------
# pge-ev2a: America/Los_Angeles, summer Jun-Sep
# ------------------------------------------------------------------------------------------------

PGE_OFF = 0.34578
PGE_WINTER = (0.51447, 0.53117)
PGE_SUMMER = (0.54779, 0.65828)


def pge_expected(local_hours: list[int], part: float, peak: float) -> list[float]:
    out = []
    for h in local_hours:
        if h < 15:
            out.append(PGE_OFF)
        elif h < 16 or h >= 21:
            out.append(part)
        else:
            out.append(peak)
    return out


@pytest.mark.parametrize(
    ("date", "local_hours", "rates"),
    [
        ("2025-01-15", list(range(24)), PGE_WINTER),
        ("2025-07-15", list(range(24)), PGE_SUMMER),
        # 2025-03-09: 02:00 PST -> 03:00 PDT (23 hours)
        ("2025-03-09", [0, 1] + list(range(3, 24)), PGE_WINTER),
        # 2025-11-02: 02:00 PDT -> 01:00 PST (25 hours)
        ("2025-11-02", [0, 1, 1] + list(range(2, 24)), PGE_WINTER),
    ],
)
def test_pge_ev2a_los_angeles_days(date, local_hours, rates):
    frame = day("pge-ev2a", date, 60)
    assert len(frame) == len(local_hours)
    np.testing.assert_allclose(frame.import_price_per_kwh, pge_expected(local_hours, *rates))
    assert np.all(frame.export_price_per_kwh == 0.0)
    assert frame.attrs["standing_charge_cost"] == 0.0


def test_pge_season_changes_at_local_midnight_of_oct_1():
    # 30-min steps from 2025-09-30 20:00 PDT (03:00Z) to 2025-10-01 02:00 PDT
    spec = load_scheme("pge-ev2a").prices(
        grid("2025-10-01T03:00:00Z", 12, 30, "America/Los_Angeles")
    )
    np.testing.assert_allclose(
        spec.import_price_per_kwh, [PGE_SUMMER[1]] * 2 + [PGE_SUMMER[0]] * 6 + [PGE_OFF] * 4
    )
    # the same hours in the grid's display zone do not matter: a UTC grid gives the same prices
    spec_utc = load_scheme("pge-ev2a").prices(grid("2025-10-01T03:00:00Z", 12, 30, "UTC"))
    np.testing.assert_array_equal(spec.import_price_per_kwh, spec_utc.import_price_per_kwh)


def test_pge_15_min_odd_start_on_peak_edge():
    # 15:52 PST -> steps 15:52-16:07 (8 min part-peak, 7 min peak), 16:07-16:22 peak
    spec = load_scheme("pge-ev2a").prices(
        grid("2025-01-15T23:52:00Z", 2, 15, "America/Los_Angeles")
    )
    np.testing.assert_allclose(
        spec.import_price_per_kwh, [(8 * PGE_WINTER[0] + 7 * PGE_WINTER[1]) / 15, PGE_WINTER[1]]
    )


# ------------------------------------------------------------------------------------------------
# agile (published half-hourly series 2022-23)
# ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def agile_rows():
    return (
        raw_column(AGILE_FILE, "import_price_gbp_per_kwh"),
        raw_column(AGILE_FILE, "export_price_gbp_per_kwh"),
    )


def half_hours(start: str, n: int) -> list[str]:
    times = pd.date_range(pd.Timestamp(start), periods=n, freq="30min")
    return [t.strftime("%Y-%m-%dT%H:%M:%SZ") for t in times]


@pytest.mark.parametrize(
    ("date", "first_utc", "n"),
    [
        ("2023-01-16", "2023-01-16T00:00:00Z", 48),
        ("2023-03-26", "2023-03-26T00:00:00Z", 46),
        ("2023-10-29", "2023-10-28T23:00:00Z", 50),
    ],
)
def test_agile_series_30_60_15(agile_rows, date, first_utc, n):
    imp, exp = agile_rows
    keys = half_hours(first_utc, n)
    frame = day("agile", date)
    assert len(frame) == n
    np.testing.assert_allclose(frame.import_price_per_kwh, [imp[k] for k in keys])
    np.testing.assert_allclose(frame.export_price_per_kwh, [exp[k] for k in keys])
    hourly = day("agile", date, 60)
    np.testing.assert_allclose(
        hourly.import_price_per_kwh,
        [(imp[keys[2 * i]] + imp[keys[2 * i + 1]]) / 2 for i in range(n // 2)],
    )
    quarter = day("agile", date, 15)
    np.testing.assert_allclose(quarter.import_price_per_kwh, np.repeat([imp[k] for k in keys], 2))


def test_agile_odd_minute_start_and_negative_prices_pass_through(agile_rows):
    imp, exp = agile_rows
    # 2022-11-10T23:30Z is -0.0316 and 2022-11-11T00:00Z is -0.0406 (negative import)
    g = grid("2022-11-10T23:37:00Z", 2)
    spec = load_scheme("agile").prices(g)
    k = half_hours("2022-11-10T23:30:00Z", 3)
    np.testing.assert_allclose(
        spec.import_price_per_kwh,
        [(23 * imp[k[0]] + 7 * imp[k[1]]) / 30, (23 * imp[k[1]] + 7 * imp[k[2]]) / 30],
    )
    assert spec.import_price_per_kwh[0] < 0


def test_agile_outside_series_names_file_and_field():
    with pytest.raises(ScenarioError) as info:
        load_scheme("agile").prices(grid("2023-12-20T12:00:00Z", 48))
    message = str(info.value)
    assert "agile_gb_import_export_2022-11-01_2023-12-20.csv" in message
    assert "tariff.import.series" in message
    assert "covering the horizon" in message


# ------------------------------------------------------------------------------------------------
# agile-18-02-21 (region A series)
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("date", "first_utc", "n"),
    [
        ("2019-06-12", "2019-06-11T23:00:00Z", 48),
        ("2019-03-31", "2019-03-31T00:00:00Z", 46),
        ("2019-10-27", "2019-10-26T23:00:00Z", 50),
    ],
)
def test_agile_region_a(date, first_utc, n):
    imp = raw_column(AGILE_A_FILE, "import_price_gbp_per_kwh")
    keys = half_hours(first_utc, n)
    frame = day("agile-18-02-21", date)
    np.testing.assert_allclose(frame.import_price_per_kwh, [imp[k] for k in keys])
    assert np.all(frame.export_price_per_kwh == 0.0)
    hourly = day("agile-18-02-21", date, 60)
    np.testing.assert_allclose(
        hourly.import_price_per_kwh,
        [(imp[keys[2 * i]] + imp[keys[2 * i + 1]]) / 2 for i in range(n // 2)],
    )


# ------------------------------------------------------------------------------------------------
# agile-day-ahead: import = 1.05 min(2.2 W + 0.12 [16-19], 0.5238); export = max(0.95 W + 0.0109
# + 0.0704 [16-19], 0); W = EUR/MWh x 0.87 / 1000
# ------------------------------------------------------------------------------------------------


def agile_import(w_eur_mwh: float, peak: bool) -> float:
    return 1.05 * min(2.2 * w_eur_mwh * 0.87 / 1000 + (0.12 if peak else 0.0), 0.5238)


def agile_export(w_eur_mwh: float, peak: bool) -> float:
    return max(0.95 * w_eur_mwh * 0.87 / 1000 + 0.0109 + (0.0704 if peak else 0.0), 0.0)


def test_agile_day_ahead_spring_dst_day_hourly():
    w = raw_column(GB_DA_FILE, "price_eur_per_mwh")
    frame = day("agile-day-ahead", "2023-03-26", 60)
    assert len(frame) == 23
    hours = pd.date_range("2023-03-26T00:00:00Z", periods=23, freq="1h")
    local = hours.tz_convert("Europe/London").hour
    expected_imp = [
        agile_import(w[t.strftime("%Y-%m-%dT%H:%M:%SZ")], 16 <= h < 19)
        for t, h in zip(hours, local, strict=True)
    ]
    expected_exp = [
        agile_export(w[t.strftime("%Y-%m-%dT%H:%M:%SZ")], 16 <= h < 19)
        for t, h in zip(hours, local, strict=True)
    ]
    np.testing.assert_allclose(frame.import_price_per_kwh, expected_imp)
    np.testing.assert_allclose(frame.export_price_per_kwh, expected_exp)
    # the peak adder lands on 16:00-19:00 BST = 15:00Z-18:00Z: W(15:00Z) = 115.65
    assert frame.import_price_per_kwh.iloc[15] == pytest.approx(
        1.05 * (2.2 * 115.65 * 0.87 / 1000 + 0.12)
    )
    assert frame.import_price_per_kwh.iloc[14] == pytest.approx(1.05 * 2.2 * 96.43 * 0.87 / 1000)


def test_agile_day_ahead_held_on_15min_and_cap_binds():
    # 2023-01-02 17:00Z (GMT, peak): W = 279.81 -> 2.2 W' + 0.12 = 0.6555 > cap 0.5238
    g = grid("2023-01-02T16:45:00Z", 5, 15)
    spec = load_scheme("agile-day-ahead").prices(g)
    w16, w17 = 243.37, 279.81
    assert spec.import_price_per_kwh[0] == pytest.approx(agile_import(w16, True))
    np.testing.assert_allclose(spec.import_price_per_kwh[1:], [1.05 * 0.5238] * 4)
    np.testing.assert_allclose(spec.export_price_per_kwh[1:], [agile_export(w17, True)] * 4)


def test_agile_day_ahead_negative_wholesale_import_negative_export_floored():
    # 2023-07-02 02:00Z W = -34.14: import negative (passes through), export floored at 0 by the tariff
    spec = load_scheme("agile-day-ahead").prices(grid("2023-07-02T02:00:00Z", 1, 60))
    assert spec.import_price_per_kwh[0] == pytest.approx(1.05 * 2.2 * -34.14 * 0.87 / 1000)
    assert spec.import_price_per_kwh[0] < 0
    assert spec.export_price_per_kwh[0] == 0.0


def test_agile_day_ahead_odd_minute_half_hour_steps_across_peak_edge():
    # 2023-03-26 14:52Z-15:22Z: 8 min at W(14:00Z)=96.43 off-peak, 22 min at W(15:00Z)=115.65 peak
    spec = load_scheme("agile-day-ahead").prices(grid("2023-03-26T14:52:00Z", 1))
    expected = (8 * agile_import(96.43, False) + 22 * agile_import(115.65, True)) / 30
    assert spec.import_price_per_kwh[0] == pytest.approx(expected)


def test_agile_day_ahead_fx_override():
    scheme = load_scheme("agile-day-ahead")
    spec = scheme.prices(grid("2023-07-02T02:00:00Z", 1, 60), fx_rate=1.0)
    assert spec.import_price_per_kwh[0] == pytest.approx(1.05 * 2.2 * -34.14 / 1000)


# ------------------------------------------------------------------------------------------------
# flanders-capacity: 1.06 (W/1000 + 0.14) EUR/kWh, 48.8 EUR/kW-year on the monthly peak, floor 2.5 kW
# ------------------------------------------------------------------------------------------------


def test_flanders_energy_price_on_brussels_spring_dst_day():
    w = raw_column(DE_DA_FILE, "price_eur_per_mwh")
    frame = day("flanders-capacity", "2024-03-31", 60)
    assert len(frame) == 23
    # local midnight CET = 2024-03-30T23:00Z; each step is one UTC hour
    hours = pd.date_range("2024-03-30T23:00:00Z", periods=23, freq="1h")
    expected = [1.06 * (w[t.strftime("%Y-%m-%dT%H:%M:%SZ")] / 1000 + 0.14) for t in hours]
    np.testing.assert_allclose(frame.import_price_per_kwh, expected)
    assert frame.import_price_per_kwh.iloc[0] == pytest.approx(1.06 * (75.70 / 1000 + 0.14))


def test_flanders_demand_charge_pro_rata_and_masks():
    scheme = load_scheme("flanders-capacity")
    # 2024-03-31 (23-hour day in Brussels): one day of March, whose length is 31 x 24 - 1 = 743 h
    frame = scheme.day_prices("2024-03-31", 15)
    (charge,) = frame.attrs["demand_charges"]
    assert charge.name == "2024-03"
    assert charge.rate_per_kw == pytest.approx(48.8 / 12 * 23 / 743)
    assert charge.floor_kw == 2.5
    assert charge.step_mask.all() and len(charge.step_mask) == 92
    # 2024-10-31 18:00 CET to 2024-11-01 06:00 CET: two billing months, masks split at local midnight
    g = grid("2024-10-31T17:00:00Z", 12, 60, "Europe/Brussels")
    spec = scheme.prices(g, month_peak_so_far_kw=4.0)
    october, november = spec.demand_charges
    assert (october.name, november.name) == ("2024-10", "2024-11")
    np.testing.assert_array_equal(october.step_mask, [True] * 6 + [False] * 6)
    np.testing.assert_array_equal(november.step_mask, [False] * 6 + [True] * 6)
    # October 2024 has 31 x 24 + 1 = 745 h (clock back on the 27th); November 720 h
    assert october.rate_per_kw == pytest.approx(48.8 / 12 * 6 / 745)
    assert november.rate_per_kw == pytest.approx(48.8 / 12 * 6 / 720)
    # the peak already metered raises the first month's floor only
    assert (october.floor_kw, november.floor_kw) == (4.0, 2.5)


def test_flanders_demand_mask_with_odd_minute_steps():
    # 30-min steps from 2024-10-31T22:52Z (23:52 CET): step 0 straddles midnight -> in both months
    spec = load_scheme("flanders-capacity").prices(
        grid("2024-10-31T22:52:00Z", 2, 30, "Europe/Brussels")
    )
    october, november = spec.demand_charges
    np.testing.assert_array_equal(october.step_mask, [True, False])
    np.testing.assert_array_equal(november.step_mask, [True, True])
    assert october.rate_per_kw == pytest.approx(48.8 / 12 * 8 / (745 * 60))
    assert november.rate_per_kw == pytest.approx(48.8 / 12 * 52 / (720 * 60))


# ------------------------------------------------------------------------------------------------
# scenario [tariff] tables
# ------------------------------------------------------------------------------------------------


def test_table_with_export_scheme_and_standing_override(tmp_path):
    g = grid("2025-01-15T00:00:00Z", 48)
    spec = tariff_from_table(
        {"scheme": "octopus-go", "export_scheme": "outgoing-fixed", "standing_charge_per_day": 0.4},
        g,
        tmp_path,
        currency="GBP",
    )
    assert spec.import_price_per_kwh[1] == GO_NIGHT
    assert np.all(spec.export_price_per_kwh == 0.15)
    assert spec.standing_charge_cost == pytest.approx(0.4)


def test_table_series_file_relative_to_base_dir(tmp_path):
    index = pd.date_range("2025-01-15T00:00:00Z", periods=4, freq="30min")
    frame = pd.DataFrame(
        {
            "timestamp_utc": index.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "import_price_gbp_per_kwh": [0.10, -0.05, 0.30, 0.20],
        }
    )
    frame.to_csv(tmp_path / "my_agile.csv", index=False)
    spec = tariff_from_table(
        {"scheme": "agile", "import_series_csv": "my_agile.csv", "export_scheme": "outgoing-fixed"},
        grid("2025-01-15T00:00:00Z", 2, 60),
        tmp_path,
    )
    np.testing.assert_allclose(spec.import_price_per_kwh, [0.025, 0.25])
    np.testing.assert_allclose(spec.export_price_per_kwh, [0.15, 0.15])


def test_table_series_in_mwh_is_converted_by_column_name(tmp_path):
    index = pd.date_range("2025-01-15T00:00:00Z", periods=2, freq="1h")
    pd.DataFrame(
        {"timestamp_utc": index.strftime("%Y-%m-%dT%H:%M:%SZ"), "price_gbp_per_mwh": [100.0, -20.0]}
    ).to_csv(tmp_path / "w.csv", index=False)
    spec = tariff_from_table(
        {"scheme": "agile", "import_series_csv": "w.csv", "export_scheme": "outgoing-fixed"},
        grid("2025-01-15T00:00:00Z", 2, 60),
        tmp_path,
    )
    np.testing.assert_allclose(spec.import_price_per_kwh, [0.1, -0.02])


def test_table_problems_all_listed(tmp_path):
    with pytest.raises(ScenarioError) as info:
        tariff_from_table(
            {
                "scheme": "no-such-scheme",
                "fx_rate": "high",
                "import_series_csv": "absent.csv",
                "colour": 1,
            },
            grid("2025-01-15T00:00:00Z", 2),
            tmp_path,
        )
    fields = info.value.fields
    assert {"tariff.scheme", "tariff.fx_rate", "tariff.import_series_csv", "tariff.colour"} <= set(
        fields
    )
    assert "octopus-go" in str(info.value)  # the known names are listed


def test_table_currency_mismatch(tmp_path):
    with pytest.raises(ScenarioError, match="USD"):
        tariff_from_table(
            {"scheme": "pge-ev2a"}, grid("2025-01-15T00:00:00Z", 2), tmp_path, currency="GBP"
        )


def test_series_override_on_window_scheme_is_an_error(tmp_path):
    (tmp_path / "x.csv").write_text("timestamp_utc,p_per_kwh\n2025-01-15T00:00:00Z,0.1\n")
    with pytest.raises(ScenarioError, match="import_series_csv"):
        tariff_from_table(
            {"scheme": "octopus-go", "import_series_csv": "x.csv"},
            grid("2025-01-15T00:00:00Z", 2),
            tmp_path,
        )


# ------------------------------------------------------------------------------------------------
# bad scheme files
# ------------------------------------------------------------------------------------------------

GOOD_HEAD = """schema_version = 1
name = "{name}"
currency = "GBP"
timezone = "Europe/London"
valid_from = "2025-01-01"
sources = ["https://example.org/tariff"]
standing_charge_per_day = 0.5
"""


def write_scheme(tmp_path: Path, body: str, name: str = "bad") -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(GOOD_HEAD.format(name=name) + body)
    return path


def scheme_error(path: Path) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        load_scheme(path)
    assert str(path) in str(info.value)
    return info.value


def test_overlapping_windows(tmp_path):
    path = write_scheme(
        tmp_path,
        """
[[import.window]]
start = "00:00"
end = "08:00"
price_per_kwh = 0.1
[[import.window]]
start = "07:00"
end = "24:00"
price_per_kwh = 0.3
""",
    )
    error = scheme_error(path)
    assert error.fields == ["import.window"]
    assert "07:00-08:00" in str(error) and "overlap" in str(error)
    assert "import.window[0]" in str(error) and "import.window[1]" in str(error)


def test_missing_window(tmp_path):
    path = write_scheme(
        tmp_path,
        """
[[import.window]]
start = "00:00"
end = "07:00"
price_per_kwh = 0.1
[[import.window]]
start = "08:00"
end = "24:00"
months = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
price_per_kwh = 0.3
""",
    )
    error = scheme_error(path)
    assert error.fields == ["import.window"]
    assert "07:00-08:00 on mon in jan" in str(error)
    assert "covering every minute" in str(error)


def test_missing_window_by_season(tmp_path):
    path = write_scheme(
        tmp_path,
        """
[[import.window]]
start = "00:00"
end = "24:00"
months = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
price_per_kwh = 0.1
""",
    )
    assert "00:00-24:00 on mon in dec" in str(scheme_error(path))


def test_rate_not_a_number(tmp_path):
    path = write_scheme(
        tmp_path,
        """
[[import.window]]
start = "00:00"
end = "24:00"
price_per_kwh = "cheap"
""",
    )
    error = scheme_error(path)
    assert error.fields == ["import.window[0].price_per_kwh"]
    assert "a number" in str(error)


@pytest.mark.parametrize("price", [27.69, 95.0, -120.0])
def test_price_in_pence_or_per_mwh_rejected_by_magnitude(tmp_path, price):
    path = write_scheme(tmp_path, f"\n[import]\nprice_per_kwh = {price}\n")
    error = scheme_error(path)
    assert error.fields == ["import.price_per_kwh"]
    assert "per MWh" in str(error)


def test_standing_charge_in_pence_rejected(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(
        GOOD_HEAD.format(name="bad").replace("0.5\n", "54.75\n")
        + "\n[import]\nprice_per_kwh = 0.27\n"
    )
    error = scheme_error(path)
    assert error.fields == ["standing_charge_per_day"]


def test_series_per_mwh_where_per_kwh_expected(tmp_path):
    (tmp_path / "prices.csv").write_text(
        "timestamp_utc,price_gbp_per_kwh\n2025-01-15T00:00:00Z,85.0\n2025-01-15T00:30:00Z,90.0\n"
    )
    path = write_scheme(
        tmp_path, '\n[import.series]\nfile = "' + str(tmp_path / "prices.csv") + '"\n'
    )
    scheme = load_scheme(path)
    with pytest.raises(ScenarioError) as info:
        scheme.prices(grid("2025-01-15T00:00:00Z", 2))
    assert "prices.csv" in str(info.value) and "per MWh" in str(info.value)
    assert info.value.fields == ["tariff.import.series"]


def test_series_not_covering_the_horizon(tmp_path):
    (tmp_path / "prices.csv").write_text(
        "timestamp_utc,price_gbp_per_kwh\n2025-01-15T00:00:00Z,0.2\n2025-01-15T00:30:00Z,0.3\n"
    )
    path = write_scheme(
        tmp_path, '\n[import.series]\nfile = "' + str(tmp_path / "prices.csv") + '"\n'
    )
    with pytest.raises(ScenarioError) as info:
        load_scheme(path).prices(grid("2025-01-15T00:00:00Z", 3))
    assert "prices.csv" in str(info.value) and "covering the horizon" in str(info.value)


def test_unknown_scheme_name():
    with pytest.raises(ScenarioError) as info:
        load_scheme("octopus-goo")
    assert info.value.fields == ["tariff.scheme"]
    assert "octopus-go" in str(info.value)


def test_many_problems_listed_together(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(
        """schema_version = 2
name = "other"
currency = "pounds"
timezone = "Europe/Londres"
valid_from = "soon"
sources = []
standing_charge_per_day = 0.5
colour = "red"

[import]
price_per_kwh = 0.2
window = []
"""
    )
    error = scheme_error(path)
    assert set(error.fields) >= {
        "schema_version",
        "name",
        "currency",
        "timezone",
        "valid_from",
        "sources",
        "colour",
        "import",
    }


def test_bad_window_times(tmp_path):
    path = write_scheme(
        tmp_path,
        """
[[import.window]]
start = "7am"
end = "25:00"
price_per_kwh = 0.1
days = ["funday"]
""",
    )
    error = scheme_error(path)
    assert {"import.window[0].start", "import.window[0].end", "import.window[0].days"} <= set(
        error.fields
    )


def test_weekday_weekend_windows(tmp_path):
    path = write_scheme(
        tmp_path,
        """
[[import.window]]
start = "00:00"
end = "24:00"
days = ["weekday"]
price_per_kwh = 0.3
[[import.window]]
start = "00:00"
end = "24:00"
days = ["weekend"]
price_per_kwh = 0.1
""",
    )
    # Friday 2025-01-17 23:00 GMT to Saturday 01:00: 2 steps weekday, 2 weekend
    spec = load_scheme(path).prices(grid("2025-01-17T23:00:00Z", 4))
    np.testing.assert_allclose(spec.import_price_per_kwh, [0.3, 0.3, 0.1, 0.1])


def test_invalid_toml_names_file(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("name = \n")
    scheme_error(path)


# ------------------------------------------------------------------------------------------------
# data location in an installed package
# ------------------------------------------------------------------------------------------------


def test_data_dir_prefers_package_data(tmp_path):
    package = tmp_path / "planner"
    shutil.copytree(ROOT / "planner", package, ignore=shutil.ignore_patterns("__pycache__"))
    (package / "_data").mkdir()
    shutil.copytree(ROOT / "data" / "tariffs", package / "_data" / "tariffs")
    # without shipped price series every scheme still loads; a dynamic one says which file is missing
    code = (
        "from planner.inputs.tariffs import scheme as tariffs; print(tariffs.data_dir('tariffs')); "
        "print(len([tariffs.load_scheme(n) for n in tariffs.list_schemes()]))\n"
        "from planner.timegrid import TimeGrid; import pandas as pd\n"
        "try:\n"
        "    tariffs.load_scheme('agile').prices(TimeGrid(pd.Timestamp('2023-01-16', tz='UTC'), 30, 2))\n"
        "except tariffs.ScenarioError as exc:\n"
        "    print('missing' if 'existing CSV file' in str(exc) else exc)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout.split()
    assert Path(out[0]) == (package / "_data" / "tariffs").resolve()
    assert int(out[1]) == len(SHIPPED)
    assert out[2] == "missing"


# ------------------------------------------------------------------------------------------------
# command line
# ------------------------------------------------------------------------------------------------


def test_cli_tariffs_list(capsys):
    from planner.cli.main import main

    assert main(["tariffs", "list"]) == 0
    out = capsys.readouterr().out
    assert [line.split()[0] for line in out.strip().splitlines()] == sorted(SHIPPED)


def test_cli_tariffs_show_dst_day(capsys):
    from planner.cli.main import main

    assert main(["tariffs", "show", "octopus-go", "--date", "2025-03-30"]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("  2025-03-30")]
    assert len(rows) == 46
    assert rows[1].split()[-2:] == ["0.0500", "0.0000"]  # 00:30 GMT
    assert rows[2].split()[1:3] == ["02:00", "BST"]
    assert "unconfirmed" in out and "standing charge 0.5337" in out


def test_cli_tariffs_show_unknown_and_uncovered(capsys):
    from planner.cli.main import main

    assert main(["tariffs", "show", "octopus-goo"]) == 2
    assert "octopus-go" in capsys.readouterr().err
    assert main(["tariffs", "show", "agile", "--date", "2025-03-30"]) == 2
    assert "covering the horizon" in capsys.readouterr().err


# ------------------------------------------------------------------------------------------------
# the full matrix: every scheme x (ordinary, spring DST, autumn DST day) x (15, 30, 60 min) x
# (local midnight, odd-minute start), against a minute-by-minute reference written with datetime and
# zoneinfo and the rates typed in here (independent of planner.inputs.tariffs.scheme)
# ------------------------------------------------------------------------------------------------


def _minute(local: datetime) -> int:
    return local.hour * 60 + local.minute


def _key(utc: datetime, every_minutes: int) -> str:
    floored = utc - timedelta(minutes=utc.minute % every_minutes)
    return floored.strftime("%Y-%m-%dT%H:%M:00Z")


def _flux(local: datetime, cheap: float, day_rate: float, peak: float) -> float:
    m = _minute(local)
    return cheap if 120 <= m < 300 else peak if 960 <= m < 1140 else day_rate


def _pge(local: datetime) -> float:
    part, peak = PGE_SUMMER if local.month in (6, 7, 8, 9) else PGE_WINTER
    h = local.hour
    return PGE_OFF if h < 15 else peak if 16 <= h < 21 else part


_ROWS: dict[str, dict[str, float]] = {}


def _rows(path: Path, column: str) -> dict[str, float]:
    key = f"{path.name}:{column}"
    if key not in _ROWS:
        _ROWS[key] = raw_column(path, column)
    return _ROWS[key]


def _agile_da(utc: datetime, local: datetime, export: bool) -> float:
    w = _rows(GB_DA_FILE, "price_eur_per_mwh")[_key(utc, 60)]
    return (
        agile_export(w, 16 <= local.hour < 19) if export else agile_import(w, 16 <= local.hour < 19)
    )


# scheme -> (zone, (ordinary, spring, autumn) dates, import(utc, local), export(utc, local))
REFERENCE = {
    "flat-price-cap": (
        "Europe/London",
        ("2026-01-15", "2026-03-29", "2026-10-25"),
        lambda u, loc: 0.2769,
        lambda u, loc: 0.0,
    ),
    "economy7": (
        "Europe/London",
        ("2025-07-01", "2025-03-30", "2025-10-26"),
        lambda u, loc: E7_NIGHT if u.hour < 7 else E7_DAY,
        lambda u, loc: 0.0,
    ),
    "octopus-go": (
        "Europe/London",
        ("2025-01-15", "2025-03-30", "2025-10-26"),
        lambda u, loc: GO_NIGHT if 30 <= _minute(loc) < 270 else GO_DAY,
        lambda u, loc: 0.0,
    ),
    "intelligent-octopus-go": (
        "Europe/London",
        ("2025-01-15", "2025-03-30", "2025-10-26"),
        lambda u, loc: IOG_NIGHT if _minute(loc) >= 1410 or _minute(loc) < 330 else IOG_DAY,
        lambda u, loc: 0.0,
    ),
    "octopus-power-pack": (  # the car's charging rate is its own term (tests/model/test_ev_rate.py)
        "Europe/London",
        ("2026-01-15", "2026-03-29", "2026-10-25"),
        lambda u, loc: 0.2769,
        lambda u, loc: 0.0,
    ),
    "octopus-flux": (
        "Europe/London",
        ("2025-01-15", "2025-03-30", "2025-10-26"),
        lambda u, loc: _flux(loc, 0.2011, 0.3352, 0.4693),
        lambda u, loc: _flux(loc, 0.0911, 0.2252, 0.3593),
    ),
    "pge-ev2a": (
        "America/Los_Angeles",
        ("2025-07-15", "2025-03-09", "2025-11-02"),
        lambda u, loc: _pge(loc),
        lambda u, loc: 0.0,
    ),
    "agile": (
        "Europe/London",
        ("2023-01-16", "2023-03-26", "2023-10-29"),
        lambda u, loc: _rows(AGILE_FILE, "import_price_gbp_per_kwh")[_key(u, 30)],
        lambda u, loc: _rows(AGILE_FILE, "export_price_gbp_per_kwh")[_key(u, 30)],
    ),
    "agile-18-02-21": (
        "Europe/London",
        ("2019-06-12", "2019-03-31", "2019-10-27"),
        lambda u, loc: _rows(AGILE_A_FILE, "import_price_gbp_per_kwh")[_key(u, 30)],
        lambda u, loc: 0.0,
    ),
    "agile-day-ahead": (
        "Europe/London",
        ("2023-06-12", "2023-03-26", "2023-10-29"),
        lambda u, loc: _agile_da(u, loc, False),
        lambda u, loc: _agile_da(u, loc, True),
    ),
    "flanders-capacity": (
        "Europe/Brussels",
        ("2024-06-12", "2024-03-31", "2024-10-27"),
        lambda u, loc: 1.06 * (_rows(DE_DA_FILE, "price_eur_per_mwh")[_key(u, 60)] / 1000 + 0.14),
        lambda u, loc: 0.0,
    ),
}

MATRIX = [
    (name, kind, step, odd)
    for name in REFERENCE
    for kind in range(3)
    for step in (15, 30, 60)
    for odd in (False, True)
]


def test_matrix_covers_every_scheme_with_import_prices():
    assert set(REFERENCE) == SHIPPED - {"outgoing-fixed"}


@pytest.mark.parametrize(
    ("name", "kind", "step", "odd"),
    MATRIX,
    ids=[
        f"{n}-{('ordinary', 'spring', 'autumn')[k]}-{s}min{'-odd' if o else ''}"
        for n, k, s, o in MATRIX
    ],
)
def test_matrix_against_minute_reference(name, kind, step, odd):
    zone, dates, import_at, export_at = REFERENCE[name]
    tz = ZoneInfo(zone)
    y, mo, d = (int(x) for x in dates[kind].split("-"))
    midnight = datetime(y, mo, d, tzinfo=tz).astimezone(UTC)
    next_midnight = (datetime(y, mo, d, tzinfo=tz) + timedelta(days=1)).astimezone(UTC)
    minutes = int((next_midnight - midnight).total_seconds() // 60)
    assert minutes == (1440, 1380, 1500)[kind]
    start = midnight + timedelta(minutes=7 if odd else 0)
    steps = minutes // step - (1 if odd else 0)
    g = TimeGrid(pd.Timestamp(start), step, steps, zone)
    spec = load_scheme(name).prices(g)
    expected_imp, expected_exp = [], []
    for k in range(steps):
        imp = exp = 0.0
        for j in range(step):
            u = start + timedelta(minutes=k * step + j)
            loc = u.astimezone(tz)
            imp += import_at(u, loc)
            exp += export_at(u, loc)
        expected_imp.append(imp / step)
        expected_exp.append(exp / step)
    np.testing.assert_allclose(spec.import_price_per_kwh, expected_imp, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(spec.export_price_per_kwh, expected_exp, rtol=1e-12, atol=1e-12)
    # standing charge: the covered share of the local day (plus 7 min of the next day when odd)
    daily = version_on(load_scheme(name), pd.Timestamp(start).tz_convert(zone).date())[0].standing_charge_per_day
    if name == "economy7":  # billing days of a GMT meter are UTC days
        expected_standing = daily * steps * step / 1440
    else:
        covered = steps * step
        inside = min(covered, minutes - (7 if odd else 0))
        expected_standing = daily * (inside / minutes + (covered - inside) / 1440)
    assert spec.standing_charge_cost == pytest.approx(expected_standing, rel=1e-12)
