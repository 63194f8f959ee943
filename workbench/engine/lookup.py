"""Integer image values read through a table: ``table[values]``, fast for 8-bit values.

Used to decode sRGB to linear light, for whole images (:mod:`workbench.engine.colour`) and
tile by tile as the strategies fetch them (:mod:`workbench.engine.strategies.tiles`).
"""

from __future__ import annotations

import sys

import numpy as np
from numpy.lib.stride_tricks import as_strided

__all__ = ["CHUNK_VALUES", "Lookup"]

#: Values looked up per numpy call at most. ``take`` first copies its indices to 8-byte
#: integers, a temporary twice the result's size: over whole images the temporary is fresh
#: memory every time (here 12 MP RGB: 77-557 ms, against 47-62 ms in chunks of this size,
#: whose temporary stays in cache and is reused).
CHUNK_VALUES = 1 << 18


class Lookup:
    """A float32 table that integer image values are read through (sRGB decoding).

    ``Lookup(table).into(values, out)`` writes ``table[values]`` into ``out``. numpy's
    ``take`` costs about the same per index whatever it copies, and converts its indices to
    ``intp`` first, so 8-bit values are looked up two at a time: the table of every pair of
    levels (65536 pairs of floats, 512 KB) is indexed by the uint16 that two neighbouring
    bytes make. That halves the cost of decoding an 8-bit tile (sRGB to linear light).
    """

    def __init__(self, table: np.ndarray) -> None:
        self.table = np.asarray(table, np.float32)
        self.pairs: np.ndarray | None = None
        if self.table.size == 256 and sys.byteorder == "little":
            index = np.arange(1 << 16)
            pairs = np.empty((1 << 16, 2), np.float32)
            pairs[:, 0] = self.table[index & 0xFF]  # little-endian: the first byte is low
            pairs[:, 1] = self.table[index >> 8]
            self.pairs = pairs.view(np.uint64).reshape(-1)

    def __call__(self, values: np.ndarray) -> np.ndarray:
        """``table[values]``, a new float32 array."""
        out = np.empty(np.shape(values), np.float32)
        self.into(values, out)
        return out

    def into(self, values: np.ndarray, out: np.ndarray) -> None:
        """Write ``table[values]`` into ``out`` (same shape; may be a strided view).

        Large arrays are looked up :data:`CHUNK_VALUES` at a time, along their first axis.
        """
        if values.ndim == 0 or values.size <= CHUNK_VALUES:
            self._into(values, out)
            return
        step = max(1, CHUNK_VALUES // (values.size // len(values)))
        for start in range(0, len(values), step):
            self._into(values[start : start + step], out[start : start + step])

    def _into(self, values: np.ndarray, out: np.ndarray) -> None:
        if self.pairs is not None and values.dtype == np.uint8 and values.ndim:
            # Rows of the values (a copy only where they are not runs in memory).
            rows = values.reshape(len(values), -1) if values.ndim > 1 else values.reshape(1, -1)
            if rows.shape[1] % 2 == 0 and rows.strides[1] == 1:
                pairs = rows.view(np.uint16)
                if out.flags.c_contiguous:
                    np.take(
                        self.pairs,
                        pairs,
                        out=out.reshape(pairs.shape[0], -1).view(np.uint64),
                        mode="wrap",
                    )
                else:
                    out[...] = (
                        np.take(self.pairs, pairs, mode="wrap").view(np.float32).reshape(out.shape)
                    )
                return
        if out.flags.c_contiguous:
            np.take(self.table, values, out=out, mode="wrap")  # no bounds check: levels fit
        else:
            out[...] = np.take(self.table, values, mode="wrap")

    def whole_rows_into(self, src: np.ndarray, rows: tuple[int, int], left: int, out) -> bool:
        """Decode ``out.shape[1]`` pixels of each of ``rows`` of ``src``, from ``left`` on.

        ``out`` is a C-contiguous float32 ``rows x n x C`` part of a tile. Pixels left of
        column 0 or right of the last column are read from the row before or after in
        memory: wrong values, which the caller overwrites with the border. In exchange the
        tile's rows are one contiguous run for ``take`` to write straight into, with no
        temporary. A first or last row whose run would start before the image's first
        value or end after its last (the top and bottom bands) is decoded on its own, the
        part of it that lies in the image. Returns False (nothing done) where this is not
        possible: ``src`` not 8-bit and contiguous, or an odd number of values per row.
        """
        w, c = src.shape[1:]
        n = out.shape[1] * c
        if self.pairs is None or src.dtype != np.uint8 or not src.flags.c_contiguous or n % 2:
            return False
        flat = src.reshape(-1)
        dest = out.reshape(len(out), n)
        first, last = 0, rows[1] - rows[0]  # rows of ``out`` that one strided run decodes
        for i in (0, last - 1):
            start = ((rows[0] + i) * w + left) * c
            if start < 0 or start + n > flat.size:
                lo, hi = max(start, 0), min(start + n, flat.size)
                np.take(self.table, flat[lo:hi], out=dest[i, lo - start : hi - start], mode="wrap")
                first, last = (i + 1, last) if i == 0 else (first, i)
        if first < last:
            start = ((rows[0] + first) * w + left) * c
            runs = as_strided(
                flat[start:], shape=(last - first, n), strides=(w * c, 1), writeable=False
            )
            np.take(
                self.pairs, runs.view(np.uint16), out=dest[first:last].view(np.uint64), mode="wrap"
            )
        return True
