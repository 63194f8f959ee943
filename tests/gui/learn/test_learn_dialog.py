"""The learn dialog end to end: pairs in, a kernel out that lands in the library and applies.

Pairs are made in code with apply_kernel; the library is a temporary WORKBENCH_KERNELS folder;
file, name and message dialogs are patched so that nothing blocks. No timed assertions: the
waits below only bound how long a broken test hangs.
"""

from __future__ import annotations

import numpy as np
from learn_steps import (
    SHARPEN,
    WAIT,
    Gate,
    interior,
    is_error,
    learn_and_wait,
    textured,
    user_keys,
)
from PySide6.QtCore import Qt

from workbench.engine import Kernel, apply_kernel
from workbench.engine.imageio import save_image
from workbench.engine.library import KernelLibrary, import_kernels
from workbench.engine.response import frequency_response
from workbench.gui.learn.pairs import ExampleImage
from workbench.gui.library.panel import LibraryPanel
from workbench.gui.library.save_dialog import KernelSaveDialog
from workbench.gui.worker import running_task_count

# --- the happy path ---------------------------------------------------------------------


def test_learned_kernel_goes_to_the_library_and_reproduces_the_after_image(
    qtbot, tmp_path, monkeypatch, make_dialog, library, runner, pair
):
    before, after = pair
    save_image(tmp_path / "after.png", after)
    dialog = make_dialog(before)
    dialog.options.set_options(size=3)
    dialog.pairs.load_file(0, "after", tmp_path / "after.png")
    qtbot.waitUntil(lambda: not dialog.pairs.is_loading(), timeout=WAIT)
    assert dialog.pairs.pairs()[0][1].name == "after.png"

    learn_and_wait(qtbot, dialog)
    outcome = dialog.outcome
    assert outcome is not None, dialog.status_text()
    learned = outcome.result.kernel
    assert learned.shape == (3, 3)
    assert np.abs(learned.effective_weights() - SHARPEN.weights).max() < 0.02
    # the result view shows this kernel, its report and its residual
    assert np.array_equal(dialog.result_view.heat_map.weights()[0, 0], learned.weights)
    # and what it does to detail: a sharpen, as the kernel it was made with
    response = dialog.result_view.frequency.response()
    np.testing.assert_allclose(response.magnitude, frequency_response(learned).magnitude)
    assert dialog.result_view.frequency.words_label.text().startswith("sharpen")
    assert "PSNR" in dialog.result_view.report.text()
    assert dialog.result_view.residual.image() is not None
    assert dialog.result_view.comparison_image("Reproduced") is not None
    assert np.abs(outcome.reproduced.astype(int) - after.astype(int)).max() <= 1 or (
        np.abs(interior(outcome.reproduced) - interior(after)).max() <= 1
    )

    # The dialog hands the kernel over; the library dock saves it, as in the main window.
    panel = LibraryPanel(library, runner)
    qtbot.addWidget(panel)
    offered = []
    monkeypatch.setattr(
        KernelSaveDialog,
        "ask",
        classmethod(lambda cls, k, *a: offered.append(k) or ("My sharpen", "Mine", "fit")),
    )
    dialog.add_requested.connect(
        lambda kernel: dialog.show_added(library.get(panel.save_kernel(kernel)).kernel)
    )
    with qtbot.waitSignal(dialog.add_requested, timeout=WAIT) as requested:
        qtbot.mouseClick(dialog.result_view.add_button, Qt.LeftButton)
    assert requested.args[0] is learned
    assert (offered[0].name, offered[0].category) == ("Learned 3x3", "Learned")
    key = panel.selected_key()

    # read back through a fresh library, as the main window's panel would
    entry = KernelLibrary().get(key)
    assert not entry.builtin
    assert (entry.kernel.name, entry.kernel.category) == ("My sharpen", "Mine")
    reproduced = apply_kernel(before, entry.kernel)
    assert np.abs(interior(reproduced) - interior(after)).max() <= 1
    assert "My sharpen" in dialog.status_text()


