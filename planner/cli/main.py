"""The ``planner`` command: every subcommand registered statically; bad input ends with one line on stderr.

Each subcommand is a ``_cmd_<name>(args) -> int`` function registered by its module's ``register(sub)``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from planner.cli import batch, compare, models, plan, prices
from planner.cli.output import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK
from planner.errors import PlannerError, ScenarioError


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    from planner import __version__

    parser = argparse.ArgumentParser(
        prog="planner", description="Dispatch planner for homes and depots with electric vehicles."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    for module in (plan, prices, models, batch, compare):
        module.register(sub)
    return parser


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
