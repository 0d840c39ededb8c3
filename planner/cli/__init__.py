"""The command line (``planner ...``, ``python -m planner``); the only package that prints."""
