"""What the kernel editor's Paste makes of text, and what its Copy writes.

Copy writes the weights as typed, then ``divisor N`` and ``offset N`` lines, which Paste reads
back to the same kernel. Integer weights pasted without a divisor whose sum is not 0 or 1
(a 9x9 binomial from a web page sums to 65536) get the sum as divisor, as GIMP's Normalise
does, with a note: taken as they are they would turn the image white without a word.
"""

from __future__ import annotations

import numpy as np

from workbench.engine import Kernel
from workbench.engine.kernel_files.pasted import states_divisor
from workbench.engine.library import format_kernel_text, parse_kernel_text

__all__ = ["copied_text", "read_pasted"]


def copied_text(kernel: Kernel) -> str:
    """The kernel as the clipboard gets it (raises KernelFileError for a colour kernel)."""
    return format_kernel_text(kernel, keep_divisor=True)


def read_pasted(text: str) -> tuple[Kernel, str]:
    """The kernel in pasted ``text`` and a note for the user ("" when nothing to say).

    Raises KernelFileError, KernelError or ValueError for text that holds no kernel.
    """
    pasted = parse_kernel_text(text)
    weights = pasted.weights
    total = float(weights.sum())
    whole = bool(np.all(weights == np.round(weights)))
    if not whole or states_divisor(text) or total in (0.0, 1.0):
        return pasted, ""
    normal = Kernel(weights).normalized()
    note = (
        f"The pasted weights sum to {total:g}: divisor set to {normal.divisor:g}"
        + (f" and offset to {normal.offset:g}" if normal.offset else "")
        + " (as GIMP's Normalise), so the image keeps its brightness. Set the divisor to 1 "
        "to take the weights as they are."
    )
    return pasted.replace(divisor=normal.divisor, offset=normal.offset), note