def test_open_in_editor_hands_over_the_learned_kernel(qtbot, make_dialog, pair):
    before, after = pair
    dialog = make_dialog(before)
    dialog.options.set_options(size=3)
    dialog.pairs.set_image(0, "after", ExampleImage(after, "after"))
    learn_and_wait(qtbot, dialog)
    with qtbot.waitSignal(dialog.open_in_editor, timeout=WAIT) as opened:
        qtbot.mouseClick(dialog.result_view.open_button, Qt.LeftButton)
    assert opened.args[0] == dialog.outcome.result.kernel


def test_export_writes_the_chosen_format(qtbot, tmp_path, monkeypatch, make_dialog, pair):
    # Whole-number weights: the fixture's halves make ties, which round up (as in ImageJ
    # and GIMP) and so give the after image a real offset of about +0.2 levels.
    before, _ = pair
    after = apply_kernel(before, Kernel([[0, -1, 0], [-1, 5, -1], [0, -1, 0]]))
    dialog = make_dialog(before)
    dialog.options.set_options(size=3)
    dialog.pairs.set_image(0, "after", ExampleImage(after, "after"))
    learn_and_wait(qtbot, dialog)
    learned = dialog.outcome.result.kernel
    chosen = {}

    def save_dialog(*args, **kwargs):
        return chosen["path"], chosen["filter"]

    monkeypatch.setattr(
        "workbench.gui.library.kernel_files.QFileDialog.getSaveFileName", save_dialog
    )

    # no extension typed: the chosen filter supplies it; JSON keeps everything
    chosen.update(path=str(tmp_path / "learned"), filter="Filter Workbench kernel (*.json)")
    qtbot.mouseClick(dialog.result_view.export_button, Qt.LeftButton)
    assert "learned.json" in dialog.status_text(), dialog.status_text()
    (kernel,), _ = import_kernels(tmp_path / "learned.json")
    assert kernel == learned

    # ImageJ text holds no offset; the fit's negligible one is dropped and said so
    chosen.update(path=str(tmp_path / "learned.txt"), filter="ImageJ kernel text (*.txt)")
    qtbot.mouseClick(dialog.result_view.export_button, Qt.LeftButton)
    assert not is_error(dialog), dialog.status_text()
    (kernel,), _ = import_kernels(tmp_path / "learned.txt")
    assert np.allclose(kernel.effective_weights(), learned.effective_weights(), atol=1e-4)

    # a folder that does not exist: refused with the reason, nothing written
    chosen.update(path=str(tmp_path / "nowhere" / "k.json"), filter="")
    qtbot.mouseClick(dialog.result_view.export_button, Qt.LeftButton)
    assert is_error(dialog) and "k.json" in dialog.status_text()
    assert not (tmp_path / "nowhere").exists()


def test_two_pairs_of_different_sizes_fit_one_kernel(qtbot, make_dialog):
    first, second = textured(60, 64, seed=1), textured(48, 90, seed=2)
    dialog = make_dialog(first)
    dialog.options.set_options(size=3)
    dialog.pairs.set_image(0, "after", ExampleImage(apply_kernel(first, SHARPEN), "a1"))
    dialog.pairs.add_pair()
    dialog.pairs.set_image(1, "before", ExampleImage(second, "b2"))
    dialog.pairs.set_image(1, "after", ExampleImage(apply_kernel(second, SHARPEN), "a2"))
    learn_and_wait(qtbot, dialog)
    assert dialog.outcome is not None, dialog.status_text()
    assert dialog.outcome.result.report.pairs == 2
    assert np.abs(dialog.outcome.result.kernel.effective_weights() - SHARPEN.weights).max() < 0.02


# --- adam: live view and cancel -------------------------------------------------------------


