"""The picture of one plan: prices (cheap and dear steps shaded), power flows, storage and a cost bar."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planner.results.plot.style import (
    MAX_ASSETS_DRAWN,
    draw_power,
    draw_prices,
    format_time_axis,
    legend_outside,
    pyplot,
    step_edges,
    storages,
    vehicles,
)

COST_LABELS = {
    "import_cost": "import", "export_revenue": "export (received)", "standing_charge": "standing",
    "demand_charge": "demand", "degradation_cost": "battery wear", "shortfall_penalty": "target shortfall",
    "unserved_load_penalty": "unserved load", "forced_curtailment_penalty": "forced curtailment",
    "end_value": "stored energy at the end",
}


def plot_plan(plan: Any, path: str | Path | None = None) -> Any:
    """Draw ``plan`` (a :class:`planner.results.plan.Plan`); save it to ``path`` (PNG, PDF or SVG) when given and return the figure.

    A home (up to six storage assets) shows each asset's state of charge with its plug-in windows and
    departure targets; a fleet shows the vehicles' state of charge as a band (median and 10-90 % of the
    plugged vehicles, in % of capacity) and the number plugged in. Both show prices, power flows in one
    sign convention (above zero supplies the site) and the plan's costs.
    """
    plt = pyplot()
    s = plan.schedule
    fleet = len(storages(s)) > MAX_ASSETS_DRAWN
    fig = plt.figure(figsize=(13, 9.5))
    grid = fig.add_gridspec(3, 2, width_ratios=[5, 1.25], height_ratios=[1, 2, 1.4], wspace=0.55, hspace=0.12)
    ax_price = fig.add_subplot(grid[0, 0])
    ax_power = fig.add_subplot(grid[1, 0], sharex=ax_price)
    ax_soc = fig.add_subplot(grid[2, 0], sharex=ax_price)
    ax_cost = fig.add_subplot(grid[1, 1])
    draw_prices(ax_price, s, plan.currency)
    draw_power(ax_power, s)
    if fleet:
        _draw_fleet_soc(ax_soc, s, plan)
    else:
        _draw_home_soc(ax_soc, s, plan)
    format_time_axis(ax_soc, s.index)
    for ax in (ax_price, ax_power):
        ax.tick_params(labelbottom=False)
        ax.grid(alpha=0.25)
    ax_soc.grid(alpha=0.25)
    _draw_costs(ax_cost, plan)
    kind = f"fleet of {len(vehicles(s))} vehicles" if fleet else "home"
    fig.suptitle(f"{plan.scenario_name} ({kind}): {plan.status}, total {plan.costs['total']:.2f} {plan.currency}",
                 x=0.02, ha="left", fontsize=12)
    fig.subplots_adjust(left=0.07, right=0.97, top=0.93, bottom=0.07)
    if path is not None:
        fig.savefig(path, dpi=110)
        plt.close(fig)
    return fig


def _sessions(plan: Any, name: str) -> list[dict[str, Any]]:
    return [sf for sf in plan.shortfalls if sf.get("kind") == "vehicle_session" and sf.get("asset") == name]


def _draw_home_soc(ax: Any, s: pd.DataFrame, plan: Any) -> None:
    """Each asset's SoC; plug-in windows shaded; departure targets, session goals and reserve windows marked
    (red when missed)."""
    t = step_edges(s.index)
    colours = pyplot().rcParams["axes.prop_cycle"].by_key()["color"]
    for k, name in enumerate(storages(s)):
        colour = colours[k % len(colours)]
        soc = s[f"{name}_soc_kwh"].to_numpy(dtype=float)
        ax.stairs(soc, t, label=f"{name} SoC", color=colour, lw=1.6, baseline=None)
        if f"{name}_plugged" in s.columns:
            plugged = s[f"{name}_plugged"].to_numpy(dtype=bool)
            for k0, k1 in _runs(plugged):
                ax.axvspan(t[k0], t[k1], color=colour, alpha=0.08, lw=0)
        for sf in _sessions(plan, name):
            if not sf.get("departs_in_horizon"):
                continue
            x = step_edges(pd.DatetimeIndex([pd.Timestamp(sf["depart"]).tz_convert(s.index.tz)]))[0]
            missed = sf["shortfall_kwh"] > 1e-6
            ax.plot([x], [sf["target_kwh"]], marker="v", ms=8, ls="none", color="#d62728" if missed else colour,
                    label=f"{name} target at departure" + (" (missed)" if missed else ""))
        _draw_goals_and_reserves(ax, s, plan, name, colour)
    ax.fill_between([], [], color="0.5", alpha=0.15, label="plugged in")
    ax.set_ylabel("kWh (end of step)")
    ax.set_ylim(bottom=0)
    legend_outside(ax)


def _draw_goals_and_reserves(ax: Any, s: pd.DataFrame, plan: Any, name: str, colour: str) -> None:
    """A session goal as an open triangle at its time and level (red when missed); a reserve window as a
    dashed line at its level over the window."""
    tz = s.index.tz

    def x_of(when: Any) -> float:
        return float(step_edges(pd.DatetimeIndex([pd.Timestamp(when).tz_convert(tz)]))[0])

    for sf in plan.shortfalls:
        if sf.get("asset") != name:
            continue
        missed = sf.get("shortfall_kwh", 0.0) > 1e-6
        if sf.get("kind") == "vehicle_goal":
            ax.plot([x_of(sf["by"])], [sf["target_kwh"]], marker="^", ms=8, ls="none", mfc="none", mew=1.6,
                    color="#d62728" if missed else colour, label=f"{name} goal" + (" (missed)" if missed else ""))
        elif sf.get("kind") == "battery_reserve":
            ax.hlines(sf["target_kwh"], x_of(sf["from"]), x_of(sf["to"]), colors="#d62728" if missed else "0.2",
                      linestyles=(0, (3, 2)), lw=2.0, label=f"{name} reserve" + (" (missed)" if missed else ""))


def _draw_fleet_soc(ax: Any, s: pd.DataFrame, plan: Any) -> None:
    """Plugged vehicles' SoC in % of capacity (median, 10-90 % band) and how many are plugged in."""
    t = step_edges(s.index)
    names = vehicles(s)
    caps = {k: float(v) for k, v in plan.kpis.items() if k.endswith("_capacity_kwh")}
    pct = []
    for name in names:
        soc = s[f"{name}_soc_kwh"].to_numpy(dtype=float)
        cap = caps.get(f"{name}_capacity_kwh") or np.nanmax(soc) or 1.0
        pct.append(np.where(s[f"{name}_plugged"].to_numpy(dtype=bool), 100.0 * soc / cap, np.nan))
    pct_arr = np.array(pct)
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            lo, mid, hi = (np.nanpercentile(pct_arr, q, axis=0) for q in (10, 50, 90))
    ax.fill_between(t[:-1], lo, hi, step="post", color="#1f77b4", alpha=0.25, label="SoC, 10-90 % of plugged")
    ax.stairs(mid, t, color="#1f77b4", lw=1.6, label="SoC, median of plugged", baseline=None)
    ax.set_ylabel("SoC [% of capacity]")
    ax.set_ylim(0, 105)
    twin = ax.twinx()
    plugged = np.sum([s[f"{n}_plugged"].to_numpy(dtype=bool) for n in names], axis=0)
    twin.stairs(plugged, t, color="0.35", lw=1.0, ls="--", label="vehicles plugged in (right)", baseline=None)
    twin.set_ylabel("plugged in")
    twin.set_ylim(0, max(1, len(names)) * 1.05)
    handles = ax.get_legend_handles_labels()
    extra = twin.get_legend_handles_labels()
    ax.legend(handles[0] + extra[0], handles[1] + extra[1], loc="upper left", bbox_to_anchor=(1.08, 1.0),
              fontsize=8, frameon=False)


