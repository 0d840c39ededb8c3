"""The only package that talks to HiGHS: the MILP path, read-back, the fail-safe plan, persistent re-solve."""
