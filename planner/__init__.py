"""Optimisation-based dispatch planner for homes and depots with electric vehicles.

Public API::

    scenario = planner.load_scenario("data/examples/leaf-xstorage.toml")
    result = planner.plan(scenario, time_limit_s=10)
    result.schedule, result.costs, result.status, result.shortfalls
"""

from planner.api import plan
from planner.batch import run_batch
from planner.compare import compare_tariffs
from planner.errors import Issue, PlannerError, ScenarioError, SolverError
from planner.results import Plan
from planner.scenario import Scenario, load_scenario, scenario_from_dict
from planner.simulate import simulate
from planner.timegrid import TimeGrid
from planner.verify import VerificationError, verify

__all__ = [
    "Issue",
    "Plan",
    "PlannerError",
    "Scenario",
    "ScenarioError",
    "SolverError",
    "TimeGrid",
    "VerificationError",
    "compare_tariffs",
    "load_scenario",
    "plan",
    "run_batch",
    "scenario_from_dict",
    "simulate",
    "verify",
]
