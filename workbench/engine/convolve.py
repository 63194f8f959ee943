"""``apply_kernel``: a kernel applied to an image, with every border mode, dtype and channel.

This module handles what is the same for every strategy (checking input, dtype and range,
alpha weighting, the channel mask, offset, rounding and clipping) and hands the actual
correlation of float32 planes to one strategy in :mod:`workbench.engine.strategies`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from workbench.engine.border import check_border
from workbench.engine.kernel import Kernel, KernelError
from workbench.engine.progress import CancelToken, ProgressCallback, Reporter
from workbench.engine.strategies import STRATEGY_NAMES, choose_strategy, correlate_planes

__all__ = ["apply_kernel", "offset_scale", "range_max"]

_SUPPORTED = (np.uint8, np.uint16, np.float32)
_CHANNEL_LETTERS = "RGBA"


def range_max(dtype: np.dtype) -> float:
    """The value of full white for ``dtype``: 255, 65535, or 1.0 for float images."""
    dtype = np.dtype(dtype)
    if dtype == np.uint8:
        return 255.0
    if dtype == np.uint16:
        return 65535.0
    return 1.0


def offset_scale(dtype: np.dtype) -> float:
    """Factor taking an offset on the 0..255 scale to ``dtype``'s range."""
    return range_max(dtype) / 255.0


def _check_image(image: Any) -> np.ndarray:
    arr = np.asarray(image)
    if arr.dtype not in _SUPPORTED:
        if arr.dtype.kind == "f":
            arr = arr.astype(np.float32)
        else:
            raise ValueError(
                f"image dtype {arr.dtype} is not supported: use uint8, uint16 or float32"
            )
    if arr.ndim == 3 and arr.shape[2] == 1:
        pass
    elif arr.ndim == 3 and arr.shape[2] not in (1, 3, 4):
        raise ValueError(
            f"image has {arr.shape[2]} channels: use gray (H x W), RGB (H x W x 3) "
            f"or RGBA (H x W x 4)"
        )
    elif arr.ndim not in (2, 3):
        raise ValueError(f"image must be H x W or H x W x C, got shape {arr.shape}")
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
        if n <= 2:
            # gray (+ alpha): "R", "G" or "B" all mean the gray channel, as in GIMP.
            gray = any(c in letters for c in "RGBL")
            mask = [gray] + ([("A" in letters)] if n == 2 else [])
        else:
            mask = [_CHANNEL_LETTERS[i] in letters for i in range(n)]
        bad = set(letters) - set("RGBAL")
        if bad:
            raise ValueError(f"unknown channel letter(s) {''.join(sorted(bad))!r}: use R, G, B, A")
        return mask
    mask = [bool(c) for c in channels]
    if len(mask) != n:
        raise ValueError(f"channel mask has {len(mask)} entries for an image with {n} channels")
    return mask


def apply_kernel(
    image: np.ndarray,
    kernel: Kernel | Any,
    *,
    border: str | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    strategy: str = "auto",
    channels: str | Sequence[bool] | None = None,
    alpha_weighting: bool = True,
    cval: float = 0.0,
) -> np.ndarray:
    """Apply a convolution kernel to an image (correlation: the kernel is not flipped).

    Each output pixel is ``sum(weights * pixels) / divisor + offset``, with the kernel's
    centre on that pixel, as in GIMP's Convolution Matrix, Photoshop's Custom filter and
    OpenCV's ``filter2D``. The work is done in float32; integer images are rounded to the
    nearest value and clipped to their range.

    Parameters
    ----------
    image : ndarray
        ``H x W`` gray, ``H x W x 3`` RGB or ``H x W x 4`` RGBA; uint8, uint16 or float32
        (float images are taken as 0..1 and are not clipped).
    kernel : Kernel or array-like
        A :class:`Kernel`, or a 2-D grid of weights (divisor 1, offset 0).
    border : str, optional
        Border mode, overriding the kernel's: ``reflect``, ``mirror``, ``nearest``, ``wrap``
        or ``constant``. ``None`` uses the kernel's own.
    progress : callable, optional
        Called with the fraction done (0..1) as tiles finish.
    cancel : object with ``is_set()``, optional
        Checked between tiles; when set, :class:`~workbench.engine.Cancelled` is raised.
    strategy : str
        ``auto`` (pick the fastest by a cost model), ``direct``, ``separable``, ``fft`` or
        ``im2col``. All give the same result to float32 precision.
    channels : str or sequence of bool, optional
        Which channels to filter, e.g. ``"RGB"``, ``"G"`` or ``[True, False, False]``; the
        others are copied unchanged. Default: all colour channels, alpha kept as it is.
    alpha_weighting : bool
        For RGBA images, weight colour by alpha so transparent pixels do not bleed a dark
        fringe into the result (GIMP's "alpha weighting").
    cval : float
        Value outside the image for the ``constant`` border, in the image's own units.

    Returns
    -------
    ndarray
        A new array of the input's shape and dtype.

    Raises
    ------
    KernelError
        If the weights are not a valid kernel.
    ValueError
        If the image, border, strategy or channel mask is not usable.
    Cancelled
        If ``cancel`` was set before the work finished.
    """
    arr = _check_image(image)
    if not isinstance(kernel, Kernel):
        kernel = Kernel(kernel)
    mode = check_border(kernel.border if border is None else border)
    if strategy != "auto" and strategy not in STRATEGY_NAMES:
        raise ValueError(
            f"unknown strategy {strategy!r}: choose auto or one of {', '.join(STRATEGY_NAMES)}"
        )
    if not np.isfinite(cval):
        raise ValueError("cval (the constant border value) must be finite")

    dtype = arr.dtype
    squeeze = arr.ndim == 2
    planes_in = arr[:, :, None] if squeeze else arr
    n = planes_in.shape[2]
    has_alpha = n in (2, 4)
    mask = _channel_mask(channels, n, has_alpha)
    n_colour = n - 1 if has_alpha else n

    reporter = Reporter(progress, cancel)
    reporter.check()
    out = _filter(planes_in, kernel, mode, float(cval), mask, n_colour, has_alpha,
                  alpha_weighting, strategy, reporter)
    if dtype != np.float32:
        np.rint(out, out=out)
        np.clip(out, 0, range_max(dtype), out=out)
    result = out.astype(dtype, copy=False)
    if progress is not None:
        progress(1.0)
    return result[:, :, 0] if squeeze else result


