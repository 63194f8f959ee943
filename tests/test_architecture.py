"""Dependencies point one way: gui and cli use the engine, the engine uses neither.

The engine is a library of its own (importing any of it pulls in no Qt and nothing of ours
above it), and the batch commands run on a machine without a display (no Qt either).
"""

import os
import pkgutil
import subprocess
import sys

import workbench
import workbench.engine


def loaded_after_importing(modules: list[str]) -> set[str]:
    """Modules in ``sys.modules`` of a fresh interpreter once ``modules`` are imported."""
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print('\\n'.join(sorted(sys.modules)))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return set(result.stdout.split())


def is_qt(name: str) -> bool:
    return name.startswith(("PySide6", "shiboken6", "superqt"))


def test_engine_never_imports_qt_the_gui_or_the_cli():
    modules = [
        info.name
        for info in pkgutil.walk_packages(workbench.engine.__path__, prefix="workbench.engine.")
    ]
    assert {"workbench.engine.convolve", "workbench.engine.strategies.direct"} <= set(modules)
    loaded = loaded_after_importing(modules)
    assert not {m for m in loaded if is_qt(m)}, "engine imports Qt"
    above = {m for m in loaded if m.startswith(("workbench.gui", "workbench.cli"))}
    assert not above, f"engine imports {above}"
    # dask is an optional extra: apply_kernel_dask imports it when called, not before.
    assert "workbench.engine.dask_apply" in modules
    assert not {m for m in loaded if m.split(".")[0] in ("dask", "distributed")}


def test_batch_commands_never_import_qt():
    commands = ["workbench.cli", "workbench.cli.apply", "workbench.cli.learn"]
    loaded = loaded_after_importing([*commands, "workbench.cli.kernels", "workbench.cli.cluster"])
    assert not {m for m in loaded if is_qt(m)}, "the command line imports Qt"
    assert not {m for m in loaded if m.startswith("workbench.gui")}
    assert not {m for m in loaded if m.split(".")[0] in ("dask", "distributed")}


def test_the_first_window_waits_for_nothing_it_does_not_show():
    # What the first painted window does not need stays out of its start-up (issue 16):
    # superqt (all its widgets come with its debouncer), the learner, and numpy.ma (which
    # numpy 2's unique() imports).
    loaded = loaded_after_importing(["workbench.gui.app", "workbench.gui.window.main_window"])
    assert "workbench.gui.window.main_window" in loaded
    late = {"superqt", "workbench.engine.learn.fit", "numpy.ma"} & loaded
    assert not late, f"imported at start-up: {late}"


def test_making_the_first_window_imports_nothing_it_does_not_show(tmp_path):
    code = (
        "import sys\n"
        "from workbench.gui.app import create_application, make_settings\n"
        "app = create_application()\n"
        "from workbench.gui.window.main_window import MainWindow\n"
        "window = MainWindow(make_settings())\n"
        "window.show()\n"
        "app.processEvents()\n"
        "before = {'superqt', 'numpy.ma', 'workbench.engine.learn.fit'} & set(sys.modules)\n"
        "window.preview.prepare()\n"
        "print(sorted(before), 'superqt' in sys.modules)\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path)}
    env["WORKBENCH_KERNELS"] = str(tmp_path / "kernels")
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[0] == "[] True"  # none before; the debouncer after


def test_nobody_reaches_into_a_tabs_image_view():
    """The window and the preview use DocumentTab's calls and signals, not its child view."""
    import re
    from pathlib import Path

    package = Path(workbench.__file__).parent
    owner = package / "gui" / "documents" / "tab.py"
    reach = re.compile(r"\.view\b(?!\()")  # ``tab.view``; ``array.view()`` is numpy's
    offenders = [
        f"{path.relative_to(package)}:{number}"
        for path in sorted(package.rglob("*.py"))
        if path != owner and "viewer" not in path.parts
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if reach.search(line)
    ]
    assert not offenders, f"reaching into DocumentTab.view: {offenders}"
