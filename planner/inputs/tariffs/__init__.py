"""Tariffs: the resolved per-step spec, price series, rules (windows, formulas, demand charges), scheme files,
and their text rendering. ``scheme`` is the entry point (load a scheme, resolve it on a grid)."""
