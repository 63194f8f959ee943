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
            trim_zero_rings(np.array(weights)),
            source,
            divisor=divisor if divisor != 0 else 1.0,
            offset=offset,
            border=_GIMP_BORDERS.get(policy, "nearest"),
            name=name,
            category="Imported",
            description=f"Imported from GIMP preset {name!r}",
            space="linear",  # GIMP 2.10 filters in linear light
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
    fits_5x5(kernel, path, "GIMP's Convolution Matrix")
    grid = kernel.resized(5, 5).weights
    policy = {"nearest": "clamp", "wrap": "loop", "constant": "black"}.get(kernel.border)
    notes = []
    if policy is None:
        policy = "clamp"
        notes.append(f"GIMP has no '{kernel.border}' border: written as clamp (nearest).")
    name = (kernel.name or path.stem).replace("\\", "\\\\").replace('"', '\\"')
    lines = [f"# GIMP {_GIMP_HEAD} settings", "", f'({_GIMP_HEAD} "{name}"', "    (time 0)"]
    for c, col in zip("abcde", grid.T, strict=True):
        lines += [f"    ({c}{r} {number_text(v)})" for r, v in zip("12345", col, strict=True)]
    lines += [
        f"    (divisor {number_text(kernel.divisor)})",
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
