"""Pixels as rows of the im2col matrix: where they come from, which are used, and how.

A *row* is one usable pixel: its window of before values (the layer's input) and its after
value (the target). Rows are grouped by the unknowns they share (one group for a shared
kernel, one per channel for per-channel kernels), sampled at random into training and
held-out rows, and gathered chunk by chunk so that no k*k copy of an image is ever made.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from workbench.engine.learn.layer import thin_product
from workbench.engine.learn.pairs import CLIP_LEVELS, LearnError, Pair
from workbench.engine.progress import Reporter

__all__ = [
    "Group",
    "GroupFit",
    "RowSource",
    "build_groups",
    "gather_rows",
    "gather_targets",
    "held_out",
    "kernel_layout",
    "kernel_offsets",
    "leave_out_clipped",
    "out_of_range",
    "sample_rows",
    "screen_clipped",
    "split_rows",
]


@dataclass
class GroupFit:
    """A group's kernel: ``weights`` (taps x outputs) and ``offset`` (outputs) in 0..255."""

    weights: np.ndarray
    offset: np.ndarray
    size: int
    ridge: float = 0.0
    size_errors: dict[int, float] = field(default_factory=dict)
    #: How well each weight is known (taps x outputs): half the difference between the
    #: kernels fitted on the two halves of the training rows (top and bottom of the
    #: images), or None when the solver does not measure it.
    uncertainty: np.ndarray | None = None


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
    #: Whether the after image can have been clipped (see ``Pair.may_clip``).
    may_clip: bool = True
    #: Where a row looks clipped (see ``Pair.clip_levels``).
    clip_levels: tuple[float, float, float, float] = CLIP_LEVELS


#: Pixels per chunk when sampling: the random numbers of one chunk are 4 MB of float32.
_SAMPLE_CHUNK = 1 << 20


def sample_rows(mask: np.ndarray, wanted: int, rng: np.random.Generator) -> np.ndarray:
    """Sorted flat indices of up to ``wanted`` pixels of ``mask`` (all of them if fewer).

    Large images are sampled without listing every usable pixel (that list alone would be
    100 MB for a 12-megapixel image): each usable pixel is kept with a probability a little
    above ``wanted / usable``, chunk by chunk, and the surplus is dropped at random. That is
    one pass over the mask (a set union of random draws was half a second for 0.2 MP).
    """
    usable = int(mask.sum())
    if usable <= wanted:
        return np.flatnonzero(mask)
    flat = mask.ravel()
    # A few standard deviations above the expected count, so one pass almost always does.
    keep = min(1.0, (wanted + 6.0 * np.sqrt(wanted) + 32.0) / usable)
    for _ in range(4):
        parts = []
        for start in range(0, flat.size, _SAMPLE_CHUNK):
            chunk = flat[start : start + _SAMPLE_CHUNK]
            draw = rng.random(chunk.size, dtype=np.float32) < np.float32(keep)
            draw &= chunk
            parts.append(np.flatnonzero(draw) + start)
        picked = np.concatenate(parts)
        if picked.size >= wanted:
            break
        keep = min(1.0, keep * 1.5)
    if picked.size > wanted:
        picked = np.sort(picked[rng.choice(picked.size, size=wanted, replace=False)])
    return picked


def gather_rows(
    source: RowSource, index: np.ndarray, size: int, out: np.ndarray | None = None
) -> np.ndarray:
    """im2col rows for the given centre pixels: ``len(index) x (C * size * size)`` float64.

    Values are on the 0..255 scale. With ``out`` given (it may have more columns, such as
    one for the bias), the taps are written into its first columns.
    """
    width = source.inputs[0].shape[1]
    r = size // 2
    taps = size * size
    if out is None:
        out = np.empty((index.size, taps * len(source.inputs)))
    # The window's top-left pixel; every window lies inside the image (the border margin
    # is at least the kernel's radius).
    top, left = np.divmod(index, width)
    top -= r
    left -= r
    for c, plane in enumerate(source.inputs):
        # One fancy index of the plane's 2-D sliding windows copies each row's whole
        # window: 3x faster than a sliding window over the flat plane read once per
        # kernel row (15x15 on a 12-megapixel plane, 8-bit and float32 alike).
        windows = sliding_window_view(plane, (size, size))[top, left]
        out[:, c * taps : (c + 1) * taps] = windows.reshape(index.size, taps)
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

    @cached_property
    def usable(self) -> int:
        """Usable rows (pixels)."""
        return sum(int(s.mask.sum()) for s in self.sources)

    @cached_property
    def usable_values(self) -> int:
        """Usable pixel values: rows times the values each stands for, times outputs."""
        return sum(int(s.mask.sum()) * s.values for s in self.sources) * self.outputs


def build_groups(pairs: list[Pair], masks: list[list[np.ndarray]], mode: str) -> list[Group]:
    """Arrange the pairs' planes into groups of rows for ``mode``.

    ``shared``: one group, one 1-in, 1-out kernel, fitted on luma for RGB pairs (see
    :func:`_luma_source`). ``per-channel``: one group per channel. ``color``: one group
    reading all channels and writing all of them (a pixel is used where no channel was
    left out). A gray pair has a single group whatever the mode.
    """
    groups = _arrange(pairs, masks, mode)
    by_index = {p.index: p for p in pairs}
    for group in groups:
        for source in group.sources:
            source.may_clip = by_index[source.pair].may_clip
            source.clip_levels = by_index[source.pair].clip_levels
    return groups


