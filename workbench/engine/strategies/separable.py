"""separable strategy (placeholder delegating to direct until implemented)."""

from __future__ import annotations

import numpy as np

from workbench.engine.progress import Reporter
from workbench.engine.strategies import direct


def correlate(planes: np.ndarray, weights: np.ndarray, border: str, cval: float,
              reporter: Reporter) -> np.ndarray:
    return direct.correlate(planes, weights, border, cval, reporter)


def rank_needed(weights: np.ndarray) -> int:
    """How many rank-1 terms reproduce ``weights`` to float32 precision."""
    s = np.linalg.svd(weights, compute_uv=False)
    if s[0] == 0:
        return 1
    tail = np.sqrt(np.cumsum((s**2)[::-1])[::-1])  # error left after keeping r terms
    for r in range(1, len(s) + 1):
        if r == len(s) or tail[r] <= 1e-6 * s[0]:
            return r
    return len(s)
