"""An independent solution of the planner's model, written directly against highspy's matrix API.

Nothing here imports Pyomo or ``planner.model.build``/``planner.components``: the equations of the component docstrings
are re-encoded from scratch as one sparse MILP, so that a planner objective
which matches the oracle's to 1e-6 is evidence that both encode the same model (and that the planner's
LP-first shortcut, bounds and binaries-only-where-needed reductions do not change the optimum).

Model (``h`` = step length [h], every power a mean over its step [kW], every energy [kWh]):

- grid: ``0 <= import[t] <= import_limit``, ``0 <= export[t] <= export_limit``; exclusivity binary ``g[t]``
  in *every* step (``import <= M_imp g``, ``export <= M_exp (1 - g)``), not only where export pays more;
- site balance: ``import - export + solar - curtailed + unserved - load + sum(discharge - charge) = 0``;
- load: ``0 <= unserved <= load`` at ``penalty`` per kWh; solar: ``0 <= curtailed <= solar``, penalised at
  ``penalty`` per kWh when the array is not curtailable;
- battery: ``soc[0] = soc0``, ``soc[t+1] = soc[t] + eta_c c h - d h / eta_d``,
  ``min(soc_min, soc0) <= soc <= max(soc_max, soc0)``, binary ``b[t]`` with ``c <= cmax b``,
  ``d <= dmax (1 - b)``, soft end floor ``soc[n] + short >= end_soc_min`` at ``penalty`` per kWh;
- vehicle session ``[arrive, depart)``: covered fraction ``f[t]`` per step, power only where ``f > 0``,
  ``cmin f z <= c <= cmax f z`` (``z`` binary), ``d <= dmax f (1 - z)`` only with V2G and an arrival SoC at or
  above ``soc_min``; SoC on boundaries ``floor(arrive)..ceil(depart)`` (clipped to the horizon) starting at the
  arrival SoC; soft target at the last boundary (pro-rated in time when the departure is after the horizon);
  a step shared by two consecutive sessions of one vehicle belongs to the later session;
- wear: ``degradation_cost_per_kwh * (c + d) * h`` per asset; standing charge as a constant.

``dispatch="fractional"`` relaxes every binary to [0, 1] (the documented within-step switching model) and
time-shares each step (Balas' disaggregation of the step's two parts, written independently of
``planner.model.components.time_sharing``): the grid binary ``g`` becomes the import share and ``1 - g`` the
export share; in the export part every asset has its own charge ``ce``, discharge ``de`` and charging share
``be`` (``ce <= cap be``, ``de <= cap_d (1 - g - be)``, a car's charge also ``>= cmin f be``), the import part the
rest (``c - ce <= cap (b - be)``, ``d - de <= cap_d (g - b + be)``), the sun ``se <= min(solar - curtailed,
solar (1 - g))`` with the rest ``<= solar g``, unserved load ``ue <= min(u, load (1 - g))``, and the export
part balances: ``se + sum de - sum ce + ue = load (1 - g) + export``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import highspy
import numpy as np


@dataclass
class OracleResult:
    """Objective [currency] and named per-step arrays of the oracle's optimum."""

    status: str
    objective: float
    bound: float
    values: dict[str, np.ndarray] = field(default_factory=dict)