def _draw_costs(ax: Any, plan: Any) -> None:
    """One bar per cost term (money paid up, received down) and the total."""
    terms = [(COST_LABELS[k], -v if k == "export_revenue" else v) for k, v in plan.costs.items()
             if k in COST_LABELS and abs(v) > 5e-4]
    labels = [lab for lab, _ in terms] + ["total"]
    values = [v for _, v in terms] + [plan.costs["total"]]
    colours = ["#d62728" if v > 0 else "#2ca02c" for v in values[:-1]] + ["#444444"]
    y = np.arange(len(values))[::-1]
    ax.barh(y, values, color=colours, height=0.6)
    for yi, v in zip(y, values, strict=True):
        ax.annotate(f"{v:+.2f}", (v, yi), xytext=(3 if v >= 0 else -3, 0), textcoords="offset points",
                    ha="left" if v >= 0 else "right", va="center", fontsize=8)
    ax.set_yticks(y, labels, fontsize=8)
    ax.axvline(0, color="k", lw=0.6)
    ax.set_xlabel(f"{plan.currency} (+ paid, - received)")
    ax.set_title("costs", fontsize=10)
    span = max((abs(v) for v in values), default=1.0) or 1.0
    ax.set_xlim(min(0.0, min(values)) - 0.35 * span, max(0.0, max(values)) + 0.35 * span)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(first, end) index pairs of the runs of True in ``mask``."""
    padded = np.concatenate([[False], mask, [False]]).astype(int)
    change = np.flatnonzero(np.diff(padded))
    return list(zip(change[::2].tolist(), change[1::2].tolist(), strict=True))
