"""Regenerate the ImageJ fixtures in this folder (the tests only read them).

Run from the repository root with ImageJ installed (``apt-get install imagej``) and a display
(ImageJ's batch mode still builds its menus; under Xvfb: ``Xvfb :14 & DISPLAY=:14 python
tests/data/imagej/make_fixtures.py``):

    python tests/data/imagej/make_fixtures.py

It writes each kernel as an ImageJ kernel text file, runs one macro through
``java -jar /usr/share/java/ij.jar -batch`` that applies Process > Filters > Convolve to
gray.png (8-bit, rounded and clipped by ImageJ) and to a 32-bit copy (kept as float), with
Normalize checked, and records the ImageJ version and the macro in COMMANDS.txt.
gray.png is the G'MIC fixtures' input (tests/data/gmic/gray.png), copied here.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
JAR = Path("/usr/share/java/ij.jar")

#: name -> ImageJ kernel text (rows of numbers), each applied with Normalize checked.
KERNELS = {
    # The sum is -4: ImageJ divides by -4 as it is (not GIMP's divisor 4 + offset 255).
    "negative-sum": "-1 -1 -1\n-1 4 -1\n-1 -1 -1\n",
    # The sum is 16: a blur whose results often end in exactly .5 (rounding ties).
    "gaussian": "1 2 1\n2 4 2\n1 2 1\n",
    # The sum is 0: ImageJ leaves the kernel as it is.
    "zero-sum": "0 1 0\n1 -4 1\n0 1 0\n",
}


def main() -> None:
    if not JAR.exists():
        sys.exit(f"{JAR} not found: install ImageJ (apt-get install imagej)")
    shutil.copyfile(HERE.parents[0] / "gmic" / "gray.png", HERE / "gray.png")
    lines = []
    for name, text in KERNELS.items():
        (HERE / f"{name}.txt").write_text(text)
        matrix = text.strip().replace("\n", "\\n")
        for depth, suffix, save in (("8-bit", "png", "PNG"), ("32-bit", "tif", "Tiff")):
            lines += [
                f'open("{HERE}/gray.png");',
                *([] if depth == "8-bit" else ['run("32-bit");']),
                f'run("Convolve...", "text1=[{matrix}] normalize");',
                f'saveAs("{save}", "{HERE}/ij-{name}-{depth}.{suffix}");',
                "close();",
            ]
    lines.append('File.saveString(getVersion(), "' + str(HERE) + '/VERSION.txt");')
    macro = HERE / "make_fixtures.ijm"
    macro.write_text("\n".join(lines) + "\n")
    subprocess.run(["java", "-jar", str(JAR), "-batch", str(macro)], check=True, cwd=HERE)
    version = (HERE / "VERSION.txt").read_text().strip()
    (HERE / "VERSION.txt").write_text(f"ImageJ {version}\n")
    body = macro.read_text().replace(str(HERE), ".")
    (HERE / "COMMANDS.txt").write_text(
        f"# Made by make_fixtures.py with ImageJ {version}:\n"
        f"# java -jar {JAR} -batch make_fixtures.ijm (under Xvfb), the macro being:\n" + body
    )
    macro.unlink()


if __name__ == "__main__":
    main()
