"""PNG files in C codecs: libpng (through imagecodecs) to read, zlib-ng on every core to write.

Why not Pillow or pypng:

* **Reading.** Pillow opens a 16-bit RGB(A) PNG as 8 bits, dropping the low byte of every
  sample; pypng keeps the bits but is pure Python (1.5 megapixels a second). imagecodecs'
  libpng decodes 16-bit PNG bit-exactly at C speed, straight into one numpy array, and
  expands tRNS into alpha. 8-bit gray, RGB, gray+alpha and RGBA PNGs are read the same
  way, which also saves the copies Pillow needs (it keeps RGB as 4 bytes a pixel and hands
  numpy a bytes copy). Palette, 1/2/4-bit, 8-bit tRNS and 8-bit interlaced files stay with
  Pillow, the better reader of those (:func:`read_png` returns None for them).
* **Writing.** A PNG's pixels are one zlib stream, and deflate runs on one core: at the
  usual level 6 a 24-megapixel photo takes libpng or Pillow 6-7 s. Here the rows are cut
  into strips; each strip is filtered in numpy and deflated by zlib-ng (zlib's faster
  successor, same format) in a thread of its own (it releases the GIL), ending with a sync
  flush, so the compressed strips join into the one valid stream a PNG must hold (what pigz
  does for gzip). Matches lost across strip edges cost well under 0.1% of the size.

How ``level`` (0-9, the zlib level, as in libpng, GIMP and OpenCV) is used: 0 stores the
rows unfiltered. 1-9 filter each row as libpng does (its adaptive choice) and deflate with
the default strategy at that level, or with the run-length strategy when three sample
strips come out no larger with it. On a noisy photo
(no long matches to find) run-length coding is 3-5x faster than the default and about 10%
smaller, at every level; on smoother photos, graphics and screenshots the default strategy
wins and the level trades time for size, as users expect.

The default, 4, is the knee of that trade. Measured with the encoder's 2 threads on this
project's 2-core machine at a quiet moment (``tests/benchmarks/bench_cli.py --levels-table``
prints the same table), a 24-megapixel photo after a Gaussian blur took 0.66 s at level 1
(32.0% of the raw size), 1.07 s at 4 (28.3%), 1.49 s at 6 (27.2%) and 7-11 s at 9 (26.5%):
level 6 saves 4% for 1.4 times the time, 9 saves 6% for 7-10 times. A screenshot: 8.0% at
1, 7.8% at 4, 7.6% at 6, 6.9% at 9 (0.20, 0.13, 0.13, 0.34 s). GIMP's default is 9 and
libpng's 6; ``--png-compression`` and the app's PNG save choose.
"""

from __future__ import annotations

import os
import struct
import threading
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO

import numpy as np

try:
    # zlib-ng: the same deflate streams as zlib, about twice as fast at the same level and
    # a little smaller; its Python module mirrors the standard one, GIL release included.
    from zlib_ng import zlib_ng as _deflater
except ImportError:  # a platform without its wheels: the standard zlib, slower
    _deflater = zlib

from workbench.engine.image_codecs import (
    Decoded,
    apply_exif_orientation,
    gray_alpha_to_rgba,
)
from workbench.engine.option_names import PNG_COMPRESSION

__all__ = ["DEFAULT_LEVEL", "is_png", "read_png", "write_png"]

