"""GIMP 2.10 Convolution Matrix presets (``.settings``): GEGL s-expressions, 5x5 grids."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from workbench.engine.kernel import Kernel
from workbench.engine.kernel_files.common import (
    KernelFileError,
    checked_kernel,
    fits_5x5,
    number_text,
    read_bytes,
    trim_zero_rings,
    write_atomic,
)

__all__ = [
    "read_gimp_settings",
    "write_gimp_settings",
]


# -- GIMP 2.10 Convolution Matrix presets -----------------------------------------------
# <gimp dir>/filters/GimpGegl-gegl-convolution-matrix-config.settings holds one s-expression
# per preset: (GimpGegl-gegl-convolution-matrix-config "name" (a1 0) .. (e5 0) (divisor 1)
# (offset 0) (red yes) .. (alpha yes) (normalize no) (alpha-weight yes) (border clamp)).
# What the properties mean, from GEGL's operations/common/convolution-matrix.c:
# - the letter is the column and the digit the row (matrix[x][y] multiplies the pixel at
#   column x, row y); the work is done on "RGBA float", i.e. in linear light;
# - offset is on a 0..1 scale (GEGL clamps it to -1..1); a divisor of 0 leaves the image
#   unchanged; normalize (default yes) uses the sum s of the weights: s > 0 divides by s,
#   s < 0 divides by -s and adds 1.0, s == 0 divides by 1 and adds 0.5;
# - red/green/blue/alpha (default yes) choose the channels, the others are copied;
# - border is a GEGL abyss policy: what the filter sees outside the image.
_GIMP_HEAD = "GimpGegl-gegl-convolution-matrix-config"
#: GEGL abyss policy -> (border mode, cval on the 0..255 scale).
_GIMP_BORDERS = {
    "clamp": ("nearest", 0.0),
    "loop": ("wrap", 0.0),
    "black": ("constant", 0.0),
    "white": ("constant", 255.0),
    "none": ("constant", 0.0),
}
_TOKEN = re.compile(r'\s*(?:(\()|(\))|"((?:[^"\\]|\\.)*)"|([^\s()"]+)|(#[^\n]*))')
_LETTERS = "abcde"
_DIGITS = "12345"


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


def _number(props: dict, key: str, default: float, source: str) -> float:
    value = props.get(key, default)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise KernelFileError(f"{source}: {key} {value!r} is not a number") from None
    if not np.isfinite(number):
        raise KernelFileError(f"{source}: {key} is not a finite number ({value})")
    return number


def _flag(props: dict, key: str, source: str) -> bool:
    value = str(props.get(key, "yes"))
    if value not in ("yes", "no"):
        raise KernelFileError(f"{source}: {key} is {value!r}, not yes or no")
    return value == "yes"


def _gegl_normalize(total: float) -> tuple[float, float]:
    """GEGL's divisor and offset (0..255 scale) for ``normalize yes``."""
    if total > 0:
        return total, 0.0
    if total < 0:
        return -total, 255.0
    return 1.0, 127.5  # 0.5 of the range: GEGL's mid-grey, in linear light


def _preset(item: list, path: Path, number: int) -> tuple[Kernel, list[str]]:
    """One preset as a kernel that reproduces GEGL's convolution-matrix, and its notes."""
    name = item[1][1] if len(item) > 1 and isinstance(item[1], tuple) else f"GIMP preset {number}"
    props = {e[0]: e[1] for e in item if isinstance(e, list) and len(e) == 2}
    source = f"{path} (preset {name!r})"
    weights = np.array(
        [[_number(props, f"{c}{r}", 0.0, source) for c in _LETTERS] for r in _DIGITS]
    )
    divisor = _number(props, "divisor", 1.0, source)
    offset = _number(props, "offset", 0.0, source)
    notes = []
    if not -1.0 <= offset <= 1.0:
        notes.append(f"{name}: offset {offset:g} is outside GIMP's -1..1: clamped, as GIMP does.")
        offset = min(max(offset, -1.0), 1.0)
    offset *= 255.0
    if divisor == 0:
        notes.append(
            f"{name}: the divisor is 0, with which GIMP leaves the image unchanged; "
            f"imported with divisor 1."
        )
        divisor = 1.0
    elif _flag(props, "normalize", source):
        divisor, offset = _gegl_normalize(float(weights.sum()))
    flags = {c: _flag(props, key, source) for c, key in zip("RGBA", _CHANNEL_KEYS, strict=True)}
    policy = str(props.get("border", "clamp"))
    if policy not in _GIMP_BORDERS:
        notes.append(f"{name}: unknown border {policy!r}: imported as clamp ('nearest').")
        policy = "clamp"
    mode, cval = _GIMP_BORDERS[policy]
    if policy == "none":
        notes.append(
            f"{name}: GIMP's 'none' border (transparent outside) is imported as 'constant' "
            f"black; on an image without transparency GIMP's colours are the same."
        )
    kernel = checked_kernel(
        trim_zero_rings(weights),
        source,
        divisor=divisor,
        offset=offset,
        border=mode,
        cval=cval,
        channels="".join(c for c, on in flags.items() if on),
        alpha_weighting=_flag(props, "alpha-weight", source),
        name=name,
        category="Imported",
        description=f"Imported from GIMP preset {name!r}",
        space="linear",  # GIMP 2.10 filters in linear light
    )
    return kernel, notes


