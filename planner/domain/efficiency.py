"""Power-dependent charging efficiency of a vehicle's on-board charger.

A curve is measured points ``(charge_kw, efficiency)`` (AC power, AC-to-battery efficiency). The power that
reaches the battery is ``stored(p) = efficiency(p) * p`` [kW]. The model uses the upper concave envelope of
the points: segments ``k`` of widths ``w_k`` [kW] and decreasing marginal efficiencies ``m_k`` (a convex
loss), so each extra kW stores no more than the one before::

    stored_kw = c * on + sum_k m_k * seg_kw[k],   charge_kw = sum_k seg_kw[k],   0 <= seg_kw[k] <= w_k

Two shapes:

- **Convex loss through zero** (efficiency falling with power, the copper-loss shape): the envelope of the
  points and ``(0, 0)``; ``c = 0``, no binary.
- **A fixed overhead** (efficiency rising with power, the usual on-board charger: 75 % at 6 A, 87-90 % at
  16 A): the origin lies below the envelope of the measured points, so the first line's intercept ``c`` is
  negative: a loss of ``-c`` kW whenever the charger is on. ``on`` is the vehicle's charging binary, and the
  charger never runs below the first measured power (it becomes ``charge_min_kw``), where the curve ends.

Measured points below the envelope (a curve that is not concave above its first point) make the model
slightly generous there; :func:`envelope_excess` says by how much. Filling the segments in order is what
storing energy rewards; in steps where getting rid of energy could pay (a negative price, or solar that may
not be curtailed) the order is forced with binaries (:mod:`planner.model.components.vehicle`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np


@dataclass(frozen=True)
class ChargeCurve:
    """The model's form of a curve: ``overhead_kw`` (``-c`` >= 0), segment ``widths_kw`` and ``slopes``
    (marginal efficiencies, non-increasing), and ``min_kw`` (lowest power, 0 without overhead)."""

    overhead_kw: float
    widths_kw: tuple[float, ...]
    slopes: tuple[float, ...]
    min_kw: float


def _upper_hull(xs: np.ndarray, ys: np.ndarray) -> list[int]:
    """Indices of the upper concave envelope of points sorted by ``xs`` (monotone chain)."""
    hull: list[int] = []
    for i in range(len(xs)):
        while len(hull) >= 2:
            a, b = hull[-2], hull[-1]
            cross = (xs[b] - xs[a]) * (ys[i] - ys[a]) - (ys[b] - ys[a]) * (xs[i] - xs[a])
            if cross >= 0:  # b lies on or below the chord a-i
                hull.pop()
            else:
                break
        hull.append(i)
    return hull


def charge_curve(points: Sequence[tuple[float, float]], charge_max_kw: float) -> ChargeCurve:
    """The model's form of measured ``(charge_kw, efficiency)`` points up to ``charge_max_kw`` [kW]."""
    return _charge_curve(tuple((float(x), float(e)) for x, e in points), float(charge_max_kw))


@lru_cache(maxsize=256)
def _charge_curve(points: tuple[tuple[float, float], ...], charge_max_kw: float) -> ChargeCurve:
    """:func:`charge_curve` once per curve (the simulation asks for it every step)."""
    p = np.array([x for x, _ in points], dtype=float)
    d = p * np.array([e for _, e in points], dtype=float)
    with_origin = np.concatenate([[0.0], p]), np.concatenate([[0.0], d])
    hull0 = _upper_hull(*with_origin)
    if hull0[:2] == [0, 1]:  # the first point is on the envelope through zero: no overhead
        xs, ys = with_origin[0][hull0], with_origin[1][hull0]
        overhead = 0.0
        min_kw = 0.0
    else:
        hull = _upper_hull(p, d)
        xs, ys = p[hull], d[hull]
        if len(xs) == 1:  # one point: a constant efficiency through it
            xs, ys = np.array([0.0, xs[0]]), np.array([0.0, ys[0]])
        slope0 = (ys[1] - ys[0]) / (xs[1] - xs[0])
        overhead = max(0.0, float(slope0 * xs[0] - ys[0]))  # -(intercept of the first line)
        min_kw = float(xs[0])
        xs = np.concatenate([[0.0], xs[1:]])
        ys = np.concatenate([[-overhead], ys[1:]])
    slopes = list(np.diff(ys) / np.diff(xs))
    widths = list(np.diff(xs))
    if charge_max_kw > xs[-1]:  # beyond the last point the last slope continues
        widths.append(charge_max_kw - xs[-1])
        slopes.append(slopes[-1])
    cut, out_w, out_s = 0.0, [], []
    for w, m in zip(widths, slopes, strict=True):
        if cut >= charge_max_kw - 1e-12:
            break
        w = min(w, charge_max_kw - cut)
        out_w.append(float(w))
        out_s.append(float(m))
        cut += w
    return ChargeCurve(overhead, tuple(out_w), tuple(out_s), min(min_kw, charge_max_kw))


def stored_kw(curve: ChargeCurve, charge_kw: np.ndarray | float, fraction: np.ndarray | float = 1.0) -> np.ndarray:
    """Power reaching the battery [kW] for a mean AC power ``charge_kw`` over a step plugged in for
    ``fraction`` of it (the curve applies to the power while plugged in); 0 where nothing is charged."""
    p = np.asarray(charge_kw, dtype=float)
    f = np.broadcast_to(np.asarray(fraction, dtype=float), p.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.where(f > 0, p / np.where(f > 0, f, 1.0), 0.0)
    out = np.full(p.shape, -curve.overhead_kw)
    left = q.copy()
    for w, m in zip(curve.widths_kw, curve.slopes, strict=True):
        take = np.clip(left, 0.0, w)
        out += m * take
        left -= take
    return np.where(p > 1e-12, f * out, 0.0)


def envelope_excess(points: Sequence[tuple[float, float]], charge_max_kw: float) -> float:
    """Largest amount [kW] by which the model's stored power exceeds a measured point (0 for a concave curve)."""
    curve = charge_curve(points, charge_max_kw)
    p = np.array([x for x, _ in points if x <= charge_max_kw], dtype=float)
    d = p * np.array([e for x, e in points if x <= charge_max_kw], dtype=float)
    return float(np.max(stored_kw(curve, p) - d, initial=0.0))


def best_efficiency(points: Sequence[tuple[float, float]]) -> float:
    """Highest efficiency of the curve's points (dimensionless)."""
    return float(max(e for _, e in points))


def charged_kw(spec, charge_kw: np.ndarray | float, fraction: np.ndarray | float = 1.0) -> np.ndarray:
    """Power reaching an asset's battery [kW] for AC charging power ``charge_kw``: its ``charge_efficiency``
    curve when it has one, else ``eta_charge * charge_kw``."""
    points = getattr(spec, "charge_efficiency", ())
    if not points:
        return spec.eta_charge * np.asarray(charge_kw, dtype=float)
    return stored_kw(charge_curve(points, max(spec.charge_max_kw, points[-1][0])), charge_kw, fraction)
