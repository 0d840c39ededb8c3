"""Worker functions for the local-pool tests (importable by worker processes, so not inside a test)."""

from __future__ import annotations

import os
from pathlib import Path


def square_or_die(task: tuple[int, str, str]) -> int:
    """``task = (n, mode, marker_dir)``: return n*n; mode "always" kills the process, "once" kills it the
    first time only (a marker file remembers)."""
    n, mode, marker_dir = task
    if mode == "always":
        os._exit(9)
    if mode == "once":
        marker = Path(marker_dir) / f"crashed-{n}"
        if not marker.exists():
            marker.write_text("x")
            os._exit(9)
    if mode == "raise":
        raise RuntimeError(f"site {n} is broken")
    return n * n