#: The default compression level: the knee of size against time (the module docstring).
DEFAULT_LEVEL = PNG_COMPRESSION

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: About this many bytes of rows per strip: small enough that the filter's int16
#: temporaries stay a few megabytes per thread, large enough that the sync flushes cost
#: nothing measurable.
_STRIP_BYTES = 1 << 18
SizeCheck = Callable[[int, int], None]

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _threads() -> ThreadPoolExecutor:
    """The encoder's own threads (one per core), made on first use."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(
                max_workers=os.cpu_count() or 1, thread_name_prefix="png-deflate"
            )
        return _pool


def is_png(head: bytes) -> bool:
    """Whether the first bytes of a file are a PNG signature."""
    return head.startswith(_SIGNATURE)


# -- reading ----------------------------------------------------------------------------
def _chunks(data: bytes) -> Iterator[tuple[bytes, memoryview]]:
    """``(type, body)`` of each chunk; stops at IEND or where the data ends."""
    view = memoryview(data)
    pos = len(_SIGNATURE)
    while pos + 8 <= len(data):
        (length,) = struct.unpack_from(">I", data, pos)
        kind = bytes(view[pos + 4 : pos + 8])
        body = view[pos + 8 : pos + 8 + length]
        yield kind, body
        if kind == b"IEND":
            return
        pos += 12 + length


def read_png(path: Path, check_size: SizeCheck) -> Decoded | None:
    """A PNG of 8 or 16 bits a sample, or None for the kinds Pillow reads (see above)."""
    data = path.read_bytes()
    if len(data) < 33 or data[12:16] != b"IHDR":
        raise ValueError("the PNG header is damaged")
    width, height, depth, colour = struct.unpack_from(">IIBB", data, 16)
    check_size(width, height)
    icc = dpi = exif = None
    has_trns = animated = False
    for kind, body in _chunks(data):
        if kind == b"iCCP":
            name_end = bytes(body[:80]).find(b"\0")
            icc = zlib.decompress(body[name_end + 2 :])
        elif kind == b"pHYs" and len(body) == 9 and body[8] == 1:
            ppm_x, ppm_y = struct.unpack(">II", body[:8])
            dpi = (round(ppm_x * 0.0254, 2), round(ppm_y * 0.0254, 2))
        elif kind == b"eXIf":
            exif = bytes(body)
        elif kind == b"tRNS":
            has_trns = True
        elif kind == b"acTL":
            animated = True
    interlaced = data[28] == 1
    # Animations go to Pillow, which counts their frames so that loading can say that only
    # the first is used.
    if depth != 16 and (depth != 8 or colour == 3 or has_trns or interlaced or animated):
        return None
    import imagecodecs  # imported when first needed: the app starts without it

    # An interlaced (Adam7) file decodes exactly, but libpng also prints a warning on stderr
    # ("Interlace handling should be turned on"): 8-bit ones go to Pillow, which reads them
    # quietly; for 16-bit ones Pillow would drop the low bytes, so the warning stays.
    pixels = imagecodecs.png_decode(data)
    del data
    pixels, exif = apply_exif_orientation(gray_alpha_to_rgba(pixels), exif)
    return Decoded(pixels, depth, icc, dpi, exif)


# -- writing ----------------------------------------------------------------------------
def _chunk(kind: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(body, zlib.crc32(kind))
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


#: |byte| taken as signed, the weight of a filtered byte in libpng's choice of filter.
_COST = np.minimum(np.arange(256), 256 - np.arange(256)).astype(np.uint8)


def _filtered_rows(rows: np.ndarray, above: np.ndarray | None, bpp: int) -> np.ndarray:
    """Rows (bytes) filtered as libpng does, each with its filter-type byte in front.

    Every row gets the filter (PNG 1.2, section 6: None, Sub, Up, Average, Paeth) whose
    output has the smallest sum of absolute values as signed bytes: libpng's heuristic, the
    one behind most PNG encoders' "adaptive" filtering. Graphics come out 20-30% smaller
    than with Paeth alone, photos as small.
    """
    n, stride = rows.shape
    cur = rows.astype(np.int16)
    up = np.empty_like(cur)
    up[1:] = cur[:-1]
    up[0] = 0 if above is None else above
    left = np.zeros_like(cur)
    left[:, bpp:] = cur[:, :-bpp]
    corner = np.zeros_like(cur)
    corner[:, bpp:] = up[:, :-bpp]
    candidates = np.empty((5, n, stride), np.uint8)
    candidates[0] = rows
    np.subtract(cur, left, out=candidates[1], casting="unsafe")  # modulo 256
    np.subtract(cur, up, out=candidates[2], casting="unsafe")
    np.subtract(cur, (left + up) >> 1, out=candidates[3], casting="unsafe")
    # Paeth: the one of left, up, corner nearest to left + up - corner.
    pa = np.abs(up - corner)
    pb = np.abs(left - corner)
    pc = np.abs(left + up - 2 * corner)
    np.copyto(corner, up, where=pb <= pc)
    np.copyto(corner, left, where=(pa <= pb) & (pa <= pc))
    del pa, pb, pc, up
    np.subtract(cur, corner, out=candidates[4], casting="unsafe")
    del cur, left, corner
    costs = np.empty((5, n), np.uint64)
    weights = np.empty((n, stride), np.uint8)
    for k in range(5):
        np.take(_COST, candidates[k], out=weights)
        costs[k] = weights.sum(axis=1, dtype=np.uint64)
    best = np.argmin(costs, axis=0)
    out = np.empty((n, stride + 1), np.uint8)
    out[:, 0] = best
    out[:, 1:] = candidates[best, np.arange(n)]
    return out


def _plain_rows(rows: np.ndarray) -> np.ndarray:
    out = np.empty((rows.shape[0], rows.shape[1] + 1), np.uint8)
    out[:, 0] = 0
    out[:, 1:] = rows
    return out


def _deflate(data: np.ndarray, level: int, strategy: int, last: bool) -> bytes:
    """Raw deflate of ``data``; a sync flush ends it on a byte edge unless it is the last."""
    if level == 1 and _deflater is not zlib:
        # zlib-ng's level 1 is a "quick" mode 15-25% larger than zlib's level 1; its level
        # 2 is as fast as zlib's 1 and as small.
        level = 2
    compressor = _deflater.compressobj(level, zlib.DEFLATED, -15, 9, strategy)
    body = compressor.compress(data)
    return body + compressor.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)


def write_png(
    target: str | Path | BinaryIO,
    arr: np.ndarray,
    icc: bytes | None,
    dpi: tuple[float, float] | None,
    exif: bytes | None,
    level: int = DEFAULT_LEVEL,
) -> None:
    """Write ``uint8`` or ``uint16`` pixels (gray, gray+alpha, RGB, RGBA) as a PNG.

    The compressed strips are written as they are done, so memory stays at the image plus
    a few strips, whatever its size.
    """
    h, w = arr.shape[:2]
    channels = 1 if arr.ndim == 2 else arr.shape[2]
    depth = 8 * arr.dtype.itemsize
    colour = {1: 0, 2: 4, 3: 2, 4: 6}[channels]
    samples = arr.reshape(h, w * channels)
    bpp = channels * arr.dtype.itemsize
    row_bytes = w * bpp
    step = max(1, _STRIP_BYTES // row_bytes)
    starts = list(range(0, h, step))

    def as_bytes(y0: int, y1: int) -> np.ndarray:
        # PNG stores 16-bit samples big-endian: swapped strip by strip, never the whole.
        part = samples[y0:y1]
        if depth == 16:
            part = part.astype(">u2", copy=False)
        return np.ascontiguousarray(part).view(np.uint8)

    def filtered(i: int) -> np.ndarray:
        y0, y1 = starts[i], min(starts[i] + step, h)
        if level == 0:
            return _plain_rows(as_bytes(y0, y1))
        above = as_bytes(y0 - 1, y0)[0] if y0 else None
        return _filtered_rows(as_bytes(y0, y1), above, bpp)

    strategy = zlib.Z_DEFAULT_STRATEGY
    if level > 0:
        strategy = _choose_strategy(filtered, len(starts), level)

    def strip(i: int) -> tuple[bytes, int, int]:
        data = filtered(i)
        body = _deflate(data, level, strategy, i == len(starts) - 1)
        return body, zlib.adler32(data), data.size

    header = [_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, colour, 0, 0, 0))]
    if icc:
        header.append(_chunk(b"iCCP", b"ICC profile\0\0" + zlib.compress(icc)))
    if dpi:
        ppm = (round(dpi[0] / 0.0254), round(dpi[1] / 0.0254))
        header.append(_chunk(b"pHYs", struct.pack(">IIB", *ppm, 1)))
    if exif:
        header.append(_chunk(b"eXIf", exif[6:] if exif.startswith(b"Exif\0\0") else exif))
    fh = open(target, "wb") if isinstance(target, (str, os.PathLike)) else target
    try:
        fh.write(_SIGNATURE + b"".join(header))
        # The zlib stream: a header (deflate, 32K window; FLEVEL is informative only), the
        # strips in order, and the Adler-32 of all the filtered rows.
        stream_head = b"\x78\x01" if level < 2 else b"\x78\x5e" if level < 6 else b"\x78\x9c"
        checksum = 1
        for i, (body, adler, length) in enumerate(_in_order(strip, len(starts))):
            checksum = _adler32_combine(checksum, adler, length)
            if i == 0:
                body = stream_head + body
            if i == len(starts) - 1:
                body += struct.pack(">I", checksum)
            fh.write(_chunk(b"IDAT", body))
        fh.write(_chunk(b"IEND", b""))
    finally:
        if fh is not target:
            fh.close()


def _in_order(
    strip: Callable[[int], tuple[bytes, int, int]], count: int
) -> Iterator[tuple[bytes, int, int]]:
    """Compressed strips in order, a few in flight at a time on the encoder's threads."""
    pool = _threads()
    ahead = 2 * (os.cpu_count() or 1)
    futures = {i: pool.submit(strip, i) for i in range(min(ahead, count))}
    try:
        for i in range(count):
            result = futures.pop(i).result()
            if i + ahead < count:
                futures[i + ahead] = pool.submit(strip, i + ahead)
            yield result
    finally:
        for future in futures.values():  # an error or an interrupt: drop the rest
            future.cancel()


