"""Plan a stream of scenarios, re-solving a persistent model whenever a scenario has the shape of a recent one.

Simulations (one plan per day) and batch workers (one plan per site) call :meth:`ShapeCache.plan` for each
scenario in turn. A scenario whose shape (:func:`planner.solve.persistent.same_shape`: same grid, equipment, sessions,
connection and charges; only prices, load and solar differ) matches a kept :class:`~planner.solve.persistent.PlanSession`
is re-solved by it. Otherwise it is planned afresh by :func:`planner.plan`, and remembered: when a later
scenario has the same shape, a session is built for that shape. A shape seen once therefore costs one fresh
plan, as without the cache; only shapes that recur pay for a session. At most ``max_sessions`` sessions and
``max_seen`` remembered shapes are kept (least recently used dropped first), so memory stays bounded.

Every plan returned has passed :func:`planner.verify.verify`. A session that finds no solution hands the
scenario to :func:`planner.plan`, which may return its fail-safe plan. A re-solved plan is the plan a fresh
one would be, ties included (:mod:`planner.solve.persistent`).
"""

from __future__ import annotations

from collections import deque
from typing import Any

from planner.api import plan
from planner.errors import PlannerError
from planner.inputs.specs import Scenario
from planner.inputs.validate import degraded_notes
from planner.results.plan import Plan
from planner.solve.persistent import PlanSession, same_shape
from planner.solve.plan_options import PlanOptions


class ShapeCache:
    """Fresh plans for new shapes, persistent re-solves for recurring ones (see the module docstring).

    Parameters
    ----------
    max_sessions : int
        Persistent sessions kept (one per shape).
    max_seen : int
        Shapes remembered from fresh plans, waiting to recur.
    reuse : bool
        False: every scenario is planned afresh (the reference a benchmark compares against).
    options : PlanOptions or None
        Build and solve options of every plan, as for :func:`planner.plan`.
    **overrides
        Fields of ``options`` to override (``time_limit_s``, ``mip_rel_gap``, ``threads``, ...).

    Attributes
    ----------
    fresh, sessions_built, reused : int
        Plans made afresh, sessions built for a recurring shape, and plans re-solved by a kept session.
    """

    def __init__(self, max_sessions: int = 4, max_seen: int = 8, *, reuse: bool = True,
                 options: PlanOptions | None = None, **overrides: Any):
        if max_sessions < 1 or max_seen < 1:
            raise ValueError("max_sessions and max_seen must be >= 1")
        self.max_sessions = max_sessions
        self.reuse = reuse
        self.options = PlanOptions.of(options, **overrides)
        self._sessions: deque[PlanSession] = deque()
        self._seen: deque[Scenario] = deque(maxlen=max_seen)
        self.fresh = 0
        self.sessions_built = 0
        self.reused = 0

    def plan(self, scenario: Scenario) -> Plan:
        """A verified plan of ``scenario`` (re-solved when a kept session has its shape, else fresh)."""
        known = False
        if self.reuse:
            session, known = self._session_for(scenario)
            if session is not None:
                try:
                    result = session.plan(scenario)
                except PlannerError:
                    pass  # no solution from the session: the full path decides (and may fall back)
                else:
                    self.reused += 1
                    return _with_notes(result, scenario)

        result = plan(scenario, self.options)
        self.fresh += 1
        if self.reuse and not known:
            self._seen.append(scenario)
        return result

    @property
    def counts(self) -> dict[str, int]:
        """``fresh``, ``sessions_built`` and ``reused`` as a dict."""
        return {"fresh": self.fresh, "sessions_built": self.sessions_built, "reused": self.reused}

    def _session_for(self, scenario: Scenario) -> tuple[PlanSession | None, bool]:
        """The session to re-solve ``scenario`` with (or None) and whether its shape has a kept session (a
        session that cannot follow parameter changes is kept so the shape is not built again)."""
        for session in self._sessions:
            if same_shape(session.built.scenario, scenario):
                self._sessions.remove(session)
                self._sessions.appendleft(session)
                return (session if session.persistent else None), True
        for seen in self._seen:
            if same_shape(seen, scenario):
                self._seen.remove(seen)
                session = PlanSession(scenario, self.options)
                self.sessions_built += 1
                self._sessions.appendleft(session)
                while len(self._sessions) > self.max_sessions:
                    self._sessions.pop()
                return (session if session.persistent else None), True
        return None, False


def _with_notes(result: Plan, scenario: Scenario) -> Plan:
    """Add the degraded-input notes :func:`planner.plan` would have listed."""

    notes = list(result.notes)
    for note in degraded_notes(scenario):
        if note not in notes:
            notes.append(note)
    result.notes = notes
    return result


__all__ = ["ShapeCache"]
