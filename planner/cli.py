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


def _cmd_plan(args: argparse.Namespace) -> int:
    from pathlib import Path

    from planner.api import plan
    from planner.scenario import load_scenario

    if args.out and Path(args.out).suffix.lower() not in SAVE_SUFFIXES:
        raise ValueError(f"--out: {args.out} - expected a .csv, .parquet or .json file name")
    if args.plot and Path(args.plot).suffix.lower() not in PLOT_SUFFIXES:
        raise ValueError(f"--plot: {args.plot} - expected a {', '.join(PLOT_SUFFIXES)} file name")
    scenario = load_scenario(args.scenario)
    result = plan(
        scenario,
        time_limit_s=args.time_limit_s,
        mip_rel_gap=args.gap,
        dispatch=args.dispatch,
    )
    print(result.summary())
    for note in result.notes:
        print(f"  note: {note}")
    if args.out:
        result.save(args.out)
        print(f"schedule written to {args.out}")
    if args.plot:
        result.plot(args.plot)
        print(f"plot written to {args.plot}")
    if result.status == "fallback":
        print(f"fail-safe plan: {result.reason}", file=sys.stderr)
    return plan_exit_code(result.status, result.total_shortfall_kwh)


def _cmd_validate(args: argparse.Namespace) -> int:
    from planner.scenario import load_scenario

    scenario = load_scenario(args.scenario)
    sessions = sum(len(v.sessions) for v in scenario.vehicles)
    print(
        f"{args.scenario}: valid - {scenario.grid}, {len(scenario.batteries)} batteries, "
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


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="planner", description="Dispatch planner for homes and depots with electric vehicles."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("plan", help="plan one scenario and print a summary")
    p.add_argument("scenario", help="scenario TOML file")
    p.add_argument("--out", help="write the schedule (.csv, .parquet or .json)")
    p.add_argument("--plot", help="write a PNG plot of prices, power flows and SoC")
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
    p.add_argument("scenario", help="scenario TOML file")
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

    # further subcommands register here
    _register_optional(sub)
    return parser


def echo(text: str = "", *, err: bool = False) -> None:
    """Print one line (stderr when ``err``); subcommands registered by other modules print through this."""
    print(text, file=sys.stderr if err else sys.stdout, flush=True)


def _register_optional(sub: argparse._SubParsersAction) -> None:
    """Subcommands provided by optional modules (each module exposes ``register_cli(sub)``)."""
    import importlib

    for module in ("planner.tariffs", "planner.catalogue", "planner.batch", "planner.compare"):
        try:
            mod = importlib.import_module(module)
        except ImportError:
            continue
        register = getattr(mod, "register_cli", None)
        if register is not None:
            register(sub)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``planner`` command; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
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
