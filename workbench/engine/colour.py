"""sRGB transfer functions (IEC 61966-2-1) and the luma of an RGB image.

Linear light: ``apply_kernel(..., space="linear")`` decodes the stored sRGB values to linear
light, filters, and encodes back, as GIMP/GEGL do. The formulas are the exact piecewise ones
of the standard (not a 2.2 power)::

    decode(v) = v / 12.92                       if v <= 0.04045
                ((v + 0.055) / 1.055) ** 2.4    otherwise
    encode(l) = 12.92 l                         if l <= 0.0031308
                1.055 l ** (1 / 2.4) - 0.055    otherwise

with ``v`` and ``l`` on a 0..1 scale. Values below 0 follow the straight segment and values
above 1 the power, so float results outside the range survive a round trip.

Integer images are decoded through a lookup table (256 or 65536 entries). Integer results are
encoded with no per-pixel power: a fine table of bins narrower than half the smallest step
between levels gives a first guess, and one comparison with each neighbouring threshold (the
linear value of level ``L - 0.5``) makes it exact, so the result is the level nearest in
encoded value (half a level), the same as rounding ``encode(l) * top``. For 8 bits the
bins are the upper halves of the float32 bit patterns and the comparison is a carry out of
the lower halves (see :func:`_bit_table`), so an image is encoded in three numpy passes.

Luma uses the Rec. 709 coefficients of sRGB's primaries: ``Y = 0.2126 R + 0.7152 G +
0.0722 B`` (on the stored values in the perceptual space, on linear light in the linear one).
"""

from __future__ import annotations

import functools
import sys

import numpy as np

from workbench.engine.lookup import Lookup

__all__ = [
    "LUMA_COEFFICIENTS",
    "decode",
    "decode_table",
    "decoder",
    "encode_float",
    "encode_to_integer",
    "linear_to_srgb",
    "luma",
    "srgb_to_linear",
]

#: Rec. 709 luma coefficients (R, G, B), the primaries of sRGB.
LUMA_COEFFICIENTS = (0.2126, 0.7152, 0.0722)


