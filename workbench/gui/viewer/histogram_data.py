"""Histograms of an image for the histogram view: luma and per channel, and the clipped share.

Qt-free and run on a worker (a 12-megapixel image takes a few tenths of a second). Values
are binned over the image's range (256 bins: one per level for 8-bit images, 256 levels each
for 16-bit, 1/256 each for float); "clipped" is the share of values at the range's ends
(0 and full white), or beyond them for float images, which are not clipped until saved.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workbench.engine.convolve import range_max

__all__ = ["LUMA_WEIGHTS", "Histogram", "image_histogram"]

#: Rec. 709 (sRGB) luma weights of R, G and B, applied to the stored values.
LUMA_WEIGHTS = (0.2126, 0.7152, 0.0722)

BINS = 256


@dataclass(frozen=True)
class Histogram:
    """Share of pixels per bin, and at black and white, for luma and each colour channel.

    ``shares``, ``black`` and ``white`` are keyed by channel name: ``"Luma"`` and ``"R"``,
    ``"G"``, ``"B"`` for colour images, ``"Gray"`` for gray ones (alpha is left out).
    """

    range_max: float
    centres: np.ndarray
    shares: dict[str, np.ndarray]
    black: dict[str, float]
    white: dict[str, float]

    @property
    def names(self) -> list[str]:
        return list(self.shares)


def _one(values: np.ndarray, top: float, integer: bool) -> tuple[np.ndarray, float, float]:
    n = values.size
    if integer and top == 255:
        counts = np.bincount(values.ravel(), minlength=256).astype(np.float64)
        return counts / n, counts[0] / n, counts[255] / n
    if integer:
        counts = np.bincount((values >> 8).ravel(), minlength=256).astype(np.float64)
        black = np.count_nonzero(values == 0) / n
        white = np.count_nonzero(values == int(top)) / n
        return counts / n, black, white
    v = values.astype(np.float32, copy=False)
    index = np.clip(np.nan_to_num(v, nan=0.0) * BINS, 0, BINS - 1).astype(np.intp)
    counts = np.bincount(index.ravel(), minlength=BINS).astype(np.float64)
    return counts / n, np.count_nonzero(v <= 0) / n, np.count_nonzero(v >= top) / n


def image_histogram(pixels: np.ndarray) -> Histogram:
    """The histogram of an H x W gray, gray + alpha, RGB or RGBA image of any engine dtype."""
    arr = np.asarray(pixels)
    planes = arr.reshape(arr.shape[0], arr.shape[1], -1)
    n = planes.shape[2]
    top = range_max(arr.dtype)
    integer = arr.dtype.kind == "u"
    colour = planes[:, :, : 3 if n >= 3 else 1]
    shares: dict[str, np.ndarray] = {}
    black: dict[str, float] = {}
    white: dict[str, float] = {}
    if colour.shape[2] == 3:
        luma = np.zeros(colour.shape[:2], np.float32)
        for c, weight in enumerate(LUMA_WEIGHTS):
            luma += np.float32(weight) * colour[:, :, c]
        if integer:
            np.rint(luma, out=luma)
            luma = luma.astype(arr.dtype)
        names = ["Luma", "R", "G", "B"]
        planes_by_name = [luma, colour[:, :, 0], colour[:, :, 1], colour[:, :, 2]]
    else:
        names, planes_by_name = ["Gray"], [colour[:, :, 0]]
    for name, plane in zip(names, planes_by_name, strict=True):
        shares[name], black[name], white[name] = _one(np.ascontiguousarray(plane), top, integer)
    centres = (np.arange(BINS) + 0.5) * (top + (1 if integer else 0)) / BINS
    if integer and top == 255:
        centres = np.arange(256, dtype=np.float64)
    return Histogram(top, centres, shares, black, white)
