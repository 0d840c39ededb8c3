"""Grid services through the simulation: the offer is planned, held only as far as the executed schedule
leaves room, and paid on the one accounting."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from planner.domain.grid_service import held_capacity_kw
from planner.jobs.compare import compare_tariffs
from planner.jobs.compare_site import site_from_scenario
from planner.jobs.simulate.simulation import simulate
from planner.jobs.simulate.site import prices_from_scheme

ROOT = Path(__file__).resolve().parents[2]
SERVICE = """
[grid_service]
direction = "up"
duration_minutes = 30

[[grid_service.window]]
start = "16:00"
end = "19:00"
availability_price_per_kw_per_h = 0.05
"""


@pytest.fixture(scope="module")
def comparison(tmp_path_factory):
    folder = tmp_path_factory.mktemp("gs")
    path = folder / "home.toml"
    path.write_text((ROOT / "data" / "examples" / "gb-home-year.toml").read_text(encoding="utf-8") + SERVICE,
                    encoding="utf-8")
    site = site_from_scenario(path, "2023-01-16", 2, history_days=0)
    return site, compare_tariffs(site, ["agile"], ["cheapest_hours", "optimal"], start="2023-01-16", days=2,
                                 forecast="perfect")


def test_the_optimiser_holds_capacity_in_the_windows_and_is_paid_for_it(comparison):
    site, result = comparison
    run = result.results[("agile", "optimal")]
    sch = run.schedule
    local = sch.index.tz_convert("Europe/London")
    in_window = (local.hour >= 16) & (local.hour < 19)
    held = sch["grid_service_kw"].to_numpy()
    assert held[~in_window].max() == 0.0 and held[in_window].mean() > 1.0
    # paid 0.05 GBP per kW-hour held, recomputed from the executed schedule
    assert run.totals["grid_service_revenue"] == pytest.approx(float(held.sum() * 0.5 * 0.05), rel=1e-9)
    # the held capacity fits what each executed day leaves (the rule of planner.domain.grid_service)
    again = simulate(site, prices_from_scheme(site, "agile"), "optimal", start="2023-01-16", days=2,
                     forecast="perfect", keep_plans=True)
    assert len(again.plans) == 2
    for truth, plan in again.plans:
        room = held_capacity_kw(truth, plan.schedule)
        assert np.all(plan.schedule["grid_service_kw"].to_numpy() <= room + 1e-9)
    np.testing.assert_array_equal(again.schedule["grid_service_kw"].to_numpy(), held)  # deterministic


def test_rules_offer_nothing_and_the_optimiser_wins_on_the_same_accounting(comparison):
    _, result = comparison
    table = result.table.set_index("strategy")
    assert table.loc["cheapest_hours", "grid_service_revenue"] == 0.0
    assert table.loc["optimal", "grid_service_revenue"] > 0.5
    recomputed = (table.import_cost - table.export_revenue - table.grid_service_revenue + table.standing_charge
                  + table.demand_charge + table.filter(like="wear_").sum(axis=1) + table.end_energy_value)
    np.testing.assert_allclose(table.net_cost, recomputed, atol=1e-9)
    assert table.loc["optimal", "net_cost"] < table.loc["cheapest_hours", "net_cost"]
    assert isinstance(result.results[("agile", "optimal")].schedule.index, pd.DatetimeIndex)
