"""Row bands whose results are bit-identical to filtering the whole image at once.

A streamed TIFF and a dask array are filtered band by band, each band with the rows above
and below it that the kernel reaches (its halo), by the same :func:`apply_kernel` that
filters a whole image. Getting the same values to the last bit, not just to float32
precision, takes three things this module works out once per image, in a
:class:`BandPlan`:

* **The same strategy.** ``auto`` picks a strategy from the shape of what it filters, so a
  band could get another one than the whole image. The plan names the one the whole image
  would get, and every band is filtered with it.
* **The same tiles where they matter.** ``direct``, ``separable`` and ``im2col`` give each
  pixel a value that depends only on its neighbourhood, wherever their tiles fall. ``fft``
  does not (the round-off of a transform depends on the whole tile), nor does the choice of
  strategy inside the strips of the alpha-weighted and colour-kernel paths (each strip picks
  its own from its shape), nor in the strips of float32 work (linear light, luminance
  only, ``abs``). All cut from the image's first row on a fixed grid, so bands and halos
  here are whole multiples of that grid's step: a band then holds exactly the tiles (or
  strips) the whole image would have, with the same rows in them.
* **The same decision about alpha.** ``apply_kernel`` skips alpha weighting when the alpha
  channel is opaque everywhere; a band that is opaque in an image that is not must still
  be weighted. The plan takes that global fact; a band that would decide otherwise gets
  one transparent pixel in a halo row that no kept row can see.

``wrap`` needs rows from the image's other end: its bands read their halo across the
ends. The few cases no band can reproduce (``wrap`` with ``fft``, an image smaller than
one FFT tile) are planned as a single band: exact first, bounded memory second.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from workbench.engine import convolve
from workbench.engine.border import check_border
from workbench.engine.convolve import _channel_mask, apply_kernel, offset_scale, range_max
from workbench.engine.kernel import Kernel
from workbench.engine.strategies import STRATEGY_NAMES, choose_strategy, fft

__all__ = ["GLOBAL_OPTIONS", "Band", "BandPlan", "filter_band", "plan_bands"]

#: ``apply_kernel`` options whose result depends on the whole image (``out_range="stretch"``
#: maps the image's own min..max onto the range): no band can compute them alone.
GLOBAL_OPTIONS = {"out_range": ("stretch",)}


@dataclass(frozen=True)
class Band:
    """Output rows ``y0 .. y1``, computed from input rows ``top .. bottom``.

    For ``wrap`` ``top`` may be negative and ``bottom`` past the image: those rows are read
    from the other end (row ``i`` is row ``i mod height``).
    """

    y0: int
    y1: int
    top: int
    bottom: int


@dataclass(frozen=True)
class BandPlan:
    """How to cut one image into bands; see the module docstring.

    Attributes
    ----------
    height : int
        Rows of the image.
    step : int
        Band starts and halos are multiples of this (1 when tiles do not matter).
    halo : int
        Rows read above and below each band (fewer at the image's edges, except for wrap).
    strategy : str
        What every band is filtered with.
    wrap : bool
        Halos cross the image's ends.
    whole : bool
        The image must be filtered in one band.
    weighted : bool
        Alpha weighting is on for the whole image, so every band must be weighted too.
    reach : int
        Rows that a changed pixel can change over all repeats, round-off included: a forced
        transparent pixel must lie further than this from the kept rows.
    """

    height: int
    step: int
    halo: int
    strategy: str
    wrap: bool
    whole: bool
    weighted: bool
    reach: int

    def band_rows(self, rows: int) -> int:
        """``rows`` made a whole number of steps (at least one step)."""
        return max(1, math.ceil(max(rows, 1) / self.step)) * self.step

    def bands(self, rows: int) -> Iterator[Band]:
        """The bands of about ``rows`` output rows that cover the image, top to bottom."""
        h = self.height
        if self.whole:
            yield Band(0, h, 0, h)
            return
        rows = self.band_rows(rows)
        for y0 in range(0, h, rows):
            y1 = min(y0 + rows, h)
            if self.wrap:
                yield Band(y0, y1, y0 - self.halo, y1 + self.halo)
            else:
                yield Band(y0, y1, max(y0 - self.halo, 0), min(y1 + self.halo, h))

    def rows_of(self, band: Band) -> np.ndarray | slice:
        """The image rows a band reads: a slice, or an index array for wrap."""
        if band.top >= 0 and band.bottom <= self.height:
            return slice(band.top, band.bottom)
        return np.mod(np.arange(band.top, band.bottom), self.height)


def _check_options(options: dict[str, Any]) -> None:
    for name, values in GLOBAL_OPTIONS.items():
        if options.get(name) in values:
            raise ValueError(
                f"{name}={options[name]!r} needs the whole image at once (it uses the image's "
                f"own minimum and maximum), so it cannot be filtered in bands or chunks"
            )


def plan_bands(
    shape: Sequence[int],
    dtype: np.dtype,
    kernel: Kernel,
    *,
    opaque: bool | None = None,
    repeat: int = 1,
    **options: Any,
) -> BandPlan:
    """Plan the bands of an image of ``shape`` and ``dtype`` for ``apply_kernel(kernel)``.

    Parameters
    ----------
    shape, dtype
        The image's (``H x W`` or ``H x W x C``).
    kernel : Kernel
    opaque : bool, optional
        Whether the alpha channel is at full value everywhere (needed only with alpha).
    repeat : int
        The kernel is applied this many times, each on the previous result.
    **options
        ``apply_kernel``'s keyword options (``border``, ``strategy``, ``channels``,
        ``alpha_weighting``, ``cval``...).

    Raises
    ------
    ValueError
        For an option that needs the whole image (:data:`GLOBAL_OPTIONS`).
    """
    # The kernel's own choice counts where the call leaves it (None = the kernel's own).
    own = {name: getattr(kernel, name, None) for name in GLOBAL_OPTIONS}
    _check_options({**own, **{k: v for k, v in options.items() if v is not None}})
    h, w = int(shape[0]), int(shape[1])
    n = int(shape[2]) if len(shape) == 3 else 1
    mode = check_border(kernel.border if options.get("border") is None else options["border"])
    strategy = options.get("strategy", "auto")
    if strategy != "auto" and strategy not in STRATEGY_NAMES:
        strategy = "auto"  # apply_kernel says what is wrong with it, on the first band
    # The options apply_kernel takes from the kernel when they are not given.
    cval = options.get("cval")
    cval = kernel.cval * offset_scale(np.dtype(dtype)) if cval is None else float(cval)
    channels = kernel.channels if options.get("channels") is None else options["channels"]
    alpha_weighting = options.get("alpha_weighting")
    alpha_weighting = kernel.alpha_weighting if alpha_weighting is None else alpha_weighting
    kh = kernel.shape[0]
    ry = kh // 2
    has_alpha = n in (2, 4)
    mask = _channel_mask(channels, n, has_alpha)
    colour = any(mask[: n - has_alpha])
    weighting = bool(alpha_weighting) and has_alpha and colour
    if weighting and (mode != "constant" or cval == range_max(np.dtype(dtype))):
        if opaque is None:
            raise ValueError("opaque (whether alpha is full everywhere) is needed with alpha")
        weighting = not opaque
    # Linear light, luminance and abs work on float32 copies of the image, strip by strip.
    space = kernel.space if options.get("space") is None else options["space"]
    luminance = kernel.luminance if options.get("luminance") is None else options["luminance"]
    out_range = kernel.out_range if options.get("out_range") is None else options["out_range"]
    floats = convolve.in_float_strips(dtype, mask, kernel, space, bool(luminance), out_range)
    strips = bool(any(mask)) and (kernel.is_color or weighting or floats)
    weights = kernel.effective_weights()
    whole = False
    step = 1
    if not any(mask):
        strategy = "direct"  # nothing is filtered: any strategy copies
    elif not strips:
        if strategy == "auto":
            strategy = choose_strategy(weights, (h, w))
        if strategy == "fft":
            block = fft.tile_side(h, kh)[1]
            whole = mode == "wrap" or block >= h
            step = block
    elif mode == "wrap":
        # apply_kernel does wrap in one strip: each correlation picks from the whole shape.
        choices = {strategy} if strategy != "auto" else _wrap_choices(kernel, weights, h, w)
        whole = len(choices) != 1 or "fft" in choices
        strategy = choices.pop() if len(choices) == 1 else "auto"
    else:
        step = max(convolve.STRIP_PIXELS // max(w, 1), 2 * ry, 1)  # convolve._strips' rows
        whole = step >= h
    if repeat > 1 and has_alpha and mask[-1]:
        whole = True  # each repeat decides about alpha on its own result: only the whole knows
    halo = repeat * math.ceil(ry / step) * step
    # A changed pixel changes the rows its kernel reaches; in a strip that may be filtered
    # by fft, the round-off of the whole strip, and the next strip's on the next repeat.
    reach = repeat * (ry + (step if step > 1 else 0))
    if weighting and halo <= reach:
        halo = (reach // step + 1) * step  # room for the transparent pixel of an opaque band
    if step > 1 and not strips:
        # fft: a band's last tile must be cut from as long a band as the image's, or its
        # transform has another length.
        halo = max(halo, step)
    return BandPlan(
        height=h,
        step=step,
        halo=halo,
        strategy=strategy,
        wrap=mode == "wrap",
        whole=whole or h <= 1,
        weighted=weighting,
        reach=reach,
    )


def _wrap_choices(kernel: Kernel, weights: np.ndarray, h: int, w: int) -> set[str]:
    """The strategies ``auto`` picks for each correlation of a one-strip alpha/colour job."""
    grids = list(weights.reshape(-1, *kernel.shape)) if kernel.is_color else [weights]
    magnitude = np.abs(weights)
    if kernel.is_color:
        magnitude = magnitude.sum(axis=(0, 1))
    if magnitude.any():
        grids.append(magnitude / magnitude.sum())
    return {choose_strategy(g, (h, w)) for g in grids if np.any(g)}


def filter_band(
    pixels: np.ndarray,
    band: Band,
    plan: BandPlan,
    kernel: Kernel,
    *,
    repeat: int = 1,
    **options: Any,
) -> np.ndarray:
    """The output rows ``band.y0 .. band.y1`` from ``pixels``, the band's input rows.

    ``options`` are ``apply_kernel``'s; ``strategy`` is replaced by the plan's. Progress
    and cancel, if given, are passed to each ``apply_kernel`` call.
    """
    options = {**options, "strategy": plan.strategy}
    far_below = band.bottom - band.y1 > plan.reach
    far_above = band.y0 - band.top > plan.reach
    if plan.weighted and (far_below or far_above):
        if np.all(pixels[..., -1] == range_max(pixels.dtype)):
            # An opaque band: apply_kernel would skip the weighting the whole image gets.
            # One transparent pixel beyond any kept row's reach keeps it on.
            pixels = pixels.copy()
            pixels[-1 if far_below else 0, 0, -1] = 0
    for _ in range(repeat):
        pixels = apply_kernel(pixels, kernel, **options)
    return pixels[band.y0 - band.top : band.y1 - band.top]
