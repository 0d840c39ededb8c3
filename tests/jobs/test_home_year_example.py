"""The compare-ready example ``data/examples/gb-home-year.toml``: its data, its period and a short compare."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from planner.cli.main import main
from planner.inputs.scenario import load_scenario
from planner.jobs.compare_site import first_start, site_from_scenario

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "data" / "examples" / "gb-home-year.toml"


def test_example_data_is_the_house_and_driver_it_says():
    scenario = load_scenario(EXAMPLE)
    (leaf,) = scenario.vehicles
    rows = leaf.session_source.rows
    assert len(rows) == 358 and all(s.depart > s.arrive for s in rows)
    assert all(s.depart_soc_min_kwh == pytest.approx(0.8 * 59.0) for s in rows)
    # the smart-meter import of 2023 to 20 Dec is 2,033 kWh (data/series/load/README.md)
    site = site_from_scenario(EXAMPLE, "2023-01-09", 345, history_days=8)
    year = (site.index >= pd.Timestamp("2023-01-01T00:00Z")) & (site.index < pd.Timestamp("2023-12-20T04:30Z"))
    assert float(site.load_kw[year].sum() * 0.5) == pytest.approx(2033.0, abs=1.0)
    assert not site.solar_kw.any()  # the house's PV is behind the meter: no [solar]


def test_default_start_waits_for_history_and_the_first_session():
    assert first_start(EXAMPLE, 8) == "2022-11-20"  # load from 2022-11-01; first arrival 2022-11-20 22:30
    assert first_start(EXAMPLE, 0) == "2022-11-20"


def test_short_compare_on_the_example_prices_by_the_rates_of_its_dates(tmp_path, capsys):
    out = tmp_path / "report"
    code = main(["compare", str(EXAMPLE), "--tariffs", "flat+outgoing-fixed,agile",
                 "--strategies", "cheapest_hours,optimal_v2g", "--start", "2022-12-05", "--days", "2",
                 "--forecast", "perfect", "--out", str(out)])
    assert code == 0
    table = pd.read_csv(out / "comparison.csv")
    flat = table[table.tariff == "flat+outgoing-fixed"]
    # Dec 2022: the Energy Price Guarantee, 34 p/kWh and 46.4 p/day, whatever the strategy
    np.testing.assert_allclose(flat.import_cost, 0.34 * flat.grid_import_kwh, atol=1e-3)  # CSV: 4 decimals
    np.testing.assert_allclose(flat.standing_charge, 2 * 0.464, atol=1e-4)
    assert (table.unmet_departure_kwh < 1e-6).all()
    report = (out / "report.md").read_text(encoding="utf-8")
    # Outgoing Fixed's rates start 2025-07-17: the report says its rates were used before their dates
    assert "tariff outgoing-fixed: no rates known for 2022-12-05" in report
    assert "## Does V2G pay?" in report
    for name in ("monthly_net_cost.png", "typical_week.png", "v2g_pays.png", "v2g_answer.csv"):
        assert (out / name).stat().st_size > 0
    assert "no rates known" in capsys.readouterr().err


def test_forecast_sensitivity_sets_each_forecasts_v2g_saving_side_by_side(tmp_path, capsys):
    out = tmp_path / "report"
    code = main(["compare", str(EXAMPLE), "--tariffs", "agile", "--strategies", "optimal,optimal_v2g",
                 "--start", "2023-01-16", "--days", "1", "--forecast", "realistic,perfect", "--out", str(out)])
    assert code == 0
    realistic = pd.read_csv(out / "v2g_answer.csv")
    perfect = pd.read_csv(out / "forecast-perfect" / "v2g_answer.csv")
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "## Forecast sensitivity" in report
    section = report.split("## Forecast sensitivity")[1]
    row = next(line for line in section.splitlines() if line.startswith("| agile |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert float(cells[1]) == pytest.approx(realistic.v2g_saving.iloc[0], abs=0.006)
    assert float(cells[3]) == pytest.approx(perfect.v2g_saving.iloc[0], abs=0.006)
    # perfect foresight never does worse than the realistic forecast on the same accounting
    assert perfect.with_net_cost.iloc[0] <= realistic.with_net_cost.iloc[0] + 1e-6
    assert main(["compare", str(EXAMPLE), "--forecast", "psychic", "--days", "1"]) == 2
    assert "--forecast: psychic" in capsys.readouterr().err


def test_power_pack_shape_makes_the_cars_home_charging_free_on_the_accounting(tmp_path):
    from planner.jobs.compare import compare_tariffs

    site = site_from_scenario(EXAMPLE, "2023-01-16", 2, history_days=0)
    result = compare_tariffs(site, ["octopus-power-pack", "flat"], ["charge_on_arrival", "optimal_v2g"],
                             start="2023-01-16", days=2, forecast="perfect")
    table = result.table.set_index(["tariff", "strategy"])
    for strategy in ("charge_on_arrival", "optimal_v2g"):
        run = result.results[("octopus-power-pack", strategy)]
        net_kwh = float((run.schedule["leaf_charge_kw"] - run.schedule["leaf_discharge_kw"]).sum() * 0.5)
        # every net kWh the charger takes is credited at the import price (0.2769): the car charges for free
        assert table.loc[("octopus-power-pack", strategy), "ev_charge_credit"] == pytest.approx(0.2769 * net_kwh,
                                                                                              rel=1e-9)
        assert table.loc[("flat", strategy), "ev_charge_credit"] == 0.0
    row = table.loc[("octopus-power-pack", "optimal_v2g")]
    wear = row.filter(regex="^wear_(cycle|calendar)_").sum()
    assert row.net_cost == pytest.approx(row.import_cost - row.export_revenue - row.grid_service_revenue
                                         - row.ev_charge_credit + row.standing_charge + row.demand_charge + wear
                                         + row.end_energy_value, abs=1e-9)
    assert any("octopus-power-pack: no rates known for 2023-01-16" in n for n in result.notes)


def test_a_stopped_compare_resumes_with_the_runs_it_finished(tmp_path, monkeypatch):
    from planner.jobs import compare as compare_module
    from planner.jobs.compare import compare_tariffs

    site = site_from_scenario(EXAMPLE, "2023-01-16", 1, history_days=0)
    args = dict(start="2023-01-16", days=1, forecast="perfect", out=tmp_path)
    first = compare_tariffs(site, ["agile"], ["cheapest_hours", "optimal"], **args)
    runs = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.glob("runs/*/*/run.json"))
    assert runs == ["runs/agile/cheapest_hours/run.json", "runs/agile/optimal/run.json"]

    def no_simulation(*a, **k):
        raise AssertionError("a finished run was simulated again")

    monkeypatch.setattr(compare_module, "simulate", no_simulation)
    again = compare_tariffs(site, ["agile"], ["cheapest_hours", "optimal"], resume=True, **args)
    pd.testing.assert_frame_equal(again.table, first.table)  # the same numbers, to the last digit
    pd.testing.assert_frame_equal(again.monthly_net_cost(), first.monthly_net_cost())
    pd.testing.assert_frame_equal(again.results[("agile", "optimal")].schedule,
                                  first.results[("agile", "optimal")].schedule, check_freq=False)
    # other inputs (another forecast) are not taken from the saved runs
    with pytest.raises(AssertionError, match="simulated again"):
        compare_tariffs(site, ["agile"], ["optimal"], resume=True, **{**args, "forecast": "realistic"})
