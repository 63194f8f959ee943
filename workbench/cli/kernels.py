"""``workbench kernels list | show | import | export``: the kernel library from a terminal."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from workbench.cli.inputs import non_empty_path, refuse_writing_over_inputs
from workbench.cli.terminal import say

if TYPE_CHECKING:
    import numpy as np

    from workbench.engine import Kernel
    from workbench.engine.library import KernelLibrary

# The library (and numpy with it) is imported by run(), so that 'workbench --help' starts
# without it.

__all__ = ["add_parser", "format_grid", "run"]

_CHANNELS = "RGBA"


def add_parser(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "kernels",
        help="list, show, import and export library kernels",
        description="The kernel library: built-in kernels and your own.",
    )
    actions = p.add_subparsers(
        dest="action", metavar="ACTION", required=True, prog="workbench kernels"
    )
    actions.add_parser("list", help="list the library's kernels by category")
    show = actions.add_parser("show", help="show a kernel's weights as a grid")
    show.add_argument("name", metavar="NAME", help="library name or kernel file")
    imp = actions.add_parser(
        "import",
        help="add kernels from files to your library",
        description=(
            "Add kernels to your library from .json, ImageJ .txt/.csv, Photoshop .acf or "
            "GIMP .settings files."
        ),
    )
    imp.add_argument(
        "files", nargs="+", type=non_empty_path, metavar="FILE", help="kernel files to add"
    )
    exp = actions.add_parser(
        "export",
        help="write a kernel to a file (.json, ImageJ .txt, Photoshop .acf, GIMP .settings)",
    )
    exp.add_argument("name", metavar="NAME", help="library name or kernel file")
    exp.add_argument(
        "file",
        type=non_empty_path,
        metavar="FILE",
        help="the file to write; its extension picks the format (.json, .txt, .acf, .settings)",
    )
    p.set_defaults(run=run)


def _number(value: float) -> str:
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.6g}"


def format_grid(weights: np.ndarray, indent: str = "  ") -> str:
    """Rows of numbers, right-aligned in columns."""
    cells = [[_number(v) for v in row] for row in weights]
    width = max(len(c) for row in cells for c in row)
    return "\n".join(indent + "  ".join(c.rjust(width) for c in row) for row in cells)


def _describe(kernel: Kernel, heading: str) -> str:
    kh, kw = kernel.shape
    offset = kernel.offset
    offset_text = (
        ", ".join(_number(v) for v in offset) if isinstance(offset, tuple) else _number(offset)
    )
    lines = [heading]
    if kernel.category:
        lines.append(f"Category: {kernel.category}")
    if kernel.description:
        lines.append(kernel.description)
    kind = " colour" if kernel.is_color else ""
    lines.append(
        f"Size {kh}x{kw}{kind}, divisor {_number(kernel.divisor)}, offset {offset_text}, "
        f"border {kernel.border}"
    )
    if kernel.is_color:
        n_out, n_in = kernel.weights.shape[:2]
        for o in range(n_out):
            for i in range(n_in):
                out_name = _CHANNELS[o] if n_out <= 4 else str(o)
                in_name = _CHANNELS[i] if n_in <= 4 else str(i)
                lines += ["", f"  output {out_name} from input {in_name}:"]
                lines.append(format_grid(kernel.weights[o, i], indent="    "))
    else:
        lines += ["", format_grid(kernel.weights)]
    return "\n".join(lines)


def _list(library: KernelLibrary) -> None:
    width = max((len(e.key) for e in library.entries), default=10)
    category = None
    for entry in library.entries:
        if entry.kernel.category != category:
            category = entry.kernel.category
            print(f"{category or 'Uncategorised'}:")
        kh, kw = entry.kernel.shape
        mine = "" if entry.builtin else "  (yours)"
        print(f"  {entry.key:<{width}}  {f'{kh}x{kw}':>5}  {entry.kernel.name}{mine}")
    print(f"\n{len(library.entries)} kernels; yours are in {library.user_dir}")


def run(args: argparse.Namespace) -> int:
    from workbench.engine.library import KernelLibrary, export_kernel, import_kernels

    library = KernelLibrary()
    if args.action == "list":
        for path, reason in library.problems:
            say(f"skipped {path}: {reason}")
        _list(library)
    elif args.action == "show":
        kernel = library.resolve(args.name)
        where = "built-in" if args.name in library and library.get(args.name).builtin else ""
        label = f"{args.name}, {where}" if where else args.name
        print(_describe(kernel, f"{kernel.name or args.name}  ({label})"))
    elif args.action == "import":
        loaded = []
        for name in args.files:  # read every file before adding any
            kernels, notes = import_kernels(name)
            loaded.append((kernels, notes))
        # One pass for all of them: an interrupted import keeps none.
        keys = iter(library.save_many([k for kernels, _notes in loaded for k in kernels]))
        for kernels, notes in loaded:
            for kernel in kernels:
                print(f"Imported {kernel.name!r} as {next(keys)}")
            for note in notes:
                print(f"note: {note}")
    elif args.action == "export":
        kernel = library.resolve(args.name)
        if args.name not in library:
            refuse_writing_over_inputs(args.file, [args.name], "exported kernel")
        for note in export_kernel(kernel, args.file):
            print(f"note: {note}")
        print(f"Exported {kernel.name or args.name!r} to {args.file}")
    return 0
