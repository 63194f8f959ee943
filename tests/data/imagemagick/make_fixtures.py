"""Regenerate the ImageMagick fixtures in this folder (the tests only read them).

Run from the repository root with ImageMagick 6 on PATH:

    python tests/data/imagemagick/make_fixtures.py

It refuses to run unless `convert -version` names ImageMagick, writes every file below,
and records the version it used in VERSION.txt. The commands are the ones listed in
COMMANDS.txt (written by this script too), so each fixture says how it was made.

Inputs are made in code with a fixed seed and kept beside the outputs, so the tests never
depend on regenerating them bit for bit on another numpy.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import tifffile
from PIL import Image

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "engine"))
from photos import photo_like, to8  # noqa: E402

# What the learning tests filter with ImageMagick (tests/engine/test_learn_programs.py).
LEARN_PROGRAMS = {
    "gaussian": ["-morphology", "Convolve", "Gaussian:0x1"],
    "convolve": ["-convolve", "1,2,0,0,1,0,0,0,1"],
    # Not linear (tests/engine/learn/test_learn_report.py): -emboss is a directional
    # convolution of the gray image followed by histogram equalisation; the median is local.
    "emboss": ["-emboss", "1"],
    "median": ["-statistic", "median", "3x3"],
}
# 16-bit files written by ImageMagick (tests/engine/test_imageio.py).
DEPTH16 = {
    "im.png": ("rgb", []),
    "im.tif": ("rgb", []),
    "im-lzw.tif": ("rgb", ["-compress", "lzw"]),
    "im-gray.png": ("gray", []),
}


def convert(args: list[str], commands: list[str]) -> None:
    commands.append(" ".join(["convert", *args]))
    subprocess.run(["convert", *args], check=True, cwd=HERE)


def main() -> None:
    version = subprocess.run(["convert", "-version"], capture_output=True, text=True).stdout
    if "ImageMagick" not in version:
        sys.exit("convert is not ImageMagick: install it (apt-get install imagemagick)")
    (HERE / "VERSION.txt").write_text(version.splitlines()[0] + "\n")
    commands: list[str] = []

    Image.fromarray(to8(photo_like(160, 160, 3, seed=11))).save(HERE / "train.png")
    Image.fromarray(to8(photo_like(128, 128, 3, seed=12))).save(HERE / "other.png")
    for name, args in LEARN_PROGRAMS.items():
        for image in ("train", "other"):
            convert([f"{image}.png", *args, f"png24:{image}-{name}.png"], commands)
    jpeg = LEARN_PROGRAMS["gaussian"]
    convert(["train.png", *jpeg, "-quality", "90", "train-gaussian-q90.jpg"], commands)

    rng = np.random.default_rng(16)
    for kind in ("rgb", "gray"):
        shape = (16, 24, 3) if kind == "rgb" else (16, 24)
        pixels = rng.integers(0, 65536, shape, dtype=np.int64).astype(np.uint16)
        np.save(HERE / f"noise16-{kind}.npy", pixels)
        tifffile.imwrite(HERE / f"noise16-{kind}.tif", pixels)
    for name, (kind, extra) in DEPTH16.items():
        convert([f"noise16-{kind}.tif", "-depth", "16", *extra, name], commands)
    for kind in ("rgb", "gray"):
        (HERE / f"noise16-{kind}.tif").unlink()

    (HERE / "COMMANDS.txt").write_text(
        "# Made by make_fixtures.py with " + version.splitlines()[0] + "\n"
        "# (run in this folder; inputs made in code as described there)\n"
        + "\n".join(commands)
        + "\n"
    )


if __name__ == "__main__":
    main()
