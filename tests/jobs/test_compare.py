"""Tariff/strategy comparison table, report files, CLI and the study's smoke run."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import study_module

from planner.cli.main import main
from planner.errors import ScenarioError
from planner.jobs.compare import compare_tariffs

ROOT = Path(__file__).resolve().parents[2]


def _study():
    return study_module()


@pytest.fixture(scope="module")
def comparison(tmp_path_factory):
    site = _study().build_site("2023-07-10", 2)
    out = tmp_path_factory.mktemp("report")
    result = compare_tariffs(site, ["flat", "agile"], ["charge_on_arrival", "optimal_v2g_wear"],
                             start="2023-07-10", days=2, km_per_kwh=6.0, out=out)
    return result, out


def test_table_terms_add_up(comparison):
    result, _ = comparison
    table = result.table
    assert len(table) == 4
    wear = table[[c for c in table.columns if c.startswith("wear_")]].sum(axis=1)
    recomputed = (table.import_cost - table.export_revenue + table.standing_charge + table.demand_charge + wear
                  + table.end_energy_value)
    np.testing.assert_allclose(table.net_cost, recomputed, atol=1e-9)
    ref = table[(table.tariff == "flat") & (table.strategy == "charge_on_arrival")]
    assert float(ref.saving_vs_reference.iloc[0]) == 0.0
    np.testing.assert_allclose(table.saving_vs_reference, float(ref.net_cost.iloc[0]) - table.net_cost)
    # cost per 100 km = net cost / (driving kWh x km/kWh / 100)
    run = result.results[("agile", "optimal_v2g_wear")]
    row = table[(table.tariff == "agile") & (table.strategy == "optimal_v2g_wear")].iloc[0]
    assert row.cost_per_100km == pytest.approx(run.totals["net_cost"] / (run.totals["drive_kwh"] * 6.0 / 100))
    # flat tariff: the standing charge is two days at the rates in force (Jul-Sep 2023: 0.53 GBP/day)
    flat = table[table.tariff == "flat"]
    np.testing.assert_allclose(flat.standing_charge, 2 * 0.53)


def test_report_files(comparison):
    result, out = comparison
    for name in ("comparison.csv", "report.md", "monthly_net_cost.csv", "monthly_net_cost.png", "typical_week.png"):
        assert (out / name).stat().st_size > 0, name
    text = (out / "report.md").read_text()
    assert "| agile | agile (own) | optimal_v2g_wear | cycle_depth |" in text
    monthly = result.monthly_net_cost()
    np.testing.assert_allclose(monthly.sum().to_numpy(), result.table.net_cost.to_numpy())


def test_cli_compare_on_example_scenario(tmp_path, capsys):
    code = main(["compare", str(ROOT / "data" / "examples" / "leaf-xstorage.toml"), "--tariffs", "flat,go",
                 "--strategies", "charge_on_arrival,optimal", "--start", "2023-01-16", "--days", "1",
                 "--forecast", "perfect", "--out", str(tmp_path)])
    assert code == 0
    assert "| go | none | optimal |" in capsys.readouterr().out
    assert (tmp_path / "comparison.csv").is_file()


def test_cli_compare_rejects_unknown_strategy(tmp_path):
    code = main(["compare", str(ROOT / "data" / "examples" / "leaf-xstorage.toml"), "--strategies", "magic",
                 "--start", "2023-01-16", "--days", "1", "--forecast", "perfect"])
    assert code == 2


@pytest.mark.slow
def test_study_smoke_run(tmp_path):
    """``benchmarks/tariff_comparison.py --days 3`` runs end to end and writes its report."""
    code = _study().main(["--days", "3", "--tariffs", "flat,agile,intelligent-flux-v2g",
                          "--strategies", "charge_on_arrival,cheapest_hours,optimal_v2g_wear",
                          "--out", str(tmp_path)])
    assert code == 0
    text = (tmp_path / "report.md").read_text()
    assert "intelligent-flux-v2g" in text and "Made by:" in text


def test_a_summer_period_starts_at_local_midnight_east_of_utc():
    """A BST home: the period starts at 00:00 local (23:00 UTC the day before), not at UTC midnight."""
    from planner.jobs.compare import compare_tariffs
    from planner.jobs.compare_site import site_from_scenario

    path = Path(__file__).resolve().parents[2] / "data" / "examples" / "leaf-no-v2g.toml"
    site = site_from_scenario(path, "2023-07-18", 1, history_days=0)
    result = compare_tariffs(site, ["agile"], ["optimal"], start="2023-07-18", days=1, forecast="perfect")
    schedule = result.results[("agile", "optimal")].schedule
    assert schedule.index[0] == pd.Timestamp("2023-07-18T00:00", tz="Europe/London")
    assert len(schedule) == 48
    with pytest.raises(ScenarioError, match="after the period's start 2023-07-16T23:00"):
        site_from_scenario(path, "2023-07-17", 1, history_days=0)


def test_export_is_never_added_and_a_pump_is_flagged(tmp_path):
    """``go`` alone earns nothing for export; ``go+outgoing-fixed`` pairs it explicitly, the table says so, and
    the hours where the 15 p export pays more than Go's 8.5 p night import are counted and flagged."""
    from planner.jobs.compare import export_label, resolve_tariff

    assert resolve_tariff("go") == "octopus-go" and resolve_tariff("go+outgoing-fixed") == "octopus-go+outgoing-fixed"
    assert export_label("go") == "none" and export_label("go+outgoing-fixed") == "outgoing-fixed"
    site = _study().build_site("2023-07-10", 1)
    out = tmp_path / "report"
    result = compare_tariffs(site, ["go", "go+outgoing-fixed"], ["cheapest_hours"], start="2023-07-10", days=1,
                             out=out)
    table = result.table.set_index("tariff")
    assert table.loc["go", "export_revenue"] == 0.0 and table.loc["go", "export"] == "none"
    prices = result.results[("go+outgoing-fixed", "cheapest_hours")]
    assert prices.export_above_import_hours > 0

    from planner.jobs.simulate.site import prices_from_scheme

    p = prices_from_scheme(site, "octopus-go+outgoing-fixed")
    day = (site.index >= pd.Timestamp("2023-07-10", tz="Europe/London")) & \
          (site.index < pd.Timestamp("2023-07-11", tz="Europe/London"))
    expected = float(np.count_nonzero((p.export_price_per_kwh > p.import_price_per_kwh) & day) * site.step_minutes / 60)
    assert table.loc["go+outgoing-fixed", "export_above_import_hours"] == pytest.approx(expected)
    assert "export pays more than import" in (out / "report.md").read_text()


