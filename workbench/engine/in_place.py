"""An image filtered over itself, band by band: the memory of one image, not two.

:func:`apply_kernel` returns a new array, so filtering an image that nothing else needs
(``workbench apply`` loads a file, filters it and saves it) holds the input and the
whole result at once. :func:`apply_kernel_in_place` writes the result over the input
instead, a band of rows at a time, cut as :mod:`workbench.engine.bands` plans (the same
strategy, tile grid and alpha decision as the whole image): the result is bit-identical
to ``apply_kernel`` on the whole image.

A band's result may go over its own input rows only once no later band reads them. The
next band reads ``halo`` rows above its first one, and no band after it reaches higher,
so all of a band's result but its last ``halo`` rows is written as soon as it is made,
and those last rows (a copy, a few rows) once the next band is made (or the next few,
for bands shorter than the halo). ``wrap`` also
reads across the image's ends: the first rows, which the last band reads, are copied
before the first band is written. What is held besides the image is then one band's
result and its working buffers (:data:`BAND_PIXELS`), not a second image.

Where no band can reproduce the whole image's result, the image is filtered whole by
``apply_kernel`` and a new array returned: ``out_range="stretch"`` maps the whole
result's own range, ``out_range="float"`` changes the dtype, and :func:`plan_bands`
plans some cases as one band (``wrap`` with ``fft``, an image under one FFT tile). So is
an image too short for two bands whose halo stays a small share of their work
(:data:`HALO_SHARE`): filtering a large part of it twice would cost more time than the
memory is worth.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from workbench.engine.bands import GLOBAL_OPTIONS, Band, BandPlan, filter_band, plan_bands
from workbench.engine.convolve import apply_kernel, range_max
from workbench.engine.kernel import Kernel
from workbench.engine.progress import CancelToken, ProgressCallback, Reporter
from workbench.engine.strategies import STRATEGY_NAMES

__all__ = ["BAND_PIXELS", "HALO_SHARE", "apply_kernel_in_place"]

#: Output pixels per band: 12 MB of 8-bit RGB, a sixth of a 24-megapixel photo. Measured
#: on one (6000 x 4000, gaussian-5x5, 2 cores) the filter took 10 ms longer than whole
#: (0.177 s against 0.167 s: each band ends with a wait for its last tile, and its result
#: is copied over the image), and ``workbench apply`` to PNG peaked at 2.07x the image in
#: RSS (2.76x whole). Bands of 1 or 2 M pixels peak at 1.95x or 1.99x but cost 36 or 20
#: ms; 8 M pixels, 2.24x. The halo, filtered twice, is about 1% of the rows up to 9 x 9.
BAND_PIXELS = 4_000_000

#: At most this share of the rows a band filters is its halo (filtered again by the band
#: above or below): a band is made at least ``2 * halo / HALO_SHARE`` rows tall by
#: default, and an image too short for two such bands is filtered whole. It matters for
#: large kernels and where bands must follow a coarse grid (``fft``'s tiles, the strips of
#: alpha weighting), whose halo is a whole tile or strip or two: there, twice the memory
#: costs less than filtering much of the image twice.
HALO_SHARE = 0.1

#: Result ranges a band cannot make: the whole image's range (GLOBAL_OPTIONS), or a new
#: dtype (float32 results do not fit in an integer image's memory).
_WHOLE_RANGES = (*GLOBAL_OPTIONS["out_range"], "float")


def apply_kernel_in_place(
    image: np.ndarray,
    kernel: Kernel | Any,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    band_rows: int | None = None,
    **options: Any,
) -> np.ndarray:
    """Apply a kernel to an image, writing the result over the image itself.

    The result is bit-identical to ``apply_kernel(image, kernel, **options)``; what is
    held besides the image is a band of rows, not a second image (the module docstring
    says how, and which cases are filtered whole instead).

    Parameters
    ----------
    image : ndarray
        As for :func:`~workbench.engine.apply_kernel`; a writeable array that the caller
        owns and no longer needs unfiltered.
    kernel : Kernel or array-like
    progress, cancel
        As for every long call (:mod:`workbench.engine.progress`).
    band_rows : int, optional
        Output rows per band (rounded up to the plan's step); by default
        about :data:`BAND_PIXELS` pixels per band, and at least enough rows that the halo
        is a small share of the work (:data:`HALO_SHARE`). Tests force small bands.
    **options
        ``apply_kernel``'s keyword options (``border``, ``space``, ``luminance``,
        ``out_range``, ``strategy``, ``channels``, ``alpha_weighting``, ``cval``).

    Returns
    -------
    ndarray
        ``image`` itself, filtered; or, where the image had to be filtered whole, a new
        array as ``apply_kernel`` returns it (``image`` is then unchanged).

    Raises
    ------
    KernelError, ValueError
        As ``apply_kernel`` raises them, before any row of ``image`` is written.
    Cancelled
        If ``cancel`` was set before the work finished; ``image`` is then partly
        filtered, and should be dropped.

    Examples
    --------
    >>> image = np.zeros((5, 5), np.uint8); image[2, 2] = 160
    >>> result = apply_kernel_in_place(image, Kernel([[1, 2, 1]], divisor=4), band_rows=1)
    >>> result is image, image[2, 1:4].tolist()
    (True, [40, 80, 40])
    """
    kernel = kernel if isinstance(kernel, Kernel) else Kernel(kernel)
    options = {name: value for name, value in options.items() if value is not None}
    whole = {**options, "progress": progress, "cancel": cancel}
    plan = _plan(image, kernel, options)
    if plan is None:
        return apply_kernel(image, kernel, **whole)
    h, w = image.shape[:2]
    if band_rows is None:
        band_rows = max(BAND_PIXELS // max(w, 1), math.ceil(2 * plan.halo / HALO_SHARE))
    bands = list(plan.bands(band_rows))
    if len(bands) < 2:  # one band is the whole image: nothing to gain
        return apply_kernel(image, kernel, **whole)
    Reporter(progress, cancel).check()  # refuse a bad progress or cancel as apply_kernel does
    # wrap: the last bands read the first rows across the end, written long before.
    head = image[: plan.halo].copy() if plan.wrap else None
    pending: list[tuple[int, np.ndarray]] = []  # result rows made but not yet written
    written = 0  # rows 0 .. written hold their results
    for i, band in enumerate(bands):

        def band_progress(fraction: float, band: Band = band) -> None:
            if progress is not None:
                progress((band.y0 + fraction * (band.y1 - band.y0)) / h)

        source = _band_input(image, band, plan, head, written)
        result = filter_band(
            source, band, plan, kernel, **options, progress=band_progress, cancel=cancel
        )
        pending.append((band.y0, result))
        del source, result  # the band's buffers go once written: not held through the next
        # Rows above the next band's first input row are read by no band to come.
        free = bands[i + 1].top if i + 1 < len(bands) else h
        pending = _write_below(image, pending, free)
        written = max(written, free)
    if progress is not None:
        progress(1.0)
    return image


def _plan(image: Any, kernel: Kernel, options: dict[str, Any]) -> BandPlan | None:
    """The bands ``image`` can be filtered in, or None to filter it whole.

    Whatever is not a plain writeable image with options a band can take goes to
    ``apply_kernel`` whole, which filters it or says what is wrong with it.
    """
    if not isinstance(image, np.ndarray) or not image.flags.writeable or image.ndim not in (2, 3):
        return None
    if image.dtype not in (np.uint8, np.uint16, np.float32) or 0 in image.shape:
        return None
    if options.get("out_range", kernel.out_range) in _WHOLE_RANGES:
        return None
    if options.get("strategy", "auto") not in ("auto", *STRATEGY_NAMES):
        return None
    opaque = _is_opaque(image) if image.ndim == 3 and image.shape[2] in (2, 4) else None
    try:
        plan = plan_bands(image.shape, image.dtype, kernel, opaque=opaque, **options)
    except (ValueError, TypeError):  # a bad option: apply_kernel says which
        return None
    return None if plan.whole else plan


def _is_opaque(image: np.ndarray) -> bool:
    """Whether the alpha channel is at full value everywhere, checked band by band."""
    top = range_max(image.dtype)
    rows = max(BAND_PIXELS // max(image.shape[1], 1), 1)
    return all(np.all(image[y : y + rows, :, -1] == top) for y in range(0, image.shape[0], rows))


def _band_input(
    image: np.ndarray, band: Band, plan: BandPlan, head: np.ndarray | None, written: int
) -> np.ndarray:
    """The input rows of ``band``, as they were before any row was written over.

    Rows ``0 .. written`` hold results already. A band within the image never reads them
    (its first row is ``written`` or below); wrap's bands read across the ends, and the
    image's first rows come from ``head``, their copy.
    """
    if band.top >= 0 and band.bottom <= plan.height:
        return image[band.top : band.bottom]  # a view: no copy
    rows = plan.rows_of(band)
    source = image[rows]
    old = rows < written
    if np.any(old):
        assert head is not None and rows[old].max() < len(head)
        source[old] = head[rows[old]]
    return source


def _write_below(
    image: np.ndarray, pending: list[tuple[int, np.ndarray]], free: int
) -> list[tuple[int, np.ndarray]]:
    """Write the pending result rows above row ``free``; the rest, copied, stay pending.

    The copy lets the band's whole result buffer go: what stays is a few rows.
    """
    kept = []
    for y, rows in pending:
        n = min(max(free - y, 0), len(rows))
        image[y : y + n] = rows[:n]
        if n < len(rows):
            kept.append((y + n, rows[n:].copy() if n else rows))
    return kept
