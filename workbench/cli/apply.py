"""``workbench apply``: filter image files with a kernel from the library or a file."""

from __future__ import annotations

import argparse
import contextlib
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.cli.batch import batch_threads, in_order
from workbench.cli.cluster import scheduler_address
from workbench.cli.inputs import is_one_of, non_empty_path
from workbench.cli.one_file import filter_file
from workbench.cli.terminal import InputError, ProgressBar, exit_status, say, stop_if_signalled
from workbench.engine.option_names import (
    BORDER_MODES,
    OUT_RANGES,
    PNG_COMPRESSION,
    SPACES,
    STRATEGY_NAMES,
)

if TYPE_CHECKING:
    from workbench.engine import Kernel

# The engine (numpy, Pillow, the codecs) is imported by the functions that filter, so that
# 'workbench --help' and 'workbench kernels list' start without it.

__all__ = ["add_parser", "run"]


#: Most repeats of a filter: more is a typing slip that would run for hours.
MAX_REPEAT = 1000


def _whole_number(text: str, top: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= value <= top:
        raise argparse.ArgumentTypeError(f"{value} must be from 1 to {top}")
    return value


def _repeat(text: str) -> int:
    return _whole_number(text, MAX_REPEAT)


def _quality(text: str) -> int:
    return _whole_number(text, 100)


def _png_compression(text: str) -> int:
    if text.strip() not in tuple("0123456789"):
        raise argparse.ArgumentTypeError(f"{text!r} must be a whole number from 0 to 9")
    return int(text)


def add_parser(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "apply",
        help="filter image files with a kernel",
        description=(
            "Filter images with a kernel. Several images, or a folder of images, need -o to "
            "be a folder; the results keep the input file names."
        ),
    )
    p.add_argument(
        "images", nargs="+", type=non_empty_path, metavar="IMAGE", help="image files or folders"
    )
    p.add_argument(
        "-k",
        "--kernel",
        required=True,
        type=non_empty_path,
        metavar="KERNEL",
        help="a library name (see 'workbench kernels list') or a kernel file",
    )
    p.add_argument(
        "-o",
        "--output",
        required=True,
        type=non_empty_path,
        metavar="OUT",
        help="output file or folder",
    )
    p.add_argument(
        "--border", choices=BORDER_MODES, help="edge handling (default: the kernel's own)"
    )
    p.add_argument(
        "--space",
        choices=SPACES,
        help="perceptual: filter the stored values (Photoshop, ImageJ); linear: in linear "
        "light, as GIMP does (default: the kernel's own)",
    )
    p.add_argument(
        "--luminance",
        action="store_true",
        default=None,
        help="filter the luma only and keep the colours (default: the kernel's own)",
    )
    p.add_argument(
        "--out-range",
        choices=OUT_RANGES,
        help="results outside the range: clip, abs (absolute value), stretch (min..max onto "
        "the range), float (32-bit float TIFF) (default: the kernel's own)",
    )
    p.add_argument(
        "--repeat",
        type=_repeat,
        default=1,
        metavar="N",
        help=f"apply N times, 1 to {MAX_REPEAT} (default 1)",
    )
    p.add_argument(
        "--strategy",
        choices=("auto", *STRATEGY_NAMES),
        default="auto",
        help="how to compute the convolution (default: auto, the fastest)",
    )
    p.add_argument(
        "--quality",
        type=_quality,
        default=95,
        metavar="Q",
        help="JPEG and WebP quality 1..100 (default 95; WebP 100 is lossless)",
    )
    p.add_argument(
        "--png-compression",
        type=_png_compression,
        default=PNG_COMPRESSION,
        metavar="0-9",
        help=f"PNG compression: 0 none (fastest) .. 9 smallest (slowest), all lossless "
        f"(default {PNG_COMPRESSION}: within a few percent of 9's size, many times faster)",
    )
    p.add_argument(
        "--scheduler",
        type=scheduler_address,
        metavar="tcp://HOST:PORT|local:N",
        help="filter the files on a Dask cluster: a running 'dask scheduler', or N worker "
        "processes started here (needs pip install 'filter-workbench[cluster]')",
    )
    p.add_argument(
        "--skip-existing",
        action="store_true",
        help="leave out images whose result already exists (rerun after an interruption)",
    )
    p.add_argument(
        "--tiff-compression",
        choices=("none", "zlib", "lzma"),
        help="compression of a streamed TIFF result (default: the input's, else zlib)",
    )
    p.set_defaults(run=run)


def _inputs(names: list[str]) -> tuple[list[Path], bool]:
    """The image files to filter, and whether a folder was among the inputs."""
    from workbench.engine.file_kinds import not_a_regular_file
    from workbench.engine.imageio import IMAGE_EXTENSIONS

    files: list[Path] = []
    had_folder = False
    for name in names:
        path = Path(name)
        if path.is_dir():
            had_folder = True
            found = sorted(
                p for p in path.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS
            )
            if not found:
                raise InputError(f"{name}: no image files in this folder")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        elif not_a_regular_file(path):  # a pipe or a device: refused, never opened
            raise InputError(f"{name}: {not_a_regular_file(path)}")
        else:
            raise InputError(f"{name}: no such file or folder")
    return files, had_folder


def _targets(files: list[Path], output: str, had_folder: bool) -> list[Path]:
    """Where each result goes; the output folder is made only once every check passed."""
    from workbench.engine.atomic_write import check_folder, folder_problem, write_failure
    from workbench.engine.imageio import IMAGE_EXTENSIONS, ImageWriteError

    out = Path(output)
    batch = len(files) > 1 or had_folder
    new_folder = False
    # "-o results/" names a folder even before it exists.
    if batch or out.is_dir() or output.endswith(("/", os.sep)):
        if out.suffix.lower() in IMAGE_EXTENSIONS and not out.is_dir():
            several = "a folder of images" if had_folder else "several images"
            raise InputError(f"{output}: with {several}, -o must be a folder")
        if not out.is_dir():
            problem = folder_problem(out)
            if problem:
                raise InputError(f"{output}: {problem}")
            new_folder = True
        targets = [out / f.name for f in files]
    else:
        targets = [out]
    names = [t.resolve() for t in targets]
    if len(set(names)) != len(names):
        raise InputError("two input images have the same file name; they would overwrite")
    for target in targets:  # the same file by path, symlink or hard link
        if is_one_of(target, files):
            raise InputError(f"{target}: the output would overwrite its input image")
    if new_folder:
        try:
            out.mkdir()
        except OSError as exc:
            message = f"{output}: cannot create the folder ({exc.strerror or exc})"
            raise write_failure(ImageWriteError, message) from None
    # Refuse a folder that takes no new file before any image is filtered.
    try:
        for target in {t.parent: t for t in targets}.values():
            check_folder(target, error=ImageWriteError, name=target.name)
    except ImageWriteError:
        if new_folder:
            out.rmdir()
        raise
    return targets


def run(args: argparse.Namespace) -> int:
    from workbench.engine.library import KernelLibrary

    if args.scheduler:
        from workbench.cli.cluster import require_dask

        require_dask()  # before anything is made
    kernel = KernelLibrary().resolve(args.kernel)
    _check_float_target(args, kernel)
    files, had_folder = _inputs(args.images)
    out = Path(args.output)
    existed = out.exists()
    try:
        return _filter_all(files, args, kernel, had_folder)
    finally:
        if not existed and out.is_dir() and not any(out.iterdir()):
            out.rmdir()  # nothing was written (or it was interrupted): leave nothing behind


def _filter_all(
    files: list[Path], args: argparse.Namespace, kernel: Kernel, had_folder: bool
) -> int:
    from workbench.engine.imageio import ImageReadError, ImageWriteError

    targets = _targets(files, args.output, had_folder)
    jobs = list(zip(files, targets, strict=True))
    if args.skip_existing:
        jobs = [(source, target) for source, target in jobs if not target.exists()]
    bar = ProgressBar()
    status = 0
    if args.scheduler and jobs:
        from workbench.cli.cluster import run_on_scheduler

        status = run_on_scheduler(args.scheduler, jobs, kernel, args, bar, _report)
    elif jobs:
        done = [0.0] * len(jobs)  # each file's fraction done; files run on several threads
        stop = threading.Event()

        def task(index: int) -> tuple[Path, BaseException] | None:
            source, target = jobs[index]
            bar.set_label(source.name)

            def progress(fraction: float) -> None:
                done[index] = fraction
                bar.update(sum(done) / len(jobs))

            try:
                filter_file(source, target, kernel, args, progress, stop)
            except (ImageReadError, ImageWriteError, ValueError, MemoryError) as exc:
                return source, exc
            return None

        results = in_order(task, len(jobs), threads=batch_threads(), stop=stop)
        with contextlib.closing(results):
            for problem in results:
                stop_if_signalled()  # a SIGTERM whose first raise a codec swallowed
                if problem is not None:  # said, and the batch goes on to the next file
                    bar.clear()
                    status = max(status, _report(*problem))
    bar.update(1.0, force=True)
    bar.clear()
    return status


def _report(source: Path, exc: BaseException) -> int:
    """Say one file's problem in one line; its exit status. Re-raises any other error."""
    from workbench.engine.imageio import ImageReadError, ImageWriteError

    if isinstance(exc, (ImageReadError, ImageWriteError)):  # the message names the file
        say(exc)
    elif isinstance(exc, (ValueError, MemoryError)):  # the kernel does not fit, or no memory
        say(f"{source.name}: {exc}")
    else:
        raise exc
    return exit_status(exc)


def _check_float_target(args: argparse.Namespace, kernel: Kernel) -> None:
    """A float result keeps values outside 0..1: only a float format may take it."""
    if (args.out_range or kernel.out_range) != "float":
        return
    from workbench.engine.imageio import IMAGE_FORMATS

    suffix = Path(args.output).suffix.lower()
    fmt = IMAGE_FORMATS.get(suffix)
    if fmt is not None and not fmt.floats:
        raise InputError(
            f"{args.output}: a float result (--out-range float) keeps values below black and "
            f"above white, which {suffix} cannot hold; save as .tif"
        )