class _Matrix:
    """A sparse MILP assembled row by row."""

    def __init__(self) -> None:
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.cost: list[float] = []
        self.integer: list[int] = []
        self.rows: list[tuple[float, float, dict[int, float]]] = []

    def var(self, lower: float, upper: float, cost: float = 0.0, integer: bool = False) -> int:
        self.lower.append(float(lower))
        self.upper.append(float(upper))
        self.cost.append(float(cost))
        self.integer.append(1 if integer else 0)
        return len(self.lower) - 1

    def row(self, lower: float, upper: float, coefs: dict[int, float]) -> None:
        self.rows.append((float(lower), float(upper), dict(coefs)))

    def solve(self, mip_rel_gap: float, time_limit_s: float) -> tuple[str, float, float, np.ndarray]:
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("threads", 1)
        h.setOptionValue("random_seed", 0)
        h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
        h.setOptionValue("mip_abs_gap", 0.0)
        h.setOptionValue("time_limit", float(time_limit_s))
        inf = highspy.kHighsInf
        lp = highspy.HighsLp()
        lp.num_col_ = len(self.lower)
        lp.num_row_ = len(self.rows)
        lp.col_cost_ = np.array(self.cost)
        lp.col_lower_ = np.array([max(v, -inf) for v in self.lower])
        lp.col_upper_ = np.array([min(v, inf) for v in self.upper])
        lp.row_lower_ = np.array([max(r[0], -inf) for r in self.rows])
        lp.row_upper_ = np.array([min(r[1], inf) for r in self.rows])
        starts, index, value = [0], [], []
        for _, _, coefs in self.rows:
            for j, a in coefs.items():
                if a != 0.0:
                    index.append(j)
                    value.append(a)
            starts.append(len(index))
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.num_col_ = lp.num_col_
        lp.a_matrix_.num_row_ = lp.num_row_
        lp.a_matrix_.start_ = np.array(starts, dtype=np.int32)
        lp.a_matrix_.index_ = np.array(index, dtype=np.int32)
        lp.a_matrix_.value_ = np.array(value, dtype=float)
        if any(self.integer):
            lp.integrality_ = [
                highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous for i in self.integer
            ]
        h.passModel(lp)
        h.run()
        if h.getModelStatus() == highspy.HighsModelStatus.kNotset:
            # other code started this thread's HiGHS scheduler with another thread count: restart it once
            highspy.Highs.resetGlobalScheduler(True)
            h.run()
        status = h.modelStatusToString(h.getModelStatus())
        info = h.getInfo()
        if info.primal_solution_status != 2:
            return status, math.nan, math.nan, np.zeros(0)
        obj = info.objective_function_value
        bound = info.mip_dual_bound if any(self.integer) else obj
        return status, obj, bound, np.asarray(h.getSolution().col_value)


def covered_fraction(start_s: float, step_s: float, n: int, arrive_s: float, depart_s: float) -> np.ndarray:
    """Fraction of each of ``n`` steps inside ``[arrive, depart)`` (times in epoch seconds)."""
    lo = (arrive_s - start_s) / step_s
    hi = (depart_s - start_s) / step_s
    k = np.arange(n, dtype=float)
    frac = np.clip(np.minimum(k + 1.0, hi) - np.maximum(k, lo), 0.0, 1.0)
    frac[frac < 1e-12] = 0.0
    return frac


def _time_share(mx: _Matrix, shares: list[tuple], g: int, e: int, u: int, cu: int, load: float,
                solar: float) -> None:
    """The export part of one step (module docstring); ``g`` is the import share."""
    balance: dict[int, float] = {g: load, e: -1.0}
    for c, d, b, cap_c, cap_d, cmin in shares:
        be = mx.var(0.0, 1.0)  # the export part's charging share of the step
        mx.row(-math.inf, 1.0, {be: 1.0, g: 1.0})
        mx.row(0.0, math.inf, {b: 1.0, be: -1.0})
        mx.row(-math.inf, 0.0, {b: 1.0, be: -1.0, g: -1.0})
        ce = mx.var(0.0, math.inf)
        mx.row(-math.inf, 0.0, {ce: 1.0, c: -1.0})
        mx.row(-math.inf, 0.0, {ce: 1.0, be: -cap_c})
        mx.row(-math.inf, 0.0, {c: 1.0, ce: -1.0, b: -cap_c, be: cap_c})
        if cmin > 0:
            mx.row(0.0, math.inf, {ce: 1.0, be: -cmin})
            mx.row(0.0, math.inf, {c: 1.0, ce: -1.0, b: -cmin, be: cmin})
        balance[ce] = balance.get(ce, 0.0) - 1.0
        if d is not None:
            de = mx.var(0.0, math.inf)
            mx.row(-math.inf, 0.0, {de: 1.0, d: -1.0})
            mx.row(-math.inf, cap_d, {de: 1.0, be: cap_d, g: cap_d})
            mx.row(-math.inf, 0.0, {d: 1.0, de: -1.0, g: -cap_d, b: cap_d, be: -cap_d})
            balance[de] = balance.get(de, 0.0) + 1.0
    se = mx.var(0.0, math.inf)
    mx.row(-math.inf, solar, {se: 1.0, cu: 1.0})
    mx.row(-math.inf, solar, {se: 1.0, g: solar})
    mx.row(-math.inf, -solar, {cu: -1.0, se: -1.0, g: -solar})
    ue = mx.var(0.0, math.inf)
    mx.row(-math.inf, 0.0, {ue: 1.0, u: -1.0})
    mx.row(-math.inf, load, {ue: 1.0, g: load})
    balance[se] = 1.0
    balance[ue] = 1.0
    mx.row(load, load, balance)


def _seconds(ts) -> float:
    return ts.timestamp()


