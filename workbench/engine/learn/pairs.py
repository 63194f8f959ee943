"""Before/after pairs made ready for learning: checked, split into planes, and masked.

Real pairs are messy, so not every pixel is evidence. A pixel's after value is used only if

* it is far enough from the edge that the other program's (unknown) border handling cannot
  have touched it: the *border margin*;
* its whole window is opaque in RGBA images (colour under transparency is filtered with alpha
  weighting, which is not a plain convolution): *transparent*;
* its window and value are finite numbers (float images): *not a number*;
* the after value is not at the end of the range (0 or full white), where the other program
  clipped and the true result is unknown: *clipped*. A float after image with values beyond
  0..1 was never clipped and keeps them all. JPEG moves clipped values off the ends; those
  are found later, by a first fit (:func:`~workbench.engine.learn.rows.leave_out_clipped`).

A shared kernel on RGB (fitted on luma) and a colour kernel use a pixel only where all its
channels are usable: the others' values count as *another channel*.

Every value is brought to the 0..255 scale, the scale of a kernel's offset, so 8-bit, 16-bit
and float images (even mixed in one pair) give the same kernel.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from workbench.engine.convolve import range_max

__all__ = [
    "CLIP_LEVELS",
    "REASONS",
    "LearnError",
    "Pair",
    "check_images",
    "check_pairs",
    "left_out_map",
    "pixel_masks",
]

#: Reasons for leaving pixels out, in the order they are counted (each value once).
REASONS = ("border margin", "transparent", "not a number", "clipped", "another channel")

_LAYOUT = {1: "gray", 3: "RGB", 4: "RGBA"}


class LearnError(ValueError):
    """The pairs cannot be learned from, or the options do not fit them; the message says why.

    ``pair`` is the number (from 1) of the pair the message is about, if it is about one.
    """

    def __init__(self, message: str, *, pair: int | None = None) -> None:
        super().__init__(message)
        self.pair = pair


#: ``Pair.clip_levels`` of the stored values (0..255 scale).
CLIP_LEVELS = (1.0, 16.0, 254.0, 239.0)


@dataclass
class Pair:
    """One checked pair: colour planes (contiguous, native dtype) and their 0..255 scales."""

    index: int
    before: list[np.ndarray]
    after: list[np.ndarray]
    before_scale: float
    after_scale: float
    before_alpha: np.ndarray | None
    after_alpha: np.ndarray | None
    after_max: float
    after_is_float: bool
    #: False for a float after image with values outside 0..1: it was never clipped.
    may_clip: bool = True
    #: Where a row looks clipped, on this pair's 0..255 scale: predicted below the first
    #: level with an after value below the second, or above the third with one above the
    #: fourth (see ``rows._beyond_range``). Levels of the stored values; a pair decoded to
    #: linear light has them decoded too.
    clip_levels: tuple[float, float, float, float] = CLIP_LEVELS
    #: The working space of the planes: "perceptual" (the stored values) or "linear".
    space: str = "perceptual"
    #: The colour channels as given (H x W or H x W x 3 views), for whole-image work:
    #: the stored values, also in a pair decoded to linear light (``before_scale`` is not
    #: theirs there; the residual is measured on them).
    before_image: np.ndarray | None = None
    after_image: np.ndarray | None = None
    #: :func:`pixel_masks` already made, with their counts. The same in both working
    #: spaces (decoding keeps 0, full white and what is not finite), so a pair decoded to
    #: linear light shares this dictionary with its stored-value pair.
    masks_made: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def shape(self) -> tuple[int, int]:
        return self.before[0].shape

    @property
    def channels(self) -> int:
        return len(self.before)


def _as_image(value: Any, what: str) -> np.ndarray:
    try:
        arr = np.asarray(value)
    except Exception as exc:  # an object numpy cannot read at all
        raise LearnError(f"{what} is not an image array ({exc})") from exc
    if arr.dtype.kind == "f" and arr.dtype != np.float32:
        arr = arr.astype(np.float32)
    if arr.dtype not in (np.uint8, np.uint16, np.float32):
        raise LearnError(f"{what} has pixel type {arr.dtype}: use uint8, uint16 or float32")
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    if arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[2] not in (3, 4)):
        raise LearnError(
            f"{what} has shape {arr.shape}: use gray (H x W), RGB (H x W x 3) or RGBA (H x W x 4)"
        )
    return arr


def _layout(arr: np.ndarray) -> str:
    return _LAYOUT[1 if arr.ndim == 2 else arr.shape[2]]


def _planes(arr: np.ndarray) -> tuple[list[np.ndarray], np.ndarray | None]:
    if arr.ndim == 2:
        return [np.ascontiguousarray(arr)], None
    n = arr.shape[2]
    colour = [np.ascontiguousarray(arr[:, :, c]) for c in range(min(n, 3))]
    return colour, (np.ascontiguousarray(arr[:, :, 3]) if n == 4 else None)


def _may_clip(after: np.ndarray) -> bool:
    if after.dtype != np.float32:
        return True  # integer images always end at their range
    colour = after if after.ndim == 2 else after[:, :, :3]
    finite = colour[np.isfinite(colour)]
    return finite.size == 0 or (float(finite.min()) >= 0.0 and float(finite.max()) <= 1.0)


def check_images(pairs: Sequence[Any]) -> list[tuple[np.ndarray, np.ndarray]]:
    """The pairs as (before, after) arrays if they can be learned from, else a
    :class:`LearnError` saying why.

    Cheap (no copies of 8-bit, 16-bit or float32 images), so an app can check the pairs
    before it starts the fit. An alpha channel does not count as colour: RGB and RGBA pair up.
    """
    if isinstance(pairs, (str, bytes, np.ndarray)) or not isinstance(pairs, Sequence):
        raise LearnError("give the pairs as a list of (before, after) image arrays")
    if not pairs:
        raise LearnError("give at least one (before, after) pair of images")
    images: list[tuple[np.ndarray, np.ndarray]] = []
    for i, pair in enumerate(pairs, start=1):
        if isinstance(pair, np.ndarray) or not isinstance(pair, Sequence) or len(pair) != 2:
            raise LearnError(f"pair {i} must be two images: (before, after)", pair=i)
        before = _as_image(pair[0], f"pair {i} before image")
        after = _as_image(pair[1], f"pair {i} after image")
        if before.shape[:2] != after.shape[:2]:
            (bh, bw), (ah, aw) = before.shape[:2], after.shape[:2]
            raise LearnError(
                f"pair {i}: the before image is {bw} x {bh} pixels but the after image is "
                f"{aw} x {ah}: they must be the same size (the same picture, not resized or "
                f"cropped)",
                pair=i,
            )
        if _colours(before) != _colours(after):
            raise LearnError(
                f"pair {i}: the before image is {_layout(before)} but the after image is "
                f"{_layout(after)}: save both in the same colour mode",
                pair=i,
            )
        if images and _colours(images[0][0]) != _colours(before):
            raise LearnError(
                f"pair {i} is {_layout(before)} but pair 1 is {_layout(images[0][0])}: all "
                f"pairs must have the same colour mode",
                pair=i,
            )
        images.append((before, after))
    return images


def _colours(arr: np.ndarray) -> int:
    return 1 if arr.ndim == 2 else min(arr.shape[2], 3)


def check_pairs(pairs: Sequence[Any]) -> list[Pair]:
    """Check the pairs and split them into colour planes; raise :class:`LearnError` if unusable."""
    checked: list[Pair] = []
    for i, (before, after) in enumerate(check_images(pairs), start=1):
        b_planes, b_alpha = _planes(before)
        a_planes, a_alpha = _planes(after)
        checked.append(
            Pair(
                index=i,
                before=b_planes,
                after=a_planes,
                before_scale=255.0 / range_max(before.dtype),
                after_scale=255.0 / range_max(after.dtype),
                before_alpha=b_alpha,
                after_alpha=a_alpha,
                after_max=range_max(after.dtype),
                after_is_float=after.dtype == np.float32,
                may_clip=_may_clip(after),
                before_image=before if before.ndim == 2 else before[:, :, :3],
                after_image=after if after.ndim == 2 else after[:, :, :3],
            )
        )
    _refuse_flat(checked)
    return checked


def _grow(bad: np.ndarray, radius: int) -> np.ndarray:
    """Pixels whose (2r+1)^2 window touches a ``bad`` pixel (a dilation by summed areas)."""
    if radius == 0 or not bad.any():
        return bad
    h, w = bad.shape
    table = np.zeros((h + 1, w + 1), np.int32)
    np.cumsum(np.cumsum(bad, axis=0, dtype=np.int32), axis=1, out=table[1:, 1:])
    k = 2 * radius + 1
    out = np.ones_like(bad)
    box = table[k:, k:] - table[:-k, k:] - table[k:, :-k] + table[:-k, :-k]
    out[radius : h - radius, radius : w - radius] = box > 0
    return out


def pixel_masks(
    pair: Pair, radius: int, margin: int, exclude_clipped: bool, counts: dict[str, int]
) -> list[np.ndarray]:
    """One mask of usable centre pixels per colour channel; adds left-out counts to ``counts``.

    Made once per pair and options (see ``Pair.masks_made``); do not change the masks.
    """
    key = (radius, margin, exclude_clipped)
    if key not in pair.masks_made:
        made = dict.fromkeys(REASONS, 0)
        pair.masks_made[key] = (_pixel_masks(pair, radius, margin, exclude_clipped, made), made)
    masks, made = pair.masks_made[key]
    for reason, count in made.items():
        counts[reason] += count
    return masks


def _pixel_masks(
    pair: Pair, radius: int, margin: int, exclude_clipped: bool, counts: dict[str, int]
) -> list[np.ndarray]:
    h, w = pair.shape
    inner = np.zeros((h, w), bool)
    if h > 2 * margin and w > 2 * margin:
        inner[margin : h - margin, margin : w - margin] = True
    n_inner = int(inner.sum())
    counts["border margin"] += (h * w - n_inner) * pair.channels

    shared_ok = inner
    alphas = [a for a in (pair.before_alpha, pair.after_alpha) if a is not None]
    if alphas:
        clear = np.zeros((h, w), bool)
        for a in alphas:
            clear |= a != (1.0 if a.dtype == np.float32 else range_max(a.dtype))
        shared_ok = inner & ~_grow(clear, radius)
        counts["transparent"] += (n_inner - int(shared_ok.sum())) * pair.channels

    masks = []
    for b, a in zip(pair.before, pair.after, strict=True):
        ok = shared_ok
        if b.dtype == np.float32 or a.dtype == np.float32:
            bad = _grow(~np.isfinite(b), radius) | ~np.isfinite(a)
            if bad.any():
                before_count = int(ok.sum())
                ok = ok & ~bad
                counts["not a number"] += before_count - int(ok.sum())
        if exclude_clipped and pair.may_clip:
            if pair.after_is_float:
                clipped = (a == 0.0) | (a == 1.0)
            else:
                clipped = (a == 0) | (a == pair.after_max)
            before_count = int(ok.sum())
            ok = ok & ~clipped
            counts["clipped"] += before_count - int(ok.sum())
        masks.append(ok)
    return masks


def left_out_map(pair: Pair, radius: int, margin: int, exclude_clipped: bool) -> np.ndarray:
    """``H x W`` bool: True where the fit left the pixel out (in any channel).

    The border margin, transparent pixels (and their neighbourhood), values that are not
    numbers and, with ``exclude_clipped``, pixels at the ends of the range in the after image.
    """
    masks = pixel_masks(pair, radius, margin, exclude_clipped, dict.fromkeys(REASONS, 0))
    used = masks[0].copy()
    for mask in masks[1:]:
        used &= mask
    return ~used


def _refuse_flat(pairs: list[Pair]) -> None:
    """A before image with every pixel the same says nothing about a filter's shape."""
    if all(_is_flat(pair.before_image) for pair in pairs):
        which = "before image is" if len(pairs) == 1 else "before images are"
        raise LearnError(
            f"the {which} flat (every pixel the same): any kernel with the right sum "
            f"reproduces it, so it carries no information about the filter; use an image "
            f"with detail"
        )


def _is_flat(image: np.ndarray) -> bool:
    planes = image.reshape(-1, 1) if image.ndim == 2 else image.reshape(-1, image.shape[-1])
    return bool(np.all(planes == planes[0]))
