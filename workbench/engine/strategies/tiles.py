"""Tiles: the unit of work every strategy shares.

A strategy cuts the image into tiles (bands of rows for ``direct`` and ``separable``,
blocks for ``fft`` and ``im2col``), fetches each with its halo (the rows and columns the
kernel reaches beyond it, made up by the border mode where they fall outside the image),
and writes the tile's part of the result. :func:`run_tiles` spreads the tiles over a few
threads (numpy releases the GIL inside its loops), checks for cancellation between tiles
and reports progress from the calling thread only, so the fractions it sends only grow.
A strategy is a function of one :class:`Correlation`: the job every strategy is given.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from workbench.engine.border import source_index
from workbench.engine.lookup import Lookup
from workbench.engine.progress import Reporter

__all__ = [
    "Correlation",
    "Finish",
    "band_rows",
    "interior_rows",
    "padded_tile",
    "run_tiles",
    "store",
    "thread_count",
]

T = TypeVar("T")

#: ``finish(values, dest)``: turn a tile's float32 sums into the result (add the offset,
#: round, clip, convert) and write them into ``dest``. ``values`` is scratch it may change;
#: it may be ``dest`` itself for a float32 result.
Finish = Callable[[np.ndarray, np.ndarray], None]


def store(values: np.ndarray, dest: np.ndarray, finish: Finish | None) -> None:
    """Write a tile's float32 ``values`` into ``dest``, through ``finish`` if given."""
    if finish is not None:
        finish(values, dest)
    elif values is not dest:
        dest[...] = values


@dataclass(frozen=True)
class Correlation:
    """One correlation of image planes with a 2-D kernel: what every strategy is given.

    A strategy cuts the image into tiles, fetches each with :meth:`padded`, computes its
    float32 sums and hands them to :meth:`store`; :meth:`run` spreads the tiles over threads.

    Attributes
    ----------
    src : ndarray
        C-contiguous ``H x W x C`` planes, uint8, uint16 or float32.
    weights : ndarray
        float64 effective weights (already divided by the divisor), ``kh x kw``.
    border, cval
        Border mode name and the value of the ``constant`` border.
    reporter : Reporter
        Gets progress, and is checked for cancellation between tiles.
    out : ndarray
        C-contiguous ``H x W x C`` result: float32, or any dtype ``finish`` converts to.
    finish : callable, optional
        Turns a tile's float32 sums into the result; see :data:`Finish`.
    decode : Lookup, optional
        Table integer ``src`` is read through: each tile is fetched as ``decode[src]``
        (sRGB to linear light, in cache) instead of the values themselves.
    """

    src: np.ndarray
    weights: np.ndarray
    border: str
    cval: float
    reporter: Reporter
    out: np.ndarray
    finish: Finish | None = None
    decode: Lookup | None = None

    @property
    def radius(self) -> tuple[int, int]:
        """``(ry, rx)``: rows above/below and columns left/right that the kernel reaches."""
        kh, kw = self.weights.shape
        return kh // 2, kw // 2

    def padded(self, rows: tuple[int, int], cols: tuple[int, int], buf: np.ndarray) -> np.ndarray:
        """The block ``rows x cols`` of ``src`` with its halo, float32; see :func:`padded_tile`."""
        return padded_tile(
            self.src, rows, cols, self.radius, self.border, self.cval, buf, self.decode
        )

    def store(self, values: np.ndarray, dest: np.ndarray) -> None:
        """Write a tile's float32 sums into ``dest`` (a part of ``out``)."""
        store(values, dest, self.finish)

    def blocks(self, block_rows: int, block_cols: int) -> list[tuple[tuple[int, int], ...]]:
        """``((y0, y1), (x0, x1))`` of the blocks that cover the image, row by row."""
        h, w = self.src.shape[:2]
        return [
            ((y0, min(y0 + block_rows, h)), (x0, min(x0 + block_cols, w)))
            for y0 in range(0, h, block_rows)
            for x0 in range(0, w, block_cols)
        ]

    def run(self, tiles: Sequence[T], work: Callable[[T, Any], None], scratch) -> np.ndarray:
        """``work(tile, scratch)`` for every tile on a few threads (:func:`run_tiles`)."""
        run_tiles(tiles, work, self.reporter, scratch)
        return self.out


def thread_count() -> int:
    """Threads to use for one call: one per core."""
    return max(1, os.cpu_count() or 1)


#: Multiply-adds in one tile, at most: a few milliseconds of work, so a cancel is noticed
#: well within 0.2 s even when the cores are shared.
TILE_WORK = 40_000_000


