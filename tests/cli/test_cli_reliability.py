"""The command line under small mistakes and hard limits: clear messages, documented exit codes, no crash."""

from __future__ import annotations

import copy
import csv
import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

import planner
from planner.cli.main import main
from planner.cli.output import (
    EXIT_BAD_INPUT,
    EXIT_FALLBACK,
    EXIT_OK,
    EXIT_SHORTFALL,
    EXIT_TIME_LIMIT,
    plan_exit_code,
)
from planner.verify import check

EXAMPLES = ROOT / "data" / "examples"
FIXTURE = ROOT / "data" / "series" / "fixtures" / "day_pair_winter_2023-01-16.csv"


def _example_with_series(tmp_path: Path, series: Path, prefix: bytes = b"") -> Path:
    text = (EXAMPLES / "leaf-xstorage.toml").read_text(encoding="utf-8")
    text = text.replace('"shipped:series/fixtures/day_pair_winter_2023-01-16.csv"', f'"{series.as_posix()}"')
    path = tmp_path / "scenario.toml"
    path.write_bytes(prefix + text.encode("utf-8"))
    return path


def test_exit_codes_tell_the_outcomes_apart():
    assert plan_exit_code("optimal", 0.0) == EXIT_OK
    assert plan_exit_code("time_limit", 0.0) == EXIT_TIME_LIMIT
    assert plan_exit_code("optimal", 1.5) == EXIT_SHORTFALL
    assert plan_exit_code("time_limit", 1.5) == EXIT_SHORTFALL
    assert plan_exit_code("fallback", 0.0) == EXIT_FALLBACK
    assert len({EXIT_OK, EXIT_TIME_LIMIT, EXIT_SHORTFALL, EXIT_FALLBACK, EXIT_BAD_INPUT, 1}) == 6


def test_a_missed_target_exits_with_the_shortfall_code(tmp_path, capsys):
    text = (EXAMPLES / "leaf-xstorage.toml").read_text(encoding="utf-8").replace('"../', f'"{ROOT.as_posix()}/data/')
    text = text.replace("depart_soc_min_kwh = ", "depart_soc_min_kwh = 62.0 # ")
    path = tmp_path / "full.toml"
    path.write_text(text, encoding="utf-8")
    assert main(["plan", str(path)]) == EXIT_SHORTFALL
    assert main(["plan", str(EXAMPLES / "leaf-xstorage.toml")]) == EXIT_OK


def test_a_bad_out_extension_is_rejected_before_anything_is_planned(tmp_path, capsys):
    missing = tmp_path / "does-not-exist.toml"
    assert main(["plan", str(missing), "--out", str(tmp_path / "plan.txt")]) == EXIT_BAD_INPUT
    assert "--out" in capsys.readouterr().err  # named before the scenario is even read
    assert main(["plan", str(missing), "--plot", str(tmp_path / "plan.gif")]) == EXIT_BAD_INPUT
    assert "--plot" in capsys.readouterr().err


@pytest.mark.parametrize("step", ["0", "7", "-5"])
def test_tariff_table_with_an_impossible_step_is_a_clear_error(step, capsys):
    assert main(["tariffs", "show", "octopus-go", "--date", "2025-03-30", "--step-minutes", step]) == EXIT_BAD_INPUT
    assert f"--step-minutes: {step}" in capsys.readouterr().err


def test_a_scenario_with_a_byte_order_mark_reads_like_one_without(tmp_path):
    plain = planner.load_scenario(_example_with_series(tmp_path, FIXTURE))
    bom = planner.load_scenario(_example_with_series(tmp_path, FIXTURE, prefix=b"\xef\xbb\xbf"))
    assert plain.tariff.import_price_per_kwh.tolist() == bom.tariff.import_price_per_kwh.tolist()
    assert [b.name for b in bom.batteries] == ["xstorage"]


def _rewrite(source: Path, target: Path, sep: str, decimal: str) -> Path:
    rows = list(csv.reader(source.open(encoding="utf-8")))
    with target.open("w", encoding="utf-8-sig") as f:
        f.write(sep.join(rows[0]) + "\n")
        for row in rows[1:]:
            f.write(sep.join([row[0], *(x.replace(".", decimal) for x in row[1:])]) + "\n")
    return target


def test_semicolon_csv_with_decimal_commas_equals_the_dotted_file(tmp_path):
    semi = _rewrite(FIXTURE, tmp_path / "semi.csv", ";", ",")
    a = planner.load_scenario(_example_with_series(tmp_path, FIXTURE))
    b = planner.load_scenario(_example_with_series(tmp_path, semi))
    assert a.load_kw.tolist() == pytest.approx(b.load_kw.tolist(), abs=1e-12)
    assert a.tariff.import_price_per_kwh.tolist() == pytest.approx(b.tariff.import_price_per_kwh.tolist(), abs=1e-12)


def test_decimal_commas_in_a_comma_separated_file_are_named_as_such(tmp_path):
    bad = _rewrite(FIXTURE, tmp_path / "comma.csv", ",", ",")
    with pytest.raises(planner.ScenarioError) as err:
        planner.load_scenario(_example_with_series(tmp_path, bad))
    message = str(err.value)
    assert "load.csv" in message and "decimal commas" in message
    assert "timestamp" not in message


def test_a_car_arriving_below_its_reserve_does_not_discharge_and_verify_enforces_it():
    scenario = planner.load_scenario(EXAMPLES / "leaf-xstorage.toml")
    (car,) = scenario.vehicles
    low = car.soc_min_kwh - 1.0
    sessions = tuple(dataclasses.replace(s, arrive_soc_kwh=low) for s in car.sessions)
    low_car = dataclasses.replace(car, sessions=sessions)
    scenario = dataclasses.replace(scenario, vehicles=(low_car,))
    result = planner.plan(scenario)
    assert result.status == "optimal"
    assert float(result.schedule[f"{car.name}_discharge_kw"].sum()) == 0.0
    assert any("below the reserve" in note for note in planner.inputs.validate.degraded_notes(scenario))
    # a plan that discharges such a car is rejected by the verifier
    bad = copy.copy(result)
    schedule = result.schedule.copy()
    k = int(schedule[f"{car.name}_plugged"].to_numpy().nonzero()[0][3])
    schedule.iloc[k, schedule.columns.get_loc(f"{car.name}_discharge_kw")] = 1.0
    bad.schedule = schedule
    assert any("below its reserve" in v for v in check(scenario, bad, check_costs=False))


@pytest.mark.slow
def test_a_guard_timeout_writes_the_fail_safe_plan_and_exits_cleanly(tmp_path):
    """The 200-van depot cannot be planned in 3 s: the fail-safe plan, exit 5, no abort at exit."""
    out = tmp_path / "plan.csv"
    proc = subprocess.run(
        [sys.executable, "-m", "planner", "plan", str(EXAMPLES / "depot-200-vans.toml"),
         "--time-limit-s", "3", "--out", str(out)],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )
    assert proc.returncode == EXIT_FALLBACK, (proc.returncode, proc.stderr[-2000:])
    assert "fail-safe plan" in proc.stderr and "terminate called" not in proc.stderr
    assert out.is_file()
