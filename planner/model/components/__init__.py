"""One file per asset or cost model; each adds its own block and returns a ``Contribution``."""
