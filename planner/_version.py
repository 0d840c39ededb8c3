"""The package version (read by the build from here: one place)."""

__version__ = "0.2.0"
