"""What every kernel file reader and writer shares: the error, reading bytes, atomic writes.

The size limit and one error per way of failing, the checks that turn a file's numbers into a
:class:`~workbench.engine.kernel.Kernel`, and the number helpers the text and 5x5 formats share.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from workbench.engine.atomic_write import read_problem, write_atomically
from workbench.engine.file_kinds import not_a_regular_file
from workbench.engine.kernel import Kernel, KernelError

__all__ = [
    "MAX_FILE_BYTES",
    "KernelFileError",
    "checked_kernel",
    "fits_5x5",
    "number_text",
    "plain_number",
    "read_bytes",
    "trim_zero_rings",
    "write_atomic",
]

#: Kernel files larger than this are refused unread: no real kernel file comes near it.
MAX_FILE_BYTES = 4 * 1024 * 1024


class KernelFileError(ValueError):
    """A kernel file cannot be read or written; the message names the path and the problem."""


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file beside it and a rename."""

    def write(tmp: str) -> None:
        with open(tmp, "wb") as fh:
            fh.write(data)

    write_atomically(path, write, error=KernelFileError, name=str(path))


def read_bytes(path: Path) -> bytes:
    """The bytes of a kernel file, with one clear error for every way reading can fail."""
    problem = not_a_regular_file(path)
    if problem and not path.is_dir():
        raise KernelFileError(f"{path}: {problem}")
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise KernelFileError(f"{path}: {size} bytes is far too large for a kernel file")
        return path.read_bytes()
    except OSError as exc:
        raise KernelFileError(f"{path}: {read_problem(exc, 'a kernel file')}") from None


# -- native JSON ------------------------------------------------------------------------
def plain_number(value: float) -> int | float:
    """A weight as JSON and text show it: whole numbers without ``.0``."""
    return int(value) if float(value).is_integer() and abs(value) < 2**53 else float(value)


def checked_kernel(weights: Any, source: str, **fields: Any) -> Kernel:
    """A :class:`Kernel` from a file's values, or a :class:`KernelFileError` naming ``source``."""
    where = f"{source}: " if source else ""
    try:
        return Kernel(weights, **fields)
    except KernelError as exc:
        raise KernelFileError(f"{where}{exc}") from None


def number_text(value: float) -> str:
    return str(plain_number(value))


def fits_5x5(kernel: Kernel, path: Path, program: str) -> tuple[int, int]:
    """The kernel's size, if ``program``'s grid (gray, at most 5x5) can hold it."""
    if kernel.is_color:
        raise KernelFileError(
            f"{path}: {program} cannot hold a colour kernel (one that mixes channels)"
        )
    kh, kw = kernel.shape
    if kh > 5 or kw > 5:
        raise KernelFileError(
            f"{path}: {program} holds at most 5x5 weights; this kernel is {kh}x{kw}"
        )
    return kh, kw


def trim_zero_rings(weights: np.ndarray) -> np.ndarray:
    while weights.shape[0] > 1 and not weights[0].any() and not weights[-1].any():
        weights = weights[1:-1]
    while weights.shape[1] > 1 and not weights[:, 0].any() and not weights[:, -1].any():
        weights = weights[:, 1:-1]
    return weights