def test_start_defaults_to_the_first_local_day_the_data_allows(capsys):
    """The summer fixture starts at 00:00 UTC, 01:00 BST: the first whole local day is the next one."""
    from planner.jobs.compare_site import first_start

    example = ROOT / "data" / "examples" / "leaf-no-v2g.toml"
    assert first_start(example, history_days=0) == "2023-07-18"
    assert first_start(example, history_days=1) == "2023-07-19"
    code = main(["compare", str(example), "--tariffs", "agile", "--strategies", "optimal", "--days", "1",
                 "--forecast", "perfect"])
    assert code == 0
    assert "period starts 2023-07-18, the first day the data allows" in capsys.readouterr().err


def test_a_period_across_the_spring_clock_change_has_a_23_hour_day():
    """26 March 2023 (GMT -> BST) has 46 half-hours; each local day is accounted once and the days add up."""
    site = _study().build_site("2023-03-25", 3, history_days=0)
    result = compare_tariffs(site, ["agile"], ["cheapest_hours", "optimal_v2g"], start="2023-03-25", days=3,
                             forecast="perfect")
    for run in result.results.values():
        local_days = run.schedule.index.tz_convert("Europe/London").normalize()
        counts = pd.Series(local_days).value_counts().sort_index().tolist()
        assert counts == [48, 46, 48]
        assert run.schedule.index[0] == pd.Timestamp("2023-03-25T00:00", tz="Europe/London")
        assert len(run.days) == 3
        np.testing.assert_allclose(run.days["net_cost"].sum() + run.totals.get("end_energy_value", 0.0),
                                   run.totals["net_cost"], atol=1e-6)
    monthly = result.monthly_net_cost()
    np.testing.assert_allclose(monthly.sum().to_numpy(), result.table.net_cost.to_numpy(), atol=1e-9)


