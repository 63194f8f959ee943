"""im2col strategy: correlation as one matrix multiplication per tile.

For a tile of ``P`` output values, the *columns* matrix is ``K x P`` (``K = kh * kw``): row
``t`` holds the pixels that tap ``t`` multiplies, a shifted slice of the padded tile. The
tile's output is then ``weights (1 x K) @ columns (K x P)``, the matrix form the learning
layer (:class:`~workbench.engine.ConvLayer`) also uses. Only one tile's columns exist at a
time, never ``K`` copies of the image. The product is a ``1 x K`` by ``K x P`` one, which
numpy's own ``einsum`` loop does faster than BLAS here: BLAS threads on top of the tile
threads oversubscribe the cores (measured: 260 ms against 345 ms for 3x3 on 12 MP RGB).
"""

from __future__ import annotations

import numpy as np

from workbench.engine.strategies.tiles import Correlation

#: Floats in one tile's columns matrix (16 MB): big enough for an efficient product.
COLUMNS_FLOATS = 4_000_000


def correlate(job: Correlation) -> np.ndarray:
    """Correlate every plane of ``job.src`` with ``job.weights``; returns ``job.out``."""
    src, weights, out = job.src, job.weights, job.out
    h, w, c = src.shape
    kh, kw = weights.shape
    ry, rx = job.radius
    k = kh * kw
    values = max(1, COLUMNS_FLOATS // k)  # output values per tile
    bw = min(w, max(1, values // c))  # tile width in pixels
    bh = min(h, max(1, values // (bw * c)))
    tiles = job.blocks(bh, bw)
    taps = np.ascontiguousarray(weights.reshape(1, k), dtype=np.float32)

    def scratch() -> tuple[np.ndarray, np.ndarray]:
        return (
            np.empty((bh + 2 * ry) * (bw + 2 * rx) * c, np.float32),
            np.empty(k * bh * bw * c, np.float32),
        )

    def tile(span: tuple[tuple[int, int], tuple[int, int]], buffers: tuple) -> None:
        (y0, y1), (x0, x1) = span
        n, row_len = y1 - y0, (x1 - x0) * c
        block = job.padded((y0, y1), (x0, x1), buffers[0])
        flat = block.reshape(n + 2 * ry, -1)
        columns = buffers[1][: k * n * row_len].reshape(kh, kw, n, row_len)
        for dy in range(kh):
            for dx in range(kw):
                columns[dy, dx] = flat[dy : dy + n, dx * c : dx * c + row_len]
        product = np.einsum("ik,kp->ip", taps, columns.reshape(k, n * row_len))
        job.store(product.reshape(n, x1 - x0, c), out[y0:y1, x0:x1])

    return job.run(tiles, tile, scratch)
