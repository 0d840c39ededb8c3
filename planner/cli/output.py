"""What the command line prints and returns: exit codes and the one printing helper."""

from __future__ import annotations

import sys

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
SHORTFALL_TOL_KWH = 1e-3
"""A shortfall below this [kWh] counts as met for the exit code."""


def plan_exit_code(status: str, shortfall_kwh: float) -> int:
    """The exit code of ``planner plan`` for a plan's status and total shortfall [kWh] (see ``EXIT_*``)."""
    if status == "fallback":
        return EXIT_FALLBACK
    if shortfall_kwh > SHORTFALL_TOL_KWH:
        return EXIT_SHORTFALL
    return EXIT_TIME_LIMIT if status == "time_limit" else EXIT_OK


def echo(text: str = "", *, err: bool = False) -> None:
    """Print one line (stderr when ``err``); subcommands registered by other modules print through this."""
    print(text, file=sys.stderr if err else sys.stdout, flush=True)
