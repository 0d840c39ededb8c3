"""The plan: schedule, costs, status, shortfalls and KPIs, read back from a solved model.

Sign conventions: every ``_kw`` column is a non-negative mean power over its step; ``grid_import_kw`` flows
into the site, ``grid_export_kw`` out of it; ``<asset>_charge_kw`` flows into a storage asset (AC side).
``<asset>_soc_kwh`` is the state of charge at the *end* of the step (NaN while a vehicle is not plugged in).
Costs are in the scenario's currency; ``+`` = paid, except ``export_revenue``, ``grid_service_revenue`` and
``ev_charge_credit`` (money received).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planner.domain.names import wear_block_name
from planner.inputs.specs import Scenario

REVENUES = ("export_revenue", "grid_service_revenue", "ev_charge_credit")
"""Cost names that are money received (+ = received), subtracted in ``total``."""

COST_ORDER = (
    "import_cost",
    "export_revenue",
    "grid_service_revenue",
    "ev_charge_credit",
    "standing_charge",
    "demand_charge",
    "degradation_cost",
    "shortfall_penalty",
    "high_soc_penalty",
    "ramp_penalty",
    "unserved_load_penalty",
    "forced_curtailment_penalty",
    "end_value",
)


@dataclass
class Plan:
    """A dispatch plan for one scenario.

    Attributes
    ----------
    schedule : pandas.DataFrame
        One row per step, index = step start (tz-aware, scenario time zone); columns as in ``docs/schedule.md``.
    costs : dict
        ``import_cost``, ``export_revenue``, ``degradation_cost`` (and ``degradation_cost_<asset>``),
        ``shortfall_penalty``, tariff charges, ``total`` [currency].
    status : str
        ``optimal`` | ``time_limit`` | ``fallback``.
    shortfalls : list of dict
        One entry per vehicle session (and battery end floor) with target, achieved SoC and ``shortfall_kwh``.
    kpis : dict
        Energy totals and per-asset indicators (throughput, equivalent full cycles, V2G energy, ...).
    """

    scenario_name: str
    currency: str
    schedule: pd.DataFrame
    costs: dict[str, float]
    status: str
    shortfalls: list[dict[str, Any]] = field(default_factory=list)
    kpis: dict[str, float] = field(default_factory=dict)
    solve_seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    solver: dict[str, Any] = field(default_factory=dict)
    reason: str = ""
    notes: list[str] = field(default_factory=list)

    # -- summaries ----------------------------------------------------------------------------
    @property
    def total_cost(self) -> float:
        """Total cost [currency]."""
        return float(self.costs["total"])

    @property
    def vehicle_kpis(self) -> pd.DataFrame:
        """One row per vehicle: ``energy_delivered_kwh`` (AC energy charged), ``v2g_kwh`` (AC energy
        discharged), ``departure_soc_min_kwh`` (lowest SoC at a departure inside the horizon, NaN if none),
        ``departures``, ``shortfall_kwh`` and ``wear_cost`` [currency]."""
        names = sorted({s["asset"] for s in self.shortfalls if s.get("kind") == "vehicle_session"})
        rows = []
        for name in names:
            sessions = [s for s in self.shortfalls if s.get("kind") == "vehicle_session" and s["asset"] == name]
            rows.append({
                "vehicle": name,
                "energy_delivered_kwh": self.kpis.get(f"{name}_energy_delivered_kwh", float("nan")),
                "v2g_kwh": self.kpis.get(f"{name}_v2g_kwh", float("nan")),
                "departure_soc_min_kwh": self.kpis.get(f"{name}_departure_soc_min_kwh", float("nan")),
                "departures": sum(1 for s in sessions if s.get("departs_in_horizon")),
                "shortfall_kwh": float(sum(s["shortfall_kwh"] for s in sessions)),
                "wear_cost": self.costs.get(f"degradation_cost_{name}", 0.0),
            })
        return pd.DataFrame(rows).set_index("vehicle") if rows else pd.DataFrame()

    @property
    def total_shortfall_kwh(self) -> float:
        """Sum of every reported shortfall [kWh]."""
        return float(sum(s["shortfall_kwh"] for s in self.shortfalls))

    def summary(self) -> str:
        """A readable multi-line summary (costs, departures, status, time)."""
        cur = self.currency
        lines = [f"plan '{self.scenario_name}': status {self.status}"
                 + (f" ({self.reason})" if self.reason else "")]
        if self.solver:
            gap = self.solver.get("gap")
            gap_txt = f", gap {gap:.2e}" if isinstance(gap, float) and np.isfinite(gap) else ""
            abs_gap = self.solver.get("abs_gap")
            if isinstance(abs_gap, float) and np.isfinite(abs_gap):
                gap_txt += f" ({abs_gap:.4f} {self.currency})"
            lines[0] += f", method {self.solver.get('method', '?')}{gap_txt}"
        lines.append(f"  solve time {self.solve_seconds * 1000:.0f} ms")
        lines.append("  costs:")
        for key, value in self.costs.items():
            if key == "total" or (value == 0 and key not in ("import_cost", "export_revenue")):
                continue
            lines.append(f"    {key:<34} {value:>10.2f} {cur}")
        lines.append(f"    {'total':<34} {self.costs['total']:>10.2f} {cur}")
        for s in self.shortfalls:
            if s.get("kind") == "high_soc_hours":
                if s["excess_hours"] > 1e-9:
                    lines.append(f"  {s['asset']}: {s['hours_above']:.1f} h above {s['above_kwh']:.1f} kWh, "
                                 f"{s['excess_hours']:.1f} h over its limit of {s['max_hours']:g} h")
                continue
            if s.get("kind") == "vehicle_goal":
                lines.append(f"  {s['asset']} by {pd.Timestamp(s['by']).isoformat()}: SoC {s['soc_kwh']:.1f} kWh "
                             f"(goal {s['target_kwh']:.1f} kWh"
                             + (f", SHORT by {s['shortfall_kwh']:.2f} kWh)" if s["shortfall_kwh"] > 1e-6 else ")"))
                continue
            if s.get("kind") == "battery_reserve":
                lines.append(f"  {s['asset']} from {pd.Timestamp(s['from']).isoformat()} to "
                             f"{pd.Timestamp(s['to']).isoformat()}: lowest SoC {s['soc_kwh']:.1f} kWh (reserve "
                             f"{s['target_kwh']:.1f} kWh"
                             + (f", SHORT by {s['shortfall_kwh']:.2f} kWh)" if s["shortfall_kwh"] > 1e-6 else ")"))
                continue
            if s.get("kind") != "vehicle_session":
                if s["shortfall_kwh"] > 1e-6:
                    lines.append(f"  {s['asset']}: {s['kind']} short by {s['shortfall_kwh']:.2f} kWh")
                continue
            lines.append(
                f"  {s['asset']} departs {pd.Timestamp(s['depart']).isoformat()}: "
                f"SoC {s['soc_kwh']:.1f} kWh (target {s['target_kwh']:.1f} kWh"
                + (f", SHORT by {s['shortfall_kwh']:.2f} kWh)" if s["shortfall_kwh"] > 1e-6 else ")")
            )
        return "\n".join(lines)

    # -- export -------------------------------------------------------------------------------
    def schedule_frame(self) -> pd.DataFrame:
        """The schedule with a ``time`` column in UTC (ISO 8601 ``+00:00``) first: the written form.

        One offset for every row, so ``pandas.read_csv(..., parse_dates=["time"])`` and DuckDB read it back
        tz-aware across a clock change; convert with ``.dt.tz_convert(<scenario time zone>)``.
        """
        frame = self.schedule.copy()
        frame.index = pd.DatetimeIndex(frame.index).tz_convert("UTC")
        frame.index.name = "time"
        return frame.reset_index()

    def to_csv(self, path: str | Path) -> None:
        """Write the schedule as CSV: ``time`` (step start, UTC, ISO 8601 with ``+00:00``), then the columns."""
        frame = self.schedule_frame()
        frame["time"] = frame["time"].map(lambda ts: ts.isoformat())
        frame.to_csv(path, index=False)

    def to_parquet(self, path: str | Path) -> None:
        """Write the schedule as Parquet (``time`` a UTC timestamp column); needs the ``[parquet]`` extra."""
        from planner.extras import require

        require("pyarrow", "writing Parquet")
        self.schedule_frame().to_parquet(path, index=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly dictionary of everything in the plan (``schedule`` times in UTC, ISO 8601)."""
        sched = self.schedule_frame()
        sched["time"] = sched["time"].map(lambda ts: ts.isoformat())
        sched = sched.astype(object).where(sched.notna(), None)
        return {
            "scenario": self.scenario_name,
            "currency": self.currency,
            "timezone": str(pd.DatetimeIndex(self.schedule.index).tz),
            "status": self.status,
            "reason": self.reason,
            "notes": list(self.notes),
            "costs": {k: jsonable(v) for k, v in self.costs.items()},
            "shortfalls": [{k: jsonable(v) for k, v in s.items()} for s in self.shortfalls],
            "kpis": {k: jsonable(v) for k, v in self.kpis.items()},
            "solve_seconds": self.solve_seconds,
            "timings": self.timings,
            "solver": {k: jsonable(v) for k, v in self.solver.items()},
            "schedule": sched.to_dict(orient="records"),
        }

    def to_json(self, path: str | Path | None = None) -> str:
        """The whole plan as JSON text (NaN and infinity as ``null``); also written to ``path`` when given."""
        text = json.dumps(self.to_dict(), indent=1, allow_nan=False)
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Plan:
        """The plan written by :meth:`to_dict` (schedule index back in the plan's time zone)."""
        records = data["schedule"]
        frame = pd.DataFrame.from_records(records) if records else pd.DataFrame({"time": []})
        index = pd.DatetimeIndex(pd.to_datetime(frame.pop("time"), utc=True)).as_unit("us")
        index = index.tz_convert(data.get("timezone") or "UTC")
        frame.index = pd.DatetimeIndex(index, freq="infer") if len(index) >= 3 else index
        frame.index.name = "time"
        for column in frame.columns:
            values = frame[column]
            if values.map(lambda v: isinstance(v, bool)).all():
                frame[column] = values.astype(bool)
            else:
                frame[column] = pd.to_numeric(values.where(values.notna(), np.nan)).astype(float)
        tz = frame.index.tz
        shortfalls = [
            {k: (pd.Timestamp(v).tz_convert(tz) if k in ("arrive", "depart", "by", "from", "to") and isinstance(v, str) else v)
             for k, v in s.items()}
            for s in data.get("shortfalls", [])
        ]
        return cls(
            scenario_name=data["scenario"], currency=data["currency"], schedule=frame,
            costs={k: (math.nan if v is None else float(v)) for k, v in data["costs"].items()},
            status=data["status"], shortfalls=shortfalls,
            kpis={k: (math.nan if v is None else v) for k, v in data.get("kpis", {}).items()},
            solve_seconds=float(data.get("solve_seconds", 0.0)), timings=dict(data.get("timings", {})),
            solver={k: (math.nan if v is None and k in ("gap", "bound", "objective") else v)
                    for k, v in data.get("solver", {}).items()},
            reason=data.get("reason", ""), notes=list(data.get("notes", [])),
        )

    @classmethod
    def from_json(cls, text_or_path: str | Path) -> Plan:
        """The plan in JSON text, or in a file, written by :meth:`to_json`."""
        text = str(text_or_path)
        if not text.lstrip().startswith("{"):
            text = Path(text_or_path).read_text(encoding="utf-8")
        return cls.from_dict(json.loads(text))

    def save(self, path: str | Path) -> None:
        """Write by extension: ``.csv``, ``.parquet`` or ``.json``."""
        suffix = Path(path).suffix.lower()
        if suffix == ".csv":
            self.to_csv(path)
        elif suffix == ".parquet":
            self.to_parquet(path)
        elif suffix == ".json":
            self.to_json(path)
        else:
            msg = f"--out: {path} - expected a .csv, .parquet or .json file name"
            raise ValueError(msg)

    def plot(self, path: str | Path | None = None):  # noqa: ANN201 - returns a matplotlib Figure
        """Draw prices, power flows, storage SoC and costs (:func:`planner.results.plot.plot_plan`; ``[plot]`` extra)."""
        from planner.results.plot import plot_plan

        return plot_plan(self, path)