def band_rows(row_floats: int, taps: int, halo_rows: int, budget_floats: int) -> int:
    """Rows per band: near a cache budget, and never more than :data:`TILE_WORK`.

    Parameters
    ----------
    row_floats : int
        Floats in one row of the band's working buffers.
    taps : int
        Multiply-adds per output value.
    halo_rows : int
        Rows fetched with every band besides its own; bands are made this tall if the work
        limit allows, so the halo is not fetched more often than the rows themselves.
    budget_floats : int
        Floats of working buffer a band should stay near.
    """
    row_floats = max(row_floats, 1)
    cache_rows = max(budget_floats // row_floats, halo_rows)
    work_rows = TILE_WORK // (row_floats * max(taps, 1))
    return max(1, min(cache_rows, work_rows))


def interior_rows(src2d: np.ndarray, top: int, bottom: int, halo_floats: int) -> np.ndarray | None:
    """Rows ``top .. bottom`` of a float32 ``H x (W C)`` image if they can be read in place.

    That is when they all lie inside the image and the image is wider than the kernel's
    horizontal halo (``halo_floats``); otherwise None, and the caller pads a copy.
    """
    if src2d.dtype != np.float32 or top < 0 or bottom > src2d.shape[0]:
        return None
    if src2d.shape[1] <= halo_floats:
        return None
    return src2d[top:bottom]


@functools.lru_cache(maxsize=64)
def _index_map(start: int, stop: int, n: int, border: str) -> np.ndarray:
    """``source_index`` of ``start .. stop``, computed once per tile position."""
    index = source_index(np.arange(start, stop), n, border)
    index.flags.writeable = False
    return index


def padded_tile(
    src: np.ndarray,
    rows: tuple[int, int],
    cols: tuple[int, int],
    halo: tuple[int, int],
    border: str,
    cval: float,
    buf: np.ndarray,
    decode: Lookup | None = None,
) -> np.ndarray:
    """A block of ``src`` (H x W x C) with its halo, as float32, written into ``buf``.

    Parameters
    ----------
    src : ndarray
        The image planes, any supported dtype; converted to float32 on the way.
    rows, cols : (int, int)
        The block: rows ``y0 .. y1`` and columns ``x0 .. x1`` of ``src``.
    halo : (int, int)
        Rows above/below and columns left/right the kernel reaches (``kh // 2, kw // 2``).
    border, cval
        Border mode and the ``constant`` value.
    buf : ndarray
        float32 scratch of at least ``(y1 - y0 + 2 ry) * (x1 - x0 + 2 rx) * C`` elements.
    decode : Lookup, optional
        Table the integer values of ``src`` pass through (``decode[src]``).

    Returns
    -------
    ndarray
        A ``(y1 - y0 + 2 ry, x1 - x0 + 2 rx, C)`` float32 view into ``buf``.
    """
    h, w, c = src.shape
    ry, rx = halo
    top, left = rows[0] - ry, cols[0] - rx  # image position of the block's first pixel
    n_rows, n_cols = rows[1] - rows[0] + 2 * ry, cols[1] - cols[0] + 2 * rx
    block = buf.reshape(-1)[: n_rows * n_cols * c].reshape(n_rows, n_cols, c)

    def fetch(values: np.ndarray) -> np.ndarray:
        return values if decode is None else decode(values)

    # Inside the image: one slice copy. Outside it: rows and columns the border mode picks.
    r0, r1 = max(top, 0) - top, min(top + n_rows, h) - top
    c0, c1 = max(left, 0) - left, min(left + n_cols, w) - left
    if r0 < r1 and c0 < c1:
        inside = src[top + r0 : top + r1, left + c0 : left + c1]
        if decode is None:
            block[r0:r1, c0:c1] = inside
        elif not decode.whole_rows_into(src, (top + r0, top + r1), left, block[r0:r1]):
            decode.into(inside, block[r0:r1, c0:c1])
    if c0 > 0 or c1 < n_cols:
        src_cols = _index_map(left, left + n_cols, w, border)
        outside = np.r_[0:c0, c1:n_cols]
        if border == "constant":
            block[:, outside] = cval
        elif r0 < r1:
            block[r0:r1, outside] = fetch(src[top + r0 : top + r1][:, src_cols[outside]])
    if r0 > 0 or r1 < n_rows:
        src_rows = _index_map(top, top + n_rows, h, border)
        src_cols = _index_map(left, left + n_cols, w, border)
        for i in (*range(r0), *range(r1, n_rows)):
            # constant maps every row outside to -1; the other modes to a real row.
            if src_rows[i] < 0:
                block[i] = cval
            else:
                block[i] = fetch(src[src_rows[i]][src_cols])
    return block


def run_tiles(
    tiles: Sequence[T],
    work: Callable[[T, Any], None],
    reporter: Reporter,
    make_scratch: Callable[[], Any] = lambda: None,
    *,
    threads: int | None = None,
) -> None:
    """Run ``work(tile, scratch)`` for every tile on a few threads.

    Each thread makes its own scratch with ``make_scratch()`` once. The calling thread takes
    tiles too, and it alone reports progress (fraction of tiles done) through ``reporter``.
    Cancellation is checked before every tile in every thread; once it is set, or a tile
    fails, no new tile starts, the threads are joined and the error (or
    :class:`~workbench.engine.Cancelled`) is raised in the caller.
    """
    n = len(tiles)
    if n == 0:
        return
    threads = min(threads or thread_count(), n)
    lock = threading.Lock()
    state = {"next": 0, "done": 0, "stop": False}
    errors: list[BaseException] = []

    def take() -> int:
        with lock:
            if state["stop"] or state["next"] >= n:
                return -1
            i = state["next"]
            state["next"] += 1
            return i

    def finish() -> None:
        with lock:
            state["done"] += 1

    def helper() -> None:
        try:
            scratch = make_scratch()
            while not reporter.cancelled:
                i = take()
                if i < 0:
                    return
                work(tiles[i], scratch)
                finish()
        except BaseException as exc:  # handed to the caller below
            with lock:
                state["stop"] = True
                errors.append(exc)

    workers = [threading.Thread(target=helper, daemon=True) for _ in range(threads - 1)]
    for t in workers:
        t.start()
    reported = 0
    try:
        scratch = make_scratch()
        while True:
            reporter.check()
            i = take()
            if i < 0:
                break
            work(tiles[i], scratch)
            finish()
            done = state["done"]
            reporter.advance((done - reported) / n)
            reported = done
    except BaseException:
        with lock:
            state["stop"] = True
        raise
    finally:
        for t in workers:
            t.join()
    if errors:
        raise errors[0]
    reporter.check()
    reporter.advance((n - reported) / n)
