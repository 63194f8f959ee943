"""One output pixel of :func:`~workbench.engine.apply_kernel`, worked out step by step.

:func:`inspect_pixel` returns the neighbourhood the kernel covers at one pixel (made up at the
edge by the same border rule the engine uses, :func:`workbench.engine.border.source_index`),
the weights, their products, the sum, ``/ divisor + offset``, and what rounding and clipping
make of it: the numbers a pixel inspector shows. It is one dot product, so it costs
microseconds even for a 63 x 63 kernel.

The engine works in float32 and this module in float64, so the two agree to float32
precision; for integer images the final values are equal except when the exact result lies
within float32 noise of a rounding tie (x.5), which random kernels practically never hit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from workbench.engine.border import check_border, source_index
from workbench.engine.convolve import (
    _channel_mask,
    _check_image,
    offset_scale,
    range_max,
    round_half_up,
)
from workbench.engine.kernel import Kernel, KernelError

__all__ = ["PixelInspection", "inspect_pixel"]


@dataclass(frozen=True)
class PixelInspection:
    """The numbers that make one output pixel, in the image's own units.

    Attributes
    ----------
    x, y, channel : int
        The pixel and the channel inspected.
    rows, cols : ndarray of int
        The image row (``kh``) and column (``kw``) each tap reads, or -1 for the ``constant``
        border value.
    padded : ndarray of bool
        ``kh x kw``: True where the tap lies beyond the image edge (its value is made up by
        the border mode).
    values : ndarray of float64
        The neighbourhood, ``kh x kw`` (``inputs x kh x kw`` for a colour kernel).
    weights : ndarray of float64
        The kernel's weights, the same shape as ``values`` (before the divisor).
    alpha : ndarray of float64 or None
        With alpha weighting: the neighbourhood's alpha on a 0..1 scale, which multiplies
        each value before the weights do.
    products : ndarray of float64
        ``weights * values`` (times ``alpha`` when weighted).
    total : float
        The sum of the products, correctly rounded (``math.fsum``).
    divisor : float
    alpha_seen : float or None
        With alpha weighting, the alpha the kernel saw (``|weights|``-weighted mean of
        ``alpha``); the weighted sum is divided by it.
    offset : float
        The offset in the image's units (the kernel's 0..255 offset scaled).
    unclipped : float
        ``total / divisor (/ alpha_seen) + offset``: the filter's value before rounding.
    value : float
        The pixel the filter writes: ``unclipped`` rounded (ties upwards, as the engine
        does) and clipped for integer images, as float32 for float images.
    rule : str
        What the last step did, in words: ``"rounded"``, ``"clipped at 0"``, ``"clipped at
        255"``, ``"kept (float)"``, ``"not filtered: value kept"``...
    filtered : bool
        False if the channel is left out by the channel mask (``value`` is the pixel's own).
    dtype : numpy.dtype
        The image's dtype.
    """

    x: int
    y: int
    channel: int
    rows: np.ndarray
    cols: np.ndarray
    padded: np.ndarray
    values: np.ndarray
    weights: np.ndarray
    alpha: np.ndarray | None
    products: np.ndarray
    total: float
    divisor: float
    alpha_seen: float | None
    offset: float
    unclipped: float
    value: float
    rule: str
    filtered: bool
    dtype: np.dtype

    @property
    def range_max(self) -> float:
        """Full white for the image's dtype (255, 65535 or 1.0)."""
        return range_max(self.dtype)


def inspect_pixel(
    image: np.ndarray,
    kernel: Kernel | object,
    x: int,
    y: int,
    *,
    channel: int = 0,
    border: str | None = None,
    channels: str | Sequence[bool] | None = None,
    alpha_weighting: bool = True,
    cval: float = 0.0,
) -> PixelInspection:
    """Work out the output pixel ``(x, y)`` of ``channel`` as :func:`apply_kernel` makes it.

    Parameters
    ----------
    image : ndarray
        As for :func:`~workbench.engine.apply_kernel`.
    kernel : Kernel or array-like
        As for :func:`~workbench.engine.apply_kernel`.
    x, y : int
        Column and row of the output pixel.
    channel : int
        Index of the channel (0 for gray images).
    border, channels, alpha_weighting, cval
        The same options as :func:`~workbench.engine.apply_kernel`.

    Returns
    -------
    PixelInspection

    Raises
    ------
    ValueError
        If the pixel or channel is outside the image, or an option is not usable.
    KernelError
        If the kernel is not valid, or a colour kernel does not fit the image.

    Examples
    --------
    >>> image = np.zeros((5, 5), np.uint8); image[2, 2] = 160
    >>> k = Kernel([[0, 1, 0], [1, 4, 1], [0, 1, 0]], divisor=8)
    >>> inspect_pixel(image, k, 2, 2).value
    80.0
    """
    arr = _check_image(image)
    kernel = kernel if isinstance(kernel, Kernel) else Kernel(kernel)
    mode = check_border(kernel.border if border is None else border)
    h, w = arr.shape[:2]
    planes = arr.reshape(h, w, -1)
    n = planes.shape[2]
    if not (0 <= int(x) < w and 0 <= int(y) < h):
        raise ValueError(f"pixel ({x}, {y}) is outside the {w} x {h} image")
    if not 0 <= int(channel) < n:
        raise ValueError(f"channel {channel} does not exist: the image has {n} channel(s)")
    x, y, channel = int(x), int(y), int(channel)
    cval = float(cval)
    has_alpha = n in (2, 4)
    n_colour = n - has_alpha
    mask = _channel_mask(channels, n, has_alpha)
    if kernel.is_color and kernel.weights.shape[:2] != (n_colour,) * 2:
        raise KernelError(
            f"colour kernel is {kernel.weights.shape[0]} x {kernel.weights.shape[1]} channels "
            f"but the image has {n_colour} colour channel(s)"
        )
    top = range_max(arr.dtype)
    kh, kw = kernel.shape
    taps_y = np.arange(y - kh // 2, y + kh // 2 + 1)
    taps_x = np.arange(x - kw // 2, x + kw // 2 + 1)
    rows = source_index(taps_y, h, mode)
    cols = source_index(taps_x, w, mode)
    padded = ~(((taps_y >= 0) & (taps_y < h))[:, None] & ((taps_x >= 0) & (taps_x < w))[None, :])
    outside = (rows < 0)[:, None] | (cols < 0)[None, :]

    def neighbourhood(c: int) -> np.ndarray:
        values = planes[np.maximum(rows, 0)][:, np.maximum(cols, 0), c].astype(np.float64)
        values[outside] = cval
        return values

    own = float(planes[y, x, channel])
    is_alpha = has_alpha and channel == n - 1
    scale = offset_scale(arr.dtype)
    if kernel.is_color and not is_alpha:
        offsets = kernel.offset
        offset = (offsets[channel] if isinstance(offsets, tuple) else offsets) * scale
        values = np.stack([neighbourhood(i) for i in range(n_colour)])
        weights = np.array(kernel.weights[channel], dtype=np.float64)
    else:
        offset = (kernel.offset if isinstance(kernel.offset, float) else 0.0) * scale
        values = neighbourhood(channel)
        weights = np.array(kernel.weights, dtype=np.float64)
        if kernel.is_color:  # alpha under a colour kernel: never filtered (refused by apply)
            weights = np.zeros((kh, kw))

    weighted = has_alpha and alpha_weighting and not is_alpha and mask[channel]
    alpha = neighbourhood(n - 1) / top if weighted else None

    products = weights * values if alpha is None else weights * values * alpha
    total = math.fsum(products.ravel())
    divisor = kernel.divisor
    alpha_seen = None
    unclipped = total / divisor
    if alpha is not None:
        # The engine divides by the alpha seen through |weights| normalised to sum 1.
        a = np.abs(kernel.weights)
        if kernel.is_color:
            a = a.sum(axis=(0, 1))
        if a.any():
            alpha_seen = math.fsum((a / a.sum() * alpha).ravel())
            if alpha_seen <= 1e-6:
                unclipped = own  # nothing opaque was seen: the pixel keeps its colour
            else:
                unclipped /= alpha_seen
    unclipped += offset

    if not mask[channel]:
        value, rule, filtered = own, "not filtered: value kept", False
        unclipped = own
    elif arr.dtype.kind == "u":
        rounded = float(round_half_up(np.array([unclipped], np.float32))[0])
        value = min(max(rounded, 0.0), top)
        if rounded < 0:
            rule = "clipped at 0"
        elif rounded > top:
            rule = f"clipped at {top:g}"
        else:
            rule = "rounded"
        filtered = True
    else:
        value, rule, filtered = float(np.float32(unclipped)), "kept (float)", True
    return PixelInspection(
        x=x,
        y=y,
        channel=channel,
        rows=rows,
        cols=cols,
        padded=padded,
        values=values,
        weights=weights,
        alpha=alpha,
        products=products,
        total=total,
        divisor=divisor,
        alpha_seen=alpha_seen,
        offset=offset,
        unclipped=unclipped,
        value=value,
        rule=rule,
        filtered=filtered,
        dtype=arr.dtype,
    )
