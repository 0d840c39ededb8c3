"""Batch planning: per-site isolation, atomic results, resume, Dask equivalence, concurrent runs.

Every test that plans reads the stored plans back and runs :func:`planner.verify.verify` on them against the
scenario rebuilt independently from the input row, so a result file that does not belong to its input fails.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

import planner
from planner.cli.main import main
from planner.jobs.batch import (
    BatchOptions,
    load_site_plan,
    read_site_result,
    read_tasks,
    row_to_scenario_dict,
    run_batch,
    site_key,
)
from planner.jobs.batch.population import PopulationSpec, generate_population, population_table

REPO = Path(__file__).resolve().parents[2]
# a 16-hour evening-to-morning horizon keeps each solve small while covering real overnight sessions
SMALL = {"start": "2023-03-14T16:00:00+00:00", "hours": 16.0}


def _population(folder: Path, homes: int, seed: int, table_format: str = "parquet") -> Path:
    return generate_population(folder, PopulationSpec(homes=homes, seed=seed, **SMALL), table_format)


def _rows(table: Path) -> list[dict]:
    if table.suffix == ".csv":
        return pd.read_csv(table, dtype=str, keep_default_na=False).to_dict(orient="records")
    return pd.read_parquet(table).to_dict(orient="records")


def _verify_stored(table: Path, out: Path, sites: list[str] | None = None) -> dict[str, planner.Plan]:
    """Rebuild each site's scenario from its row and verify the stored plan against it."""
    plans = {}
    from_csv = table.suffix == ".csv"
    for row in _rows(table):
        if sites is not None and row["site"] not in sites:
            continue
        scenario = planner.scenario_from_dict(row_to_scenario_dict(row, from_csv=from_csv), table.parent)
        stored = load_site_plan(out, row["site"])
        planner.verify(scenario, stored)
        plans[row["site"]] = stored
    return plans


def _comparable(out: Path) -> pd.DataFrame:
    summary = pd.read_parquet(out / "summary.parquet")
    return summary.drop(columns=["solve_seconds", "skipped", "run_id", "worker", "peak_rss_mb"])


def _assert_same_results(a: Path, b: Path, sites: list[str]) -> None:
    pd.testing.assert_frame_equal(_comparable(a), _comparable(b))
    for site in sites:
        fa = pd.read_parquet(a / "schedules" / f"{site_key(site)}.parquet")
        fb = pd.read_parquet(b / "schedules" / f"{site_key(site)}.parquet")
        pd.testing.assert_frame_equal(fa, fb)


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _population(tmp_path_factory.mktemp("pop"), homes=16, seed=11)


