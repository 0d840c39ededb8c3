"""Batch under crashes and signals: crashed workers retried once, clean stops, no process left behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from crashers import square_or_die

from planner.cli.main import main
from planner.jobs.batch import read_site_result, run_batch, site_key
from planner.jobs.batch.local_pool import Crash, run_local
from planner.jobs.batch.population import PopulationSpec, generate_population

REPO = Path(__file__).resolve().parents[2]


def _run(tasks, workers=2):
    got = {}
    run_local(tasks, square_or_die, workers, lambda task, value: got.__setitem__(task[0], value))
    return got


def test_a_worker_killed_once_costs_nothing_and_one_killed_twice_fails_only_its_own_site(tmp_path):
    marker = str(tmp_path)
    tasks = [(n, "ok", marker) for n in range(12)]
    tasks[3] = (3, "once", marker)
    tasks[7] = (7, "always", marker)
    tasks[9] = (9, "raise", marker)
    got = _run(tasks)
    assert sorted(got) == list(range(12))  # every site reported exactly once
    for n in range(12):
        if n == 7:
            assert isinstance(got[n], Crash)
        elif n == 9:
            assert isinstance(got[n], RuntimeError)
        else:
            assert got[n] == n * n, n


def _children_of(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


@pytest.fixture(scope="module")
def big_population(tmp_path_factory) -> Path:
    spec = PopulationSpec(homes=300, seed=5, start="2023-03-14T16:00:00+00:00", hours=16.0)
    return generate_population(tmp_path_factory.mktemp("pop"), spec, "parquet")


def _start(population: Path, out: Path) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "planner", "batch", str(population), "--out", str(out), "--workers", "2"]
    return subprocess.Popen(cmd, cwd=REPO, start_new_session=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _wait_for_files(proc: subprocess.Popen, out: Path, n: int) -> list[psutil.Process]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if len(list((out / "schedules").glob("*.parquet"))) >= n if (out / "schedules").is_dir() else False:
            return _children_of(proc.pid)
        if proc.poll() is not None:
            pytest.fail("the batch finished before the signal")
        time.sleep(0.02)
    pytest.fail("the batch wrote no results")


def _running(p: psutil.Process) -> bool:
    try:
        return p.is_running() and p.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _gone(processes: list[psutil.Process], within_s: float = 5.0) -> bool:
    """Every process has exited (a zombie waiting to be reaped counts as exited)."""
    deadline = time.monotonic() + within_s
    while any(_running(p) for p in processes):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.mark.slow
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_stops_the_batch_cleanly_and_resume_plans_only_the_rest(big_population, tmp_path, signum, code):
    out = tmp_path / "out"
    proc = _start(big_population, out)
    workers = _wait_for_files(proc, out, 10)
    assert len(workers) >= 2
    if signum == signal.SIGINT:
        os.killpg(proc.pid, signum)  # Ctrl-C reaches the whole process group
    else:
        proc.send_signal(signum)
    stdout, stderr = proc.communicate(timeout=30)
    assert proc.returncode == code, stderr
    assert "Traceback" not in stderr
    assert f"batch stopped by {signal.Signals(signum).name}" in stderr and "--resume" in stderr
    assert _gone(workers), "worker processes outlived the batch"
    kept = {p.name: read_site_result(p).run_id for p in (out / "schedules").glob("*.parquet")}
    time.sleep(0.3)
    assert len(list((out / "schedules").glob("*.parquet"))) == len(kept)  # nothing written after the stop
    assert 10 <= len(kept) < 300
    result = run_batch(big_population, out, workers=2, resume=True)
    assert result.skipped == len(kept) and result.succeeded == 300 - len(kept) and result.failed == 0
    for path in (out / "schedules").glob("*.parquet"):
        if path.name in kept:
            assert read_site_result(path).run_id == kept[path.name]


@pytest.mark.slow
def test_workers_exit_when_the_batch_process_is_killed(big_population, tmp_path):
    out = tmp_path / "out"
    proc = _start(big_population, out)
    workers = _wait_for_files(proc, out, 5)
    proc.kill()
    proc.communicate(timeout=30)
    assert _gone(workers), "orphaned workers kept running"


@pytest.mark.slow
def test_a_killed_worker_fails_no_site(big_population, tmp_path):
    out = tmp_path / "out"
    proc = _start(big_population, out)
    workers = _wait_for_files(proc, out, 10)
    planners = [w for w in workers if w.cpu_times().user > 0.5 or "forkserver" in " ".join(w.cmdline())]
    victim = max(planners, key=lambda w: w.create_time())  # a pool worker (the forkserver starts first)
    victim.kill()
    stdout, stderr = proc.communicate(timeout=180)
    assert proc.returncode == 0, stderr
    assert "300 succeeded, 0 failed" in stdout
    assert not list((out / "failed").glob("*.json"))


def test_workers_below_one_are_rejected(big_population, tmp_path, capsys):
    for bad in ("0", "-2"):
        assert main(["batch", str(big_population), "--out", str(tmp_path / "o"), "--workers", bad]) == 2
        assert f"workers: {bad}" in capsys.readouterr().err


def test_an_empty_input_folder_is_an_error(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["batch", str(tmp_path / "empty"), "--out", str(tmp_path / "o")]) == 2
    assert "no .toml scenario files" in capsys.readouterr().err


def test_a_250_character_site_id_is_planned(tmp_path):
    example = (REPO / "data" / "examples" / "leaf-no-v2g.toml").read_text(encoding="utf-8")
    sites = tmp_path / "sites"
    sites.mkdir()
    name = "a" * 250
    (sites / f"{name}.toml").write_text(example.replace('"../series/', f'"{(REPO / "data" / "series").as_posix()}/'),
                                        encoding="utf-8")
    result = run_batch(sites, tmp_path / "out", workers=1)
    assert result.succeeded == 1, result.summary["error"].tolist()
    key = site_key(name)
    assert len(key) < 100
    assert read_site_result(tmp_path / "out" / "schedules" / f"{key}.parquet").site == name
