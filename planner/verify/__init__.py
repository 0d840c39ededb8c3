"""Independent re-check of a plan against its scenario, in numpy only (this package never imports Pyomo).

:mod:`planner.verify.core` checks balance, limits, storage dynamics, sessions, chargers and costs;
:mod:`planner.verify.rules` checks the scenario's energy-flow rules, session goals, reserve windows,
time at high SoC and charge taper. :func:`verify` runs both and raises :class:`VerificationError` listing
every violation.
"""

from planner.verify.core import TOL_KW, TOL_KWH, VerificationError, VerifyReport, check, verify

__all__ = ["TOL_KW", "TOL_KWH", "VerificationError", "VerifyReport", "check", "verify"]
