"""Command line: ``planner plan|validate|...``. This is the only module that prints.

Each subcommand is a ``_cmd_<name>(args) -> int`` function registered in :func:`build_parser`; bad input
ends with a one-line message on stderr and a non-zero exit code.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from planner.errors import PlannerError, ScenarioError

EXIT_OK = 0
"""``plan``: an optimal plan that meets every target. Other commands: success."""
EXIT_FAILED = 1
"""No result: the command failed (the message says why)."""
EXIT_BAD_INPUT = 2
"""Bad input (scenario, option or file): nothing was planned."""
EXIT_TIME_LIMIT = 3
"""``plan``: a verified plan found within the time limit but not proven optimal; every target met."""
EXIT_SHORTFALL = 4
"""``plan``: a verified plan (optimal or time-limited) that misses a target or leaves load unserved."""
EXIT_FALLBACK = 5
"""``plan``: the solver gave no usable plan; the verified fail-safe plan was written (reason printed)."""
SAVE_SUFFIXES = (".csv", ".parquet", ".json")
PLOT_SUFFIXES = (".png", ".pdf", ".svg")
SHORTFALL_TOL_KWH = 1e-3
"""A shortfall below this [kWh] counts as met for the exit code."""


def plan_exit_code(status: str, shortfall_kwh: float) -> int:
    """The exit code of ``planner plan`` for a plan's status and total shortfall [kWh] (see ``EXIT_*``)."""
    if status == "fallback":
        return EXIT_FALLBACK
    if shortfall_kwh > SHORTFALL_TOL_KWH:
        return EXIT_SHORTFALL
    return EXIT_TIME_LIMIT if status == "time_limit" else EXIT_OK


def read_scenario_arg(name: str):  # noqa: ANN201 - a planner.scenario.Scenario
    """The scenario named on the command line: a TOML file, or ``-`` for TOML on stdin (CSV paths in it
    resolve against the working directory)."""
    from planner.scenario import load_scenario, scenario_from_toml

    if name == "-":
        return scenario_from_toml(sys.stdin.read(), ".", "<stdin>")
    return load_scenario(name)


def _cmd_plan(args: argparse.Namespace) -> int:
    from pathlib import Path

    from planner.api import plan

    if args.out and Path(args.out).suffix.lower() not in SAVE_SUFFIXES:
        raise ValueError(f"--out: {args.out} - expected a .csv, .parquet or .json file name")
    if args.plot and Path(args.plot).suffix.lower() not in PLOT_SUFFIXES:
        raise ValueError(f"--plot: {args.plot} - expected a {', '.join(PLOT_SUFFIXES)} file name")
    if args.plot:
        from planner.extras import require

        require("matplotlib", "--plot")
    scenario = read_scenario_arg(args.scenario)
    result = plan(
        scenario,
        time_limit_s=args.time_limit_s,
        mip_rel_gap=args.gap,
        dispatch=args.dispatch,
    )
    # With --json, stdout carries the plan's JSON alone; the readable summary goes to stderr.
    human = sys.stderr if args.json else sys.stdout
    print(result.summary(), file=human)
    for note in result.notes:
        print(f"  note: {note}", file=human)
    if args.out:
        result.save(args.out)
        print(f"schedule written to {args.out}", file=human)
    if args.plot:
        result.plot(args.plot)
        print(f"plot written to {args.plot}", file=human)
    if args.json:
        print(result.to_json())
    if result.status == "fallback":
        print(f"fail-safe plan: {result.reason}", file=sys.stderr)
    return plan_exit_code(result.status, result.total_shortfall_kwh)


def _cmd_validate(args: argparse.Namespace) -> int:
    scenario = read_scenario_arg(args.scenario)
    sessions = sum(len(v.sessions) for v in scenario.vehicles)
    print(
        f"{'<stdin>' if args.scenario == '-' else args.scenario}: valid - {scenario.grid}, {len(scenario.batteries)} batteries, "
        f"{len(scenario.vehicles)} vehicles, {sessions} sessions"
    )
    from planner.validate import degraded_notes

    for note in list(scenario.notes) + degraded_notes(scenario):
        print(f"  note: {note}")
    return EXIT_OK


def _cmd_tariffs(args: argparse.Namespace) -> int:
    from planner import tariffs

    if args.tariffs_command == "list":
        print(tariffs.format_scheme_list())
    else:
        print(tariffs.format_scheme_day(args.name, args.date, args.step_minutes))
    return EXIT_OK


EXIT_PARTIAL = 4
"""``prices fetch``: some steps are not published yet; the file holds the published ones."""


def _cmd_prices(args: argparse.Namespace) -> int:
    from planner.inputs.prices import fetch_entsoe, fetch_octopus

    common = {"timeout_s": args.timeout_s, "retries": args.retries}
    end = args.end or _two_days_after(args.start)
    if args.source == "octopus":
        series = fetch_octopus(args.product, args.region, args.start, end, column=args.column,
                               step_minutes=args.step_minutes or 30, **common)
    else:
        series = fetch_entsoe(args.zone, args.start, end, token=args.token, step_minutes=args.step_minutes,
                              **common)
    path = series.write_csv(args.out)
    print(f"{series.coverage_text()}; column {series.column} written to {path}")
    if not series.complete:
        print(f"prices incomplete: {series.coverage_text()}", file=sys.stderr)
        return EXIT_OK if args.allow_partial else EXIT_PARTIAL
    return EXIT_OK


