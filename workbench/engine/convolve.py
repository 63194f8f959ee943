"""``apply_kernel``: a kernel applied to an image, with every border mode, dtype and channel.

This module handles what is the same for every strategy (checking input, the channel mask,
alpha weighting, colour kernels, offset, rounding and clipping) and hands the correlation of
planes to one strategy in :mod:`workbench.engine.strategies`. The strategies convert to
float32 tile by tile, so a plain float32 RGB image is filtered with no copy besides the
result.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from workbench.engine import colour
from workbench.engine.border import check_border
from workbench.engine.kernel import OUT_RANGES, SPACES, Kernel, KernelError
from workbench.engine.progress import CancelToken, ProgressCallback, Reporter
from workbench.engine.strategies import STRATEGY_NAMES, choose_strategy, correlate_planes
from workbench.engine.strategies.tiles import Finish

__all__ = [
    "apply_kernel",
    "in_float",
    "in_float_strips",
    "offset_scale",
    "range_max",
    "round_half_up",
]

_CHANNEL_LETTERS = "RGBA"


def range_max(dtype: np.dtype) -> float:
    """The value of full white for ``dtype``: 255, 65535, or 1.0 for float images."""
    dtype = np.dtype(dtype)
    if dtype.kind == "u":  # by size, so byte order (">u2" from some TIFFs) does not matter
        return float(2 ** (8 * dtype.itemsize) - 1)
    return 1.0


def offset_scale(dtype: np.dtype) -> float:
    """Factor taking an offset on the 0..255 scale to ``dtype``'s range."""
    return range_max(dtype) / 255.0


def _check_image(image: Any) -> np.ndarray:
    arr = np.asarray(image)
    if arr.dtype.kind not in "uf" or (arr.dtype.kind == "u" and arr.itemsize > 2):
        raise ValueError(f"image dtype {arr.dtype} is not supported: use uint8, uint16 or float32")
    if arr.ndim not in (2, 3):
        raise ValueError(f"image must be H x W or H x W x C, got shape {arr.shape}")
    if arr.ndim == 3 and arr.shape[2] not in (1, 2, 3, 4):
        raise ValueError(
            f"image has {arr.shape[2]} channels: use gray (H x W), gray + alpha (H x W x 2), "
            f"RGB (H x W x 3) or RGBA (H x W x 4)"
        )
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"image is empty (shape {arr.shape})")
    return arr


def _channel_mask(channels: str | Sequence[bool] | None, n: int, has_alpha: bool) -> list[bool]:
    if channels is None:
        # Colour channels only: alpha is kept, so an edge kernel does not make the image
        # transparent. Add "A" to filter it too (GIMP's alpha checkbox).
        return [True] * (n - 1) + [False] if has_alpha else [True] * n
    if isinstance(channels, str):
        letters = channels.upper()
        bad = set(letters) - set("RGBAL")
        if bad:
            raise ValueError(f"unknown channel letter(s) {''.join(sorted(bad))!r}: use R, G, B, A")
        if n <= 2:
            # gray (+ alpha): "R", "G", "B" or "L" all mean the gray channel, as in GIMP.
            return [any(c in letters for c in "RGBL")] + (["A" in letters] if n == 2 else [])
        return [_CHANNEL_LETTERS[i] in letters for i in range(n)]
    if not isinstance(channels, Sequence) and not isinstance(channels, np.ndarray):
        raise ValueError(
            f"channels must be letters such as 'RGB' or one bool per channel, got {channels!r}"
        )
    mask = [bool(c) for c in channels]
    if len(mask) != n:
        raise ValueError(f"channel mask has {len(mask)} entries for an image with {n} channels")
    return mask


