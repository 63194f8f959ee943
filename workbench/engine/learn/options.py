"""Checking :func:`~workbench.engine.fit_kernel`'s options once, at the public edge.

Every check raises :class:`~workbench.engine.LearnError` naming the option and the values it
takes, before any pixel is looked at.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from workbench.engine.kernel import MAX_KERNEL_SIZE
from workbench.engine.learn.pairs import LearnError, Pair

__all__ = [
    "AUTO_MAX_SIZE",
    "LOSSES",
    "MODES",
    "SOLVERS",
    "candidate_sizes",
    "check_margin",
    "check_options",
    "check_seed",
    "check_size",
]

MODES = ("shared", "per-channel", "color")
SOLVERS = ("exact", "adam")
#: The losses ``fit_kernel`` accepts (checked here, so the check does not depend on a solver).
LOSSES = ("l2", "huber", "l1")

#: Largest size tried by ``size="auto"`` unless ``max_size`` says otherwise.
AUTO_MAX_SIZE = 15

_ADAM_OPTIONS = {"steps", "lr", "final_lr", "batch", "huber_delta"}
_EXACT_OPTIONS = {"max_rows"}


def check_size(size: Any) -> int | None:
    """The kernel size asked for, or None for "auto"."""
    if isinstance(size, str):
        if size.strip().lower() == "auto":
            return None
        try:
            size = int(size)
        except ValueError:
            raise LearnError(f"size must be an odd number or 'auto', got {size!r}") from None
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)):
        raise LearnError(f"size must be an odd number or 'auto', got {size!r}")
    if size < 1 or size % 2 == 0 or size > MAX_KERNEL_SIZE:
        raise LearnError(f"size must be odd, from 1 to {MAX_KERNEL_SIZE}; got {size}")
    return int(size)


def check_options(mode: str, solver: str, loss: str, options: dict[str, Any]) -> str:
    """Check mode, solver, loss and the solver's options; returns the mode's own name."""
    mode = "color" if mode == "colour" else mode
    if mode not in MODES:
        raise LearnError(f"unknown mode {mode!r}: choose {', '.join(MODES)}")
    if solver not in SOLVERS:
        raise LearnError(f"unknown solver {solver!r}: choose {', '.join(SOLVERS)}")
    if loss not in LOSSES:
        raise LearnError(f"unknown loss {loss!r}: choose {', '.join(LOSSES)}")
    if solver == "exact" and loss != "l2":
        raise LearnError(
            f"the exact solver minimises squared error (l2) only: use solver 'adam' for the "
            f"{loss} loss"
        )
    allowed = _ADAM_OPTIONS if solver == "adam" else _EXACT_OPTIONS
    unknown = set(options) - allowed
    if unknown:
        raise LearnError(
            f"unknown option(s) for the {solver} solver: {', '.join(sorted(unknown))} "
            f"(it takes {', '.join(sorted(allowed))})"
        )
    return mode


def candidate_sizes(fixed: int | None, pairs: list[Pair], max_size: Any) -> list[int]:
    """The sizes to try: the one asked for, or 1, 3, ... as far as the images allow."""
    if fixed is not None:
        return [fixed]
    if isinstance(max_size, bool) or not isinstance(max_size, (int, np.integer)) or max_size < 1:
        raise LearnError(f"max_size must be a whole number >= 1, got {max_size!r}")
    smallest = min(min(p.shape) for p in pairs)
    top = min(int(max_size), MAX_KERNEL_SIZE)
    top -= 1 - top % 2
    while top > 1 and smallest - 2 * (top // 2 + 3) < max(8, top):
        top -= 2
    return list(range(1, top + 1, 2))


def check_margin(margin: Any) -> int | None:
    """The border margin in pixels, or None for the default."""
    if margin is None:
        return None
    if isinstance(margin, bool) or not isinstance(margin, (int, np.integer)) or margin < 0:
        raise LearnError(f"margin must be a whole number of pixels >= 0, got {margin!r}")
    return int(margin)


def check_seed(seed: Any) -> int:
    """The seed of the random choices (held-out pixels, samples, minibatches)."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise LearnError(f"seed must be a whole number >= 0, got {seed!r}")
    return int(seed)
