"""Regret of the rolling plan: the study's realistic-forecast run against its perfect-foresight run.

For each tariff and strategy: net cost with the realistic forecast and with perfect foresight (the same
accounting: energy, charges, cycle and calendar ageing on each pack's continuous SoC trajectory, stored
energy at the end valued by the terminal-value rule), the saving against charging on arrival on the same tariff with each forecast, and the
share of the perfect-foresight saving the realistic plan keeps. Reads the two report folders written by
``tariff_comparison.py`` and writes ``regret.md`` and ``regret.csv`` into the first one::

    python benchmarks/regret.py benchmarks/results/tariff_comparison benchmarks/results/tariff_comparison_perfect
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

REFERENCE = "charge_on_arrival"


def regret_table(realistic: pd.DataFrame, perfect: pd.DataFrame) -> pd.DataFrame:
    """One row per (tariff, strategy) present in both tables."""
    keys = ["tariff", "strategy"]
    both = realistic[[*keys, "net_cost"]].merge(perfect[[*keys, "net_cost"]], on=keys,
                                                suffixes=("_realistic", "_perfect"))
    rows = []
    for _, row in both.iterrows():
        ref = both[(both.tariff == row.tariff) & (both.strategy == REFERENCE)]
        if ref.empty:
            continue
        saving_r = float(ref.net_cost_realistic.iloc[0] - row.net_cost_realistic)
        saving_p = float(ref.net_cost_perfect.iloc[0] - row.net_cost_perfect)
        rows.append({
            "tariff": row.tariff, "strategy": row.strategy,
            "net_cost_realistic": row.net_cost_realistic, "net_cost_perfect": row.net_cost_perfect,
            "regret": row.net_cost_realistic - row.net_cost_perfect,
            "saving_realistic": saving_r, "saving_perfect": saving_p,
            "share_of_saving_kept": saving_r / saving_p if abs(saving_p) > 1e-9 else float("nan"),
        })
    return pd.DataFrame(rows)


def markdown(table: pd.DataFrame) -> str:
    header = "| " + " | ".join(table.columns) + " |"
    lines = [header, "|" + "---|" * len(table.columns)]
    for _, row in table.iterrows():
        cells = []
        for col, value in row.items():
            if col == "share_of_saving_kept":
                cells.append("-" if pd.isna(value) else f"{100 * value:.0f} %")
            elif isinstance(value, float):
                cells.append(f"{value:.0f}")
            else:
                cells.append(str(value))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="Regret of the realistic-forecast study against perfect foresight")
    parser.add_argument("realistic", type=Path, help="report folder of the realistic-forecast run")
    parser.add_argument("perfect", type=Path, help="report folder of the perfect-foresight run")
    args = parser.parse_args(argv)
    realistic_dir, perfect_dir = args.realistic, args.perfect
    table = regret_table(pd.read_csv(realistic_dir / "comparison.csv"), pd.read_csv(perfect_dir / "comparison.csv"))
    table.to_csv(realistic_dir / "regret.csv", index=False)
    text = ("# Regret: realistic forecast against perfect foresight\n\nMoney in GBP per year; saving against "
            f"{REFERENCE} on the same tariff with the same forecast.\n\n" + markdown(table) + "\n")
    (realistic_dir / "regret.md").write_text(text, encoding="utf-8")
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
