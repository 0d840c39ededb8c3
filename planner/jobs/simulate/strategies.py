"""Charging strategies for the rolling-horizon simulation: each turns a planning scenario into setpoints.

``charge_on_arrival``
    What a plain charger does: full power from plug-in until the session's departure target (the rule of
    :func:`planner.solve.fallback.fallback_plan`, here applied to the *real* target even when the car leaves after
    the horizon). Home battery in self-consumption mode.
``cheapest_hours``
    Charge in the cheapest plugged-in steps of the horizon (by the forecast import price) until the target
    (pro-rated as the planner does when the car leaves after the horizon); no V2G. Battery self-consumption.
``optimal``
    The MILP (:func:`planner.plan`) without V2G, planned with the wear model the simulation charges (the
    scenario's own: throughput, cycle-depth or calendar).
``optimal_v2g``
    The MILP with V2G, planned with the scenario's wear model.
``optimal_v2g_throughput``
    The MILP with V2G planned with a flat throughput wear rate (the pack's replacement cost over its
    full-cycle life), whatever wear the simulation charges: shows what planning with the wrong wear costs.
``optimal_v2g_wear``
    The MILP with V2G and the cycle-depth wear model (Xu et al. 2018) in the objective.
``stochastic``, ``stochastic_v2g``, ``stochastic_centred``
    A two-stage stochastic plan (:func:`planner.jobs.stochastic.plan_stochastic`) over the last 7 days' load
    and sun as equally likely variants: one commitment until the next decision, recourse after it
    (:class:`Stochastic`); ``stochastic_centred`` moves the variants onto the forecast.

Every strategy's plan is executed by the same home-controller policy (:mod:`planner.jobs.simulate.controller`).

An :class:`Optimal` strategy plans through a :class:`~planner.jobs.shape_cache.ShapeCache`: a day whose planning
scenario has the shape of a recent day's (:func:`planner.solve.persistent.same_shape`) is re-solved by a persistent
model; any other day is planned afresh.

The throughput rate of a pack with wear parameters is ``replacement_cost / (2 * usable_capacity_kwh * N(1))``
(:func:`planner.domain.wear.throughput_cost_per_kwh`); an asset without wear parameters
keeps its ``degradation_cost_per_kwh``. Units: power [kW] per step (AC side), energy [kWh].
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from planner.domain.sessions import session_target
from planner.domain.wear_params import throughput_cost_per_kwh
from planner.errors import PlannerError, ScenarioError
from planner.inputs.specs import BatterySpec, Scenario, VehicleSpec
from planner.jobs.session_variants import session_variants
from planner.jobs.shape_cache import ShapeCache
from planner.jobs.simulate.execution import Decision
from planner.jobs.stochastic import plan_stochastic
from planner.solve.plan_options import PlanOptions


def _session_profile(
    scenario: Scenario, v: VehicleSpec, order: str
) -> tuple[np.ndarray, np.ndarray]:
    """Charging power and planned end-of-step SoC of one vehicle under a greedy rule.

    ``order`` is ``"arrival"`` (earliest steps first, real target) or ``"price"`` (cheapest forecast import
    price first, ties to the earlier step; target pro-rated when the car leaves after the horizon).
    """
    grid = scenario.grid
    n, h = grid.steps, grid.step_hours
    power = np.zeros(n)
    soc_col = np.full(n, np.nan)
    price = scenario.tariff.import_price_per_kwh
    for s in v.sessions:
        frac = grid.coverage(s.arrive, s.depart)
        steps = np.flatnonzero(frac > 0)
        if len(steps) == 0:
            continue
        if order == "arrival":
            target = min(s.depart_soc_min_kwh, v.soc_max_kwh)
            ranked = steps
        else:
            target = min(session_target(grid, s)[0], v.soc_max_kwh)
            ranked = steps[np.lexsort((steps, price[steps]))]
        need_kwh = max(0.0, target - s.arrive_soc_kwh)  # into the battery
        room_kwh = max(0.0, v.soc_max_kwh - s.arrive_soc_kwh)
        for t in ranked:
            if need_kwh <= 1e-9:
                break
            f = frac[t]
            p = min(v.charge_max_kw * f, need_kwh / (v.eta_charge * h))
            if p < v.charge_min_kw * f:
                p = min(v.charge_min_kw * f, room_kwh / (v.eta_charge * h))
                if p < v.charge_min_kw * f - 1e-12:
                    break
            power[t] += p
            need_kwh -= v.eta_charge * p * h
            room_kwh -= v.eta_charge * p * h
        soc_col[steps] = s.arrive_soc_kwh + np.cumsum(v.eta_charge * power[steps] * h)
    return power, soc_col


@dataclass(frozen=True)
class GreedyCharging:
    """Charge on arrival (``order="arrival"``) or in the cheapest hours (``order="price"``); no V2G; home
    batteries in self-consumption mode."""

    name: str
    order: str

    def decide(self, scenario: Scenario) -> Decision:
        n = scenario.steps
        power: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        socs: dict[str, np.ndarray] = {}
        for v in scenario.vehicles:
            c, soc = _session_profile(scenario, v, self.order)
            power[v.name] = (c, np.zeros(n))
            socs[v.name] = soc
        mode = "on_arrival" if self.order == "arrival" else "track"
        return Decision(power, socs, battery_mode="self_consumption", vehicle_mode=mode, status="heuristic",
                        import_price_per_kwh=scenario.tariff.import_price_per_kwh)


def _wear_spec(spec: BatterySpec | VehicleSpec, wear: str) -> BatterySpec | VehicleSpec:
    """The asset with the requested wear pricing (``scenario``, ``throughput`` or ``cycle_depth``)."""

    table = dict(spec.degradation)
    if wear == "scenario":
        return spec
    has_curve = all(k in table for k in ("replacement_cost", "cycle_life_depth_fraction", "cycle_life_cycles"))
    if wear == "throughput":
        if not has_curve:
            return replace(spec, degradation={})
        usable = float(table.get("usable_capacity_kwh", spec.capacity_kwh))
        rate = throughput_cost_per_kwh(float(table["replacement_cost"]), usable, float(table["cycle_life_cycles"][-1]))
        return replace(spec, degradation={}, degradation_cost_per_kwh=rate)
    if wear == "cycle_depth":
        if not has_curve:
            raise ScenarioError(f"{spec.name}: cycle-depth wear needs replacement_cost and a cycle-life curve")
        table["model"] = "cycle_depth"
        return replace(spec, degradation=table)
    raise ScenarioError(f"wear {wear!r}: expected scenario, throughput or cycle_depth")


@dataclass(frozen=True)
class Optimal:
    """The planner's optimum over the forecast horizon; the committed part is its first day.

    ``options`` are the plan options of every day's plan; ``reuse=False`` plans every day afresh (no
    persistent model); ``cache`` counts fresh plans and re-solves.
    """

    name: str
    v2g: bool
    wear: str = "scenario"
    options: PlanOptions = field(default_factory=PlanOptions)
    reuse: bool = True
    cache: ShapeCache = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        cache = ShapeCache(reuse=self.reuse, options=self.options)
        object.__setattr__(self, "cache", cache)

    def planning_scenario(self, scenario: Scenario) -> Scenario:
        """The scenario the MILP solves: V2G on/off and the wear pricing of this strategy."""
        vehicles = tuple(
            replace(_wear_spec(v, self.wear), v2g=bool(self.v2g and v.v2g),
                    discharge_max_kw=v.discharge_max_kw if self.v2g and v.v2g else 0.0)
            for v in scenario.vehicles
        )
        batteries = tuple(_wear_spec(b, self.wear) for b in scenario.batteries)
        return replace(scenario, vehicles=vehicles, batteries=batteries)

    def decide(self, scenario: Scenario) -> Decision:
        reused_before = self.cache.reused
        result = self.cache.plan(self.planning_scenario(scenario))
        sch = result.schedule
        power = {}
        socs = {}
        for b in scenario.batteries:
            power[b.name] = (sch[f"{b.name}_charge_kw"].to_numpy(), sch[f"{b.name}_discharge_kw"].to_numpy())
        for v in scenario.vehicles:
            power[v.name] = (sch[f"{v.name}_charge_kw"].to_numpy(), sch[f"{v.name}_discharge_kw"].to_numpy())
            socs[v.name] = sch[f"{v.name}_soc_kwh"].to_numpy(dtype=float)
        return Decision(power, socs, battery_mode="setpoint", status=result.status,
                        solve_seconds=result.solve_seconds, reused_model=self.cache.reused > reused_before,
                        house_kw=(sch["load_kw"] - sch["solar_kw"]).to_numpy(dtype=float),
                        grid_export_kw=sch["grid_export_kw"].to_numpy(dtype=float),
                        grid_import_kw=sch["grid_import_kw"].to_numpy(dtype=float),
                        import_price_per_kwh=scenario.tariff.import_price_per_kwh,
                        grid_service_kw=(sch["grid_service_kw"].to_numpy(dtype=float)
                                         if "grid_service_kw" in sch else None))


@dataclass(frozen=True)
class Stochastic:
    """One commitment that is good across the ways the next day can go; ``v2g`` and ``wear`` as for
    :class:`Optimal`.

    At every decision the variants are the last ``variants`` days as they happened (load and solar at the same
    time of day, ``k`` = 1 .. K days back, from the past only; prices and sessions as the planning scenario has
    them), equally likely; their mean is the ``averaged`` forecast's. The strategy plans with
    :func:`planner.jobs.stochastic.plan_stochastic`: the storage setpoints until the next decision (the committed
    part the controller executes) are the same in every variant, later decisions may differ per variant, and the
    expected cost is minimised. When the joint model finds no solution within the time limit, the day is
    planned deterministically on the variants' mean (status ``mean_value (...)``). The controller (:mod:`planner.jobs.simulate.controller`) executes the committed
    setpoints like any plan; the demand it expects is the variants' mean and its grid exchange the variants'
    expected one (a step where no variant exports is one where the plan exports nothing). Vehicle setpoints are
    committed too, so every variant plans the same vehicle SoC over the committed part.
    """

    name: str
    v2g: bool
    variants: int = 7
    wear: str = "scenario"
    options: PlanOptions = field(default_factory=PlanOptions)
    centred: bool = False
    """Centre the variants on the forecast: each is the forecast plus one past day's deviation from the
    past days' mean (so their mean is the forecast the deterministic plan uses)."""
    sessions: bool = False
    """Also redraw each variant's sessions (departure time, arrival SoC) from the car's own past sessions
    (:func:`planner.jobs.session_variants.session_variants`, seeded by the decision time; only sessions that
    ended before the decision), so the plan hedges when the car leaves and how full it comes back."""
    recourse: bool = False
    """Model the controller's recourse: commit only the first step across variants (later steps may differ
    per variant, as the controller adapts them to the day as it comes) and execute the variants' expected
    setpoints. Without it the whole interval until the next decision is one commitment, which prices a
    controller that cannot react within the day."""
    needs_variants: bool = True
    """Read by the simulation: :meth:`decide` takes the variants and the committed length."""

    def _planning(self, scenario: Scenario) -> Scenario:
        return Optimal(self.name, self.v2g, self.wear, self.options, reuse=False).planning_scenario(scenario)

    def decide(self, scenario: Scenario, variants: Sequence[tuple[np.ndarray, np.ndarray]] = (),
               commit_steps: int = 1) -> Decision:
        base = self._planning(scenario)
        if self.centred and variants:  # the forecast plus each past day's deviation from the past days' mean
            mean_load = np.mean([load for load, _ in variants], axis=0)
            mean_solar = np.mean([solar for _, solar in variants], axis=0)
            variants = [(np.maximum(base.load_kw + load - mean_load, 0.0),
                         np.maximum(base.solar_kw + solar - mean_solar, 0.0)) for load, solar in variants]
        members = [replace(base, load_kw=load, solar_kw=solar) for load, solar in variants] or [base]
        if self.sessions and base.vehicles:  # each variant also draws how the car's sessions go
            drawn = session_variants(base, len(members), seed=int(base.grid.start.value // 10**9) % 2**32)
            members = [replace(m, vehicles=d.vehicles) for m, d in zip(members, drawn, strict=True)]
        try:
            commit = 1 if self.recourse else min(commit_steps, base.steps)
            sp = plan_stochastic(base, members, commit_steps=commit, options=self.options)
        except PlannerError:  # no joint solution in time: the plan of the variants' mean, which always has one
            mean = replace(scenario, load_kw=np.mean([m.load_kw for m in members], axis=0),
                           solar_kw=np.mean([m.solar_kw for m in members], axis=0))
            decision = Optimal(self.name, self.v2g, self.wear, self.options, reuse=False).decide(mean)
            decision.status = f"mean_value ({decision.status})"
            return decision
        first = sp.plans[0].schedule

        def expected(column: str) -> np.ndarray:
            return np.sum([w * p.schedule[column].to_numpy(dtype=float) for w, p in zip(sp.weights, sp.plans,
                                                                                        strict=True)], axis=0)

        setpoint = expected if self.recourse else (lambda column: first[column].to_numpy(dtype=float))
        power, socs = {}, {}
        for asset in [*scenario.batteries, *scenario.vehicles]:
            power[asset.name] = (setpoint(f"{asset.name}_charge_kw"), setpoint(f"{asset.name}_discharge_kw"))
        for v in scenario.vehicles:
            socs[v.name] = setpoint(f"{v.name}_soc_kwh")

        house = np.mean([m.load_kw - m.solar_kw for m in members], axis=0)
        return Decision(power, socs, battery_mode="setpoint", status=sp.status,
                        house_kw=house, grid_export_kw=expected("grid_export_kw"),
                        grid_import_kw=expected("grid_import_kw"),
                        import_price_per_kwh=scenario.tariff.import_price_per_kwh)


STRATEGIES = {
    "charge_on_arrival": lambda o: GreedyCharging("charge_on_arrival", "arrival"),
    "cheapest_hours": lambda o: GreedyCharging("cheapest_hours", "price"),
    "optimal": lambda o: Optimal("optimal", v2g=False, options=o),
    "optimal_v2g": lambda o: Optimal("optimal_v2g", v2g=True, options=o),
    "optimal_v2g_throughput": lambda o: Optimal("optimal_v2g_throughput", v2g=True, wear="throughput", options=o),
    "optimal_v2g_wear": lambda o: Optimal("optimal_v2g_wear", v2g=True, wear="cycle_depth", options=o),
    "stochastic": lambda o: Stochastic("stochastic", v2g=False, options=o),
    "stochastic_v2g": lambda o: Stochastic("stochastic_v2g", v2g=True, options=o),
    "stochastic_centred": lambda o: Stochastic("stochastic_centred", v2g=False, centred=True, options=o),
    "stochastic_sessions": lambda o: Stochastic("stochastic_sessions", v2g=False, sessions=True, options=o),
    "stochastic_v2g_sessions": lambda o: Stochastic("stochastic_v2g_sessions", v2g=True, sessions=True, options=o),
    "stochastic_recourse": lambda o: Stochastic("stochastic_recourse", v2g=False, recourse=True, options=o),
    "stochastic_v2g_recourse": lambda o: Stochastic("stochastic_v2g_recourse", v2g=True, recourse=True, options=o),
}
"""Strategy names accepted by :func:`get_strategy`, ``simulate`` and ``compare``."""


def get_strategy(name: str, options: PlanOptions | None = None):  # noqa: ANN201 - returns a Strategy
    """A fresh strategy object by name (one of :data:`STRATEGIES`); ``options`` are the plan options of an
    optimising strategy (default ``PlanOptions()``).

    Raises
    ------
    ScenarioError
        For an unknown name.
    """
    if name not in STRATEGIES:
        raise ScenarioError(f"strategy {name!r}: expected one of {', '.join(STRATEGIES)}")
    return STRATEGIES[name](options if options is not None else PlanOptions())


__all__ = ["STRATEGIES", "GreedyCharging", "Optimal", "get_strategy"]
