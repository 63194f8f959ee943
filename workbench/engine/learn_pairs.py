"""Before/after pairs made ready for learning: checked, masked, and sampled into rows.

Real pairs are messy, so not every pixel is evidence. A pixel's after value is used only if

* it is far enough from the edge that the other program's (unknown) border handling cannot
  have touched it: the *border margin*;
* its whole window is opaque in RGBA images (colour under transparency is filtered with alpha
  weighting, which is not a plain convolution): *transparent*;
* its window and value are finite numbers (float images): *not a number*;
* the after value is not at the end of the range (0 or full white), where the other program
  clipped and the true result is unknown: *clipped*.

Every value is brought to the 0..255 scale, the scale of a kernel's offset, so 8-bit, 16-bit
and float images (even mixed in one pair) give the same kernel.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from workbench.engine.convolve import range_max

__all__ = ["LearnError", "Pair", "RowSource", "check_pairs", "gather_rows", "sample_rows"]

#: Reasons for leaving pixels out, in the order they are counted (each value once).
REASONS = ("border margin", "transparent", "not a number", "clipped")

_LAYOUT = {1: "gray", 3: "RGB", 4: "RGBA"}


class LearnError(ValueError):
    """The pairs cannot be learned from, or the options do not fit them; the message says why."""


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

    @property
    def shape(self) -> tuple[int, int]:
        return self.before[0].shape

    @property
    def channels(self) -> int:
        return len(self.before)


@dataclass
class RowSource:
    """Rows from one pair: windows of ``inputs`` centred on ``mask`` pixels, ``targets`` there."""

    pair: int
    inputs: list[np.ndarray]
    in_scale: float
    targets: list[np.ndarray]
    out_scale: float
    mask: np.ndarray
    train: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    hold: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    #: For a luma source, the colour channels it was made from (each a one-channel source),
    #: so clipping can be judged channel by channel.
    parts: list[RowSource] = field(default_factory=list)
    #: Pixel values each row stands for (3 for a luma row of an RGB pair).
    values: int = 1


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


def check_pairs(pairs: Sequence[Any]) -> list[Pair]:
    """Check the pairs and split them into colour planes; raise :class:`LearnError` if unusable."""
    if isinstance(pairs, (str, bytes, np.ndarray)) or not isinstance(pairs, Sequence):
        raise LearnError("give the pairs as a list of (before, after) image arrays")
    if not pairs:
        raise LearnError("give at least one (before, after) pair of images")
    checked: list[Pair] = []
    for i, pair in enumerate(pairs, start=1):
        if isinstance(pair, np.ndarray) or not isinstance(pair, Sequence) or len(pair) != 2:
            raise LearnError(f"pair {i} must be two images: (before, after)")
        before = _as_image(pair[0], f"pair {i} before image")
        after = _as_image(pair[1], f"pair {i} after image")
        if before.shape[:2] != after.shape[:2]:
            (bh, bw), (ah, aw) = before.shape[:2], after.shape[:2]
            raise LearnError(
                f"pair {i}: the before image is {bw} x {bh} pixels but the after image is "
                f"{aw} x {ah}: they must be the same size (the same picture, not resized or "
                f"cropped)"
            )
        colour_b = 1 if before.ndim == 2 else min(before.shape[2], 3)
        colour_a = 1 if after.ndim == 2 else min(after.shape[2], 3)
        if colour_b != colour_a:
            raise LearnError(
                f"pair {i}: the before image is {_layout(before)} but the after image is "
                f"{_layout(after)}: save both in the same colour mode"
            )
        if checked and checked[0].channels != colour_b:
            raise LearnError(
                f"pair {i} is {_layout(before)} but pair 1 is {_layout(pairs[0][0])}: all "
                f"pairs must have the same colour mode"
            )
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
            )
        )
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
    """One mask of usable centre pixels per colour channel; adds left-out counts to ``counts``."""
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
        if exclude_clipped:
            if pair.after_is_float:
                clipped = (a == 0.0) | (a == 1.0)
            else:
                clipped = (a == 0) | (a == pair.after_max)
            before_count = int(ok.sum())
            ok = ok & ~clipped
            counts["clipped"] += before_count - int(ok.sum())
        masks.append(ok)
    return masks


def sample_rows(mask: np.ndarray, wanted: int, rng: np.random.Generator) -> np.ndarray:
    """Sorted flat indices of up to ``wanted`` pixels of ``mask`` (all of them if fewer).

    Large images are sampled without listing every usable pixel (that list alone would be
    100 MB for a 12-megapixel image): random positions are drawn and kept if usable.
    """
    total = mask.size
    usable = int(mask.sum())
    if usable <= wanted:
        return np.flatnonzero(mask)
    flat = mask.ravel()
    picked = np.empty(0, np.int64)
    need = wanted
    for _ in range(20):
        draw = rng.integers(0, total, size=int(need * total / usable * 1.1) + 64)
        draw = draw[flat[draw]]
        picked = np.union1d(picked, draw)
        if picked.size >= wanted:
            break
        need = wanted - picked.size
    if picked.size > wanted:
        picked = np.sort(rng.choice(picked, size=wanted, replace=False))
    return picked


def gather_rows(
    source: RowSource, index: np.ndarray, size: int, out: np.ndarray | None = None
) -> np.ndarray:
    """im2col rows for the given centre pixels: ``len(index) x (C * size * size)`` float64.

    Values are on the 0..255 scale. With ``out`` given (at least as
    many columns, e.g. a spare one for the bias), the taps are written into its first columns.
    """
    width = source.inputs[0].shape[1]
    r = size // 2
    taps = size * size
    if out is None:
        out = np.empty((index.size, taps * len(source.inputs)))
    for c, plane in enumerate(source.inputs):
        # Each kernel row's taps are consecutive in memory: copying them as runs (rows of a
        # sliding window over the flat plane) is several times faster than tap by tap.
        runs = sliding_window_view(plane.ravel(), size)
        for j in range(size):
            start = c * taps + j * size
            out[:, start : start + size] = runs[index + ((j - r) * width - r)]
        if source.in_scale != 1.0:
            out[:, c * taps : (c + 1) * taps] *= source.in_scale
    return out


def gather_targets(source: RowSource, index: np.ndarray) -> np.ndarray:
    """After values at the given pixels: ``len(index) x outputs`` float64, 0..255 scale."""
    out = np.empty((index.size, len(source.targets)))
    for c, plane in enumerate(source.targets):
        out[:, c] = plane.ravel()[index]
    if source.out_scale != 1.0:
        out *= source.out_scale
    return out


@dataclass
class Group:
    """Rows that share one set of unknowns: one kernel (and bias) per output channel."""

    sources: list[RowSource]
    in_channels: int
    outputs: int
    channels: tuple[int, ...]  # the image channels this group's outputs are

    @property
    def usable(self) -> int:
        """Usable rows (pixels)."""
        return sum(int(s.mask.sum()) for s in self.sources)

    @property
    def usable_values(self) -> int:
        """Usable pixel values: rows times the values each stands for, times outputs."""
        return sum(int(s.mask.sum()) * s.values for s in self.sources) * self.outputs


def build_groups(pairs: list[Pair], masks: list[list[np.ndarray]], mode: str) -> list[Group]:
    """Arrange the pairs' planes into groups of rows for ``mode``.

    ``shared``: one group; every channel of every pair adds rows to the same 1-in, 1-out
    kernel. ``per-channel``: one group per channel. ``color``: one group reading all
    channels and writing all of them (a pixel is used where no channel left it out).
    """
    n = pairs[0].channels
    if n == 1 or (mode == "shared" and n != 3):
        sources = [
            RowSource(p.index, [p.before[c]], p.before_scale, [p.after[c]], p.after_scale, m[c])
            for p, m in zip(pairs, masks, strict=True)
            for c in range(n)
        ]
        return [Group(sources, 1, 1, tuple(range(n)))]
    if mode == "shared":
        return [
            Group([_luma_source(p, m) for p, m in zip(pairs, masks, strict=True)], 1, 1, (0, 1, 2))
        ]
    if mode == "per-channel":
        return [
            Group(
                [
                    RowSource(
                        p.index, [p.before[c]], p.before_scale, [p.after[c]], p.after_scale, m[c]
                    )
                    for p, m in zip(pairs, masks, strict=True)
                ],
                1,
                1,
                (c,),
            )
            for c in range(n)
        ]
    sources = []
    for p, m in zip(pairs, masks, strict=True):
        both = np.logical_and.reduce(m)
        sources.append(RowSource(p.index, p.before, p.before_scale, p.after, p.after_scale, both))
    return [Group(sources, n, n, tuple(range(n)))]


#: BT.601 luma weights, as JPEG uses: luma is kept at full resolution, colour is not.
LUMA = (0.299, 0.587, 0.114)


def _luma(planes: list[np.ndarray], scale: float) -> np.ndarray:
    out = np.zeros(planes[0].shape, np.float32)
    for plane, weight in zip(planes, LUMA, strict=True):
        out += plane.astype(np.float32) * np.float32(weight * scale)
    return out


def _luma_source(pair: Pair, masks: list[np.ndarray]) -> RowSource:
    """Rows of an RGB pair's luma, for a shared kernel.

    A shared kernel acts on luma exactly as on each channel (it is linear, and the luma
    weights sum to 1, so the offset carries over). Luma is what JPEG keeps at full
    resolution; its colour channels are halved in size, which would otherwise pass for blur.
    """
    parts = [
        RowSource(
            pair.index,
            [pair.before[c]],
            pair.before_scale,
            [pair.after[c]],
            pair.after_scale,
            masks[c],
        )
        for c in range(3)
    ]
    return RowSource(
        pair.index,
        [_luma(pair.before, pair.before_scale)],
        1.0,
        [_luma(pair.after, pair.after_scale)],
        1.0,
        np.logical_and.reduce(masks),
        parts=parts,
        values=3,
    )


def split_rows(
    group: Group,
    train_budget: int,
    hold_fraction: float,
    hold_cap: int,
    rng: np.random.Generator,
) -> None:
    """Choose each source's training and held-out pixels (at random, in proportion)."""
    usable = group.usable
    if usable == 0:
        return
    n_hold = min(round(usable * hold_fraction), hold_cap)
    n_train = min(usable - n_hold, train_budget)
    for source in group.sources:
        share = int(source.mask.sum()) / usable
        want_hold = int(np.ceil(n_hold * share))
        want_train = int(np.ceil(n_train * share))
        index = sample_rows(source.mask, want_train + want_hold, rng)
        held = np.zeros(index.size, bool)
        held[rng.choice(index.size, size=min(want_hold, index.size), replace=False)] = True
        source.hold = index[held]
        source.train = index[~held]


