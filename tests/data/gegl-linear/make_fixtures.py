"""Regenerate the GEGL fixtures in this folder (the tests only read them).

Run from the repository root with GEGL 0.4 (GIMP's engine; ``apt-get install gegl``):

    python tests/data/gegl-linear/make_fixtures.py

It writes the two input photos (made in code, fixed seeds), runs ``gegl`` on each with the
operations below, keeps the colour channels of its 8-bit RGBA output as RGB PNGs, and
records the commands in COMMANDS.txt and the GEGL package version in VERSION.txt.

GEGL filters in linear light: it decodes the sRGB PNG to linear RGBA float, runs the
operation, and encodes back to 8-bit sRGB. ``gegl:convolution-matrix`` names its 5x5 cells
by column letter (a..e) and row digit (1..5), ``c3`` being the centre; its offset is on a
0..1 scale; ``border=clamp`` repeats edge pixels (our ``nearest``).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "engine"))
from photos import photo_like, to8  # noqa: E402

#: 3x3 kernels as (rows, divisor, offset on 0..1), placed in the centre of GEGL's 5x5.
MATRICES = {
    "blur": ([[1, 2, 1], [2, 4, 2], [1, 2, 1]], 16, 0.0),
    "sharpen": ([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], 1, 0.0),
    "edge": ([[0, 1, 0], [1, -4, 1], [0, 1, 0]], 1, 0.5),
    "emboss": ([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]], 1, 0.0),
}
#: Other GEGL filters that are convolutions, for the learner.
FILTERS = {
    "gaussian": ["gegl:gaussian-blur", "std-dev-x=1.2", "std-dev-y=1.2", "abyss-policy=clamp"],
    "unsharp": ["gegl:unsharp-mask", "std-dev=1.0", "scale=0.8"],
}


def matrix_op(rows: list[list[float]], divisor: float, offset: float) -> list[str]:
    props = []
    for r, row in enumerate(rows, start=2):  # rows 2..4 of 1..5
        for c, value in enumerate(row):
            props.append(f"{'bcd'[c]}{r}={value}")
    props += [f"divisor={divisor}", f"offset={offset}", "normalize=false", "border=clamp"]
    return ["gegl:convolution-matrix", *props]


def gegl(source: str, target: str, op: list[str], commands: list[str]) -> None:
    args = ["gegl", "-i", source, "-o", target, "--", *op]
    commands.append(" ".join(args))
    subprocess.run(args, check=True, cwd=HERE, capture_output=True)
    rgb = np.array(Image.open(HERE / target))[:, :, :3]  # GEGL writes RGBA; alpha is 255
    Image.fromarray(rgb).save(HERE / target)


def main() -> None:
    version = subprocess.run(
        ["dpkg-query", "-W", "-f", "${Version}", "gegl"], capture_output=True, text=True
    ).stdout
    if not version:
        sys.exit("gegl is not installed: apt-get install gegl")
    (HERE / "VERSION.txt").write_text(f"gegl (Debian package) {version}\n")
    commands: list[str] = []
    Image.fromarray(to8(photo_like(96, 96, 3, seed=31))).save(HERE / "train.png")
    Image.fromarray(to8(photo_like(80, 80, 3, seed=32))).save(HERE / "other.png")
    for name, (rows, divisor, offset) in MATRICES.items():
        gegl("train.png", f"train-{name}.png", matrix_op(rows, divisor, offset), commands)
    for name, op in {**FILTERS, "emboss": matrix_op(*MATRICES["emboss"])}.items():
        for image in ("train", "other"):
            target = f"{image}-{name}.png"
            if not (image == "train" and name in MATRICES):
                gegl(f"{image}.png", target, op, commands)
    note = "# Each gegl output (8-bit RGBA PNG) is then saved as RGB: its alpha is 255 everywhere."
    (HERE / "COMMANDS.txt").write_text("\n".join([*commands, note]) + "\n")


if __name__ == "__main__":
    main()
