"""Run site tasks on local worker processes or on a Dask ``distributed`` cluster."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from planner.jobs.batch.local_pool import Crash, run_local
from planner.jobs.batch.records import SiteResult, SiteTask
from planner.jobs.batch.storage import atomic_write
from planner.jobs.batch.worker import init_worker, plan_site


def run_local_sites(
    tasks: list[SiteTask],
    context: dict[str, Any],
    workers: int,
    on_result: Callable[[SiteTask, SiteResult], None],
) -> None:
    """Plan ``tasks`` on local worker processes (:func:`planner.jobs.batch.local_pool.run_local`).

    A site whose worker died twice (once on its own) is reported failed; its ``failed/`` record is written
    here, in the parent.
    """
    from functools import partial


    def report(task: SiteTask, value: Any) -> None:
        if isinstance(value, SiteResult):
            on_result(task, value)
            return
        error = value.error if isinstance(value, Crash) else f"{type(value).__name__}: {value}"
        result = SiteResult(task.site, "failed", input_hash=task.input_hash, run_id=context["run_id"],
                            error=error)
        out, staging = Path(context["out_dir"]), Path(context["staging"])
        with contextlib.suppress(OSError):
            atomic_write(out / "failed" / f"{task.key}.json", staging,
                          lambda tmp: tmp.write_text(json.dumps(result.to_json(), indent=1)))
        on_result(task, result)

    run_local(tasks, partial(plan_site, context=context), workers, report, initializer=init_worker,
              preload=("planner.api", "planner.jobs.batch.worker"))


def run_dask_sites(
    tasks: list[SiteTask], context: dict[str, Any], address: str, on_result: Callable[[SiteTask, SiteResult], None]
) -> None:
    """Plan ``tasks`` on a Dask ``distributed`` cluster (the context is sent to each worker once)."""
    from planner.extras import require

    distributed = require("distributed", "batch on a Dask cluster (--scheduler)")
    Client, as_completed = distributed.Client, distributed.as_completed  # noqa: N806 - the library's names

    with Client(address, set_as_default=False) as client:
        n_workers = max(len(client.scheduler_info().get("workers", {})), 1)
        shared = client.scatter(context, broadcast=True, hash=False)
        window = 4 * n_workers
        pending = iter(tasks)
        names: dict[str, SiteTask] = {}

        def submit(task: SiteTask) -> Any:
            future = client.submit(plan_site, task, shared, key=f"plan-{context['run_id']}-{task.key}",
                                   pure=False)
            names[future.key] = task
            return future

        first = [submit(t) for t in (next(pending, None) for _ in range(window)) if t is not None]
        futures = as_completed(first, loop=client.loop)
        for future in futures:
            task = names.pop(future.key)
            try:
                on_result(task, future.result())
            except Exception as exc:  # noqa: BLE001 - a lost worker fails only its own sites
                on_result(task, SiteResult(task.site, "failed", input_hash=task.input_hash,
                                     run_id=context["run_id"], error=f"{type(exc).__name__}: {exc}"))
            future.release()
            nxt = next(pending, None)
            if nxt is not None:
                futures.add(submit(nxt))
