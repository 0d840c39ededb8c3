"""``planner batch``: the command line of a batch run (progress bar or log lines, exit codes)."""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner.cli.options import add_plan_options, plan_options
from planner.cli.output import EXIT_FAILED, EXIT_OK, echo

if TYPE_CHECKING:
    from planner.jobs.batch.records import BatchProgress


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``planner batch INPUT --out RESULTS [--workers N] [--scheduler ADDRESS] ...``."""
    p = sub.add_parser("batch", help="plan many sites into a results folder (resumable)")
    p.add_argument("input", help="folder of scenario TOML files, or a .csv/.parquet site table")
    p.add_argument("--out", required=True, help="results folder")
    p.add_argument("--workers", type=int, default=None, help="local worker processes (default: all cores)")
    p.add_argument("--scheduler", default=None, help="Dask scheduler address, e.g. tcp://host:8786")
    add_plan_options(p, "site")
    p.add_argument("--resume", action="store_true", help="skip sites whose result matches their input hash")
    p.add_argument("--format", choices=["auto", "parquet", "csv"], default="auto",
                   help="schedule files: parquet ([parquet] extra), csv, or auto (parquet when installed)")
    p.set_defaults(func=_cmd_batch)


class _ProgressReporter:
    """Progress for the command line: a tqdm bar on a terminal, else a log line every ``interval_s``."""

    def __init__(self, echo: Callable[[str], None], interval_s: float = 10.0) -> None:
        import sys

        self._echo = echo
        self._interval_s = interval_s
        self._last = -math.inf
        self._bar: Any = None
        self._tty = sys.stderr.isatty()

    def __call__(self, p: BatchProgress) -> None:
        if self._tty:
            if self._bar is None:
                from tqdm import tqdm

                self._bar = tqdm(total=p.total, unit="site", smoothing=0.1, dynamic_ncols=True)
            self._bar.update(1)
            self._bar.set_postfix(ok=p.succeeded, failed=p.failed, skipped=p.skipped, refresh=False)
            return
        now = time.monotonic()
        if now - self._last < self._interval_s and p.done < p.total:
            return
        self._last = now
        planned = p.succeeded + p.failed
        rate = planned / p.elapsed_s if p.elapsed_s > 0 else 0.0
        left = p.total - p.done
        eta = f", about {left / rate:.0f} s left" if rate > 0 and left else ""
        self._echo(
            f"[batch] {p.done}/{p.total} sites ({p.succeeded} ok, {p.failed} failed, {p.skipped} skipped), "
            f"{rate:.1f} sites/s{eta}"
        )

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def _cmd_batch(args: argparse.Namespace) -> int:
    from planner.jobs.batch.local_pool import BatchInterrupted

    reporter = _ProgressReporter(echo)
    try:
        from planner.jobs.batch.run import run_batch  # loaded when the command runs (fast --help)

        result = run_batch(
            args.input, args.out, workers=args.workers, scheduler=args.scheduler,
            options=plan_options(args), resume=args.resume, progress=reporter, results_format=args.format,
        )
    except BatchInterrupted as exc:
        reporter.close()
        done = sum(1 for p in (Path(args.out) / "schedules").glob("*") if p.suffix in (".parquet", ".json"))
        echo(f"{exc}: the sites not yet planned were cancelled and every worker ended; "
             f"{done} schedule files in {args.out} are complete - rerun with --resume to finish", err=True)
        return 128 + exc.signal_number
    finally:
        reporter.close()
    failed = result.summary[result.summary["status"] == "failed"]
    for site, error in zip(failed["site"].head(20), failed["error"].head(20), strict=True):
        echo(f"failed: {site}: {error}")
    if len(failed) > 20:
        echo(f"... and {len(failed) - 20} more failed sites (see {result.out_dir / 'summary.csv'})")
    if result.fallback:
        echo(f"{result.fallback} sites got the fail-safe plan (status 'fallback')")
    echo(f"results in {result.out_dir} ({result.elapsed_s:.1f} s)")
    echo(f"{result.succeeded} succeeded, {result.failed} failed, {result.skipped} skipped")
    return EXIT_OK if result.ok else EXIT_FAILED
