"""Independent re-check of a plan against its scenario, in numpy only (this module never imports Pyomo).

:func:`verify` recomputes from the scenario and the plan's schedule:

- the site balance in every step: ``import - export + solar - curtailed + unserved - load
  + sum(discharge - charge) = 0``;
- grid limits and no simultaneous import and export;
- every storage asset's SoC trajectory from its own dynamics, its bounds, power limits and no simultaneous
  charge and discharge;
- vehicles: power only in plugged-in steps (limits scaled by the covered fraction), 0 or at least the
  minimum charging power, discharge only with V2G, the SoC at each departure against its target and the
  reported shortfall;
- chargers (when declared): one vehicle per charger at a time, each session within its charger's limits
  (discharge only on a bidirectional charger), no power in a session assigned to no charger, and the
  chargers' power per phase within ``phase_limit_kw``;
- the costs: import cost, export revenue, throughput wear, standing charge, penalties and the total.

It raises :class:`VerificationError` listing every violation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from planner.domain.efficiency import charged_kw
from planner.domain.wear_costs import wear_cost_from_schedule
from planner.errors import PlannerError
from planner.verify.grid_service import check_grid_service
from planner.verify.rules import check_flow_rules, check_taper, check_targets
from planner.verify.time_sharing import check_time_sharing

TOL_KW = 1e-5
TOL_KWH = 1e-4
TOL_COST_REL = 1e-6
TOL_COST_ABS = 1e-4


class VerificationError(PlannerError, AssertionError):
    """A plan violates its scenario; ``violations`` lists each problem."""

    def __init__(self, violations: list[str]) -> None:
        self.violations = list(violations)
        lines = "\n".join(f"  - {v}" for v in violations[:30])
        more = f"\n  ... and {len(violations) - 30} more" if len(violations) > 30 else ""
        super().__init__(f"plan fails verification ({len(violations)} problems):\n{lines}{more}")

    def __reduce__(self):  # noqa: ANN204 - pickled across processes with its list, not its message
        return (type(self), (self.violations,))


@dataclass
class VerifyReport:
    """What was checked; ``costs`` holds the independently recomputed terms [currency]."""

    checks: int = 0
    costs: dict[str, float] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)
    """The scenario's refinements that were checked and hold (flow rules, goals, reserves, ...)."""


def _session_target(grid, session) -> tuple[float, int, int, bool]:
    """(effective target [kWh], first boundary, last boundary, departs inside horizon)."""
    n = grid.steps
    step_s = grid.step_minutes * 60.0
    start_s = grid.start.value / 1e9
    a = (session.arrive.value / 1e9 - start_s) / step_s
    d = (session.depart.value / 1e9 - start_s) / step_s
    first = int(min(max(math.floor(a + 1e-9), 0), n))
    last = int(min(max(math.ceil(d - 1e-9), first), n))
    inside = d <= n + 1e-9
    target = session.depart_soc_min_kwh
    if not inside:
        s0 = max(a, 0.0)
        ratio = (n - s0) / (d - s0) if d > s0 else 1.0
        target = session.arrive_soc_kwh + (target - session.arrive_soc_kwh) * ratio
    return float(target), first, last, inside


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= max(TOL_COST_ABS, TOL_COST_REL * max(abs(a), abs(b)))


