"""Tariff and strategy comparison: the same home simulated under several tariffs and strategies.

:func:`compare_tariffs` runs :func:`planner.jobs.simulate.simulation.simulate` for every (tariff, strategy) pair and
summarises each run in one table row: annual import cost, export revenue, standing and demand charges, wear
cost per storage asset, net cost (import - export - grid-service revenue + charges + wear; penalties excluded), cost per 100 km
when the distance is known, savings against the reference run (charge on arrival on the first tariff,
normally flat), unmet departure energy [kWh]. :func:`write_report` writes the table (CSV and Markdown) and
PNG plots: monthly net cost per run, and one typical week's schedule. Costs are in the home's currency.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planner.errors import ScenarioError
from planner.inputs.tariffs.scheme import load_scheme
from planner.jobs.compare_runs import load_run, run_folder, run_key, save_run
from planner.jobs.simulate.simulation import SimulationResult, simulate
from planner.jobs.simulate.site import Site, prices_from_scheme
from planner.jobs.v2g_answer import v2g_answer, v2g_sentences
from planner.solve.plan_options import PlanOptions

TARIFF_ALIASES: dict[str, str] = {
    "flat": "flat-price-cap",
    "go": "octopus-go",
    "intelligent-go": "intelligent-octopus-go",
    "flux": "octopus-flux",
}
"""Short names of shipped schemes. Export is never added: a scheme without export prices earns nothing for
export unless the tariff names an export scheme, ``go+outgoing-fixed``; the table's ``export`` column says
which export each row used."""


@dataclass
class ComparisonResult:
    """Table of annual figures per (tariff, strategy) and the simulations behind it."""

    table: pd.DataFrame
    results: dict[tuple[str, str], SimulationResult] = field(default_factory=dict)
    currency: str = "GBP"
    notes: list[str] = field(default_factory=list)
    """What the prices rest on (a dated tariff's rates used outside their stated dates), for the report."""

    @classmethod
    def from_results(
        cls,
        results: Mapping[tuple[str, str], SimulationResult],
        reference: tuple[str, str] | None = None,
        km_per_kwh: float | None = None,
        currency: str = "GBP",
    ) -> ComparisonResult:
        """Summarise simulations; savings are against ``reference`` (default: the first run)."""
        rows = []
        for (tariff, strategy), r in results.items():
            t = r.totals
            row = {
                "tariff": tariff,
                "export": getattr(r, "export", None) or export_label(tariff),
                "strategy": strategy,
                "planned_wear": r.planned_wear,
                "v2g": bool(r.v2g),
                "days": len(r.days),
                "import_cost": t["import_cost"],
                "export_revenue": t["export_revenue"],
                "grid_service_revenue": t.get("grid_service_revenue", 0.0),
                "ev_charge_credit": t.get("ev_charge_credit", 0.0),
                "standing_charge": t.get("standing_charge", 0.0),
                "demand_charge": t.get("demand_charge", 0.0),
            }
            for key in sorted(k for k in t if k.startswith(("wear_cycle_", "wear_calendar_"))):
                row[key] = t[key]  # the continuous-trajectory wear (planner.jobs.simulate.wear_account)
            row["end_energy_value"] = t.get("end_energy_value", 0.0)
            row["net_cost"] = t["net_cost"]
            drive = t.get("drive_kwh", 0.0)
            row["cost_per_100km"] = (
                t["net_cost"] / (drive * km_per_kwh / 100.0) if km_per_kwh and drive > 0 else np.nan
            )
            row["unmet_departure_kwh"] = t.get("unmet_departure_kwh", 0.0)
            row["grid_import_kwh"] = t.get("grid_import_kwh", 0.0)
            row["grid_export_kwh"] = t.get("grid_export_kwh", 0.0)
            for key in sorted(k for k in t if k.endswith("_discharge_kwh")):
                row[key] = t[key]
            row["export_above_import_hours"] = getattr(r, "export_above_import_hours", np.nan)
            for key in sorted(k for k in t if k.startswith(("wear_rainflow_", "wear_exponent_"))):
                row["check_" + key.removeprefix("wear_")] = t[key]  # cross-checks, not charged
            rows.append(row)
        table = pd.DataFrame(rows)
        if reference is None or reference not in results:
            reference = next(iter(results))
        ref = float(table[(table.tariff == reference[0]) & (table.strategy == reference[1])]["net_cost"].iloc[0])
        table.insert(table.columns.get_loc("net_cost") + 1, "saving_vs_reference", ref - table["net_cost"])
        table.attrs["reference"] = f"{reference[1]} on {reference[0]}"
        return cls(table, dict(results), currency)

    def markdown(self, digits: int = 2, max_assets: int = 4) -> str:
        """The table as Markdown (money rounded to ``digits``). With more than ``max_assets`` storage assets (a
        depot) each per-asset group of columns is one column, summed over the assets (``wear_cycle``,
        ``wear_calendar``, ``discharge_kwh``; the cross-checks are left to ``comparison.csv``)."""
        frame = self.table.drop(columns=["days"]).copy()
        frame = frame.dropna(axis=1, how="all")
        assets = [c.removeprefix("wear_cycle_") for c in frame.columns if c.startswith("wear_cycle_")]
        if len(assets) > max_assets:
            for group in ("wear_cycle", "wear_calendar"):
                cols = [c for c in frame.columns if c.startswith(group + "_")]
                frame.insert(frame.columns.get_loc(cols[0]), group, frame[cols].sum(axis=1))
                frame = frame.drop(columns=cols)
            cols = [c for c in frame.columns if c.endswith("_discharge_kwh")]
            if cols:
                frame.insert(frame.columns.get_loc(cols[0]), "discharge_kwh", frame[cols].sum(axis=1))
                frame = frame.drop(columns=cols)
            frame = frame.drop(columns=[c for c in frame.columns if c.startswith("check_")])
        header = "| " + " | ".join(frame.columns) + " |"
        lines = [header, "|" + "---|" * len(frame.columns)]
        for _, row in frame.iterrows():
            cells = [f"{v:.{digits}f}" if isinstance(v, float) else str(v) for v in row]
            lines.append("| " + " | ".join(cells) + " |")
        return "\n".join(lines)

    def monthly_net_cost(self) -> pd.DataFrame:
        """Net cost per calendar month (rows) and run (columns ``tariff/strategy``) [currency]; the value of
    the stored energy gained or lost over the period (``end_energy_value``) counts in the last month."""
        out = {}
        for (tariff, strategy), r in self.results.items():
            days = r.days.copy()
            days.index = pd.to_datetime(days.index)
            monthly = days["net_cost"].groupby(days.index.to_period("M")).sum()
            monthly.iloc[-1] += r.totals.get("end_energy_value", 0.0)  # the period's end state, valued once
            out[f"{tariff}/{strategy}"] = monthly
        return pd.DataFrame(out)


def resolve_tariff(name: str) -> str:
    """The scheme string of a tariff name: each side of ``import+export`` through :data:`TARIFF_ALIASES`."""
    return "+".join(TARIFF_ALIASES.get(part, part) for part in name.split("+"))


def export_label(name: str) -> str:
    """Which export a tariff's rows use: the named export scheme, the scheme's own export, or ``none``."""
    parts = resolve_tariff(name).split("+")
    if len(parts) > 1:
        return parts[1]
    try:
        return f"{parts[0]} (own)" if load_scheme(parts[0], field="tariff").export_rule is not None else "none"
    except ScenarioError:
        return "?"


def compare_tariffs(
    site: Site,
    tariffs: Sequence[str],
    strategies: Sequence[str],
    *,
    start: str | pd.Timestamp,
    days: int,
    forecast: str = "realistic",
    decision_time: str = "00:00",
    horizon_hours: float = 36.0,
    replan_every_minutes: int | None = None,
    switching_penalty_per_kw: float = 0.0,
    km_per_kwh: float | None = None,
    out: str | Path | None = None,
    progress: Callable[[int], None] | None = None,
    plan_options: PlanOptions | None = None,
    resume: bool = False,
) -> ComparisonResult:
    """Simulate ``site`` under every tariff and strategy; optionally write the report to ``out``.

    Parameters
    ----------
    site : Site
        The home and its true series.
    tariffs : sequence of str
        Tariff names (:data:`TARIFF_ALIASES`, scheme names, ``import+export`` pairs or scheme files).
    strategies : sequence of str
        Strategy names (:data:`planner.jobs.simulate.strategies.STRATEGIES`).
    start, days, forecast, decision_time, horizon_hours, replan_every_minutes, switching_penalty_per_kw, plan_options
        Passed to :func:`planner.jobs.simulate.simulation.simulate` (``plan_options``: time limit, gap,
        dispatch and threads of every plan an optimising strategy makes).
    km_per_kwh : float or None
        Distance per kWh of driving energy [km/kWh]; enables the cost per 100 km column (default: the
        vehicles' own ``km_per_kwh`` when they state one).
    out : path or None
        Report folder (CSV, Markdown, PNGs).
    progress : callable or None
        Called with the number of days done (over all runs) after each day.
    resume : bool
        With ``out``: read back every run already finished there with the same inputs and options instead
        of simulating it again (:mod:`planner.jobs.compare_runs`; every finished run is always saved).

    Returns
    -------
    ComparisonResult
        The table (reference: the first strategy on the first tariff) and every simulation.
    """
    if not tariffs or not strategies:
        raise ScenarioError("compare needs at least one tariff and one strategy")
    results: dict[tuple[str, str], SimulationResult] = {}
    notes: list[str] = []
    done = 0
    for tariff in tariffs:
        prices = prices_from_scheme(site, resolve_tariff(tariff))  # the whole period priced once per tariff
        notes += [n for n in prices.notes if n not in notes]
        above_h = _export_above_import_hours(site, prices, start, days)
        for strategy in strategies:
            base = done

            def tick(k: int, base: int = base) -> None:
                if progress is not None:
                    progress(base + k)

            options = {"start": str(pd.Timestamp(start).date()), "days": days, "forecast": forecast,
                       "decision_time": decision_time, "horizon_hours": horizon_hours,
                       "replan_every_minutes": replan_every_minutes,
                       "switching_penalty_per_kw": switching_penalty_per_kw, "plan_options": plan_options}
            key = run_key(site, resolve_tariff(tariff), strategy, options)
            folder = run_folder(out, tariff, strategy) if out is not None else None
            saved = load_run(folder, key) if resume and folder is not None else None
            if saved is not None:
                results[(tariff, strategy)] = saved[0]
                tick(days)
            else:
                results[(tariff, strategy)] = simulate(
                    site, prices, strategy, start=start, days=days, forecast=forecast,
                    decision_time=decision_time, horizon_hours=horizon_hours,
                    replan_every_minutes=replan_every_minutes, switching_penalty_per_kw=switching_penalty_per_kw,
                    progress=tick, plan_options=plan_options,
                )
                if folder is not None:  # kept as soon as it ends: a stopped comparison resumes here
                    save_run(folder, key, results[(tariff, strategy)], {})
            results[(tariff, strategy)].tariff = tariff
            results[(tariff, strategy)].export_above_import_hours = above_h
            done += days
    if km_per_kwh is None:  # the vehicles' own efficiency, when they state one and agree
        own = {v.km_per_kwh for v in site.template.vehicles}
        km_per_kwh = own.pop() if len(own) == 1 else None
    comparison = ComparisonResult.from_results(results, (tariffs[0], strategies[0]), km_per_kwh,
                                               site.template.currency)
    comparison.notes = notes
    if out is not None:
        write_report(comparison, out)
    return comparison


def _export_above_import_hours(site: Site, prices: Any, start: Any, days: int) -> float:
    """Hours of the compared period in which export pays more than import (a buy-to-sell pump) [h]."""
    begin = pd.Timestamp(str(pd.Timestamp(start).date())).tz_localize(site.template.grid.timezone)
    end = begin + pd.Timedelta(days=days)
    inside = (site.index >= begin.tz_convert("UTC")) & (site.index < end.tz_convert("UTC"))
    above = np.asarray(prices.export_price_per_kwh) > np.asarray(prices.import_price_per_kwh) + 1e-12
    return float(np.count_nonzero(above & inside) * site.step_minutes / 60.0)


def write_report(
    comparison: ComparisonResult, out: str | Path, command: str | None = None, extra_notes: Sequence[str] = ()
) -> list[Path]:
    """Write ``comparison.csv``, ``report.md``, ``monthly_net_cost.csv/png`` and ``typical_week.png``.

    The pictures need the ``[plot]`` extra; without matplotlib the tables are written and the report says
    how to get the pictures.
    """
    from planner.extras import PACKAGE, available

    pictures = available("matplotlib")
    flagged = comparison.table.drop_duplicates("tariff")
    for _, row in flagged[flagged["export_above_import_hours"] > 0].iterrows():
        extra_notes = [*extra_notes, f"{row.tariff} (export: {row.export}): export pays more than import in "
                       f"{row.export_above_import_hours:.1f} h of the period, so energy can be bought to be sold."]
    if not pictures:
        extra_notes = [*extra_notes, f'Pictures need matplotlib: pip install "{PACKAGE}[plot]".']
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    path = folder / "comparison.csv"
    comparison.table.to_csv(path, index=False, float_format="%.4f")
    written.append(path)
    monthly = comparison.monthly_net_cost()
    path = folder / "monthly_net_cost.csv"
    monthly.to_csv(path, float_format="%.4f")
    written.append(path)
    cur = comparison.currency
    lines = [
        "# Tariff and strategy comparison",
        "",
        f"Money in {cur}. net_cost = import_cost - export_revenue - grid_service_revenue - ev_charge_credit + standing_charge + demand_charge + wear "
        f"(penalties excluded); saving_vs_reference is against {comparison.table.attrs.get('reference')}. "
        "Wear is the same for every strategy: cycle ageing (wear_cycle_*) by the segment model on each pack's "
        "continuous SoC trajectory over the period, driving included, plus calendar ageing (wear_calendar_*); "
        "check_rainflow_* is the rainflow count of the same trajectories (not charged). planned_wear is the model "
        "each strategy planned with. unmet_departure_kwh is the energy short of departure targets.",
        "",
    ]
    if command:
        lines += [f"Made by: `{command}`", ""]
    lines += [f"- {note}" for note in [*comparison.notes, *extra_notes]]
    answer = v2g_answer(comparison.table)
    if len(answer):
        days = int(comparison.table["days"].iloc[0])
        lines += ["", "## Does V2G pay?", "", *(f"- {s}" for s in v2g_sentences(answer, days, cur))]
        answer.to_csv(folder / "v2g_answer.csv", index=False, float_format="%.4f")
        written.append(folder / "v2g_answer.csv")
    lines += ["", comparison.markdown(), ""]
    path = folder / "report.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    written.append(path)
    if pictures:
        written += _plot_report(comparison, folder)
    return written


def _plot_report(comparison: ComparisonResult, folder: Path) -> list[Path]:
    """``monthly_net_cost.png``, ``typical_week.png`` and (with runs with and without V2G) ``v2g_pays.png``
    (:mod:`planner.results.plot.compare`)."""
    from planner.results.plot import plot_monthly, plot_v2g, plot_week

    out = [plot_monthly(comparison, folder / "monthly_net_cost.png"), plot_week(comparison, folder / "typical_week.png")]
    answer = v2g_answer(comparison.table)
    if len(answer):
        days = int(comparison.table["days"].iloc[0])
        out.append(plot_v2g(answer, comparison.currency, days, folder / "v2g_pays.png"))
    return out


__all__ = ["TARIFF_ALIASES", "ComparisonResult", "compare_tariffs", "resolve_tariff", "write_report"]
