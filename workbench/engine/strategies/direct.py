"""Direct strategy: shifted multiply-accumulate over row bands.

Each band of rows (with its halo) is small enough to stay in the core's cache while every
tap passes over it. The band is laid out ``rows x (W * C)``: a shift of one pixel is a
shift of ``C`` floats, so one shifted slice handles all channels of an interleaved image.
A dense kernel is summed by one ``einsum`` over a strided view of all ``kh x kw`` shifted
slices, which multiplies and adds in one pass per tap (no product buffer, no Python call
per tap); a sparse kernel (a shift, a cross) multiplies and adds only its non-zero taps.
Bands of a float32 image away from its top and bottom are read in place, not copied.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from workbench.engine.strategies.tiles import Correlation, band_rows

#: Floats of output per band: about the size of a core's L2 cache (2 MB here) for the band
#: and its halo, and big enough that the fixed cost of a band (a dozen numpy calls, each a
#: hand-over of the GIL between the two threads) stays small. Measured on 12 MP RGB, 3x3
#: kernels, 8-bit (dense / Gaussian, ms): 384k floats 47 / 57, 768k 46 / 47, 1.5M 46 / 49;
#: in linear light 80 / 88, 74 / 77, 90 / 106; 96k floats took 2 to 3 times as long.
BAND_FLOATS = 768_000


#: Floats per column chunk of an in-place band: an output row chunk and the rows its taps
#: read stay in L1/L2 for all taps (measured: 5x5 on 12 MP RGB 84 ms, whole rows 103 ms).
CHUNK_FLOATS = 4096


def shifted_views(flat: np.ndarray, kh: int, kw: int, rows: int, step: int) -> np.ndarray:
    """``view[dy, dx] = flat[dy : dy + rows, dx * step : dx * step + width]``, no copy.

    ``flat`` is a padded band ``(rows + kh - 1) x ((kw - 1) * step + width)``.
    """
    width = flat.shape[1] - (kw - 1) * step
    s_row, s_col = flat.strides
    return as_strided(
        flat,
        shape=(kh, kw, rows, width),
        strides=(s_row, step * s_col, s_row, s_col),
        writeable=False,
    )


def sum_of_taps(view: np.ndarray, grid: np.ndarray, out: np.ndarray, tmp: np.ndarray) -> None:
    """``out = einsum("abij,ab->ij", view, grid)``: the fused sum, fast for one plane too.

    ``view`` is ``a x b x rows x width`` (``b``: the columns of taps, as ``shifted_views``
    gives) and ``tmp`` float32 scratch of at least ``out.size``. When a shift of one pixel
    is one float (a single plane) the ``b`` and ``j`` axes step alike, and einsum then
    loops over ``b`` innermost, a few taps per output value. Measured on one core, ns a
    value: 3x3 14 (0.9 with 3 planes), 7x7 33; with ``a`` of length 1, 3.4 + 0.08 a tap.
    There each column of taps is one fused sum over ``a``, and the columns are added
    (3x3 1.9, 7x7 8.2, one row of taps 0.5 a tap), except for one long row of taps.
    """
    if view.strides[1] != view.strides[3]:
        np.einsum("abij,ab->ij", view, grid, out=out)
        return
    if grid.shape[0] == 1 and grid.shape[1] >= 8:
        np.einsum("bij,b->ij", view[0], grid[0], out=out)
        return
    part = tmp.reshape(-1)[: out.size].reshape(out.shape)
    np.einsum("aij,a->ij", view[:, 0], grid[:, 0], out=out)
    for b in range(1, grid.shape[1]):
        np.einsum("aij,a->ij", view[:, b], grid[:, b], out=part)
        np.add(out, part, out=out)


def uses_einsum(weights: np.ndarray) -> bool:
    """Whether the fused sum over all taps beats multiplying and adding the non-zero ones."""
    # A plain multiply or add costs about 3/4 of a fused tap (measured on 2 cores).
    return 0.75 * (2 * np.count_nonzero(weights) - 1) > weights.size


def correlate(job: Correlation) -> np.ndarray:
    """Correlate every plane of ``job.src`` with ``job.weights``; returns ``job.out``."""
    src, weights, out = job.src, job.weights, job.out
    h, w, c = src.shape
    kh, kw = weights.shape
    ry, rx = job.radius
    fused = uses_einsum(weights)
    grid = weights.astype(np.float32)
    taps = [(dy, dx, grid[dy, dx]) for dy, dx in zip(*np.nonzero(weights), strict=True)]
    row_len = w * c
    rows = min(h, band_rows(row_len, kh * kw if fused else len(taps), 2 * ry, BAND_FLOATS))
    out2d = out.reshape(h, row_len)
    src2d = src.reshape(h, row_len)
    # A float32 image into a float32 result: bands whose halo rows are all inside the image
    # read them in place, and the narrow strips at the left and right edges (the only
    # columns that need padding) are done as tiles of their own.
    in_place = src.dtype == np.float32 and out.dtype == np.float32 and w > 2 * rx
    tiles: list[tuple[str, int, int]] = []
    inside = [h, 0]  # rows of the in-place bands
    for y0 in range(0, h, rows):
        y1 = min(y0 + rows, h)
        if in_place and y0 >= ry and y1 + ry <= h:
            tiles.append(("inside", y0, y1))
            inside = [min(inside[0], y0), max(inside[1], y1)]
        else:
            tiles.append(("padded", y0, y1))
    # Edge strips are only rx pixels wide: many rows make one tile.
    edge_rows = max(1, min(rows * 16, BAND_FLOATS // max(2 * rx * c, 1)))
    if rx and inside[0] < inside[1]:
        tiles += [("edges", y, min(y + edge_rows, inside[1])) for y in range(*inside, edge_rows)]
    if in_place and fused and h > 2 * ry:
        # One strided view of every tap's shifted image; a band is a cheap slice of it.
        all_taps = shifted_views(src2d, kh, kw, h - 2 * ry, c)

    def scratch() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        band = (rows + 2 * ry) * (w + 2 * rx) * c
        strip = (edge_rows + 2 * ry) * 3 * rx * c
        return (
            np.empty(max(band, strip), np.float32),  # a tile with its halo
            # Products of the unfused sum, or of one column of taps (see sum_of_taps).
            np.empty(0 if fused and c > 1 else max(rows * row_len, edge_rows * rx * c), np.float32),
            np.empty(0 if out.dtype == np.float32 else rows * row_len, np.float32),
        )

    def accumulate(acc: np.ndarray, flat: np.ndarray, tmp_buf: np.ndarray, view=None) -> None:
        """``acc = sum of weight * shifted flat`` over the taps; ``flat`` holds the halo."""
        n, width = acc.shape
        if fused:
            view = shifted_views(flat, kh, kw, n, c) if view is None else view
            sum_of_taps(view, grid, acc, tmp_buf)
        elif not taps:
            acc[...] = 0
        else:
            tmp = tmp_buf[: n * width].reshape(n, width)
            dy, dx, wt = taps[0]
            np.multiply(flat[dy : dy + n, dx * c : dx * c + width], wt, out=acc)
            for dy, dx, wt in taps[1:]:
                np.multiply(flat[dy : dy + n, dx * c : dx * c + width], wt, out=tmp)
                np.add(acc, tmp, out=acc)

    def tile(item: tuple[str, int, int], buffers: tuple[np.ndarray, ...]) -> None:
        kind, y0, y1 = item
        n = y1 - y0
        if kind == "padded":
            dest = out2d[y0:y1]
            acc = dest if out.dtype == np.float32 else buffers[2][: n * row_len].reshape(n, -1)
            padded = job.padded((y0, y1), (0, w), buffers[0])
            accumulate(acc, padded.reshape(n + 2 * ry, -1), buffers[1])
            job.store(acc, dest)
        elif kind == "inside" and fused:
            # Column chunks keep each output row and the rows it reads in L1 for all taps.
            for x in range(0, (w - 2 * rx) * c, CHUNK_FLOATS):
                x_end = min(x + CHUNK_FLOATS, (w - 2 * rx) * c)
                dest = out2d[y0:y1, rx * c + x : rx * c + x_end]
                view = all_taps[:, :, y0 - ry : y1 - ry, x:x_end]
                sum_of_taps(view, grid, dest, buffers[1])
                job.store(dest, dest)
        elif kind == "inside":
            dest = out2d[y0:y1, rx * c : (w - rx) * c]
            accumulate(dest, src2d[y0 - ry : y1 + ry], buffers[1])
            job.store(dest, dest)
        else:
            for x0, x1 in ((0, rx), (w - rx, w)):
                dest = out2d[y0:y1, x0 * c : x1 * c]
                strip = job.padded((y0, y1), (x0, x1), buffers[0])
                accumulate(dest, strip.reshape(n + 2 * ry, -1), buffers[1])
                job.store(dest, dest)

    return job.run(tiles, tile, scratch)
