"""Demand charges in the MILP, standing charges as cost terms, and a plan on every shipped scheme.

Every test that solves also runs ``planner.verify.verify``.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from planner.api import plan
from planner.errors import ScenarioError
from planner.inputs.scenario import scenario_from_dict
from planner.inputs.tariffs.dated import version_on
from planner.inputs.tariffs.scheme import list_schemes, load_scheme
from planner.verify import verify

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "data" / "series" / "fixtures" / "day_pair_winter_2023-01-16.csv"

SCHEME_HEAD = """schema_version = 1
name = "peak"
currency = "GBP"
timezone = "UTC"
valid_from = "2025-06-01"
sources = ["https://example.org/test-scheme"]
standing_charge_per_day = 0.24

[[import.window]]
start = "00:00"
end = "02:00"
price_per_kwh = 0.10

[[import.window]]
start = "02:00"
end = "24:00"
price_per_kwh = 0.30

[demand_charge]
rate_per_kw_per_month = {rate}
floor_kw = {floor}
"""


def ev_scenario(
    tmp_path: Path, rate_per_month: float, floor_kw: float = 0.0, extra: dict | None = None
):
    """4 one-hour steps from 2025-06-10 00:00 UTC; an EV must take 8 kWh (10 -> 18 kWh, eta 1).

    Import 0.10 in steps 0-1, 0.30 in steps 2-3. June has 720 hours, so the pro-rated demand rate for
    the 4-hour horizon is ``rate_per_month * 4 / 720``.
    """
    (tmp_path / "peak.toml").write_text(SCHEME_HEAD.format(rate=rate_per_month, floor=floor_kw))
    tariff = {"scheme": "peak.toml", **(extra or {})}
    raw = {
        "schema_version": 1,
        "name": "demand-test",
        "currency": "GBP",
        "horizon": {
            "start": "2025-06-10T00:00:00+00:00",
            "hours": 4,
            "step_minutes": 60,
            "timezone": "UTC",
        },
        "grid": {"import_limit_kw": 20.0, "export_limit_kw": 0.0},
        "tariff": tariff,
        "load": {"kw": [0.0] * 4},
        "solar": {"kw": [0.0] * 4},
        "vehicle": [
            {
                "name": "ev",
                "capacity_kwh": 60.0,
                "soc_min_kwh": 0.0,
                "charge_max_kw": 7.0,
                "charge_min_kw": 0.0,
                "eta_charge": 1.0,
                "eta_discharge": 1.0,
                "v2g": False,
                "degradation_cost_per_kwh": 0.0,
                "session": [
                    {
                        "arrive": "2025-06-10T00:00:00+00:00",
                        "depart": "2025-06-10T04:00:00+00:00",
                        "arrive_soc_kwh": 10.0,
                        "depart_soc_min_kwh": 18.0,
                    }
                ],
            }
        ],
    }
    return scenario_from_dict(raw, base_dir=tmp_path)


def solve(scenario):
    result = plan(scenario, time_limit_s=30, mip_rel_gap=0.0)
    verify(scenario, result)
    return result


def test_demand_charge_spreads_charging(tmp_path):
    """Peak P: charge P in both cheap steps, the rest (8 - 2P) in the dear ones (each <= P).

    cost(P) = 0.10 * 2P + 0.30 * (8 - 2P) + r P = 2.4 - 0.4 P + r P, for 2 <= P <= 4.
    With r = 90 * 4 / 720 = 0.5 > 0.4 the optimum is P = 2: 2 kW in every step, energy 0.2 + 0.3 * 4 = 1.6,
    demand 0.5 * 2 = 1.0. (Charging 4 kW in the cheap steps would cost 0.8 + 2.0 = 2.8 > 2.6.)
    """
    scenario = ev_scenario(tmp_path, rate_per_month=90.0)
    (charge,) = scenario.tariff.demand_charges
    assert charge.rate_per_kw == pytest.approx(0.5)
    result = solve(scenario)
    np.testing.assert_allclose(result.schedule["grid_import_kw"], [2.0, 2.0, 2.0, 2.0], atol=1e-6)
    assert result.costs["import_cost"] == pytest.approx(1.6, abs=1e-6)
    assert result.costs["demand_charge"] == pytest.approx(1.0, abs=1e-6)
    assert result.costs["standing_charge"] == pytest.approx(0.24 * 4 / 24)
    # the reported demand charge equals rate x peak recomputed from the schedule
    peak = float(result.schedule["grid_import_kw"].max())
    assert result.costs["demand_charge"] == pytest.approx(0.5 * peak, abs=1e-6)
    assert result.costs["total"] == pytest.approx(1.6 + 1.0 + 0.04, abs=1e-6)


def test_cheap_demand_charge_keeps_charging_in_cheap_steps(tmp_path):
    """r = 54 * 4 / 720 = 0.3 < 0.4: the optimum is P = 4 (4 kW in the cheap steps only):
    energy 0.8, demand 1.2, total 2.0 + standing 0.04 (spreading would cost 1.6 + 0.6 = 2.2)."""
    result = solve(ev_scenario(tmp_path, rate_per_month=54.0))
    np.testing.assert_allclose(result.schedule["grid_import_kw"], [4.0, 4.0, 0.0, 0.0], atol=1e-6)
    assert result.costs["import_cost"] == pytest.approx(0.8, abs=1e-6)
    assert result.costs["demand_charge"] == pytest.approx(1.2, abs=1e-6)


def test_floor_makes_peak_below_floor_free(tmp_path):
    """floor 3 kW, r = 0.5: any peak up to 3 kW costs 0.5 x 3 = 1.5, so charge 3 kW in the cheap steps
    and 2 kWh in the dear ones: energy 0.6 + 0.6 = 1.2, demand 1.5."""
    result = solve(ev_scenario(tmp_path, rate_per_month=90.0, floor_kw=3.0))
    imp = result.schedule["grid_import_kw"].to_numpy()
    np.testing.assert_allclose(imp[:2], [3.0, 3.0], atol=1e-6)
    assert imp[2:].sum() == pytest.approx(2.0, abs=1e-6)
    assert imp.max() <= 3.0 + 1e-6
    assert result.costs["import_cost"] == pytest.approx(1.2, abs=1e-6)
    assert result.costs["demand_charge"] == pytest.approx(1.5, abs=1e-6)


def test_month_peak_so_far_acts_as_floor(tmp_path):
    """A 4 kW peak already metered this month: raising the peak to 4 kW is free, so the plan charges
    4 kW in the cheap steps (energy 0.8) and the demand term is 0.5 x 4 = 2.0."""
    result = solve(ev_scenario(tmp_path, 90.0, extra={"month_peak_so_far_kw": 4.0}))
    np.testing.assert_allclose(result.schedule["grid_import_kw"], [4.0, 4.0, 0.0, 0.0], atol=1e-6)
    assert result.costs["demand_charge"] == pytest.approx(2.0, abs=1e-6)


def test_verify_catches_a_wrong_demand_charge(tmp_path):
    scenario = ev_scenario(tmp_path, rate_per_month=90.0)
    result = solve(scenario)
    result.costs["demand_charge"] += 0.1
    result.costs["total"] += 0.1
    with pytest.raises(AssertionError, match="demand_charge"):
        verify(scenario, result)


def test_bad_scheme_file_in_scenario_names_file_and_field(tmp_path):
    (tmp_path / "peak.toml").write_text(
        SCHEME_HEAD.format(rate=90.0, floor=0.0).replace(
            "price_per_kwh = 0.30", 'price_per_kwh = "x"'
        )
    )
    raw_tariff = {"scheme": "peak.toml"}
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(
            {
                "schema_version": 1,
                "name": "bad",
                "currency": "GBP",
                "horizon": {"start": "2025-06-10T00:00:00+00:00", "hours": 4, "step_minutes": 60},
                "grid": {"import_limit_kw": 20.0, "export_limit_kw": 0.0},
                "tariff": raw_tariff,
                "load": {"kw": [0.0] * 4},
                "solar": {"kw": [0.0] * 4},
            },
            base_dir=tmp_path,
        )
    text = str(info.value)
    assert "peak.toml" in text and "import.window[1].price_per_kwh" in text and "a number" in text


# ------------------------------------------------------------------------------------------------
# one example home on every shipped scheme
# ------------------------------------------------------------------------------------------------


def fixture_profiles() -> tuple[list[float], list[float]]:
    """Real household load and 4 kWp PV for 48 half-hours (the winter fixture's first day pair)."""
    with FIXTURE.open(newline="") as handle:
        rows = list(csv.DictReader(handle))[:48]
    load = [float(r["household_load_kw"]) for r in rows]
    pv = [4.0 * float(r["pv_power_kw_per_kwp"]) for r in rows]
    return load, pv


# (scheme, extra [tariff] keys, currency, horizon start, time zone): a winter day inside each
# scheme's data; 48 half-hours from local midnight
RUNS = [
    ("flat-price-cap", {}, "GBP", "2025-01-15T00:00:00+00:00", "Europe/London"),
    (
        "flat-price-cap",
        {"export_scheme": "outgoing-fixed"},
        "GBP",
        "2025-01-15T00:00:00+00:00",
        "Europe/London",
    ),
    ("economy7", {}, "GBP", "2025-01-15T00:00:00+00:00", "Europe/London"),
    ("octopus-go", {}, "GBP", "2025-01-15T00:00:00+00:00", "Europe/London"),
    ("intelligent-octopus-go", {}, "GBP", "2025-01-15T00:00:00+00:00", "Europe/London"),
    ("octopus-flux", {}, "GBP", "2025-01-15T00:00:00+00:00", "Europe/London"),
    ("octopus-power-pack", {}, "GBP", "2026-01-15T00:00:00+00:00", "Europe/London"),
    ("agile", {}, "GBP", "2023-01-16T00:00:00+00:00", "Europe/London"),
    (
        "agile-18-02-21",
        {"export_scheme": "outgoing-fixed"},
        "GBP",
        "2020-01-16T00:00:00+00:00",
        "Europe/London",
    ),
    ("agile-day-ahead", {}, "GBP", "2024-01-16T00:00:00+00:00", "Europe/London"),
    ("pge-ev2a", {}, "USD", "2025-01-15T08:00:00+00:00", "America/Los_Angeles"),
    ("flanders-capacity", {}, "EUR", "2024-01-15T23:00:00+00:00", "Europe/Brussels"),
]


def test_runs_cover_every_shipped_scheme():
    used = {name for name, *_ in RUNS} | {
        extra["export_scheme"] for _, extra, *_ in RUNS if "export_scheme" in extra
    }
    assert used == set(list_schemes())


def home(scheme: str, extra: dict, currency: str, start: str, tz: str):
    load, pv = fixture_profiles()
    begin = np.datetime64(start[:19])
    arrive = str(begin + np.timedelta64(18, "h")) + "+00:00"
    depart = str(begin + np.timedelta64(24 + 7, "h")) + "+00:00"
    raw = {
        "schema_version": 1,
        "name": f"home-{scheme}",
        "currency": currency,
        "horizon": {"start": start, "hours": 24, "step_minutes": 30, "timezone": tz},
        "grid": {"import_limit_kw": 15.0, "export_limit_kw": 5.0},
        "tariff": {"scheme": scheme, **extra},
        "load": {"kw": load},
        "solar": {"kw": pv},
        "battery": [
            {
                "name": "house",
                "capacity_kwh": 10.0,
                "soc_kwh": 5.0,
                "soc_min_kwh": 1.0,
                "soc_max_kwh": 10.0,
                "charge_max_kw": 5.0,
                "discharge_max_kw": 5.0,
                "eta_charge": 0.95,
                "eta_discharge": 0.95,
                "degradation_cost_per_kwh": 0.03,
                "end_soc_min_kwh": 5.0,
            }
        ],
        "vehicle": [
            {
                "name": "leaf",
                "capacity_kwh": 62.0,
                "soc_min_kwh": 6.2,
                "charge_max_kw": 7.4,
                "charge_min_kw": 1.4,
                "discharge_max_kw": 7.4,
                "eta_charge": 0.92,
                "eta_discharge": 0.92,
                "v2g": True,
                "degradation_cost_per_kwh": 0.05,
                "session": [
                    {
                        "arrive": arrive,
                        "depart": depart,
                        "arrive_soc_kwh": 30.0,
                        "depart_soc_min_kwh": 49.6,
                    }
                ],
            }
        ],
    }
    return scenario_from_dict(raw, base_dir=ROOT)


@pytest.mark.parametrize(
    ("scheme", "extra", "currency", "start", "tz"),
    RUNS,
    ids=[name + ("+" + extra["export_scheme"] if extra else "") for name, extra, *_ in RUNS],
)
def test_plan_on_every_scheme_verifies_with_separate_terms(scheme, extra, currency, start, tz):
    scenario = home(scheme, extra, currency, start, tz)
    result = solve(scenario)
    assert result.status == "optimal"
    costs = result.costs
    h = scenario.step_hours
    imp = result.schedule["grid_import_kw"].to_numpy()
    exp = result.schedule["grid_export_kw"].to_numpy()
    # energy, export, standing and demand are separate terms, each recomputed here
    assert costs["import_cost"] == pytest.approx(
        float(np.dot(scenario.tariff.import_price_per_kwh, imp) * h)
    )
    assert costs["export_revenue"] == pytest.approx(
        float(np.dot(scenario.tariff.export_price_per_kwh, exp) * h), abs=1e-9
    )
    # 24 hours from local midnight on an ordinary day: exactly one day of standing charge
    day = pd.Timestamp(start).tz_convert(tz).date()
    daily = version_on(load_scheme(scheme), day)[0].standing_charge_per_day  # the rates in force that day
    assert costs["standing_charge"] == pytest.approx(daily)
    if scenario.tariff.demand_charges:
        (charge,) = scenario.tariff.demand_charges
        assert costs["demand_charge"] == pytest.approx(
            charge.rate_per_kw * max(charge.floor_kw, imp.max()), abs=1e-6
        )
        assert costs["demand_charge"] > 0
    else:
        assert costs.get("demand_charge", 0.0) == 0.0
    if "export_scheme" in extra:
        assert np.all(scenario.tariff.export_price_per_kwh == 0.15)
    assert result.shortfalls == [] or all(s["shortfall_kwh"] < 1e-6 for s in result.shortfalls)


def test_fail_safe_plan_reports_the_demand_charge():
    """The fail-safe plan (no optimisation) also carries the demand charge, so it verifies."""
    from planner.solve.fallback import fallback_plan

    scenario = home("flanders-capacity", {}, "EUR", "2024-01-15T23:00:00+00:00", "Europe/Brussels")
    result = fallback_plan(scenario, "test")
    verify(scenario, result)
    (charge,) = scenario.tariff.demand_charges
    peak = float(result.schedule["grid_import_kw"].max())
    assert result.costs["demand_charge"] == pytest.approx(charge.rate_per_kw * max(2.5, peak))
