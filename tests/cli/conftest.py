"""Shared by the command-line tests: the installed ``workbench`` command, run on real files."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from workbench.engine.imageio import save_image

RNG = np.random.default_rng(3)


def _find_command() -> str | None:
    here = Path(sys.executable).parent
    return shutil.which("workbench", path=str(here)) or shutil.which("workbench")


def random_image(shape: tuple[int, ...], dtype: type = np.uint8) -> np.ndarray:
    top = np.iinfo(dtype).max
    return RNG.integers(0, top + 1, shape, dtype=np.int64).astype(dtype)


@pytest.fixture
def workbench_command() -> str:
    """The path of the installed command (the test is skipped if it is not installed)."""
    found = _find_command()
    if found is None:
        pytest.skip("the workbench command is not installed")
    return found


@pytest.fixture
def files(tmp_path: Path) -> Path:
    """A folder with an 8-bit RGB PNG, a 16-bit RGBA TIFF and a gray JPEG."""
    save_image(tmp_path / "photo.png", random_image((24, 32, 3)))
    save_image(tmp_path / "deep.tif", random_image((20, 18, 4), np.uint16))
    save_image(tmp_path / "gray.jpg", random_image((16, 16)))
    return tmp_path


@pytest.fixture
def run(workbench_command: str) -> Callable[..., subprocess.CompletedProcess]:
    """``run(*args, cwd=folder, env=None)``: the command in a subprocess, output captured.

    The user library is ``<cwd>/user-kernels``, so tests never see the real one.
    """

    def run_command(
        *args: str | Path, cwd: Path, env: dict | None = None
    ) -> subprocess.CompletedProcess:
        environment = {**os.environ, "WORKBENCH_KERNELS": str(cwd / "user-kernels")}
        environment.pop("WORKBENCH_DEBUG", None)
        environment.update(env or {})
        return subprocess.run(
            [workbench_command, *map(str, args)],
            cwd=cwd,
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
        )

    return run_command


@pytest.fixture
def assert_one_line_error() -> Callable[[subprocess.CompletedProcess, int, str], None]:
    """``assert_one_line_error(result, status, text)``: one line on stderr, no traceback."""

    def check(result: subprocess.CompletedProcess, status: int, text: str) -> None:
        assert result.returncode == status, result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert "Traceback" not in result.stderr
        assert text in lines[0], lines[0]

    return check
