"""What a plan is: the ``Plan`` record, costs and KPIs computed from a schedule, and its pictures (``plot``)."""

from planner.results.plan import Plan

__all__ = ["Plan"]
