"""Regenerate the GEGL fixtures in this folder (the tests only read them).

Run from the repository root with GEGL 0.4 on PATH (``apt-get install gegl``):

    python tests/data/gegl/make_fixtures.py

GEGL is GIMP 2.10's engine: ``gegl -i IN -- OP PROPS gegl:png-save path=OUT bitdepth=8``
runs the operation as GIMP does and saves 8-bit PNG. Every command run is written to
COMMANDS.txt, the version to VERSION.txt. The input is the ImageMagick fixtures' train.png
(tests/data/imagemagick/, made in code there), copied here.

- ``train-gaussian-blur.png``: gegl:gaussian-blur std-dev 1.5 (in linear light), for the
  learner's findings (tests/engine/learn/test_learn_report.py).
- ``preset-<name>.settings`` and ``preset-<name>.png``: GIMP Convolution Matrix presets
  (one per file, as GIMP writes them) and what gegl:convolution-matrix with the same
  properties makes of photo.png (48 x 40 RGB, made in code with tests/engine/photos.py),
  for tests/engine/kernel_files/test_gimp.py. GEGL's output is RGBA: GEGL filters the
  (opaque) alpha too, and a zero-sum kernel makes it 0.5.
- ``presets.settings``: all of them in one file, plus one GIMP saved with a weight of
  2^64 (a GIMP bug seen in real files), for the import of a whole file.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
TRAIN = HERE.parent / "imagemagick" / "train.png"
sys.path.insert(0, str(HERE.parents[1] / "engine"))
from photos import photo_like, to8  # noqa: E402

#: name -> preset properties (weights by GEGL name: letter = column, digit = row).
PRESETS: dict[str, dict[str, object]] = {
    "sharpen": {"c2": -1, "b3": -1, "c3": 5, "d3": -1, "c4": -1, "border": "clamp"},
    "edge-loop": {"c2": 1, "b3": 1, "c3": -4, "d3": 1, "c4": 1, "border": "loop"},
    "emboss-black": {
        **{"b2": -1, "c2": -1, "b3": -1, "c3": -2, "d3": 1, "c4": 1, "d4": 1},
        "border": "black",
    },
    "blur5-white": {
        **{f"{c}{r}": 1 for c in "abcde" for r in "12345"},
        "c3": 4,
        "border": "white",
    },
    "green-none": {
        **{f"{c}{r}": 1 for c in "bcd" for r in "234"},
        "red": False,
        "blue": False,
        "border": "none",
    },
    "fixed-no-weight": {
        **{"c2": 1, "b3": 1, "c3": 2, "d3": -1, "c4": 1},
        "normalize": False,
        "divisor": 3,
        "offset": 0.2,
        "alpha-weight": False,
        "border": "clamp",
    },
}
#: A preset as GIMP 2.10 itself saved it after a bug: it must be refused, the rest kept.
BROKEN = '(GimpGegl-gegl-convolution-matrix-config "Broken"\n    (c3 18446744073709551616))\n'


def settings_text(name: str, props: dict[str, object]) -> str:
    """A preset as GIMP writes it: every property, the letter the column, digit the row."""
    full = {f"{c}{r}": 0 for c in "abcde" for r in "12345"}
    full.update({"divisor": 1, "offset": 0, "red": True, "green": True, "blue": True})
    full.update({"alpha": True, "normalize": True, "alpha-weight": True, "border": "clamp"})
    full.update(props)
    lines = [f'(GimpGegl-gegl-convolution-matrix-config "{name}"', "    (time 0)"]
    for key, value in full.items():
        text = ("yes" if value else "no") if isinstance(value, bool) else value
        lines.append(f"    ({key} {text})")
    return "\n".join(lines) + ")\n"


def gegl_properties(props: dict[str, object]) -> list[str]:
    out = []
    for key, value in props.items():
        text = ("true" if value else "false") if isinstance(value, bool) else value
        out.append(f"{key}={text}")
    return out


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
    from PIL import Image

    Image.fromarray(to8(photo_like(40, 48, 3, seed=31))).save(HERE / "photo.png")
    header = "# GIMP GimpGegl-gegl-convolution-matrix-config settings\n\n"
    everything = []
    for name, props in PRESETS.items():
        text = settings_text(name, props)
        everything.append(text)
        (HERE / f"preset-{name}.settings").write_text(header + text + "\n# end of settings\n")
        op = ["gegl:convolution-matrix", *gegl_properties(props)]
        gegl("photo.png", f"preset-{name}.png", op, commands)
    everything.insert(2, BROKEN)
    (HERE / "presets.settings").write_text(header + "".join(everything) + "\n# end of settings\n")
    (HERE / "COMMANDS.txt").write_text(
        f"# Made by make_fixtures.py with {(HERE / 'VERSION.txt').read_text().strip()}\n"
        "# (run in this folder)\n" + "\n".join(commands) + "\n"
    )


if __name__ == "__main__":
    main()
