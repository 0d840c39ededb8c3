"""Batch throughput: plan a generated population of homes on 1 and 2 local worker processes.

Each home (drawn by :mod:`planner.jobs.batch.population` from real data): 48 h at 30 min, Octopus Agile prices, one V2G
vehicle with a real Norwegian plug-in session, a catalogue home battery, PV. Prints homes per second for
each worker count (wall time of the whole ``run_batch`` call: start-up, planning, writing every result)
and the peak resident memory of each worker process.

    .venv/bin/python benchmarks/batch.py                   # 1,000 homes, 1 and 2 workers
    .venv/bin/python benchmarks/batch.py --homes 100 --workers 2
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from planner.jobs.batch import run_batch
from planner.jobs.batch.population import PopulationSpec, generate_population


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--homes", type=int, default=1000)
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--time-limit-s", type=float, default=10.0)
    parser.add_argument("--keep", help="write inputs and results under this folder (default: a temp dir)")
    args = parser.parse_args()

    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="batch-bench-"))
    spec = PopulationSpec(homes=args.homes, seed=args.seed, hours=48.0, step_minutes=30,
                          vehicle_share=1.0, v2g_share=1.0, battery_share=1.0, pv_share=1.0)
    table = generate_population(root / "input", spec)
    print(f"{args.homes} homes, 48 h at 30 min, V2G vehicle + home battery + PV, Agile prices; input {table}")
    print(f"{'workers':>7} {'homes/s':>8} {'wall s':>8} {'median plan s':>14} {'failed':>6} "
          f"{'fallback':>8} {'peak MiB per worker':>20}")
    for workers in [int(w) for w in args.workers.split(",")]:
        out = root / f"results-{workers}w"
        t0 = time.perf_counter()
        result = run_batch(table, out, workers=workers, time_limit_s=args.time_limit_s)
        wall = time.perf_counter() - t0
        peaks: dict[str, float] = {}
        for r in result.results:
            if r.worker:
                peaks[r.worker] = max(peaks.get(r.worker, 0.0), r.peak_rss_mb)
        median = statistics.median(r.solve_seconds for r in result.results if r.ok)
        peak_txt = ", ".join(f"{v:.0f}" for v in sorted(peaks.values()))
        print(f"{workers:>7} {args.homes / wall:>8.2f} {wall:>8.1f} {median:>14.3f} {result.failed:>6} "
              f"{result.fallback:>8} {peak_txt:>20}")
        statuses = result.summary["status"].value_counts().to_dict()
        print(f"        statuses: {statuses}; results in {out}")


if __name__ == "__main__":
    main()