_CHANNEL_KEYS = ("red", "green", "blue", "alpha")


def read_gimp_settings(path: Path) -> tuple[list[Kernel], list[str]]:
    """The Convolution Matrix presets of a GIMP 2.10 ``.settings`` file.

    Every valid preset is imported; each refused one is named with its reason in the
    notes (real files hold presets GIMP itself saved with weights of 2^64). Only a file
    with no valid preset at all is an error.
    """
    try:
        text = read_bytes(path).decode("utf-8")
    except UnicodeDecodeError:
        raise KernelFileError(f"{path}: not a text file") from None
    presets = [
        item
        for item in _sexpressions(text, str(path))
        if isinstance(item, list) and item and item[0] == _GIMP_HEAD
    ]
    if not presets:
        raise KernelFileError(f"{path}: no GIMP Convolution Matrix presets found")
    kernels: list[Kernel] = []
    notes: list[str] = []
    refused: list[str] = []
    for number, item in enumerate(presets, start=1):
        try:
            kernel, preset_notes = _preset(item, path, number)
        except KernelFileError as exc:
            # "<path> (preset 'x'): why" -> "preset 'x': why"
            refused.append(str(exc).replace(f"{path} (", "", 1).replace("): ", ": ", 1))
            continue
        kernels.append(kernel)
        notes.extend(preset_notes)
    if not kernels:
        raise KernelFileError(
            f"{path}: none of its {len(presets)} presets can be imported: " + "; ".join(refused)
        )
    if refused or len(presets) > 1:
        notes.insert(0, f"Imported {len(kernels)} of {len(presets)} presets from {path.name}.")
    notes.extend(f"Not imported: {reason}" for reason in refused)
    notes.append(
        "GIMP filters in linear light: the imported kernels do too (Linear light is on), so "
        "they give GIMP's result."
    )
    return kernels, notes


def write_gimp_settings(kernel: Kernel, path: Path) -> list[str]:
    """Write one kernel as a GIMP 2.10 Convolution Matrix preset file.

    Everything GEGL's convolution-matrix has is written: the weights, divisor, offset,
    channel flags, alpha weighting and border (a constant border as black or white).
    """
    fits_5x5(kernel, path, "GIMP's Convolution Matrix")
    grid = kernel.resized(5, 5).weights
    notes = []
    if kernel.border == "constant":
        policy = "white" if kernel.cval >= 255.0 else "black"
        if kernel.cval not in (0.0, 255.0):
            notes.append(
                f"GIMP's constant borders are black or white: the value {kernel.cval:g} is "
                f"written as {policy}."
            )
    else:
        policy = {"nearest": "clamp", "wrap": "loop"}.get(kernel.border)
        if policy is None:
            policy = "clamp"
            notes.append(f"GIMP has no '{kernel.border}' border: written as clamp (nearest).")
    offset = float(kernel.offset) / 255.0  # type: ignore[arg-type]
    if not -1.0 <= offset <= 1.0:
        raise KernelFileError(
            f"{path}: GIMP's offset is -1..1 of the range (-255..255 here); "
            f"{float(kernel.offset):g} would be lost"  # type: ignore[arg-type]
        )
    if kernel.space != "linear":
        notes.append(
            "GIMP filters in linear light: in GIMP this kernel gives a somewhat different "
            "result from the one here on the stored values (turn on Linear light to match)."
        )
    channels = "RGB" if kernel.channels is None else kernel.channels
    name = (kernel.name or path.stem).replace("\\", "\\\\").replace('"', '\\"')
    lines = [f"# GIMP {_GIMP_HEAD} settings", "", f'({_GIMP_HEAD} "{name}"', "    (time 0)"]
    for c, col in zip(_LETTERS, grid.T, strict=True):
        lines += [f"    ({c}{r} {number_text(v)})" for r, v in zip(_DIGITS, col, strict=True)]
    lines += [
        f"    (divisor {number_text(kernel.divisor)})",
        f"    (offset {offset!r})",
        *(
            f"    ({key} {'yes' if c in channels else 'no'})"
            for c, key in zip("RGBA", _CHANNEL_KEYS, strict=True)
        ),
        "    (normalize no)",
        f"    (alpha-weight {'yes' if kernel.alpha_weighting else 'no'})",
        f"    (border {policy}))",
        "",
        "# end of settings",
        "",
    ]
    write_atomic(path, "\n".join(lines).encode("utf-8"))
    return notes
