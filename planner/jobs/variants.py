"""Variants drawn honestly from history: the same horizon with the load and solar of past days (and, when
asked, the sessions redrawn from the driver's own past: :mod:`planner.jobs.session_variants`).

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
from planner.jobs.session_variants import session_variants


def variants_from_history(
    scenario: Scenario, load_kw: pd.Series, solar_kw: pd.Series, k: int, *, max_weeks: int = 8, seed: int = 0,
    vary_sessions: bool = False,
) -> list[Scenario]:
    """``k`` variants of ``scenario`` whose load and solar [kW] are those of the same hours 1..``max_weeks``
    weeks earlier, drawn without replacement (seeded). With ``vary_sessions`` each variant's sessions also
    get departures and arrival SoCs drawn from the vehicle's own past sessions
    (:func:`planner.jobs.session_variants.session_variants`).

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
    redrawn = session_variants(scenario, k, seed=seed, max_weeks=max_weeks) if vary_sessions else [scenario] * k
    for weeks, base in zip(chosen, redrawn, strict=True):
        past = index - pd.Timedelta(weeks=int(weeks))
        out.append(dataclasses.replace(
            base, load_kw=load_kw.reindex(past).to_numpy(dtype=float),
            solar_kw=solar_kw.reindex(past).to_numpy(dtype=float)))
    return out


def _features(scenario: Scenario) -> np.ndarray:
    """What tells variants apart: per-step load, solar [kW], import and export prices x 10 [currency/kWh]
    (a tenth of a unit of price weighs like a kW), and each session's arrival SoC [kWh] and departure
    [h after the horizon start]."""
    t = scenario.tariff
    start = scenario.grid.start
    sessions = [x for v in scenario.vehicles for s in v.sessions
                for x in (s.arrive_soc_kwh, (pd.Timestamp(s.depart) - start) / pd.Timedelta(hours=1))]
    return np.concatenate([scenario.load_kw, scenario.solar_kw, 10.0 * np.asarray(t.import_price_per_kwh),
                           10.0 * np.asarray(t.export_price_per_kwh), sessions]).astype(float)


def reduce_variants(variants: list[Scenario], weights: list[float] | np.ndarray | None, k: int,
                    ) -> tuple[list[Scenario], np.ndarray]:
    """Keep ``k`` of ``variants`` by fast forward selection (Heitsch and Roemisch 2003) and give each kept
    variant the weight of the variants closest to it (itself included).

    Distances are L1 over each step's load, solar and prices (:func:`_features`). Each round keeps the variant
    that most lowers the weighted distance of every variant to its nearest kept one; ties go to the earlier
    variant, so the result is deterministic. Returns the kept variants (in their original order) and their
    weights (summing to 1).

    Raises
    ------
    ScenarioError
        When ``k`` is not in 1..len(variants) or the weights do not match.
    """
    n = len(variants)
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= n:
        raise ScenarioError(f"k: {k!r} - expected a whole number of variants in 1..{n}")
    w = np.full(n, 1.0 / n) if weights is None else np.asarray(weights, dtype=float)
    if w.shape != (n,) or np.any(w < 0) or not np.isfinite(w).all() or w.sum() <= 0:
        raise ScenarioError(f"weights: expected {n} probabilities >= 0, not all 0")
    w = w / w.sum()
    x = np.stack([_features(v) for v in variants])
    dist = np.abs(x[:, None, :] - x[None, :, :]).sum(axis=2)
    kept: list[int] = []
    nearest = np.full(n, np.inf)
    for _ in range(k):
        best, best_cost = -1, np.inf
        for j in range(n):
            if j in kept:
                continue
            cost = float(np.dot(w, np.minimum(nearest, dist[:, j])))
            if cost < best_cost - 1e-12:
                best, best_cost = j, cost
        kept.append(best)
        nearest = np.minimum(nearest, dist[:, best])
    kept.sort()
    owner = np.array([kept[int(np.argmin(dist[i, kept]))] for i in range(n)])
    new_w = np.array([w[owner == j].sum() for j in kept])
    return [variants[j] for j in kept], new_w