def jsonable(value: Any) -> Any:
    """A JSON-safe copy of one value: timestamps as ISO 8601, numpy scalars as Python, NaN/inf as None."""
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


# ------------------------------------------------------------------------------------------------
def storage_columns(scenario: Scenario) -> list[tuple[str, str]]:
    """(kind, name) of every storage asset, batteries first."""
    return [("battery", b.name) for b in scenario.batteries] + [("vehicle", v.name) for v in scenario.vehicles]


def compute_costs(
    scenario: Scenario, schedule: pd.DataFrame, model_terms: dict[tuple[str, str], float]
) -> dict[str, float]:
    """Cost breakdown [currency]: grid terms from the schedule, other terms from the model's cost terms.

    ``model_terms`` maps ``(component, term)`` to its value (+ = paid). Grid import/export are recomputed
    from the schedule (so post-solve netting is reflected); the standing charge is a constant of the tariff.
    """
    h = scenario.step_hours
    imp = schedule["grid_import_kw"].to_numpy()
    exp = schedule["grid_export_kw"].to_numpy()
    costs: dict[str, float] = {
        "import_cost": float(np.dot(scenario.tariff.import_price_per_kwh, imp) * h),
        "export_revenue": float(np.dot(scenario.tariff.export_price_per_kwh, exp) * h),
        "standing_charge": float(scenario.tariff.standing_charge_cost),
    }
    per_asset: dict[str, float] = {}
    owners = {wear_block_name("battery", b.name): b.name for b in scenario.batteries}
    owners |= {wear_block_name("vehicle", v.name): v.name for v in scenario.vehicles}
    for (component, term), value in model_terms.items():
        if component == "grid" and term in ("import_cost", "export_revenue"):
            continue
        if term in REVENUES:  # a revenue is a negative cost in the model; reported as money received
            value = -float(value)
        costs[term] = costs.get(term, 0.0) + float(value)
        if term.startswith("degradation_cost") and component in owners:
            key = f"degradation_cost_{owners[component]}"
            per_asset[key] = per_asset.get(key, 0.0) + float(value)
    for key in ("degradation_cost", "shortfall_penalty"):
        costs.setdefault(key, 0.0)
    ordered = {k: costs.pop(k) for k in COST_ORDER if k in costs}
    ordered.update(costs)
    ordered.update(per_asset)
    total = sum(v for k, v in ordered.items() if k not in REVENUES and not k.startswith("degradation_cost_"))
    total -= sum(ordered.get(k, 0.0) for k in REVENUES)
    ordered["total"] = float(total)
    return ordered


