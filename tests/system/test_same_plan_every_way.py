"""The same scenario and options give the identical plan however it is reached: planned fresh, by a new
:class:`~planner.solve.persistent.PlanSession`, re-solved by a session that planned other prices first, in a
batch on one worker or two, and in a batch resumed after losing some of its results."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import CORE_EXAMPLES, random_raw

import planner
from planner.jobs.batch import load_site_plan, row_to_scenario_dict, run_batch
from planner.jobs.batch.population import PopulationSpec, generate_population
from planner.solve.persistent import PlanSession


def _other_prices(scenario: planner.Scenario, factor: float) -> planner.Scenario:
    """The scenario with import prices scaled and export kept above or below import in the same steps (the
    shape a session keeps)."""
    imp = scenario.tariff.import_price_per_kwh * factor
    margin = scenario.tariff.export_price_per_kwh - scenario.tariff.import_price_per_kwh
    return scenario.with_prices(imp, imp + margin * factor)


def _assert_every_way_equal(scenario: planner.Scenario) -> planner.Plan:
    fresh = planner.plan(scenario)
    again = planner.plan(scenario)
    assert again.schedule.equals(fresh.schedule)
    assert PlanSession(scenario).plan(scenario).schedule.equals(fresh.schedule)
    warm = PlanSession(_other_prices(scenario, 1.3))
    warm.plan(_other_prices(scenario, 1.3))
    warm.plan(_other_prices(scenario, 0.7))
    resolved = warm.plan(scenario)
    assert warm.rebuilds == 0  # a re-solve of the live model, not a new build
    assert resolved.schedule.equals(fresh.schedule)
    assert resolved.costs == fresh.costs
    return fresh


@pytest.mark.parametrize("path", CORE_EXAMPLES, ids=[p.stem for p in CORE_EXAMPLES])
def test_examples_fresh_and_by_session(path: Path) -> None:
    _assert_every_way_equal(planner.load_scenario(path))


@pytest.mark.parametrize("seed", [0, 4, 5, 6, 10, 12, 18])
def test_seeded_random_homes_fresh_and_by_session(seed: int) -> None:
    """Seeds whose plans had ties a session used to break the other way (V2G, minimum power, export above
    import, negative prices)."""
    _assert_every_way_equal(planner.scenario_from_dict(random_raw(seed)))


def test_batches_on_one_or_two_workers_and_resumed_give_the_fresh_plans(tmp_path: Path) -> None:
    table = generate_population(tmp_path / "pop", PopulationSpec(homes=8, seed=3, hours=24.0))
    one = run_batch(table, tmp_path / "one", workers=1)
    two = run_batch(table, tmp_path / "two", workers=2)
    assert one.succeeded == two.succeeded == 8
    lost = sorted((tmp_path / "two" / "schedules").glob("*.parquet"))[::3]
    for path in lost:
        path.unlink()
    (tmp_path / "two" / "summary.parquet").unlink()
    resumed = run_batch(table, tmp_path / "two", workers=2, resume=True)
    assert resumed.skipped == 8 - len(lost) and resumed.succeeded == len(lost)
    rows = pd.read_parquet(table).to_dict(orient="records")
    for row in rows:
        scenario = planner.scenario_from_dict(row_to_scenario_dict(row), table.parent)
        fresh = _assert_every_way_equal(scenario)
        for out in ("one", "two"):
            stored = load_site_plan(tmp_path / out, row["site"])
            pd.testing.assert_frame_equal(stored.schedule, fresh.schedule, check_freq=False)
            np.testing.assert_array_equal(stored.schedule.to_numpy(dtype=float), fresh.schedule.to_numpy(dtype=float))
