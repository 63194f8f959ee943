"""Round a learned kernel to simple values (n/d) and measure what that costs.

The learn dialog's Round button: the weights become multiples of ``1/d`` for the smallest
``d`` within the tolerance (the largest change is stated), and the first pair is reproduced
again with the rounded kernel on the worker, so the report and the pictures show the kernel
that would be kept, not the one before rounding.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from workbench.engine import FitResult, apply_kernel
from workbench.engine.learn.report import psnr_text
from workbench.engine.learn.simple import Rounded, round_weights
from workbench.gui.learn.result import LearnOutcome

__all__ = ["ROUND_TOLERANCE", "plan_rounding", "rounded_outcome"]

#: The largest change Round makes to any weight, relative to the largest weight.
ROUND_TOLERANCE = 0.01


def plan_rounding(outcome: LearnOutcome) -> Rounded | None:
    """How Round would round ``outcome``'s kernel (None: nothing simple close enough, or
    the kernel is simple already)."""
    weights = outcome.result.kernel.weights
    if round_weights(weights, 0.0) is not None:
        return None  # already n/d: nothing to round
    scale = max(float(np.max(np.abs(weights))), 1e-12)
    return round_weights(weights, ROUND_TOLERANCE * scale)


def _whole_offset(offset: float | tuple[float, ...]) -> float | tuple[float, ...]:
    """An offset within a level of a whole number is rounded with the weights (8-bit noise)."""
    if isinstance(offset, tuple):
        return tuple(_whole_offset(o) for o in offset)  # type: ignore[misc]
    whole = float(round(offset))
    return whole + 0.0 if abs(whole - offset) <= 1.0 else float(offset)


def _scale(pixels: np.ndarray) -> float:
    """Factor to the 0..255 scale."""
    if pixels.dtype == np.uint8:
        return 1.0
    if pixels.dtype == np.uint16:
        return 255.0 / 65535.0
    return 255.0


def rounded_outcome(progress, cancel, outcome: LearnOutcome, rounded: Rounded) -> LearnOutcome:
    """``outcome`` with the kernel rounded, its first pair reproduced and measured again
    (runs on the worker)."""
    old = outcome.result
    offset = _whole_offset(old.kernel.offset)
    kernel = old.kernel.replace(
        weights=rounded.weights,
        offset=offset,
        name=old.kernel.name,
        description=f"{old.kernel.description} Rounded to multiples of 1/{rounded.denominator}.",
    )
    reproduced = apply_kernel(outcome.before, kernel, progress=progress, cancel=cancel)
    after = outcome.after.astype(np.float32) * np.float32(_scale(outcome.after))
    residual = after - reproduced.astype(np.float32) * np.float32(_scale(reproduced))
    left_out = old.report.left_out
    flat = residual.reshape(residual.shape[0], residual.shape[1], -1)
    used = flat if left_out is None else flat[~left_out]
    rmse = float(np.sqrt(np.mean(np.square(used, dtype=np.float64)))) if used.size else 0.0
    target = after.reshape(flat.shape) if left_out is None else after.reshape(flat.shape)[~left_out]
    variance = float(np.var(target, dtype=np.float64)) if target.size else 0.0
    r2 = 1.0 - rmse**2 / variance if variance > 0 else 1.0
    psnr = float("inf") if rmse < 1e-9 else float(20 * np.log10(255.0 / rmse))
    offset_note = "" if offset == old.kernel.offset else ", offset to whole levels"
    note = (
        f"rounded to multiples of 1/{rounded.denominator} (largest change "
        f"{rounded.max_change:.2g}{offset_note}): PSNR {psnr_text(old.report.psnr)} before "
        f"rounding, {psnr_text(psnr)} after, on the first pair's pixels used"
    )
    report = dataclasses.replace(
        old.report,
        rmse=rmse,
        psnr=psnr,
        r_squared=r2,
        residual=residual,
        findings=[*old.report.findings, note],
    )
    return LearnOutcome(
        FitResult(kernel, kernel.offset, report), outcome.before, outcome.after, reproduced
    )
