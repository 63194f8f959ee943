"""Direct strategy: shifted multiply-accumulate, one kernel tap at a time."""

from __future__ import annotations

import numpy as np

from workbench.engine.border import pad
from workbench.engine.progress import Reporter


def correlate(planes: np.ndarray, weights: np.ndarray, border: str, cval: float,
              reporter: Reporter) -> np.ndarray:
    kh, kw = weights.shape
    ry, rx = kh // 2, kw // 2
    h, w = planes.shape[:2]
    padded = pad(planes, (ry, rx), (ry, rx), border, cval)
    out = np.zeros(planes.shape, np.float32)
    tmp = np.empty_like(out)
    r = reporter.sub(0.0, 1.0, total=kh)
    for dy in range(kh):
        for dx in range(kw):
            wt = np.float32(weights[dy, dx])
            if wt == 0:
                continue
            np.multiply(padded[dy : dy + h, dx : dx + w], wt, out=tmp)
            out += tmp
        r.advance()
    return out
