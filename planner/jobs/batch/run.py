"""One batch run: tasks in, results folder out (staging, locks, resume, summary and manifest)."""

from __future__ import annotations

import contextlib
import fcntl
import json
import math
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pandas as pd

from planner.jobs.batch.executors import run_dask_sites, run_local_sites
from planner.jobs.batch.hashing import RESULT_FORMAT, canonical, sha256
from planner.jobs.batch.reading import read_tasks
from planner.jobs.batch.records import (
    BatchOptions,
    BatchProgress,
    BatchResult,
    SiteResult,
    SiteTask,
)
from planner.jobs.batch.storage import atomic_write, find_site_result, resolve_format
from planner.solve.plan_options import PlanOptions


@contextlib.contextmanager
def locked(path: Path, blocking: bool = True) -> Iterator[bool]:
    """Hold an exclusive ``flock`` on ``path`` (yields False when ``blocking`` is off and it is taken)."""
    with path.open("a+") as handle:
        flags = fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB)
        try:
            fcntl.flock(handle.fileno(), flags)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


STALE_UNLOCKED_STAGING_S = 3600.0
"""Age after which a staging folder without a lock file is taken as abandoned [s]."""


def _clean_stale_staging(staging_root: Path, own: str) -> None:
    """Remove staging folders of runs that ended without cleaning up (killed: their lock is free).

    A run takes its lock before it creates its folder, so a folder whose lock is held belongs to a live run.
    A folder without any lock file is removed only when it is old (its lock file may have been removed by a
    cleaner racing the run's start).
    """
    now = time.time()
    for entry in staging_root.iterdir():
        run = entry.name[: -len(".lock")] if entry.name.endswith(".lock") else entry.name
        if run == own:
            continue
        lock = staging_root / f"{run}.lock"
        folder = staging_root / run
        if entry.is_dir() and not lock.exists():
            with contextlib.suppress(OSError):
                if now - entry.stat().st_mtime > STALE_UNLOCKED_STAGING_S:
                    shutil.rmtree(entry, ignore_errors=True)
            continue
        if entry != lock:
            continue
        with locked(lock, blocking=False) as free:
            if free:
                shutil.rmtree(folder, ignore_errors=True)
                with contextlib.suppress(FileNotFoundError):
                    lock.unlink()


def summary_frame(results: Iterable[SiteResult]) -> pd.DataFrame:
    """The summary table: site, status, total_cost, currency, cost_<term>..., shortfall_kwh, solve_seconds,
    error, skipped, run_id, input_hash, worker, peak_rss_mb (``docs/batch.md`` describes each column)."""
    rows = []
    terms: list[str] = []
    for r in results:
        for k in r.costs:
            if k != "total" and k not in terms:
                terms.append(k)
    for r in results:
        row: dict[str, Any] = {
            "site": r.site,
            "status": r.status,
            "total_cost": r.total_cost,
            "currency": r.currency,
        }
        for k in terms:
            row[f"cost_{k}"] = r.costs.get(k, math.nan if not r.ok else 0.0)
        row.update(
            {
                "shortfall_kwh": r.shortfall_kwh,
                "solve_seconds": r.solve_seconds,
                "error": r.error,
                "skipped": r.skipped,
                "run_id": r.run_id,
                "input_hash": r.input_hash,
                "worker": r.worker,
                "peak_rss_mb": r.peak_rss_mb,
            }
        )
        rows.append(row)
    columns = ["site", "status", "total_cost", "currency", *(f"cost_{k}" for k in terms), "shortfall_kwh",
               "solve_seconds", "error", "skipped", "run_id", "input_hash", "worker", "peak_rss_mb"]
    return pd.DataFrame(rows, columns=columns)


