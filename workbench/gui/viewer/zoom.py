"""Zoom levels as in GIMP: the ladder that zoom in/out steps along, and zoom as text.

GIMP's ``gimp_zoom_model_zoom_step`` jumps between fixed presets (..., 1/2, 2/3, 1, 3/2, 2, 3,
4, 11/2, 8, ...) so that a few steps always land on 100 %, 200 %, 50 %; a step moves at least
10 % so that 101 % goes to 150 %, not to 100 %.
"""

from __future__ import annotations

import re

__all__ = [
    "MAX_ZOOM",
    "MIN_ZOOM",
    "PIXEL_GRID_ZOOM",
    "ZOOM_LADDER",
    "format_zoom",
    "parse_zoom",
    "zoom_step",
]

MIN_ZOOM = 1 / 64
MAX_ZOOM = 64.0
#: From this zoom up the view draws a grid between pixels (GIMP's is 8x too).
PIXEL_GRID_ZOOM = 8.0
_MIN_STEP = 1.1

#: GIMP's zoom presets, from MIN_ZOOM to MAX_ZOOM.
ZOOM_LADDER: tuple[float, ...] = tuple(
    z
    for z in (
        *(1 / d for d in (64, 45, 32, 23, 16, 11, 8)),
        2 / 11,
        1 / 4,
        1 / 3,
        1 / 2,
        2 / 3,
        1.0,
        3 / 2,
        2.0,
        3.0,
        4.0,
        11 / 2,
        8.0,
        11.0,
        16.0,
        23.0,
        32.0,
        45.0,
        64.0,
    )
    if MIN_ZOOM <= z <= MAX_ZOOM
)


def zoom_step(zoom: float, steps: int) -> float:
    """The zoom ``steps`` presets in (> 0) or out (< 0) from ``zoom``."""
    for _ in range(abs(steps)):
        if steps > 0:
            target = zoom * _MIN_STEP
            zoom = next((z for z in ZOOM_LADDER if z > target), ZOOM_LADDER[-1])
        else:
            target = zoom / _MIN_STEP
            zoom = next((z for z in reversed(ZOOM_LADDER) if z < target), ZOOM_LADDER[0])
    return zoom


def format_zoom(zoom: float) -> str:
    """``"100 %"``, ``"66.7 %"``, ``"1600 %"``: as the zoom box and status bar show it."""
    percent = zoom * 100
    if abs(percent - round(percent)) < 0.05 or percent >= 1000:
        return f"{percent:.0f} %"
    return f"{percent:.1f} %" if percent >= 10 else f"{percent:.2f} %"


_TYPED = re.compile(r"^\s*(\d+(?:[.,]\d*)?|[.,]\d+)\s*(%|x|\u00d7)?\s*$", re.IGNORECASE)


def parse_zoom(text: str) -> float | None:
    """A typed zoom: ``"250"``, ``"250 %"`` (percent) or ``"2.5x"`` (factor); None if not one.

    The result is clipped to MIN_ZOOM..MAX_ZOOM.
    """
    match = _TYPED.match(text)
    if not match:
        return None
    value = float(match.group(1).replace(",", "."))
    if value <= 0:
        return None
    factor = value if (match.group(2) or "").lower() in ("x", "\u00d7") else value / 100
    return min(max(factor, MIN_ZOOM), MAX_ZOOM)
