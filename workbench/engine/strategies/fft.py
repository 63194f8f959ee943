"""FFT strategy: overlap-save over tiles, with numpy's real FFT in float32.

The image is cut into blocks; each block is fetched with its halo (made up by the border
mode at the image edge) into an ``N x M`` array, transformed, multiplied by the kernel's
spectrum (computed once per call) and transformed back. Of the circular result, the first
``N - kh + 1`` rows and ``M - kw + 1`` columns are exactly the correlation; the rest is
wrap-around and is dropped. Work per pixel hardly grows with the kernel, so this wins for
big dense kernels. numpy 2 transforms float32 as float32 (complex64 spectra).
"""

from __future__ import annotations

import numpy as np

from workbench.engine.strategies.tiles import Correlation

#: FFT side length aimed for: big enough that the halo wasted per tile is small, small
#: enough that a tile's arrays stay in cache and a tile takes a few milliseconds.
TARGET_SIDE = 512


def fast_length(n: int) -> int:
    """The smallest ``2^a 3^b 5^c >= n``: lengths pocketfft transforms quickly."""
    m = max(n, 1)
    while True:
        rest = m
        for p in (2, 3, 5):
            while rest % p == 0:
                rest //= p
        if rest == 1:
            return m
        m += 1


def tile_side(length: int, taps: int, target: int = TARGET_SIDE) -> tuple[int, int]:
    """``(fft_side, block)`` along one axis: block outputs from an FFT of ``fft_side``."""
    if length + taps - 1 <= target:
        side = fast_length(length + taps - 1)
        return side, length
    side = fast_length(max(target, 2 * taps))
    return side, side - taps + 1


def correlate(job: Correlation) -> np.ndarray:
    """Correlate every plane of ``job.src`` with ``job.weights``; returns ``job.out``."""
    src, weights, out = job.src, job.weights, job.out
    h, w, c = src.shape
    kh, kw = weights.shape
    n, bh = tile_side(h, kh)
    m, bw = tile_side(w, kw)
    # Correlation is the product with the conjugate spectrum of the kernel placed at the
    # origin: output (y, x) then reads input (y .. y + kh - 1, x .. x + kw - 1) of the tile.
    spectrum = np.conj(np.fft.rfft2(weights, s=(n, m))).astype(np.complex64)
    tiles = job.blocks(bh, bw)

    def scratch() -> tuple[np.ndarray, ...]:
        return (
            np.empty(n * m * c, np.float32),  # the block with its halo, H x W x C order
            np.zeros((c, n, m), np.float32),  # the same, one plane per channel
            np.empty((c, n, m // 2 + 1), np.complex64),
            np.empty((c, n, m), np.float32),
        )

    def tile(span: tuple[tuple[int, int], tuple[int, int]], buffers: tuple) -> None:
        (y0, y1), (x0, x1) = span
        block_buf, planes, spec, result = buffers
        block = job.padded((y0, y1), (x0, x1), block_buf)
        rows, cols = block.shape[:2]
        if rows < n or cols < m:
            planes[...] = 0  # the last tiles are short: zeros stay clear of kept outputs
        planes[:, :rows, :cols] = block.transpose(2, 0, 1)
        np.fft.rfft2(planes, out=spec)
        np.multiply(spec, spectrum, out=spec)
        # irfft2 ignores ``out`` in numpy 2.4; its two 1-D steps honour it.
        np.fft.ifft(spec, axis=1, out=spec)
        np.fft.irfft(spec, n=m, axis=2, out=result)
        job.store(result[:, : y1 - y0, : x1 - x0].transpose(1, 2, 0), out[y0:y1, x0:x1])

    return job.run(tiles, tile, scratch)