def _arrange(pairs: list[Pair], masks: list[list[np.ndarray]], mode: str) -> list[Group]:
    n = pairs[0].channels

    def channel(p: Pair, m: list[np.ndarray], c: int) -> RowSource:
        return RowSource(p.index, [p.before[c]], p.before_scale, [p.after[c]], p.after_scale, m[c])

    both = list(zip(pairs, masks, strict=True))
    if n == 1:
        return [Group([channel(p, m, 0) for p, m in both], 1, 1)]
    if mode == "shared":
        return [Group([_luma_source(p, m) for p, m in both], 1, 1)]
    if mode == "per-channel":
        return [Group([channel(p, m, c) for p, m in both], 1, 1) for c in range(n)]
    sources = [
        RowSource(
            p.index, p.before, p.before_scale, p.after, p.after_scale, np.logical_and.reduce(m)
        )
        for p, m in both
    ]
    return [Group(sources, n, n)]


#: BT.601 luma weights, as JPEG uses: luma is kept at full resolution, colour is not.
LUMA = (0.299, 0.587, 0.114)


#: Values of luma made per step: the product buffer, reused, stays in the core's cache
#: instead of being a second fresh plane (first touches of a new 48 MB buffer measured
#: 140 ms here, the products themselves 8 ms).
_LUMA_BLOCK = 1 << 18


def _luma(planes: list[np.ndarray], scale: float) -> np.ndarray:
    weights = [np.float32(weight * scale) for weight in LUMA]
    out = np.empty(planes[0].shape, np.float32)
    flat_out = out.reshape(-1)
    flats = [plane.reshape(-1) for plane in planes]  # contiguous planes: views
    product = np.empty(min(_LUMA_BLOCK, flat_out.size), np.float32)
    for start in range(0, flat_out.size, _LUMA_BLOCK):
        part = slice(start, start + _LUMA_BLOCK)
        dest = flat_out[part]
        # Each product straight into float32 (no converted copy of the plane first).
        np.multiply(flats[0][part], weights[0], out=dest, dtype=np.float32)
        tmp = product[: dest.size]
        for flat, weight in zip(flats[1:], weights[1:], strict=True):
            dest += np.multiply(flat[part], weight, out=tmp, dtype=np.float32)
    return out


def _luma_source(pair: Pair, masks: list[np.ndarray]) -> RowSource:
    """Rows of an RGB pair's luma, for a shared kernel.

    A shared kernel acts on luma exactly as on each channel (it is linear, and the luma
    weights sum to 1, so the offset carries over). Luma is what JPEG keeps at full
    resolution, while it usually halves colour, which would otherwise pass for blur.
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
    if not source.may_clip:
        return out
    low_pred, low_after, high_pred, high_after = source.clip_levels
    for part in source.parts or [source]:
        for start in range(0, index.size, 65536):
            rows = index[start : start + 65536]
            pred = thin_product(gather_rows(part, rows, size), weights) + offset
            after = gather_targets(part, rows)
            low = (pred < low_pred) & (after < low_after)
            high = (pred > high_pred) & (after > high_after)
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


def leave_out_clipped(
    groups: list[Group], fits: list[GroupFit], counts: dict[str, int], reporter: Reporter
) -> bool:
    """Drop rows a first fit shows were clipped, if there are enough to matter.

    Adds the (estimated, whole-image) count to ``counts["clipped"]``; returns whether any
    rows were dropped, i.e. whether the fit should be made again.
    """
    pairs = list(zip(groups, fits, strict=True))
    held = sum(s.hold.size for g in groups for s in g.sources)
    suspects = sum(out_of_range(g, f.weights, f.offset, f.size) for g, f in pairs)
    if suspects <= max(2, 5e-4 * held):  # a handful cannot sway the fit; save a pass
        return False
    for group, fit in pairs:
        sampled = sum(s.train.size + s.hold.size for s in group.sources)
        dropped = screen_clipped(group, fit.weights, fit.offset, fit.size)
        # Only sampled rows were screened: scale up to the whole image for the report.
        counts["clipped"] += round(dropped * group.usable_values / max(sampled, 1))
        left = sum(s.train.size for s in group.sources)
        if left < 4 * (fit.weights.shape[0] + 1):
            raise LearnError(
                f"only {left} pixels are left once clipped ones (pure black or white in the "
                f"after image) are left out: use a pair with less clipping"
            )
        reporter.check()
    return True


def kernel_layout(groups: list[Group], size: int, channels: int, mode: str) -> Callable:
    """A function arranging the groups' weights (taps x outputs) as the kernel's weights."""

    def arrange(weights: list[np.ndarray]) -> np.ndarray:
        if channels == 1 or mode == "shared":
            return weights[0][:, 0].reshape(size, size).copy()
        if mode == "per-channel":
            out = np.zeros((channels, channels, size, size))
            for c, w in enumerate(weights):
                out[c, c] = w[:, 0].reshape(size, size)
            return out
        return weights[0].T.reshape(channels, channels, size, size).copy()

    return arrange


def kernel_offsets(fits: list[GroupFit], channels: int, mode: str) -> float | tuple[float, ...]:
    """The groups' offsets as the kernel's: one number, or one per channel."""
    if channels == 1 or mode == "shared":
        return float(fits[0].offset[0])
    if mode == "per-channel":
        return tuple(float(f.offset[0]) for f in fits)
    return tuple(float(v) for v in fits[0].offset)
