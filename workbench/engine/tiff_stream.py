"""TIFFs larger than memory: read in row bands, filtered by ``apply_kernel``, written tiled.

:func:`stream_apply` reads a striped or tiled TIFF or BigTIFF a band of rows at a time (with
the halo the kernel reaches), filters each band with the same :func:`apply_kernel` that
filters a whole image (cut as :mod:`workbench.engine.bands` plans, so that the result is
bit-identical), and writes a tiled BigTIFF through tifffile's writer, fed tile by tile.
Memory stays a few bands, whatever the image's size.

Reading uses tifffile's own segment decoder (``TiffPage.decode`` on the strips or tiles a
band covers, read with ``FileHandle.read_segments``) rather than ``imread(aszarr=True)``:
that needs zarr, one more dependency for the same decoder, and a band here needs nothing
but the segments it covers. Segments are decoded on a few threads (the codecs release the
GIL) and the ones shared with the next band's halo are kept, not decoded twice.

The file is written to a temporary file and renamed when complete (as every save is):
an error or Ctrl+C leaves no partial output.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import tifffile

from workbench.engine.atomic_write import file_path, write_atomically
from workbench.engine.bands import Band, BandPlan, filter_band, plan_bands
from workbench.engine.convolve import range_max
from workbench.engine.image_codecs import _tiff_dpi, is_tiff
from workbench.engine.imageio import MAX_PIXELS, ImageReadError, ImageWriteError
from workbench.engine.kernel import Kernel
from workbench.engine.progress import CancelToken, ProgressCallback, Reporter
from workbench.engine.strategies.tiles import thread_count

__all__ = [
    "BAND_PIXELS",
    "STREAM_BYTES",
    "TILE",
    "TiffBands",
    "is_streamed",
    "output_compression",
    "stream_apply",
    "stream_target_problem",
    "write_tiled",
]

#: Input pixels per band (about 12 MB of 8-bit RGB at 4 MP): big enough that the halo is
#: a small share of the reading, small enough that a few bands and their float32 working
#: buffers stay far below a gigabyte.
BAND_PIXELS = 4_000_000

#: TIFFs whose pixels take more memory than this are streamed even when the decompression
#: guard (:data:`~workbench.engine.imageio.MAX_PIXELS`) would let them be read whole.
STREAM_BYTES = 1 << 30

#: Side of the written tiles (tifffile and most viewers like 256).
TILE = 256

#: Bytes of tiles tifffile compresses in one pass.
WRITE_BUFFER = 32 << 20

#: Compression tags written as they were read; any other compression is written as zlib.
_KEPT_COMPRESSIONS = {1: None, 8: "zlib", 32946: "zlib", 34925: "lzma"}


def is_streamed(path: str | os.PathLike[str]) -> bool:
    """Whether ``workbench apply`` streams this file: a TIFF too large to read whole.

    That is more pixels than the decompression guard lets :func:`load_image` read, or more
    than :data:`STREAM_BYTES` of samples. Unreadable files are not streamed (loading them
    says what is wrong).
    """
    try:
        with open(path, "rb") as fh:
            if not is_tiff(fh.read(8)):
                return False
        with tifffile.TiffFile(path) as tif:
            page = tif.pages[0]
            pixels = int(page.imagewidth) * int(page.imagelength)
            nbytes = pixels * int(page.samplesperpixel) * ((int(page.bitspersample) + 7) // 8)
    except Exception:
        return False
    return pixels > MAX_PIXELS or nbytes > STREAM_BYTES


class TiffBands:
    """Rows of the first image of a TIFF, read on demand, in the engine's layout.

    Rows come back as ``load_image`` gives them: ``H x W`` gray, ``H x W x 3`` RGB or
    ``H x W x 4`` RGBA (gray + alpha as RGBA, min-is-white inverted, samples beyond four
    dropped); uint8, uint16 or float32 in native byte order.

    Raises
    ------
    ImageReadError
        If the file is no TIFF tifffile reads, or of a kind that cannot be streamed (a
        palette, YCbCr or CMYK image, a rotated one, a volume), with the file's name.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = file_path(path)
        self.name = self.path.name
        try:
            self._tif = tifffile.TiffFile(self.path)
        except Exception as exc:
            raise ImageReadError(f"{self.name}: not a TIFF file that can be read ({exc})") from None
        try:
            self._open(self._tif.pages[0])
        except BaseException:
            self._tif.close()
            raise
        self._cache: dict[int, np.ndarray] = {}
        self._pool = ThreadPoolExecutor(thread_count())

    def _open(self, page: tifffile.TiffPage) -> None:
        name = self.name
        self.page = page
        photometric = int(page.photometric)
        if photometric not in (0, 1, 2):
            raise ImageReadError(
                f"{name}: {page.photometric.name} TIFF images cannot be streamed; convert it "
                f"to gray or RGB"
            )
        orientation = int(page.tags[274].value) if 274 in page.tags else 1
        if orientation != 1:
            raise ImageReadError(
                f"{name}: a rotated TIFF (orientation {orientation}) cannot be streamed; "
                f"rotate it upright first"
            )
        depth, length, width = page.shaped[1:4]
        if depth != 1:
            raise ImageReadError(f"{name}: TIFF volumes cannot be streamed")
        dtype = np.dtype(page.dtype) if page.dtype is not None else None
        if dtype is None or not (dtype.kind == "f" or (dtype.kind == "u" and dtype.itemsize <= 2)):
            raise ImageReadError(
                f"{name}: TIFF samples of type {page.dtype} are not supported (use 8 or "
                f"16-bit unsigned integers, or 32-bit float)"
            )
        self.dtype = np.dtype(np.float32) if dtype.kind == "f" else dtype.newbyteorder("=")
        self.height, self.width = int(length), int(width)
        self.samples = int(page.samplesperpixel)
        self.min_is_white = photometric == 0
        channels = min(self.samples, 4)
        self.channels = 4 if channels == 2 else channels
        self.shape = (
            (self.height, self.width)
            if self.channels == 1
            else (self.height, self.width, self.channels)
        )
        self.planes = page.shaped[0]  # > 1 for planar (separate) samples
        self.segment_rows = int(page.tilelength if page.is_tiled else page.rowsperstrip)
        self.segment_rows = min(max(self.segment_rows, 1), self.height)
        self._rows_of_segments = -(-self.height // self.segment_rows)
        self._across = -(-self.width // int(page.tilewidth)) if page.is_tiled else 1
        self._decodeargs: dict[str, Any] = {"_fullsize": page.is_tiled}
        if page.compression in (6, 7, 34892, 33007):  # JPEG
            self._decodeargs["jpegtables"] = page.jpegtables
            self._decodeargs["jpegheader"] = page.jpegheader
        tags = page.tags
        self.icc_profile = bytes(tags[34675].value) if 34675 in tags else None
        self.dpi = _tiff_dpi(tags)
        self.compression = int(page.compression)

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self._tif.close()

    def __enter__(self) -> TiffBands:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading -----------------------------------------------------------------------
    def read(self, rows: slice | np.ndarray) -> np.ndarray:
        """Rows ``rows`` (a slice, or any row indices) in the engine's layout."""
        if isinstance(rows, slice):
            start, stop, _ = rows.indices(self.height)
            return self._convert(self._raw(start, stop))
        rows = np.asarray(rows)
        # Runs of consecutive rows (wrap reads the far end as one more run).
        breaks = np.nonzero(np.diff(rows) != 1)[0] + 1
        parts = [self._raw(int(run[0]), int(run[-1]) + 1) for run in np.split(rows, breaks)]
        return self._convert(np.concatenate(parts) if len(parts) > 1 else parts[0])

    def _raw(self, start: int, stop: int) -> np.ndarray:
        """Rows ``start .. stop`` as stored: ``n x W x samples``."""
        first, last = start // self.segment_rows, (stop - 1) // self.segment_rows
        wanted = range(first, last + 1)
        missing = [r for r in wanted if r not in self._cache]
        decoded = self._decode(missing)
        self._cache = {r: self._cache[r] if r in self._cache else decoded[r] for r in wanted}
        stack = [self._cache[r] for r in wanted]
        whole = np.concatenate(stack) if len(stack) > 1 else stack[0]
        offset = first * self.segment_rows
        return whole[start - offset : stop - offset]

    def _decode(self, segment_rows: list[int]) -> dict[int, np.ndarray]:
        """Decode whole rows of segments: ``{row: rows x W x samples}``."""
        if not segment_rows:
            return {}
        page = self.page
        per_plane = self._rows_of_segments * self._across
        indices = [
            plane * per_plane + r * self._across + c
            for r in segment_rows
            for plane in range(self.planes)
            for c in range(self._across)
        ]
        offsets = [page.dataoffsets[i] for i in indices]
        counts = [page.databytecounts[i] for i in indices]
        out = {
            r: np.zeros(
                (
                    min(self.segment_rows, self.height - r * self.segment_rows),
                    self.width,
                    self.samples,
                ),
                page.dtype,
            )
            for r in segment_rows
        }
        decode = page.decode
        args = self._decodeargs
        try:
            segments = self._tif.filehandle.read_segments(
                offsets, counts, indices=indices, sort=False, flat=True
            )
            results = self._pool.map(lambda item: decode(*item, **args), segments)
            for segment, position, _shape in results:
                if segment is None:
                    continue  # a missing segment reads as zeros, as tifffile does
                plane, _, y, x, sample = position
                r = y // self.segment_rows
                dest = out[r]
                seg = segment[0]  # depth 1
                n = min(seg.shape[0], dest.shape[0])
                m = min(seg.shape[1], self.width - x)
                if self.planes > 1:
                    dest[:n, x : x + m, plane] = seg[:n, :m, 0]
                else:
                    dest[:n, x : x + m, sample : sample + seg.shape[2]] = seg[:n, :m]
        except (ImageReadError, MemoryError, KeyboardInterrupt):
            raise
        except Exception as exc:
            raise ImageReadError(f"{self.name}: damaged or truncated image data ({exc})") from None
        return out

    def _convert(self, raw: np.ndarray) -> np.ndarray:
        """Stored samples to the engine's layout, as ``load_image`` converts them."""
        arr = raw[:, :, :4] if self.samples > 4 else raw
        arr = arr.astype(self.dtype, copy=False)
        if self.min_is_white:
            arr = (1.0 - arr) if arr.dtype.kind == "f" else np.iinfo(arr.dtype).max - arr
        if arr.shape[2] == 2:
            arr = arr[:, :, [0, 0, 0, 1]]
        if arr.shape[2] == 1:
            arr = arr[:, :, 0]
        return np.ascontiguousarray(arr)

    def is_opaque(self, reporter: Reporter | None = None, rows: int = 0) -> bool:
        """Whether the alpha channel is at full value everywhere (True with no alpha)."""
        if self.channels not in (2, 4):
            return True
        top = range_max(self.dtype)
        rows = rows or max(BAND_PIXELS // max(self.width, 1), 1)
        for y in range(0, self.height, rows):
            y1 = min(y + rows, self.height)
            if not np.all(self.read(slice(y, y1))[:, :, -1] == top):
                return False
            if reporter is not None:
                reporter.advance((y1 - y) / self.height)
        return True


# -- writing ----------------------------------------------------------------------------
def _tiles(rows: Iterator[np.ndarray], width: int, tile: int) -> Iterator[np.ndarray]:
    """Tiles in tifffile's order (row by row) from blocks of rows of any height."""
    pending: list[np.ndarray] = []
    held = 0

    def tile_row(block: np.ndarray) -> Iterator[np.ndarray]:
        for x in range(0, width, tile):
            yield block[:, x : x + tile]

    for block in rows:
        pending.append(block)
        held += block.shape[0]
        while held >= tile:
            joined = np.concatenate(pending) if len(pending) > 1 else pending[0]
            yield from tile_row(joined[:tile])
            rest = joined[tile:]
            pending, held = ([rest] if rest.shape[0] else []), rest.shape[0]
    if held:
        yield from tile_row(np.concatenate(pending) if len(pending) > 1 else pending[0])


def output_compression(code: int, chosen: str | None) -> str | None:
    """tifffile's name of the compression to write: ``chosen``, else the input's if kept."""
    if chosen is not None:
        return None if chosen == "none" else chosen
    return _KEPT_COMPRESSIONS.get(code, "zlib")


def stream_apply(
    source: str | os.PathLike[str],
    target: str | os.PathLike[str],
    kernel: Kernel | Any,
    *,
    repeat: int = 1,
    compression: str | None = None,
    band_rows: int | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    **options: Any,
) -> None:
    """Filter a TIFF of any size into a tiled BigTIFF, a band of rows at a time.

    The result is bit-identical to ``apply_kernel`` on the whole image (repeated
    ``repeat`` times) saved as TIFF; see :mod:`workbench.engine.bands` for how.

    Parameters
    ----------
    source, target : path
        A striped or tiled TIFF or BigTIFF; the target is written as a tiled BigTIFF.
    kernel : Kernel or array-like
    repeat : int
        Apply the kernel this many times.
    compression : str, optional
        ``"none"``, ``"zlib"`` or ``"lzma"``; by default the source's where it is one of
        those, else zlib.
    band_rows : int, optional
        Output rows per band (rounded up to the plan's step); by default about
        :data:`BAND_PIXELS` pixels per band. Tests force tiny bands.
    progress, cancel
        As for every long call (:mod:`workbench.engine.progress`).
    **options
        ``apply_kernel``'s options (``border``, ``strategy``, ``channels``, ``cval``...).

    Raises
    ------
    ImageReadError
        The source cannot be read or streamed.
    ImageWriteError
        The target cannot be written (nothing is left at the target).
    ValueError
        An option that needs the whole image at once (``out_range="stretch"``), or one
        ``apply_kernel`` refuses.
    Cancelled
        ``cancel`` was set; nothing is left at the target.
    """
    kernel = kernel if isinstance(kernel, Kernel) else Kernel(kernel)
    target = file_path(target, "target")
    if compression not in (None, "none", "zlib", "lzma"):
        raise ValueError(f"compression must be none, zlib or lzma, got {compression!r}")
    reporter = Reporter(progress, cancel)
    with TiffBands(source) as reader:
        has_alpha = reader.channels in (2, 4)
        # The alpha pass reads the file once more: a tenth of the bar is enough for it.
        share = 0.1 if has_alpha else 0.0
        opaque = reader.is_opaque(reporter.sub(0.0, share)) if has_alpha else None
        plan = plan_bands(
            reader.shape, reader.dtype, kernel, opaque=opaque, repeat=repeat, **options
        )
        rows = band_rows or max(BAND_PIXELS // max(reader.width, 1), 1)
        filtering = reporter.sub(share, 1.0 - share)

        def filtered() -> Iterator[np.ndarray]:
            for band in plan.bands(rows):
                yield _filter(reader, band, plan, kernel, repeat, {**options, "cancel": cancel})
                filtering.advance((band.y1 - band.y0) / reader.height)

        def write(tmp: str) -> None:
            write_tiled(
                tmp, reader, filtered(), output_compression(reader.compression, compression)
            )

        write_atomically(target, write, error=ImageWriteError, name=target.name)
    if progress is not None:
        progress(1.0)


def _filter(
    reader: TiffBands,
    band: Band,
    plan: BandPlan,
    kernel: Kernel,
    repeat: int,
    options: dict[str, Any],
) -> np.ndarray:
    pixels = reader.read(plan.rows_of(band))
    return filter_band(pixels, band, plan, kernel, repeat=repeat, **options)


def write_tiled(
    tmp: str, reader: TiffBands, rows: Iterator[np.ndarray], compression: str | None
) -> None:
    """Write ``rows`` (blocks of rows, top to bottom) as a tiled BigTIFF like ``reader``'s."""
    channels = reader.channels
    extra: dict[str, Any] = {}
    if channels == 4:
        extra["extrasamples"] = ["unassalpha"]
    if reader.icc_profile:
        extra["iccprofile"] = reader.icc_profile
    if reader.dpi:
        extra.update(resolution=reader.dpi, resolutionunit="INCH")
    with tifffile.TiffWriter(tmp, bigtiff=True) as writer:
        writer.write(
            _tiles(rows, reader.width, TILE),
            shape=reader.shape,
            dtype=reader.dtype,
            tile=(TILE, TILE),
            photometric="minisblack" if channels == 1 else "rgb",
            planarconfig="contig" if channels > 1 else None,
            compression=compression,
            maxworkers=thread_count(),
            # tifffile compresses up to 512 MB of tiles in one pass by default: a few tile
            # rows are plenty to keep every core busy.
            buffersize=WRITE_BUFFER,
            metadata=None,
            **extra,
        )


def stream_target_problem(target: Path) -> str | None:
    """Why a streamed result cannot go to ``target``, or None: it must be a TIFF."""
    if target.suffix.lower() not in (".tif", ".tiff"):
        return (
            f"{target.name}: the input is a TIFF too large to hold in memory; it is streamed, "
            f"and streamed results are written as TIFF: use a .tif output"
        )
    return None
