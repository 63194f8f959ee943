"""Regenerate the GEGL fixtures in this folder (the tests only read them).

Run from the repository root with GEGL 0.4 on PATH (``apt-get install gegl``):

    python tests/data/gegl/make_fixtures.py

GEGL is GIMP 2.10's engine: ``gegl -i IN -- OP PROPS gegl:png-save path=OUT bitdepth=8``
runs the operation as GIMP does and saves 8-bit PNG. Every command run is written to
COMMANDS.txt, the version to VERSION.txt. The input is the ImageMagick fixtures' train.png
(tests/data/imagemagick/, made in code there), copied here.

- ``train-gaussian-blur.png``: gegl:gaussian-blur std-dev 1.5 (in linear light), for the
  learner's findings (tests/engine/learn/test_learn_report.py).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
TRAIN = HERE.parent / "imagemagick" / "train.png"

#: output name -> (input, operation and properties)
LEARN = {
    "train-gaussian-blur.png": (
        "train.png",
        ["gegl:gaussian-blur", "std-dev-x=1.5", "std-dev-y=1.5"],
    ),
}


def gegl(src: str, out: str, op: list[str], commands: list[str]) -> None:
    # gegl:png-save with bitdepth=8: "-o out.png" would write 16 bits per channel.
    args = ["gegl", "-i", src, "--", *op, "gegl:png-save", f"path={out}", "bitdepth=8"]
    commands.append(" ".join(args))
    subprocess.run(args, check=True, cwd=HERE, capture_output=True)


def main() -> None:
    if shutil.which("gegl") is None:
        sys.exit("gegl is not installed (apt-get install gegl)")
    version = subprocess.run(
        ["dpkg-query", "-W", "-f", "${Version}", "gegl"], capture_output=True, text=True
    ).stdout.strip()
    (HERE / "VERSION.txt").write_text(f"GEGL {version or 'unknown'} (Debian package gegl)\n")
    shutil.copyfile(TRAIN, HERE / "train.png")
    commands: list[str] = []
    for out, (src, op) in LEARN.items():
        gegl(src, out, op, commands)
    (HERE / "COMMANDS.txt").write_text(
        f"# Made by make_fixtures.py with {(HERE / 'VERSION.txt').read_text().strip()}\n"
        "# (run in this folder)\n" + "\n".join(commands) + "\n"
    )


if __name__ == "__main__":
    main()