def _check_chargers(scenario, col, report, bad: list[str], dispatch: str) -> None:
    """Chargers: one vehicle at a time, each session within its charger's limits, none without a charger,
    and the chargers' combined power on each phase within ``phase_limit_kw``."""
    chargers = {c.name: c for c in getattr(scenario, "chargers", ())}
    if not chargers:
        return
    grid = scenario.grid
    n = scenario.steps
    phases = ("L1", "L2", "L3")
    phase_c = {p: np.zeros(n) for p in phases}
    phase_d = {p: np.zeros(n) for p in phases}
    booked: dict[str, list[tuple[Any, Any, str]]] = {}
    for v in scenario.vehicles:
        c, d = col(f"{v.name}_charge_kw"), col(f"{v.name}_discharge_kw")
        cap_c, cap_d, covered, unassigned = np.zeros(n), np.zeros(n), np.zeros(n, int), np.zeros(n)
        cmin = np.zeros(n)
        for s in v.sessions:
            frac = grid.coverage(s.arrive, s.depart)
            covered += frac > 0
            ch = chargers.get(s.charger) if s.charger is not None else None
            if ch is None:
                unassigned += frac
                continue
            for arrive, depart, other in booked.get(ch.name, []):
                if s.arrive < depart and arrive < s.depart:
                    bad.append(f"charger {ch.name}: {v.name} and {other} plugged in at the same time")
            booked.setdefault(ch.name, []).append((s.arrive, s.depart, v.name))
            cap_c += min(v.charge_max_kw, ch.charge_max_kw) * frac
            dmax = min(v.discharge_max_kw, ch.discharge_max_kw) if (v.v2g and ch.bidirectional) else 0.0
            cap_d += dmax * frac
            cmin = np.where(frac > 0, max(v.charge_min_kw, ch.charge_min_kw) * frac, cmin)
            shares = {ch.phase: 1.0} if ch.phase in phases else {p: 1.0 / 3.0 for p in phases}
            inside = frac > 0
            for p, w in shares.items():
                phase_c[p] += np.where(inside, w * c, 0.0)
                phase_d[p] += np.where(inside, w * d, 0.0)
        only_unassigned = (unassigned > 0) & (cap_c <= 0) & (cap_d <= 0)
        report(only_unassigned & ((c > TOL_KW) | (d > TOL_KW)), f"{v.name} has power while assigned to no charger", c + d)
        report(c > cap_c + TOL_KW, f"{v.name} charges above its charger's limit x plugged fraction", c)
        report(d > cap_d + TOL_KW, f"{v.name} discharges above its charger's limit (or on a one-way charger)", d)
        if dispatch == "setpoint":
            single = covered == 1
            report(single & (c > TOL_KW) & (c < cmin - TOL_KW), f"{v.name} charges below its charger's minimum", c)
    limit = scenario.connection.phase_limit_kw
    if math.isfinite(limit):
        for p in phases:
            report(phase_c[p] > limit + TOL_KW, f"chargers on phase {p} draw above phase_limit_kw", phase_c[p])
            report(phase_d[p] > limit + TOL_KW, f"chargers on phase {p} inject above phase_limit_kw", phase_d[p])


