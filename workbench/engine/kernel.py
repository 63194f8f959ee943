"""The :class:`Kernel` value object: weights plus a few named parameters.

A kernel is immutable, like Pillow's ``ImageFilter.Kernel``: it is validated once in the
constructor and every change (normalise, rotate, resize...) returns a new kernel.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

import numpy as np

from workbench.engine.border import check_border
from workbench.engine.option_names import OUT_RANGES, SPACES

__all__ = ["MAX_KERNEL_SIZE", "OUT_RANGES", "SPACES", "Kernel", "KernelError"]


#: Largest kernel height or width, in taps.
MAX_KERNEL_SIZE = 63

#: Weights beyond this magnitude are refused: they can only be a typing slip, and their
#: products would overflow float32 accumulation on 16-bit images.
MAX_ABS_WEIGHT = 1e12

#: Offsets beyond this magnitude are refused for the same reason (0..255 scale).
MAX_ABS_OFFSET = 1e12


class KernelError(ValueError):
    """A kernel's weights or parameters are not usable; the message says why."""


def _refuse_non_numbers(values: Any, what: str) -> None:
    """Refuse text and true/false among ``values`` (nested lists): numpy would take them."""
    level = [values]
    while level:
        nested = []
        for item in level:
            if isinstance(item, (str, bytes)):
                raise KernelError(f"{what} must be numbers, not text ({item!r})")
            if isinstance(item, (bool, np.bool_)):
                raise KernelError(f"{what} must be numbers, not true/false")
            if isinstance(item, (list, tuple)):
                nested.extend(item)
        level = nested


def _real_number(value: Any, what: str) -> float:
    """``value`` as a finite float, refusing text, true/false and numbers beyond a float."""
    if isinstance(value, (str, bytes, bool, np.bool_)):
        raise KernelError(f"{what} must be a number, got {value!r}")
    try:
        number = float(value)
    except OverflowError:
        raise KernelError(f"{what} is far too large") from None
    except (TypeError, ValueError) as exc:
        raise KernelError(f"{what} must be a number, got {value!r}") from exc
    if not np.isfinite(number):
        raise KernelError(f"{what} is NaN or infinite")
    return number


def _shown_text(value: Any) -> str:
    """``str(value)`` with lone surrogates (from a file name not in UTF-8) made visible.

    They cannot be shown by Qt nor written as UTF-8: a name like that would fail far from
    where it came in.
    """
    text = str(value)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "surrogateescape" if _escaped(text) else "replace")
        text = text.decode("utf-8", "replace")
    return text


def _escaped(text: str) -> bool:
    """Whether every lone surrogate is one ``os.fsdecode`` makes for an undecodable byte."""
    return all(not 0xD800 <= ord(c) <= 0xDFFF or 0xDC80 <= ord(c) <= 0xDCFF for c in text)


def _offset_value(value: Any) -> float:
    number = _real_number(value, "offset")
    if abs(number) > MAX_ABS_OFFSET:
        raise KernelError(
            f"offset {number:g} is too large (over {MAX_ABS_OFFSET:g} in size; it is on the "
            f"0..255 scale)"
        )
    return number


def _as_weights(weights: Any) -> np.ndarray:
    if isinstance(weights, Kernel):
        return weights.weights
    if isinstance(weights, np.ndarray):
        arr = weights
    else:
        if isinstance(weights, (str, bytes)):
            raise KernelError("kernel weights must be numbers, not text")
        _refuse_non_numbers(weights, "kernel weights")
        try:
            arr = np.asarray(weights, dtype=float)
        except OverflowError:
            raise KernelError(
                f"kernel weights are too large (over {MAX_ABS_WEIGHT:g} in size)"
            ) from None
        except (ValueError, TypeError) as exc:
            if _is_ragged(weights):
                raise KernelError("kernel rows have different lengths (ragged weights)") from exc
            raise KernelError(f"kernel weights must be numbers ({exc})") from exc
    if arr.dtype == object:
        raise KernelError("kernel rows have different lengths (ragged weights)")
    if arr.dtype.kind not in "biuf":
        raise KernelError(f"kernel weights must be real numbers, not {arr.dtype}")
    return arr


def _is_ragged(weights: Any) -> bool:
    try:
        lengths = {len(row) for row in weights}
    except TypeError:
        return False
    return len(lengths) > 1


