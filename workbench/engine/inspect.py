"""One output pixel of :func:`~workbench.engine.apply_kernel`, worked out step by step.

:func:`inspect_pixel` returns the neighbourhood the kernel covers at one pixel (made up at the
edge by the same border rule the engine uses, :func:`workbench.engine.border.source_index`),
the weights, their products, the sum, ``/ divisor + offset``, and what rounding and clipping
make of it: the numbers a pixel inspector shows. It is one dot product, so it costs
well under a millisecond even for a 63 x 63 kernel.

It follows the kernel's working space, luminance and out-of-range rule as
:func:`~workbench.engine.apply_kernel` does: in linear light the neighbourhood is the decoded
values (0..1) and the result is encoded back to sRGB; with luminance only it is the luma,
whose change is added to the channel; ``abs`` takes the absolute value, ``float`` keeps the
value on a 0..1 scale; ``stretch`` needs the whole result's range, which one pixel cannot
know, and says so.

The engine works in float32 and this module in float64, so the two agree to float32
precision; for integer images the final values are equal except when the exact result lies
within float32 noise of a rounding tie (x.5), which random kernels practically never hit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from workbench.engine import colour
from workbench.engine.border import check_border, source_index
from workbench.engine.convolve import _channel_mask, _check_image, _option, offset_scale, range_max
from workbench.engine.kernel import OUT_RANGES, SPACES, Kernel, KernelError

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
        The pixel the filter writes: ``unclipped`` rounded (ties to even) and clipped for
        integer images, as float32 for float images.
    rule : str
        What the last step did, in words: ``"rounded"``, ``"clipped at 0"``, ``"clipped at
        255"``, ``"kept (float)"``, ``"not filtered: value kept"``...
    filtered : bool
        False if the channel is left out by the channel mask (``value`` is the pixel's own).
    dtype : numpy.dtype
        The image's dtype.
    space, luminance, out_range
        The options the pixel was worked out with.
    units : str
        What ``values``, the sums and ``unclipped`` are measured in: ``""`` for the image's
        own units, ``"linear light 0..1"`` in the linear space, ``"luma"`` (image units or
        linear light) with ``luminance``.
    stored : ndarray
        The neighbourhood as the image stores it (before decoding or taking the luma).
    own : float
        The pixel's own value in ``units`` (the base that ``luminance`` adds the change to).
    luma_own : float or None
        With ``luminance``: the pixel's own luma.
    luma_change : float or None
        With ``luminance``: filtered luma minus the pixel's own luma, added to the channel.
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
    space: str = "perceptual"
    luminance: bool = False
    out_range: str = "clip"
    units: str = ""
    stored: np.ndarray | None = None
    own: float = 0.0
    luma_own: float | None = None
    luma_change: float | None = None

    @property
    def result_dtype(self) -> np.dtype:
        """The filtered image's dtype: the image's, or float32 for ``out_range="float"``."""
        return np.dtype(np.float32) if self.out_range == "float" else np.dtype(self.dtype)

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
    space: str | None = None,
    luminance: bool | None = None,
    out_range: str | None = None,
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
    border, space, luminance, out_range, channels, alpha_weighting, cval
        The same options as :func:`~workbench.engine.apply_kernel` (None: the kernel's).

    Notes
    -----
    ``out_range="stretch"`` maps the result's minimum..maximum over the whole image onto the
    range: one pixel cannot know them, so ``value`` is NaN and ``rule`` says so.

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

    space = _option(kernel.space if space is None else space, SPACES, "space")
    out_range = _option(
        kernel.out_range if out_range is None else out_range, OUT_RANGES, "out_range"
    )
    luminance = kernel.luminance if luminance is None else bool(luminance)
    if luminance and kernel.is_color:
        raise KernelError("a colour kernel mixes channels: 'luminance only' does not apply")
    is_alpha = has_alpha and channel == n - 1
    linear = space == "linear"
    by_luma = luminance and n_colour == 3 and not is_alpha
    # The engine's own units: the image's for the plain path, 0..1 (colour decoded when
    # linear) for the others. Shown in the image's units where that changes nothing but the
    # scale (perceptual), on the 0..1 linear-light scale when decoded.
    plain = space == "perceptual" and not luminance and out_range == "clip"
    unit = 1.0 if linear else top  # work value x unit = shown value

    def working(c: int, stored: np.ndarray, padding: np.ndarray | bool = False) -> np.ndarray:
        """Values as the engine filters them; ``padding`` marks the constant border's."""
        if linear and c < n_colour:
            if arr.dtype.kind == "u":
                decoded = colour.decode_table(arr.dtype)[np.maximum(stored, 0).astype(np.intp)]
                decoded = decoded.astype(np.float64)
            else:
                decoded = colour.srgb_to_linear(stored)
            # The constant border value is taken on the 0..1 scale, not decoded.
            return np.where(padding, cval / top, decoded)
        return stored / top * unit

    def neighbourhood(c: int) -> np.ndarray:
        r, k = np.maximum(rows, 0)[:, None], np.maximum(cols, 0)[None, :]
        values = planes[r, k, c].astype(np.float64)  # kh x kw values, no row copies
        values[outside] = cval
        return values

    stored_own = float(planes[y, x, channel])
    own = working(channel, np.array([[stored_own]]))[0, 0] if not plain else stored_own
    offset_unit = 1 / 255 if linear else offset_scale(arr.dtype)
    luma_own = None
    if kernel.is_color and not is_alpha:
        offsets = kernel.offset
        offset = (offsets[channel] if isinstance(offsets, tuple) else offsets) * offset_unit
        stored = np.stack([neighbourhood(i) for i in range(n_colour)])
        values = np.stack([working(i, stored[i], outside) for i in range(n_colour)])
        weights = np.array(kernel.weights[channel], dtype=np.float64)
    else:
        offset = (kernel.offset if isinstance(kernel.offset, float) else 0.0) * offset_unit
        weights = np.array(kernel.weights, dtype=np.float64)
        if kernel.is_color:  # alpha under a colour kernel: never filtered (refused by apply)
            weights = np.zeros((kh, kw))
        if by_luma:
            stored = np.stack([neighbourhood(i) for i in range(3)])
            rgb = [working(i, stored[i], outside) for i in range(3)]
            r, g, b = (np.float32(c) for c in colour.LUMA_COEFFICIENTS)
            values = rgb[0] * float(r) + rgb[1] * float(g) + rgb[2] * float(b)
            own_rgb = [working(i, np.array([[float(planes[y, x, i])]]))[0, 0] for i in range(3)]
            luma_own = own_rgb[0] * float(r) + own_rgb[1] * float(g) + own_rgb[2] * float(b)
        else:
            stored = neighbourhood(channel)
            values = working(channel, stored, outside) if not plain else stored

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
                # nothing opaque was seen: the pixel keeps its own value
                unclipped = luma_own if by_luma else own
            else:
                unclipped /= alpha_seen
    unclipped += offset
    luma_change = None
    if by_luma:
        luma_change = unclipped - luma_own
        unclipped = own + luma_change

    integer = arr.dtype.kind == "u"
    if not mask[channel]:
        value, rule, filtered = stored_own, "not filtered: value kept", False
        if out_range == "float" and integer:
            value = float(np.float32(stored_own / top))  # the float result is on 0..1
        unclipped = own
    elif plain:
        value, rule = _round_or_keep(unclipped, arr.dtype)
        filtered = True
    else:
        filtered = True
        v = unclipped / unit  # on the engine's 0..1 scale
        steps = []
        if out_range == "abs" and v < 0:
            v = -v
            steps.append("absolute value")
        if out_range == "stretch":
            value, rule = float("nan"), "stretched over the image's min..max"
        else:
            float_out = out_range == "float" or not integer
            encode = linear and channel < n_colour
            if float_out:
                # A float result (on 0..1) keeps values beyond the range.
                value = float(np.float32(colour.linear_to_srgb(v) if encode else v))
                if encode:
                    steps.append("encoded to sRGB")
                steps.append("kept as float 0..1" if integer else "kept (float)")
            elif encode:
                level = colour.encode_to_integer(np.array([v], np.float32), arr.dtype)[0]
                value = float(level)
                edge = " (clipped)" if v < 0 or v > 1 else ""
                steps.append(f"encoded to sRGB{edge}")
            else:
                value, last = _round_or_keep(float(np.float32(v) * np.float32(top)), arr.dtype)
                steps.append(last)
            rule = ", ".join(steps)
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
        space=space,
        luminance=by_luma,
        out_range=out_range,
        units=" ".join(
            part
            for part in ("linear light 0..1" if linear else "", "luma" if by_luma else "")
            if part
        ),
        stored=stored,
        own=own,
        luma_own=luma_own,
        luma_change=luma_change,
    )


def _round_or_keep(value: float, dtype: np.dtype) -> tuple[float, str]:
    """The value an image of ``dtype`` stores, and what that step did, in words."""
    if dtype.kind != "u":
        return float(np.float32(value)), "kept (float)"
    top = range_max(dtype)
    rounded = float(math.floor(value + 0.5))  # half up, as the engine rounds
    if rounded < 0:
        return 0.0, "clipped at 0"
    if rounded > top:
        return top, f"clipped at {top:g}"
    return rounded, "rounded"
