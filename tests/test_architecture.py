"""The engine is a library of its own: importing any of it must not pull in Qt."""

import pkgutil
import subprocess
import sys

import workbench.engine


def test_engine_never_imports_qt():
    modules = [
        info.name
        for info in pkgutil.walk_packages(workbench.engine.__path__, prefix="workbench.engine.")
    ]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "qt = sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6', 'superqt')))\n"
        "print(','.join(qt))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"engine imports Qt: {result.stdout}"
    assert {"workbench.engine.convolve", "workbench.engine.strategies.direct"} <= set(modules)
