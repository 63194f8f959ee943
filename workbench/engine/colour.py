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
encoded with no per-pixel power. 16-bit: a fine table of bins narrower than half the smallest
step between levels gives a first guess, and one comparison with each neighbouring threshold
(the linear value of level ``L - 0.5``) makes it exact, so the result is the level nearest in
encoded value, the same as rounding ``encode(l) * top``. 8-bit: one look-up of the level in
a table of 2**22 bins of the float32 bit patterns (see :func:`_level_table`), two numpy
passes; the result is the nearest level except for values within
:data:`ENCODE_8BIT_SLACK` (0.006) of a level of the half-way point between two levels,
which may get the other one: at most 0.506 of a level from the formula. That is about 1
value in 1000 of uniform noise, never one of an identity kernel's (a level decoded is far from
every threshold), and well inside the 1 level by which GEGL's own results are matched; the
exact three-pass version cost 1.6x the perceptual filter against the issue's 1.5x.

Luma uses the Rec. 709 coefficients of sRGB's primaries: ``Y = 0.2126 R + 0.7152 G +
0.0722 B`` (on the stored values in the perceptual space, on linear light in the linear one).
"""

from __future__ import annotations

import functools

import numpy as np

from workbench.engine.lookup import CHUNK_VALUES, Lookup

__all__ = [
    "ENCODE_8BIT_SLACK",
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


#: 8-bit encoding reads the level straight from a table indexed by a float32's bits
#: shifted right by this much: the upper 22 bits (sign, exponent and 13 mantissa bits), bins
#: 1/8192 of their value wide, so that a bin holds at most one level threshold (the
#: smallest relative step between sRGB levels in linear light is 0.94 %, near white).
_SHIFT = 10

#: How far beyond half a level an 8-bit result may be from the formula, at most: only
#: values in the bin of a threshold can be sent to the other of its two levels, and such a
#: bin spans at most twice this much of a level (checked when the table is made).
ENCODE_8BIT_SLACK = 0.006


@functools.cache
def _level_table() -> np.ndarray:
    """The 8-bit level of every bin of float32 bit patterns ``bits >> _SHIFT`` (4 MB).

    Each bin gets the level of its midpoint, the nearest level of the formula there. The
    table covers all bit patterns, so values below 0 (the sign bit set: level 0), above 1
    and +inf (255) and NaN (255, as clipping would give) need no clipping first.
    """
    edges = srgb_to_linear((np.arange(1, 256) - 0.5) / 255).astype(np.float32)
    size = 1 << (32 - _SHIFT)
    low = int(edges[:1].view(np.uint32)[0]) >> _SHIFT  # bins below it are all level 0
    high = (0x3F800000 >> _SHIFT) + 1  # and from 1.0's bin on they are all 255
    starts = np.arange(low, high + 1, dtype=np.uint32) << np.uint32(_SHIFT)
    middles = (starts[:-1] + np.uint32(1 << (_SHIFT - 1))).view(np.float32)
    table = np.zeros(size, np.uint8)
    table[low:high] = np.searchsorted(edges, middles, side="right")
    table[high : size // 2] = 255  # up to +inf (0x7F800000) and NaN (up to 0x7FFFFFFF)
    # Check the slack: a bin holding a threshold spans at most 2 * slack of a level.
    lo, hi = starts[:-1].view(np.float32), starts[1:].view(np.float32)
    held = np.searchsorted(edges, hi, side="left") - np.searchsorted(edges, lo, side="right")
    width = 255 * (linear_to_srgb(hi) - linear_to_srgb(lo))
    if held.max() > 1 or width[held > 0].max() > 2 * ENCODE_8BIT_SLACK:
        raise AssertionError("sRGB encoding bins too coarse")  # never: see _SHIFT
    table.flags.writeable = False
    return table


def _encode_8bit(values: np.ndarray, out: np.ndarray) -> None:
    """1-D contiguous float32 linear light to 8-bit levels (see :func:`_level_table`).

    Two numpy passes per piece and no clipping: a shift of the bits into ``intp`` indices,
    and one look-up. ``take`` would convert narrower indices to ``intp`` itself, in a pass
    of its own; the shift writes them in that type at no extra cost. Pieces of
    :data:`~workbench.engine.lookup.CHUNK_VALUES` keep the 8-byte indices in cache.
    """
    table = _level_table()
    bits = values.view(np.uint32)
    index = np.empty(min(bits.size, CHUNK_VALUES), np.intp)
    for start in range(0, bits.size, CHUNK_VALUES):
        part = index[: min(CHUNK_VALUES, bits.size - start)]
        np.right_shift(bits[start : start + part.size], _SHIFT, out=part, casting="unsafe")
        # mode="wrap" skips the bounds check: every shifted pattern is an index.
        np.take(table, part, out=out[start : start + part.size], mode="wrap")


def encode_to_integer(values: np.ndarray, dtype: np.dtype, out: np.ndarray | None = None):
    """Linear light (float32, 0..1) to the nearest sRGB level of ``dtype`` (uint8, uint16).

    Values below 0 give 0 and above 1 give full white. 16-bit results are the level whose
    decoded value range holds the input; 8-bit ones too, except within
    :data:`ENCODE_8BIT_SLACK` of a level of a range's end (see the module's docstring).
    ``values`` is not changed.
    """
    dtype = np.dtype(dtype)
    values = np.asarray(values, np.float32)
    if out is None:
        out = np.empty(values.shape, dtype)
    if dtype.itemsize == 1:
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
