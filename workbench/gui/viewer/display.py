"""Turning image arrays into something the screen can show.

Images are kept in their own dtype (8-bit, 16-bit or float) for filtering; the screen gets an
8-bit copy. The conversion is pure numpy plus a ``QImage`` wrapper, so it can run on a worker
thread (``QImage`` is safe off the GUI thread, ``QPixmap`` is not) and the GUI thread only
paints.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage

__all__ = ["DisplayImage", "describe_pixel", "downsample", "to_display"]


class DisplayImage:
    """An 8-bit ``QImage`` over a numpy buffer that this object keeps alive."""

    __slots__ = ("_buffer", "image")

    def __init__(self, buffer: np.ndarray, fmt: QImage.Format) -> None:
        h, w = buffer.shape[:2]
        self._buffer = buffer
        self.image = QImage(buffer.data, w, h, buffer.strides[0], fmt)

    @property
    def width(self) -> int:
        return self.image.width()

    @property
    def height(self) -> int:
        return self.image.height()


def _to_uint8(pixels: np.ndarray) -> np.ndarray:
    if pixels.dtype == np.uint8:
        return pixels
    if pixels.dtype == np.uint16:
        # Rounded 65535 -> 255 scale; a plain shift would darken by up to one level.
        out = pixels.astype(np.float32)
        out *= 255.0 / 65535.0
    else:
        out = np.nan_to_num(pixels.astype(np.float32, copy=True), nan=0.0)
        out *= 255.0
    np.clip(out, 0, 255, out=out)
    np.rint(out, out=out)
    return out.astype(np.uint8)


def to_display(pixels: np.ndarray) -> DisplayImage:
    """An 8-bit, 32-bit-per-pixel image for painting (fastest format for Qt's raster engine).

    Gray, RGB and RGBA in uint8, uint16 or float32 (0..1) are accepted; 16-bit and float are
    scaled to 8 bits. Transparent images are premultiplied so they paint over a checkerboard.
    """
    arr = _to_uint8(np.asarray(pixels))
    h, w = arr.shape[:2]
    out = np.empty((h, w, 4), np.uint8)  # B, G, R, A in memory = ARGB32 on little-endian
    if arr.ndim == 2 or arr.shape[2] == 1:
        gray = arr if arr.ndim == 2 else arr[:, :, 0]
        out[:, :, 0] = gray
        out[:, :, 1] = gray
        out[:, :, 2] = gray
        out[:, :, 3] = 255
        return DisplayImage(out, QImage.Format.Format_RGB32)
    out[:, :, 0] = arr[:, :, 2]
    out[:, :, 1] = arr[:, :, 1]
    out[:, :, 2] = arr[:, :, 0]
    if arr.shape[2] == 3:
        out[:, :, 3] = 255
        return DisplayImage(out, QImage.Format.Format_RGB32)
    alpha = arr[:, :, 3]
    out[:, :, 3] = alpha
    if np.any(alpha != 255):
        colour = out[:, :, :3].astype(np.uint16)
        colour *= alpha[:, :, None]
        colour += 127
        colour //= 255
        out[:, :, :3] = colour
    return DisplayImage(out, QImage.Format.Format_ARGB32_Premultiplied)


def downsample(pixels: np.ndarray, factor: int) -> np.ndarray:
    """Average ``factor x factor`` blocks (a quick, alias-free proxy of a large image)."""
    if factor <= 1:
        return pixels
    h, w = pixels.shape[:2]
    hh, ww = h // factor, w // factor
    if hh == 0 or ww == 0:
        return pixels
    block = pixels[: hh * factor, : ww * factor].astype(np.float32)
    block = block.reshape(hh, factor, ww, factor, *pixels.shape[2:]).mean(axis=(1, 3))
    if pixels.dtype != np.float32:
        np.rint(block, out=block)
    return block.astype(pixels.dtype)


def describe_pixel(pixels: np.ndarray, x: int, y: int) -> str:
    """Values of the pixel at column ``x``, row ``y`` as the status bar shows them."""
    value = pixels[y, x]
    if np.ndim(value) == 0:
        return f"gray {_number(value)}"
    letters = "RGBA"[: len(value)]
    return "  ".join(f"{c} {_number(v)}" for c, v in zip(letters, value, strict=False))


def _number(v: np.generic) -> str:
    if isinstance(v, np.floating):
        return f"{float(v):.4f}"
    return str(int(v))
