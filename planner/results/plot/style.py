"""Shared drawing pieces: the matplotlib import, colours, the power panel and the price panel."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

COLOURS = {
    "grid import": "#7f7f7f", "solar": "#f2b701", "battery discharge": "#2ca02c", "vehicle discharge": "#1f77b4",
    "load": "#d62728", "grid export": "#bcbd22", "battery charge": "#98df8a", "vehicle charge": "#aec7e8",
}
POWER_LABEL = "kW  (+ supplies the site, - draws from it)"
MAX_ASSETS_DRAWN = 6
"""Above this many storage assets a plan is drawn as a fleet (vehicles summed, SoC as a band)."""


def pyplot() -> Any:
    """matplotlib.pyplot on the Agg backend, or the one-line error naming the ``[plot]`` extra."""
    from planner.extras import require

    require("matplotlib", "plotting").use("Agg")
    import matplotlib.pyplot as plt

    return plt


def storages(schedule: pd.DataFrame) -> list[str]:
    """Names of the storage assets of a schedule (columns ``<name>_soc_kwh``)."""
    return [c.removesuffix("_soc_kwh") for c in schedule.columns if c.endswith("_soc_kwh")]


def vehicles(schedule: pd.DataFrame) -> list[str]:
    """Names of the vehicles (storages with a ``<name>_plugged`` column)."""
    return [n for n in storages(schedule) if f"{n}_plugged" in schedule.columns]


def legend_outside(ax: Any, **kw: Any) -> None:
    """A legend to the right of the axes, so it never covers the data."""
    handles, labels = ax.get_legend_handles_labels()
    unique = dict(zip(labels, handles, strict=True))  # one entry per label
    handles, labels = list(unique.values()), list(unique.keys())
    if handles:
        ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False, **kw)


def draw_prices(ax: Any, s: pd.DataFrame, currency: str) -> None:
    """Import and export prices as steps, the dearest quarter of import steps shaded red, the cheapest green."""
    t = step_edges(s.index)
    imp = s["import_price_per_kwh"].to_numpy()
    lo, hi = np.quantile(imp, [0.25, 0.75]) if len(imp) else (0.0, 0.0)
    for k in range(len(imp)):
        if hi > lo and imp[k] >= hi:
            ax.axvspan(t[k], t[k + 1], color="#d62728", alpha=0.10, lw=0)
        elif hi > lo and imp[k] <= lo:
            ax.axvspan(t[k], t[k + 1], color="#2ca02c", alpha=0.10, lw=0)
    ax.stairs(imp, t, label="import price", color="#444444", lw=1.4, baseline=None)
    ax.stairs(s["export_price_per_kwh"].to_numpy(), t, label="export price", color="#bcbd22", lw=1.2,
              baseline=None)
    ax.axhline(0, color="0.6", lw=0.5)
    ax.set_ylabel(f"{currency}/kWh")
    if hi > lo:  # a legend entry only for shading that is drawn (two-rate prices have no quartile spread)
        ax.fill_between([], [], color="#2ca02c", alpha=0.2, label="cheapest quarter")
        ax.fill_between([], [], color="#d62728", alpha=0.2, label="dearest quarter")
    legend_outside(ax)


def power_groups(s: pd.DataFrame) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """(supplies, draws) of every step [kW, >= 0], batteries and vehicles each summed into one group."""
    cars = set(vehicles(s))
    batts = [n for n in storages(s) if n not in cars]

    def total(names: list[str] | set[str], suffix: str) -> np.ndarray:
        return sum((s[f"{n}_{suffix}"].to_numpy() for n in names), np.zeros(len(s)))

    supplies = {
        "grid import": s["grid_import_kw"].to_numpy(),
        "solar": (s["solar_kw"] - s["solar_curtailed_kw"]).to_numpy(),
        "battery discharge": total(batts, "discharge_kw"),
        "vehicle discharge": total(cars, "discharge_kw"),
    }
    draws = {
        "load": (s["load_kw"] - s["unserved_load_kw"]).to_numpy(),
        "grid export": s["grid_export_kw"].to_numpy(),
        "battery charge": total(batts, "charge_kw"),
        "vehicle charge": total(cars, "charge_kw"),
    }
    return ({k: v for k, v in supplies.items() if v.any()}, {k: v for k, v in draws.items() if v.any()})


def draw_power(ax: Any, s: pd.DataFrame) -> None:
    """Stacked bars per step: supplies above zero, draws below (they balance in every step)."""
    t = step_edges(s.index)
    width = np.diff(t)
    supplies, draws = power_groups(s)
    for sign, groups in ((1.0, supplies), (-1.0, draws)):
        bottom = np.zeros(len(s))
        for label, values in groups.items():
            ax.bar(t[:-1], sign * values, width=width, bottom=bottom, align="edge", label=label,
                   color=COLOURS[label], lw=0)
            bottom = bottom + sign * values
    ax.axhline(0, color="k", lw=0.6)
    ax.set_ylabel(POWER_LABEL)
    legend_outside(ax)


def step_edges(index: pd.Index) -> np.ndarray:
    """Step edges (len + 1) as matplotlib date numbers in the index's own time zone."""
    import matplotlib.dates as mdates

    idx = pd.DatetimeIndex(index)
    step = idx[1] - idx[0] if len(idx) > 1 else pd.Timedelta(minutes=30)
    edges = idx.append(pd.DatetimeIndex([idx[-1] + step]))
    return np.asarray(mdates.date2num(edges.tz_localize(None).to_pydatetime()))


def format_time_axis(ax: Any, index: pd.Index) -> None:
    """Local-time ticks (the schedule's zone) with the zone named on the axis."""
    import matplotlib.dates as mdates

    idx = pd.DatetimeIndex(index)
    hours = (idx[-1] - idx[0]) / pd.Timedelta(hours=1) if len(idx) > 1 else 24
    locator = mdates.HourLocator(byhour=range(0, 24, 6)) if hours <= 72 else mdates.DayLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%a %H:%M" if hours <= 72 else "%a %d %b"))
    ax.set_xlabel(f"local time ({idx.tz})")