def test_the_v2g_answer_picks_the_best_of_each_side_and_its_parts_add_up(comparison):
    """Per tariff: the cheapest run without V2G against the cheapest with it; energy + wear + stored energy
    = net cost on both sides; the report says it in a sentence and draws it."""
    from planner.jobs.v2g_answer import v2g_answer

    result, out = comparison
    table = result.table
    answer = v2g_answer(table)
    assert list(answer.tariff) == ["flat", "agile"]
    for _, r in answer.iterrows():
        runs = table[table.tariff == r.tariff]
        assert r.without_net_cost == pytest.approx(runs[~runs.v2g].net_cost.min())
        assert r.with_net_cost == pytest.approx(runs[runs.v2g].net_cost.min())
        assert r.v2g_saving == pytest.approx(r.without_net_cost - r.with_net_cost)
        for side in ("without", "with"):
            assert r[f"{side}_energy"] + r[f"{side}_wear"] + r[f"{side}_stored"] == pytest.approx(r[f"{side}_net_cost"])
        # wear sensitivity: the same runs with their wear scaled, or their cycles counted by rainflow
        best = {flag: runs[runs.v2g == flag].sort_values("net_cost", kind="stable").iloc[0] for flag in (False, True)}
        wear = {f: b.filter(regex="^wear_(cycle|calendar)_").sum() for f, b in best.items()}
        for factor, key in ((0.5, "v2g_saving_wear_low"), (1.5, "v2g_saving_wear_high")):
            rescaled = {f: best[f].net_cost + (factor - 1.0) * wear[f] for f in best}
            assert r[key] == pytest.approx(rescaled[False] - rescaled[True])
        rain = {f: best[f].net_cost - best[f].filter(like="wear_cycle_").sum() + best[f].filter(like="check_rainflow_").sum()
                for f in best}
        assert r.v2g_saving_rainflow == pytest.approx(rain[False] - rain[True])
        for tag in ("low", "high"):  # the same count on the curve re-shaped to another cycle-life exponent
            exp = {f: best[f].net_cost - best[f].filter(like="wear_cycle_").sum()
                   + best[f].filter(like=f"check_exponent_{tag}_").sum() for f in best}
            assert r[f"v2g_saving_exponent_{tag}"] == pytest.approx(exp[False] - exp[True])
    text = (out / "report.md").read_text()
    assert "## Does V2G pay?" in text
    assert "- agile (export: agile (own)): V2G " in text
    assert text.count("Wear sensitivity: ") == 2
    assert text.count("at cycle-life exponents 1.1 / 3 (rainflow)") == 2
    assert (out / "v2g_pays.png").stat().st_size > 0
    assert len(pd.read_csv(out / "v2g_answer.csv")) == 2


def test_a_constant_load_holds_over_the_period(tmp_path):
    """A home whose ``[load]`` is a constant ``kw`` compares over any period the prices cover (the period
    then starts on the scenario's own first day)."""
    from planner.jobs.compare_site import first_start, site_from_scenario

    examples = ROOT / "data" / "examples"
    text = (examples / "leaf-xstorage.toml").read_text(encoding="utf-8")
    text = text.replace('[load]\ncsv = "shipped:series/fixtures/day_pair_winter_2023-01-16.csv"\n'
                        'column = "household_load_kw"\n', "[load]\nkw = 0.4\n")
    text = text[:text.index("[solar]")] + text[text.index("[[battery]]"):]
    path = tmp_path / "constant.toml"
    path.write_text(text, encoding="utf-8")
    start = first_start(path, history_days=0)
    assert start == "2023-01-16"  # the scenario's first local day (its horizon starts at 00:00 UTC = GMT)
    site = site_from_scenario(path, start, 2, history_days=0)
    np.testing.assert_allclose(site.load_kw, 0.4)
    np.testing.assert_allclose(site.solar_kw, 0.0)