def solve_oracle(
    scenario, *, dispatch: str = "setpoint", mip_rel_gap: float = 0.0, time_limit_s: float = 60.0
) -> OracleResult:
    """Solve ``scenario``'s model independently of the planner (see the module docstring)."""
    relax = dispatch == "fractional"
    n = scenario.steps
    h = scenario.grid.step_minutes / 60.0
    step_s = scenario.grid.step_minutes * 60.0
    start_s = _seconds(scenario.grid.start)
    penalty = scenario.shortfall_penalty_per_kwh
    p_imp = np.asarray(scenario.tariff.import_price_per_kwh, dtype=float)
    p_exp = np.asarray(scenario.tariff.export_price_per_kwh, dtype=float)
    load = np.asarray(scenario.load_kw, dtype=float)
    solar = np.asarray(scenario.solar_kw, dtype=float)
    mx = _Matrix()
    bus: list[dict[int, float]] = [{} for _ in range(n)]

    def into_bus(t: int, j: int, sign: float) -> None:
        bus[t][j] = bus[t].get(j, 0.0) + sign

    # storage assets first, to know how much the site can draw or inject (big-M of the grid binary)
    max_charge = np.zeros(n)
    max_discharge = np.zeros(n)
    names: dict[str, list] = {}
    shares: list[list[tuple]] = [[] for _ in range(n)]  # (c, d or None, share var, cap_c, cap_d, cmin) per step

    for bat in scenario.batteries:
        soc0 = bat.soc_kwh
        lo, hi = min(bat.soc_min_kwh, soc0), max(bat.soc_max_kwh, soc0)
        wear = bat.degradation_cost_per_kwh * h
        c = [mx.var(0.0, bat.charge_max_kw, wear) for _ in range(n)]
        d = [mx.var(0.0, bat.discharge_max_kw, wear) for _ in range(n)]
        soc = [mx.var(soc0, soc0)] + [mx.var(lo, hi) for _ in range(n)]
        for t in range(n):
            mx.row(0.0, 0.0, {soc[t + 1]: 1.0, soc[t]: -1.0, c[t]: -bat.eta_charge * h,
                              d[t]: h / bat.eta_discharge})
            b = mx.var(0.0, 1.0, integer=not relax)
            mx.row(-math.inf, 0.0, {c[t]: 1.0, b: -bat.charge_max_kw})
            mx.row(-math.inf, bat.discharge_max_kw, {d[t]: 1.0, b: bat.discharge_max_kw})
            shares[t].append((c[t], d[t], b, bat.charge_max_kw, bat.discharge_max_kw, 0.0))
            into_bus(t, d[t], 1.0)
            into_bus(t, c[t], -1.0)
        short = mx.var(0.0, math.inf, penalty)
        mx.row(bat.end_soc_min_kwh, math.inf, {soc[n]: 1.0, short: 1.0})
        max_charge += bat.charge_max_kw
        max_discharge += bat.discharge_max_kw
        names[bat.name] = ["battery", c, d, soc, short]

    for veh in scenario.vehicles:
        v_pen = veh.shortfall_penalty_per_kwh if veh.shortfall_penalty_per_kwh is not None else penalty
        wear = veh.degradation_cost_per_kwh * h
        sessions = []
        covers = [covered_fraction(start_s, step_s, n, _seconds(s.arrive), _seconds(s.depart))
                  for s in veh.sessions]
        for j, s in enumerate(veh.sessions):
            a_s, d_s = _seconds(s.arrive), _seconds(s.depart)
            frac = covers[j]
            if j + 1 < len(covers):  # a step shared with the next session belongs to the next session
                frac = np.where(covers[j + 1] > 0, 0.0, frac)
            a_pos = (a_s - start_s) / step_s
            d_pos = (d_s - start_s) / step_s
            if d_pos <= 0 or a_pos >= n:
                continue
            first = min(max(math.floor(a_pos + 1e-9), 0), n)
            last = min(max(math.ceil(d_pos - 1e-9), first), n)
            target = s.depart_soc_min_kwh
            if d_pos > n + 1e-9:
                s0 = max(a_pos, 0.0)
                target = s.arrive_soc_kwh + (target - s.arrive_soc_kwh) * (n - s0) / (d_pos - s0)
            lo = min(veh.soc_min_kwh, s.arrive_soc_kwh)
            hi = max(veh.soc_max_kwh, s.arrive_soc_kwh)
            v2g = veh.v2g and veh.discharge_max_kw > 0 and s.arrive_soc_kwh >= veh.soc_min_kwh
            soc = {first: mx.var(s.arrive_soc_kwh, s.arrive_soc_kwh)}
            c_of, d_of = {}, {}
            for k in range(first, last):
                soc[k + 1] = mx.var(lo, hi)
                coefs = {soc[k + 1]: 1.0, soc[k]: -1.0}
                f = frac[k]
                if f > 0:
                    c = mx.var(0.0, veh.charge_max_kw * f, wear)
                    z = mx.var(0.0, 1.0, integer=not relax)
                    mx.row(-math.inf, 0.0, {c: 1.0, z: -veh.charge_max_kw * f})
                    mx.row(0.0, math.inf, {c: 1.0, z: -veh.charge_min_kw * f})
                    coefs[c] = -veh.eta_charge * h
                    into_bus(k, c, -1.0)
                    c_of[k] = c
                    max_charge[k] += veh.charge_max_kw * f
                    d = None
                    if v2g:
                        d = mx.var(0.0, veh.discharge_max_kw * f, wear)
                        mx.row(-math.inf, veh.discharge_max_kw * f, {d: 1.0, z: veh.discharge_max_kw * f})
                        coefs[d] = h / veh.eta_discharge
                        into_bus(k, d, 1.0)
                        d_of[k] = d
                        max_discharge[k] += veh.discharge_max_kw * f
                    shares[k].append((c, d, z, veh.charge_max_kw * f, veh.discharge_max_kw * f,
                                      veh.charge_min_kw * f))
                mx.row(0.0, 0.0, coefs)
            short = mx.var(0.0, math.inf, v_pen)
            mx.row(target, math.inf, {soc[last]: 1.0, short: 1.0})
            sessions.append((c_of, d_of, soc, short, target))
        names[veh.name] = ["vehicle", sessions]

    imp, exp, curt, unserved = [], [], [], []
    curt_cost = 0.0 if scenario.solar_curtailable else penalty * h
    for t in range(n):
        m_imp = min(scenario.connection.import_limit_kw, load[t] + max_charge[t])
        m_exp = min(scenario.connection.export_limit_kw, solar[t] + max_discharge[t])
        i = mx.var(0.0, m_imp, p_imp[t] * h)
        e = mx.var(0.0, m_exp, -p_exp[t] * h)
        g = mx.var(0.0, 1.0, integer=not relax)
        mx.row(-math.inf, 0.0, {i: 1.0, g: -m_imp})
        mx.row(-math.inf, m_exp, {e: 1.0, g: m_exp})
        u = mx.var(0.0, load[t], penalty * h)
        cu = mx.var(0.0, solar[t], curt_cost)
        if relax and m_imp > 0 and m_exp > 0:
            _time_share(mx, shares[t], g, e, u, cu, load[t], solar[t])
        into_bus(t, i, 1.0)
        into_bus(t, e, -1.0)
        into_bus(t, u, 1.0)
        into_bus(t, cu, -1.0)
        rhs = load[t] - solar[t]
        mx.row(rhs, rhs, bus[t])
        imp.append(i)
        exp.append(e)
        curt.append(cu)
        unserved.append(u)

    status, obj, bound, x = mx.solve(mip_rel_gap, time_limit_s)
    standing = float(scenario.tariff.standing_charge_cost)
    if x.size == 0:
        return OracleResult(status, math.nan, math.nan)
    values = {
        "grid_import_kw": x[imp],
        "grid_export_kw": x[exp],
        "solar_curtailed_kw": x[curt],
        "unserved_load_kw": x[unserved],
    }
    for name, entry in names.items():
        if entry[0] == "battery":
            _, c, d, soc, short = entry
            values[f"{name}_charge_kw"] = x[c]
            values[f"{name}_discharge_kw"] = x[d]
            values[f"{name}_soc_kwh"] = x[soc[1:]]
            values[f"{name}_end_shortfall_kwh"] = np.array([x[short]])
        else:
            charge, discharge = np.zeros(n), np.zeros(n)
            shorts = []
            for c_of, d_of, _soc, short, _target in entry[1]:
                for k, j in c_of.items():
                    charge[k] += x[j]
                for k, j in d_of.items():
                    discharge[k] += x[j]
                shorts.append(x[short])
            values[f"{name}_charge_kw"] = charge
            values[f"{name}_discharge_kw"] = discharge
            values[f"{name}_shortfall_kwh"] = np.array(shorts)
    return OracleResult(status, obj + standing, bound + standing, values)
