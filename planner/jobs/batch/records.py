"""Batch options, site tasks and results: the records a batch passes between parent and workers."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from planner.jobs.batch.hashing import RESULT_FORMAT, canonical, planner_version, sha256
from planner.solve.plan_options import PlanOptions


@dataclass(frozen=True)
class BatchOptions(PlanOptions):
    """The :class:`~planner.solve.plan_options.PlanOptions` of every site of a batch (part of every site's
    input hash, with the planner version and the results format)."""

    def fingerprint(self) -> dict[str, Any]:
        """Everything that can change a plan: the options, the planner version, the results format."""
        return {**asdict(self), "planner_version": planner_version(), "result_format": RESULT_FORMAT}

    def digest(self) -> str:
        """Hash of :meth:`fingerprint` (hex)."""
        return sha256(canonical(self.fingerprint()))


@dataclass(frozen=True)
class SiteTask:
    """One site to plan: small enough to send to a worker (no series data inside).

    Attributes
    ----------
    site : str
        Site id as given in the input.
    key : str
        File-name-safe form of ``site``.
    input_hash : str
        Hash of everything the site's plan depends on.
    kind : str
        ``"toml"`` (``payload`` is a file path) or ``"row"`` (``payload`` is a scenario dictionary).
    payload : str or dict
        The scenario source.
    base_dir : str
        Folder relative paths resolve against.
    error : str or None
        Set when the site is invalid before planning (e.g. a duplicate id).
    """

    site: str
    key: str
    input_hash: str
    kind: str
    payload: Any
    base_dir: str
    error: str | None = None


@dataclass
class SiteResult:
    """What happened to one site (one summary row).

    Attributes
    ----------
    site : str
        Site id.
    status : str
        Plan status (``optimal``, ``time_limit``, ``fallback``) or ``failed``.
    total_cost : float
        Total cost [currency] (nan when failed).
    costs : dict
        Cost terms [currency] (``export_revenue``, ``grid_service_revenue`` and ``ev_charge_credit`` are money
        received).
    shortfall_kwh : float
        Sum of unmet targets [kWh].
    solve_seconds : float
        Wall time of the plan [s].
    error : str
        Error message when failed, else empty.
    input_hash : str
        The site's input hash.
    run_id : str
        Run that computed the result.
    skipped : bool
        True when a previous run's result was reused (``resume``).
    worker : str
        Worker that computed it (``host:pid``).
    peak_rss_mb : float
        Peak resident memory of that worker process so far [MiB].
    """

    site: str
    status: str
    total_cost: float = math.nan
    currency: str = ""
    costs: dict[str, float] = field(default_factory=dict)
    shortfall_kwh: float = math.nan
    solve_seconds: float = math.nan
    error: str = ""
    input_hash: str = ""
    run_id: str = ""
    skipped: bool = False
    worker: str = ""
    peak_rss_mb: float = math.nan

    @property
    def ok(self) -> bool:
        """True when a plan was written."""
        return self.status != "failed"

    def to_json(self) -> dict[str, Any]:
        """JSON-friendly dictionary (nan becomes None)."""
        raw = asdict(self)
        return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in raw.items()}

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> SiteResult:
        """Inverse of :meth:`to_json`."""
        known = {f for f in cls.__dataclass_fields__}
        data = {k: (math.nan if v is None and k not in ("error", "site", "currency") else v) for k, v in raw.items()
                if k in known}
        data["currency"] = data.get("currency") or ""
        return cls(**data)


@dataclass(frozen=True)
class BatchProgress:
    """Progress of a run, passed to the ``progress`` callback after every site.

    Attributes
    ----------
    total : int
        Sites in the input.
    done, succeeded, failed, skipped : int
        Sites finished so far, of which planned, failed, reused from a previous run.
    elapsed_s : float
        Wall time since the run started [s].
    last : SiteResult or None
        The site that just finished.
    """

    total: int
    done: int
    succeeded: int
    failed: int
    skipped: int
    elapsed_s: float
    last: SiteResult | None = None


@dataclass
class BatchResult:
    """Outcome of :func:`run_batch`.

    Attributes
    ----------
    out_dir : pathlib.Path
        The results folder.
    summary : pandas.DataFrame
        One row per input site (as written to ``summary.parquet``).
    results : list of SiteResult
        The same, as objects.
    run_id : str
        This run's id.
    elapsed_s : float
        Wall time [s].
    """

    out_dir: Path
    summary: pd.DataFrame
    results: list[SiteResult]
    run_id: str
    elapsed_s: float

    @property
    def succeeded(self) -> int:
        """Sites planned in this run."""
        return sum(1 for r in self.results if r.ok and not r.skipped)

    @property
    def failed(self) -> int:
        """Sites that could not be planned."""
        return sum(1 for r in self.results if not r.ok)

    @property
    def skipped(self) -> int:
        """Sites whose previous result was reused."""
        return sum(1 for r in self.results if r.skipped)

    @property
    def fallback(self) -> int:
        """Sites whose plan is the solver-free fail-safe plan."""
        return sum(1 for r in self.results if r.status == "fallback")

    @property
    def ok(self) -> bool:
        """True when no site failed."""
        return self.failed == 0
