"""``workbench`` with no display: one line and status 1, not Qt's abort and core dump."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import workbench

ROOT = Path(workbench.__file__).resolve().parent.parent


def _without_display() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("QT_QPA_PLATFORM", None)
    env["PYTHONPATH"] = str(ROOT)
    return env


def test_no_display_is_one_line_and_status_1(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", "import sys; from workbench.cli import main; sys.exit(main([]))"],
        env=_without_display(),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("workbench: no display found: ")
    assert "DISPLAY" in lines[0]
    assert "qt.qpa" not in result.stderr and "Aborted" not in result.stderr


def test_the_command_line_still_works_without_a_display(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from workbench.cli import main; sys.exit(main(['--help']))",
        ],
        env=_without_display(),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0 and "workbench apply" in result.stdout
