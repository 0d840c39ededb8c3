"""``planner compare``: simulate a home or depot under several tariffs and strategies, and write the report."""

from __future__ import annotations

import argparse

from planner.cli.options import add_plan_options, plan_options
from planner.cli.output import echo

FORECASTS = ("realistic", "averaged", "perfect")


def _cmd_compare(args: argparse.Namespace) -> int:
    from pathlib import Path

    from tqdm import tqdm

    from planner.jobs.compare import compare_tariffs
    from planner.jobs.compare_site import first_start, site_from_scenario
    from planner.jobs.v2g_answer import forecast_lines, v2g_answer

    forecasts = [f for f in args.forecast.split(",") if f]
    bad = [f for f in forecasts if f not in FORECASTS] or ([] if forecasts else [args.forecast])
    if bad:
        echo(f"error: --forecast: {','.join(bad)} - expected one or more of {', '.join(FORECASTS)}", err=True)
        return 2
    history = 0 if forecasts == ["perfect"] else 8
    if args.start is None:
        args.start = first_start(args.scenario, history)
        echo(f"period starts {args.start}, the first day the data allows"
             + (f" ({history} days of history for the forecast)" if history else ""), err=True)
    site = site_from_scenario(args.scenario, args.start, args.days, history_days=history)
    tariffs = [t for t in args.tariffs.split(",") if t]
    strategies = [s for s in args.strategies.split(",") if s]
    answers = {}
    for i, forecast in enumerate(forecasts):  # the first forecast's report in --out, the others in subfolders
        out = None if not args.out else (Path(args.out) if i == 0 else Path(args.out) / f"forecast-{forecast}")
        with tqdm(total=len(tariffs) * len(strategies) * args.days, unit="day", desc=f"compare ({forecast})") as bar:
            result = compare_tariffs(
                site, tariffs, strategies, start=args.start, days=args.days, forecast=forecast,
                replan_every_minutes=args.replan_every_minutes, switching_penalty_per_kw=args.switching_penalty_per_kw,
                km_per_kwh=args.km_per_kwh, out=out, resume=args.resume,
                progress=lambda k: bar.update(k - bar.n), plan_options=plan_options(args),
            )
        for note in result.notes:
            echo(f"note: {note}", err=True)
        if len(forecasts) > 1:
            echo(f"## forecast: {forecast}")
        echo(result.markdown())
        answers[forecast] = v2g_answer(result.table)
    if len(forecasts) > 1 and all(len(a) for a in answers.values()):
        lines = ["", "## Forecast sensitivity", "", *forecast_lines(answers, site.template.currency), ""]
        echo("\n".join(lines))
        if args.out:
            with (Path(args.out) / "report.md").open("a", encoding="utf-8") as report:
                report.write("\n".join(lines))
    if args.out:
        echo(f"report written to {args.out}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``planner compare SCENARIO --tariffs ... --strategies ... --start ... --days ... --out ...``."""
    p = sub.add_parser("compare", help="simulate a home or depot under several tariffs and strategies")
    p.add_argument("scenario", help="scenario TOML whose load/solar CSVs cover the period")
    p.add_argument("--tariffs", default="flat,economy7,go,agile", help="comma-separated tariff names")
    p.add_argument("--strategies", default="charge_on_arrival,cheapest_hours,optimal,optimal_v2g",
                   help="comma-separated strategy names")
    p.add_argument("--start", default=None,
                   help="first local day (YYYY-MM-DD; default: the first day the scenario's CSVs allow)")
    p.add_argument("--days", type=int, default=365, help="number of days (default 365)")
    p.add_argument("--forecast", default="realistic",
                   help="realistic: persistence (a week ago, yesterday's sun); averaged: the last 7 days' mean; "
                        "perfect: the true future; several, comma-separated (realistic,perfect), add the "
                        "report's forecast sensitivity")
    p.add_argument("--replan-every-minutes", type=int, default=None,
                   help="re-plan from the true state every N minutes (default: once a day at 00:00)")
    p.add_argument("--switching-penalty-per-kw", type=float, default=0.0,
                   help="plan with this penalty per kW of change in each battery's and car's power between "
                        "steps, for steadier plans (not counted in the costs; default 0)")
    p.add_argument("--km-per-kwh", type=float, default=None, help="distance per kWh driven, for cost per 100 km")
    p.add_argument("--out", default=None, help="report folder (CSV, Markdown, PNG; each finished run in runs/)")
    p.add_argument("--resume", action="store_true",
                   help="reuse the runs a stopped compare with the same inputs already finished in --out")
    add_plan_options(p, "day plan")
    p.set_defaults(func=_cmd_compare)


