"""Shared fixtures for the GUI tests: temp settings and library, no blocking dialogs, and a
check that no test leaves worker threads running."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pytest
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox

from workbench.engine.imageio import save_image
from workbench.engine.library import KernelLibrary
from workbench.gui.app import make_settings
from workbench.gui.worker import running_task_count


@pytest.fixture(autouse=True)
def no_leftover_threads(qapp):
    """Fail a test whose worker threads are still running after it ends.

    The wait is a condition, not a timing: a task that finishes is seen at once however
    loaded the machine is, and only a task that never ends (a leak) waits out the minute.
    """
    yield
    import time

    deadline = time.monotonic() + 60.0
    while running_task_count() and time.monotonic() < deadline:
        qapp.processEvents()
        time.sleep(0.01)
    leftover = running_task_count()
    if leftover:
        pytest.fail(f"{leftover} worker task(s) still running after the test: shut them down")


class DialogRecorder:
    """Stands in for QMessageBox / QFileDialog / QInputDialog so tests never block.

    ``calls`` lists (kind, title, text); ``answers`` is a queue of buttons for question();
    ``open_files`` / ``save_file`` / ``texts`` feed the file and input dialogs;
    ``numbers`` feeds QInputDialog.getInt (None = Cancel), which otherwise accepts the value
    it offers.
    """

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str]] = []
        self.answers: list[QMessageBox.StandardButton] = []
        self.default_answer = QMessageBox.StandardButton.Discard
        self.open_files: list[str] = []
        self.save_file = ""
        self.texts: list[str] = []
        self.numbers: list[int | None] = []

    def kinds(self) -> list[str]:
        return [c[0] for c in self.calls]

    def _message(self, kind):
        def fake(parent, title, text, *args, **kwargs):
            self.calls.append((kind, title, text))
            if kind == "question":
                return self.answers.pop(0) if self.answers else self.default_answer
            return QMessageBox.StandardButton.Ok

        return staticmethod(fake)


@pytest.fixture(autouse=True)
def dialogs(monkeypatch) -> DialogRecorder:
    recorder = DialogRecorder()
    for kind in ("warning", "information", "critical", "question", "about"):
        monkeypatch.setattr(QMessageBox, kind, recorder._message(kind))

    def get_open_file_names(*args, **kwargs):
        recorder.calls.append(("open dialog", "", ""))
        return list(recorder.open_files), ""

    def get_open_file_name(*args, **kwargs):
        recorder.calls.append(("open dialog", "", ""))
        return (recorder.open_files[0] if recorder.open_files else ""), ""

    def get_save_file_name(*args, **kwargs):
        recorder.calls.append(("save dialog", "", ""))
        return recorder.save_file, ""

    def get_text(*args, **kwargs):
        recorder.calls.append(("text dialog", "", ""))
        return (recorder.texts.pop(0), True) if recorder.texts else ("", False)

    monkeypatch.setattr(QFileDialog, "getOpenFileNames", staticmethod(get_open_file_names))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(get_open_file_name))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(get_save_file_name))

    def get_int(parent, title, label, value=0, *args, **kwargs):
        recorder.calls.append(("number dialog", title, str(value)))
        if not recorder.numbers:
            return value, True
        answer = recorder.numbers.pop(0)
        return (value, False) if answer is None else (answer, True)

    monkeypatch.setattr(QInputDialog, "getText", staticmethod(get_text))
    monkeypatch.setattr(QInputDialog, "getInt", staticmethod(get_int))
    return recorder


@pytest.fixture
def settings(tmp_path):
    """A QSettings in a temp INI file: tests never touch the user's real settings."""
    s = make_settings(tmp_path / "settings.ini")
    yield s
    s.sync()


@pytest.fixture
def kernel_library(tmp_path, monkeypatch) -> KernelLibrary:
    user_dir = tmp_path / "kernels"
    monkeypatch.setenv("WORKBENCH_KERNELS", str(user_dir))
    return KernelLibrary(user_dir=user_dir)


@pytest.fixture
def small_rgb() -> np.ndarray:
    rng = np.random.default_rng(7)
    return rng.integers(0, 256, (36, 52, 3), dtype=np.uint8)


@pytest.fixture
def image_path(tmp_path, small_rgb):
    path = tmp_path / "small.png"
    save_image(path, small_rgb)
    return path


@pytest.fixture
def window(qtbot, settings, kernel_library):
    from workbench.gui.window.main_window import MainWindow

    w = MainWindow(settings, library=kernel_library)
    qtbot.addWidget(w)
    w.show()
    yield w
    w.close()
    w.runner.shutdown(60_000)


# -- the learn dialog ------------------------------------------------------------------------
@pytest.fixture
def library(tmp_path, monkeypatch):
    """A kernel library in a temporary WORKBENCH_KERNELS folder (for the learn dialog)."""
    monkeypatch.setenv("WORKBENCH_KERNELS", str(tmp_path / "kernels"))
    return KernelLibrary()


@pytest.fixture
def runner(qtbot):
    from learn_steps import WAIT

    from workbench.gui.worker import Runner

    runner = Runner()
    yield runner
    assert runner.shutdown(10_000)
    qtbot.waitUntil(lambda: running_task_count() == 0, timeout=WAIT)


@pytest.fixture
def pair():
    """A textured image and the same image sharpened."""
    from learn_steps import SHARPEN, textured

    from workbench.engine import apply_kernel

    before = textured(72, 80)
    return before, apply_kernel(before, SHARPEN)


@pytest.fixture
def make_dialog(qtbot, runner):
    """Makes learn dialogs on ``runner`` (closed after the test)."""
    from workbench.gui.learn.dialog import LearnDialog

    def make(image=None, name="before.png"):
        dialog = LearnDialog(None, image=image, image_name=name, runner=runner)
        qtbot.addWidget(dialog)
        return dialog

    return make
