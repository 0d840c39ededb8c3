"""Does V2G pay for this home? Per tariff, the cheapest compared strategy with V2G against the cheapest
without, on the comparison's one accounting (``planner.jobs.compare``), and the sentences that say it.

A strategy "with V2G" may discharge the car into the home or the grid (``SimulationResult.v2g``). The cost
of each side is split into what the picture shows: ``energy`` (import - export - grid-service revenue +
standing and demand charges), ``wear`` (cycle and calendar ageing of every pack) and ``stored`` (the stored-energy term); they
add up to ``net_cost`` [currency, + = paid].

The wear sensitivity re-prices the same runs' wear: ``v2g_saving_wear_low`` / ``_high`` with every pack's
replacement cost at :data:`WEAR_LOW` / :data:`WEAR_HIGH` times the stated one (cycle and calendar wear are
both proportional to it), and ``v2g_saving_rainflow`` with the cycle wear counted by rainflow instead of the
segment model (``check_rainflow_*``), and ``v2g_saving_exponent_low`` / ``_high`` with the same rainflow count
on the cycle-life curve re-shaped to the exponents of
:data:`planner.jobs.simulate.wear_account.SENSITIVITY_EXPONENTS` (``check_exponent_*``). A sensitivity
whose columns the runs lack (runs saved before it existed) is NaN. The plans themselves were made with the
central wear.
"""

from __future__ import annotations

import math

import pandas as pd

from planner.jobs.simulate.wear_account import SENSITIVITY_EXPONENTS

WEAR_LOW, WEAR_HIGH = 0.5, 1.5
"""Replacement-cost factors of the wear sensitivity (an EV pack's wear per kWh moved spans about 1.7-3.3 p
in the literature: half to one and a half times a central value)."""


def _checked(row: pd.Series, prefix: str) -> float:
    """The sum of a cross-check's columns over the assets that have a cycle-life curve (NaN when the row has
    none of them)."""
    values = [float(row[c]) for c in row.index if c.startswith(prefix)]
    values = [v for v in values if not math.isnan(v)]
    return sum(values) if values else math.nan


def _parts(row: pd.Series) -> dict[str, float]:
    wear = sum(float(row[c]) for c in row.index if c.startswith(("wear_cycle_", "wear_calendar_")))
    calendar = sum(float(row[c]) for c in row.index if c.startswith("wear_calendar_"))
    stored = float(row.get("end_energy_value", 0.0))
    net = float(row["net_cost"])
    parts = {"energy": net - wear - stored, "wear": wear, "stored": stored, "net_cost": net,
             "wear_rainflow": calendar + _checked(row, "check_rainflow_")}
    for tag in SENSITIVITY_EXPONENTS:
        parts[f"wear_exponent_{tag}"] = calendar + _checked(row, f"check_exponent_{tag}_")
    return parts


def v2g_answer(table: pd.DataFrame) -> pd.DataFrame:
    """One row per tariff that has runs both with and without V2G: the best of each side (strategy and its
    ``energy``, ``wear``, ``stored``, ``net_cost``) and ``v2g_saving`` = without - with [currency]."""
    rows = []
    for tariff, part in table.groupby("tariff", sort=False):
        sides = {}
        for flag, label in ((False, "without"), (True, "with")):
            runs = part[part["v2g"] == flag]
            if runs.empty:
                break
            best = runs.sort_values("net_cost", kind="stable").iloc[0]
            sides[label] = (best.strategy, _parts(best))
        if len(sides) < 2:
            continue
        row = {"tariff": tariff, "export": part["export"].iloc[0]}
        for label, (strategy, parts) in sides.items():
            row[f"{label}_strategy"] = strategy
            row.update({f"{label}_{k}": v for k, v in parts.items()})
        row["v2g_saving"] = row["without_net_cost"] - row["with_net_cost"]
        extra_wear = row["with_wear"] - row["without_wear"]
        row["v2g_saving_wear_low"] = row["v2g_saving"] - (WEAR_LOW - 1.0) * extra_wear
        row["v2g_saving_wear_high"] = row["v2g_saving"] - (WEAR_HIGH - 1.0) * extra_wear
        for name in ("rainflow", *(f"exponent_{tag}" for tag in SENSITIVITY_EXPONENTS)):
            row[f"v2g_saving_{name}"] = row["v2g_saving"] + extra_wear - (row[f"with_wear_{name}"]
                                                                         - row[f"without_wear_{name}"])
        rows.append(row)
    return pd.DataFrame(rows)


def v2g_sentences(answer: pd.DataFrame, days: int, currency: str) -> list[str]:
    """A sentence per tariff: does V2G pay, by how much over the period (and per year), after how much wear."""
    out = []
    per_year = 365.0 / days if days >= 28 else None  # a shorter period is mostly its end state: not scaled
    for _, r in answer.iterrows():
        extra_wear = r["with_wear"] - r["without_wear"]
        saving = float(r["v2g_saving"])
        verdict = "pays" if saving > 0 else "does not pay"
        out.append(
            f"{r['tariff']} (export: {r['export']}): V2G {verdict}. The best plan with it ({r['with_strategy']}) costs "
            f"{r['with_net_cost']:,.2f} {currency} against {r['without_net_cost']:,.2f} without "
            f"({r['without_strategy']}): {abs(saving):,.2f} {'less' if saving > 0 else 'more'} over the {days} days"
            + (f" ({abs(saving) * per_year:,.0f} {currency} a year)" if per_year else "")
            + f", with {abs(extra_wear):,.2f} {'more' if extra_wear >= 0 else 'less'} wear."
            + f" Wear sensitivity: {r['v2g_saving_wear_low']:,.2f} / {r['v2g_saving_wear_high']:,.2f} at "
              f"{WEAR_LOW:g} / {WEAR_HIGH:g} times the packs' replacement cost, {r['v2g_saving_rainflow']:,.2f} "
              "with rainflow-counted cycles" + _exponent_clause(r) + ".")
    return out


def _exponent_clause(r: pd.Series) -> str:
    """``", a / b at cycle-life exponents x / y"`` of a sentence (empty when the runs lack the columns)."""
    values = [r.get(f"v2g_saving_exponent_{tag}", math.nan) for tag in SENSITIVITY_EXPONENTS]
    if any(math.isnan(float(v)) for v in values):
        return ""
    exps = " / ".join(f"{k:g}" for k in SENSITIVITY_EXPONENTS.values())
    return f", {' / '.join(f'{float(v):,.2f}' for v in values)} at cycle-life exponents {exps} (rainflow)"


def forecast_lines(answers: dict[str, pd.DataFrame], currency: str) -> list[str]:
    """The report's forecast sensitivity: per tariff, V2G's saving and the best net cost with V2G under each
    forecast (``answers``: forecast name -> :func:`v2g_answer` of its comparison)."""
    names = list(answers)
    tariffs = list(dict.fromkeys(t for a in answers.values() for t in a["tariff"]))
    lines = ["| tariff | " + " | ".join(f"V2G saving ({f}) | net cost with V2G ({f})" for f in names) + " |",
             "|---|" + "---|---|" * len(names)]
    for tariff in tariffs:
        cells = []
        for f in names:
            row = answers[f][answers[f]["tariff"] == tariff]
            cells += ([f"{float(row.v2g_saving.iloc[0]):,.2f}", f"{float(row.with_net_cost.iloc[0]):,.2f}"]
                      if len(row) else ["-", "-"])
        lines.append(f"| {tariff} | " + " | ".join(cells) + " |")
    return [f"Money in {currency}; each forecast's own report is in its folder.", "", *lines]
