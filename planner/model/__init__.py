"""The optimisation model: one Pyomo block per asset or cost model (``components/``), assembled by ``build``."""
