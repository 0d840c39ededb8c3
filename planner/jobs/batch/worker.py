"""The worker side of a batch: plan one site and write its result file (never raises)."""

from __future__ import annotations

import contextlib
import json
import os
import resource
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from planner.jobs.batch.records import BatchOptions, SiteResult, SiteTask
from planner.jobs.batch.storage import atomic_write, remove_schedule, write_schedule
from planner.solve.plan_options import PlanOptions


def init_worker() -> None:
    """Process-pool initializer: import the planner once per worker (series files are cached by the reader).

    The worker's standard output goes to the null device: the planner never prints, and third-party
    banners (the solver's) would otherwise interleave with the command's own output.
    """
    import planner.api  # noqa: F401 - import cost paid once, before the first site

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


_LOCAL = threading.local()
"""Per worker thread: the :class:`~planner.jobs.shape_cache.ShapeCache` of each option set (Dask workers may run
several threads in one process; a persistent model is not shared between threads)."""


def _shape_cache(options: BatchOptions) -> Any:
    """This thread's cache of persistent models for ``options`` (at most 4 shapes kept per thread)."""
    from planner.jobs.shape_cache import ShapeCache

    caches = getattr(_LOCAL, "caches", None)
    if caches is None:
        caches = _LOCAL.caches = {}
    key = PlanOptions(**{f: getattr(options, f) for f in PlanOptions.__dataclass_fields__})  # frozen and hashable: one cache per option set
    if key not in caches:
        caches.clear()  # one option set per batch: keep memory flat
        # every site planned fresh: a site's plan is the one planner.plan gives it, whatever other sites the
        # batch holds, in whatever order, on however many workers, resumed or not (docs/performance.md)
        caches[key] = ShapeCache(max_sessions=4, max_seen=8, options=key, reuse=False)
    return caches[key]


def plan_site(task: SiteTask, context: Mapping[str, Any]) -> SiteResult:
    """Plan one site and write its result file; never raises (errors are returned in the result).

    Parameters
    ----------
    task : SiteTask
        The site.
    context : dict
        ``out_dir``, ``staging``, ``run_id``, ``options`` (a :class:`BatchOptions` as a dict) and
        ``format`` (``parquet`` or ``csv``, the schedule files' format).
    """
    import socket

    from planner.inputs.scenario import load_scenario, scenario_from_dict

    out = Path(context["out_dir"])
    staging = Path(context["staging"])
    options = BatchOptions(**context["options"])
    worker = f"{socket.gethostname()}:{os.getpid()}"
    fmt = context.get("format", "parquet")
    failed_path = out / "failed" / f"{task.key}.json"
    t0 = time.perf_counter()
    try:
        if task.error:
            raise ValueError(task.error)
        if task.kind == "toml":
            scenario = load_scenario(task.payload)
        else:
            scenario = scenario_from_dict(task.payload, task.base_dir, source=task.site)
        result_plan = _shape_cache(options).plan(scenario)
    except Exception as exc:  # noqa: BLE001 - a failing site is recorded and the batch goes on
        message = f"{type(exc).__name__}: {exc}"
        result = SiteResult(
            task.site, "failed", error=message, input_hash=task.input_hash, run_id=context["run_id"],
            solve_seconds=time.perf_counter() - t0, worker=worker, peak_rss_mb=_peak_rss_mb(),
        )
        atomic_write(
            failed_path, staging, lambda tmp: tmp.write_text(json.dumps(result.to_json(), indent=1))
        )
        remove_schedule(out, task.key)
        return result
    costs = {k: float(v) for k, v in result_plan.costs.items()}
    result = SiteResult(
        task.site,
        result_plan.status,
        total_cost=float(result_plan.total_cost),
        currency=result_plan.currency,
        costs=costs,
        shortfall_kwh=result_plan.total_shortfall_kwh,
        solve_seconds=float(result_plan.solve_seconds),
        error=result_plan.reason if result_plan.status == "fallback" else "",
        input_hash=task.input_hash,
        run_id=context["run_id"],
        worker=worker,
        peak_rss_mb=_peak_rss_mb(),
    )
    write_schedule(out, task.key, staging, result_plan, result, fmt)
    with contextlib.suppress(FileNotFoundError):
        failed_path.unlink()
    return result
