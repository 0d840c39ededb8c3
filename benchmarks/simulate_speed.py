"""Simulation speed: seconds per simulated year of the study home with one optimal strategy.

The home, series and tariff are those of ``benchmarks/tariff_comparison.py`` (one tariff, one strategy,
realistic forecasts). Two runs in the same process: the default (a day whose planning scenario has the shape
of a recent day's is re-solved by a persistent model, :class:`planner.jobs.shape_cache.ShapeCache`) and a
reference that builds its model every day. Prints, for each, seconds per simulated year (wall time of
``simulate`` scaled to 365 days), the mean decision time per day, how many days re-solved a kept model, and
the ratio of the two. Both runs must give the same net cost when no day was re-solved.

    .venv/bin/python benchmarks/simulate_speed.py                       # 365 days, optimal_v2g, agile
    .venv/bin/python benchmarks/simulate_speed.py --days 60 --strategy optimal_v2g_wear --tariff go
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for extra in (ROOT, ROOT / "benchmarks"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

import tariff_comparison as study  # noqa: E402

from planner.jobs.simulate.simulation import simulate  # noqa: E402
from planner.jobs.simulate.site import prices_from_scheme  # noqa: E402
from planner.jobs.simulate.strategies import Optimal, get_strategy  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--strategy", default="optimal_v2g", choices=["optimal", "optimal_v2g", "optimal_v2g_wear"])
    parser.add_argument("--tariff", default="agile", choices=list(study.TARIFFS))
    parser.add_argument("--forecast", default="realistic", choices=["realistic", "perfect"])
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    site = study.build_site(study.START, args.days)
    prices = prices_from_scheme(site, study.TARIFFS[args.tariff])
    setup = time.perf_counter() - t0
    load = os.getloadavg()
    out = sys.stdout
    out.write(f"study home, {args.tariff}, {args.strategy}, {args.forecast} forecast, {args.days} days; "
              f"site and prices once: {setup:.2f} s; load average {load[0]:.2f} on {os.cpu_count()} cores\n")
    out.write(f"{'run':<22} {'s/year':>8} {'decide ms/day':>14} {'re-solved days':>15} {'net cost':>10}\n")
    base = get_strategy(args.strategy)
    runs = {
        "reuse (default)": base,
        "rebuild every day": Optimal(base.name, base.v2g, base.wear, options=base.options, reuse=False),
    }
    per_year = {}
    for label, strategy in runs.items():
        result = simulate(site, prices, strategy, start=study.START, days=args.days, forecast=args.forecast)
        per_year[label] = result.wall_seconds * 365.0 / args.days
        decide_ms = 1000.0 * float(result.days["decide_seconds"].mean())
        out.write(f"{label:<22} {per_year[label]:>8.1f} {decide_ms:>14.1f} "
                  f"{result.reused_days:>9d} / {args.days:<3d} {result.net_cost:>10.2f}\n")
        counts = strategy.cache.counts
        out.write(f"{'':<22} plans: {counts['fresh']} fresh, {counts['sessions_built']} sessions built, "
                  f"{counts['reused']} re-solved\n")
    ratio = per_year["rebuild every day"] / per_year["reuse (default)"]
    out.write(f"speed-up of reuse against rebuilding every day: {ratio:.2f}x\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
