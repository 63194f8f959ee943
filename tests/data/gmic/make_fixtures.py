"""Regenerate the G'MIC fixtures in this folder (the tests only read them).

Run from the repository root with G'MIC 2.9 on PATH:

    python tests/data/gmic/make_fixtures.py

It refuses to run unless `gmic version` answers, writes every file below, records the
version in VERSION.txt and the exact commands in COMMANDS.txt. The input is made in code
with a fixed seed and kept beside the outputs.

What is kept, for tests/engine/kernel_files/test_gmic.py:
- ``correlate-<name>.tif``: G'MIC's ``correlate`` of gray.png with the inline matrix, float
  (no rounding), boundary 1 (Neumann: edge pixels repeated);
- ``convolve-<name>.tif``: the same with ``convolve`` (which flips the mask);
- ``round-<name>.png``: the correlation rounded by G'MIC's ``round`` and cut to 0..255,
  saved as 8-bit: G'MIC's own rounding of ties (.5 goes up).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from PIL import Image

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "engine"))
from photos import photo_like, to8  # noqa: E402

#: name -> G'MIC inline matrix, as a user would type it after ``correlate``.
MATRICES = {
    "row9": "(1,2,3,4,5,6,7,8,9)",
    "row3": "(1,-2,1)",
    "laplace": "(0,1,0;1,-4,1;0,1,0)",
    "skew": "(1,2,0;0,1,0;0,0,1)",
    "short-rows": "(1,2,3;4,5;6)",
}
#: name -> matrix whose correlation has many exact .5 ties, for the rounding fixture.
ROUNDING = {"quarter": "(0.25,0.5,0.25)", "half": "(0.5,0.5,0)"}


def gmic(args: list[str], commands: list[str]) -> None:
    commands.append(" ".join(["gmic", *(f"'{a}'" if "(" in a else a for a in args)]))
    subprocess.run(["gmic", "-v", "-1", *args], check=True, cwd=HERE, capture_output=True)


def main() -> None:
    try:
        version = subprocess.run(["gmic", "version"], capture_output=True, text=True).stdout
    except FileNotFoundError:
        sys.exit("gmic is not installed (apt-get install gmic)")
    line = next((v for v in version.splitlines() if "Version" in v), "")
    number = line.split("Version")[-1].strip(" \x1b[0;m")
    (HERE / "VERSION.txt").write_text(f"G'MIC {number}\n")
    commands: list[str] = []
    Image.fromarray(to8(photo_like(32, 40, seed=14))).save(HERE / "gray.png")
    for name, matrix in MATRICES.items():
        for command in ("correlate", "convolve"):
            if command == "convolve" and name != "skew":
                continue
            out = f"{command}-{name}.tif,float"
            args = ["gray.png", matrix, f"+{command}[0]", "[1],1", "keep[2]", "output", out]
            gmic(args, commands)
    for name, matrix in ROUNDING.items():
        out = f"round-{name}.png"
        args = ["gray.png", matrix, "+correlate[0]", "[1],1", "keep[2]", "round", "cut", "0,255"]
        gmic([*args, "output", out], commands)
    (HERE / "COMMANDS.txt").write_text(
        f"# Made by make_fixtures.py with {(HERE / 'VERSION.txt').read_text().strip()}\n"
        "# (run in this folder; gray.png made in code as described there)\n"
        + "\n".join(commands)
        + "\n"
    )


if __name__ == "__main__":
    main()
