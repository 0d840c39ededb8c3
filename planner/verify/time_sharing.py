"""Independent check of the fractional dispatch: a step that imports and exports must split into an import
part and an export part that each balance (numpy only; the rule is stated in
:mod:`planner.model.components.time_sharing`, this is a deliberate second reading of it).

For a step with both flows, the check searches the export part's share ``g`` on a grid of ``G`` points and
asks whether the export part can feed its export and its share of the load: the sun it can use there
(``[max(0, used - solar (1 - g)), min(used, solar g)]``), each storage asset's net discharge there (the range
of ``de - ce`` its per-part power and busy-time limits allow, scanned over ``ce``), and unserved load. The
grid (``1 / G`` of the step) costs a tolerance of the step's largest power times ``2 / G``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

G = 1001
X_POINTS = 101


def _asset_range(c: float, d: float, cmax: float, dmax: float, g: float) -> tuple[float, float] | None:
    """Range of the export part's ``de - ce`` [kW] of one asset, or None when the step cannot hold it."""
    a = c / cmax if cmax > 0 else 0.0
    b = d / dmax if dmax > 0 else 0.0
    x_lo, x_hi = max(0.0, a - (1.0 - g)), min(a, g)
    if x_lo > x_hi + 1e-9:
        return None
    x = np.linspace(x_lo, max(x_lo, x_hi), X_POINTS)
    y_lo = np.maximum.reduce([np.zeros_like(x), np.full_like(x, b - (1.0 - g)), a + b - (1.0 - g) - x])
    y_hi = np.minimum(b, g - x)
    fits = y_lo <= y_hi + 1e-9
    if not fits.any():
        return None
    return float(np.min((dmax * y_lo - cmax * x)[fits])), float(np.max((dmax * y_hi - cmax * x)[fits]))


def split_exists(
    import_kw: float, export_kw: float, load_kw: float, unserved_kw: float, solar_kw: float, used_kw: float,
    import_limit_kw: float, export_limit_kw: float, assets: Sequence[tuple[float, float, float, float]],
) -> bool:
    """Whether a step with these mean powers [kW] splits into balancing import and export parts; ``assets``:
    ``(charge_kw, discharge_kw, charge_max_kw, discharge_max_kw)`` of each storage asset."""
    scale = max([1.0, import_kw, export_kw, load_kw, solar_kw, *(p for a in assets for p in a[2:])])
    tol = scale * 2.0 / G + 1e-6
    for g in np.linspace(0.0, 1.0, G):
        imp_cap = import_limit_kw * (1.0 - g) if np.isfinite(import_limit_kw) else np.inf
        exp_cap = export_limit_kw * g if np.isfinite(export_limit_kw) else np.inf
        if import_kw > imp_cap + tol or export_kw > exp_cap + tol:
            continue
        lo = max(0.0, used_kw - solar_kw * (1.0 - g))
        hi = min(used_kw, solar_kw * g) + min(unserved_kw, load_kw * g)
        ok = True
        for c, d, cmax, dmax in assets:
            r = _asset_range(c, d, cmax, dmax, g)
            if r is None:
                ok = False
                break
            lo, hi = lo + r[0], hi + r[1]
        need = load_kw * g + export_kw
        if ok and lo - tol <= need <= hi + tol:
            return True
    return False


def check_time_sharing(scenario: object, col: Callable[[str], np.ndarray],
                       report: Callable[..., None]) -> int:
    """Report every step of a fractional plan that imports and exports without a balancing split; returns
    the number of such steps checked."""
    imp, exp = col("grid_import_kw"), col("grid_export_kw")
    both = np.flatnonzero((imp > 1e-6) & (exp > 1e-6))
    specs = list(scenario.batteries) + list(scenario.vehicles)
    bad = np.zeros(len(imp), dtype=bool)
    solar, curtailed = col("solar_kw"), col("solar_curtailed_kw")
    load, unserved = col("load_kw"), col("unserved_load_kw")
    conn = scenario.connection
    for t in both:
        assets = [(float(col(f"{s.name}_charge_kw")[t]), float(col(f"{s.name}_discharge_kw")[t]),
                   float(s.charge_max_kw), float(getattr(s, "discharge_max_kw", 0.0) or 0.0)) for s in specs]
        if not split_exists(float(imp[t]), float(exp[t]), float(load[t]), float(unserved[t]), float(solar[t]),
                            float(solar[t] - curtailed[t]), float(conn.import_limit_kw), float(conn.export_limit_kw),
                            assets):
            bad[t] = True
    report(bad, "imports and exports in a step whose parts cannot each balance (fractional dispatch)", imp)
    return int(len(both))
