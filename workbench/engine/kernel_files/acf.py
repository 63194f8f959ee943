"""Photoshop Custom filter files (``.acf``): 54 bytes, a 5x5 grid of integers, scale, offset."""

from __future__ import annotations

import math
import struct
from fractions import Fraction
from pathlib import Path

import numpy as np

from workbench.engine.kernel import Kernel
from workbench.engine.kernel_files.common import (
    KernelFileError,
    checked_kernel,
    fits_5x5,
    read_bytes,
    trim_zero_rings,
    write_atomic,
)

__all__ = [
    "SAME_NUMBER",
    "read_acf",
    "write_acf",
]


# -- Photoshop Custom filter ------------------------------------------------------------
# Layout (Adobe's file format specification, "Custom kernel", Windows extension .ACF): 27
# big-endian signed 16-bit integers, 54 bytes, no header. Words 0..24 are the 5x5 weights
# (-999..999) for offsets (-2,-2), (-1,-2) .. (2,2), horizontal offset first, i.e. row by
# row from the top left; word 25 is the scale (divisor, 1..9999); word 26 the offset
# (-9999..9999, on the 0..255 scale). Photoshop correlates and repeats edge pixels.
_ACF = struct.Struct(">27h")


def read_acf(path: Path) -> tuple[Kernel, list[str]]:
    """A Photoshop Custom filter file (``.acf``); zero rings around the centre are trimmed."""
    data = read_bytes(path)
    if len(data) != _ACF.size:
        raise KernelFileError(
            f"{path}: a Photoshop .acf file is exactly {_ACF.size} bytes, this one is {len(data)}"
        )
    words = _ACF.unpack(data)
    weights = np.array(words[:25], dtype=float).reshape(5, 5)
    scale, offset = words[25], words[26]
    if scale == 0:
        raise KernelFileError(f"{path}: the scale (divisor) is 0; Photoshop's is 1..9999")
    weights = trim_zero_rings(weights)
    kernel = checked_kernel(
        weights,
        str(path),
        divisor=scale,
        offset=offset,
        border="nearest",
        name=path.stem,
        category="Imported",
        description=f"Imported from Photoshop Custom filter {path.name}",
    )
    notes = ["Photoshop repeats edge pixels: border set to 'nearest'."]
    notes += _out_of_range_notes(np.array(words[:25]), scale, offset)
    return kernel, notes


def _out_of_range_notes(weights: np.ndarray, scale: int, offset: int) -> list[str]:
    """What Photoshop's Custom dialog could not hold: the file was made by another program.

    Photoshop's dialog takes weights from -999 to 999, a scale from 1 to 9999 and an offset
    from -9999 to 9999; a file outside those ranges (seen: scale -8) was not saved by it, and
    how Photoshop loads it is not documented. The values are imported as the file says, so
    nothing is lost, and the note says so.
    """
    notes = []
    if not 1 <= scale <= 9999:
        same = (
            f" (the same as the weights negated with scale {-scale})" if -9999 <= scale < 0 else ""
        )
        notes.append(
            f"The scale {scale} is outside Photoshop's 1..9999, so Photoshop's Custom "
            f"dialog did not save this file: imported with divisor {scale} as the file "
            f"says{same}; an .acf export writes a scale Photoshop accepts."
        )
    worst = int(np.abs(weights).max())
    if worst > 999:
        notes.append(
            f"A weight of {worst} is outside Photoshop's -999..999: imported as the file says."
        )
    if abs(offset) > 9999:
        notes.append(
            f"The offset {offset} is outside Photoshop's -9999..9999: imported as the file says."
        )
    return notes


#: Relative difference that still counts as the same number: far below the float32 precision
#: of apply_kernel, above the float64 noise of a learned kernel (an identity: 1 +- 1e-12).
SAME_NUMBER = 1e-10


def _as_fraction(value: float, limit: int) -> Fraction:
    """``value`` as a fraction with a small denominator when the float is that fraction."""
    guess = Fraction(value).limit_denominator(limit)
    if abs(float(guess) - value) <= SAME_NUMBER * max(1.0, abs(value)):
        return guess
    return Fraction(value)


def _acf_integers(kernel: Kernel) -> tuple[np.ndarray, int]:
    """Whole-number weights and scale giving exactly the kernel's weights / divisor.

    The kernel's own numbers are kept when Photoshop can hold them; otherwise the smallest
    scale that makes every weight whole is used (its size tells whether it fits).
    """
    w, d = kernel.weights, kernel.divisor
    if d < 0:
        w, d = -w, -d
    if np.all(w == np.round(w)) and float(d).is_integer():
        if d <= 9999 and np.abs(w).max(initial=0) <= 999:
            return w.astype(int), int(d)
    effective = [_as_fraction(float(v) / d, 9999) for v in w.ravel()]
    scale = 1
    for f in effective:
        scale = scale * f.denominator // math.gcd(scale, f.denominator)
        if scale > 9999:
            break
    ints = np.array([int(f * scale) if scale <= 9999 else 0 for f in effective])
    return ints.reshape(w.shape), scale


def write_acf(kernel: Kernel, path: Path) -> list[str]:
    """Write a Photoshop Custom filter file, or refuse saying what would be lost."""
    kh, kw = fits_5x5(kernel, path, "Photoshop's Custom filter")
    offset = float(kernel.offset)  # type: ignore[arg-type]
    if abs(offset - round(offset)) <= SAME_NUMBER * max(1.0, abs(offset)):
        offset = float(round(offset))
    if not offset.is_integer() or abs(offset) > 9999:
        raise KernelFileError(
            f"{path}: Photoshop's offset is a whole number from -9999 to 9999; "
            f"{offset:g} would be lost"
        )
    ints, scale = _acf_integers(kernel)
    if scale > 9999 or np.abs(ints).max(initial=0) > 999:
        raise KernelFileError(
            f"{path}: Photoshop holds whole-number weights from -999 to 999 and a scale up "
            f"to 9999; these weights (divided by {kernel.divisor:g}) cannot be written that "
            f"way without rounding them"
        )
    notes = []
    if scale != kernel.divisor or not np.array_equal(ints, kernel.weights):
        notes.append(f"Weights written as whole numbers with scale {scale} (the same filter).")
    if (kh, kw) != (5, 5):
        notes.append(f"The {kh}x{kw} kernel is written centred in Photoshop's 5x5 grid.")
    if kernel.border != "nearest":
        notes.append(f"Photoshop repeats edge pixels; the border '{kernel.border}' is not stored.")
    grid = np.zeros((5, 5), dtype=int)
    top, left = (5 - kh) // 2, (5 - kw) // 2
    grid[top : top + kh, left : left + kw] = ints
    write_atomic(path, _ACF.pack(*grid.ravel().tolist(), scale, int(offset)))
    return notes
