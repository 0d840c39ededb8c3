"""Plot a plan: prices, stacked power flows and each storage's state of charge (departures marked)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from planner.results import Plan


def plot_plan(plan: Plan, path: str | Path | None = None):  # noqa: ANN201 - matplotlib Figure
    """Draw the plan; save to ``path`` (PNG) when given and return the figure."""
    from planner.extras import require

    require("matplotlib", "plotting").use("Agg")
    import matplotlib.pyplot as plt

    s = plan.schedule
    t = s.index
    storages = [c[: -len("_soc_kwh")] for c in s.columns if c.endswith("_soc_kwh")]
    fig, axes = plt.subplots(3, 1, figsize=(12, 9), sharex=True, gridspec_kw={"height_ratios": [1, 2, 1.3]})
    ax = axes[0]
    ax.step(t, s["import_price_per_kwh"], where="post", label="import price")
    ax.step(t, s["export_price_per_kwh"], where="post", label="export price")
    ax.axhline(0, color="0.6", lw=0.5)
    ax.set_ylabel(f"{plan.currency}/kWh")
    ax.legend(loc="upper right", fontsize=8)
    ax.set_title(f"{plan.scenario_name}: {plan.status}, total {plan.costs['total']:.2f} {plan.currency}")

    ax = axes[1]
    width = (t[1] - t[0]) if len(t) > 1 else None
    sources = {"grid import": s["grid_import_kw"], "solar used": s["solar_kw"] - s["solar_curtailed_kw"]}
    for name in storages:
        sources[f"{name} discharge"] = s[f"{name}_discharge_kw"]
    sinks = {"load": s["load_kw"] - s["unserved_load_kw"], "grid export": s["grid_export_kw"]}
    for name in storages:
        sinks[f"{name} charge"] = s[f"{name}_charge_kw"]
    bottom = np.zeros(len(s))
    for label, values in sources.items():
        ax.bar(t, values, width=width, bottom=bottom, align="edge", label=label, alpha=0.85)
        bottom = bottom + values.to_numpy()
    bottom = np.zeros(len(s))
    for label, values in sinks.items():
        ax.bar(t, -values, width=width, bottom=bottom, align="edge", label=label, alpha=0.85, hatch="//")
        bottom = bottom - values.to_numpy()
    ax.axhline(0, color="k", lw=0.5)
    ax.set_ylabel("kW (+ into site, - out)")
    ax.legend(loc="upper right", fontsize=7, ncol=3)

    ax = axes[2]
    for name in storages:
        ax.plot(t, s[f"{name}_soc_kwh"], drawstyle="steps-post", label=f"{name} SoC")
    for sf in plan.shortfalls:
        if sf.get("kind") == "vehicle_session" and sf.get("departs_in_horizon"):
            ax.axvline(sf["depart"], color="r", ls="--", lw=0.8)
            ax.plot([sf["depart"]], [sf["target_kwh"]], "rv")
    ax.set_ylabel("kWh (end of step)")
    ax.legend(loc="upper right", fontsize=8)
    fig.autofmt_xdate()
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=110)
        plt.close(fig)
    return fig
