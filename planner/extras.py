"""Optional dependencies: import one on first use, or say in one line which extra installs it.

The core install plans, validates, batches (CSV results) and compares; Parquet, plots, Dask and live-price
fetching are extras::

    pip install "ev-dispatch-planner[parquet]"   # pyarrow: Parquet schedules and batch results
    pip install "ev-dispatch-planner[plot]"      # matplotlib: --plot and the compare pictures
    pip install "ev-dispatch-planner[dask]"      # dask.distributed: batch on a cluster
    pip install "ev-dispatch-planner[fetch]"     # httpx: planner prices fetch (live prices)
    pip install "ev-dispatch-planner[all]"       # all of them
"""

from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec
from types import ModuleType

from planner.errors import MissingExtraError

PACKAGE = "ev-dispatch-planner"
EXTRA_OF = {"pyarrow": "parquet", "matplotlib": "plot", "distributed": "dask", "httpx": "fetch"}
"""The extra that installs each optional top-level module."""


def require(module: str, purpose: str) -> ModuleType:
    """Import ``module`` (e.g. ``"pyarrow.parquet"``) or raise :class:`MissingExtraError` naming its extra.

    ``purpose`` completes "... needs <package>", e.g. ``"--plot"``. An import error raised *inside* an installed
    optional package is not hidden: only a missing top-level package becomes the one-line message.
    """
    top = module.split(".")[0]
    try:
        return import_module(module)
    except ImportError as exc:
        if find_spec(top) is not None and exc.name not in (top, module):
            raise
        extra = EXTRA_OF.get(top, "all")
        msg = f"{purpose} needs {top}, which is not installed: pip install \"{PACKAGE}[{extra}]\""
        raise MissingExtraError(msg) from None


def available(module: str) -> bool:
    """Whether the optional top-level ``module`` is installed (without importing it)."""
    try:
        return find_spec(module) is not None
    except (ImportError, ValueError):
        return False
