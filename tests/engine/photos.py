"""Photo-like test images made in code, for the learning tests and tests/benchmarks/bench_learn.py.

A kernel is only identifiable from a pair whose before image has texture at every scale,
as photos do; white noise would make every fit look easy and flat images would make it
impossible. These images have a 1/f spectrum, a few hard-edged discs and mild colour.
"""

from __future__ import annotations

import numpy as np


def photo_like(h: int, w: int, channels: int | None = None, seed: int = 0) -> np.ndarray:
    """A photo-like float32 image in 0.02..0.98: ``h x w``, or ``h x w x channels``."""
    rng = np.random.default_rng(seed)
    f = np.hypot(np.fft.fftfreq(h)[:, None], np.fft.fftfreq(w)[None, :])
    f[0, 0] = 1.0

    def field(power: float) -> np.ndarray:
        v = np.real(np.fft.ifft2(np.fft.fft2(rng.standard_normal((h, w))) / f**power))
        return (v - v.mean()) / v.std()

    lum = field(1.0)
    yy, xx = np.mgrid[:h, :w]
    for _ in range(4):
        cy, cx, r = rng.uniform(0, h), rng.uniform(0, w), rng.uniform(h / 10, h / 4)
        lum += rng.uniform(-1.5, 1.5) * (np.hypot(yy - cy, xx - cx) < r)
    img = 0.5 + 0.14 * lum
    if channels:
        img = np.stack([img + 0.06 * field(2.0) for _ in range(channels)], axis=-1)
    return np.clip(img, 0.02, 0.98).astype(np.float32)


def to8(img: np.ndarray) -> np.ndarray:
    """A 0..1 float image as uint8, rounded to the nearest level."""
    return np.round(img * 255).astype(np.uint8)
