"""What "apply the filter" means: a kernel plus the channel and alpha options of the editor."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workbench.engine import Kernel, apply_kernel
from workbench.engine.progress import CancelToken, ProgressCallback

__all__ = ["FilterSettings"]


@dataclass(frozen=True)
class FilterSettings:
    """A kernel and how to apply it; immutable, so workers can hold it safely.

    ``channels`` holds the letters of the channels to filter ("RGB", "RGBA", "G", ...); for a
    gray image any of R, G, B means the gray channel, as in GIMP.
    """

    kernel: Kernel
    channels: str = "RGB"
    alpha_weighting: bool = True

    @property
    def label(self) -> str:
        """How the step reads in the undo menu."""
        name = self.kernel.name or "Custom kernel"
        kh, kw = self.kernel.shape
        return name if f"{kh}x{kw}" in name else f"{name} {kh}x{kw}"

    def same_filter(self, other: FilterSettings | None) -> bool:
        """True if ``other`` gives the same pixels (names and descriptions aside)."""
        if other is None:
            return False
        a, b = self.kernel, other.kernel
        return (
            self.channels == other.channels
            and self.alpha_weighting == other.alpha_weighting
            and a.weights.shape == b.weights.shape
            and bool(np.array_equal(a.weights, b.weights))
            and (a.divisor, a.offset, a.border, a.cval) == (b.divisor, b.offset, b.border, b.cval)
            and (a.space, a.luminance, a.out_range) == (b.space, b.luminance, b.out_range)
        )

    def filters_anything(self, image: np.ndarray) -> bool:
        """False when no ticked channel exists in ``image`` (the result would be a copy)."""
        n = 1 if image.ndim == 2 else image.shape[2]
        colour = any(c in self.channels for c in "RGB")
        return colour or ("A" in self.channels and n in (2, 4))

    def run(
        self,
        image: np.ndarray,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> np.ndarray:
        """The filtered image: a new array of the same shape and dtype (float32 when the
        kernel keeps results outside the range, ``out_range="float"``)."""
        channels = self.channels
        n = 1 if image.ndim == 2 else image.shape[2]
        if n in (1, 3):
            channels = channels.replace("A", "")  # no alpha to filter
        return apply_kernel(
            image,
            self.kernel,
            progress=progress,
            cancel=cancel,
            channels=channels,
            alpha_weighting=self.alpha_weighting,
        )
