"""``workbench learn``: fit a kernel to before/after image pairs and save it."""

from __future__ import annotations

import argparse
from pathlib import Path

from workbench.cli.inputs import is_one_of, non_empty_path, refuse_writing_over_inputs
from workbench.cli.terminal import InputError, ProgressBar, exit_status, say

# The engine (numpy and all) is imported by the functions that use it, so that
# 'workbench --help' starts without it.

__all__ = ["add_parser", "run"]


def _size(text: str) -> int | str:
    if text == "auto":
        return "auto"
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an odd number or 'auto'") from None
    if value < 1 or value % 2 == 0:
        raise argparse.ArgumentTypeError(f"{value} must be odd (1, 3, 5, ...) or 'auto'")
    return value


def add_parser(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "learn",
        help="learn a kernel from before/after image pairs",
        description=(
            "Learn the kernel that turns each BEFORE image into its AFTER image (for example "
            "a photo and the same photo after a filter in another program), print the fit "
            "report, and save the kernel."
        ),
    )
    p.add_argument(
        "before", type=non_empty_path, metavar="BEFORE", help="the image before filtering"
    )
    p.add_argument(
        "after", type=non_empty_path, metavar="AFTER", help="the same image after filtering"
    )
    p.add_argument(
        "--pair",
        nargs=2,
        type=non_empty_path,
        action="append",
        default=[],
        metavar=("BEFORE", "AFTER"),
        help="another pair of images filtered the same way (repeatable)",
    )
    p.add_argument(
        "-o",
        "--output",
        required=True,
        type=non_empty_path,
        metavar="KERNEL.json",
        help="where to save the kernel",
    )
    p.add_argument(
        "--size",
        type=_size,
        default="auto",
        metavar="N|auto",
        help="kernel size, odd; 'auto' tries sizes on held-out pixels (default)",
    )
    p.add_argument(
        "--mode",
        choices=("shared", "per-channel", "color"),
        default="shared",
        help="one kernel for all channels (default), one per channel, or colour-mixing",
    )
    p.add_argument(
        "--solver",
        choices=("exact", "adam"),
        default="exact",
        help="least squares (default) or gradient descent (needed for l1/huber)",
    )
    p.add_argument(
        "--loss", choices=("l2", "huber", "l1"), default="l2", help="what to minimise (default l2)"
    )
    p.add_argument(
        "--space",
        choices=("auto", "perceptual", "linear"),
        default="auto",
        help="fit on the stored values (Photoshop, ImageJ, OpenCV), in linear light (GIMP), "
        "or auto: both, keeping the better on held-out pixels (default)",
    )
    p.add_argument(
        "--residual",
        type=non_empty_path,
        metavar="FILE",
        help="also save the residual image (after - reproduced) of the first pair, on mid-grey",
    )
    p.set_defaults(run=run)


def _check_outputs(args: argparse.Namespace) -> None:
    import numpy as np

    from workbench.engine.atomic_write import check_folder
    from workbench.engine.imageio import IMAGE_EXTENSIONS, ImageWriteError, check_savable
    from workbench.engine.library import EXPORT_EXTENSIONS, KernelFileError

    inputs = [args.before, args.after, *[name for pair in args.pair for name in pair]]
    refuse_writing_over_inputs(args.output, inputs, "kernel")
    if args.residual:
        refuse_writing_over_inputs(args.residual, inputs, "residual image")
        if is_one_of(args.residual, [args.output]):
            raise InputError(f"{args.residual}: the residual and the kernel are the same file")
    out = Path(args.output)
    if out.suffix.lower() not in EXPORT_EXTENSIONS:
        raise InputError(f"{args.output}: save the kernel as one of {', '.join(EXPORT_EXTENSIONS)}")
    # Refuse a folder that takes no new file before the fit, which may take minutes.
    check_folder(out, error=KernelFileError, name=args.output)
    if args.residual:
        residual = Path(args.residual)
        if residual.suffix.lower() not in IMAGE_EXTENSIONS:
            raise InputError(
                f"{args.residual}: save the residual as one of {', '.join(IMAGE_EXTENSIONS)}"
            )
        check_savable(residual, np.zeros((1, 1), np.float32))
        check_folder(residual, error=ImageWriteError, name=args.residual)


def _load(name: str):
    from workbench.engine.imageio import load_image

    image = load_image(name)
    for note in image.notes:  # "only the first frame is used": said once per file
        say(f"{Path(name).name}: {note}")
    return image.pixels


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from workbench.engine import fit_kernel
    from workbench.engine.imageio import save_image
    from workbench.engine.library import KernelFileError, export_kernel

    _check_outputs(args)
    names = [(args.before, args.after), *[tuple(p) for p in args.pair]]
    pairs = [(_load(b), _load(a)) for b, a in names]
    bar = ProgressBar()
    bar.set_label(f"learning from {len(pairs)} pair{'s' if len(pairs) > 1 else ''}")
    try:
        result = fit_kernel(
            pairs,
            args.size,
            mode=args.mode,
            solver=args.solver,
            loss=args.loss,
            space=args.space,
            progress=bar.update,
        )
    finally:
        bar.clear()
    # Write the files before printing, so a reader that stops early (``| head``) cannot
    # cost the user the kernel they waited for.
    try:
        notes = export_kernel(result.kernel, args.output)
    except KernelFileError as exc:
        print(result.report.summary())
        if exit_status(exc) == 2 and Path(args.output).suffix.lower() != ".json":
            # The format cannot hold what was learned: say how to keep it next time.
            raise KernelFileError(f"{exc}; -o KERNEL.json keeps a learned kernel exactly") from None
        raise
    if args.residual:
        # Mid-grey where the kernel reproduces the after image exactly; one level of the
        # 0..255 scale is one level of the residual (exact in TIFF, which keeps floats).
        residual = np.asarray(result.report.residual, dtype=np.float32) / 255.0 + 0.5
        save_image(args.residual, residual)
    print(result.report.summary())
    for note in notes:
        print(f"note: {note}")
    print(f"Saved the kernel to {args.output}")
    if args.residual:
        print(f"Saved the residual image to {args.residual}")
    return 0
