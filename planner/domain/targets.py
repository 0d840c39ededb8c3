"""Where session goals and reserve windows sit on the grid (boundary ``k`` is the start of step ``k``).

- A goal "``soc_kwh`` by ``by``" applies at the last boundary at or before ``by``, but at least one step
  after the session's first boundary (where the SoC is the arrival's) and at most its last; a goal after
  the horizon's end is left to the next plan (the session's pro-rated target carries it).
- A reserve window ``[start, end]`` holds at every boundary ``k >= 1`` whose time lies inside it; a window
  shorter than a step holds at the first boundary after its start.

The model (:mod:`planner.model.components.targets`) and the schedule accounting
(:mod:`planner.results.from_schedule`) use these rules; ``planner.verify`` keeps its own copy.
"""

from __future__ import annotations

import math

import pandas as pd


def goal_boundary(grid, first_boundary: int, last_boundary: int, by: pd.Timestamp) -> int | None:
    """The boundary a goal applies at (module docstring), or None when it lies after the horizon."""
    k = math.floor(grid.position(by) + 1e-9)
    if k > grid.steps:
        return None
    return int(min(max(k, first_boundary + 1), last_boundary))


def reserve_boundaries(grid, start: pd.Timestamp, end: pd.Timestamp) -> list[int]:
    """The boundaries ``1..steps`` a reserve window holds at (module docstring); empty outside the horizon."""
    a, b = grid.position(start), grid.position(end)
    if b < 1 - 1e-9 or a > grid.steps + 1e-9:
        return []
    lo, hi = max(math.ceil(a - 1e-9), 1), min(math.floor(b + 1e-9), grid.steps)
    if hi < lo:
        return [int(min(max(math.ceil(a - 1e-9), 1), grid.steps))]
    return list(range(int(lo), int(hi) + 1))
