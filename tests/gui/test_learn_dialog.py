"""The learn dialog end to end: pairs in, a kernel out that lands in the library and applies.

Pairs are made in code with apply_kernel; the library is a temporary WORKBENCH_KERNELS folder;
file, name and message dialogs are patched so that nothing blocks. No timed assertions: the
waits below only bound how long a broken test hangs.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
from PySide6.QtCore import Qt

from workbench.engine import Kernel, apply_kernel
from workbench.engine.imageio import save_image
from workbench.engine.library import KernelLibrary, LibraryError, import_kernels
from workbench.gui import learn_training
from workbench.gui.kernel_save_dialog import KernelSaveDialog
from workbench.gui.learn_dialog import LearnDialog
from workbench.gui.learn_options import KernelSizeBox
from workbench.gui.learn_pairs import ExampleImage
from workbench.gui.worker import Runner, running_task_count

WAIT = 60_000  # ms; generous: two cores are shared by several test runs

SHARPEN = Kernel([[0, -0.5, 0], [-0.5, 3, -0.5], [0, -0.5, 0]], name="sharpen")


def textured(h: int, w: int, seed: int = 0) -> np.ndarray:
    """An 8-bit RGB image with detail at every scale and no clipping after a mild sharpen."""
    rng = np.random.default_rng(seed)
    noise = rng.uniform(0, 1, (h, w, 3)).astype(np.float32)
    blurred = apply_kernel(noise, Kernel(np.ones((3, 3)), divisor=9.0))
    return np.rint(60 + 135 * blurred).astype(np.uint8)


@pytest.fixture
def library(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_KERNELS", str(tmp_path / "kernels"))
    return KernelLibrary()


@pytest.fixture
def runner(qtbot):
    runner = Runner()
    yield runner
    assert runner.shutdown(10_000)
    qtbot.waitUntil(lambda: running_task_count() == 0, timeout=WAIT)


@pytest.fixture
def pair():
    before = textured(72, 80)
    return before, apply_kernel(before, SHARPEN)


@pytest.fixture
def make_dialog(qtbot, library, runner):
    def make(image=None, name="before.png"):
        dialog = LearnDialog(None, image=image, image_name=name, library=library, runner=runner)
        qtbot.addWidget(dialog)
        return dialog

    return make


def user_keys(library: KernelLibrary) -> list[str]:
    return [e.key for e in library.entries if not e.builtin]


def learn_and_wait(qtbot, dialog: LearnDialog) -> None:
    qtbot.mouseClick(dialog.learn_button, Qt.LeftButton)
    assert dialog.is_running(), dialog.status_text()
    qtbot.waitUntil(lambda: not dialog.is_running(), timeout=WAIT)


def interior(a: np.ndarray, margin: int = 4) -> np.ndarray:
    return a[margin:-margin, margin:-margin].astype(np.float64)


class Gate:
    """Holds the solver at its first reported step until the test lets it go."""

    def __init__(self, monkeypatch) -> None:
        self.reached = threading.Event()
        self.release = threading.Event()
        original = learn_training.LiveTraining.on_step

        def on_step(live, step, loss, weights):
            original(live, step, loss, weights)
            if not self.reached.is_set():
                self.reached.set()
                self.release.wait(30)

        monkeypatch.setattr(learn_training.LiveTraining, "on_step", on_step)


# --- the happy path ---------------------------------------------------------------------


def test_learned_kernel_goes_to_the_library_and_reproduces_the_after_image(
    qtbot, tmp_path, monkeypatch, make_dialog, library, pair
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
    assert "PSNR" in dialog.result_view.report.text()
    assert dialog.result_view.residual.image() is not None
    assert dialog.result_view.comparison_image("Reproduced") is not None
    assert np.abs(outcome.reproduced.astype(int) - after.astype(int)).max() <= 1 or (
        np.abs(interior(outcome.reproduced) - interior(after)).max() <= 1
    )

    monkeypatch.setattr(
        KernelSaveDialog, "ask", classmethod(lambda cls, *a, **k: ("My sharpen", "Mine", "fit"))
    )
    with qtbot.waitSignal(dialog.kernel_added, timeout=WAIT) as added:
        qtbot.mouseClick(dialog.result_view.add_button, Qt.LeftButton)
    key = added.args[0]

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
    before, after = pair
    dialog = make_dialog(before)
    dialog.options.set_options(size=3)
    dialog.pairs.set_image(0, "after", ExampleImage(after, "after"))
    learn_and_wait(qtbot, dialog)
    learned = dialog.outcome.result.kernel
    chosen = {}

    def save_dialog(*args, **kwargs):
        return chosen["path"], chosen["filter"]

    monkeypatch.setattr("workbench.gui.kernel_files.QFileDialog.getSaveFileName", save_dialog)

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
    assert dialog.tabs.currentWidget() is dialog.result_view


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


# --- bad pairs ----------------------------------------------------------------------------


def is_error(dialog: LearnDialog) -> bool:
    return bool(dialog.status.property("error"))


def test_pairs_of_different_sizes_are_refused_with_a_message(qtbot, make_dialog, runner):
    dialog = make_dialog(textured(64, 64))
    dialog.pairs.set_image(0, "after", ExampleImage(textured(48, 64), "small.png"))
    qtbot.mouseClick(dialog.learn_button, Qt.LeftButton)
    assert not dialog.is_running() and not runner.is_busy()
    text = dialog.status_text()
    assert is_error(dialog)
    assert "Pair 1" in text and "64 \u00d7 64" in text and "64 \u00d7 48" in text
    assert "same size" in text


def test_grey_and_colour_pair_is_refused(qtbot, make_dialog):
    colour = textured(40, 40)
    dialog = make_dialog(colour)
    dialog.pairs.set_image(0, "after", ExampleImage(colour[..., 0].copy(), "grey.png"))
    qtbot.mouseClick(dialog.learn_button, Qt.LeftButton)
    assert not dialog.is_running()
    assert "gray 8-bit" in dialog.status_text() and "RGB" in dialog.status_text()


def test_missing_after_image_is_asked_for(qtbot, make_dialog):
    dialog = make_dialog(textured(40, 40))
    qtbot.mouseClick(dialog.learn_button, Qt.LeftButton)
    assert not dialog.is_running()
    assert "choose the after image" in dialog.status_text()


def test_unreadable_file_is_reported_in_its_slot_and_the_dialog(qtbot, tmp_path, make_dialog):
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\nthis is not really a picture")
    dialog = make_dialog(textured(40, 40))
    dialog.pairs.load_file(0, "after", bad)
    qtbot.waitUntil(lambda: not dialog.pairs.is_loading(), timeout=WAIT)
    assert dialog.pairs.pairs()[0][1] is None
    assert "broken.png" in dialog.pairs.row(0).after.caption()
    assert is_error(dialog) and "broken.png" in dialog.status_text()
    qtbot.mouseClick(dialog.learn_button, Qt.LeftButton)
    assert not dialog.is_running()


def test_unrelated_images_are_not_passed_off_as_a_kernel(qtbot, make_dialog, library):
    dialog = make_dialog(textured(64, 64, seed=3))
    dialog.options.set_options(size=3)
    dialog.pairs.set_image(0, "after", ExampleImage(textured(64, 64, seed=4), "other.png"))
    learn_and_wait(qtbot, dialog)
    assert is_error(dialog)
    text = dialog.status_text()
    assert "same picture" in text or "not the same" in text or "Could not learn" in text
    assert user_keys(library) == []


# --- keeping the result: refusals -------------------------------------------------------


def test_add_to_library_can_be_cancelled_or_fail_without_harm(
    qtbot, monkeypatch, make_dialog, library, pair
):
    before, after = pair
    dialog = make_dialog(before)
    dialog.options.set_options(size=3)
    dialog.pairs.set_image(0, "after", ExampleImage(after, "after"))
    learn_and_wait(qtbot, dialog)
    added = []
    dialog.kernel_added.connect(added.append)

    monkeypatch.setattr(KernelSaveDialog, "ask", classmethod(lambda cls, *a, **k: None))
    qtbot.mouseClick(dialog.result_view.add_button, Qt.LeftButton)
    assert added == [] and user_keys(library) == []

    def refuse(*args, **kwargs):
        raise LibraryError("cannot create the kernel folder '/nowhere' (Permission denied)")

    monkeypatch.setattr(KernelSaveDialog, "ask", classmethod(lambda cls, *a, **k: ("X", "", "")))
    monkeypatch.setattr(library, "save", refuse)
    qtbot.mouseClick(dialog.result_view.add_button, Qt.LeftButton)
    assert added == []
    assert is_error(dialog) and "Permission denied" in dialog.status_text()


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


# --- options --------------------------------------------------------------------------------


def test_size_box_offers_auto_and_odd_sizes_only(qtbot):
    box = KernelSizeBox()
    qtbot.addWidget(box)
    assert box.kernel_size() == "auto" and box.text() == "Auto"
    box.stepUp()
    assert box.kernel_size() == 1
    box.stepUp()
    assert box.kernel_size() == 3
    assert box.validate("4", 1)[0] != box.validate("5", 1)[0]
    box.set_kernel_size(7)
    assert box.kernel_size() == 7


def test_robust_losses_are_only_offered_with_adam(qtbot, make_dialog):
    dialog = make_dialog()
    options = dialog.options
    options.set_options(solver="adam", loss="l1")
    assert options.loss_box.isEnabled() and options.options()["loss"] == "l1"
    options.set_options(solver="exact")
    assert not options.loss_box.isEnabled()
    assert options.options()["loss"] == "l2"
    assert "Adam" in options.loss_hint.text()


def test_colour_mixing_kernel_is_learned_and_shown_per_channel_pair(qtbot, make_dialog):
    before = textured(48, 52, seed=5)
    weights = np.zeros((3, 3, 3, 3))
    weights[0, 2, 1, 1] = 1.0  # red takes the blue channel
    weights[1, 1, 1, 1] = 1.0
    weights[2, 0, 1, 1] = 1.0  # blue takes the red channel
    swap = Kernel(weights)
    after = apply_kernel(before, swap)
    assert np.array_equal(after[..., 0], before[..., 2])  # the reference really swaps
    dialog = make_dialog(before)
    dialog.options.set_options(size=3, mode="color")
    dialog.pairs.set_image(0, "after", ExampleImage(after, "swapped"))
    learn_and_wait(qtbot, dialog)
    assert dialog.outcome is not None, dialog.status_text()
    learned = dialog.outcome.result.kernel
    assert learned.is_color
    assert np.abs(learned.effective_weights() - weights).max() < 0.02
    assert dialog.result_view.heat_map.weights().shape == (3, 3, 3, 3)
    reproduced = apply_kernel(before, learned)
    assert np.abs(interior(reproduced) - interior(after)).max() <= 1


def test_an_image_file_dropped_on_a_slot_is_read_into_it(qtbot, tmp_path, make_dialog, pair):
    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDropEvent

    before, after = pair
    save_image(tmp_path / "dropped.png", after)
    dialog = make_dialog(before)
    slot = dialog.pairs.row(0).after
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tmp_path / "dropped.png"))])
    event = QDropEvent(
        QPointF(10, 10), Qt.CopyAction, mime, Qt.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    slot.dropEvent(event)
    qtbot.waitUntil(lambda: not dialog.pairs.is_loading(), timeout=WAIT)
    image = dialog.pairs.pairs()[0][1]
    assert image is not None and image.name == "dropped.png"
    assert np.array_equal(image.pixels, after)
    assert "dropped.png" in slot.caption()


def test_removing_a_pair_renumbers_and_keeps_one_row(qtbot, make_dialog):
    dialog = make_dialog(textured(20, 20))
    second = dialog.pairs.add_pair()
    assert dialog.pairs.count() == 2 and second.number.text() == "<b>2</b>"
    dialog.pairs.remove_pair(dialog.pairs.row(0))
    assert dialog.pairs.count() == 1 and dialog.pairs.row(0) is second
    assert second.number.text() == "<b>1</b>"
    dialog.pairs.set_image(0, "before", ExampleImage(textured(20, 20), "x"))
    dialog.pairs.remove_pair(second)  # the last row is cleared, not removed
    assert dialog.pairs.count() == 1 and dialog.pairs.pairs() == [(None, None)]


def test_enter_after_choosing_a_file_means_learn(qtbot, make_dialog, dialogs):
    dialog = make_dialog(textured(40, 40))
    dialog.show()
    choose = dialog.pairs.findChildren(type(dialog.learn_button))[0]
    assert choose.text().startswith("Choose")
    choose.setFocus()  # where focus is left after picking a file
    qtbot.keyClick(choose, Qt.Key.Key_Return)
    assert "open dialog" not in dialogs.kinds()  # no second file dialog
    assert "choose the after image" in dialog.status_text()  # Learn ran, and asked for it


def test_a_long_fit_report_scrolls_instead_of_growing_the_dialog(qtbot, make_dialog, pair):
    before, after = pair
    dialog = make_dialog(before)
    dialog.show()
    dialog.pairs.set_image(0, "after", ExampleImage(after, "after"))
    learn_and_wait(qtbot, dialog)
    report = dialog.result_view.report
    findings = "".join(f"<li>finding {i} in plain words</li>" for i in range(40))
    report.setText(report.text() + f"<ul>{findings}</ul>")
    assert dialog.minimumSizeHint().height() <= 700  # still fits a 768-pixel screen
    # All of it can be read (scrolling): the label is as tall as its wrapped text.
    qtbot.waitUntil(lambda: report.height() >= report.heightForWidth(report.width()), timeout=2000)