def verify(scenario, plan, *, dispatch: str = "setpoint", check_costs: bool = True) -> VerifyReport:
    """Re-check ``plan`` against ``scenario``; raise :class:`VerificationError` on any violation.

    Parameters
    ----------
    dispatch : str
        ``"setpoint"`` checks the per-step exclusivity rules; ``"fractional"`` skips them.
    check_costs : bool
        Also recompute and compare the cost breakdown.
    """
    rep = VerifyReport()
    bad = rep.violations
    sch = plan.schedule
    n = scenario.steps
    h = scenario.step_hours
    grid = scenario.grid
    if len(sch) != n:
        raise VerificationError([f"schedule has {len(sch)} rows, expected {n}"])
    expected_index = grid.index
    if sch.index.tz is None or not bool((sch.index == expected_index).all()):
        bad.append("schedule index does not match the horizon's steps (tz-aware step starts)")

    def col(name: str) -> np.ndarray:
        if name not in sch.columns:
            bad.append(f"missing column {name}")
            return np.zeros(n)
        return sch[name].to_numpy(dtype=float)

    imp, exp = col("grid_import_kw"), col("grid_export_kw")
    curtailed, unserved = col("solar_curtailed_kw"), col("unserved_load_kw")
    load, solar = scenario.load_kw, scenario.solar_kw

    def report(mask: np.ndarray, text: str, values: np.ndarray | None = None) -> None:
        rep.checks += 1
        idx = np.flatnonzero(mask)
        for k in idx[:5]:
            extra = f" ({values[k]:.6g})" if values is not None else ""
            bad.append(f"step {k} ({grid.index[k].isoformat()}): {text}{extra}")
        if len(idx) > 5:
            bad.append(f"... {text} in {len(idx)} steps")

    for name, arr in (("grid_import_kw", imp), ("grid_export_kw", exp), ("solar_curtailed_kw", curtailed),
                      ("unserved_load_kw", unserved)):
        report(~np.isfinite(arr), f"{name} is not finite")
        report(arr < -TOL_KW, f"{name} negative", arr)
    report(imp > scenario.connection.import_limit_kw + TOL_KW, "import above the connection limit", imp)
    report(exp > scenario.connection.export_limit_kw + TOL_KW, "export above the connection limit", exp)
    if dispatch == "setpoint":
        report((imp > TOL_KW) & (exp > TOL_KW), "simultaneous import and export", np.minimum(imp, exp))
    report(curtailed > solar + TOL_KW, "curtailment above solar generation", curtailed)
    report(unserved > load + TOL_KW, "unserved load above load", unserved)

    net = imp - exp + solar - curtailed + unserved - load
    throughput: dict[str, float] = {}
    trajectories: dict[str, list[tuple[int, np.ndarray]]] = {}  # SoC on boundaries, for wear models
    open_depths: dict[str, list[float]] = {}  # each trajectory's open cycle depth at its start [kWh]
    for b in scenario.batteries:
        c, d, soc = col(f"{b.name}_charge_kw"), col(f"{b.name}_discharge_kw"), col(f"{b.name}_soc_kwh")
        net += d - c
        report((c < -TOL_KW) | (c > b.charge_max_kw + TOL_KW), f"{b.name} charge outside [0, {b.charge_max_kw}]", c)
        report((d < -TOL_KW) | (d > b.discharge_max_kw + TOL_KW),
               f"{b.name} discharge outside [0, {b.discharge_max_kw}]", d)
        if dispatch == "setpoint":
            report((c > TOL_KW) & (d > TOL_KW), f"{b.name} charges and discharges in the same step")
        elif b.charge_max_kw > 0 and b.discharge_max_kw > 0:  # fractions of the step spent charging/discharging
            busy = c / b.charge_max_kw + d / b.discharge_max_kw
            report(busy > 1 + 1e-6, f"{b.name} charges and discharges for more than the whole step", busy)
        expected = b.soc_kwh + np.cumsum(b.eta_charge * c * h - d * h / b.eta_discharge)
        report(np.abs(expected - soc) > TOL_KWH, f"{b.name} SoC does not follow its dynamics", soc - expected)
        lo, hi = min(b.soc_min_kwh, b.soc_kwh), max(b.soc_max_kwh, b.soc_kwh)
        report((expected < lo - TOL_KWH) | (expected > hi + TOL_KWH), f"{b.name} SoC outside [{lo}, {hi}]", expected)
        throughput[b.name] = float((c.sum() + d.sum()) * h)
        trajectories[b.name] = [(0, np.concatenate([[b.soc_kwh], soc]))]
        open_depths[b.name] = [float(b.cycle_depth_kwh)]
    vehicle_shortfall_cost = 0.0
    vehicle_end_gain: dict[str, float] = {}
    traced: dict[str, list[tuple[int, int, int, np.ndarray, np.ndarray]]] = {}  # sessions, for goals and taper
    reported = {(s["asset"], s.get("session")): s for s in plan.shortfalls if s.get("kind") == "vehicle_session"}
    for v in scenario.vehicles:
        c, d, soc = col(f"{v.name}_charge_kw"), col(f"{v.name}_discharge_kw"), col(f"{v.name}_soc_kwh")
        net += d - c
        covers = [grid.coverage(s.arrive, s.depart) for s in v.sessions]
        # a step shared by two consecutive sessions belongs to the later one (the car came back)
        later = [covers[j + 1] > 0 if j + 1 < len(covers) else np.zeros(n, dtype=bool) for j in range(len(covers))]
        owned = [np.where(later[j], 0.0, covers[j]) for j in range(len(covers))]
        frac = np.sum(owned, axis=0) if owned else np.zeros(n)
        report((c < -TOL_KW) | (c > v.charge_max_kw * frac + TOL_KW),
               f"{v.name} charge outside [0, charge_max_kw x plugged fraction]", c)
        dmax = v.discharge_max_kw if v.v2g else 0.0
        report((d < -TOL_KW) | (d > dmax * frac + TOL_KW),
               f"{v.name} discharge outside [0, discharge_max_kw x plugged fraction]" + ("" if v.v2g else " (no V2G)"), d)
        if dispatch == "setpoint":
            report((c > TOL_KW) & (d > TOL_KW), f"{v.name} charges and discharges in the same step")
            if v.charge_min_kw > 0:
                report((c > TOL_KW) & (c < v.charge_min_kw * frac - TOL_KW),
                       f"{v.name} charges below charge_min_kw x plugged fraction", c)
        elif v.v2g and v.charge_max_kw > 0 and v.discharge_max_kw > 0:
            with np.errstate(divide="ignore", invalid="ignore"):
                busy = np.where(frac > 0, c / (v.charge_max_kw * frac) + d / (v.discharge_max_kw * frac), 0.0)
            report(busy > 1 + 1e-6, f"{v.name} charges and discharges for more than the plugged time", busy)
        penalty = v.shortfall_penalty_per_kwh if v.shortfall_penalty_per_kwh is not None else scenario.shortfall_penalty_per_kwh
        for j, s in enumerate(v.sessions):
            target, first, last, _inside = _session_target(grid, s)
            if last <= first and not np.any(grid.coverage(s.arrive, s.depart) > 0):
                continue
            cj, dj = np.where(owned[j] > 0, c, 0.0), np.where(owned[j] > 0, d, 0.0)
            stored = charged_kw(v, cj[first:last], owned[j][first:last])  # eta_charge x charge, or its curve
            traj = s.arrive_soc_kwh + np.cumsum(stored * h - dj[first:last] * h / v.eta_discharge)
            lo, hi = min(v.soc_min_kwh, s.arrive_soc_kwh), max(v.soc_max_kwh, s.arrive_soc_kwh)
            rep.checks += 1
            if s.arrive_soc_kwh < v.soc_min_kwh - TOL_KWH and float(dj.sum() * h) > TOL_KWH:
                bad.append(f"{v.name} session {j}: arrives below its reserve soc_min_kwh ({v.soc_min_kwh:g} kWh) "
                           f"and so must not discharge in that session ({float(dj.sum() * h):.4f} kWh)")
            if np.any(traj < lo - TOL_KWH) or np.any(traj > hi + TOL_KWH):
                bad.append(f"{v.name} session {j}: SoC leaves [{lo:g}, {hi:g}] kWh "
                           f"(min {traj.min():.4f}, max {traj.max():.4f})")
            reported_soc = soc[first:last]
            trajectories.setdefault(v.name, []).append((first, np.concatenate([[s.arrive_soc_kwh], traj])))
            open_depths.setdefault(v.name, []).append(float(s.cycle_depth_kwh))
            traced.setdefault(v.name, []).append((j, first, last, trajectories[v.name][-1][1], owned[j]))
            if np.any((np.abs(reported_soc - traj) > TOL_KWH) & ~later[j][first:last]):
                bad.append(f"{v.name} session {j}: reported SoC does not follow the dynamics")
            final = float(traj[-1]) if len(traj) else s.arrive_soc_kwh
            short = max(0.0, target - final)
            vehicle_shortfall_cost += penalty * short
            vehicle_end_gain[v.name] = vehicle_end_gain.get(v.name, 0.0) + final - target
            entry = reported.get((v.name, j))
            rep.checks += 1
            if entry is None:
                bad.append(f"{v.name} session {j}: no shortfall entry in the plan")
            elif abs(entry["shortfall_kwh"] - short) > max(TOL_KWH, 1e-3):
                bad.append(f"{v.name} session {j}: reported shortfall {entry['shortfall_kwh']:.4f} kWh, "
                           f"recomputed {short:.4f} kWh (SoC {final:.4f} vs target {target:.4f})")
        throughput[v.name] = float((c.sum() + d.sum()) * h)
        outside = frac <= 0
        report(outside & ((c > TOL_KW) | (d > TOL_KW)), f"{v.name} has power while not plugged in")
    _check_chargers(scenario, col, report, bad, dispatch)
    rep.rules = check_flow_rules(scenario, col, report)
    target_penalty, high_soc_penalty, checked = check_targets(scenario, col, traced, plan, report, bad)
    rep.rules += checked + check_taper(scenario, col, traced, report)
    report(np.abs(net) > TOL_KW * 10, "site balance violated", net)
    if dispatch == "fractional":  # each part of a time-shared step balances (planner.verify.time_sharing)
        rep.checks += check_time_sharing(scenario, col, report)

    service_revenue = None
    if scenario.grid_service is not None:  # capacity held within the schedule's room (planner.verify.grid_service)
        offered = col("grid_service_kw") if "grid_service_kw" in sch.columns else np.zeros(n)
        service_revenue = check_grid_service(scenario, col, offered, report)
    if check_costs:
        p_imp, p_exp = scenario.tariff.import_price_per_kwh, scenario.tariff.export_price_per_kwh
        recomputed = {
            "import_cost": float(np.dot(p_imp, imp) * h),
            "export_revenue": float(np.dot(p_exp, exp) * h),
            "standing_charge": float(scenario.tariff.standing_charge_cost),
        }
        # demand charges: rate x max(floor, peak import in the billing window's steps)
        charged = [c for c in scenario.tariff.demand_charges if np.any(c.step_mask)]
        if charged:
            recomputed["demand_charge"] = float(sum(
                c.rate_per_kw * max(c.floor_kw, float(imp[np.asarray(c.step_mask, dtype=bool)].max()))
                for c in charged
            ))
        if service_revenue is not None:
            recomputed["grid_service_revenue"] = service_revenue
        ev = scenario.tariff.ev_charge_price_per_kwh
        if ev is not None and scenario.vehicles:  # credited on each charger's net kWh at import - EV rate
            recomputed["ev_charge_credit"] = float(sum(
                np.dot(p_imp - ev, col(f"{v.name}_charge_kw") - col(f"{v.name}_discharge_kw")) for v in scenario.vehicles) * h)
        least_cost_keys: set[str] = set()
        solver = getattr(plan, "solver", None) or {}
        gap_slack = abs(float(solver.get("gap", 0.0) or 0.0) * float(solver.get("objective", 0.0) or 0.0))
        for spec in list(scenario.batteries) + list(scenario.vehicles):
            model_name = str(spec.degradation.get("model", "throughput")) if spec.degradation else "throughput"
            if model_name == "throughput":
                recomputed[f"degradation_cost_{spec.name}"] = spec.degradation_cost_per_kwh * throughput[spec.name]
            else:  # cycle_depth / calendar: recomputed from the schedule by the wear arithmetic (numpy only)

                recomputed[f"degradation_cost_{spec.name}"] = wear_cost_from_schedule(
                    spec, col(f"{spec.name}_charge_kw"), col(f"{spec.name}_discharge_kw"), h,
                    trajectories.get(spec.name, []), open_depths.get(spec.name, []),
                )
                if model_name in ("cycle_depth", "cycle_depth_calendar"):  # least cost of the schedule; a gap-optimal plan may pay more
                    least_cost_keys.add(f"degradation_cost_{spec.name}")
        battery_short_cost = sum(
            scenario.shortfall_penalty_per_kwh * max(0.0, b.end_soc_min_kwh - float(col(f"{b.name}_soc_kwh")[-1]))
            for b in scenario.batteries
        )
        recomputed["shortfall_penalty"] = vehicle_shortfall_cost + battery_short_cost + target_penalty
        # ramp penalty (deliberate copy of planner.domain.ramp): rate x sum of |change of net power|
        ramp = 0.0
        for spec in list(scenario.batteries) + list(scenario.vehicles):
            if spec.ramp_penalty_per_kw > 0:
                net_kw = col(f"{spec.name}_charge_kw") - col(f"{spec.name}_discharge_kw")
                first = abs(net_kw[0] - spec.ramp_from_kw) if spec.ramp_from_kw is not None and n else 0.0
                ramp += spec.ramp_penalty_per_kw * (first + float(np.abs(np.diff(net_kw)).sum()))
        if ramp > 0 or "ramp_penalty" in plan.costs:
            recomputed["ramp_penalty"] = ramp
            least_cost_keys.add("ramp_penalty")  # |change| is a lower bound the model may exceed within the gap
        if high_soc_penalty > 0 or "high_soc_penalty" in plan.costs:
            recomputed["high_soc_penalty"] = high_soc_penalty
            least_cost_keys.add("high_soc_penalty")  # a gap-optimal plan may count a step it need not
        # terminal value (deliberate copy of planner.domain.end_value): -v x energy gained above the reference
        min_price = float(np.min(p_imp)) if len(p_imp) else 0.0
        ev_rate = scenario.tariff.ev_charge_price_per_kwh  # a car's refill price under an EV rate
        min_ev = float(np.min(ev_rate)) if ev_rate is not None and len(ev_rate) else min_price

        def rate(spec: Any, floor: float) -> float:
            own = getattr(spec, "end_value_per_kwh", None)
            if own is not None:
                return float(own)
            return 0.95 * spec.eta_discharge * max(0.0, floor - spec.degradation_cost_per_kwh)

        end_value = sum(-rate(b, min_price) * (float(col(f"{b.name}_soc_kwh")[-1]) - b.soc_kwh)
                        for b in scenario.batteries)
        end_value += sum(-rate(v, min_ev) * vehicle_end_gain.get(v.name, 0.0) for v in scenario.vehicles)
        recomputed["end_value"] = end_value
        recomputed["unserved_load_penalty"] = scenario.shortfall_penalty_per_kwh * float(unserved.sum() * h)
        if not scenario.solar_curtailable:
            recomputed["forced_curtailment_penalty"] = scenario.shortfall_penalty_per_kwh * float(curtailed.sum() * h)
        # a penalty term is checked to the energy tolerance times its price (1e-4 kWh at 1e6/kWh is 100)
        penalties = [scenario.shortfall_penalty_per_kwh] + [
            v.shortfall_penalty_per_kwh for v in scenario.vehicles if v.shortfall_penalty_per_kwh is not None
        ]
        penalty_tol = max(TOL_COST_ABS, max(penalties) * TOL_KWH)
        penalty_keys = {"shortfall_penalty", "unserved_load_penalty", "forced_curtailment_penalty"}
        for key, value in recomputed.items():
            got = plan.costs.get(key, 0.0)
            rep.checks += 1
            if key in penalty_keys and abs(got - value) <= penalty_tol:
                continue
            if key.startswith("degradation_cost_") and key not in plan.costs and value == 0:
                continue
            if key in least_cost_keys and value - TOL_COST_ABS <= got <= value + gap_slack + TOL_COST_ABS:
                continue
            if not _close(got, value):
                bad.append(f"cost {key}: plan says {got:.6f}, recomputed {value:.6f}")
        revenues = ("export_revenue", "grid_service_revenue", "ev_charge_credit")  # money received
        total = sum(v for k, v in plan.costs.items() if k not in ("total", *revenues) and not k.startswith("degradation_cost_"))
        total -= sum(plan.costs.get(k, 0.0) for k in revenues)
        rep.checks += 1
        if not (_close(total, plan.costs.get("total", math.nan))
                or abs(total - plan.costs.get("total", math.nan)) <= penalty_tol):
            bad.append(f"cost total: plan says {plan.costs.get('total')}, sum of terms {total}")
        rep.costs = recomputed
    if bad:
        raise VerificationError(bad)
    return rep


def check(scenario, plan: Any, **kwargs: Any) -> list[str]:
    """Like :func:`verify` but return the violations instead of raising."""
    try:
        verify(scenario, plan, **kwargs)
    except VerificationError as exc:
        return exc.violations
    return []
