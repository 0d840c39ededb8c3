"""``planner plan``, ``planner validate`` and ``planner tariffs``."""

from __future__ import annotations

import argparse
import sys

from planner.cli.options import add_plan_options, plan_options
from planner.cli.output import EXIT_OK, plan_exit_code

SAVE_SUFFIXES = (".csv", ".parquet", ".json")
PLOT_SUFFIXES = (".png", ".pdf", ".svg")


def read_scenario_arg(name: str):  # noqa: ANN201 - a planner.inputs.specs.Scenario
    """The scenario named on the command line: a TOML file, or ``-`` for TOML on stdin (CSV paths in it
    resolve against the working directory)."""
    from planner.inputs.scenario import load_scenario, scenario_from_toml

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
    if args.variants:
        if args.plot or (args.out and Path(args.out).suffix.lower() != ".csv"):
            raise ValueError("--variants: writes the committed setpoints to an --out .csv; --plot is not available")
        from planner.cli.stochastic import run_stochastic

        return run_stochastic(args, scenario, plan_options(args))
    result = plan(scenario, plan_options(args))
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
    from planner.inputs.validate import degraded_notes

    for note in list(scenario.notes) + degraded_notes(scenario):
        print(f"  note: {note}")
    return EXIT_OK


def _cmd_tariffs(args: argparse.Namespace) -> int:
    from planner.inputs.tariffs import scheme as tariffs

    if args.tariffs_command == "list":
        print(tariffs.format_scheme_list())
    else:
        print(tariffs.format_scheme_day(args.name, args.date, args.step_minutes))
    return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``plan``, ``validate`` and ``tariffs``."""
    p = sub.add_parser("plan", help="plan one scenario and print a summary")
    p.add_argument("scenario", help="scenario TOML file, or - to read it from stdin")
    p.add_argument("--out", help="write the schedule (.csv, .parquet or .json)")
    p.add_argument("--plot", help="write a PNG/PDF/SVG plot of prices, power flows and SoC ([plot] extra)")
    p.add_argument(
        "--json", action="store_true",
        help="write the plan (status, costs, shortfalls, schedule) as JSON on stdout; the summary goes to stderr",
    )
    add_plan_options(p)
    p.add_argument("--variants", help="folder (or comma list) of variant scenario files: plan one commitment "
                   "across them (docs/stochastic.md); --out then writes the committed setpoints (.csv)")
    p.add_argument("--weights", help="with --variants: comma-separated probabilities (default: equal)")
    p.add_argument("--commit-steps", type=int, default=None,
                   help="with --variants: steps whose setpoints are shared by every variant (default 1)")
    p.add_argument("--cvar-weight", type=float, default=0.0,
                   help="with --variants: weight of the cost's CVaR beside its expectation (default 0)")
    p.add_argument("--cvar-level", type=float, default=0.9,
                   help="with --variants: CVaR level, the worst 1 - level of the mass (default 0.9)")
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
