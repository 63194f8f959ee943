"""Simple values for learned weights: integers and fractions n/d with a small d.

A fit on exact data lands within float noise of the kernel that made the pair (0.0625000001
for 1/16); those weights are shown and saved as the simple values they are. Weights further
off (8-bit rounding, JPEG) are only rounded when the user asks, and then the largest change
is stated.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["FLOAT_NOISE", "Rounded", "round_weights", "snap_to_simple"]

#: Weights this close (relative to the largest weight) to a simple value are that value.
FLOAT_NOISE = 1e-6
#: Denominators tried: every one up to 64, then the powers of two and 273 (the 5x5 Gaussian).
_DENOMINATORS = (*range(1, 65), 128, 256, 273, 512, 1024, 4096, 16384, 65536)


class Rounded(NamedTuple):
    """Weights rounded to multiples of ``1 / denominator`` and the largest change made."""

    weights: np.ndarray
    denominator: int
    max_change: float


def round_weights(weights: np.ndarray, tolerance: float) -> Rounded | None:
    """The weights as multiples of ``1/d`` for the smallest ``d`` that changes none of them by
    more than ``tolerance``; None if no denominator tried is close enough."""
    w = np.asarray(weights, dtype=np.float64)
    for d in _DENOMINATORS:
        rounded = np.round(w * d) / d
        change = float(np.max(np.abs(rounded - w))) if w.size else 0.0
        if change <= tolerance:
            return Rounded(rounded, d, change)
    return None


def snap_to_simple(
    weights: np.ndarray, offset: float | tuple[float, ...], *, noise: float = FLOAT_NOISE
) -> tuple[np.ndarray, float | tuple[float, ...]]:
    """``weights`` and ``offset`` with values within float noise of simple ones made exact.

    The weights snap together (one common denominator) or not at all; the offset (0..255
    scale) snaps to a whole number or a multiple of 1/256 when it is as close.
    """
    w = np.asarray(weights, dtype=np.float64)
    scale = max(float(np.max(np.abs(w))) if w.size else 0.0, 1.0)
    found = round_weights(w, noise * scale)
    snapped = found.weights if found is not None else w
    snapped = snapped + 0.0  # no negative zeros in the file
    return snapped, _snap_offset(offset, noise)


def _snap_offset(offset: float | tuple[float, ...], noise: float) -> float | tuple[float, ...]:
    if isinstance(offset, tuple):
        return tuple(_snap_offset(o, noise) for o in offset)  # type: ignore[misc]
    value = float(offset)
    tolerance = noise * max(abs(value), 255.0)
    for d in (1, 256):
        simple = round(value * d) / d
        if abs(simple - value) <= tolerance:
            return simple + 0.0
    return value