def apply_kernel(
    image: np.ndarray,
    kernel: Kernel | Any,
    *,
    border: str | None = None,
    space: str | None = None,
    luminance: bool | None = None,
    out_range: str | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    strategy: str = "auto",
    channels: str | Sequence[bool] | None = None,
    alpha_weighting: bool | None = None,
    cval: float | None = None,
) -> np.ndarray:
    """Apply a convolution kernel to an image (correlation: the kernel is not flipped).

    Each output pixel is ``sum(weights * pixels) / divisor + offset``, with the kernel's
    centre on that pixel, as in GIMP's Convolution Matrix, Photoshop's Custom filter and
    OpenCV's ``filter2D``. The offset is on the 0..255 scale: it is multiplied by 257 for
    16-bit images and divided by 255 for float images. The work is done in float32; integer
    images are rounded to the nearest value, ties upwards (``floor(x + 0.5)``, as ImageJ,
    G'MIC and GIMP do), and clipped to their range.

    Parameters
    ----------
    image : ndarray
        ``H x W`` gray, ``H x W x 2`` gray + alpha, ``H x W x 3`` RGB or ``H x W x 4`` RGBA;
        uint8, uint16 or float32 (float images are taken as 0..1 and are not clipped).
    kernel : Kernel or array-like
        A :class:`Kernel`, or a 2-D grid of weights (divisor 1, offset 0).
    border : str, optional
        Border mode, overriding the kernel's: ``reflect``, ``mirror``, ``nearest``, ``wrap``
        or ``constant``. ``None`` uses the kernel's own.
    space : str, optional
        ``perceptual`` filters the stored (sRGB-encoded) values, as Photoshop, ImageJ and
        OpenCV do; ``linear`` decodes sRGB to linear light (IEC 61966-2-1), filters, and
        encodes back, as GIMP/GEGL do. Alpha is never encoded; float images are taken as
        sRGB-encoded 0..1. ``None`` uses the kernel's own.
    luminance : bool, optional
        On RGB(A) images, filter the Rec. 709 luma only and add its change to R, G and B
        alike, so colour differences are kept (on linear luminance with ``space="linear"``).
        Gray images are filtered as usual. ``None`` uses the kernel's own.
    out_range : str, optional
        What happens to results outside the range: ``clip`` (round and clip), ``abs``
        (absolute value first), ``stretch`` (the result's min..max over the filtered
        channels, away from a border margin of the kernel's radius, onto the full range),
        ``float`` (a float32 image on a 0..1 scale keeping negative and above-white values).
        ``None`` uses the kernel's own.
    progress : callable, optional
        Called with the fraction done (0..1) from the calling thread; it only grows and
        ends at 1.0.
    cancel : object with ``is_set()``, optional
        Checked between tiles; when set, :class:`~workbench.engine.Cancelled` is raised.
    strategy : str
        ``auto`` (pick the fastest by a cost model), ``direct``, ``separable``, ``fft`` or
        ``im2col``. All give the same result to float32 precision.
    channels : str or sequence of bool, optional
        Which channels to filter, e.g. ``"RGB"``, ``"G"`` or ``[True, False, False]``; the
        others are copied unchanged. ``None``: the kernel's own (``Kernel.channels``), by
        default all colour channels, alpha kept as it is.
    alpha_weighting : bool, optional
        With alpha, weight colour by alpha so transparent pixels do not bleed a dark fringe
        into the result (GIMP's "alpha weighting"). ``None``: the kernel's own (True).
    cval : float, optional
        Value of every channel outside the image for the ``constant`` border, in the
        image's own units. ``None``: the kernel's own (``Kernel.cval``, on the 0..255
        scale, scaled like the offset).

    Returns
    -------
    ndarray
        A new array of the input's shape and dtype (float32 for ``out_range="float"``).

    Raises
    ------
    KernelError
        If the weights are not a valid kernel, or a colour kernel does not fit the image.
    ValueError
        If the image, border, strategy, channel mask, cval, progress or cancel is not usable;
        the message names the argument.
    Cancelled
        If ``cancel`` was set before the work finished.

    Examples
    --------
    >>> import numpy as np
    >>> image = np.zeros((5, 5), np.uint8); image[2, 2] = 160
    >>> apply_kernel(image, Kernel([[0, 1, 0], [1, 4, 1], [0, 1, 0]], divisor=8))[1:4, 1:4]
    array([[ 0, 20,  0],
           [20, 80, 20],
           [ 0, 20,  0]], dtype=uint8)
    """
    arr = _check_image(image)
    kernel = kernel if isinstance(kernel, Kernel) else Kernel(kernel)
    mode = check_border(kernel.border if border is None else border)
    if strategy != "auto" and strategy not in STRATEGY_NAMES:
        raise ValueError(
            f"unknown strategy {strategy!r}: choose auto or one of {', '.join(STRATEGY_NAMES)}"
        )
    if channels is None:
        channels = kernel.channels
    if alpha_weighting is None:
        alpha_weighting = kernel.alpha_weighting
    if cval is None:
        cval = kernel.cval * offset_scale(arr.dtype)
    try:
        cval = float(cval)
    except (TypeError, ValueError):
        raise ValueError(
            f"cval (the constant border value) must be a number, got {cval!r}"
        ) from None
    if not np.isfinite(cval):
        raise ValueError("cval (the constant border value) must be finite")
    planes = arr.reshape(arr.shape[0], arr.shape[1], -1)
    n = planes.shape[2]
    has_alpha = n in (2, 4)
    mask = _channel_mask(channels, n, has_alpha)
    if kernel.is_color and kernel.weights.shape[:2] != (n - has_alpha,) * 2:
        raise KernelError(
            f"colour kernel is {kernel.weights.shape[0]} x {kernel.weights.shape[1]} channels "
            f"but the image has {n - has_alpha} colour channel(s)"
        )
    if kernel.is_color and has_alpha and mask[-1]:
        raise KernelError("a colour kernel filters colour channels only: leave alpha out")

    space = _option(kernel.space if space is None else space, SPACES, "space")
    out_range = _option(
        kernel.out_range if out_range is None else out_range, OUT_RANGES, "out_range"
    )
    luminance = kernel.luminance if luminance is None else bool(luminance)
    if luminance and kernel.is_color:
        raise KernelError("a colour kernel mixes channels: 'luminance only' does not apply")

    reporter = Reporter(progress, cancel)
    reporter.check()
    if not in_float(space, luminance, out_range):
        result = _filter(planes, kernel, mode, cval, strategy, reporter, mask, alpha_weighting)
    else:
        result = _filter_colour(
            planes,
            kernel,
            mode,
            cval,
            strategy,
            reporter,
            mask,
            alpha_weighting,
            space=space,
            luminance=luminance,
            out_range=out_range,
        )
    if progress is not None:
        progress(1.0)
    return result.reshape(arr.shape)