def _filter(
    planes_in: np.ndarray,
    kernel: Kernel,
    mode: str,
    cval: float,
    mask: list[bool],
    n_colour: int,
    has_alpha: bool,
    alpha_weighting: bool,
    strategy: str,
    reporter: Reporter,
) -> np.ndarray:
    """Filter the selected channels of ``planes_in`` (H x W x C); float32 H x W x C result."""
    dtype = planes_in.dtype
    top = range_max(dtype)
    out = planes_in.astype(np.float32)  # the copy that becomes the result
    colour_sel = [i for i in range(n_colour) if mask[i]]
    alpha_sel = has_alpha and mask[-1]
    if not colour_sel and not alpha_sel:
        return out

    offsets = kernel.offset if isinstance(kernel.offset, tuple) else None
    scale = offset_scale(dtype)
    weights = kernel.effective_weights()
    if kernel.is_color and weights.shape[:2] != (n_colour, n_colour):
        raise KernelError(
            f"colour kernel is {weights.shape[0]} x {weights.shape[1]} channels but the image "
            f"has {n_colour} colour channel(s)"
        )

    weighted = has_alpha and alpha_weighting and colour_sel
    src = out
    if weighted:
        alpha = out[:, :, -1:] / top
        src = out.copy()
        src[:, :, :n_colour] *= alpha

    n_jobs = (len(colour_sel) * n_colour if kernel.is_color else 1) + (
        1 if (weighted or alpha_sel) else 0
    )
    step = 1.0 / max(n_jobs, 1)
    done = 0

    if kernel.is_color:
        result_colour = np.zeros(out.shape[:2] + (len(colour_sel),), np.float32)
        for j, o in enumerate(colour_sel):
            for i in range(n_colour):
                w = weights[o, i]
                if not np.any(w):
                    continue
                plane = np.ascontiguousarray(src[:, :, i : i + 1])
                result_colour[:, :, j : j + 1] += correlate_planes(
                    plane, w, mode, cval, _pick(strategy, w, plane), reporter.sub(done * step, step)
                )
                done += 1
    elif colour_sel:
        stack = np.ascontiguousarray(src[:, :, colour_sel])
        result_colour = correlate_planes(
            stack, weights, mode, cval, _pick(strategy, weights, stack),
            reporter.sub(0.0, step * (n_jobs - (1 if (weighted or alpha_sel) else 0))),
        )
        done = n_jobs - (1 if (weighted or alpha_sel) else 0)
    else:
        result_colour = None

    if weighted or alpha_sel:
        a_plane = np.ascontiguousarray(out[:, :, -1:])
        a_weights = np.abs(weights).sum(axis=(0, 1)) if kernel.is_color else weights
        if weighted:
            # Normalise colour by the alpha the kernel's |weights| saw: for uniform alpha
            # this is that alpha, so opaque areas are untouched, and it never vanishes for
            # zero-sum (edge) kernels.
            abs_w = np.abs(a_weights if kernel.is_color else weights)
            abs_w = abs_w / abs_w.sum()
            seen = correlate_planes(
                a_plane, abs_w, mode, cval, _pick(strategy, abs_w, a_plane),
                reporter.sub(done * step, step),
            )[:, :, 0] / top
        if alpha_sel:
            aw = weights if not kernel.is_color else None
            if aw is None:
                raise KernelError("a colour kernel filters colour channels only; untick alpha")
            filtered_alpha = correlate_planes(
                a_plane, aw, mode, cval, _pick(strategy, aw, a_plane),
                reporter.sub(done * step, step),
            )
    if result_colour is not None:
        if weighted:
            safe = seen > 1e-6
            with np.errstate(divide="ignore", invalid="ignore"):
                result_colour /= np.where(safe, seen, 1.0)[:, :, None]
            # Where nothing opaque was seen the pixel is transparent; keep its colour.
            keep = ~safe
            if np.any(keep):
                result_colour[keep] = out[:, :, colour_sel][keep]
        for j, o in enumerate(colour_sel):
            off = (offsets[o] if offsets is not None else kernel.offset) * scale
            if off:
                result_colour[:, :, j] += off
        out[:, :, colour_sel] = result_colour
    if alpha_sel:
        if not kernel.is_color and not isinstance(kernel.offset, tuple) and kernel.offset:
            filtered_alpha += kernel.offset * scale
        out[:, :, -1:] = filtered_alpha
    return out


def _pick(strategy: str, weights: np.ndarray, planes: np.ndarray) -> str:
    if strategy != "auto":
        return strategy
    return choose_strategy(weights, planes.shape)
