"""The learn dialog says exactly what it learned from: the Before image as saved or with its
edits, a result marked out of date when a pair changes, whole file names, Round."""

from __future__ import annotations

import numpy as np
from learn_steps import WAIT, learn_and_wait, textured
from PySide6.QtCore import Qt

from workbench.engine import Kernel, apply_kernel
from workbench.engine.imageio import save_image
from workbench.gui.learn.pairs import AS_SAVED, WITH_EDITS, ExampleImage

BLUR = Kernel([[1, 2, 1], [2, 4, 2], [1, 2, 1]], divisor=16)


def _edited_tab(tmp_path):
    saved = textured(48, 56, seed=1)
    path = tmp_path / "chelsea.png"
    save_image(path, saved)
    edited = apply_kernel(saved, BLUR)  # one unsaved edit in the tab
    return saved, edited, path


def test_the_before_slot_takes_the_file_as_saved_and_says_so(qtbot, tmp_path, runner):
    from workbench.gui.learn.dialog import LearnDialog

    saved, edited, path = _edited_tab(tmp_path)
    dialog = LearnDialog(
        None,
        image=edited,
        image_name="chelsea.png",
        runner=runner,
        saved_path=path,
        unsaved_edits=1,
    )
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: not dialog.pairs.is_loading(), timeout=WAIT)
    slot = dialog.pairs.row(0).before
    before = dialog.pairs.pairs()[0][0]
    np.testing.assert_array_equal(before.pixels, saved)  # the file, not the edited pixels
    assert before.name == "chelsea.png (as saved)"
    assert "as saved" in slot.caption()
    assert dialog.pairs.before_source() == AS_SAVED
    combo = slot.source_combo
    assert combo.isVisibleTo(dialog)
    # The user picks the current image with its edits: the slot says so.
    combo.setCurrentIndex(combo.findData(WITH_EDITS))
    before = dialog.pairs.pairs()[0][0]
    np.testing.assert_array_equal(before.pixels, edited)
    assert before.name == "chelsea.png (with 1 unsaved edit)"
    assert "with 1 unsaved edit" in slot.caption()
    # And back, without reading the file again.
    combo.setCurrentIndex(combo.findData(AS_SAVED))
    assert not dialog.pairs.is_loading()
    np.testing.assert_array_equal(dialog.pairs.pairs()[0][0].pixels, saved)


def test_a_tab_without_edits_is_simply_its_image(qtbot, make_dialog):
    dialog = make_dialog(textured(20, 20), name="plain.png")
    slot = dialog.pairs.row(0).before
    assert not slot.source_combo.isVisibleTo(dialog)
    assert dialog.pairs.pairs()[0][0].name == "plain.png"


def test_changing_a_pair_marks_the_result_out_of_date(qtbot, make_dialog, pair):
    before, after = pair
    dialog = make_dialog(before)
    dialog.show()
    dialog.options.set_options(size=3)
    dialog.pairs.set_image(0, "after", ExampleImage(after, "after.png"))
    learn_and_wait(qtbot, dialog)
    view = dialog.result_view
    assert not view.is_stale() and not view.stale_banner.isVisible()
    assert "Done" in dialog.status_text()
    dialog.pairs.set_image(0, "after", ExampleImage(apply_kernel(before, BLUR), "blurred.png"))
    assert view.is_stale() and view.stale_banner.isVisible()
    assert "previous" in dialog.status_text() and "Done" not in dialog.status_text()
    learn_and_wait(qtbot, dialog)
    assert not view.is_stale() and not view.stale_banner.isVisible()
    assert "Done" in dialog.status_text()


def test_long_file_names_are_shortened_between_whole_characters(qtbot, make_dialog):
    dialog = make_dialog(textured(20, 20), name="x.png")
    dialog.show()
    name = "Ölgemälde_vom_Strand_bei_Sonnenuntergang_2024_endgültig_überarbeitet.png"
    dialog.pairs.set_image(0, "after", ExampleImage(textured(20, 20, seed=2), name))
    slot = dialog.pairs.row(0).after
    first_line = slot.caption().split("<br>")[0]
    assert "\u2026" in first_line  # shortened with an ellipsis ...
    head, tail = first_line.split("\u2026")
    assert name.startswith(head) and name.endswith(tail)  # ... of whole characters
    assert tail.endswith(".png")
    assert name in slot.caption_tooltip()  # the whole name is a hover away


def test_round_rounds_to_simple_values_and_says_what_it_cost(qtbot, make_dialog):
    before = textured(60, 72)
    after = apply_kernel(before, BLUR)  # 8-bit: learned weights near, not on, n/16
    dialog = make_dialog(before)
    dialog.options.set_options(size=3)
    dialog.pairs.set_image(0, "after", ExampleImage(after, "after.png"))
    learn_and_wait(qtbot, dialog)
    assert dialog.result_view.round_button.isEnabled()
    qtbot.mouseClick(dialog.result_view.round_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: dialog._rounding is None, timeout=WAIT)
    kernel = dialog.outcome.result.kernel
    np.testing.assert_array_equal(kernel.weights * 16, BLUR.weights)
    text = dialog.status_text()
    assert "1/16" in text and "largest change" in text
    assert "exactly n/16" in dialog.result_view.title.text()
    assert not dialog.result_view.round_button.isEnabled()


def test_acf_export_offers_to_round_and_states_the_change(qtbot, tmp_path, make_dialog, dialogs):
    from PySide6.QtWidgets import QMessageBox

    from workbench.engine.kernel_files import import_kernels

    before = textured(60, 72)
    dialog = make_dialog(before)
    dialog.options.set_options(size=3)
    dialog.pairs.set_image(0, "after", ExampleImage(apply_kernel(before, BLUR), "after.png"))
    learn_and_wait(qtbot, dialog)
    target = tmp_path / "blur.acf"
    dialogs.save_file = str(target)
    dialogs.answers = [QMessageBox.StandardButton.Cancel]
    dialog.export()  # refused as it is, rounding declined: nothing written
    assert not target.exists()
    assert "Could not export" in dialog.status_text()
    question = [c for c in dialogs.calls if c[0] == "question"][-1][2]
    assert "1/16" in question and "largest weight changes by" in question
    dialogs.answers = [QMessageBox.StandardButton.Yes]
    dialog.export()
    kernels, _ = import_kernels(target)
    np.testing.assert_array_equal(kernels[0].effective_weights(), BLUR.effective_weights())
    assert "Rounded to multiples of 1/16" in dialog.status_text()
