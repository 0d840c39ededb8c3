"""Stochastic against deterministic MPC on real days: how much of the forecast's regret one commitment across
variants recovers.

The study home of ``benchmarks/tariff_comparison.py`` (a real household's load, PV, a Leaf and a home battery)
over four two-week blocks across the seasons of its year (8 weeks; ``--blocks``), under each tariff
(``--tariffs``), with daily decisions at 00:00 and the same controller and accounting for every run:

- ``perfect``: ``optimal`` with perfect foresight (the bound);
- ``persistence``: ``optimal`` with the realistic forecast (the same time a week ago, yesterday's sun);
- ``mean``: ``optimal`` with the ``averaged`` forecast (the mean of the last 7 days): the expected-value plan
  of the variants below;
- ``stochastic``: ``stochastic`` (the last 7 days as equally likely variants, one commitment for the day);
- ``stochastic_centred``: the same variants moved to centre on the realistic forecast (the forecast plus each
  day's deviation from the 7 days' mean), so that it differs from ``persistence`` only by the spread;
- ``replan_30``: ``optimal`` with the realistic forecast, re-planned from the true state every 30 minutes;
- ``replan_30_steady``: the same with a switching penalty of 0.005 GBP per kW of change (steadier plans);
- ``oracle_load``, ``oracle_solar``, ``oracle_prices``, ``oracle_driving``: ``optimal`` with the realistic
  forecast but one part of it true (``PartlyPerfect``): ``persistence`` minus such a run is the regret that
  part of the forecast causes: about the most a better forecast of that part, or a plan across its
  variants, could recover;
- ``drive_q75``, ``drive_q100``: ``optimal`` with the realistic forecast planning each future session's
  driving energy as the 75th percentile, or the largest, of the last 7 sessions instead of their mean.

``--runs`` picks runs (``perfect`` is always one of them: the regret is measured against it); the runs
``stochastic_sessions`` also redraw the car's sessions from its own past in every variant.
``--home SCENARIO`` studies a scenario file's home instead (e.g. the compare-ready
``data/examples/gb-home-year.toml``; tariffs are then ``compare``'s names or ``import+export`` pairs).

Per tariff it prints each run's net cost (+ shortfall penalties), the unmet departure energy and the
decision time per day, and the share of the regret (against ``perfect``) that ``stochastic`` recovers from
``persistence`` and from ``mean``; ``--out`` writes the table as Markdown and CSV::

    .venv/bin/python benchmarks/stochastic_study.py --out benchmarks/results/stochastic_study
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

import tariff_comparison as study  # noqa: E402

from planner.jobs.simulate.forecasts import FORECAST_PARTS, PartlyPerfect, RealisticForecast  # noqa: E402
from planner.jobs.simulate.simulation import simulate  # noqa: E402

#: run -> (strategy, forecast, re-planning interval [min] or None, switching penalty [GBP/kW])
RUNS = {"perfect": ("optimal", "perfect", None, 0.0), "persistence": ("optimal", "realistic", None, 0.0),
        "mean": ("optimal", "averaged", None, 0.0), "stochastic": ("stochastic", "realistic", None, 0.0),
        "stochastic_centred": ("stochastic_centred", "realistic", None, 0.0),
        "stochastic_sessions": ("stochastic_sessions", "realistic", None, 0.0),
        "stochastic_recourse": ("stochastic_recourse", "realistic", None, 0.0),
        "replan_30": ("optimal", "realistic", 30, 0.0), "replan_30_steady": ("optimal", "realistic", 30, 0.005),
        # regret attribution: the realistic forecast with one part told truly (PartlyPerfect)
        **{f"oracle_{part}": ("optimal", PartlyPerfect((part,)), None, 0.0) for part in FORECAST_PARTS},
        # the driving energy planned for: a quantile of the last 7 sessions instead of their mean
        **{f"drive_q{round(q * 100)}": ("optimal", RealisticForecast(name=f"drive_q{round(q * 100)}", drive_quantile=q),
                                         None, 0.0) for q in (0.75, 1.0)}}
DEFAULT_RUNS = "perfect,persistence,mean,stochastic,stochastic_centred"
BLOCKS = "2023-01-09,2023-04-10,2023-07-10,2023-10-09"


def run(job: tuple[str, str, str, int, str | None]) -> dict[str, object]:
    tariff, label, start, days, home = job
    strategy, forecast, every, penalty = RUNS[label]
    if home is None:
        site, prices = study.build_site(start, days), study.TARIFFS[tariff]
    else:  # a scenario file's home, its tariffs named as compare names them
        from planner.jobs.compare import resolve_tariff
        from planner.jobs.compare_site import site_from_scenario
        from planner.jobs.simulate.site import prices_from_scheme

        site = site_from_scenario(home, start, days, history_days=8)
        prices = prices_from_scheme(site, resolve_tariff(tariff))
    t0 = time.perf_counter()
    result = simulate(site, prices, strategy, start=start, days=days, forecast=forecast,
                      replan_every_minutes=every, switching_penalty_per_kw=penalty)
    seconds = time.perf_counter() - t0
    t = result.totals
    fallbacks = int(result.days["status"].astype(str).str.startswith("mean_value").sum())
    return {"tariff": tariff, "run": label, "start": start, "days": days,
            "paid": t["net_cost"] + t["shortfall_penalty"], "unmet_departure_kwh": t["unmet_departure_kwh"],
            "seconds": seconds, "mean_value_days": fallbacks,
            "mode_changes": float(result.days["mode_changes"].sum())}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tariffs", default="flat,economy7,agile")
    parser.add_argument("--blocks", default=BLOCKS, help="first days of the blocks (comma-separated)")
    parser.add_argument("--days", type=int, default=14, help="days per block")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--runs", default=DEFAULT_RUNS, help=f"comma-separated runs of {sorted(RUNS)}")
    parser.add_argument("--out", default=None)
    parser.add_argument("--home", default=None, help="a scenario file whose home to study (default: the study home)")
    args = parser.parse_args(argv)
    runs = ["perfect", *(r for r in args.runs.split(",") if r and r != "perfect")]
    unknown = [r for r in runs if r not in RUNS]
    if unknown:
        parser.error(f"unknown runs {unknown}; known: {sorted(RUNS)}")
    jobs = [(t, r, b, args.days, args.home) for t in args.tariffs.split(",") for r in runs
            for b in args.blocks.split(",")]
    t0 = time.perf_counter()
    with ProcessPoolExecutor(args.workers) as pool:
        rows = list(pool.map(run, jobs))
    wall = time.perf_counter() - t0
    if args.out:  # every run's own numbers first, so a summary problem loses nothing
        Path(args.out).mkdir(parents=True, exist_ok=True)
        pd.DataFrame(rows).to_csv(Path(args.out) / "runs.csv", index=False)
    frame = pd.DataFrame(rows).groupby(["tariff", "run"], sort=False).agg(
        paid=("paid", "sum"), unmet_departure_kwh=("unmet_departure_kwh", "sum"), seconds=("seconds", "sum"),
        days=("days", "sum"), mean_value_days=("mean_value_days", "sum"),
        mode_changes=("mode_changes", "sum")).reset_index()
    frame["seconds_per_day"] = frame["seconds"] / frame["days"]
    out = []
    for tariff, part in frame.groupby("tariff", sort=False):
        paid = dict(zip(part["run"], part["paid"], strict=True))
        for _, row in part.iterrows():
            rec = {"tariff": tariff, "run": row["run"], "paid": round(row["paid"], 2),
                   "regret": round(row["paid"] - paid["perfect"], 2),
                   "unmet_departure_kwh": round(row["unmet_departure_kwh"], 2),
                   "seconds_per_day": round(row["seconds_per_day"], 3),
                   "seconds_per_home_year": round(row["seconds_per_day"] * 365, 0),
                   "mode_changes_per_day": round(row["mode_changes"] / row["days"], 1),
                   "mean_value_days": int(row["mean_value_days"])}
            if row["run"] != "perfect":
                gap = paid["persistence"] - paid["perfect"] if "persistence" in paid else float("nan")
                rec["regret_share_of_persistence"] = f"{(row['paid'] - paid['perfect']) / gap:.0%}" if abs(gap) > 1e-9 \
                    else "-"
            if row["run"].startswith("stochastic"):
                for base in (b for b in ("persistence", "mean") if b in paid):
                    gap = paid[base] - paid["perfect"]
                    rec[f"recovered_vs_{base}"] = (f"{(paid[base] - row['paid']) / gap:.0%}" if abs(gap) > 1e-9
                                                   else "-")
            out.append(rec)
    table = pd.DataFrame(out).fillna("")
    header = (f"# Stochastic against deterministic MPC\n\n{len(args.blocks.split(','))} blocks of {args.days} days "
              f"from {args.blocks}; money in GBP (net cost + shortfall penalties); wall time {wall:.0f} s with "
              f"{args.workers} workers.\n\nMade by: `python benchmarks/stochastic_study.py "
              f"--tariffs {args.tariffs} --days {args.days} --runs {args.runs}"
              + (f" --home {args.home}" if args.home else "") + "`\n\n"
              "seconds_per_home_year = seconds_per_day x 365 (measured on these days, one worker each).\n\n")
    text = header + _markdown(table)
    print(text)
    if args.out:
        folder = Path(args.out)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "stochastic_study.md").write_text(text, encoding="utf-8")
        table.to_csv(folder / "stochastic_study.csv", index=False)


def _markdown(table: pd.DataFrame) -> str:
    cols = list(table.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in table.itertuples(index=False)]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
