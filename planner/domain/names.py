"""How an asset's name is spelt in the model, its cost keys and its block names: the one place.

Schedule columns keep the asset's own name (``<name>_soc_kwh``); model component names use
:func:`model_name`, in which every non-alphanumeric character becomes ``_``.
"""

from __future__ import annotations


def model_name(name: str) -> str:
    """An asset name as it appears in model component names: every non-alphanumeric character becomes ``_``.

    Two assets whose names map to the same model name are an input error
    (:func:`planner.inputs.validate.check_scenario` reports both).
    """
    return "".join(ch if ch.isalnum() else "_" for ch in name)


def asset_block_name(kind: str, name: str) -> str:
    """Model block name of an asset: ``<kind>_<model name>`` (``kind``: ``"battery"`` or ``"vehicle"``)."""
    return f"{kind}_{model_name(name)}"


def wear_block_name(kind: str, name: str) -> str:
    """Model block name of an asset's wear model: ``wear_<kind>_<model name>``."""
    return f"wear_{kind}_{model_name(name)}"


def targets_block_name(kind: str, name: str) -> str:
    """Model block name of an asset's goals, reserves and high-SoC limit: ``targets_<kind>_<model name>``."""
    return f"targets_{kind}_{model_name(name)}"
