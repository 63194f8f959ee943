"""Pasted text: rows of numbers separated by spaces, commas or semicolons, and back."""

from __future__ import annotations

import math
import re

from workbench.engine.kernel import Kernel
from workbench.engine.kernel_files.common import KernelFileError, checked_kernel, number_text

__all__ = [
    "format_kernel_text",
    "parse_kernel_text",
    "states_divisor",
]

_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")
_SEPARATORS = re.compile(r"[\s,;]+")
# "divisor 16", "Divisor: 16", "# offset = 128": the lines the editor's Copy adds after the rows.
_FIELD = re.compile(
    r"^\s*#?\s*(divisor|scale|offset)\s*[:=]?\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$",
    re.IGNORECASE,
)


def _split_fields(text: str) -> tuple[str, dict[str, float]]:
    """The text without its divisor/offset lines, and those values."""
    fields: dict[str, float] = {}
    kept = []
    for line in text.splitlines():
        match = _FIELD.match(line)
        if match:
            key = match.group(1).lower()
            fields["divisor" if key == "scale" else key] = float(match.group(2))
        else:
            kept.append(line)
    return "\n".join(kept), fields


def states_divisor(text: str) -> bool:
    """Whether pasted ``text`` gives its divisor on a line of its own (``divisor 16``)."""
    return "divisor" in _split_fields(text)[1]


# -- pasted text and ImageJ -------------------------------------------------------------
def _rows_of_numbers(text: str, source: str) -> list[list[float]]:
    rows: list[list[float]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        tokens = [t for t in _SEPARATORS.split(line.strip()) if t]
        if not tokens:
            continue
        numeric = [bool(_NUMBER.match(t)) for t in tokens]
        if not any(numeric) and not rows:
            continue  # a header row such as "Kernel 3x3"
        if not all(numeric):
            bad = tokens[numeric.index(False)]
            raise KernelFileError(f"{source}: line {number}: {bad!r} is not a number")
        rows.append([float(t) for t in tokens])
    if not rows:
        raise KernelFileError(f"{source}: no rows of numbers found")
    widths = {len(r) for r in rows}
    if len(widths) > 1:
        raise KernelFileError(
            f"{source}: rows have different lengths ({', '.join(map(str, sorted(widths)))}); "
            f"every row needs the same number of weights"
        )
    return rows


def parse_kernel_text(text: str, *, source: str = "pasted text") -> Kernel:
    """A kernel from text: rows of numbers, or a G'MIC inline matrix.

    Rows may separate numbers with spaces, tabs, commas or semicolons; a first row without
    numbers is taken as a header. G'MIC's form ``(0,1,0;1,-4,1;0,1,0)`` has commas between
    columns and semicolons between rows; with no semicolon, a square number of values is
    read as a square grid. Lines ``divisor N`` and ``offset N`` (as the editor's Copy writes
    them) give the divisor and offset.

    Raises
    ------
    KernelFileError
        If the text holds no numbers, a word among them, or rows of different lengths; or
        the grid is not a valid kernel (even size, too large...).
    """
    body_text, fields = _split_fields(text)
    stripped = body_text.strip()
    gmic = re.fullmatch(r"\(([^()]*)\)", stripped)
    if gmic:
        body = gmic.group(1)
        if ";" in body:
            rows = _rows_of_numbers(body.replace(",", " ").replace(";", "\n"), source)
        else:
            values = _rows_of_numbers(body.replace(",", " "), source)[0]
            side = math.isqrt(len(values))
            if side * side != len(values):
                raise KernelFileError(
                    f"{source}: {len(values)} values without ';' between rows do not make "
                    f"a square grid"
                )
            rows = [values[i : i + side] for i in range(0, len(values), side)]
    else:
        # Semicolons end rows only in the one-line form "1 2 1; 2 4 2; 1 2 1".
        if "\n" not in stripped and ";" in stripped:
            stripped = stripped.replace(";", "\n")
        rows = _rows_of_numbers(stripped, source)
    if fields.get("divisor") == 0:
        raise KernelFileError(f"{source}: the divisor cannot be 0")
    return checked_kernel(rows, source, name="Pasted kernel", **fields)


def format_kernel_text(kernel: Kernel, *, keep_divisor: bool = False) -> str:
    """The weights as tab-separated rows of numbers, for the clipboard.

    By default the divisor is folded into the weights when it is not 1, so that the text
    alone gives the same filter in a program that has no divisor. With ``keep_divisor`` the
    weights stay as typed and lines ``divisor N`` / ``offset N`` follow (when not 1 / 0), which
    :func:`parse_kernel_text` reads back to the same kernel.
    """
    if kernel.is_color:
        raise KernelFileError("a colour kernel (out x in x h x w) cannot be written as rows")
    fold = kernel.divisor != 1 and not keep_divisor
    weights = kernel.effective_weights() if fold else kernel.weights
    text = "\n".join("\t".join(number_text(v) for v in row) for row in weights) + "\n"
    if keep_divisor:
        if kernel.divisor != 1:
            text += f"divisor {number_text(kernel.divisor)}\n"
        if isinstance(kernel.offset, float) and kernel.offset != 0:
            text += f"offset {number_text(kernel.offset)}\n"
    return text
