"""Correlation strategies for float32 planes, and the cost model that picks one.

Every strategy has the same contract (see :func:`correlate_planes`) and gives the same
result to float32 precision; they differ only in speed and memory.
"""

from __future__ import annotations

import numpy as np

from workbench.engine.progress import Reporter
from workbench.engine.strategies import direct, fft, im2col, separable

__all__ = ["STRATEGY_NAMES", "choose_strategy", "correlate_planes"]

_IMPLEMENTATIONS = {
    "direct": direct.correlate,
    "separable": separable.correlate,
    "fft": fft.correlate,
    "im2col": im2col.correlate,
}
STRATEGY_NAMES: tuple[str, ...] = tuple(_IMPLEMENTATIONS)


def correlate_planes(
    planes: np.ndarray,
    weights: np.ndarray,
    border: str,
    cval: float,
    strategy: str,
    reporter: Reporter,
) -> np.ndarray:
    """Correlate each plane of ``planes`` (H x W x C float32) with the 2-D ``weights``.

    ``weights`` are effective weights (already divided by the divisor). Returns a new
    H x W x C float32 array. ``reporter`` gets progress and is checked for cancellation
    between tiles.
    """
    return _IMPLEMENTATIONS[strategy](planes, np.asarray(weights, np.float64), border, cval,
                                      reporter)


def choose_strategy(weights: np.ndarray, shape: tuple[int, ...]) -> str:
    """Pick the strategy the cost model expects to be fastest for this kernel and image."""
    kh, kw = weights.shape
    if kh * kw <= 25:
        return "direct"
    if separable.rank_needed(weights) <= 2:
        return "separable"
    return "fft"
