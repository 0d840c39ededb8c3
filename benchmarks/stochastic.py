"""Stochastic plan time against the deterministic plan, measured in the same run, for 1-10 variants.

The study home (benchmarks/tariff_comparison.py: a real GB household's load, PV, a Leaf with V2G, a home
battery, Agile prices), 48 h x 30 min from ``--start``, the Leaf plugged in from 18:00 (20 kWh) to 07:30 the
next day (50 kWh wanted); the variants take load and PV from the same hours of
earlier weeks (``planner.jobs.variants.variants_from_history``); one committed step. Prints the median time of
``--repeat`` runs and the ratio to the deterministic plan of the same scenario:

    .venv/bin/python benchmarks/stochastic.py
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

import tariff_comparison as study  # noqa: E402

import planner  # noqa: E402
from planner.jobs.simulate.site import prices_from_scheme  # noqa: E402
from planner.jobs.stochastic import plan_stochastic  # noqa: E402
from planner.jobs.variants import variants_from_history  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--start", default="2023-03-06")
    parser.add_argument("--variants", default="1,2,5,10")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    site = study.build_site(args.start, days=2, history_days=70)
    prices = prices_from_scheme(site, study.TARIFFS["agile"])
    begin = pd.Timestamp(args.start, tz="UTC")
    i0 = int((begin - site.index[0]) / pd.Timedelta(minutes=30))
    sl = slice(i0, i0 + 96)
    base = study.template()
    grid = planner.TimeGrid(begin, 30, 96, base.grid.timezone)
    from dataclasses import replace

    from planner.inputs.specs import SessionSpec
    from planner.inputs.tariffs.spec import TariffSpec

    # one evening plug-in: home at 18:00 with 20 kWh, away at 07:30 with at least 50 kWh
    evening = SessionSpec(begin + pd.Timedelta(hours=18), begin + pd.Timedelta(hours=31.5), 20.0, 50.0)

    scenario = replace(base, grid=grid, load_kw=site.load_kw[sl], solar_kw=site.solar_kw[sl],
                       tariff=TariffSpec(prices.import_price_per_kwh[sl], prices.export_price_per_kwh[sl], 0.0),
                       vehicles=tuple(replace(v, sessions=(evening,)) for v in base.vehicles))
    load = pd.Series(site.load_kw, index=site.index)
    solar = pd.Series(site.solar_kw, index=site.index)

    def timed(f):  # noqa: ANN001, ANN202
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            out = f()
            times.append(time.perf_counter() - t0)
        return statistics.median(times), out

    det_s, det = timed(lambda: planner.plan(scenario))
    print(f"deterministic plan: {det_s * 1000:.0f} ms, cost {det.costs['total']:.3f} GBP ({det.status})")
    print(f"{'variants':>8} {'time ms':>8} {'ratio':>6} {'expected cost':>14} {'spread (min-max)':>18}")
    for k in (int(x) for x in args.variants.split(",")):
        variants = variants_from_history(scenario, load, solar, k, max_weeks=10, seed=0)
        s, sp = timed(lambda variants=variants: plan_stochastic(scenario, variants))
        spread = sp.cost_spread
        print(f"{k:>8} {s * 1000:>8.0f} {s / det_s:>6.1f} {sp.expected_cost:>14.3f} "
              f"{spread['min']:>8.3f}-{spread['max']:.3f}")


if __name__ == "__main__":
    main()