def run_batch(
    input_path: str | Path,
    out_dir: str | Path,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    options: PlanOptions | None = None,
    time_limit_s: float | None = None,
    mip_rel_gap: float | None = None,
    dispatch: str | None = None,
    threads: int | None = None,
    resume: bool = False,
    progress: Callable[[BatchProgress], None] | None = None,
    results_format: str = "auto",
) -> BatchResult:
    """Plan every site of ``input_path`` into ``out_dir`` (see the module docstring for both layouts).

    Parameters
    ----------
    input_path : path
        Folder of scenario TOML files, or a ``.csv``/``.parquet`` site table.
    out_dir : path
        Results folder (created).
    workers : int or None
        Local worker processes (default: every core). Ignored with ``scheduler``.
    scheduler : str or None
        Address of a Dask ``distributed`` scheduler (``tcp://host:8786``); its workers need the input's
        files at the same paths and write into ``out_dir`` (a shared file system).
    options : PlanOptions or None
        Plan options for every site (see :func:`planner.plan`); ``time_limit_s``, ``mip_rel_gap``,
        ``dispatch`` and ``threads``, when given, override its fields.
    resume : bool
        Reuse results whose input hash matches; recompute the rest.
    progress : callable or None
        Called with a :class:`BatchProgress` after every site (the library itself never prints).
    results_format : str
        Schedule files: ``parquet`` (needs the ``[parquet]`` extra), ``csv`` (a CSV and a JSON file per
        site), or ``auto`` (default: Parquet when pyarrow is installed, else CSV). The plans are the same.

    Returns
    -------
    BatchResult
        Counts, the summary table and every site's result. Sites that failed are in it with their error;
        the run itself raises only for an unreadable input or results folder.
    """
    t0 = time.perf_counter()
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        msg = f"workers: {workers!r} - expected a whole number >= 1 (or None for every core)"
        raise ValueError(msg)
    chosen = PlanOptions.of(options, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap, dispatch=dispatch,
                            threads=threads)
    options = BatchOptions(**{f: getattr(chosen, f) for f in PlanOptions.__dataclass_fields__})
    fmt = resolve_format(results_format)
    tasks = read_tasks(input_path, options)
    out = Path(out_dir).resolve()
    for sub in ("schedules", "failed", ".staging"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    run_id = f"{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    staging_root = out / ".staging"
    staging = staging_root / run_id
    with locked(staging_root / f"{run_id}.lock"):
        staging.mkdir()
        _clean_stale_staging(staging_root, run_id)
        try:
            results = _execute(tasks, out, staging, run_id, options, workers, scheduler, resume,
                               progress, t0, fmt)
            summary = summary_frame(results)
            _write_outputs(out, staging, input_path, tasks, options, run_id, summary, results, t0, fmt)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    with contextlib.suppress(FileNotFoundError):
        (staging_root / f"{run_id}.lock").unlink()
    return BatchResult(out, summary, results, run_id, time.perf_counter() - t0)


def _execute(
    tasks: list[SiteTask],
    out: Path,
    staging: Path,
    run_id: str,
    options: BatchOptions,
    workers: int | None,
    scheduler: str | None,
    resume: bool,
    progress: Callable[[BatchProgress], None] | None,
    t0: float,
    fmt: str,
) -> list[SiteResult]:
    done = [0]
    todo: list[SiteTask] = []
    counts = {"succeeded": 0, "failed": 0, "skipped": 0}

    def record(result: SiteResult) -> None:
        done[0] += 1
        kind = "skipped" if result.skipped else ("succeeded" if result.ok else "failed")
        counts[kind] += 1
        if progress is not None:
            progress(BatchProgress(len(tasks), done[0], counts["succeeded"], counts["failed"],
                                   counts["skipped"], time.perf_counter() - t0, result))

    keyed: dict[str, SiteResult] = {}
    for task in tasks:
        previous = find_site_result(out, task.key) if resume else None
        if previous is not None and previous.input_hash == task.input_hash and task.error is None:
            previous.skipped = True
            keyed[task.key] = previous
            record(previous)
        else:
            todo.append(task)
    context = {"out_dir": str(out), "staging": str(staging), "run_id": run_id, "options": asdict(options),
               "format": fmt}

    def on_result(task: SiteTask, result: SiteResult) -> None:
        keyed[task.key] = result
        record(result)

    if todo:
        if scheduler:
            run_dask_sites(todo, context, scheduler, on_result)
        else:
            n = workers if workers is not None else (os.cpu_count() or 1)
            run_local_sites(todo, context, min(n, len(todo)), on_result)
    return [keyed[t.key] for t in tasks]


def _write_outputs(
    out: Path,
    staging: Path,
    input_path: str | Path,
    tasks: list[SiteTask],
    options: BatchOptions,
    run_id: str,
    summary: pd.DataFrame,
    results: list[SiteResult],
    t0: float,
    fmt: str,
) -> None:
    site_hashes = {t.site: t.input_hash for t in tasks}
    manifest = {
        "result_format": RESULT_FORMAT,
        "input": str(Path(input_path).resolve()),
        "input_hash": sha256(canonical(sorted(site_hashes.items()))),
        "options": options.fingerprint(),
        "options_hash": options.digest(),
        "run_id": run_id,
        "finished_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "elapsed_s": round(time.perf_counter() - t0, 3),
        "sites": len(tasks),
        "succeeded": sum(1 for r in results if r.ok and not r.skipped),
        "failed": sum(1 for r in results if not r.ok),
        "skipped": sum(1 for r in results if r.skipped),
        "site_hashes": site_hashes,
        "schedule_format": fmt,
    }
    with locked(out / ".lock"):
        if fmt == "parquet":
            atomic_write(out / "summary.parquet", staging, lambda tmp: summary.to_parquet(tmp, index=False))
        else:
            with contextlib.suppress(FileNotFoundError):
                (out / "summary.parquet").unlink()  # a stale table from an earlier Parquet run
        atomic_write(out / "summary.csv", staging, lambda tmp: summary.to_csv(tmp, index=False))
        atomic_write(
            out / "manifest.json", staging,
            lambda tmp: tmp.write_text(json.dumps(manifest, indent=1, sort_keys=True)),
        )
