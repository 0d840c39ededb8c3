"""The pictures of a tariff comparison: net cost per month, and a typical week of the cheapest run."""

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
)


def plot_monthly(comparison: Any, path: str | Path) -> Path:
    """``comparison`` is a :class:`planner.jobs.compare.ComparisonResult` (its ``monthly_net_cost()``,
    ``results``, ``table`` and ``currency``). Net cost per month [currency]: one panel per strategy, one bar per tariff and month (categorical
    months, so a short run is a few bars, not points on a long date axis)."""
    plt = pyplot()
    monthly = comparison.monthly_net_cost()
    strategies = list(dict.fromkeys(s for _, s in comparison.results))
    tariffs = list(dict.fromkeys(t for t, _ in comparison.results))
    months = [str(p) for p in monthly.index]
    fig, axes = plt.subplots(len(strategies), 1, figsize=(max(8.0, 1.0 + 0.5 * len(months) * len(tariffs)),
                                                          2.4 + 2.2 * len(strategies)),
                             sharex=True, squeeze=False)
    x = np.arange(len(months))
    width = 0.8 / max(1, len(tariffs))
    for ax, strategy in zip(axes[:, 0], strategies, strict=True):
        for k, tariff in enumerate(tariffs):
            column = f"{tariff}/{strategy}"
            if column in monthly.columns:
                ax.bar(x + (k - (len(tariffs) - 1) / 2) * width, monthly[column].to_numpy(), width=width * 0.95,
                       label=tariff)
        ax.set_title(strategy, fontsize=10, loc="left")
        ax.set_ylabel(f"{comparison.currency}/month")
        ax.axhline(0.0, color="k", lw=0.6)
        ax.grid(axis="y", alpha=0.3)
    axes[-1, 0].set_xticks(x, months, rotation=45 if len(months) > 6 else 0)
    legend_outside(axes[0, 0], title="tariff")
    fig.suptitle("Net cost per month (import + standing + demand + wear - export and other revenue; + = paid)", x=0.02, ha="left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return Path(path)


def plot_week(comparison: Any, path: str | Path) -> Path:
    """The week (or the whole run, if shorter) whose net cost is closest to the median week, for the
    cheapest run: prices, power flows in the plan plot's sign convention, and each storage's SoC."""
    plt = pyplot()
    best = comparison.table.sort_values("net_cost").iloc[0]
    result = comparison.results[(best.tariff, best.strategy)]
    sched = result.schedule
    days = result.days.copy()
    days.index = pd.to_datetime(days.index)
    if len(days) >= 7:
        weekly = days["net_cost"].rolling(7).sum().dropna()
        end = (weekly - weekly.median()).abs().idxmin()
        begin = end - pd.Timedelta(days=6)
    else:
        begin, end = days.index[0], days.index[-1]
    local = sched.index.tz_localize(None).normalize()
    week = sched[(local >= begin) & (local <= end)]
    fig, axes = plt.subplots(3, 1, figsize=(13, 8.5), sharex=True, gridspec_kw={"height_ratios": [1, 2, 1.3]})
    draw_prices(axes[0], week, comparison.currency)
    draw_power(axes[1], week)
    t = step_edges(week.index)
    names = storages(week)
    if len(names) > MAX_ASSETS_DRAWN:  # a depot: the fleet's stored energy and how many vans are plugged in
        plugged = [n for n in names if f"{n}_plugged" in week]
        stored = np.nansum([week[f"{n}_soc_kwh"].to_numpy(dtype=float) for n in names], axis=0)
        axes[2].stairs(stored, t, label="energy in the plugged-in storage", lw=1.6, baseline=None)
        twin = axes[2].twinx()
        count = np.sum([week[f"{n}_plugged"].to_numpy(dtype=bool) for n in plugged], axis=0)
        twin.stairs(count, t, color="0.35", lw=1.0, ls="--", label="vehicles plugged in (right)", baseline=None)
        twin.set_ylabel("plugged in")
        twin.set_ylim(0, max(1, len(plugged)) * 1.05)
        handles, labels = axes[2].get_legend_handles_labels()
        more, more_labels = twin.get_legend_handles_labels()
        axes[2].legend(handles + more, labels + more_labels, loc="upper left", bbox_to_anchor=(1.06, 1.0),
                       fontsize=8, frameon=False)
    else:
        for name in names:
            axes[2].stairs(week[f"{name}_soc_kwh"].to_numpy(dtype=float), t, label=f"{name} SoC", lw=1.4,
                           baseline=None)
        legend_outside(axes[2])
    axes[2].set_ylabel("kWh (end of step)")
    axes[2].set_ylim(bottom=0)
    format_time_axis(axes[2], week.index)
    for ax in axes:
        ax.grid(alpha=0.25)
    axes[0].set_title(f"Typical week: {best.strategy} on {best.tariff} "
                      f"({begin:%d %b} - {end:%d %b %Y}, net cost {days.loc[begin:end, 'net_cost'].sum():.2f} "
                      f"{comparison.currency})", loc="left", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return Path(path)




def _wrap(name: str, width: int = 12) -> str:
    """A strategy name broken after underscores into lines of about ``width`` characters."""
    lines, line = [], ""
    for part in name.split("_"):
        piece = part if not line else "_" + part
        if line and len(line) + len(piece) > width:
            lines.append(line + "_")
            line = part
        else:
            line += piece
    return "\n".join([*lines, line])


def plot_v2g(answer: pd.DataFrame, currency: str, days: int, path: str | Path) -> Path:
    """Does V2G pay? Per tariff, two stacked bars: the best run without V2G (pale) and the best with it
    (``answer`` from :func:`planner.jobs.v2g_answer.v2g_answer`). Segments: energy and charges, wear (its
    own colour), the stored energy used (valued at the terminal rate); a dot marks the net cost and the
    heading of each pair the V2G saving [currency over the period, + = paid]."""
    plt = pyplot()
    n = len(answer)
    fig, ax = plt.subplots(figsize=(max(6.5, 2.0 + 2.4 * n), 5.0))
    x = np.arange(n)
    width = 0.36
    colours = {"energy": "#4c72b0", "wear": "#dd8452", "stored": "#8c8c8c"}
    labels = {"energy": "energy and charges", "wear": "battery and car wear", "stored": "stored energy used"}
    ticks, tick_labels = [], []
    for k, side in enumerate(("without", "with")):
        xs = x + (k - 0.5) * width
        up = np.zeros(n)
        down = np.zeros(n)
        for part in ("energy", "wear", "stored"):
            values = answer[f"{side}_{part}"].to_numpy(dtype=float)
            base = np.where(values >= 0, up, down)
            ax.bar(xs, values, width * 0.92, bottom=base, color=colours[part], alpha=1.0 if side == "with" else 0.5,
                   edgecolor="white", linewidth=0.5, label=labels[part] if k == 1 else None)
            up += np.maximum(values, 0.0)
            down += np.minimum(values, 0.0)
        ax.plot(xs, answer[f"{side}_net_cost"].to_numpy(dtype=float), "o", color="k", ms=4,
                label="net cost" if k == 1 else None)
        ticks += list(xs)
        tick_labels += [f"{_wrap(name)}\n({'no V2G' if side == 'without' else 'V2G'})" for name in answer[f"{side}_strategy"]]
    stacks = [answer[[f"{side}_{p}" for p in ("energy", "wear", "stored")]].clip(lower=0).sum(axis=1).max()
              for side in ("without", "with")]
    top = max(1e-9, *stacks, float(np.nanmax(answer[["without_net_cost", "with_net_cost"]].to_numpy())))
    for xi, (_, r) in zip(x, answer.iterrows(), strict=True):
        saving = float(r["v2g_saving"])
        amount = f"{abs(saving):,.0f}" if abs(saving) >= 10 else f"{abs(saving):,.2f}"
        tariff = str(r["tariff"])  # an import+export pair names its export; else say which export it used
        name = tariff.replace("+", "\n+ ") if "+" in tariff else f"{tariff}\n(export: {r['export']})"
        ax.text(xi, top * 1.03, f"{name}\nV2G {'saves' if saving > 0 else 'costs'} "
                f"{amount}", ha="center", va="bottom", fontsize=8.5, color="#2a7f2a" if saving > 0 else "#b22222")
    ax.set_ylim(top=top * 1.3)
    ax.set_xticks(ticks, tick_labels, fontsize=7.5)
    ax.set_ylabel(f"{currency} over {days} days")
    ax.axhline(0.0, color="k", lw=0.6)
    ax.grid(axis="y", alpha=0.3)
    legend_outside(ax)
    ax.set_title("Does V2G pay? Best run without V2G (pale) and with it, per tariff", loc="left", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return Path(path)
