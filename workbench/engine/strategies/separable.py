"""Separable strategy: the kernel split by SVD into 1-D passes.

A rank-1 kernel ``w = v h^T`` (a Gaussian, a box, a 1 x 15 motion blur) is a vertical pass
with ``v`` followed by a horizontal pass with ``h``: ``kh + kw`` taps a pixel instead of
``kh * kw``. Any other kernel is a sum of rank-1 terms (its singular value decomposition);
we keep as many terms as reproduce it within float32 noise, which for a dense random kernel
is all of them. All terms' vertical passes run as one ``einsum`` into an ``r x rows x W``
buffer, and all horizontal passes as one more into the output band.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from workbench.engine.border import source_index
from workbench.engine.strategies.direct import shifted_views, sum_of_taps
from workbench.engine.strategies.tiles import Correlation, band_rows, interior_rows

#: Floats of output per band (see direct.BAND_FLOATS).
BAND_FLOATS = 768_000

#: Relative error of a reconstruction that counts as exact in float32.
FLOAT32_NOISE = 1e-7


def rank_terms(weights: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """The fewest ``(vertical, horizontal)`` 1-D pairs whose outer products sum to ``weights``.

    Terms are kept until the reconstruction error (Frobenius norm) is below float32 noise
    relative to the kernel; a kernel that needs them all gets them all.
    """
    weights = np.asarray(weights, dtype=np.float64)
    u, s, vt = np.linalg.svd(weights, full_matrices=False)
    rank = rank_needed_from(s)
    return [(u[:, i] * s[i], vt[i]) for i in range(rank)]


def rank_needed(weights: np.ndarray) -> int:
    """How many rank-1 terms reproduce ``weights`` to float32 precision."""
    return rank_needed_from(np.linalg.svd(np.asarray(weights, np.float64), compute_uv=False))


def rank_needed_from(s: np.ndarray) -> int:
    if s[0] == 0:
        return 1
    # tail[r]: the error left after keeping r terms.
    tail = np.sqrt(np.append(np.cumsum((s**2)[::-1])[::-1], 0.0))
    for r in range(1, len(s) + 1):
        if tail[r] <= FLOAT32_NOISE * s[0]:
            return r
    return len(s)


def correlate(job: Correlation) -> np.ndarray:
    """Correlate every plane of ``job.src`` with ``job.weights``; returns ``job.out``."""
    src, weights, out = job.src, job.weights, job.out
    h, w, c = src.shape
    kh, kw = weights.shape
    ry, rx = job.radius
    border, cval = job.border, job.cval
    terms = rank_terms(weights)
    r = len(terms)
    vertical = np.array([v for v, _ in terms], np.float32)  # r x kh
    horizontal = np.array([hz for _, hz in terms], np.float32)  # r x kw
    row_len = w * c
    wide = (w + 2 * rx) * c
    rows = min(h, band_rows(wide * r, kh + kw, 2 * ry, BAND_FLOATS))
    bands = [(y0, min(y0 + rows, h)) for y0 in range(0, h, rows)]
    out2d = out.reshape(h, row_len)

    in_place = out.dtype == np.float32  # else each band is summed in float32 scratch
    src2d = src.reshape(h, row_len)
    # Where the vertical pass reads rows in place, its result is widened to the horizontal
    # halo by the border rule: columns copy columns, or (constant) are cval times the taps.
    halo_cols = source_index(np.r_[-rx:0, w : w + rx], w, border)
    halo_floats = (halo_cols[:, None] * c + np.arange(c)).ravel() + rx * c
    halo_at = np.r_[0 : rx * c, rx * c + row_len : wide]
    constant_halo = (cval * vertical.sum(axis=1, dtype=np.float64)).astype(np.float32)

    def scratch() -> tuple[np.ndarray, ...]:
        return (
            np.empty((rows + 2 * ry) * wide, np.float32),
            np.empty(r * rows * wide, np.float32),  # each term's vertical pass
            np.empty(0 if in_place else rows * row_len, np.float32),
            np.empty(0 if c > 1 else rows * row_len, np.float32),  # see sum_of_taps
        )

    def band(span: tuple[int, int], buffers: tuple[np.ndarray, ...]) -> None:
        y0, y1 = span
        n = y1 - y0
        vert = buffers[1][: r * n * wide].reshape(r, n, wide)
        # Both passes of every term at once: einsum multiplies and adds in one pass per tap.
        rows_in_place = interior_rows(src2d, y0 - ry, y1 + ry, 0)
        if rows_in_place is None:
            flat = job.padded(span, (0, w), buffers[0])
            flat = flat.reshape(-1, wide)
            np.einsum("aij,ta->tij", shifted_views(flat, kh, 1, n, c)[:, 0], vertical, out=vert)
        else:
            inner = vert[:, :, rx * c : rx * c + row_len]
            rows_view = shifted_views(rows_in_place, kh, 1, n, c)[:, 0]
            np.einsum("aij,ta->tij", rows_view, vertical, out=inner)
            if rx and border == "constant":
                vert[:, :, halo_at] = constant_halo[:, None, None]
            elif rx:
                vert[:, :, halo_at] = vert[:, :, halo_floats]
        s_term, s_row, s_col = vert.strides
        views = as_strided(
            vert,
            shape=(r, kw, n, row_len),
            strides=(s_term, c * s_col, s_row, s_col),
            writeable=False,
        )
        dest = out2d[y0:y1]
        acc = dest if in_place else buffers[2][: n * row_len].reshape(n, row_len)
        sum_of_taps(views, horizontal, acc, buffers[3])
        job.store(acc, dest)

    return job.run(bands, band, scratch)
