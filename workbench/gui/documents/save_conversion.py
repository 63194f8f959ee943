"""Saving into a format that holds less than the image: say what changes, then convert.

JPEG, BMP and WebP hold 8 bits per channel, JPEG and BMP no transparency, and only TIFF holds
float samples; the engine refuses the first two kinds of save rather than lose anything
silently, and stores floats in PNG and JPEG by a rule (clipped to 0..1). The window asks
first (as GIMP's export does) and, when the user agrees, the worker writes a converted copy:
16-bit samples rounded to 8 bits, transparency flattened onto white, floats as the engine's
rule says. The image in the window is not changed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtWidgets import QMessageBox, QWidget

from workbench.engine.imageio import IMAGE_FORMATS

__all__ = ["ask_to_convert", "convert_for_format", "what_saving_changes"]

_EIGHT_BIT_ONLY = {ext: f.label for ext, f in IMAGE_FORMATS.items() if f.eight_bit_only}
_NO_TRANSPARENCY = {ext for ext, f in IMAGE_FORMATS.items() if not f.alpha}
_HOLDS_FLOAT = {ext for ext, f in IMAGE_FORMATS.items() if f.floats}
_WHITE = {np.uint8: 255.0, np.uint16: 65535.0}


def what_saving_changes(pixels: np.ndarray, path: Path) -> list[str]:
    """What a save of ``pixels`` to ``path`` loses, in words; empty when nothing."""
    ext = Path(path).suffix.lower()
    changes = []
    if ext in _EIGHT_BIT_ONLY and pixels.dtype == np.uint16:
        changes.append("16-bit samples are rounded to 8 bits")
    if pixels.dtype.kind == "f" and ext not in _HOLDS_FLOAT:
        bits = 16 if ext == ".png" else 8
        changes.append(f"32-bit float samples are stored as {bits}-bit")
        if pixels.size and (pixels.min() < 0 or pixels.max() > 1):
            changes.append("values below 0 or above 1 are clipped")
    if ext in _NO_TRANSPARENCY and _has_alpha(pixels):
        changes.append("transparency is flattened onto white")
    return changes


def ask_to_convert(parent: QWidget, path: Path, changes: list[str]) -> bool:
    """Ask whether to save a converted copy; True to go ahead."""
    ext = Path(path).suffix.lower()
    kind = _EIGHT_BIT_ONLY.get(ext, ext.lstrip(".").upper())
    listing = "\n".join(f"\u2022 {c}" for c in changes)
    answer = QMessageBox.question(
        parent,
        f"Save as {kind}",
        f"{Path(path).name}: {kind} cannot hold this image as it is. In the saved copy:\n"
        f"{listing}\n\nThe image here keeps all of it; save as PNG or TIFF to keep it "
        "in the file too.",
        QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Save,
    )
    return answer == QMessageBox.StandardButton.Save


def convert_for_format(pixels: np.ndarray, path: Path) -> np.ndarray:
    """``pixels`` as the format of ``path`` can hold them (a new array, or ``pixels``)."""
    ext = Path(path).suffix.lower()
    out = pixels
    if ext in _NO_TRANSPARENCY and _has_alpha(out):
        out = _flattened_onto_white(out)
    if ext in _EIGHT_BIT_ONLY and out.dtype == np.uint16:
        out = _eight_bit(out)
    return out


def _has_alpha(pixels: np.ndarray) -> bool:
    return pixels.ndim == 3 and pixels.shape[2] in (2, 4)


def _flattened_onto_white(pixels: np.ndarray) -> np.ndarray:
    white = _WHITE.get(pixels.dtype.type, 1.0)
    colour = pixels[..., :-1].astype(np.float32)
    alpha = pixels[..., -1:].astype(np.float32)
    alpha /= white
    # colour * alpha + white * (1 - alpha), in place
    colour -= white
    colour *= alpha
    colour += white
    if pixels.dtype != np.float32:
        np.rint(colour, out=colour)
        colour = colour.astype(pixels.dtype)
    return colour[..., 0] if colour.shape[2] == 1 else colour


def _eight_bit(pixels: np.ndarray) -> np.ndarray:
    scaled = pixels.astype(np.float32)
    scaled /= 257.0  # 65535 -> 255
    np.rint(scaled, out=scaled)
    return scaled.astype(np.uint8)
