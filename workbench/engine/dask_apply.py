"""``apply_kernel_dask``: a kernel applied to a dask array, chunk by chunk, bit-identically.

The only module of the engine that imports dask (the optional ``cluster`` extra); the
package exports :func:`apply_kernel_dask` lazily, so ``import workbench.engine`` never
loads dask.

Each chunk is a band of whole rows, filtered by the same :func:`apply_kernel` as a whole
image, with its neighbours' rows as halo (``map_overlap``, depth = the kernel's radius
rounded up to the plan's step; see :mod:`workbench.engine.bands` for why the step). At the
array's top and bottom the halo is left out (``boundary="none"``) so that ``apply_kernel``
makes up the rows beyond the edge by its own border rule, exactly as for the whole image;
``wrap`` takes them from the other end (``boundary="periodic"``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import numpy as np

from workbench.engine import tiff_stream
from workbench.engine.atomic_write import file_path, write_atomically
from workbench.engine.bands import Band, BandPlan, filter_band, plan_bands
from workbench.engine.convolve import apply_kernel, range_max
from workbench.engine.imageio import ImageWriteError
from workbench.engine.kernel import Kernel
from workbench.engine.progress import ProgressCallback

__all__ = ["apply_kernel_dask", "stream_apply_dask"]

#: Bands computed ahead of the one being written when a TIFF is filtered on a cluster.
BANDS_AHEAD = 4


def apply_kernel_dask(array: Any, kernel: Kernel | Any, **options: Any) -> Any:
    """Apply a kernel to a dask array; bit-identical to ``apply_kernel`` on the computed array.

    Parameters
    ----------
    array : dask.array.Array or array-like
        ``H x W`` or ``H x W x C``, as for :func:`~workbench.engine.apply_kernel` (a numpy
        array is wrapped with ``dask.array.from_array``).
    kernel : Kernel or array-like
    **options
        ``apply_kernel``'s keyword options (``border``, ``strategy``, ``channels``,
        ``alpha_weighting``, ``cval``...). ``progress`` and ``cancel`` are not taken: dask
        has its own (``distributed.progress``, ``Client.cancel``).

    Returns
    -------
    dask.array.Array
        Lazy, of the input's shape and dtype, chunked in bands of whole rows (the input is
        rechunked so: columns and channels in one chunk).

    Raises
    ------
    ValueError
        For options ``apply_kernel`` refuses, or that need the whole image at once
        (``out_range="stretch"``).

    Notes
    -----
    With an alpha channel (and alpha weighting on), the alpha channel is computed once
    when this is called: whether it is opaque everywhere decides, as in ``apply_kernel``,
    whether colour is weighted by it, and the chunking depends on that.

    Examples
    --------
    >>> import dask.array as da
    >>> image = da.ones((600, 400, 3), dtype="uint8", chunks=(100, 400, 3)) * 100
    >>> blurred = apply_kernel_dask(image, Kernel([[1], [2], [1]], divisor=4))
    >>> blurred.chunks[0], int(blurred.compute()[300, 200, 0])
    ((100, 100, 100, 100, 100, 100), 100)
    """
    import dask.array as da

    for name in ("progress", "cancel"):
        if options.get(name) is not None:
            raise ValueError(
                f"{name} is not taken by apply_kernel_dask: use dask's own progress and "
                f"cancellation (distributed.progress, Client.cancel)"
            )
        options.pop(name, None)
    kernel = kernel if isinstance(kernel, Kernel) else Kernel(kernel)
    x = array if isinstance(array, da.Array) else da.from_array(np.asarray(array))
    # Every option is checked once here, on one pixel, rather than on the first chunk.
    sample = apply_kernel(np.zeros((1, 1, *x.shape[2:]), x.dtype), kernel, **options)
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(f"image is empty (shape {x.shape})")
    opaque = None
    if x.ndim == 3 and x.shape[2] in (2, 4):
        opaque = bool(da.all(x[:, :, -1] == range_max(x.dtype)).compute())
    plan = plan_bands(x.shape, x.dtype, kernel, opaque=opaque, **options)
    rows = _row_chunks(x, plan)
    x = x.rechunk((rows, *x.shape[1:]))
    depth = {axis: 0 for axis in range(x.ndim)}
    depth[0] = 0 if len(rows) == 1 else plan.halo
    boundary = {axis: "none" for axis in range(x.ndim)}
    if plan.wrap:
        boundary[0] = "periodic"
    starts = np.concatenate([[0], np.cumsum(rows)]).tolist()
    bands = [_band(plan, starts[i], starts[i + 1], len(rows) == 1) for i in range(len(rows))]

    def block(pixels: np.ndarray, block_id: tuple[int, ...] | None = None) -> np.ndarray:
        band = bands[block_id[0]] if block_id is not None else bands[0]
        return filter_band(pixels, band, plan, kernel, **options)

    return da.map_overlap(
        block,
        x,
        depth=depth,
        boundary=boundary,
        trim=False,
        chunks=x.chunks,
        dtype=sample.dtype,
        meta=np.empty((0,) * x.ndim, sample.dtype),
    )


def _row_chunks(x: Any, plan: BandPlan) -> tuple[int, ...]:
    """Band heights: multiples of the plan's step, none shorter than the halo."""
    h = x.shape[0]
    if plan.whole:
        return (h,)
    # The array's own row chunks, made whole steps and at least as tall as the halo.
    rows = plan.band_rows(max(x.chunks[0][0], plan.halo, 1))
    sizes = [rows] * (h // rows)
    rest = h - rows * len(sizes)
    if rest:
        if sizes and rest < plan.halo:
            sizes[-1] += rest  # dask's halo may not be taller than a chunk
        else:
            sizes.append(rest)
    return tuple(sizes)


def _band(plan: BandPlan, y0: int, y1: int, alone: bool) -> Band:
    if alone:
        return Band(y0, y1, y0, y1)
    if plan.wrap:
        return Band(y0, y1, y0 - plan.halo, y1 + plan.halo)
    return Band(y0, y1, max(y0 - plan.halo, 0), min(y1 + plan.halo, plan.height))


def _read_rows(path: str, y0: int, y1: int) -> np.ndarray:
    """Rows ``y0 .. y1`` of a TIFF, read where the task runs (a worker)."""
    with tiff_stream.TiffBands(path) as reader:
        return reader.read(slice(y0, y1))


def stream_apply_dask(
    source: str | os.PathLike[str],
    target: str | os.PathLike[str],
    kernel: Kernel | Any,
    client: Any,
    *,
    repeat: int = 1,
    compression: str | None = None,
    band_rows: int | None = None,
    progress: ProgressCallback | None = None,
    **options: Any,
) -> None:
    """:func:`~workbench.engine.tiff_stream.stream_apply` with the bands filtered on a cluster.

    The workers read their bands of ``source`` themselves (the path must be the same for
    them: a shared file system) and filter them with :func:`apply_kernel_dask`; this process
    writes the tiled BigTIFF in order, a few bands ahead, through a temporary file. The
    result is bit-identical to ``stream_apply``'s.

    Parameters
    ----------
    client : distributed.Client
        Where the bands are computed.
    source, target, kernel, repeat, compression, band_rows, progress, **options
        As for ``stream_apply``.
    """
    import dask
    import dask.array as da

    kernel = kernel if isinstance(kernel, Kernel) else Kernel(kernel)
    target = file_path(target, "target")
    path = str(os.path.abspath(source))
    with tiff_stream.TiffBands(path) as reader:
        rows = band_rows or max(tiff_stream.BAND_PIXELS // max(reader.width, 1), 1)
        blocks = [
            da.from_delayed(
                dask.delayed(_read_rows, pure=True)(path, y0, min(y0 + rows, reader.height)),
                shape=(min(y0 + rows, reader.height) - y0, *reader.shape[1:]),
                dtype=reader.dtype,
            )
            for y0 in range(0, reader.height, rows)
        ]
        pixels = da.concatenate(blocks) if len(blocks) > 1 else blocks[0]
        with dask.config.set(scheduler=client.get):  # the alpha check runs there too
            for _ in range(repeat):
                pixels = apply_kernel_dask(pixels, kernel, **options)

        def computed() -> Iterator[np.ndarray]:
            count = pixels.numblocks[0]
            ahead = [client.compute(pixels.blocks[i]) for i in range(min(BANDS_AHEAD, count))]
            done = 0
            for i in range(count):
                block = ahead.pop(0).result()
                if i + len(ahead) + 1 < count:
                    ahead.append(client.compute(pixels.blocks[i + len(ahead) + 1]))
                done += block.shape[0]
                if progress is not None:
                    progress(done / reader.height)
                yield block

        codec = tiff_stream.output_compression(reader.compression, compression)

        def write(tmp: str) -> None:
            tiff_stream.write_tiled(tmp, reader, computed(), codec)

        write_atomically(target, write, error=ImageWriteError, name=target.name)