def _choose_strategy(filtered: Callable[[int], np.ndarray], count: int, level: int) -> int:
    """Run-length coding if a sample of strips comes out no larger with it, else the default."""

    def sizes(i: int) -> tuple[int, int]:
        data = filtered(i)
        rle = len(_deflate(data, level, zlib.Z_RLE, True))
        return rle, len(_deflate(data, level, zlib.Z_DEFAULT_STRATEGY, True))

    results = list(_threads().map(sizes, sorted({0, count // 2, count - 1})))
    rle = sum(r for r, _ in results)
    default = sum(d for _, d in results)
    return zlib.Z_RLE if rle <= default else zlib.Z_DEFAULT_STRATEGY


_ADLER_BASE = 65521


def _adler32_combine(adler1: int, adler2: int, len2: int) -> int:
    """The Adler-32 of two byte runs joined, from theirs (zlib's adler32_combine)."""
    rem = len2 % _ADLER_BASE
    sum1 = adler1 & 0xFFFF
    sum2 = (rem * sum1) % _ADLER_BASE
    sum1 += (adler2 & 0xFFFF) + _ADLER_BASE - 1
    sum2 += ((adler1 >> 16) & 0xFFFF) + ((adler2 >> 16) & 0xFFFF) + _ADLER_BASE - rem
    if sum1 >= _ADLER_BASE:
        sum1 -= _ADLER_BASE
    if sum1 >= _ADLER_BASE:
        sum1 -= _ADLER_BASE
    if sum2 >= (_ADLER_BASE << 1):
        sum2 -= _ADLER_BASE << 1
    if sum2 >= _ADLER_BASE:
        sum2 -= _ADLER_BASE
    return sum1 | (sum2 << 16)
