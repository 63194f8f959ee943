"""The kernel editor: typed entries, refusals, size, normalise, transforms, clipboard."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from user_steps import type_into_cell

from workbench.engine import Kernel
from workbench.engine.library import parse_kernel_text
from workbench.gui.editor.editor import KernelEditor
from workbench.gui.editor.model import KernelTableModel, parse_weight, shade


@pytest.fixture
def editor(qtbot):
    e = KernelEditor()
    qtbot.addWidget(e)
    e.resize(360, 600)
    e.show()
    return e


def test_typing_a_weight_emits_new_settings(qtbot, editor):
    with qtbot.waitSignal(editor.settingsChanged, timeout=60_000) as blocker:
        type_into_cell(qtbot, editor.table, 0, 2, "1/4")
    kernel = blocker.args[0].kernel
    assert kernel.weights[0, 2] == 0.25
    assert kernel.weights[1, 1] == 1
    assert editor.sum_label.text() == "Sum 1.25"


@pytest.mark.parametrize("text", ["abc", "", "nan", "inf", "1/0", "1e13"])
def test_bad_entries_are_refused_in_the_cell(qtbot, editor, text):
    before = editor.kernel()
    emitted = []
    editor.settingsChanged.connect(emitted.append)
    assert not editor.model.setData(editor.model.index(0, 0), text)
    assert editor.kernel() == before
    assert emitted == []
    assert editor.message_label.isVisibleTo(editor)
    assert editor.message_label.text()


def test_parse_weight_accepts_what_people_type():
    assert parse_weight(" -0.5 ") == -0.5
    assert parse_weight("\u22122") == -2  # a real minus sign, as pasted from web pages
    assert parse_weight("3/16") == 3 / 16
    assert parse_weight("1e-3") == 0.001


def test_size_grows_about_the_centre(qtbot, editor):
    editor.set_kernel(Kernel([[1, 2, 3], [4, 5, 6], [7, 8, 9]]))
    editor.rows_spin.setValue(5)
    weights = editor.kernel().weights
    assert weights.shape == (5, 3)
    np.testing.assert_array_equal(weights[1:4], [[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    assert not weights[0].any() and not weights[4].any()


def test_an_even_size_becomes_odd(qtbot, editor):
    editor.cols_spin.setValue(4)
    assert editor.cols_spin.value() == 5
    assert editor.kernel().shape == (3, 5)


@pytest.mark.parametrize(
    ("weights", "divisor", "offset"),
    [
        ([[1, 2, 1], [2, 4, 2], [1, 2, 1]], 16, 0),  # blur: divide by the sum
        ([[0, -1, 0], [-1, 4, -1], [0, -1, 0]], 1, 128),  # zero sum: mid-grey offset
        ([[0, -1, 0], [-1, -4, -1], [0, -1, 0]], 8, 255),  # negative sum
    ],
)
def test_normalise_follows_gimp(qtbot, editor, weights, divisor, offset):
    editor.set_kernel(Kernel(weights))
    editor.normalise_box.setChecked(True)
    kernel = editor.kernel()
    assert kernel.divisor == divisor
    assert kernel.offset == offset
    assert not editor.divisor_spin.isEnabled()
    # Editing a weight keeps it normalised.
    editor.model.setData(editor.model.index(1, 1), "10" if weights[1][1] > 0 else "-10")
    expected = Kernel(editor.model.weights()).normalized()
    assert editor.kernel().divisor == expected.divisor


def test_a_zero_divisor_is_refused(qtbot, editor):
    editor.divisor_spin.setValue(2)
    editor.divisor_spin.setValue(0)
    assert editor.kernel().divisor == 2


@pytest.mark.parametrize(
    ("button", "expected"),
    [
        ("rotate_left", lambda w: np.rot90(w, 1)),
        ("rotate_right", lambda w: np.rot90(w, -1)),
        ("flip_h", lambda w: w[:, ::-1]),
        ("flip_v", lambda w: w[::-1]),
    ],
)
def test_rotate_and_flip(qtbot, editor, button, expected):
    weights = np.arange(15.0).reshape(3, 5)
    editor.set_kernel(Kernel(weights))
    editor._tool_buttons[button].click()
    np.testing.assert_array_equal(editor.kernel().weights, expected(weights))
    assert (editor.rows_spin.value(), editor.cols_spin.value()) == editor.kernel().shape


def test_copy_and_paste_round_trip_through_the_clipboard(qtbot, editor):
    editor.set_kernel(Kernel([[1, -2, 1], [0.5, 3, 0.5], [1, -2, 1]]))
    editor.copy_to_clipboard()
    text = QGuiApplication.clipboard().text()
    np.testing.assert_array_equal(parse_kernel_text(text).weights, editor.kernel().weights)
    editor.set_kernel(Kernel([[1]]))
    editor.paste_from_clipboard()
    np.testing.assert_array_equal(editor.kernel().weights, [[1, -2, 1], [0.5, 3, 0.5], [1, -2, 1]])


def test_paste_rows_of_numbers_and_gmic_matrices(qtbot, editor):
    assert editor.paste_text("1, 2, 1\n2, 4, 2\n1, 2, 1\n")
    np.testing.assert_array_equal(editor.kernel().weights, [[1, 2, 1], [2, 4, 2], [1, 2, 1]])
    assert editor.paste_text("(0,1,0;1,-4,1;0,1,0)")
    np.testing.assert_array_equal(editor.kernel().weights, [[0, 1, 0], [1, -4, 1], [0, 1, 0]])
    before = editor.kernel()
    assert not editor.paste_text("hello world")
    assert editor.kernel() == before
    assert "Cannot paste" in editor.message_label.text()


def test_channels_border_and_alpha_go_into_the_settings(qtbot, editor):
    editor.channel_boxes["G"].setChecked(False)
    editor.channel_boxes["A"].setChecked(True)
    editor.alpha_box.setChecked(False)
    editor.border_combo.setCurrentIndex(editor.border_combo.findData("wrap"))
    settings = editor.settings()
    assert settings.channels == "RBA"
    assert settings.alpha_weighting is False
    assert settings.kernel.border == "wrap"


def test_cells_are_shaded_on_a_diverging_scale():
    model = KernelTableModel()
    model.set_weights(np.array([[-2.0, 0.0, 2.0]]))
    from PySide6.QtCore import Qt

    colours = [model.index(0, c).data(Qt.ItemDataRole.BackgroundRole) for c in range(3)]
    neg, zero, pos = (c.getRgb()[:3] for c in colours)
    assert zero == (255, 255, 255)
    assert neg[2] > neg[0]  # blue
    assert pos[0] > pos[2]  # red
    assert shade(1.0, 2.0).getRgb()[:3] != shade(2.0, 2.0).getRgb()[:3]


def test_a_colour_kernel_is_edited_one_channel_pair_at_a_time(qtbot, editor):
    weights = np.zeros((3, 3, 3, 3))
    weights[0, 0, 1, 1] = 1
    weights[1, 2, 0, 0] = 5
    editor.set_kernel(Kernel(weights, name="mix"))
    assert editor.slice_combo.isVisibleTo(editor)
    assert editor.slice_combo.count() == 9
    editor.slice_combo.setCurrentIndex(5)  # G out from B in
    assert editor.model.grid()[0, 0] == 5
    editor.model.setData(editor.model.index(2, 2), "7")
    assert editor.kernel().weights[1, 2, 2, 2] == 7
    assert editor.kernel().weights[0, 0, 1, 1] == 1


def test_rotating_a_colour_kernel_keeps_the_channel_pair_on_show(qtbot, editor):
    weights = np.zeros((3, 3, 3, 3))
    weights[1, 2] = np.arange(9.0).reshape(3, 3)
    editor.set_kernel(Kernel(weights))
    editor.slice_combo.setCurrentIndex(5)
    editor._tool_buttons["rotate_left"].click()
    np.testing.assert_array_equal(editor.model.grid(), np.rot90(np.arange(9.0).reshape(3, 3)))


def test_a_learned_kernel_goes_through_the_editor_unchanged(qtbot, editor):
    learned = Kernel(
        np.random.default_rng(2).normal(size=(5, 5)),
        offset=12.3456,
        name="Learned 5x5",
        category="Learned",
        description="fit",
    )
    editor.set_kernel(learned)
    assert editor.kernel() == learned


def test_values_the_boxes_only_round_stay_exact(qtbot, editor):
    odd = Kernel(np.ones((3, 3)), divisor=9.123456789, offset=1.000049)
    editor.set_kernel(odd)
    assert editor.kernel().divisor == odd.divisor
    assert editor.kernel().offset == odd.offset
    editor.divisor_spin.setValue(2.5)  # a real edit wins
    assert editor.kernel().divisor == 2.5
    weights = np.random.default_rng(3).random((3, 3))
    editor.set_kernel(Kernel(weights))
    editor.normalise_box.setChecked(True)
    assert editor.kernel().divisor == Kernel(weights).normalized().divisor


def test_divisor_and_offset_read_plainly(qtbot, editor):
    editor.set_kernel(Kernel(np.ones((3, 3)), divisor=16, offset=0.0625))
    assert editor.divisor_spin.text() == "16"
    assert editor.offset_spin.text() == "0.0625"
    editor.divisor_spin.lineEdit().selectAll()
    qtbot.keyClicks(editor.divisor_spin, "12.5")
    qtbot.keyClick(editor.divisor_spin, Qt.Key.Key_Return)
    assert editor.kernel().divisor == 12.5


def test_edited_weights_are_not_called_by_the_old_name(qtbot, editor):
    assert editor.settings().label == "Custom kernel 3x3"  # the blank start has no name
    editor.set_kernel(Kernel([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], name="Sharpen"))
    type_into_cell(qtbot, editor.table, 1, 1, "9")
    assert editor.name_edit.text() == "Sharpen (edited)"
    assert editor.settings().label == "Sharpen (edited) 3x3"
    type_into_cell(qtbot, editor.table, 0, 0, "1")  # once is enough
    assert editor.kernel().name == "Sharpen (edited)"


@pytest.mark.parametrize("change", ["rotate", "resize", "paste"])
def test_other_weight_changes_mark_the_name_too(qtbot, editor, change):
    editor.set_kernel(Kernel([[1, 2, 3], [0, 0, 0], [0, 0, 0]], name="Top"))
    if change == "rotate":
        qtbot.mouseClick(editor._tool_buttons["rotate_left"], Qt.MouseButton.LeftButton)
    elif change == "resize":
        editor.rows_spin.setValue(5)
    else:
        assert editor.paste_text("(0,1,0;1,-4,1;0,1,0)")
    assert editor.kernel().name == "Top (edited)"


def test_a_name_the_user_typed_is_kept_through_edits(qtbot, editor):
    editor.set_kernel(Kernel(np.ones((3, 3)), divisor=9, name="Box"))
    editor.name_edit.clear()
    qtbot.keyClicks(editor.name_edit, "My soft box")
    type_into_cell(qtbot, editor.table, 1, 1, "2")
    assert editor.kernel().name == "My soft box"


def test_a_matrix_typed_or_pasted_into_one_cell_becomes_the_kernel(qtbot, editor):
    type_into_cell(qtbot, editor.table, 0, 0, "(0,1,0;1,-4,1;0,1,0)")
    qtbot.waitUntil(lambda: editor.kernel().weights[1, 1] == -4, timeout=60_000)
    np.testing.assert_array_equal(editor.kernel().weights, [[0, 1, 0], [1, -4, 1], [0, 1, 0]])
    assert not editor.message_label.isVisible()
    type_into_cell(qtbot, editor.table, 1, 1, "1 2 1")  # one row of three: a 1x3 kernel
    qtbot.waitUntil(lambda: editor.kernel().shape == (1, 3), timeout=60_000)
    assert editor.rows_spin.value() == 1 and editor.cols_spin.value() == 3


def test_one_bad_weight_is_still_refused_in_the_cell(qtbot, editor):
    type_into_cell(qtbot, editor.table, 0, 0, "2x")
    assert "not a number" in editor.message_label.text()
    assert editor.kernel().weights[0, 0] == 0


def test_delete_sets_the_selected_cells_to_zero_in_one_edit(qtbot, editor):
    from PySide6.QtCore import QItemSelection, QItemSelectionModel

    editor.set_kernel(Kernel(np.arange(1, 10, dtype=float).reshape(3, 3)))
    emitted = []
    editor.settingsChanged.connect(emitted.append)
    model, table = editor.model, editor.table
    table.setFocus()
    block = QItemSelection(model.index(0, 0), model.index(1, 1))
    table.selectionModel().select(block, QItemSelectionModel.SelectionFlag.ClearAndSelect)
    qtbot.keyClick(table, Qt.Key.Key_Delete)
    np.testing.assert_array_equal(editor.kernel().weights, [[0, 0, 3], [0, 0, 6], [7, 8, 9]])
    assert len(emitted) == 1  # one preview, not one per cell


@pytest.mark.parametrize("change", ["divisor", "offset", "normalise", "border", "channels"])
def test_changing_how_the_weights_apply_marks_the_name_too(qtbot, editor, change):
    editor.set_kernel(Kernel([[1, 2, 1], [2, 4, 2], [1, 2, 1]], name="Soft"))  # divisor 1
    if change == "divisor":
        editor.divisor_spin.setValue(8)
    elif change == "offset":
        editor.offset_spin.setValue(20)
    elif change == "normalise":
        editor.normalise_box.setChecked(True)  # divisor 16
    elif change == "border":
        editor.border_combo.setCurrentIndex(editor.border_combo.findData("wrap"))
    else:  # which channels to filter is how it is applied, not the kernel itself
        editor.channel_boxes["R"].setChecked(False)
    expected = "Soft" if change == "channels" else "Soft (edited)"
    assert editor.kernel().name == expected


def test_a_kernel_that_names_its_channels_sets_the_boxes(qtbot, editor):
    # A GIMP preset with red and blue off and alpha weighting off.
    editor.set_kernel(Kernel(np.ones((3, 3)), divisor=9, channels="GA", alpha_weighting=False))
    settings = editor.settings()
    assert (settings.channels, settings.alpha_weighting) == ("GA", False)
    editor.set_kernel(Kernel(np.ones((3, 3)), divisor=9))  # says nothing: the boxes stay
    assert editor.settings().channels == "GA"
