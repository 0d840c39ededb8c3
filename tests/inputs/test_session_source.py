"""Sessions for a long period: a sessions CSV and weekly patterns, in a plan's horizon and over a compare
period; bad files and patterns name the file, the row and the field."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import planner
from planner.jobs.compare import compare_tariffs
from planner.jobs.compare_site import site_from_scenario

HOME = """
schema_version = 1
name = "pattern-home"
currency = "GBP"
[horizon]
start = "{start}"
hours = 48
step_minutes = 30
timezone = "Europe/London"
[tariff]
import_price_per_kwh = 0.25
[load]
csv = "series.csv"
column = "load_kw"
[solar]
csv = "series.csv"
column = "pv_kw"
[[vehicle]]
name = "car"
capacity_kwh = 60.0
soc_min_kwh = 6.0
charge_max_kw = 7.0
eta_charge = 0.9
{sessions}
"""
WEEKDAYS = """[[vehicle.weekly]]
days = ["mon", "tue", "wed", "thu", "fri"]
plug_in = "18:00"
depart = "07:30"
depart_soc_min_kwh = 48.0
drive_kwh = 10.0
"""


def _home(folder: Path, sessions: str, start: str = "2023-03-20T00:00:00+00:00", days: int = 40) -> Path:
    """A home with a constant 0.5 kW load and no PV from 2023-03-01 for ``days`` days (test input)."""
    folder.mkdir(parents=True, exist_ok=True)
    index = pd.date_range("2023-03-01", periods=days * 48, freq="30min", tz="UTC")
    pd.DataFrame({"timestamp_utc": index.strftime("%Y-%m-%dT%H:%M:%SZ"), "load_kw": 0.5, "pv_kw": 0.0}).to_csv(
        folder / "series.csv", index=False)
    path = folder / "home.toml"
    path.write_text(HOME.format(start=start, sessions=sessions), encoding="utf-8")
    return path


def test_csv_sessions_in_the_horizon_arrive_with_the_previous_target_minus_their_driving(tmp_path: Path) -> None:
    (tmp_path / "h").mkdir()
    (tmp_path / "h" / "sessions.csv").write_text(
        "arrive,depart,depart_soc_min_kwh,drive_kwh,arrive_soc_kwh\n"
        "2023-03-18T18:00:00+00:00,2023-03-19T07:00:00+00:00,50.0,8.0,\n"
        "2023-03-20T18:00:00+00:00,2023-03-21T07:00:00+00:00,45.0,12.0,\n"
        "2023-03-21T19:00:00+00:00,2023-03-22T07:00:00+00:00,45.0,,20.0\n"
        "2023-03-24T18:00:00+00:00,2023-03-25T07:00:00+00:00,45.0,9.0,\n", encoding="utf-8")
    scenario = planner.load_scenario(_home(tmp_path / "h", 'sessions_csv = "sessions.csv"'))
    sessions = scenario.vehicles[0].sessions
    assert [s.arrive.isoformat() for s in sessions] == ["2023-03-20T18:00:00+00:00", "2023-03-21T19:00:00+00:00"]
    assert sessions[0].arrive_soc_kwh == pytest.approx(50.0 - 12.0)  # the previous row's target minus driving
    assert sessions[1].arrive_soc_kwh == pytest.approx(20.0)
    assert len(scenario.vehicles[0].session_source.rows) == 4
    result = planner.plan(scenario)
    planner.verify(scenario, result)
    assert result.shortfalls[0]["soc_kwh"] == pytest.approx(45.0, abs=1e-6)


def test_weekly_pattern_follows_local_time_across_the_clock_change(tmp_path: Path) -> None:
    """Weekdays 18:00-07:30 Europe/London: 18:00 UTC before 26 March 2023, 17:00 UTC after."""
    scenario = planner.load_scenario(_home(tmp_path, WEEKDAYS, start="2023-03-24T00:00:00+00:00"))
    source = scenario.vehicles[0].session_source
    got = source.between(pd.Timestamp("2023-03-22", tz="UTC"), pd.Timestamp("2023-03-30", tz="UTC"))
    arrivals = [s.arrive.isoformat() for s in got]
    assert arrivals == ["2023-03-21T18:00:00+00:00", "2023-03-22T18:00:00+00:00", "2023-03-23T18:00:00+00:00",
                        "2023-03-24T18:00:00+00:00", "2023-03-27T17:00:00+00:00", "2023-03-28T17:00:00+00:00",
                        "2023-03-29T17:00:00+00:00"]
    assert got[3].depart.isoformat() == "2023-03-25T07:30:00+00:00"  # Friday night to Saturday morning
    assert [s.arrive.isoformat() for s in scenario.vehicles[0].sessions] == ["2023-03-23T18:00:00+00:00",
                                                                               "2023-03-24T18:00:00+00:00"]


def test_a_compare_period_takes_every_pattern_session_and_meets_them(tmp_path: Path) -> None:
    """14 days from Monday 20 March: 10 weekday sessions; charging on arrival meets every target, and the
    energy charged is the driving the sessions used (recomputed)."""
    path = _home(tmp_path, WEEKDAYS)
    site = site_from_scenario(path, "2023-03-20", 14, history_days=0)
    sessions = site.sessions["car"]
    inside = [s for s in sessions if pd.Timestamp("2023-03-20", tz="Europe/London") <= s.arrive
              < pd.Timestamp("2023-04-03", tz="Europe/London")]
    assert len(inside) == 10 and all(s.drive_kwh == 10.0 for s in inside)
    result = compare_tariffs(site, ["flat-price-cap"], ["charge_on_arrival"], start="2023-03-20", days=14,
                             forecast="perfect")
    row = result.table.iloc[0]
    assert row["unmet_departure_kwh"] == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize(("content", "field", "expected"), [
    ("arrive,depart,depart_soc_min_kwh,drive_kwh\n2023-03-20T18:00:00,2023-03-21T07:00:00+00:00,45,10\n",
     "sessions.csv row 2).arrive", "tz-aware"),
    ("arrive,depart,depart_soc_min_kwh,drive_kwh\n2023-03-20T18:00:00+00:00,2023-03-20T07:00:00+00:00,45,10\n",
     "sessions.csv row 2).depart", "a time after arrive"),
    ("arrive,depart,depart_soc_min_kwh,drive_kwh\n2023-03-20T18:00:00+00:00,2023-03-21T07:00:00+00:00,45,10\n"
     "2023-03-21T06:00:00+00:00,2023-03-21T09:00:00+00:00,45,10\n", "sessions.csv row 3).arrive", "must not overlap"),
    ("arrive,depart,depart_soc_min_kwh,drive_kwh\n2023-03-20T18:00:00+00:00,2023-03-21T07:00:00+00:00,-5,10\n",
     "sessions.csv row 2).depart_soc_min_kwh", ">= 0"),
    ("arrive,depart,depart_soc_min_kwh\n2023-03-20T18:00:00+00:00,2023-03-21T07:00:00+00:00,45\n",
     "vehicle[0].sessions_csv", "arrive_soc_kwh, drive_kwh or drive_km"),
])
def test_bad_session_files_name_file_row_and_field(tmp_path: Path, content: str, field: str, expected: str) -> None:
    path = _home(tmp_path, 'sessions_csv = "sessions.csv"')
    (tmp_path / "sessions.csv").write_text(content, encoding="utf-8")
    with pytest.raises(planner.ScenarioError) as err:
        planner.load_scenario(path)
    text = str(err.value)
    assert field in text and expected in text, text


@pytest.mark.parametrize(("pattern", "field"), [
    (WEEKDAYS.replace('"fri"]', '"fry"]'), "vehicle[0].weekly[0].days"),
    (WEEKDAYS.replace('"18:00"', '"25:00"'), "vehicle[0].weekly[0].plug_in"),
    (WEEKDAYS.replace("drive_kwh = 10.0", ""), "vehicle[0].weekly[0].arrive_soc_kwh"),
    (WEEKDAYS.replace("depart_soc_min_kwh = 48.0", ""), "vehicle[0].weekly[0].depart_soc_min_kwh"),
])
def test_bad_patterns_name_the_field(tmp_path: Path, pattern: str, field: str) -> None:
    with pytest.raises(planner.ScenarioError) as err:
        planner.load_scenario(_home(tmp_path, pattern))
    assert field in str(err.value)


def test_a_year_of_pattern_sessions(tmp_path: Path) -> None:
    """A year of weekday evenings: 260 sessions in 2023, each 13.5 h, local 18:00 in both winter and summer."""
    path = _home(tmp_path, WEEKDAYS)
    source = planner.load_scenario(path).vehicles[0].session_source
    year = source.between(pd.Timestamp("2023-01-01", tz="Europe/London"), pd.Timestamp("2024-01-01", tz="Europe/London"))
    year = [s for s in year if s.arrive >= pd.Timestamp("2023-01-01", tz="Europe/London")]
    assert len(year) == 260
    hours = np.array([(s.depart - s.arrive) / pd.Timedelta(hours=1) for s in year])
    assert set(np.round(hours, 6)) <= {13.5, 12.5, 14.5}  # a clock change in the night shortens or stretches one
    assert {s.arrive.tz_convert("Europe/London").strftime("%H:%M") for s in year} == {"18:00"}


def test_pattern_distance_with_the_vehicles_efficiency_gives_energy_and_cost_per_100km(tmp_path: Path) -> None:
    """``drive_km = 40`` with ``km_per_kwh = 5`` is 8 kWh a weekday. Over 14 days from Monday 20 March (10
    weekday sessions, the first one's drive before the period) ``compare`` counts the driving energy and,
    without ``--km-per-kwh``, prices it per 100 km with the vehicle's own efficiency:
    cost_per_100km = net cost / (drive kWh x 5 / 100)."""
    pattern = WEEKDAYS.replace("drive_kwh = 10.0", "drive_km = 40.0")
    path = _home(tmp_path, "km_per_kwh = 5.0\n" + pattern)
    scenario = planner.load_scenario(path)
    assert scenario.vehicles[0].km_per_kwh == 5.0
    site = site_from_scenario(path, "2023-03-20", 14, history_days=0)
    inside = [s for s in site.sessions["car"] if pd.Timestamp("2023-03-20", tz="Europe/London") <= s.arrive
              < pd.Timestamp("2023-04-03", tz="Europe/London")]
    assert all(s.drive_kwh == pytest.approx(8.0) for s in inside)
    result = compare_tariffs(site, ["flat-price-cap"], ["charge_on_arrival"], start="2023-03-20", days=14,
                             forecast="perfect")
    row = result.table.iloc[0]
    drive = result.results[("flat-price-cap", "charge_on_arrival")].totals["drive_kwh"]
    assert drive == pytest.approx(8.0 * 10, abs=8.0 + 1e-6)  # the sessions' driving in the period
    assert row["cost_per_100km"] == pytest.approx(row["net_cost"] / (drive * 5.0 / 100.0))


def test_distance_without_an_efficiency_names_the_field(tmp_path: Path) -> None:
    pattern = WEEKDAYS.replace("drive_kwh = 10.0", "drive_km = 40.0")
    with pytest.raises(planner.ScenarioError) as err:
        planner.load_scenario(_home(tmp_path, pattern))
    assert "vehicle[0].weekly[0].drive_km" in str(err.value) and "km_per_kwh" in str(err.value)
