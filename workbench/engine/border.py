"""Border modes: how pixels beyond the image edge are made up.

The names are scipy.ndimage's, and the results match ``scipy.ndimage.correlate`` with the
same mode name:

============  =====================  ==============================================
name          pads ``abcd`` as       known elsewhere as
============  =====================  ==============================================
``reflect``   ``dcba|abcd|dcba``     numpy ``symmetric``, OpenCV ``BORDER_REFLECT``
``mirror``    ``dcb|abcd|cba``       numpy ``reflect``, OpenCV ``BORDER_REFLECT_101``
``nearest``   ``aaa|abcd|ddd``       GIMP "extend", ImageJ, Photoshop, numpy ``edge``
``wrap``      ``bcd|abcd|abc``       GIMP "wrap", numpy ``wrap``
``constant``  ``kkk|abcd|kkk``       a fixed value, 0 unless given
============  =====================  ==============================================
"""

from __future__ import annotations

import numpy as np

__all__ = ["BORDER_MODES", "check_border", "pad"]

BORDER_MODES: tuple[str, ...] = ("reflect", "mirror", "nearest", "wrap", "constant")

_NUMPY_MODE = {
    "reflect": "symmetric",
    "mirror": "reflect",
    "nearest": "edge",
    "wrap": "wrap",
    "constant": "constant",
}


def check_border(border: object, *, error: type[Exception] = ValueError) -> str:
    """Return ``border`` as a known mode name, or raise ``error`` naming the choices."""
    name = str(border).strip().lower() if border is not None else ""
    if name not in BORDER_MODES:
        raise error(f"unknown border mode {border!r}: choose one of {', '.join(BORDER_MODES)}")
    return name


def pad(
    image: np.ndarray,
    before: tuple[int, int],
    after: tuple[int, int],
    border: str,
    cval: float = 0.0,
) -> np.ndarray:
    """Pad the first two axes of ``image`` by ``before``/``after`` rows and columns."""
    widths = [(before[0], after[0]), (before[1], after[1])] + [(0, 0)] * (image.ndim - 2)
    mode = _NUMPY_MODE[border]
    if image.shape[0] == 1 or image.shape[1] == 1:
        # numpy's "reflect" on a length-1 axis has nothing to reflect; scipy repeats it.
        if mode == "reflect":
            mode = "symmetric"
    if mode == "constant":
        return np.pad(image, widths, mode="constant", constant_values=cval)
    return np.pad(image, widths, mode=mode)
