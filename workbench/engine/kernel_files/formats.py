"""Other programs' kernel files: ImageJ text, Photoshop ``.acf``, GIMP presets, pasted text.

Every reader returns :class:`~workbench.engine.kernel.Kernel` objects plus notes for the user
(what the other program keeps outside the file, how edges are handled); every writer returns
notes, or raises :class:`KernelFileError` when the format cannot hold the kernel exactly.
The layouts are described with each function.
"""

from __future__ import annotations

import math
import re
import struct
from fractions import Fraction
from pathlib import Path

import numpy as np

from workbench.engine.kernel import Kernel
from workbench.engine.kernel_files.native import (
    KernelFileError,
    checked_kernel,
    plain_number,
    read_bytes,
    write_atomic,
)

__all__ = [
    "format_kernel_text",
    "parse_kernel_text",
    "read_acf",
    "read_gimp_settings",
    "read_imagej_text",
    "write_acf",
    "write_gimp_settings",
    "write_imagej_text",
]

_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")
_SEPARATORS = re.compile(r"[\s,;]+")


def _number_text(value: float) -> str:
    return str(plain_number(value))


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
    read as a square grid.

    Raises
    ------
    KernelFileError
        If the text holds no numbers, a word among them, or rows of different lengths; or
        the grid is not a valid kernel (even size, too large...).
    """
    stripped = text.strip()
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
    return checked_kernel(rows, source, name="Pasted kernel")


def format_kernel_text(kernel: Kernel) -> str:
    """The weights as tab-separated rows of numbers, for the clipboard.

    The divisor is folded into the weights when it is not 1, so that the text alone gives the
    same filter in a program that has no divisor.
    """
    if kernel.is_color:
        raise KernelFileError("a colour kernel (out x in x h x w) cannot be written as rows")
    weights = kernel.weights if kernel.divisor == 1 else kernel.effective_weights()
    return "\n".join("\t".join(_number_text(v) for v in row) for row in weights) + "\n"


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
    total = kernel.total
    if total != 0 and total != 1:
        notes.append(
            f"The weights sum to {_number_text(total)}: to keep the brightness as ImageJ "
            f"does with Normalize checked, turn on Normalise in the kernel editor (or set "
            f"the divisor to {_number_text(total)} in its library .json file)."
        )
    return kernel, notes


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


# -- Photoshop Custom filter ------------------------------------------------------------
# Layout (Adobe's file format specification, "Custom kernel", Windows extension .ACF): 27
# big-endian signed 16-bit integers, 54 bytes, no header. Words 0..24 are the 5x5 weights
# (-999..999) for offsets (-2,-2), (-1,-2) .. (2,2), horizontal offset first, i.e. row by
# row from the top left; word 25 is the scale (divisor, 1..9999); word 26 the offset
# (-9999..9999, on the 0..255 scale). Photoshop correlates and repeats edge pixels.
_ACF = struct.Struct(">27h")


def read_acf(path: Path) -> tuple[Kernel, list[str]]:
    """A Photoshop Custom filter file (``.acf``); zero rings around the centre are trimmed."""
    data = read_bytes(path)
    if len(data) != _ACF.size:
        raise KernelFileError(
            f"{path}: a Photoshop .acf file is exactly {_ACF.size} bytes, this one is {len(data)}"
        )
    words = _ACF.unpack(data)
    weights = np.array(words[:25], dtype=float).reshape(5, 5)
    scale, offset = words[25], words[26]
    if scale == 0:
        raise KernelFileError(f"{path}: the scale (divisor) is 0")
    weights = _trim_zero_rings(weights)
    kernel = checked_kernel(
        weights,
        str(path),
        divisor=scale,
        offset=offset,
        border="nearest",
        name=path.stem,
        category="Imported",
        description=f"Imported from Photoshop Custom filter {path.name}",
    )
    return kernel, ["Photoshop repeats edge pixels: border set to 'nearest'."]


def _fits_5x5(kernel: Kernel, path: Path, program: str) -> tuple[int, int]:
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


def _trim_zero_rings(weights: np.ndarray) -> np.ndarray:
    while weights.shape[0] > 1 and not weights[0].any() and not weights[-1].any():
        weights = weights[1:-1]
    while weights.shape[1] > 1 and not weights[:, 0].any() and not weights[:, -1].any():
        weights = weights[:, 1:-1]
    return weights


#: Relative difference that still counts as the same number: far below the float32 precision
#: of apply_kernel, above the float64 noise of a learned kernel (an identity: 1 +- 1e-12).
SAME_NUMBER = 1e-10


def _as_fraction(value: float, limit: int) -> Fraction:
    """``value`` as a fraction with a small denominator when the float is that fraction."""
    guess = Fraction(value).limit_denominator(limit)
    if abs(float(guess) - value) <= SAME_NUMBER * max(1.0, abs(value)):
        return guess
    return Fraction(value)


def _acf_integers(kernel: Kernel) -> tuple[np.ndarray, int]:
    """Whole-number weights and scale giving exactly the kernel's weights / divisor.

    The kernel's own numbers are kept when Photoshop can hold them; otherwise the smallest
    scale that makes every weight whole is used (its size tells whether it fits).
    """
    w, d = kernel.weights, kernel.divisor
    if d < 0:
        w, d = -w, -d
    if np.all(w == np.round(w)) and float(d).is_integer():
        if d <= 9999 and np.abs(w).max(initial=0) <= 999:
            return w.astype(int), int(d)
    effective = [_as_fraction(float(v) / d, 9999) for v in w.ravel()]
    scale = 1
    for f in effective:
        scale = scale * f.denominator // math.gcd(scale, f.denominator)
        if scale > 9999:
            break
    ints = np.array([int(f * scale) if scale <= 9999 else 0 for f in effective])
    return ints.reshape(w.shape), scale


def write_acf(kernel: Kernel, path: Path) -> list[str]:
    """Write a Photoshop Custom filter file, or refuse saying what would be lost."""
    kh, kw = _fits_5x5(kernel, path, "Photoshop's Custom filter")
    offset = float(kernel.offset)  # type: ignore[arg-type]
    if abs(offset - round(offset)) <= SAME_NUMBER * max(1.0, abs(offset)):
        offset = float(round(offset))
    if not offset.is_integer() or abs(offset) > 9999:
        raise KernelFileError(
            f"{path}: Photoshop's offset is a whole number from -9999 to 9999; "
            f"{offset:g} would be lost"
        )
    ints, scale = _acf_integers(kernel)
    if scale > 9999 or np.abs(ints).max(initial=0) > 999:
        raise KernelFileError(
            f"{path}: Photoshop holds whole-number weights from -999 to 999 and a scale up "
            f"to 9999; these weights (divided by {kernel.divisor:g}) cannot be written that "
            f"way without rounding them"
        )
    notes = []
    if scale != kernel.divisor or not np.array_equal(ints, kernel.weights):
        notes.append(f"Weights written as whole numbers with scale {scale} (the same filter).")
    if (kh, kw) != (5, 5):
        notes.append(f"The {kh}x{kw} kernel is written centred in Photoshop's 5x5 grid.")
    if kernel.border != "nearest":
        notes.append(f"Photoshop repeats edge pixels; the border '{kernel.border}' is not stored.")
    grid = np.zeros((5, 5), dtype=int)
    top, left = (5 - kh) // 2, (5 - kw) // 2
    grid[top : top + kh, left : left + kw] = ints
    write_atomic(path, _ACF.pack(*grid.ravel().tolist(), scale, int(offset)))
    return notes


# -- GIMP 2.10 Convolution Matrix presets -----------------------------------------------
# <gimp dir>/filters/GimpGegl-gegl-convolution-matrix-config.settings holds one s-expression
# per preset: (GimpGegl-gegl-convolution-matrix-config "name" (a1 0) .. (e5 0) (divisor 1)
# (offset 0) (normalize no) (border clamp) ...). In gegl:convolution-matrix the letter is
# the column and the digit the row (matrix[x][y] multiplies the pixel at column x, row y),
# offset is on a 0..1 scale and border is a GEGL abyss policy.
_GIMP_HEAD = "GimpGegl-gegl-convolution-matrix-config"
_GIMP_BORDERS = {"clamp": "nearest", "loop": "wrap", "black": "constant", "none": "constant"}
_TOKEN = re.compile(r'\s*(?:(\()|(\))|"((?:[^"\\]|\\.)*)"|([^\s()"]+)|(#[^\n]*))')


def _sexpressions(text: str, source: str) -> list:
    stack: list[list] = [[]]
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            if text[pos:].strip() == "":
                break
            raise KernelFileError(f"{source}: unreadable text at character {pos}")
        pos = m.end()
        opening, closing, string, atom, _comment = m.groups()
        if opening:
            stack.append([])
        elif closing:
            if len(stack) == 1:
                raise KernelFileError(f"{source}: unbalanced ')' at character {pos}")
            done = stack.pop()
            stack[-1].append(done)
        elif string is not None:
            stack[-1].append(("str", re.sub(r"\\(.)", r"\1", string)))
        elif atom is not None:
            stack[-1].append(atom)
    if len(stack) != 1:
        raise KernelFileError(f"{source}: a '(' is never closed")
    return stack[0]


def read_gimp_settings(path: Path) -> tuple[list[Kernel], list[str]]:
    """The Convolution Matrix presets of a GIMP 2.10 ``.settings`` file."""
    try:
        text = read_bytes(path).decode("utf-8")
    except UnicodeDecodeError:
        raise KernelFileError(f"{path}: not a text file") from None
    kernels: list[Kernel] = []
    notes: list[str] = []
    for item in _sexpressions(text, str(path)):
        if not (isinstance(item, list) and item and item[0] == _GIMP_HEAD):
            continue
        name = item[1][1] if len(item) > 1 and isinstance(item[1], tuple) else "GIMP preset"
        props = {e[0]: e[1] for e in item if isinstance(e, list) and len(e) == 2}
        source = f"{path} (preset {name!r})"
        try:
            weights = [[float(props.get(f"{c}{r}", 0)) for c in "abcde"] for r in "12345"]
            divisor = float(props.get("divisor", 1))
            offset = float(props.get("offset", 0)) * 255.0
        except (TypeError, ValueError):
            raise KernelFileError(
                f"{source}: a weight, divisor or offset is not a number"
            ) from None
        policy = str(props.get("border", "clamp"))
        kernel = checked_kernel(
            _trim_zero_rings(np.array(weights)),
            source,
            divisor=divisor if divisor != 0 else 1.0,
            offset=offset,
            border=_GIMP_BORDERS.get(policy, "nearest"),
            name=name,
            category="Imported",
            description=f"Imported from GIMP preset {name!r}",
        )
        if props.get("normalize", "yes") == "yes":
            kernel = kernel.normalized()
        if policy in ("white", "none"):
            notes.append(f"{name}: GIMP's '{policy}' border is imported as 'constant'.")
        kernels.append(kernel)
    if not kernels:
        raise KernelFileError(f"{path}: no GIMP Convolution Matrix presets found")
    notes.append(
        "GIMP filters in linear light, so on ordinary (gamma-encoded) pixels the same kernel "
        "gives a somewhat different result from GIMP's."
    )
    return kernels, notes


def write_gimp_settings(kernel: Kernel, path: Path) -> list[str]:
    """Write one kernel as a GIMP 2.10 Convolution Matrix preset file."""
    _fits_5x5(kernel, path, "GIMP's Convolution Matrix")
    grid = kernel.resized(5, 5).weights
    policy = {"nearest": "clamp", "wrap": "loop", "constant": "black"}.get(kernel.border)
    notes = []
    if policy is None:
        policy = "clamp"
        notes.append(f"GIMP has no '{kernel.border}' border: written as clamp (nearest).")
    name = (kernel.name or path.stem).replace("\\", "\\\\").replace('"', '\\"')
    lines = [f"# GIMP {_GIMP_HEAD} settings", "", f'({_GIMP_HEAD} "{name}"', "    (time 0)"]
    for c, col in zip("abcde", grid.T, strict=True):
        lines += [f"    ({c}{r} {_number_text(v)})" for r, v in zip("12345", col, strict=True)]
    lines += [
        f"    (divisor {_number_text(kernel.divisor)})",
        f"    (offset {float(kernel.offset) / 255.0!r})",  # type: ignore[arg-type]
        "    (normalize no)",
        "    (alpha-weight yes)",
        f"    (border {policy}))",
        "",
        "# end of settings",
        "",
    ]
    write_atomic(path, "\n".join(lines).encode("utf-8"))
    return notes
