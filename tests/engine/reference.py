"""A plain reference for correlation, written apart from the engine to check it.

Border positions are found by folding a coordinate back into the image one reflection at a
time (the textbook definition), not by the engine's modular arithmetic; the correlation is
a loop over output pixels and kernel taps in float64.
"""

from __future__ import annotations

import numpy as np


def fold(i: int, n: int, mode: str) -> int | None:
    """The image position that position ``i`` (maybe outside ``0 .. n-1``) copies; None = cval."""
    if 0 <= i < n:
        return i
    if mode == "constant":
        return None
    if mode == "nearest":
        return 0 if i < 0 else n - 1
    if mode == "wrap":
        while i < 0:
            i += n
        while i >= n:
            i -= n
        return i
    if n == 1:
        return 0
    while not 0 <= i < n:
        if mode == "reflect":  # dcba|abcd|dcba: the edge pixel is repeated
            i = -i - 1 if i < 0 else 2 * n - 1 - i
        elif mode == "mirror":  # dcb|abcd|cba: the edge pixel is the mirror
            i = -i if i < 0 else 2 * (n - 1) - i
        else:
            raise ValueError(mode)
    return i


def correlate_plane(plane: np.ndarray, weights: np.ndarray, mode: str, cval: float = 0.0):
    """``out[y, x] = sum w[i, j] * plane[y + i - ry, x + j - rx]``, float64, plain loops."""
    plane = np.asarray(plane, np.float64)
    weights = np.asarray(weights, np.float64)
    h, w = plane.shape
    kh, kw = weights.shape
    ry, rx = kh // 2, kw // 2
    rows = [fold(y, h, mode) for y in range(-ry, h + ry)]
    cols = [fold(x, w, mode) for x in range(-rx, w + rx)]
    out = np.zeros((h, w))
    for y in range(h):
        for x in range(w):
            total = 0.0
            for i in range(kh):
                r = rows[y + i]
                for j in range(kw):
                    c = cols[x + j]
                    value = cval if r is None or c is None else plane[r, c]
                    total += weights[i, j] * value
            out[y, x] = total
    return out


def correlate_image(image: np.ndarray, weights: np.ndarray, mode: str, cval: float = 0.0):
    """Every channel of ``image`` (H x W or H x W x C) correlated on its own, float64."""
    image = np.asarray(image, np.float64)
    if image.ndim == 2:
        return correlate_plane(image, weights, mode, cval)
    return np.stack(
        [correlate_plane(image[:, :, c], weights, mode, cval) for c in range(image.shape[2])],
        axis=2,
    )


def to_dtype(values: np.ndarray, dtype) -> np.ndarray:
    """float64 results as ``dtype``: rounded half to even and clipped for integer types."""
    dtype = np.dtype(dtype)
    if dtype.kind == "u":
        top = np.iinfo(dtype).max
        return np.clip(np.round(values), 0, top).astype(dtype)
    return values.astype(dtype)
