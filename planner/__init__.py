"""Optimisation-based dispatch planner for homes and depots with electric vehicles.

Public API::

    scenario = planner.load_scenario("data/examples/leaf-xstorage.toml")
    result = planner.plan(scenario, time_limit_s=10)
    result.schedule, result.costs, result.status, result.shortfalls
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

from planner._version import __version__

_WHERE = {
    "plan": "planner.api",
    "plan_stochastic": "planner.jobs.stochastic",
    "run_batch": "planner.jobs.batch",
    "read_schedules": "planner.jobs.batch",
    "load_site_plan": "planner.jobs.batch",
    "compare_tariffs": "planner.jobs.compare",
    "Issue": "planner.errors",
    "PlannerError": "planner.errors",
    "ScenarioError": "planner.errors",
    "SolverError": "planner.errors",
    "Plan": "planner.results.plan",
    "PlanOptions": "planner.solve.plan_options",
    "Scenario": "planner.inputs.specs",
    "load_scenario": "planner.inputs.scenario",
    "scenario_from_dict": "planner.inputs.scenario",
    "simulate": "planner.jobs.simulate.simulation",
    "TimeGrid": "planner.timegrid",
    "VerificationError": "planner.verify",
    "verify": "planner.verify",
}
"""Where each public name lives; a name is imported on first use, so ``import planner`` (and the command
line's help, ``validate``, ``tariffs`` and ``models``) does not load Pyomo or HiGHS."""


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        msg = f"module 'planner' has no attribute {name!r}"
        raise AttributeError(msg)
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))


# ``verify`` is both a submodule and a function: import it now (numpy only) so that the package attribute is
# the function, not the module a later ``import planner.verify`` would bind.
from planner.verify import VerificationError, verify  # noqa: E402

if TYPE_CHECKING:
    from planner.api import plan
    from planner.errors import Issue, PlannerError, ScenarioError, SolverError
    from planner.inputs.scenario import load_scenario, scenario_from_dict
    from planner.inputs.specs import Scenario
    from planner.jobs.batch import load_site_plan, read_schedules, run_batch
    from planner.jobs.compare import compare_tariffs
    from planner.jobs.simulate.simulation import simulate
    from planner.jobs.stochastic import plan_stochastic
    from planner.results.plan import Plan
    from planner.solve.plan_options import PlanOptions
    from planner.timegrid import TimeGrid

__all__ = [
    "__version__",
    "Issue",
    "Plan",
    "PlanOptions",
    "PlannerError",
    "Scenario",
    "ScenarioError",
    "SolverError",
    "TimeGrid",
    "VerificationError",
    "compare_tariffs",
    "load_scenario",
    "load_site_plan",
    "plan",
    "plan_stochastic",
    "read_schedules",
    "run_batch",
    "scenario_from_dict",
    "simulate",
    "verify",
]