@pytest.fixture(scope="module")
def reference(population: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An uninterrupted local run of ``population`` (the results others must equal)."""
    out = tmp_path_factory.mktemp("reference")
    result = run_batch(population, out, workers=2)
    assert (result.succeeded, result.failed, result.skipped) == (16, 0, 0)
    _verify_stored(population, out)
    return out


# ------------------------------------------------------------------------------------------------
# Reading tables
# ------------------------------------------------------------------------------------------------
def test_row_to_scenario_dict_builds_nested_tables_and_indexed_arrays() -> None:
    row = {
        "site": "a",
        "meta.note": "ignored",
        "horizon.hours": 24.0,
        "battery.name": "b0",
        "battery[1].name": "b1",
        "vehicle.session.arrive": "2023-01-01T18:00:00Z",
        "vehicle.session[1].arrive": "2023-01-02T18:00:00Z",
        "solar.kwp": math.nan,
    }
    raw = row_to_scenario_dict(row)
    assert raw == {
        "horizon": {"hours": 24.0},
        "battery": [{"name": "b0"}, {"name": "b1"}],
        "vehicle": {"session": [{"arrive": "2023-01-01T18:00:00Z"}, {"arrive": "2023-01-02T18:00:00Z"}]},
    }
    with pytest.raises(ValueError, match="not a key"):
        row_to_scenario_dict({"battery..name": "x"})


def test_csv_cells_are_typed_by_key() -> None:
    raw = row_to_scenario_dict(
        {"site": "007", "name": "007", "vehicle.v2g": "TRUE", "horizon.step_minutes": "30",
         "battery.soc_kwh": "2.5", "load.column": "42", "grid.import_limit_kw": ""},
        from_csv=True,
    )
    assert raw == {"name": "007", "vehicle": {"v2g": True}, "horizon": {"step_minutes": 30},
                   "battery": {"soc_kwh": 2.5}, "load": {"column": "42"}}


def test_input_hash_follows_row_options_and_referenced_files(tmp_path: Path) -> None:
    table = _population(tmp_path, homes=3, seed=1, table_format="csv")
    base = {t.site: t.input_hash for t in read_tasks(table, BatchOptions())}
    assert len(set(base.values())) == 3
    assert {t.site: t.input_hash for t in read_tasks(table, BatchOptions())} == base
    other = {t.site: t.input_hash for t in read_tasks(table, BatchOptions(time_limit_s=5.0))}
    assert all(other[s] != base[s] for s in base)
    # editing one cell changes that site only
    frame = pd.read_csv(table, dtype=str, keep_default_na=False)
    frame.loc[1, "load.scale"] = "0.5"
    frame.to_csv(table, index=False)
    edited = {t.site: t.input_hash for t in read_tasks(table, BatchOptions())}
    assert [s for s in base if edited[s] != base[s]] == ["home-1"]
    # editing a shared series file changes every site that references it
    pv = tmp_path / "pv_kw_per_kwp.csv"
    pv.write_text(pv.read_text().replace("0.0000", "0.0001", 1))
    changed = {t.site: t.input_hash for t in read_tasks(table, BatchOptions())}
    users = {r["site"] for r in _rows(table) if r.get("solar.csv")}
    assert {s for s in base if changed[s] != edited[s]} == users


def test_population_is_seeded_and_physically_sensible() -> None:
    spec = PopulationSpec(homes=30, seed=5)
    a, load_a, pv_a = population_table(spec)
    b, load_b, _ = population_table(spec)
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(load_a, load_b)
    c, _, _ = population_table(PopulationSpec(homes=30, seed=6))
    assert not a["load.column"].equals(c["load.column"])
    start = pd.Timestamp(spec.start)
    end = start + pd.Timedelta(hours=spec.hours)
    arrive = pd.to_datetime(a["vehicle.session.arrive"])
    depart = pd.to_datetime(a["vehicle.session.depart"])
    assert ((arrive >= start) & (arrive < depart) & (depart <= end)).all()
    assert (a["vehicle.session.arrive_soc_kwh"] <= a["vehicle.session.depart_soc_min_kwh"]).all()
    assert (load_a.to_numpy() >= 0).all() and (pv_a.to_numpy() >= 0).all()
    # PV per kWp is zero at night and below 1 kW/kWp at noon (a real module never exceeds its rating)
    night = pv_a.index.tz_convert("Europe/London").hour.isin([0, 1, 2, 3, 22, 23])
    assert (pv_a.loc[night, "pv_kw_per_kwp"] == 0).all() and pv_a["pv_kw_per_kwp"].max() < 1.0
    # annual consumption scale factors give a median near the configured one
    assert 0.2 < a["load.scale"].median() < 5


# ------------------------------------------------------------------------------------------------
# Runs
# ------------------------------------------------------------------------------------------------
def test_fifty_sites_with_three_invalid_finish_47_and_report_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = _population(tmp_path / "in", homes=50, seed=3)
    frame = pd.read_parquet(table)
    frame.loc[4, "battery.soc_kwh"] = -1.0  # a negative state of charge
    frame.loc[17, "tariff.scheme"] = "no-such-tariff"
    frame.loc[33, "load.column"] = "no_such_column"
    frame.to_parquet(table, index=False)
    out = tmp_path / "out"
    code = main(["batch", str(table), "--out", str(out), "--workers", "2"])
    printed = capsys.readouterr().out.strip().splitlines()
    assert code != 0
    assert printed[-1] == "47 succeeded, 3 failed, 0 skipped"
    summary = pd.read_parquet(out / "summary.parquet")
    assert len(summary) == 50 and list(summary["site"]) == list(frame["site"])
    failed = summary[summary["status"] == "failed"].set_index("site")["error"]
    assert sorted(failed.index) == ["home-04", "home-17", "home-33"]
    assert "battery[0].soc_kwh" in failed["home-04"]
    assert "no-such-tariff" in failed["home-17"]
    assert "no_such_column" in failed["home-33"]
    assert sorted(p.stem for p in (out / "failed").glob("*.json")) == ["home-04", "home-17", "home-33"]
    assert len(list((out / "schedules").glob("*.parquet"))) == 47
    ok_sites = [s for s in summary["site"] if s not in failed.index]
    plans = _verify_stored(table, out, ok_sites)
    for site, stored in plans.items():
        row = summary.set_index("site").loc[site]
        assert row["total_cost"] == pytest.approx(stored.costs["total"])
        # import cost recomputed from the stored schedule (price x power x step hours)
        h = 0.5
        sched = stored.schedule
        assert row["cost_import_cost"] == pytest.approx(
            float((sched["import_price_per_kwh"] * sched["grid_import_kw"]).sum() * h), abs=1e-6
        )
    manifest = json.loads((out / "manifest.json").read_text())
    assert (manifest["sites"], manifest["succeeded"], manifest["failed"]) == (50, 47, 3)
    assert manifest["options_hash"] == BatchOptions().digest()
    assert not any((out / ".staging").iterdir())


def test_toml_folder_input_and_progress_callback(tmp_path: Path) -> None:
    src = tmp_path / "sites"
    (src / "north").mkdir(parents=True)
    for name in ("leaf-xstorage", "leaf-no-v2g"):
        text = (REPO / "data/examples" / f"{name}.toml").read_text()
        text = text.replace('"../series/', f'"{REPO}/data/series/')
        (src / "north" / f"{name}.toml").write_text(text)
    (src / "broken.toml").write_text("schema_version = 1\nname = [unclosed\n")
    seen = []
    result = run_batch(src, tmp_path / "out", workers=1, progress=seen.append)
    assert (result.succeeded, result.failed, result.skipped) == (2, 1, 0)
    assert [p.done for p in seen] == [1, 2, 3] and seen[-1].failed == 1
    by_site = {r.site: r for r in result.results}
    assert set(by_site) == {"broken", "north/leaf-no-v2g", "north/leaf-xstorage"}
    assert "TOML" in by_site["broken"].error
    for site in ("north/leaf-no-v2g", "north/leaf-xstorage"):
        scenario = planner.load_scenario(src / f"{site}.toml")
        stored = load_site_plan(tmp_path / "out", site)
        planner.verify(scenario, stored)
        direct = planner.plan(scenario)
        planner.verify(scenario, direct)
        assert stored.costs["total"] == pytest.approx(direct.costs["total"], rel=1e-9)


def test_resume_skips_matching_recomputes_changed_and_ignores_torn_files(
    population: Path, reference: Path, tmp_path: Path
) -> None:
    table_dir = tmp_path / "in"
    shutil.copytree(population.parent, table_dir)
    table = table_dir / population.name
    out = tmp_path / "out"
    shutil.copytree(reference, out)
    frame = pd.read_parquet(table)
    frame.loc[2, "load.scale"] = frame.loc[2, "load.scale"] * 1.5  # changed input
    frame.to_parquet(table, index=False)
    torn = out / "schedules" / "home-05.parquet"
    torn.write_bytes(torn.read_bytes()[:200])  # a truncated file is never taken as a result
    (out / ".staging" / "dead-run").mkdir()  # what a killed run leaves: its folder and its (free) lock
    (out / ".staging" / "dead-run" / "x.tmp").write_text("partial")
    (out / ".staging" / "dead-run.lock").write_text("")
    before = {p.name: p.stat().st_mtime_ns for p in (out / "schedules").glob("*.parquet")}
    result = run_batch(table, out, workers=2, resume=True)
    assert (result.succeeded, result.failed, result.skipped) == (2, 0, 14)
    recomputed = {r.site for r in result.results if not r.skipped}
    assert recomputed == {"home-02", "home-05"}
    after = {p.name: p.stat().st_mtime_ns for p in (out / "schedules").glob("*.parquet")}
    assert sorted(n for n in before if after[n] != before[n]) == ["home-02.parquet", "home-05.parquet"]
    _verify_stored(table, out)
    old = load_site_plan(reference, "home-02").costs["total"]
    assert load_site_plan(out, "home-02").costs["total"] != pytest.approx(old)
    assert list((out / ".staging").iterdir()) == []


@pytest.mark.slow
def test_sigkill_then_resume_equals_uninterrupted_run_and_plans_nothing_twice(
    population: Path, reference: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "planner", "batch", str(population), "--out", str(out), "--workers", "2"]
    proc = subprocess.Popen(cmd, cwd=REPO, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    schedules = out / "schedules"
    while time.monotonic() < deadline:
        if schedules.is_dir() and len(list(schedules.glob("*.parquet"))) >= 5:
            break
        if proc.poll() is not None:
            pytest.fail("the batch finished before it could be killed")
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    time.sleep(0.5)  # let orphaned workers notice
    first = {p.name: (p.stat().st_mtime_ns, read_site_result(p).run_id) for p in schedules.glob("*.parquet")}
    assert 5 <= len(first) < 16
    assert not (out / "summary.parquet").exists()
    result = run_batch(population, out, workers=2, resume=True)
    assert result.skipped == len(first)
    assert result.succeeded == 16 - len(first) and result.failed == 0
    # nothing planned twice: every file of the killed run is untouched, every other file is from the rerun
    for path in schedules.glob("*.parquet"):
        stored = read_site_result(path)
        if path.name in first:
            assert (path.stat().st_mtime_ns, stored.run_id) == first[path.name]
        else:
            assert stored.run_id == result.run_id
    _assert_same_results(out, reference, [f"home-{i:02d}" for i in range(16)])
    _verify_stored(population, out)


@pytest.mark.slow
def test_dask_local_cluster_gives_the_local_results(population: Path, reference: Path, tmp_path: Path) -> None:
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        result = run_batch(population, tmp_path / "out", scheduler=cluster.scheduler_address)
    assert (result.succeeded, result.failed) == (16, 0)
    assert len({r.worker for r in result.results}) == 2
    _assert_same_results(tmp_path / "out", reference, [f"home-{i:02d}" for i in range(16)])
    _verify_stored(population, tmp_path / "out")


@pytest.mark.slow
def test_two_concurrent_runs_on_one_folder_leave_a_complete_result(
    population: Path, reference: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "planner", "batch", str(population), "--out", str(out), "--workers", "1"]
    procs = [subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outputs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    for stdout, _ in outputs:
        assert stdout.strip().splitlines()[-1] == "16 succeeded, 0 failed, 0 skipped"
    files = sorted(p.name for p in (out / "schedules").iterdir())
    assert files == [f"home-{i:02d}.parquet" for i in range(16)]
    for name in files:
        pq.read_table(out / "schedules" / name)  # complete, readable Parquet
    assert list((out / ".staging").iterdir()) == []
    json.loads((out / "manifest.json").read_text())
    _assert_same_results(out, reference, [f"home-{i:02d}" for i in range(16)])
    _verify_stored(population, out)


def test_schedule_table_built_by_columns_equals_the_pandas_conversion() -> None:
    from planner.jobs.batch.storage import _schedule_table, _schedule_table_slow

    index = pd.date_range("2023-03-26T00:00", periods=6, freq="30min", tz="Europe/London", unit="us")
    schedule = pd.DataFrame(
        {"grid_import_kw": [0.0, 1.5, 2.0, 0.0, 0.25, 3.0],
         "ev_soc_kwh": [math.nan, math.nan, 20.0, 21.5, 23.0, math.nan],  # NaN while unplugged
         "ev_plugged": [False, False, True, True, True, False]},
        index=index,
    )
    for site in ("home-a", "home-b"):  # the first builds the layout's schema, the second reuses it
        fast, slow = _schedule_table(site, schedule), _schedule_table_slow(site, schedule)
        assert fast.equals(slow, check_metadata=True)
        assert fast.column("ev_soc_kwh").null_count == 3  # NaN stored as null, as pandas conversion does
        assert fast.column("site").to_pylist() == [site] * 6
    times = pd.DatetimeIndex(fast.column("time").to_pandas())
    assert times.equals(index.tz_convert("UTC"))


def test_sites_of_one_shape_get_their_fresh_plans(tmp_path: Path) -> None:
    """Four homes of one shape (the example with scaled load): each batch plan equals planner.plan's."""
    sites = tmp_path / "sites"
    sites.mkdir()
    text = (REPO / "data" / "examples" / "leaf-xstorage.toml").read_text()
    for k, scale in enumerate([1.0, 1.1, 1.2, 0.9]):
        (sites / f"site{k}.toml").write_text(text.replace("[load]", f"[load]\nscale = {scale}", 1))
    result = run_batch(sites, tmp_path / "out", workers=1, results_format="csv")
    assert result.succeeded == 4
    for k in range(4):
        fresh = planner.plan(planner.load_scenario(sites / f"site{k}.toml"))
        stored = load_site_plan(tmp_path / "out", f"site{k}")
        pd.testing.assert_frame_equal(stored.schedule, fresh.schedule, check_freq=False)