def held_out(
    group: Group, size: int, *, by_channel: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The group's held-out rows: columns with a trailing 1 for the bias, targets, pair numbers.

    With ``by_channel``, a luma source gives its colour channels' rows instead, so errors
    are measured on the pixel values themselves.
    """
    rows = [
        (part, s.hold)
        for s in group.sources
        for part in (s.parts if by_channel and s.parts else [s])
    ]
    taps = group.in_channels * size * size
    n = sum(index.size for _, index in rows)
    x = np.empty((n, taps + 1))
    y = np.empty((n, group.outputs))
    pair = np.empty(n, np.int32)
    start = 0
    for source, index in rows:
        stop = start + index.size
        gather_rows(source, index, size, out=x[start:stop])
        y[start:stop] = gather_targets(source, index)
        pair[start:stop] = source.pair
        start = stop
    x[:, -1] = 1.0
    return x, y, pair


def _beyond_range(
    source: RowSource, index: np.ndarray, size: int, weights: np.ndarray, offset: np.ndarray
) -> np.ndarray:
    """Rows predicted beyond the range (by over a grey level) with an after value near that
    end: where the other program clipped, even if JPEG then moved the value off the end."""
    out = np.zeros(index.size, bool)
    for part in source.parts or [source]:
        for start in range(0, index.size, 65536):
            rows = index[start : start + 65536]
            pred = gather_rows(part, rows, size) @ weights + offset
            after = gather_targets(part, rows)
            low = (pred < 1.0) & (after < 16.0)
            high = (pred > 254.0) & (after > 239.0)
            out[start : start + rows.size] |= np.any(low | high, axis=1)
    return out


def screen_clipped(group: Group, weights: np.ndarray, offset: np.ndarray, size: int) -> int:
    """Drop the rows a first fit shows were clipped (see ``_beyond_range``); count them."""
    dropped = 0
    for source in group.sources:
        for name in ("train", "hold"):
            index = getattr(source, name)
            clipped = _beyond_range(source, index, size, weights, offset)
            dropped += int(clipped.sum())
            setattr(source, name, index[~clipped])
    return dropped


def out_of_range(group: Group, weights: np.ndarray, offset: np.ndarray, size: int) -> int:
    """How many held-out rows look clipped to a first fit (see ``_beyond_range``)."""
    return sum(int(_beyond_range(s, s.hold, size, weights, offset).sum()) for s in group.sources)
