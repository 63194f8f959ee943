"""Border modes: how pixels beyond the image edge are made up.

The names are scipy.ndimage's, and the results match ``scipy.ndimage.correlate`` with the
same mode name, however far beyond the edge a kernel reaches (a 63-tap kernel on a 5-pixel
image repeats the pattern below as often as needed):

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

from workbench.engine.option_names import BORDER_MODES

__all__ = ["BORDER_MODES", "check_border", "pad", "source_index"]


def check_border(border: object, *, error: type[Exception] = ValueError) -> str:
    """Return ``border`` as a known mode name, or raise ``error`` naming the choices."""
    name = str(border).strip().lower() if border is not None else ""
    if name not in BORDER_MODES:
        raise error(f"unknown border mode {border!r}: choose one of {', '.join(BORDER_MODES)}")
    return name


def source_index(index: np.ndarray, n: int, border: str) -> np.ndarray:
    """Map positions along an axis of length ``n`` (any integers) to positions inside it.

    Parameters
    ----------
    index : ndarray of int
        Positions, possibly outside ``0 .. n - 1``.
    n : int
        Length of the axis.
    border : str
        A border mode name.

    Returns
    -------
    ndarray of int
        The position each one copies, or -1 where the ``constant`` value is used.
    """
    index = np.asarray(index, dtype=np.intp)
    if border == "constant":
        return np.where((index >= 0) & (index < n), index, -1)
    if border == "nearest" or n == 1:
        return np.clip(index, 0, n - 1)
    if border == "wrap":
        return np.mod(index, n)
    # reflect repeats with period 2n (the edge pixel is repeated), mirror with 2n - 2.
    period = 2 * n if border == "reflect" else 2 * n - 2
    folded = np.mod(index, period)
    return np.where(folded < n, folded, period - 1 - folded + (border == "mirror"))


def pad(
    image: np.ndarray,
    before: tuple[int, int],
    after: tuple[int, int],
    border: str,
    cval: float = 0.0,
) -> np.ndarray:
    """Pad the first two axes of ``image`` by ``before``/``after`` rows and columns.

    Pads of any width are allowed, also wider than the image.
    """
    h, w = image.shape[:2]
    rows = source_index(np.arange(-before[0], h + after[0]), h, border)
    cols = source_index(np.arange(-before[1], w + after[1]), w, border)
    out = image[np.maximum(rows, 0)][:, np.maximum(cols, 0)]
    if border == "constant":
        out[rows < 0] = cval
        out[:, cols < 0] = cval
    return out
