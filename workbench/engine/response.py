"""What a kernel does to fine and coarse detail: its frequency response, and that in words.

A kernel's response at spatial frequency ``(fx, fy)`` (cycles per pixel) is the factor by
which it multiplies a sine pattern of that frequency: the 2-D discrete-time Fourier transform
of the weights, divided by the divisor (MATLAB's ``freqz2``). 0 is flat areas (the gain there
is the kernel's change of brightness), 0.5 is the finest pattern pixels can hold (a
checkerboard along that axis). The offset adds a constant and does not change the response.

Applying a kernel is a correlation, ``out[x] = sum_n w[n] in[x + n]``, so the complex
response is ``H(f) = sum_n w[n] exp(+2 pi i f n)`` with ``n`` measured from the kernel's
centre; its magnitude is that of ``numpy.fft.fft2`` of the zero-padded weights.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from workbench.engine.kernel import Kernel

__all__ = ["FrequencyResponse", "describe_response", "frequency_response"]

#: Grid points per axis over -0.5..0.5 cycles per pixel (odd, so 0 is on the grid).
DEFAULT_POINTS = 129


@dataclass(frozen=True)
class FrequencyResponse:
    """A kernel's response on a grid, its cuts and a description in plain words.

    Attributes
    ----------
    frequencies : ndarray
        ``n`` frequencies from -0.5 to 0.5 cycles per pixel, the same along x and y.
    complex_response : ndarray of complex128
        ``n x n``, rows along fy and columns along fx.
    magnitude : ndarray of float64
        ``|complex_response|``: the gain at each frequency.
    cut_frequencies : ndarray
        0..0.5, the frequency along each cut's own direction for the x and y cuts;
        the diagonal cuts reach ``0.5 * sqrt(2)`` at the corner, see ``diagonal_frequencies``.
    cut_x, cut_y, cut_diagonal, cut_antidiagonal : ndarray
        The gain from 0 outwards along +x, +y, the diagonal (down-right) and the
        anti-diagonal (up-right), at ``cut_frequencies`` per axis.
    gain_at_zero : float
        ``sum(weights) / divisor``, signed: the change of brightness of flat areas.
    shift : tuple of float
        ``(dx, dy)`` in pixels by which the kernel moves the image (content moves by minus
        the centre of mass of ``|weights|``): (0, 0) for a centred kernel.
    words : str
        What the kernel does, e.g. ``"low-pass (blur)"``.
    """

    frequencies: np.ndarray
    complex_response: np.ndarray
    magnitude: np.ndarray
    cut_frequencies: np.ndarray
    cut_x: np.ndarray
    cut_y: np.ndarray
    cut_diagonal: np.ndarray
    cut_antidiagonal: np.ndarray
    gain_at_zero: float
    shift: tuple[float, float]
    words: str

    @property
    def diagonal_frequencies(self) -> np.ndarray:
        """Distance from 0 along the diagonal cuts, in cycles per pixel (to 0.707)."""
        return self.cut_frequencies * math.sqrt(2.0)


def _plain_weights(kernel: Kernel | object) -> tuple[np.ndarray, float]:
    """The 2-D weights and divisor; a colour kernel as seen by a gray image, first output."""
    kernel = kernel if isinstance(kernel, Kernel) else Kernel(kernel)
    w = np.asarray(kernel.weights, dtype=np.float64)
    if kernel.is_color:
        w = w[0].sum(axis=0)
    return w, kernel.divisor


def dtft(weights: np.ndarray, fy: np.ndarray, fx: np.ndarray) -> np.ndarray:
    """``sum_n w[n] exp(+2 pi i (fy ny + fx nx))``, ``n`` from the centre, on ``fy x fx``."""
    kh, kw = weights.shape
    ty = 2 * np.pi * np.outer(fy, np.arange(kh) - kh // 2)  # len(fy) x kh
    tx = 2 * np.pi * np.outer(np.arange(kw) - kw // 2, fx)  # kw x len(fx)
    # (cy + i sy) W (cx + i sx) in real products. einsum rather than BLAS: matrices this
    # small gain nothing from BLAS threads, which spin for milliseconds on a busy machine.
    cw = np.einsum("ak,kl->al", np.cos(ty), weights)
    sw = np.einsum("ak,kl->al", np.sin(ty), weights)
    cx, sx = np.cos(tx), np.sin(tx)
    real = np.einsum("al,lb->ab", cw, cx) - np.einsum("al,lb->ab", sw, sx)
    imag = np.einsum("al,lb->ab", cw, sx) + np.einsum("al,lb->ab", sw, cx)
    return real + 1j * imag


def frequency_response(kernel: Kernel | object, points: int = DEFAULT_POINTS) -> FrequencyResponse:
    """The kernel's frequency response over -0.5..0.5 cycles per pixel, and its description.

    Parameters
    ----------
    kernel : Kernel or array-like
        A kernel or a 2-D grid of weights. A colour kernel is shown as a gray image sees it
        (its first output, summed over inputs).
    points : int
        Grid points per axis (odd, at least 3).

    Returns
    -------
    FrequencyResponse

    Examples
    --------
    >>> r = frequency_response(Kernel([[1, 2, 1], [2, 4, 2], [1, 2, 1]], divisor=16))
    >>> r.gain_at_zero, r.words
    (1.0, 'low-pass (blur)')
    """
    points = int(points)
    if points < 3 or points % 2 == 0:
        raise ValueError(f"points must be odd and at least 3, got {points}")
    w, divisor = _plain_weights(kernel)
    f = np.linspace(-0.5, 0.5, points)
    response = dtft(w, f, f) / divisor
    magnitude = np.abs(response)
    centre = points // 2
    cut_f = f[centre:]
    cut_x = magnitude[centre, centre:]
    cut_y = magnitude[centre:, centre]
    cut_d = np.abs(_diagonal(w, cut_f)) / abs(divisor)
    cut_a = np.abs(_diagonal(w, cut_f, anti=True)) / abs(divisor)
    gain0 = float(w.sum() / divisor)
    shift = _shift(w)
    words = describe_response(magnitude, f, gain0, (cut_x, cut_y, cut_d, cut_a), shift)
    return FrequencyResponse(
        frequencies=f,
        complex_response=response,
        magnitude=magnitude,
        cut_frequencies=cut_f,
        cut_x=cut_x,
        cut_y=cut_y,
        cut_diagonal=cut_d,
        cut_antidiagonal=cut_a,
        gain_at_zero=gain0,
        shift=shift,
        words=words,
    )


def _diagonal(w: np.ndarray, f: np.ndarray, *, anti: bool = False) -> np.ndarray:
    """The response at ``(f, f)`` (or ``(-f, f)`` with ``anti``) for each ``f``.

    Along the diagonal the phase depends on ``nx + ny`` only (``nx - ny`` along the
    anti-diagonal), so the weights summed over each such line make a 1-D kernel.
    """
    kh, kw = w.shape
    ny, nx = np.mgrid[-(kh // 2) : kh // 2 + 1, -(kw // 2) : kw // 2 + 1]
    d = (nx - ny if anti else nx + ny).ravel()
    line = np.bincount(d - d.min(), weights=w.ravel())
    taps = np.arange(line.size) + d.min()
    return np.einsum("ft,t->f", np.exp(2j * np.pi * np.outer(f, taps)), line)


def _shift(w: np.ndarray) -> tuple[float, float]:
    """How far the kernel moves the image: minus the centre of mass of ``|w|``.

    For a kernel of non-negative weights this is exactly the slope of the response's phase
    at 0 over ``2 pi``; for signed kernels (edges, sharpen) it ignores the cancelling signs,
    so a derivative, whose phase is a constant quarter turn, is not called a shift.
    """
    a = np.abs(w)
    total = a.sum()
    if total == 0:
        return 0.0, 0.0
    kh, kw = w.shape
    cy = float((a.sum(axis=1) * (np.arange(kh) - kh // 2)).sum() / total)
    cx = float((a.sum(axis=0) * (np.arange(kw) - kw // 2)).sum() / total)
    # Correlation reads in[x + n]: weight to the right of centre moves content left.
    return -cx + 0.0, -cy + 0.0


def describe_response(
    magnitude: np.ndarray,
    frequencies: np.ndarray,
    gain_at_zero: float,
    cuts: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    shift: tuple[float, float] = (0.0, 0.0),
) -> str:
    """Plain words for a response: low-pass, high-pass, band-pass, sharpen, directional...

    The rules, with ``g0`` the gain at 0, ``peak`` the largest gain and "high" the
    frequencies 0.4 cycles per pixel or more from 0:

    * all-pass: the gain varies by under 2 % of its peak;
    * low-pass (blur): ``|g0|`` is the peak (within 10 %) and the mean high gain is under
      half of it; mild low-pass if that mean is under 90 % of it;
    * sharpen: ``|g0|`` is at least 0.5 and the high gain reaches over 1.05 ``|g0|``;
    * high-pass (edges): ``|g0|`` is under 10 % of the peak, and the peak lies 0.2 cycles
      per pixel or more from 0; band-pass if the peak lies nearer 0 and the high gain is
      low (a smoothed edge or blob detector);
    * directional: the x and y cuts, or the two diagonal cuts, differ by over 20 % of the
      peak somewhere;
    * shifts the image: the weights' centre of mass is a quarter pixel or more off centre;
    * inverts: ``g0`` is negative.
    """
    peak = float(magnitude.max())
    if peak < 1e-12:
        return "blanks the image (every weight is 0)"
    g0 = abs(gain_at_zero)
    fy, fx = np.meshgrid(frequencies, frequencies, indexing="ij")
    radius = np.hypot(fx, fy)
    high = magnitude[radius >= 0.4]
    parts: list[str] = []
    if float(magnitude.max() - magnitude.min()) < 0.02 * peak:
        parts.append("all-pass (keeps every detail)" if abs(g0 - 1) < 0.02 else "all-pass")
        if abs(g0 - 1) >= 0.02:
            parts.append(f"scales brightness by {g0:.3g}")
    elif g0 >= 0.9 * peak and float(high.mean()) < 0.5 * g0:
        parts.append("low-pass (blur)")
    elif g0 >= 0.9 * peak and float(high.mean()) < 0.9 * g0:
        share = float(high.mean()) / g0
        parts.append(f"mild low-pass (softens: keeps about {share:.0%} of fine detail)")
    elif g0 >= 0.5 and float(high.max()) > 1.05 * g0:
        parts.append(f"sharpen (gain up to {float(high.max()) / g0:.3g}x at high frequencies)")
    elif g0 < 0.1 * peak:
        at_peak = float(radius.ravel()[int(np.argmax(magnitude))])
        if at_peak < 0.2 and float(high.max()) < 0.5 * peak:
            parts.append("band-pass (smoothed edges, blobs)")
        else:
            parts.append("high-pass (edges)")
    else:
        parts.append(
            f"mixed: keeps {g0:.2g} of flat areas, passes up to {float(high.max()):.2g} "
            f"of fine detail"
        )
    cut_x, cut_y, cut_d, cut_a = cuts
    if max(float(np.max(np.abs(cut_x - cut_y))), float(np.max(np.abs(cut_d - cut_a)))) > (
        0.2 * peak
    ):
        parts.append("directional")
    dx, dy = shift
    if math.hypot(dx, dy) >= 0.25:
        parts.append(f"shifts the image by ({dx:+.3g}, {dy:+.3g}) px")
    if gain_at_zero < 0 and g0 >= 0.1 * peak:
        parts.append("inverts brightness")
    return ", ".join(parts)
