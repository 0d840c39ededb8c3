"""Error of each realistic forecast of the simulation against persistence, on the study home's year.

For every day of the study year (benchmarks/tariff_comparison.py: a real household's load and modelled PV,
half-hourly) each forecast of ``planner.jobs.simulate.forecasts`` is issued at local midnight for the next
24 h, as the simulation issues it, and compared with what happened: mean absolute error of load and PV
[kW] and, for the net demand (load - PV), the error ratio to persistence (``realistic``) measured in the
same run:

    .venv/bin/python benchmarks/forecast_error.py [--days 365]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

import tariff_comparison as study  # noqa: E402

from planner.jobs.simulate.forecasts import FORECASTS  # noqa: E402
from planner.jobs.simulate.site import prices_from_scheme  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--start", default=study.START)
    args = parser.parse_args(argv)
    history = 29
    site = study.build_site(args.start, args.days, history_days=history)
    prices = prices_from_scheme(site, "flat-price-cap+outgoing-fixed")
    per_day = 1440 // site.step_minutes
    first_day = pd.Timestamp(args.start, tz="UTC")
    names = [n for n in FORECASTS if n != "perfect"]
    errors = {n: {"load": [], "solar": [], "net": []} for n in names}
    for d in range(args.days):
        issue = first_day + pd.Timedelta(days=d)
        first = site.position(issue)
        if first + per_day > len(site.index):
            break
        sl = slice(first, first + per_day)
        for name in names:
            load, solar, _, _ = FORECASTS[name]().series(site, prices, first, per_day, issue)
            errors[name]["load"].append(np.abs(load - site.load_kw[sl]).mean())
            errors[name]["solar"].append(np.abs(solar - site.solar_kw[sl]).mean())
            errors[name]["net"].append(np.abs((load - solar) - (site.load_kw[sl] - site.solar_kw[sl])).mean())
    base = np.mean(errors["realistic"]["net"])
    print(f"{len(errors['realistic']['net'])} days from {args.start}")
    print(f"{'forecast':<12} {'load MAE kW':>12} {'PV MAE kW':>10} {'net MAE kW':>11} {'ratio':>6}")
    for name in names:
        e = {k: float(np.mean(v)) for k, v in errors[name].items()}
        print(f"{name:<12} {e['load']:>12.3f} {e['solar']:>10.3f} {e['net']:>11.3f} {e['net'] / base:>6.2f}")


if __name__ == "__main__":
    main()
