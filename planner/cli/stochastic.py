"""``planner plan SCENARIO --variants FOLDER``: one commitment across variant scenarios (a stochastic plan)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from planner.cli.output import plan_exit_code


def variant_paths(value: str) -> list[Path]:
    """The variant scenario files of ``--variants``: a folder's ``*.toml`` (sorted) or comma-separated files."""
    folder = Path(value)
    paths = sorted(folder.glob("*.toml")) if folder.is_dir() else [Path(p) for p in value.split(",") if p]
    if not paths:
        raise ValueError(f"--variants: {value} - expected a folder of scenario .toml files or a comma list of them")
    return paths


def run_stochastic(args: argparse.Namespace, scenario: Any, options: Any) -> int:
    """Plan ``scenario`` across the ``--variants``; print the expected cost, the spread and each variant."""
    from planner.inputs.scenario import load_scenario
    from planner.jobs.stochastic import plan_stochastic

    paths = variant_paths(args.variants)
    variants = [load_scenario(p) for p in paths]
    weights = None
    if args.weights:
        try:
            weights = [float(w) for w in args.weights.split(",")]
        except ValueError:
            raise ValueError(f"--weights: {args.weights} - expected comma-separated numbers") from None
    result = plan_stochastic(scenario, variants, weights=weights, commit_steps=args.commit_steps, options=options,
                             cvar_weight=args.cvar_weight, cvar_level=args.cvar_level)
    human = sys.stderr if args.json else sys.stdout
    spread = result.cost_spread
    print(f"stochastic plan '{scenario.name}': status {result.status}, {len(variants)} variants, "
          f"{args.commit_steps or 1} committed steps", file=human)
    print(f"  expected cost {result.expected_cost:.2f} {scenario.currency} (min {spread['min']:.2f}, "
          f"max {spread['max']:.2f}, std {spread['std']:.2f}; CVaR at {result.cvar_level:g}: "
          f"{result.cvar:.2f})", file=human)
    for path, w, p in zip(paths, result.weights, result.plans, strict=True):
        print(f"  {path.name}: weight {w:.3f}, cost {p.costs['total']:.2f}, short {p.total_shortfall_kwh:.2f} kWh",
              file=human)
    if args.out:
        frame = result.committed.copy()
        frame.index = frame.index.tz_convert("UTC")
        frame.reset_index().assign(time=lambda f: f["time"].map(lambda ts: ts.isoformat())).to_csv(args.out,
                                                                                                  index=False)
        print(f"committed setpoints written to {args.out}", file=human)
    if args.json:
        committed = result.committed.copy()
        committed.index = committed.index.tz_convert("UTC")
        print(json.dumps({
            "status": result.status, "expected_cost": result.expected_cost, "cost_spread": spread,
            "weights": [float(w) for w in result.weights],
            "committed": [{"time": ts.isoformat(), **row} for ts, row in committed.to_dict(orient="index").items()],
            "variants": [{"file": str(p), **json.loads(plan.to_json())} for p, plan in zip(paths, result.plans,
                                                                                           strict=True)],
        }))
    worst = max(p.total_shortfall_kwh for p in result.plans)
    return plan_exit_code(result.status, worst)
