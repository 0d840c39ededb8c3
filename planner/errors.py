"""Exceptions raised by the planner.

Every error a user can cause is a :class:`PlannerError`. Bad input is a :class:`ScenarioError`, which
collects *every* problem found (not only the first) as :class:`Issue` records, each naming the field,
the offending value and what was expected, so one run of ``planner validate`` shows all of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


class PlannerError(Exception):
    """Base class of every error the planner raises on purpose."""


@dataclass(frozen=True)
class Issue:
    """One problem in the input.

    Parameters
    ----------
    field : str
        Dotted path of the field, with an index where it applies, e.g. ``tariff.import_price_per_kwh[3]``.
    value : object
        The offending value (rendered with ``repr``).
    expected : str
        What was expected instead.
    """

    field: str
    value: object
    expected: str

    def __str__(self) -> str:
        if isinstance(self.value, str) and self.value == "":
            return f"{self.field}: {self.expected}"
        value = self.value
        text = repr(value) if not isinstance(value, str) else value
        if len(text) > 80:
            text = text[:77] + "..."
        return f"{self.field}: {text} - expected {self.expected}"


class ScenarioError(PlannerError, ValueError):
    """The scenario (or a file it refers to) is invalid; ``issues`` lists every problem found."""

    def __init__(self, issues: Iterable[Issue] | str, source: str | None = None) -> None:
        plain = isinstance(issues, str)
        if isinstance(issues, str):
            issues = [Issue("scenario", "", issues)]
        self.issues: list[Issue] = list(issues)
        self.source = source
        head = f"{source}: " if source else ""
        if plain:
            msg = f"{head}{self.issues[0].expected}"
        elif len(self.issues) == 1:
            msg = f"{head}invalid scenario: {self.issues[0]}"
        else:
            lines = "\n".join(f"  - {issue}" for issue in self.issues)
            msg = f"{head}invalid scenario ({len(self.issues)} problems):\n{lines}"
        super().__init__(msg)

    @property
    def fields(self) -> list[str]:
        """The field of every issue, in order."""
        return [issue.field for issue in self.issues]


class SolverError(PlannerError, RuntimeError):
    """The solver failed in a way no fallback could cover (only raised when fallback is disabled)."""


class MissingExtraError(PlannerError, ImportError):
    """An optional feature was used without the optional dependency it needs (the message names the extra)."""
