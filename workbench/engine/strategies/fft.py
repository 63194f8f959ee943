"""fft strategy (placeholder delegating to direct until implemented)."""

from __future__ import annotations

import numpy as np

from workbench.engine.progress import Reporter
from workbench.engine.strategies import direct


def correlate(planes: np.ndarray, weights: np.ndarray, border: str, cval: float,
              reporter: Reporter) -> np.ndarray:
    return direct.correlate(planes, weights, border, cval, reporter)
