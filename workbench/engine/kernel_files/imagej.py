"""ImageJ Convolve text files (``.txt``, ``.csv``, ``.kernel``): rows of numbers."""

from __future__ import annotations

from pathlib import Path

from workbench.engine.kernel import Kernel
from workbench.engine.kernel_files.common import (
    KernelFileError,
    number_text,
    read_bytes,
    write_atomic,
)
from workbench.engine.kernel_files.pasted import format_kernel_text, parse_kernel_text

__all__ = [
    "read_imagej_text",
    "write_imagej_text",
]


def read_imagej_text(path: Path) -> tuple[Kernel, list[str]]:
    """An ImageJ Process > Filters > Convolve kernel file (rows of numbers)."""
    try:
        text = read_bytes(path).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise KernelFileError(f"{path}: not a text file") from None
    kernel = parse_kernel_text(text, source=str(path)).replace(
        border="nearest",
        name=path.stem,
        category="Imported",
        description=f"Imported from ImageJ kernel file {path.name}",
    )
    notes = [
        "ImageJ's Normalize option is not stored in the file: imported with normalise off.",
        "ImageJ repeats edge pixels: border set to 'nearest'.",
    ]
    notes.append(_normalize_note(kernel.total))
    return kernel, [n for n in notes if n]


def _normalize_note(total: float) -> str:
    """What to do to get ImageJ's result with Normalize checked, for weights summing to ``total``.

    ImageJ's Convolver divides by the sum as it is when Normalize is checked and the sum is
    not 0 (``scale = 1/sum``), and leaves a zero-sum kernel alone. For a negative sum that is
    not the editor's Normalise (GIMP's rule: divisor ``-sum`` and offset at full white, which
    gives the inverted image), so the note says so.
    """
    if total == 0 or total == 1:
        return ""  # Normalize changes nothing in ImageJ: the result is the same either way
    if total > 0:
        return (
            f"The weights sum to {number_text(total)}: to keep the brightness as ImageJ "
            f"does with Normalize checked, turn on Normalise in the kernel editor (or set "
            f"the divisor to {number_text(total)} in its library .json file)."
        )
    return (
        f"The weights sum to {number_text(total)}: with Normalize checked ImageJ divides by "
        f"that sum as it is, so to get ImageJ's result set the divisor to "
        f"{number_text(total)} (in the kernel editor or the library .json file). The "
        f"editor's Normalise follows GIMP instead (divisor {number_text(-total)}, offset "
        f"at full white), which gives the inverted image."
    )


def write_imagej_text(kernel: Kernel, path: Path) -> list[str]:
    """Write an ImageJ kernel file; refuses an offset or a colour kernel (ImageJ has neither)."""
    if kernel.is_color:
        raise KernelFileError(f"{path}: ImageJ kernels are gray; a colour kernel would be lost")
    if kernel.offset != 0:
        raise KernelFileError(
            f"{path}: ImageJ kernels have no offset; the offset {kernel.offset:g} would be lost"
        )
    notes = []
    if kernel.divisor != 1:
        notes.append(
            f"ImageJ has no divisor: the weights were divided by {kernel.divisor:g}; "
            f"leave Normalize checked or not, the result is the same."
        )
    if kernel.border != "nearest":
        notes.append(f"ImageJ repeats edge pixels; the border '{kernel.border}' is not stored.")
    text = format_kernel_text(kernel).replace("\t", " ")
    write_atomic(path, text.encode("utf-8"))
    return notes
