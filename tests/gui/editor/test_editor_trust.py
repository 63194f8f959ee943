"""The kernel in the editor is never silently wrong or lost: invalid fields, its own undo,
a clipboard that keeps what was typed, pasted integer kernels, library kernels edited."""

from __future__ import annotations

import json
from math import comb

import numpy as np
import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication
from user_steps import open_and_wait, type_into_cell

from workbench.engine import Kernel, apply_kernel
from workbench.gui.editor.editor import KernelEditor
from workbench.paths import builtin_kernels_dir

BLUR = Kernel([[1, 2, 1], [2, 4, 2], [1, 2, 1]], divisor=16, name="Blur")


@pytest.fixture
def editor(qtbot):
    e = KernelEditor()
    qtbot.addWidget(e)
    e.resize(380, 640)
    e.show()
    return e


def _type_divisor(qtbot, editor, text: str) -> None:
    spin = editor.divisor_spin
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, text)


# -- invalid fields ------------------------------------------------------------------------
def test_a_zero_divisor_is_marked_and_disables_apply(qtbot, editor):
    editor.set_kernel(BLUR)
    applied = []
    editor.applyRequested.connect(lambda: applied.append(True))
    with qtbot.waitSignal(editor.validityChanged) as blocker:
        _type_divisor(qtbot, editor, "0")
    assert blocker.args == [False]
    assert editor.divisor_spin.property("invalid") is True
    assert "#ffd6d6" in editor.divisor_spin.styleSheet()
    assert not editor.apply_button.isEnabled()
    assert "divisor cannot be 0" in editor.message_label.text()
    qtbot.mouseClick(editor.apply_button, Qt.MouseButton.LeftButton)
    assert applied == []
    # Fixed: marked valid again, Apply works with the new divisor (not the old one).
    _type_divisor(qtbot, editor, "8")
    assert editor.is_valid() and editor.apply_button.isEnabled()
    assert not editor.divisor_spin.property("invalid")
    assert editor.kernel().divisor == 8
    qtbot.mouseClick(editor.apply_button, Qt.MouseButton.LeftButton)
    assert applied == [True]


@pytest.mark.parametrize("text", ["abc", " "])
def test_a_bad_cell_stays_marked_where_it_is_until_fixed(qtbot, editor, text):
    editor.set_kernel(BLUR)
    sent = []
    editor.settingsChanged.connect(sent.append)
    type_into_cell(qtbot, editor.table, 0, 1, text)
    index = editor.model.index(0, 1)
    assert editor.model.data(index, Qt.ItemDataRole.BackgroundRole).name() == "#ffd6d6"
    assert editor.model.data(index, Qt.ItemDataRole.ToolTipRole).startswith("Not a weight")
    assert not editor.apply_button.isEnabled()
    assert "row 1, column 2" in editor.message_label.text()
    assert sent == []  # the preview keeps the last valid kernel
    assert editor.kernel() == BLUR
    type_into_cell(qtbot, editor.table, 0, 1, "3")
    assert editor.apply_button.isEnabled()
    assert editor.kernel().weights[0, 1] == 3
    assert editor.model.data(index, Qt.ItemDataRole.DisplayRole) == "3"


def test_apply_in_the_window_is_disabled_while_the_editor_is_invalid(qtbot, window, image_path):
    tab = open_and_wait(qtbot, window, image_path)
    window.editor.set_kernel(BLUR)
    _type_divisor(qtbot, window.editor, "0")
    assert not window.actions.apply.isEnabled()
    window.actions.apply.trigger()
    window.editor.applyRequested.emit()
    qtbot.wait(100)
    assert not tab.document.can_undo()
    _type_divisor(qtbot, window.editor, "16")
    assert window.actions.apply.isEnabled()


