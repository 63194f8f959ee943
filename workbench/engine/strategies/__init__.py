"""Correlation strategies for float32 planes, and the cost model that picks one.

Every strategy is a function of one :class:`~workbench.engine.strategies.tiles.Correlation`
(see :func:`correlate_planes`) and gives the same result to float32 precision; they differ
only in speed and memory:

``direct``     shifted multiply-accumulate, ``2 kh kw`` passes over cache-sized row bands
``separable``  SVD split into 1-D passes, ``~2 (kh + kw)`` passes per rank-1 term
``fft``        overlap-save over tiles, a cost per pixel that hardly grows with the kernel
``im2col``     one matrix product per tile, as the learning layer does it
"""

from __future__ import annotations

import math

import numpy as np

from workbench.engine.lookup import Lookup
from workbench.engine.option_names import STRATEGY_NAMES
from workbench.engine.progress import Reporter
from workbench.engine.strategies import direct, fft, im2col, separable
from workbench.engine.strategies.tiles import Correlation, Finish

__all__ = ["STRATEGY_NAMES", "choose_strategy", "correlate_planes", "estimated_costs"]

_IMPLEMENTATIONS = dict(
    zip(
        STRATEGY_NAMES,
        (direct.correlate, separable.correlate, fft.correlate, im2col.correlate),
        strict=True,
    )
)

# Cost model, in units of one fused multiply-add pass of ``einsum`` over the output.
# Calibrated with tests/benchmarks/bench_engine.py on 2 cores (4000 x 3000 RGB float32):
# one unit is ~3 ms there; only the ratios matter.
_PAD_PASSES = 1.0  # fetching each band with its halo
_SEPARATE_PASS = 0.75  # a plain multiply or add (sparse kernels): cheaper than a fused tap
_RANK_SPILL = 0.15  # extra cost per extra rank-1 term: its buffer pushes bands out of cache
_FFT_PASSES_PER_LOG = 4.9  # per log2(tile size), per output value, incl. the wasted halo
_IM2COL_PASSES_PER_TAP = 3.0  # a copy into the columns matrix, then its share of the product


def correlate_planes(
    planes: np.ndarray,
    weights: np.ndarray,
    border: str,
    cval: float,
    strategy: str,
    reporter: Reporter,
    out: np.ndarray | None = None,
    finish: Finish | None = None,
    decode: Lookup | None = None,
) -> np.ndarray:
    """Correlate each plane of ``planes`` (H x W x C) with the 2-D ``weights``.

    Parameters
    ----------
    planes : ndarray
        ``H x W x C``, uint8, uint16 or float32; converted to float32 tile by tile.
    weights : ndarray
        Effective weights (already divided by the divisor), ``kh x kw``.
    border, cval
        Border mode name and the value of the ``constant`` border.
    strategy : str
        One of :data:`STRATEGY_NAMES` (not ``auto``: see :func:`choose_strategy`).
    reporter : Reporter
        Gets progress, and is checked for cancellation between tiles.
    out : ndarray, optional
        C-contiguous ``H x W x C`` array for the result: float32, or any dtype when
        ``finish`` converts the values.
    finish : callable, optional
        ``finish(values, dest)`` turns each tile's float32 sums into the result (offset,
        rounding, clipping) while the tile is still in cache; see ``tiles.Finish``.
    decode : Lookup, optional
        Table integer ``planes`` are read through (sRGB to linear light), applied as each
        tile is fetched.

    Returns
    -------
    ndarray
        The result, ``H x W x C`` (``out`` if given, else float32).
    """
    planes = np.ascontiguousarray(planes)
    if out is None:
        out = np.empty(planes.shape, np.float32)
    weights = np.asarray(weights, np.float64)
    job = Correlation(planes, weights, border, float(cval), reporter, out, finish, decode)
    return _IMPLEMENTATIONS[strategy](job)


def estimated_costs(weights: np.ndarray, shape: tuple[int, ...]) -> dict[str, float]:
    """Expected time of each strategy for ``weights`` on planes of ``shape``, in passes."""
    weights = np.asarray(weights, np.float64)
    kh, kw = weights.shape
    h, w = shape[:2]
    taps = int(np.count_nonzero(weights))
    if direct.uses_einsum(weights):
        costs = {"direct": _PAD_PASSES + kh * kw}
    else:
        costs = {"direct": _PAD_PASSES + _SEPARATE_PASS * max(2 * taps - 1, 1)}
    rank = separable.rank_needed(weights)
    costs["separable"] = _PAD_PASSES + rank * (kh + kw) * (1 + _RANK_SPILL * (rank - 1))
    n, bh = fft.tile_side(h, kh)
    m, bw = fft.tile_side(w, kw)
    waste = (n * m) / (min(bh, h) * min(bw, w))
    costs["fft"] = _PAD_PASSES + _FFT_PASSES_PER_LOG * waste * math.log2(n * m)
    costs["im2col"] = _PAD_PASSES + _IM2COL_PASSES_PER_TAP * kh * kw
    return costs


def choose_strategy(weights: np.ndarray, shape: tuple[int, ...]) -> str:
    """Pick the strategy the cost model expects to be fastest for this kernel and image."""
    costs = estimated_costs(weights, shape)
    return min(costs, key=costs.__getitem__)
