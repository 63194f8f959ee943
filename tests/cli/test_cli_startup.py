"""What the light commands import: no Qt anywhere, no numpy for --help (a quick start)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

CHECK = """
import contextlib, io, json, sys
from workbench.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    status = main(sys.argv[1:])
heavy = ("PySide6", "numpy", "PIL", "imagecodecs", "tifffile", "scipy", "dask")
print(json.dumps([status, sorted({m.split(".")[0] for m in sys.modules} & set(heavy))]))
"""


def imported(*args: str, tmp_path) -> tuple[int, list[str]]:
    """The exit status and the heavy packages a fresh interpreter imported for the command."""
    result = subprocess.run(
        [sys.executable, "-c", CHECK, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={
            "WORKBENCH_KERNELS": str(tmp_path / "k"),
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": ":".join(p for p in sys.path if p),
        },
    )
    assert result.returncode == 0, result.stderr
    status, packages = json.loads(result.stdout.strip().splitlines()[-1])
    return status, packages


@pytest.mark.parametrize(
    "args",
    [["--help"], ["apply", "--help"], ["learn", "--help"], ["kernels", "--help"], ["--version"]],
)
def test_help_imports_neither_qt_nor_numpy(tmp_path, args):
    assert imported(*args, tmp_path=tmp_path) == (0, [])


def test_kernels_list_imports_numpy_but_no_qt_and_no_codecs(tmp_path):
    status, packages = imported("kernels", "list", tmp_path=tmp_path)
    assert status == 0
    assert packages == ["numpy"]
