"""The app-wide guard (issue 12): a bug in a slot shows an "internal error" dialog with the
details, is logged, and the window keeps working; Quit during training ends at once."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMessageBox

from workbench.gui.internal_errors import InternalErrorGuard
from workbench.gui.worker import running_task_count


@pytest.fixture
def guard(window, tmp_path):
    g = InternalErrorGuard(window, log_path=tmp_path / "errors.log")
    g.install()
    yield g
    g.uninstall()
    if g.dialog is not None:
        g.dialog.close()


@pytest.mark.qt_no_exception_capture
def test_an_exception_in_a_slot_shows_the_dialog_and_the_window_keeps_working(
    qtbot, window, guard, tmp_path, image_path, small_rgb
):
    def broken_slot() -> None:
        raise RuntimeError("a bug in a slot")

    QTimer.singleShot(0, broken_slot)  # Qt calls it: nobody above it could catch it
    qtbot.waitUntil(lambda: guard.dialog is not None and guard.dialog.isVisible(), timeout=60_000)
    dialog = guard.dialog
    assert isinstance(dialog, QMessageBox)
    assert "Internal error" in dialog.text() and "a bug in a slot" in dialog.text()
    assert "broken_slot" in dialog.detailedText()  # the traceback, to copy
    assert "a bug in a slot" in (tmp_path / "errors.log").read_text()
    # The window still works: an image opens and shows.
    window.open_files([str(image_path)])
    qtbot.waitUntil(lambda: window.current_tab() is not None, timeout=60_000)
    np.testing.assert_array_equal(window.current_tab().document.pixels, small_rgb)
    assert guard.count == 1


@pytest.mark.qt_no_exception_capture
def test_a_burst_of_errors_is_one_dialog(qtbot, window, guard):
    def broken(n: int) -> None:
        raise ValueError(f"bug number {n}")

    for n in range(5):
        QTimer.singleShot(0, lambda n=n: broken(n))
    qtbot.waitUntil(lambda: guard.count == 5, timeout=60_000)
    qtbot.wait(50)
    shown = [w for w in window.findChildren(QMessageBox) if w.objectName() == "internalErrorDialog"]
    assert len([w for w in shown if w.isVisible()]) == 1
    assert "bug number 4" in guard.dialog.detailedText()


def test_quit_during_training_ends_the_worker_at_once(qtbot, window):
    from learn_steps import textured

    from workbench.engine import Kernel, apply_kernel
    from workbench.gui.learn.pairs import ExampleImage

    before = textured(700, 800)
    after = apply_kernel(before, Kernel(np.ones((3, 3)), divisor=9))
    window.learn.open(before, "before.png")
    dialog = window.learn.dialog
    dialog.pairs.set_image(0, "after", ExampleImage(after, "after"))
    dialog.options.set_options(size=15, mode="color")
    dialog.learn_button.click()
    assert dialog.is_running(), dialog.status_text()
    # In the middle of the solver's sums: the first share of progress is reported.
    qtbot.waitUntil(lambda: dialog.progress_bar.value() > 0, timeout=60_000)
    window.close()  # Quit: cancels and waits briefly for the workers
    assert running_task_count() == 0


def test_a_critical_message_from_qt_is_shown_and_a_warning_only_logged(qtbot, guard, caplog):
    from PySide6.QtCore import qCritical, qWarning

    qWarning("a Qt warning")
    assert guard.count == 0
    assert "a Qt warning" in caplog.text
    qCritical("something critical in Qt")
    qtbot.waitUntil(lambda: guard.dialog is not None and guard.dialog.isVisible(), timeout=60_000)
    assert "something critical in Qt" in guard.dialog.text()
