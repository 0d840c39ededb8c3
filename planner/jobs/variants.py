"""Variants drawn honestly from history: the same horizon with the load and solar of past days.

A variant of a scenario keeps its equipment, prices and sessions and takes its load and solar from the same
hours of an earlier week (the same weekday and time of day, ``weeks_back`` weeks earlier), so the spread of
the variants is the spread the site itself has shown, in its season. Seeded sampling chooses which past weeks.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from planner.errors import ScenarioError
from planner.inputs.specs import Scenario


def variants_from_history(
    scenario: Scenario, load_kw: pd.Series, solar_kw: pd.Series, k: int, *, max_weeks: int = 8, seed: int = 0,
) -> list[Scenario]:
    """``k`` variants of ``scenario`` whose load and solar [kW] are those of the same hours 1..``max_weeks``
    weeks earlier, drawn without replacement (seeded).

    ``load_kw`` and ``solar_kw`` are the site's history on the scenario's step (UTC index); solar is per the
    scenario's array (already scaled).

    Raises
    ------
    ScenarioError
        When fewer than ``k`` past weeks are covered by the history.
    """
    grid = scenario.grid
    index = grid.index.tz_convert("UTC")
    covered = [w for w in range(1, max_weeks + 1)
               if all(index[0] - pd.Timedelta(weeks=w) in s.index and index[-1] - pd.Timedelta(weeks=w) in s.index
                      for s in (load_kw, solar_kw))]
    if len(covered) < k:
        raise ScenarioError(f"variants: {len(covered)} past weeks of history cover the horizon; expected {k}")
    chosen = sorted(np.random.default_rng(seed).choice(covered, size=k, replace=False).tolist())
    out = []
    for weeks in chosen:
        past = index - pd.Timedelta(weeks=int(weeks))
        out.append(dataclasses.replace(
            scenario, load_kw=load_kw.reindex(past).to_numpy(dtype=float),
            solar_kw=solar_kw.reindex(past).to_numpy(dtype=float)))
    return out
