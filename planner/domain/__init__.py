"""Pure numpy rules shared by inputs, model, results and jobs (no Pyomo, no HiGHS)."""
