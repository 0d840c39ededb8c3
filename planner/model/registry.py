"""The asset types the model knows: one line per type (its scenario specs, its block, its read-back).

An asset type is one file in :mod:`planner.model.components` (``add_<kind>`` builds its block and returns its
:class:`~planner.model.components.base.Contribution`; ``read_<kind>`` gives its schedule columns from a
solution) plus one line in :data:`ASSET_TYPES`. :mod:`planner.model.build` and
:mod:`planner.solve.readback` loop over it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from planner.inputs.specs import Scenario
from planner.model.components.base import BuildOptions, Contribution, SolutionValues
from planner.model.components.battery import add_battery, read_battery
from planner.model.components.charger import vehicle_for_build
from planner.model.components.vehicle import add_vehicle, read_vehicle


@dataclass(frozen=True)
class AssetType:
    """One kind of asset: ``kind`` (its block name prefix), ``specs`` (the scenario's assets of this kind),
    ``add(model, scenario, spec, options)`` and ``read(block, spec, steps, values)``."""

    kind: str
    specs: Callable[[Scenario], Sequence[Any]]
    add: Callable[[Any, Scenario, Any, BuildOptions], Contribution]
    read: Callable[[Any, Any, int, SolutionValues], dict[str, np.ndarray]]


def _add_vehicle(m: Any, scenario: Scenario, spec: Any, options: BuildOptions) -> Contribution:
    return add_vehicle(m, scenario, vehicle_for_build(scenario, spec), options)  # charger limits applied


ASSET_TYPES: tuple[AssetType, ...] = (
    AssetType("battery", lambda scenario: scenario.batteries, add_battery, read_battery),
    AssetType("vehicle", lambda scenario: scenario.vehicles, _add_vehicle, read_vehicle),
)
"""Every storage asset type, in build and schedule-column order."""