def compute_kpis(scenario: Scenario, schedule: pd.DataFrame) -> dict[str, float]:
    """Energy totals [kWh], peak import [kW] and per-storage throughput and equivalent full cycles."""
    h = scenario.step_hours
    kpis: dict[str, float] = {
        "grid_import_kwh": float(schedule["grid_import_kw"].sum() * h),
        "grid_export_kwh": float(schedule["grid_export_kw"].sum() * h),
        "peak_import_kw": float(schedule["grid_import_kw"].max()),
        "load_kwh": float(schedule["load_kw"].sum() * h),
        "solar_kwh": float(schedule["solar_kw"].sum() * h),
        "solar_curtailed_kwh": float(schedule["solar_curtailed_kw"].sum() * h),
        "unserved_load_kwh": float(schedule["unserved_load_kw"].sum() * h),
    }
    specs = {b.name: b for b in scenario.batteries} | {v.name: v for v in scenario.vehicles}
    for _, name in storage_columns(scenario):
        c = float(schedule[f"{name}_charge_kw"].sum() * h)
        d = float(schedule[f"{name}_discharge_kw"].sum() * h)
        kpis[f"{name}_charge_kwh"] = c
        kpis[f"{name}_discharge_kwh"] = d
        kpis[f"{name}_throughput_kwh"] = c + d
        cap = specs[name].capacity_kwh
        kpis[f"{name}_capacity_kwh"] = float(cap)
        kpis[f"{name}_equivalent_full_cycles"] = (c + d) / (2.0 * cap) if cap > 0 else 0.0
    _fleet_kpis(scenario, schedule, kpis)
    return kpis