# -- the editor's own undo -----------------------------------------------------------------
def test_every_kind_of_edit_is_one_undo_step(qtbot, editor):
    start = editor.kernel()
    editor.set_kernel(BLUR)  # library Edit / learn's Open in editor come in this way
    type_into_cell(qtbot, editor.table, 0, 0, "8")  # not symmetric: the flip shows
    editor.rows_spin.setValue(5)
    editor._tool_buttons["rotate_right"].click()
    editor._tool_buttons["flip_h"].click()
    _type_divisor(qtbot, editor, "20")
    assert editor.paste_text("1 1 1\n1 1 1\n1 1 1")
    editor._tool_buttons["reset"].click()
    seen = [editor.kernel()]
    assert editor.undo_stack.count() == 8
    labels = [editor.undo_stack.text(i) for i in range(editor.undo_stack.count())]
    assert labels == [
        "Load Blur",
        "Edit weight",
        "Resize to 5\u00d73",
        "Rotate",
        "Flip",
        "Change divisor",
        "Paste",
        "Reset",
    ]
    for _ in labels:
        editor.undo_stack.undo()
        seen.append(editor.kernel())
    assert seen[-1] == start
    assert seen[-2] == BLUR
    np.testing.assert_array_equal(seen[-3].weights, [[8, 2, 1], [2, 4, 2], [1, 2, 1]])
    assert seen[-4].shape == (5, 3)
    assert seen[-7].divisor == 20  # before Paste
    assert seen[1].shape == (3, 3) and seen[1].weights.sum() == 9  # before Reset: the paste
    for expected in reversed(seen[:-1]):
        editor.undo_stack.redo()
        assert editor.kernel() == expected


