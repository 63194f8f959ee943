"""One image file filtered as ``workbench apply`` says: what a plain run, a thread of a
batch and a worker of a Dask cluster all do (so none of them imports the others)."""

from __future__ import annotations

import argparse
import dataclasses
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.cli.terminal import say

if TYPE_CHECKING:
    from workbench.engine import Kernel

__all__ = ["filter_file"]


def filter_file(
    source: Path,
    target: Path,
    kernel: Kernel,
    args: argparse.Namespace,
    progress: Callable[[float], None] | None,
    stop: threading.Event | None = None,
) -> None:
    """Filter one file as ``args`` say: what a plain run and a cluster's worker both do.

    A problem with the file is raised (ImageReadError, ImageWriteError, or ValueError when
    the kernel does not fit the image); ``stop`` set means the batch is being stopped.
    """
    from workbench.engine import Cancelled, apply_kernel_in_place
    from workbench.engine.imageio import ImageWriteError, check_savable, load_image, save_image
    from workbench.engine.tiff_stream import is_streamed, stream_apply, stream_target_problem

    if is_streamed(source):  # a TIFF too large to read whole
        problem = stream_target_problem(target)
        if problem:
            raise ImageWriteError(problem)
        stream_apply(
            source,
            target,
            kernel,
            repeat=args.repeat,
            compression=getattr(args, "tiff_compression", None),
            border=args.border,
            space=args.space,
            luminance=args.luminance,
            out_range=args.out_range,
            strategy=args.strategy,
            progress=progress,
            cancel=stop,
        )
        return
    image = load_image(source)
    for note in image.notes:  # "only the first frame is used": said once per file
        say(f"{source.name}: {note}")
    # Refuse a format that cannot hold the result before computing it.
    check_savable(target, image.pixels)
    pixels = image.pixels
    # Saving needs the file's metadata, not its pixels: once filtered, they can go.
    like = dataclasses.replace(image, pixels=pixels[:0].copy())
    del image
    # The pixels are ours (loaded here, never the file itself): each step writes its result
    # over them, band by band, so that the input and the whole result are never both held
    # (the peak of a 24-megapixel photo was 2.8 times the image, the result one of them).
    for step in range(args.repeat):

        def step_progress(fraction: float, step: int = step) -> None:
            if progress is not None:
                progress((step + fraction) / args.repeat)

        try:
            pixels = apply_kernel_in_place(
                pixels,
                kernel,
                border=args.border,
                space=args.space,
                luminance=args.luminance,
                out_range=args.out_range,
                strategy=args.strategy,
                progress=step_progress,
                cancel=stop,
            )
        except MemoryError:
            raise MemoryError(_memory_message(pixels, kernel)) from None
    if stop is not None and stop.is_set():  # the batch is being stopped: write nothing more
        raise Cancelled()
    save_image(
        target,
        pixels,
        like=like,
        quality=args.quality,
        png_compression=args.png_compression,
    )


def _memory_message(pixels, kernel: Kernel) -> str:
    kh, kw = kernel.shape
    return (
        f"not enough memory for a {pixels.shape[1]} x {pixels.shape[0]} image with a "
        f"{kh}x{kw} kernel: try --strategy direct, a smaller image, or close other programs"
    )