def _option(value: Any, choices: tuple[str, ...], name: str) -> str:
    if value not in choices:
        raise ValueError(f"unknown {name} {value!r}: choose {' or '.join(choices)}")
    return value


def _filter(
    planes,
    kernel,
    mode,
    cval,
    strategy,
    reporter,
    mask,
    alpha_weighting,
    *,
    out_dtype=None,
    encode=False,
) -> np.ndarray:
    """The filtered ``planes`` (H x W x C) in their own dtype (or ``out_dtype``).

    With ``encode``, integer planes are decoded to linear light (0..1) as each tile is
    fetched and the sums encoded back to sRGB levels of their dtype as each tile is stored,
    so no float copy of the image is made (all channels selected, no alpha).
    """
    n = planes.shape[2]
    has_alpha = n in (2, 4)
    dtype = planes.dtype if out_dtype is None else np.dtype(out_dtype)
    selected = [i for i in range(n) if mask[i]]
    white = range_max(planes.dtype)
    if has_alpha and alpha_weighting and (mode != "constant" or cval == white):
        # Weighting by an alpha that is opaque everywhere (most photos) changes nothing.
        alpha_weighting = not np.all(planes[:, :, -1] == white)
    weighted = has_alpha and alpha_weighting and any(i < n - 1 for i in selected)
    job = _Job(planes, kernel, mode, float(cval), strategy, reporter, has_alpha)
    if encode:
        job.decode = colour.decoder(planes.dtype)
        job.offset_scale = 1 / 255  # the sums are on a 0..1 scale
    if selected and not kernel.is_color and not weighted:
        # Channels filtered alike: one pass, rounding each tile into the result in cache.
        src = planes if len(selected) == n else planes[:, :, selected]
        filtered = np.empty(src.shape, dtype)
        job.steps = [1.0]
        finish = _finisher(dtype, kernel.offset * job.offset_scale, encode)
        job.correlate(src, job.weights, float(cval), filtered, finish)
        if len(selected) == n:
            result = filtered
        else:
            result = planes.copy()
            result[:, :, selected] = filtered
    elif selected:
        # Alpha weighting or a colour kernel: float32 intermediates, made strip by strip so
        # they stay a fraction of the image.
        result = np.empty_like(planes) if len(selected) == n else planes.copy()
        channel_index = slice(None) if len(selected) == n else selected
        for (y0, y1), (top, bottom) in _strips(planes.shape, kernel.shape[0] // 2, mode):
            strip_reporter = reporter.sub(y0 / planes.shape[0], (y1 - y0) / planes.shape[0])
            values = job.run(planes[top:bottom], selected, alpha_weighting, strip_reporter)
            result[y0:y1, :, channel_index] = _to_dtype(values[y0 - top : y1 - top], dtype)
    else:
        result = planes.copy()
    return result


def _filter_colour(
    planes,
    kernel,
    mode,
    cval,
    strategy,
    reporter,
    mask,
    alpha_weighting,
    *,
    space,
    luminance,
    out_range,
    whole=False,
) -> np.ndarray:
    """Linear light, luminance only or a result range other than clip.

    The work is done on float32 planes on a 0..1 scale (colour decoded to linear light for
    ``space="linear"``, alpha never), which :func:`_filter` filters as a float image, strip
    by strip (with their halo rows) so that the float copies stay a fraction of the image;
    ``stretch`` needs the whole result's range, so it is done in one piece (``whole``).
    """
    dtype = planes.dtype
    integer = dtype.kind == "u"
    top = range_max(dtype)
    n = planes.shape[2]
    has_alpha = n in (2, 4)
    n_colour = n - has_alpha
    linear = space == "linear"
    ry = kernel.shape[0] // 2
    cval /= top
    if not in_float_strips(dtype, mask, kernel, space, luminance, out_range):
        # The common case (a photo, every channel): encoded in cache, tile by tile.
        return _filter(planes, kernel, mode, cval, strategy, reporter, mask, False, encode=True)
    strips = [] if whole or out_range == "stretch" else list(_strips(planes.shape, ry, mode))
    if len(strips) > 1:
        h = planes.shape[0]
        result = np.empty(planes.shape, np.float32 if out_range == "float" else dtype)
        for (y0, y1), (first, last) in strips:
            part = _filter_colour(
                planes[first:last], kernel, mode, cval * top, strategy,
                reporter.sub(y0 / h, (y1 - y0) / h), mask, alpha_weighting,
                space=space, luminance=luminance, out_range=out_range, whole=True,
            )  # fmt: skip
            result[y0:y1] = part[y0 - first : y1 - first]
        return result
    work = _working(planes, linear, n_colour)
    if luminance and n_colour == 3 and any(mask[:3]):
        y = colour.luma(work)
        src = np.concatenate([y, work[:, :, 3:]], axis=2) if has_alpha else y
        sub_mask = [True] + ([mask[-1]] if has_alpha else [])
        filtered = _filter(src, kernel, mode, cval, strategy, reporter, sub_mask, alpha_weighting)
        change = filtered[:, :, 0:1] - y
        values = work
        if all(mask[:3]) and not has_alpha:
            values += change  # one pass over the interleaved image
        else:
            for i in range(3):
                if mask[i]:
                    values[:, :, i : i + 1] += change
        if has_alpha and mask[-1]:
            values[:, :, 3] = filtered[:, :, 1]
        del filtered, change, src, y
    else:
        values = _filter(work, kernel, mode, cval, strategy, reporter, mask, alpha_weighting)
        del work
    selected = [i for i in range(n) if mask[i]]
    _fit_range(values, selected, out_range, kernel.shape)

    if out_range == "float" or not integer:
        if linear:
            values[:, :, :n_colour] = colour.encode_float(values[:, :, :n_colour])
        return values
    result = np.empty(planes.shape, dtype)
    if all(mask) and not has_alpha:
        # Every channel, all colour: one pass over the interleaved image, not per plane.
        if linear:
            colour.encode_to_integer(values, dtype, out=result)
        else:
            values *= np.float32(top)
            result[...] = _to_dtype(values, dtype)
        return result
    for i in range(n):
        if not mask[i]:
            result[:, :, i] = planes[:, :, i]
        elif linear and i < n_colour:
            colour.encode_to_integer(values[:, :, i], dtype, out=result[:, :, i])
        else:
            plane = values[:, :, i]
            plane *= np.float32(top)
            result[:, :, i] = _to_dtype(plane, dtype)
    return result


def in_float(space: str, luminance: bool, out_range: str) -> bool:
    """Whether options take the work to float32 planes on a 0..1 scale (:func:`_filter_colour`)."""
    return space != "perceptual" or luminance or out_range != "clip"


def in_float_strips(
    dtype: np.dtype, mask: list[bool], kernel: Kernel, space: str, luminance: bool, out_range: str
) -> bool:
    """Whether ``apply_kernel`` filters float32 copies of the image strip by strip.

    That is :func:`_filter_colour`'s way, cut by :func:`_strips`, for every option that
    works in float but one: linear light on an integer image with every channel and no
    alpha is decoded and encoded tile by tile instead. Bands must keep these strips whole
    (:mod:`workbench.engine.bands`).
    """
    if not in_float(space, luminance, out_range):
        return False
    has_alpha = len(mask) in (2, 4)
    tile_by_tile = (
        space == "linear"
        and np.dtype(dtype).kind == "u"
        and out_range == "clip"
        and not luminance
        and not has_alpha
        and all(mask)
        and not kernel.is_color
    )
    return not tile_by_tile


def _working(planes: np.ndarray, linear: bool, n_colour: int) -> np.ndarray:
    """float32 copy of ``planes`` on a 0..1 scale, colour decoded to linear light if asked."""
    top = range_max(planes.dtype)
    work = np.empty(planes.shape, np.float32)
    if linear:
        colour.decode(planes[:, :, :n_colour], out=work[:, :, :n_colour])
        rest = slice(n_colour, None)
    else:
        rest = slice(None)
    work[:, :, rest] = planes[:, :, rest]
    if top != 1.0:
        work[:, :, rest] *= np.float32(1 / top)
    return work


def _fit_range(values: np.ndarray, selected: list[int], out_range: str, shape) -> None:
    """``abs`` or ``stretch`` the ``selected`` planes of float ``values`` in place."""
    if not selected or out_range in ("clip", "float"):
        return
    index = selected if len(selected) < values.shape[2] else slice(None)
    if out_range == "abs":
        values[:, :, index] = np.abs(values[:, :, index])
        return
    # stretch: min..max away from the border margin, where the border mode invents pixels.
    ry, rx = shape[0] // 2, shape[1] // 2
    h, w = values.shape[:2]
    inner = values[ry : h - ry, rx : w - rx] if h > 2 * ry and w > 2 * rx else values
    inner = inner[:, :, index]
    low, high = float(inner.min()), float(inner.max())
    part = values[:, :, index]
    if high > low:
        part -= np.float32(low)
        part *= np.float32(1 / (high - low))
    else:
        part[...] = 0
    values[:, :, index] = part


#: Pixels per strip of the alpha-weighted and colour-kernel paths.
STRIP_PIXELS = 1_000_000


def _strips(shape: tuple[int, ...], ry: int, mode: str):
    """``((y0, y1), (top, bottom))``: output rows, and the rows with halo that make them.

    Filtering rows ``top .. bottom`` with the border mode gives exact results for rows
    ``y0 .. y1``: their kernels reach only real rows, or the image's own edge. ``wrap``
    reaches the far edge, so it is done in one strip.
    """
    h, w = shape[:2]
    rows = max(STRIP_PIXELS // max(w, 1), 2 * ry, 1)
    if mode == "wrap" or rows >= h:
        yield (0, h), (0, h)
        return
    for y0 in range(0, h, rows):
        y1 = min(y0 + rows, h)
        yield (y0, y1), (max(y0 - ry, 0), min(y1 + ry, h))


def round_half_up(values: np.ndarray) -> np.ndarray:
    """Round float values to whole numbers in place, ties upwards: ``floor(x + 0.5)``.

    The rule of ImageJ (``(int)(v + 0.5)``), G'MIC (``round``) and GEGL/babl, so that
    their kernels give their integer results here; numpy's ``rint`` (and OpenCV's
    ``filter2D``, checked in tests/engine/test_rounding.py) send ties to the even number
    instead. Values below 0 are clipped afterwards, so the rule there does not matter.
    """
    values += np.float32(0.5)
    return np.floor(values, out=values)


def _finisher(dtype: np.dtype, offset: float, encode: bool = False) -> Finish | None:
    """The step that takes a tile's float32 sums to ``dtype``, or None if there is none.

    With ``encode`` the sums are linear light on a 0..1 scale, encoded to sRGB levels.
    """
    integer = dtype.kind == "u"
    if encode:
        offset = np.float32(offset)

        def encode_finish(values: np.ndarray, dest: np.ndarray) -> None:
            if offset:
                values += offset
            colour.encode_to_integer(values, dtype, out=dest)

        return encode_finish
    if not integer and not offset:
        return None
    top = range_max(dtype)
    offset = np.float32(offset)

    # Integer results round half up: the offset and the half are added in one pass.
    shift = np.float32(offset + 0.5) if integer else offset

    def finish(values: np.ndarray, dest: np.ndarray) -> None:
        if shift:
            values += shift
        if integer:
            np.floor(values, out=values)
            np.clip(values, 0, top, out=values)
        if values is not dest:
            dest[...] = values

    return finish


def _to_dtype(values: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """float32 values as ``dtype``: rounded half up and clipped for integers (in place)."""
    if dtype.kind == "u":
        round_half_up(values)
        np.clip(values, 0, range_max(dtype), out=values)
    return values.astype(dtype, copy=False)


class _Job:
    """One ``apply_kernel`` call: the planes, the kernel and how far along the work is."""

    def __init__(self, planes, kernel, mode, cval, strategy, reporter, has_alpha) -> None:
        self.planes = planes  # the image, or the strip of it being filtered
        self.kernel = kernel
        self.weights = kernel.effective_weights()
        self.mode, self.cval, self.strategy = mode, cval, strategy
        self.reporter = reporter
        self.has_alpha = has_alpha
        self.top = range_max(planes.dtype)
        self.offset_scale = offset_scale(planes.dtype)
        self.decode: np.ndarray | None = None  # a table integer planes are read through
        self.steps: list[float] = []  # share of the work per correlate call, filled by run
        self.done = 0

    def correlate(self, src, weights, cval: float, out=None, finish: Finish | None = None):
        """Correlate ``src`` planes with 2-D ``weights``, as the next step of the job."""
        step = self.steps[self.done]
        start = sum(self.steps[: self.done])
        self.done += 1
        name = self.strategy
        if name == "auto":
            name = choose_strategy(weights, src.shape)
        return correlate_planes(
            src,
            weights,
            self.mode,
            cval,
            name,
            self.reporter.sub(start, step),
            out,
            finish,
            self.decode,
        )

    def run(self, planes, selected: list[int], alpha_weighting: bool, reporter) -> np.ndarray:
        """float32 results for the ``selected`` channels of ``planes``, offset added."""
        self.planes, self.reporter, self.done = planes, reporter, 0
        n = self.planes.shape[2]
        n_colour = n - self.has_alpha
        colour = [i for i in selected if i < n_colour]
        alpha = self.has_alpha and n - 1 in selected
        weighted = bool(self.has_alpha and alpha_weighting and colour)
        inputs = list(range(n_colour)) if self.kernel.is_color else colour
        # Progress: each correlate call's share is the number of planes it filters.
        if self.kernel.is_color:
            sizes = [1] * (len(inputs) * len(colour))
        else:
            sizes = [len(colour)] if colour else []
        sizes += [1] * (weighted + alpha)
        self.steps = [size / sum(sizes) for size in sizes]

        values = np.empty((*self.planes.shape[:2], len(selected)), np.float32)
        if colour:
            src, cval = self.planes, self.cval
            if weighted:
                # Premultiply colour by alpha; outside a constant border alpha is cval too.
                alpha_plane = self.planes[:, :, -1:]
                src = np.multiply(self.planes[:, :, inputs], alpha_plane, dtype=np.float32)
                src *= np.float32(1 / self.top)
                cval = self.cval * self.cval / self.top
            elif inputs != list(range(n)):
                src = self.planes[:, :, inputs]
            out = values[:, :, : len(colour)]
            if self.kernel.is_color:
                self._colour_kernel(src, colour, cval, out)
            elif len(colour) == len(selected):
                self.correlate(src, self.weights, cval, values)
            else:
                out[...] = self.correlate(src, self.weights, cval)
            del src
            if weighted:
                self._unweight(out, colour)
            self._add_offsets(out, colour)
        if alpha:
            plane = self.planes[:, :, -1:]
            if len(selected) == 1:
                self.correlate(plane, self.weights, self.cval, values)
            else:
                values[:, :, -1:] = self.correlate(plane, self.weights, self.cval)
            if self.kernel.offset:
                values[:, :, -1] += np.float32(self.kernel.offset * self.offset_scale)
        return values

    def _colour_kernel(self, src, colour, cval, out) -> None:
        """``out[o] = sum over inputs i of weights[o, i] correlated with channel i``."""
        total = np.empty((*src.shape[:2], 1), np.float32)
        out[...] = 0
        for i in range(src.shape[2]):
            plane = np.ascontiguousarray(src[:, :, i : i + 1])
            for j, o in enumerate(colour):
                if not np.any(self.weights[o, i]):
                    self.done += 1  # its share of progress is simply skipped
                    continue
                self.correlate(plane, self.weights[o, i], cval, total)
                out[:, :, j : j + 1] += total

    def _unweight(self, out: np.ndarray, colour: list[int]) -> None:
        """Divide premultiplied results by the alpha the kernel saw, undoing the weighting.

        The alpha is seen through ``|weights|`` normalised to sum 1: for uniform alpha this
        is that alpha, so opaque areas are untouched, and it does not vanish for zero-sum
        (edge) kernels. Where nothing opaque was seen, the pixel keeps its own colour.
        """
        w = np.abs(self.weights)
        if self.kernel.is_color:
            w = w.sum(axis=(0, 1))
        if not w.any():
            self.done += 1
            return  # an all-zero kernel: nothing was weighted
        seen = self.correlate(self.planes[:, :, -1:], w / w.sum(), self.cval)[:, :, 0]
        seen /= np.float32(self.top)
        empty = seen <= 1e-6
        seen[empty] = 1.0
        out /= seen[:, :, None]
        if np.any(empty):
            out[empty] = self.planes[:, :, colour][empty]

    def _add_offsets(self, out: np.ndarray, colour: list[int]) -> None:
        offsets = self.kernel.offset
        for j, o in enumerate(colour):
            value = (offsets[o] if isinstance(offsets, tuple) else offsets) * self.offset_scale
            if value:
                out[:, :, j] += np.float32(value)
