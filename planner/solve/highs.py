"""The HiGHS adapter: a fresh solver, a model handed over from its standard form, one guarded run."""

from __future__ import annotations

import highspy
import numpy as np

from planner.model.standard_form import StandardForm
from planner.solve.options import SolveOptions

KOPT = highspy.HighsModelStatus.kOptimal
KINFEAS = highspy.HighsModelStatus.kInfeasible
KTIME = highspy.HighsModelStatus.kTimeLimit


def run_highs(h: highspy.Highs, time_limit_s: float) -> highspy.HighsModelStatus:
    """Run HiGHS once on the model it holds, with a time limit [s] for this run; return its model status.

    Every HiGHS run of the planner goes through this function. HiGHS measures its ``time_limit`` against the
    instance's run time summed over every ``run()`` so far (``getRunTime``), not against this run's: a search
    that runs several LPs on one instance, or a :class:`~planner.solve.persistent.PlanSession` re-solving all
    day, would otherwise give each later run less than asked, down to nothing. The option is set to the
    time already run plus this run's limit.
    """
    h.setOptionValue("time_limit", h.getRunTime() + max(float(time_limit_s), 1e-3))
    h.run()
    if h.getModelStatus() == highspy.HighsModelStatus.kNotset:
        # HiGHS refuses to run when this thread's task scheduler was started with another thread count (by
        # other HiGHS code in the process, e.g. a Pyomo solver with default options): restart it once
        highspy.Highs.resetGlobalScheduler(True)
        h.run()
    return h.getModelStatus()


_BANNER_SHOWN = False


def new_highs() -> highspy.Highs:
    """A new HiGHS instance; the first one in a process is created with standard output silenced.

    HiGHS writes its copyright banner to file descriptor 1 when the first instance is constructed, before
    any option can turn output off; a planner's output (and a CSV written to stdout) must not carry it.
    """
    global _BANNER_SHOWN
    if _BANNER_SHOWN:
        return highspy.Highs()
    import os
    import sys

    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        h = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)
    _BANNER_SHOWN = True
    return h


def highs_from_form(sf: StandardForm, options: SolveOptions, integer: np.ndarray | None = None) -> highspy.Highs:
    """A silent HiGHS instance holding ``sf`` (``integer`` overrides which columns are integer)."""
    h = new_highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", int(options.threads))
    h.setOptionValue("random_seed", int(options.random_seed))
    h.setOptionValue("mip_rel_gap", float(options.mip_rel_gap))
    h.setOptionValue("mip_abs_gap", max(float(options.mip_abs_gap), 1e-6))  # HiGHS's default floor is 1e-6
    lp = highspy.HighsLp()
    lp.num_col_ = sf.num_cols
    lp.num_row_ = sf.num_rows
    lp.col_cost_ = sf.cost
    lp.col_lower_ = sf.col_lower
    lp.col_upper_ = sf.col_upper
    lp.row_lower_ = sf.row_lower
    lp.row_upper_ = sf.row_upper
    lp.offset_ = sf.offset
    mat = lp.a_matrix_
    mat.format_ = highspy.MatrixFormat.kRowwise
    mat.num_col_ = sf.num_cols
    mat.num_row_ = sf.num_rows
    mat.start_ = sf.a_start
    mat.index_ = sf.a_index
    mat.value_ = sf.a_value
    integer = sf.integer if integer is None else integer
    if integer.any():
        kint, kcon = highspy.HighsVarType.kInteger, highspy.HighsVarType.kContinuous
        lp.integrality_ = [kint if flag else kcon for flag in integer]
    h.passModel(lp)
    return h