def _two_days_after(start: str) -> str:
    import pandas as pd

    from planner.inputs.prices.series import utc

    return (utc(start, "--start") + pd.Timedelta(days=2)).isoformat()


def _add_prices_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("prices", help="fetch live prices into the CSV a scenario reads")
    psub = p.add_subparsers(dest="prices_command", required=True)
    f = psub.add_parser(
        "fetch", help="Octopus unit rates or ENTSO-E day-ahead prices over a window",
        description="Write timestamp_utc,<price column> for [--start, --end) (UTC; dates mean 00:00 UTC). "
        f"Exit {EXIT_OK}: every step published; {EXIT_PARTIAL}: some steps not published yet (the file holds "
        f"the published ones); {EXIT_BAD_INPUT}: bad option; {EXIT_FAILED}: the source failed.",
    )
    f.add_argument("source", choices=["octopus", "entsoe"], help="octopus (GBP/kWh inc VAT) or entsoe (EUR/kWh)")
    f.add_argument("--product", default="AGILE-24-10-01",
                   help="octopus: product code (default AGILE-24-10-01; export: AGILE-OUTGOING-19-05-13)")
    f.add_argument("--region", default="C", help="octopus: region letter A-P (default C, London)")
    f.add_argument("--column", help="octopus: column name (default import_/export_price_gbp_per_kwh)")
    f.add_argument("--zone", default="DE-LU", help="entsoe: bidding zone, e.g. DE-LU, FR, NL, or an EIC code")
    f.add_argument("--token", help="entsoe: security token (default: the ENTSOE_API_TOKEN variable)")
    f.add_argument("--start", default="today", help="first step, UTC (default today)")
    f.add_argument("--end", help="end of the window, UTC (default two days after --start)")
    f.add_argument("--step-minutes", type=int, help="step of the written series (default 30; entsoe: published)")
    f.add_argument("--out", required=True, help="CSV file to write")
    f.add_argument("--timeout-s", type=float, default=20.0, help="per-request timeout [s] (default 20)")
    f.add_argument("--retries", type=int, default=3, help="tries after a timeout or 429/5xx (default 3)")
    f.add_argument("--allow-partial", action="store_true", help=f"exit {EXIT_OK} when some steps are missing")
    f.set_defaults(func=_cmd_prices)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    from planner import __version__, catalogue, compare
    from planner.jobs.batch import command as batch_command

    parser = argparse.ArgumentParser(
        prog="planner", description="Dispatch planner for homes and depots with electric vehicles."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("plan", help="plan one scenario and print a summary")
    p.add_argument("scenario", help="scenario TOML file, or - to read it from stdin")
    p.add_argument("--out", help="write the schedule (.csv, .parquet or .json)")
    p.add_argument("--plot", help="write a PNG/PDF/SVG plot of prices, power flows and SoC ([plot] extra)")
    p.add_argument(
        "--json", action="store_true",
        help="write the plan (status, costs, shortfalls, schedule) as JSON on stdout; the summary goes to stderr",
    )
    p.add_argument("--time-limit-s", type=float, default=10.0, help="solver time limit [s] (default 10)")
    p.add_argument("--gap", type=float, default=1e-4, help="relative MIP gap (default 1e-4)")
    p.add_argument(
        "--dispatch",
        choices=["setpoint", "fractional"],
        default="setpoint",
        help="setpoint: one power per step (default); fractional: switching within a step allowed",
    )
    p.set_defaults(func=_cmd_plan)

    p = sub.add_parser("validate", help="check a scenario file and list every problem")
    p.add_argument("scenario", help="scenario TOML file, or - to read it from stdin")
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("tariffs", help="list the shipped tariff schemes or show one")
    tsub = p.add_subparsers(dest="tariffs_command", required=True)
    t = tsub.add_parser("list", help="one line per shipped scheme")
    t.set_defaults(func=_cmd_tariffs)
    t = tsub.add_parser("show", help="a scheme's rates, sources and (with --date) one day's prices")
    t.add_argument("name", help="scheme name (see 'planner tariffs list') or scheme file")
    t.add_argument("--date", help="local day YYYY-MM-DD to print prices for")
    t.add_argument("--step-minutes", type=int, default=30, help="step of the price table (default 30)")
    t.set_defaults(func=_cmd_tariffs)

    _add_prices_parser(sub)
    for module in (catalogue, batch_command, compare):
        module.register_cli(sub)
    return parser


def echo(text: str = "", *, err: bool = False) -> None:
    """Print one line (stderr when ``err``); subcommands registered by other modules print through this."""
    print(text, file=sys.stderr if err else sys.stdout, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``planner`` command; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except BrokenPipeError:  # the reader went away (``planner models list | head``): not an error
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except PlannerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