def _fleet_kpis(scenario: Scenario, schedule: pd.DataFrame, kpis: dict[str, float]) -> None:
    """Per-vehicle energy delivered, V2G energy and lowest departure SoC [kWh]; connection utilisation.

    ``connection_utilisation_peak`` is peak import / import limit, ``connection_utilisation_mean`` is mean
    import / import limit (both dimensionless; NaN without a finite limit).
    """
    h = scenario.step_hours
    imp = schedule["grid_import_kw"].to_numpy()
    limit = scenario.connection.import_limit_kw
    finite = np.isfinite(limit) and limit > 0
    kpis["connection_utilisation_peak"] = float(imp.max() / limit) if finite else float("nan")
    kpis["connection_utilisation_mean"] = float(imp.mean() / limit) if finite else float("nan")
    grid = scenario.grid
    for v in scenario.vehicles:
        kpis[f"{v.name}_energy_delivered_kwh"] = float(schedule[f"{v.name}_charge_kw"].sum() * h)
        kpis[f"{v.name}_v2g_kwh"] = float(schedule[f"{v.name}_discharge_kw"].sum() * h)
        soc = schedule[f"{v.name}_soc_kwh"].to_numpy()
        at_departure = []
        for s in v.sessions:
            end = grid.position(s.depart)
            if 0 < end <= grid.steps + 1e-9:
                k = int(np.ceil(end - 1e-9)) - 1  # the step ending at or after the departure
                at_departure.append(float(soc[k]))
        kpis[f"{v.name}_departure_soc_min_kwh"] = min(at_departure) if at_departure else float("nan")