def test_reset_and_paste_do_not_destroy_a_typed_9x9(qtbot, editor):
    editor.rows_spin.setValue(9)
    editor.cols_spin.setValue(9)
    for row, col, text in ((0, 0, "2"), (4, 4, "7"), (8, 8, "-3")):
        type_into_cell(qtbot, editor.table, row, col, text)
        # The closed cell editor goes at the next event loop pass: let it, before the next.
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    typed = editor.kernel()
    editor._tool_buttons["reset"].click()
    assert editor.kernel().shape == (3, 3)
    editor.table.setFocus()
    qtbot.keyClick(editor.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert editor.kernel() == typed
    editor.paste_text("(0,1,0;1,-4,1;0,1,0)")
    qtbot.keyClick(editor.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert editor.kernel() == typed
    qtbot.keyClick(
        editor.table,
        Qt.Key.Key_Z,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    np.testing.assert_array_equal(editor.kernel().weights, [[0, 1, 0], [1, -4, 1], [0, 1, 0]])


def test_undo_restores_an_invalid_divisor_mark(qtbot, editor):
    editor.set_kernel(BLUR)
    _type_divisor(qtbot, editor, "0")
    editor.set_kernel(Kernel([[1]]))
    assert editor.is_valid()
    editor.undo()
    assert not editor.is_valid() and not editor.apply_button.isEnabled()
    editor.undo()  # back before the divisor edit
    assert editor.is_valid() and editor.kernel() == BLUR


def test_ctrl_z_undoes_the_kernel_in_the_editor_and_the_image_elsewhere(
    qtbot, window, image_path, small_rgb
):
    tab = open_and_wait(qtbot, window, image_path)
    editor = window.editor
    editor.set_kernel(BLUR)
    window.edits.apply(editor.settings())
    qtbot.waitUntil(lambda: tab.document.modified, timeout=60_000)
    blurred = tab.document.pixels.copy()
    type_into_cell(qtbot, editor.table, 1, 1, "40")
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=60_000)
    editor.table.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is editor.table, timeout=60_000)
    qtbot.keyClick(editor.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert editor.kernel() == BLUR  # the kernel went back ...
    np.testing.assert_array_equal(tab.document.pixels, blurred)  # ... the image did not
    # In a spin box of the editor too.
    _type_divisor(qtbot, editor, "4")
    qtbot.keyClick(editor.divisor_spin, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert editor.kernel().divisor == 16
    # With the focus on the image, Ctrl+Z undoes the image.
    tab.view.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is tab.view, timeout=60_000)
    qtbot.keyClick(tab.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    np.testing.assert_array_equal(tab.document.pixels, small_rgb)
    assert editor.kernel() == BLUR


# -- clipboard -----------------------------------------------------------------------------
def test_copy_keeps_the_typed_weights_and_divisor(qtbot, editor):
    binomial = np.outer([1, 4, 6, 4, 1], [1, 4, 6, 4, 1])
    editor.set_kernel(Kernel(binomial, divisor=256, offset=10))
    editor._tool_buttons["copy"].click()
    text = QGuiApplication.clipboard().text()
    assert text.splitlines()[0] == "1\t4\t6\t4\t1"
    assert "divisor 256" in text and "offset 10" in text
    assert "e-" not in text
    editor._tool_buttons["reset"].click()
    editor._tool_buttons["paste"].click()
    pasted = editor.kernel()
    np.testing.assert_array_equal(pasted.weights, binomial)
    assert (pasted.divisor, pasted.offset) == (256, 10)


def test_pasting_an_integer_kernel_divides_by_its_sum_with_a_note(qtbot, editor, small_rgb):
    row = [comb(8, i) for i in range(9)]
    binomial = np.outer(row, row)  # 9x9, sum 65536
    QGuiApplication.clipboard().setText(
        "\n".join(" ".join(str(v) for v in r) for r in binomial) + "\n"
    )
    editor._tool_buttons["paste"].click()
    kernel = editor.kernel()
    assert kernel.divisor == 65536 and kernel.offset == 0
    assert "65536" in editor.message_label.text()
    assert editor.message_label.isVisibleTo(editor)
    out = apply_kernel(small_rgb, kernel)
    assert abs(float(out.mean()) - float(small_rgb.mean())) < 3  # not turned white
    # A zero-sum kernel keeps divisor 1 (GIMP would add 128 only with Normalise ticked).
    assert editor.paste_text("0 -1 0\n-1 4 -1\n0 -1 0")
    assert editor.kernel().divisor == 1


# -- library kernels -------------------------------------------------------------------------
def test_editing_a_builtin_keeps_its_fields_and_saves_a_copy(
    qtbot, window, kernel_library, dialogs
):
    builtin_file = builtin_kernels_dir() / "gaussian-3x3.json"
    original = builtin_file.read_bytes()
    window.library_panel.select("gaussian-3x3")
    window.library_panel.edit_selected()
    editor = window.editor
    assert editor.undo_stack.undoText() == "Load Gaussian blur 3x3"  # one undoable step
    type_into_cell(qtbot, editor.table, 1, 1, "8")
    kernel = editor.kernel()
    assert kernel.divisor == 16  # not changed by the user: kept
    assert kernel.description.startswith("Binomial approximation")
    key = window.library_panel.save_kernel(kernel, name=kernel.name, category="Blur")
    assert key is not None and key != "gaussian-3x3"
    assert builtin_file.read_bytes() == original
    saved = json.loads((kernel_library.user_dir / f"{key}.json").read_text())
    assert saved["divisor"] == 16
    assert saved["description"].startswith("Binomial approximation")
    assert saved["weights"][1][1] == 8


def test_colour_options_are_undo_steps_too(qtbot, editor):
    editor.set_kernel(BLUR.replace(name="Blur (edited)"))  # no rename to carry the step
    start = editor.kernel()
    editor.linear_box.setChecked(True)
    editor.luminance_box.setChecked(True)
    editor.out_range_combo.setCurrentIndex(editor.out_range_combo.findData("abs"))
    changed = editor.kernel()
    assert (changed.space, changed.luminance, changed.out_range) == ("linear", True, "abs")
    for _ in range(3):
        editor.undo()
    assert editor.kernel() == start
    assert not editor.linear_box.isChecked() and not editor.luminance_box.isChecked()
    for _ in range(3):
        editor.redo()
    assert editor.kernel() == changed
