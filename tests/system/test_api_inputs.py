"""pandas and numpy inputs, JSON in and out, scenarios on stdin, tz-aware schedules across a clock change,
and the silent traps that became errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import planner
from planner.inputs.scenario import scenario_from_dict

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "data/examples/leaf-xstorage.toml"
N = 48


def _raw(imp, load, solar=None, start="2023-01-16T00:00:00Z", hours=24) -> dict:
    raw = {
        "schema_version": 1, "name": "pandas-home", "currency": "GBP",
        "horizon": {"start": start, "hours": hours, "step_minutes": 30, "timezone": "Europe/London"},
        "grid": {"import_limit_kw": 10, "export_limit_kw": 5},
        "tariff": {"import_price_per_kwh": imp, "export_price_per_kwh": 0.05},
        "load": {"kw": load},
        "battery": [{"name": "b", "capacity_kwh": 8, "soc_kwh": 4, "soc_min_kwh": 0.5, "soc_max_kwh": 8,
                     "charge_max_kw": 3, "discharge_max_kw": 3, "eta_charge": 0.95, "eta_discharge": 0.95,
                     "degradation_cost_per_kwh": 0.02, "end_soc_min_kwh": 4}],
    }
    if solar is not None:
        raw["solar"] = {"kw": solar}
    return raw


PRICES = [0.12 + 0.2 * (17 <= (i // 2) < 20) + 0.01 * (i % 5) for i in range(N)]
LOAD = [0.3 + 0.05 * (i % 7) for i in range(N)]
SOLAR = [max(0.0, 2.5 * np.sin(np.pi * (i - 16) / 20)) if 16 <= i < 36 else 0.0 for i in range(N)]
GRID = pd.date_range("2023-01-16", periods=N, freq="30min", tz="UTC")


def test_series_and_arrays_plan_exactly_as_lists() -> None:
    as_lists = planner.plan(scenario_from_dict(_raw(PRICES, LOAD, SOLAR)))
    as_pandas = planner.plan(scenario_from_dict(_raw(
        pd.Series(PRICES, index=GRID.tz_convert("Asia/Tokyo")),  # any zone: the instants matter
        np.array(LOAD),
        pd.DataFrame({"pv_kw": SOLAR}, index=GRID),
    )))
    assert as_pandas.status == as_lists.status == "optimal"
    pd.testing.assert_frame_equal(as_pandas.schedule, as_lists.schedule)
    assert as_pandas.costs == as_lists.costs


def test_a_coarser_series_is_aligned_like_a_csv() -> None:
    hourly = pd.Series(PRICES[::2], index=GRID[::2])
    scenario = scenario_from_dict(_raw(hourly, LOAD))
    np.testing.assert_allclose(scenario.tariff.import_price_per_kwh, np.repeat(PRICES[::2], 2), atol=1e-12)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (pd.Series(PRICES, index=GRID.tz_localize(None)), "naive timestamps"),
        (pd.DataFrame({"a": PRICES, "b": PRICES}, index=GRID), "columns \\['a', 'b'\\]"),
        (np.ones((2, N)), "shape \\(2, 48\\)"),
        (pd.Series(PRICES[:10], index=GRID[:10]), "tariff.import_price_per_kwh"),
    ],
)
def test_bad_pandas_inputs_name_the_field(value, message: str) -> None:
    with pytest.raises(planner.ScenarioError, match=message):
        scenario_from_dict(_raw(value, LOAD))


def test_plan_json_round_trips_and_the_cli_prints_it(tmp_path: Path) -> None:
    result = planner.plan(planner.load_scenario(EXAMPLE))
    text = result.to_json()
    back = planner.Plan.from_json(text)
    pd.testing.assert_frame_equal(back.schedule, result.schedule)
    assert back.costs == result.costs and back.shortfalls == result.shortfalls and back.kpis == result.kpis
    done = subprocess.run([sys.executable, "-m", "planner", "plan", str(EXAMPLE), "--json"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)  # stdout holds the JSON alone; the summary went to stderr
    assert "plan 'leaf-xstorage'" in done.stderr
    expected = json.loads(text)
    for key in ("status", "costs", "shortfalls", "schedule", "currency", "timezone"):
        assert printed[key] == expected[key], key


def test_scenario_from_stdin_equals_the_file(tmp_path: Path) -> None:
    text = EXAMPLE.read_text()
    done = subprocess.run([sys.executable, "-m", "planner", "plan", "-", "--json"], input=text,
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    from_file = planner.plan(planner.load_scenario(EXAMPLE))
    assert json.loads(done.stdout)["costs"]["total"] == pytest.approx(from_file.costs["total"], abs=1e-9)
    bad = subprocess.run([sys.executable, "-m", "planner", "validate", "-"], input="name = [",
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "<stdin>" in bad.stderr


def test_schedules_read_back_tz_aware_across_a_clock_change(tmp_path: Path) -> None:
    n = 96
    grid = pd.date_range("2023-03-25T00:00Z", periods=n, freq="30min")
    raw = _raw([0.2 + 0.1 * (i % 3) for i in range(n)], 0.4, start="2023-03-25T00:00:00Z", hours=48)
    result = planner.plan(scenario_from_dict(raw))
    path = tmp_path / "dst.csv"
    result.save(path)
    frame = pd.read_csv(path, parse_dates=["time"])
    assert isinstance(frame["time"].dtype, pd.DatetimeTZDtype) and str(frame["time"].dt.tz) == "UTC"
    assert (frame["time"] == grid).all()
    local = frame["time"].dt.tz_convert("Europe/London")
    assert local.dt.hour.iloc[[0, 95]].tolist() == [0, 0]  # GMT before, BST after the change
    records = json.loads(result.to_json())["schedule"]
    times = pd.to_datetime(pd.DataFrame(records)["time"])
    assert str(times.dt.tz) == "UTC" and (times == grid).all()


def test_kwp_without_a_profile_is_an_error() -> None:
    raw = _raw(0.2, 0.4)
    raw["solar"] = {"kwp": 8}
    with pytest.raises(planner.ScenarioError, match="solar.kwp: 8 - expected a profile"):
        scenario_from_dict(raw)


def test_an_example_copied_elsewhere_still_plans(tmp_path: Path) -> None:
    copy = tmp_path / "my-home.toml"
    copy.write_text(EXAMPLE.read_text())
    assert planner.load_scenario(copy).tariff.import_price_per_kwh.shape == (96,)


def test_version_and_module_entry_point() -> None:
    done = subprocess.run([sys.executable, "-m", "planner", "--version"], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == f"planner {planner.__version__}"
    assert planner.__version__[0].isdigit()
    assert (Path(planner.__file__).parent / "py.typed").is_file()


def test_one_options_object_reaches_every_job(tmp_path: Path) -> None:
    from planner.jobs.batch import run_batch
    from planner.jobs.shape_cache import ShapeCache
    from planner.jobs.simulate.strategies import get_strategy
    from planner.solve.persistent import PlanSession

    options = planner.PlanOptions(time_limit_s=7.0, mip_rel_gap=1e-6, threads=1, dispatch="fractional")
    scenario = planner.load_scenario(EXAMPLE)
    direct = planner.plan(scenario, options)
    assert direct.solver["gap"] <= 1e-6
    # the keyword form and the object give the same plan
    pd.testing.assert_frame_equal(direct.schedule, planner.plan(scenario, dispatch="fractional",
                                                                mip_rel_gap=1e-6, time_limit_s=7.0).schedule)
    session = PlanSession(scenario, options)
    assert session.plan_options == options and session.dispatch == "fractional"
    assert ShapeCache(options=options).options == options
    assert ShapeCache(options=options, time_limit_s=3.0).options.time_limit_s == 3.0
    assert get_strategy("optimal_v2g", options).options == options
    with pytest.raises(planner.ScenarioError) as info:
        planner.PlanOptions(time_limit_s=0, threads=0, dispatch="x")
    assert info.value.fields == ["time_limit_s", "threads", "dispatch"]
    sites = tmp_path / "sites"
    sites.mkdir()
    (sites / "home.toml").write_text(EXAMPLE.read_text())
    result = run_batch(sites, tmp_path / "out", workers=1, options=options, results_format="csv")
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["options"]["dispatch"] == "fractional" and manifest["options"]["mip_rel_gap"] == 1e-6
    assert result.summary["total_cost"].iloc[0] == pytest.approx(direct.costs["total"], abs=1e-9)
