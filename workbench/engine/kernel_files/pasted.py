"""Pasted text: rows of numbers separated by spaces, commas or semicolons, and back."""

from __future__ import annotations

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


def _gmic_matrix(body: str, source: str) -> list[list[float]]:
    """The rows of a G'MIC inline image ``(v,v,..;v,v,..)``, read as G'MIC 2.9 reads them.

    In G'MIC ``,`` moves to the next column and ``;`` to the next row, so ``(1,-2,1)`` is one
    row of three and ``(1,2,...,9)`` one row of nine; rows shorter than the widest are padded
    with zeros on the right. ``/`` (next slice) and ``^`` (next channel) make a 3-D or
    multi-channel image, which is no kernel. Spaces around a value are allowed (G'MIC's
    command line splits on them, pasted text often has them).
    """
    if "/" in body or "^" in body:
        which = "'/' (next slice)" if "/" in body else "'^' (next channel)"
        raise KernelFileError(
            f"{source}: G'MIC's {which} makes a 3-D or multi-channel image, not a kernel"
        )
    rows: list[list[float]] = []
    for r, line in enumerate(body.split(";"), start=1):
        row = []
        for c, token in enumerate(line.split(","), start=1):
            token = token.strip()
            if not token:
                raise KernelFileError(f"{source}: row {r}, column {c} of the matrix is empty")
            if not _NUMBER.match(token):
                raise KernelFileError(f"{source}: row {r}, column {c}: {token!r} is not a number")
            row.append(float(token))
        rows.append(row)
    width = max(len(row) for row in rows)
    return [row + [0.0] * (width - len(row)) for row in rows]


def parse_kernel_text(text: str, *, source: str = "pasted text") -> Kernel:
    """A kernel from text: rows of numbers, or a G'MIC inline matrix.

    Rows may separate numbers with spaces, tabs, commas or semicolons; a first row without
    numbers is taken as a header. G'MIC's form ``(0,1,0;1,-4,1;0,1,0)`` is read by G'MIC's
    own rules: commas between columns, semicolons between rows, so ``(1,-2,1)`` is a 1x3
    kernel and ``(1,2,3,4,5,6,7,8,9)`` a 1x9 one; short rows are padded with zeros.
    Lines ``divisor N`` and ``offset N`` (as the editor's Copy writes them) give the divisor
    and offset.

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
        rows = _gmic_matrix(gmic.group(1), source)
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