def srgb_to_linear(values: np.ndarray) -> np.ndarray:
    """sRGB-encoded values (0..1) to linear light (0..1), float64 exact formula."""
    v = np.asarray(values, np.float64)
    return np.where(v <= 0.04045, v / 12.92, ((np.maximum(v, 0.04045) + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(values: np.ndarray) -> np.ndarray:
    """Linear light (0..1) to sRGB-encoded values (0..1), float64 exact formula."""
    v = np.asarray(values, np.float64)
    return np.where(
        v <= 0.0031308, v * 12.92, 1.055 * np.maximum(v, 0.0031308) ** (1 / 2.4) - 0.055
    )


def decode_table(dtype: np.dtype) -> np.ndarray:
    """float32 linear light (0..1) of every level of uint8 or uint16, indexed by level."""
    return _decode_table(np.dtype(dtype).itemsize)


@functools.cache
def _decode_table(itemsize: int) -> np.ndarray:
    top = 2 ** (8 * itemsize) - 1
    table = srgb_to_linear(np.arange(top + 1) / top).astype(np.float32)
    table.flags.writeable = False
    return table


def decoder(dtype: np.dtype) -> Lookup:
    """The sRGB-to-linear :class:`Lookup` of uint8 or uint16 values, made once per dtype."""
    return _decoder(np.dtype(dtype).itemsize)


@functools.cache
def _decoder(itemsize: int) -> Lookup:
    return Lookup(_decode_table(itemsize))


def decode(values: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    """Linear light on a 0..1 scale (float32) of stored sRGB values.

    uint8 and uint16 go through a lookup table; float images are taken as sRGB-encoded on a
    0..1 scale and go through the formula (in float32).
    """
    values = np.asarray(values)
    if values.dtype.kind == "u":
        lookup = _decoder(values.dtype.itemsize)
        if out is None:
            return lookup(values)
        lookup.into(values, out)
        return out
    result = _piecewise_float32(values, 0.04045, 1 / 12.92, 1 / 1.055, 0.055 / 1.055, 2.4, 1.0, 0)
    if out is None:
        return result
    out[...] = result
    return out


def encode_float(values: np.ndarray) -> np.ndarray:
    """Linear light to sRGB-encoded values, both float32 on a 0..1 scale (the formula)."""
    return _piecewise_float32(values, 0.0031308, 12.92, 1.0, 0.0, 1 / 2.4, 1.055, -0.055)


def _piecewise_float32(values, knee, slope, scale, shift, power, gain, lift) -> np.ndarray:
    """``slope * v`` up to ``knee``, ``gain * (scale * v + shift) ** power + lift`` above.

    Both transfer functions of the standard have this form. In float32 throughout: the
    result is float32 anyway, numpy's float32 power is vectorised (about 5x faster than
    float64 here), and it keeps 1e-6 of the float64 formula. Only the values above the
    knee are raised to the power's argument range; the rest are overwritten.
    """
    v = np.asarray(values, np.float32)
    out = np.maximum(v, np.float32(knee))
    if scale != 1.0:
        out *= np.float32(scale)
    if shift:
        out += np.float32(shift)
    np.power(out, np.float32(power), out=out)
    if gain != 1.0:
        out *= np.float32(gain)
    if lift:
        out += np.float32(lift)
    np.copyto(out, v * np.float32(slope), where=v <= np.float32(knee))
    return out


@functools.cache
def _encode_tables(itemsize: int) -> tuple[int, np.ndarray, np.ndarray]:
    """``(bins, first guess per bin, thresholds)`` for encoding to an integer dtype.

    ``thresholds[L]`` is the linear value where level ``L`` begins (level ``L - 0.5``
    decoded); index 0 is -inf and index ``top + 1`` is +inf, so a guess can be corrected one
    level either way without a bounds check.
    """
    top = 2 ** (8 * itemsize) - 1
    edges = srgb_to_linear((np.arange(1, top + 1) - 0.5) / top)
    smallest_step = float(np.min(np.diff(np.concatenate([[0.0], edges]))))
    # Bins under half the smallest step: each holds at most one threshold, even when the
    # float32 product ``value * bins`` lands one bin off.
    bins = 1 << int(np.ceil(np.log2(2.0 / smallest_step)))
    starts = np.arange(bins) / bins
    guess = np.searchsorted(edges, starts, side="right").astype(np.int32)
    thresholds = np.concatenate([[-np.inf], edges, [np.inf]]).astype(np.float32)
    for table in (guess, thresholds):
        table.flags.writeable = False
    return bins, guess, thresholds


#: 8-bit encoding looks a float32's upper 16 bits up (sign, exponent and 7 mantissa bits):
#: a bin 1/128 of its value wide, under the smallest relative step between sRGB levels in
#: linear light (0.94 % near white), so it holds at most one level threshold; the lower 16
#: bits then say which side of it a value lies. The table covers all 65536 upper halves, so
#: values below 0 (sign bit set) and above 1 need no clipping first.
_UPPER = 1 << 16


@functools.cache
def _bit_table() -> np.ndarray:
    """Per upper half ``u`` of a float32's bits, a uint32 that its bits are added to.

    With ``level`` the 8-bit level at the start of the bin (the value ``u << 16``) and
    ``t`` the lower 16 bits of the level threshold inside the bin (if there is one),
    ``entry[u] = (level << 16) + (0x10000 - t) - (u << 16)`` modulo 2**32, so that
    ``(entry[u] + bits) >> 16`` is ``level + (lower 16 bits >= t)``: the carry out of the
    lower half is the comparison. Exact, because every bin holds at most one threshold
    (checked here), and one inside a bin is above its start, so ``t > 0``.
    """
    edges = srgb_to_linear((np.arange(1, 256) - 0.5) / 255).astype(np.float32)
    finite = 0x7F80  # upper halves of 0 .. +inf; 1.0 is 0x3F80
    bins = np.arange(finite + 1, dtype=np.uint32) << np.uint32(16)
    starts, ends = bins[:-1].view(np.float32), bins[1:].view(np.float32)
    first = np.searchsorted(edges, starts, side="right")  # thresholds at or below the start
    after = np.searchsorted(edges, ends, side="left")  # thresholds below the end
    if np.any(after - first > 1):
        raise AssertionError("sRGB encoding bins too coarse")  # never: see _UPPER
    level = np.zeros(_UPPER, np.int64)  # the sign bit set (below 0, -0.0): level 0
    level[:finite] = first
    level[finite:0x8000] = 255  # +inf and NaN: white, as clipping would give
    carry = np.zeros(_UPPER, np.int64)
    inside = np.flatnonzero(after > first)
    carry[inside] = 0x10000 - (edges[first[inside]].view(np.uint32) & np.uint32(0xFFFF))
    upper = np.arange(_UPPER, dtype=np.int64)
    table = (((level << 16) + carry - (upper << 16)) % (1 << 32)).astype(np.uint32)
    table.flags.writeable = False
    return table


def _encode_8bit(values: np.ndarray, out: np.ndarray) -> None:
    """1-D contiguous float32 linear light to 8-bit levels (see :func:`_bit_table`).

    Three passes and no clipping: a look-up per value, an add, a shift. (Cutting them into
    cache-sized pieces, or keeping the buffers between calls, measured no faster.)
    """
    upper = values.view(np.uint16)[1::2]  # little-endian: (lower, upper) halves
    # np.take, not table[index]: about twice as fast; mode="wrap" skips the bounds check
    # (every upper half is an index of the table).
    sums = np.take(_bit_table(), upper, mode="wrap")
    sums += values.view(np.uint32)
    np.right_shift(sums, 16, out=out, casting="unsafe")


def encode_to_integer(values: np.ndarray, dtype: np.dtype, out: np.ndarray | None = None):
    """Linear light (float32, 0..1) to the nearest sRGB level of ``dtype`` (uint8, uint16).

    Values below 0 give 0 and above 1 give full white. Exact to half a level: the result is
    the level whose decoded value range holds the input. ``values`` is not changed.
    """
    dtype = np.dtype(dtype)
    values = np.asarray(values, np.float32)
    if out is None:
        out = np.empty(values.shape, dtype)
    if dtype.itemsize == 1 and sys.byteorder == "little":
        target = out if out.flags.c_contiguous else np.empty(values.shape, dtype)
        _encode_8bit(np.ascontiguousarray(values).reshape(-1), target.reshape(-1))
        if target is not out:
            out[...] = target
        return out
    bins, guess, thresholds = _encode_tables(dtype.itemsize)
    top = 2 ** (8 * dtype.itemsize) - 1
    index = np.multiply(values, np.float32(bins))
    np.clip(index, 0, bins - 1, out=index)
    level = np.take(guess, index.astype(np.int32))
    del index
    level += values >= np.take(thresholds, level + 1)
    level -= values < np.take(thresholds, level)
    np.clip(level, 0, top, out=level)  # +inf is at or above the last threshold's +inf
    out[...] = level
    return out


def luma(planes: np.ndarray) -> np.ndarray:
    """Rec. 709 luma of the first three planes of ``H x W x C`` float values, ``H x W x 1``."""
    weights = np.zeros(planes.shape[2], np.float32)
    weights[:3] = LUMA_COEFFICIENTS
    # One matrix-vector product over the interleaved pixels, not three strided passes.
    return np.matmul(planes, weights)[:, :, None]
