"""The plan options every planning command takes (``--time-limit-s``, ``--gap``, ``--dispatch``,
``--threads``), read into one :class:`~planner.solve.plan_options.PlanOptions`."""

from __future__ import annotations

import argparse
from typing import Any


def add_plan_options(parser: argparse.ArgumentParser, what: str = "plan") -> None:
    """Add the plan options to ``parser``; ``what`` names what one time limit covers (help text)."""
    parser.add_argument("--time-limit-s", type=float, default=10.0,
                        help=f"solver time limit per {what} [s] (default 10)")
    parser.add_argument("--gap", type=float, default=1e-4, help="relative MIP gap (default 1e-4)")
    parser.add_argument("--abs-gap", type=float, default=None,
                        help="absolute MIP gap [currency]: also stop when proven this close "
                             "(default 0.01 per day of horizon; 0: the relative gap alone)")
    parser.add_argument(
        "--dispatch", choices=["setpoint", "fractional"], default="setpoint",
        help="setpoint: one power per step (default); fractional: switching within a step allowed",
    )
    parser.add_argument("--threads", type=int, default=1, help="HiGHS threads (default 1: deterministic)")


def plan_options(args: argparse.Namespace) -> Any:
    """The :class:`~planner.solve.plan_options.PlanOptions` of parsed arguments (bad values: ScenarioError)."""
    from planner.solve.plan_options import PlanOptions

    return PlanOptions(time_limit_s=args.time_limit_s, mip_rel_gap=args.gap, mip_abs_gap=args.abs_gap,
                       dispatch=args.dispatch, threads=args.threads)