def test_adam_shows_the_loss_and_kernel_while_it_trains(qtbot, monkeypatch, make_dialog, pair):
    gate = Gate(monkeypatch)
    before, after = pair
    dialog = make_dialog(before)
    dialog.options.set_options(size=3, solver="adam", loss="huber")
    dialog.pairs.set_image(0, "after", ExampleImage(after, "after"))
    qtbot.mouseClick(dialog.learn_button, Qt.LeftButton)
    assert gate.reached.wait(60)
    # the solver is held mid-training: what shows now came through the live hand-over
    qtbot.waitUntil(lambda: dialog.training.loss_curve.count() > 0, timeout=WAIT)
    assert dialog.training.kernel.weights() is not None
    assert dialog.tabs.currentWidget() is dialog.training
    assert not dialog.learn_button.isEnabled() and dialog.cancel_button.isEnabled()
    gate.release.set()
    qtbot.waitUntil(lambda: not dialog.is_running(), timeout=WAIT)
    report = dialog.outcome.result.report
    assert report.solver == "adam" and report.loss_history
    assert dialog.training.loss_curve.count() == len(report.loss_history)
    # The user was watching the training: it stays on screen, the status points to the result.
    assert dialog.tabs.currentWidget() is dialog.training
    assert "Result tab" in dialog.status_text()
    assert dialog.result_view.outcome is dialog.outcome


def test_cancel_mid_training_leaves_everything_as_it_was(
    qtbot, monkeypatch, make_dialog, library, pair
):
    before, after = pair
    dialog = make_dialog(before)
    dialog.options.set_options(size=3)
    dialog.pairs.set_image(0, "after", ExampleImage(after, "after"))
    learn_and_wait(qtbot, dialog)
    first = dialog.outcome
    assert first is not None

    gate = Gate(monkeypatch)
    dialog.options.set_options(size=5, solver="adam")
    qtbot.mouseClick(dialog.learn_button, Qt.LeftButton)
    assert gate.reached.wait(60)
    qtbot.mouseClick(dialog.cancel_button, Qt.LeftButton)
    gate.release.set()
    assert not dialog.is_running()
    assert "Cancelled" in dialog.status_text()
    assert dialog.outcome is first
    assert dialog.result_view.outcome is first
    assert dialog.tabs.currentWidget() is dialog.result_view
    assert dialog.learn_button.isEnabled() and not dialog.cancel_button.isEnabled()
    assert user_keys(library) == []
    qtbot.waitUntil(lambda: running_task_count() == 0, timeout=WAIT)
    assert dialog.outcome is first  # the stopped solver's late end changed nothing


def test_closing_the_dialog_stops_the_fit(qtbot, monkeypatch, make_dialog, runner, pair):
    gate = Gate(monkeypatch)
    before, after = pair
    dialog = make_dialog(before)
    dialog.options.set_options(size=3, solver="adam")
    dialog.pairs.set_image(0, "after", ExampleImage(after, "after"))
    dialog.show()
    qtbot.mouseClick(dialog.learn_button, Qt.LeftButton)
    assert gate.reached.wait(60)
    dialog.reject()
    gate.release.set()
    assert not runner.is_busy("learn")
    qtbot.waitUntil(lambda: running_task_count() == 0, timeout=WAIT)


# --- keeping the result: refusals -------------------------------------------------------


def test_the_library_dialog_offers_the_learned_name_and_its_fit(qtbot, monkeypatch):
    shown = {}

    def fake_exec(dialog):
        shown["values"] = dialog.values()
        shown["width"] = dialog.width()
        return False  # cancelled

    monkeypatch.setattr(KernelSaveDialog, "exec", fake_exec)
    learned = Kernel(np.ones((3, 3)) / 9, name="Learned 3x3", category="Learned", description="fit")
    assert KernelSaveDialog.ask(learned, ["Blur"]) is None
    assert shown["values"] == ("Learned 3x3", "Learned", "fit")
    assert shown["width"] >= 300  # room for a name, not a squeezed field
