"""Run batch sites on local worker processes: crash retry, clean stop on signals, no orphaned workers.

The rules (``docs/batch.md`` states them for users):

- **A worker that dies** (killed, out of memory) breaks its pool; every site that pool had in flight is
  retried once, each alone on a fresh one-worker pool, so one crashing site cannot take the others down
  twice. A site whose retry also kills its worker is returned as failed (``crashed=True`` in
  :class:`Crash`); the caller writes its ``failed/`` record.
- **SIGTERM or SIGINT** in the calling process (main thread only) cancel the sites not yet started, end
  every worker process and raise :class:`BatchInterrupted`. Sites already finished keep their result files.
- **Workers never outlive the batch**: each worker ignores SIGINT (the parent decides), asks the kernel for
  SIGTERM when its parent process dies (Linux ``PR_SET_PDEATHSIG``) and watches the batch process's pid,
  exiting within about a second after it is gone.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

WATCH_PARENT_EVERY_S = 0.5
"""How often a worker checks that the batch process is still alive [s]."""


class BatchInterrupted(Exception):
    """The batch was stopped by a signal; ``signal_number`` says which (``signal.SIGTERM`` or ``SIGINT``)."""

    def __init__(self, signal_number: int) -> None:
        self.signal_number = signal_number
        super().__init__(f"batch stopped by {signal.Signals(signal_number).name}")


@dataclass(frozen=True)
class Crash:
    """A site whose worker process died on the first try and again on its isolated retry."""

    error: str


def _alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (a zombie, killed but not yet reaped, counts as gone)."""
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):  # PermissionError: the pid now belongs to another user
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[0] not in ("Z", "X")


def _watch_parent(batch_pid: int) -> None:
    while _alive(batch_pid):
        time.sleep(WATCH_PARENT_EVERY_S)
    os._exit(1)


def init_worker(batch_pid: int, initializer: Callable[[], None] | None) -> None:
    """Worker set-up: ignore SIGINT, die with the parent, watch the batch process, then ``initializer``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG
    threading.Thread(target=_watch_parent, args=(batch_pid,), name="planner-watch-parent", daemon=True).start()
    if initializer is not None:
        initializer()


@contextlib.contextmanager
def _signals_raise() -> Any:
    """While active (main thread only), SIGTERM and SIGINT raise :class:`BatchInterrupted`."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, _frame: Any) -> None:
        raise BatchInterrupted(signum)

    previous = {s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


def _end_pool(pool: ProcessPoolExecutor) -> None:
    """Cancel what has not started and end every worker process now."""
    processes = list(getattr(pool, "_processes", {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        with contextlib.suppress(Exception):
            proc.terminate()
    for proc in processes:
        with contextlib.suppress(Exception):
            proc.join(timeout=2.0)
            if proc.is_alive():
                proc.kill()


def run_local(
    tasks: Iterable[Any],
    run_one: Callable[[Any], Any],
    workers: int,
    on_result: Callable[[Any, Any], None],
    *,
    initializer: Callable[[], None] | None = None,
    preload: tuple[str, ...] = (),
    window_per_worker: int = 4,
) -> None:
    """Run ``run_one(task)`` for every task on ``workers`` local processes; report each through ``on_result``.

    ``on_result(task, value)`` gets ``run_one``'s return value, the exception it raised, or a :class:`Crash`
    for a site that killed its worker twice. At most ``window_per_worker * workers`` tasks are in flight.

    Raises
    ------
    BatchInterrupted
        On SIGTERM or SIGINT (no worker is left running).
    """
    ctx = multiprocessing.get_context("forkserver")
    if preload:
        ctx.set_forkserver_preload(list(preload))
    pending = iter(tasks)
    retry: list[Any] = []
    with _signals_raise():
        broken = True
        while broken:
            broken = False
            _pool_round(ctx, pending, run_one, workers, on_result, initializer, window_per_worker, retry)
            if retry:
                broken = True
                suspects, retry[:] = list(retry), []
                for task in suspects:
                    _isolated(ctx, task, run_one, on_result, initializer)


def _pool_round(ctx, pending, run_one, workers, on_result, initializer, window, retry) -> None:
    """Fill one pool from ``pending`` until it is exhausted or the pool breaks (its in-flight to ``retry``)."""
    in_flight: dict[Future[Any], Any] = {}
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=init_worker,
                               initargs=(os.getpid(), initializer))
    try:
        broken = False
        while True:
            while len(in_flight) < window * workers and not broken:
                task = next(pending, None)
                if task is None:
                    break
                in_flight[pool.submit(run_one, task)] = task
            if not in_flight:
                break
            done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in done:
                task = in_flight.pop(future)
                try:
                    value = future.result()
                except BrokenProcessPool:
                    broken = True
                    retry.append(task)
                    continue
                except Exception as exc:  # noqa: BLE001 - reported for this site only
                    value = exc
                on_result(task, value)
            if broken and not in_flight:
                break
    except BaseException:
        _end_pool(pool)
        raise
    pool.shutdown(wait=True)


def _isolated(ctx, task, run_one, on_result, initializer) -> None:
    """Retry one site alone on a fresh one-worker pool; a second crash is reported as :class:`Crash`."""
    pool = ProcessPoolExecutor(max_workers=1, mp_context=ctx, initializer=init_worker,
                               initargs=(os.getpid(), initializer))
    try:
        future = pool.submit(run_one, task)
        try:
            value = future.result()
        except BrokenProcessPool:
            value = Crash("the worker process died while planning this site, twice (once on its own)")
        except Exception as exc:  # noqa: BLE001 - reported for this site only
            value = exc
        on_result(task, value)
    except BaseException:
        _end_pool(pool)
        raise
    pool.shutdown(wait=True)
