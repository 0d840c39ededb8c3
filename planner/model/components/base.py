"""What every component returns to :mod:`planner.model.build`.

A component adds one Pyomo ``Block`` to the model and returns a :class:`Contribution`:

- ``bus_kw[t]``: power it puts into the site's bus in step ``t`` [kW] (+ = into the site; a load is negative);
- ``costs``: named cost terms [currency] (+ = money paid; revenue is a negative cost);
- ``storage``: a :class:`StoragePort` when the component stores energy, read by cost models (wear);
- ``binary_links``: pairs ``(binary, indicator)`` meaning "the binary is 1 exactly when the indicator variable
  is positive"; :mod:`planner.solve.milp` solves the LP relaxation, sets every linked variable from its indicator
  and branches only where that completion violates a row. A linked variable may be declared continuous in
  ``[0, 1]`` where the component proves the binary cannot change the optimum; the completion check still
  covers it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pyomo.environ as pyo

from planner.domain.names import wear_block_name
from planner.domain.wear import soc_groups


@dataclass
class StoragePort:
    """Charge, discharge and state of charge of one storage asset, for cost models.

    Attributes
    ----------
    name : str
        Asset name.
    kind : str
        ``"battery"`` or ``"vehicle"``.
    charge_kw, discharge_kw : dict
        Step index -> Pyomo variable [kW] (AC side), only for steps where the asset can have power.
    soc_kwh : dict
        ``(segment, boundary)`` -> Pyomo variable or expression [kWh]; a battery has one segment (0), a
        vehicle one per session; boundary ``k`` is the start of step ``k``.
    capacity_kwh : float
        Usable capacity [kWh].
    spec : object
        The asset's spec dataclass.
    """

    name: str
    kind: str
    charge_kw: dict[int, Any]
    discharge_kw: dict[int, Any]
    soc_kwh: dict[tuple[int, int], Any]
    capacity_kwh: float
    spec: Any
    start_depth_kwh: dict[int, float] = field(default_factory=dict)
    """Open cycle depth at the first boundary of each SoC trajectory [kWh] (absent: 0), for the cycle-depth
    wear (:func:`planner.domain.wear_costs.segment_room_kwh`)."""
    ends: list[tuple[Any, float]] = field(default_factory=list)
    """``(end SoC variable, reference [kWh])`` pairs valued by the terminal value
    (:mod:`planner.model.components.end_value`): the battery's last SoC against its start, each vehicle session's
    SoC at departure against its target."""


@dataclass
class Contribution:
    """What one component adds to the site model (see module docstring)."""

    name: str
    bus_kw: dict[int, Any] = field(default_factory=dict)
    asset: str | None = None
    """The asset's own (unsanitised) name when the contribution belongs to one asset."""
    costs: dict[str, Any] = field(default_factory=dict)
    storage: StoragePort | None = None
    binary_links: list[tuple[Any, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class BuildOptions:
    """Modelling options.

    Parameters
    ----------
    dispatch : str
        ``"setpoint"`` (default): one power per step per asset, so "no import and export in the same step",
        "no charge and discharge in the same step" and "0 or at least the minimum charging power" hold per
        step (binaries). ``"fractional"``: the LP relaxation of the same constraints, exact for a controller
        that can switch within a step (the 0-1 variable becomes the fraction of the step spent in a mode).
    binaries : str
        ``"needed"`` (default): a component adds a binary only in steps where it can change the optimum (each
        component's docstring states its rule). ``"all"``: the straightforward formulation with one binary per
        step for grid direction, storage direction and vehicle on/off wherever the asset can have power;
        same optimum, used as the reference in tests and by :mod:`planner.solve.persistent`, whose model must not
        depend on prices.
    """

    dispatch: str = "setpoint"
    binaries: str = "needed"

    def __post_init__(self) -> None:
        if self.dispatch not in ("setpoint", "fractional"):
            msg = f"dispatch: {self.dispatch!r} - expected 'setpoint' or 'fractional'"
            raise ValueError(msg)
        if self.binaries not in ("needed", "all"):
            msg = f"binaries: {self.binaries!r} - expected 'needed' or 'all'"
            raise ValueError(msg)


class SolutionValues(Protocol):
    """Values of model variables at a solution, given by the solve layer to a component's read-back.

    ``values(key, variables)`` returns the values of ``variables()`` (a list of model variables) in order;
    ``key`` names the list so that its columns are looked up once per model (``variables`` is then not
    called again).
    """

    def __call__(self, key: Hashable, variables: Callable[[], list[Any]]) -> np.ndarray: ...


def clean_kw(values: np.ndarray) -> np.ndarray:
    """A power read back from the solver [kW]: magnitudes below 1e-9 (solver noise) become 0, never negative."""
    return np.maximum(np.where(np.abs(values) < 1e-9, 0.0, values), 0.0)


def positive_steps(values: np.ndarray, tol: float = 0.0) -> list[int]:
    """Indices where ``values > tol``."""
    return [int(k) for k in np.flatnonzero(values > tol)]


def add_wear_block(m: Any, port: StoragePort) -> tuple[Any, Contribution]:
    """Add the empty block ``wear_<kind>_<name>`` of a wear model for ``port``; return it and its contribution.

    The contribution carries the asset's own name (``asset``), so costs are attributed without parsing the
    block name back.
    """
    import pyomo.environ as pyo

    name = wear_block_name(port.kind, port.name)
    block = pyo.Block()
    m.add_component(name, block)
    return block, Contribution(name, asset=port.name)


def holding_cost(b: pyo.Block, port: StoragePort, wear: Any, h: float) -> Any:
    """Add ``above_threshold_kwh`` to block ``b`` and return the holding cost expression [currency]
    (``0.0`` when the rate is zero): ``c_cal * h * sum_t (e[t] + e[t+1]) / 2`` over each trajectory."""
    groups = soc_groups(list(port.soc_kwh))
    idx = [(s, k) for s, ks in groups.items() for k in ks]
    theta = wear.calendar_threshold_kwh
    b.above_threshold_kwh = pyo.Var(idx, domain=pyo.NonNegativeReals)
    b.above_threshold_min = pyo.Constraint(
        idx, rule=lambda b, s, k: b.above_threshold_kwh[s, k] >= port.soc_kwh[s, k] - theta
    )
    if wear.calendar_cost_per_kwh_hour <= 0:
        return 0.0
    weight = wear.calendar_cost_per_kwh_hour * h / 2.0
    return sum(
        weight * (b.above_threshold_kwh[s, k] + b.above_threshold_kwh[s, k + 1])
        for s, ks in groups.items()
        for k in ks[:-1]
    )