class Kernel:
    """A convolution kernel: weights, divisor, offset and border mode, plus a name.

    Applying it computes, for every output pixel, ``sum(weights * pixels) / divisor + offset``
    with the kernel's centre on that pixel and no flip (correlation, as GIMP's Convolution
    Matrix, Photoshop's Custom filter and OpenCV's ``filter2D`` do).

    Parameters
    ----------
    weights : array-like
        A ``kh x kw`` grid of numbers, both odd, from 1 to 63. A colour kernel, which mixes
        channels, is ``out x in x kh x kw``: output channel ``o`` is the sum over input
        channels ``i`` of ``weights[o, i]`` correlated with channel ``i``.
    divisor : float, default 1
        The weighted sum is divided by this. Must be finite and non-zero.
    offset : float or sequence of float, default 0
        Added after dividing, on the 0..255 scale (scaled to the image's range for 16-bit and
        float images). A colour kernel may give one offset per output channel.
    border : str, default "reflect"
        How pixels beyond the image edge are made up: one of ``reflect``, ``mirror``,
        ``nearest``, ``wrap``, ``constant``.
    space : str, default "perceptual"
        ``perceptual`` filters the stored (sRGB-encoded) values, as Photoshop, ImageJ and
        OpenCV do; ``linear`` filters in linear light, as GIMP does.
    luminance : bool, default False
        Filter the luma of an RGB image only and add its change to R, G and B alike.
    out_range : str, default "clip"
        ``clip``, ``abs``, ``stretch`` or ``float``: see :func:`~workbench.engine.apply_kernel`.
    name, category, description : str
        Shown in the library.
    channels : str, optional
        Which channels the filter changes by default, as letters from ``RGBA`` (``"RGB"``,
        ``"G"``, ``"RGBA"``...); the others are copied. ``None``: the colour channels, alpha
        kept. GIMP presets carry this as their red/green/blue/alpha flags.
    alpha_weighting : bool, default True
        With alpha, weight colour by alpha (see :func:`~workbench.engine.apply_kernel`).
    cval : float, default 0
        Value outside the image for the ``constant`` border, on the 0..255 scale like the
        offset (255 is full white: GIMP's "white" border).
    extra : mapping, optional
        Keys of a kernel file that the program does not use; kept so that a save writes them
        back.

    Raises
    ------
    KernelError
        If the weights are empty, ragged, of even or too large a size, not finite, absurdly
        large, or the divisor is zero, or the border mode, space or range is unknown.

    Examples
    --------
    >>> k = Kernel([[1, 2, 1], [2, 4, 2], [1, 2, 1]], divisor=16, name="Gaussian blur 3x3")
    >>> k.shape
    (3, 3)
    """

    __slots__ = (
        "_alpha_weighting",
        "_border",
        "_category",
        "_channels",
        "_cval",
        "_description",
        "_divisor",
        "_extra",
        "_luminance",
        "_name",
        "_offset",
        "_out_range",
        "_space",
        "_weights",
    )

    def __init__(
        self,
        weights: Any,
        *,
        divisor: float = 1.0,
        offset: float | Sequence[float] = 0.0,
        border: str = "reflect",
        name: str = "",
        category: str = "",
        description: str = "",
        channels: str | None = None,
        alpha_weighting: bool = True,
        cval: float = 0.0,
        space: str = "perceptual",
        luminance: bool = False,
        out_range: str = "clip",
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        arr = _as_weights(weights)
        if arr.size == 0:
            raise KernelError("kernel is empty: it needs at least one weight")
        if arr.ndim not in (2, 4):
            raise KernelError(
                f"kernel weights must be a 2-D grid (or out x in x h x w for a colour kernel), "
                f"got {arr.ndim} dimension(s)"
            )
        kh, kw = arr.shape[-2:]
        for label, n in (("height", kh), ("width", kw)):
            if n > MAX_KERNEL_SIZE:
                raise KernelError(
                    f"kernel {label} {n} is too large: the largest is {MAX_KERNEL_SIZE}"
                )
            if n % 2 == 0:
                raise KernelError(f"kernel {label} {n} is even: it must be odd so it has a centre")
        arr = np.array(arr, dtype=np.float64)  # own copy
        if not np.all(np.isfinite(arr)):
            raise KernelError("kernel weights contain NaN or infinity")
        if np.max(np.abs(arr)) > MAX_ABS_WEIGHT:
            raise KernelError(f"kernel weights are too large (over {MAX_ABS_WEIGHT:g} in size)")
        arr.flags.writeable = False
        self._weights = arr

        divisor = _real_number(divisor, "divisor")
        if divisor == 0:
            raise KernelError("divisor is 0: use 1 to leave the sum as it is")
        # A tiny divisor makes the effective weights overflow float32 as surely as a huge
        # weight does, so the same limit applies to weights / divisor.
        if np.max(np.abs(arr)) / abs(divisor) > MAX_ABS_WEIGHT:
            raise KernelError(
                f"divisor {divisor:g} is too small for these weights: weights / divisor "
                f"would be over {MAX_ABS_WEIGHT:g}"
            )
        self._divisor = divisor

        self._offset = self._check_offset(offset, arr)
        self._border = check_border(border, error=KernelError)
        self._name = _shown_text(name)
        self._category = _shown_text(category)
        self._description = _shown_text(description)
        self._channels = self._check_channels(channels)
        if not isinstance(alpha_weighting, (bool, np.bool_)):
            raise KernelError(f"alpha_weighting must be true or false, got {alpha_weighting!r}")
        self._alpha_weighting = bool(alpha_weighting)
        try:
            self._cval = float(cval)
        except (TypeError, ValueError) as exc:
            raise KernelError(f"cval (the constant border value) must be a number: {exc}") from None
        if not np.isfinite(self._cval):
            raise KernelError("cval (the constant border value) is NaN or infinite")
        if space not in SPACES:
            raise KernelError(f"unknown space {space!r}: choose perceptual or linear")
        self._space = str(space)
        if out_range not in OUT_RANGES:
            raise KernelError(f"unknown out_range {out_range!r}: choose {', '.join(OUT_RANGES)}")
        self._out_range = str(out_range)
        if not isinstance(luminance, (bool, np.bool_)):
            raise KernelError(f"luminance must be true or false, got {luminance!r}")
        if luminance and arr.ndim == 4:
            raise KernelError("a colour kernel mixes channels: 'luminance only' does not apply")
        self._luminance = bool(luminance)
        self._extra = MappingProxyType(dict(extra or {}))

    @staticmethod
    def _check_channels(channels: Any) -> str | None:
        if channels is None:
            return None
        if not isinstance(channels, str):
            raise KernelError(f"channels must be letters such as 'RGB', got {channels!r}")
        letters = channels.upper()
        bad = set(letters) - set("RGBA")
        if bad:
            raise KernelError(f"unknown channel letter(s) {''.join(sorted(bad))!r}: use R, G, B, A")
        return "".join(c for c in "RGBA" if c in letters)

    @staticmethod
    def _check_offset(offset: Any, arr: np.ndarray) -> float | tuple[float, ...]:
        if isinstance(offset, (str, bytes)) or np.ndim(offset) == 0:
            return _offset_value(offset)
        if arr.ndim != 4:
            raise KernelError("a list of offsets (one per channel) needs a colour kernel")
        _refuse_non_numbers(offset, "offsets")
        try:
            numbers = np.asarray(offset, dtype=float).ravel()
        except OverflowError:
            raise KernelError(f"offset is too large (over {MAX_ABS_OFFSET:g} in size)") from None
        except (TypeError, ValueError) as exc:
            raise KernelError(f"offsets must be numbers, got {offset!r}") from exc
        values = tuple(_offset_value(v) for v in numbers)
        if len(values) != arr.shape[0]:
            raise KernelError(
                f"{len(values)} offsets given for a colour kernel with {arr.shape[0]} outputs"
            )
        return values

    # -- read-only attributes -----------------------------------------------------------
    @property
    def weights(self) -> np.ndarray:
        """The weights as a read-only float64 array (``kh x kw`` or ``out x in x kh x kw``)."""
        return self._weights

    @property
    def divisor(self) -> float:
        return self._divisor

    @property
    def offset(self) -> float | tuple[float, ...]:
        return self._offset

    @property
    def border(self) -> str:
        return self._border

    @property
    def name(self) -> str:
        return self._name

    @property
    def category(self) -> str:
        return self._category

    @property
    def description(self) -> str:
        return self._description

    @property
    def channels(self) -> str | None:
        """Channels filtered by default (letters from ``RGBA``), or None for colour only."""
        return self._channels

    @property
    def alpha_weighting(self) -> bool:
        return self._alpha_weighting

    @property
    def cval(self) -> float:
        """The constant border's value on the 0..255 scale."""
        return self._cval

    @property
    def space(self) -> str:
        """``perceptual`` (the stored values) or ``linear`` (linear light)."""
        return self._space

    @property
    def luminance(self) -> bool:
        """Whether only the luma of an RGB image is filtered."""
        return self._luminance

    @property
    def out_range(self) -> str:
        """``clip``, ``abs``, ``stretch`` or ``float``."""
        return self._out_range

    @property
    def extra(self) -> Mapping[str, Any]:
        return self._extra

    @property
    def shape(self) -> tuple[int, int]:
        """``(height, width)`` of the kernel in taps."""
        kh, kw = self._weights.shape[-2:]
        return int(kh), int(kw)

    @property
    def is_color(self) -> bool:
        """True for a colour kernel (``out x in x kh x kw``), which mixes channels."""
        return self._weights.ndim == 4

    @property
    def total(self) -> float:
        """Sum of the weights (of a plain kernel; of all taps for a colour kernel)."""
        return float(self._weights.sum())

    def effective_weights(self) -> np.ndarray:
        """Weights divided by the divisor: what actually multiplies the pixels."""
        return self._weights / self._divisor

    def _fields(self) -> dict[str, Any]:
        """Every constructor argument but the weights, as keywords."""
        return {
            "divisor": self._divisor,
            "offset": self._offset,
            "border": self._border,
            "name": self._name,
            "category": self._category,
            "description": self._description,
            "channels": self._channels,
            "alpha_weighting": self._alpha_weighting,
            "cval": self._cval,
            "space": self._space,
            "luminance": self._luminance,
            "out_range": self._out_range,
            "extra": dict(self._extra),
        }

    # -- derived kernels ----------------------------------------------------------------
    def replace(self, **changes: Any) -> Kernel:
        """A copy with some fields changed, e.g. ``k.replace(divisor=9, name="box")``."""
        fields = self._fields()
        weights = changes.pop("weights", self._weights)
        unknown = set(changes) - set(fields)
        if unknown:
            raise TypeError(f"unknown Kernel field(s): {', '.join(sorted(unknown))}")
        fields.update(changes)
        return Kernel(weights, **fields)

    def normalized(self, range_max: float = 255.0) -> Kernel:
        """Normalise as GIMP does, so the filter keeps the image's brightness.

        Weights summing to ``s > 0`` get divisor ``s`` and offset 0; ``s < 0`` gets divisor
        ``-s`` and offset ``range_max`` (the top of the 0..255 scale); ``s == 0`` gets divisor
        1 and offset at mid-range (128 for 8-bit), so edge kernels stay visible.
        """
        s = float(self._weights.sum())
        if abs(s) < 1e-12:
            return self.replace(divisor=1.0, offset=float(np.ceil(range_max / 2)))
        if s > 0:
            return self.replace(divisor=s, offset=0.0)
        return self.replace(divisor=-s, offset=float(range_max))

    def rotated(self, quarter_turns: int = 1) -> Kernel:
        """The kernel turned by ``quarter_turns`` x 90 degrees counter-clockwise."""
        return self.replace(weights=np.rot90(self._weights, quarter_turns, axes=(-2, -1)))

    def flipped(self, *, horizontal: bool = True) -> Kernel:
        """The kernel mirrored left-right (``horizontal=True``) or top-bottom."""
        axis = -1 if horizontal else -2
        return self.replace(weights=np.flip(self._weights, axis=axis))

    def resized(self, height: int, width: int) -> Kernel:
        """The kernel grown or cropped about its centre to ``height x width`` taps."""
        kh, kw = self.shape
        if height % 2 == 0 or width % 2 == 0 or height < 1 or width < 1:
            raise KernelError(f"kernel size {height}x{width} must be odd in both directions")
        out = np.zeros((*self._weights.shape[:-2], height, width))
        # Copy the overlap of the two grids, centre on centre.
        dh, dw = (height - kh) // 2, (width - kw) // 2
        src_r = slice(max(0, -dh), kh - max(0, -dh))
        src_c = slice(max(0, -dw), kw - max(0, -dw))
        dst_r = slice(max(0, dh), max(0, dh) + (src_r.stop - src_r.start))
        dst_c = slice(max(0, dw), max(0, dw) + (src_c.stop - src_c.start))
        out[..., dst_r, dst_c] = self._weights[..., src_r, src_c]
        return self.replace(weights=out)

    # -- value semantics ----------------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Kernel):
            return NotImplemented
        return (
            self._weights.shape == other._weights.shape
            and bool(np.array_equal(self._weights, other._weights))
            and self._fields() == other._fields()
        )

    def __hash__(self) -> int:
        return hash((self._weights.shape, self._weights.tobytes(), self._divisor, self._name))

    def __repr__(self) -> str:
        kh, kw = self.shape
        label = f" {self._name!r}" if self._name else ""
        options = "".join(
            f" {key}={value}"
            for key, value, default in (
                ("space", self._space, "perceptual"),
                ("luminance", self._luminance, False),
                ("out_range", self._out_range, "clip"),
            )
            if value != default
        )
        return (
            f"<Kernel{label} {kh}x{kw}{' colour' if self.is_color else ''} "
            f"divisor={self._divisor:g} offset={self._offset} border={self._border}{options}>"
        )

    def __reduce__(self):  # pickling, for handing kernels to worker processes
        return (_rebuild, (self._weights, self._fields()))


def _rebuild(weights: np.ndarray, fields: dict[str, Any]) -> Kernel:
    return Kernel(weights, **fields)
