"""The main window end to end: open, live preview, apply, undo, redo, save, errors, quit."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent, QMouseEvent
from PySide6.QtWidgets import QApplication, QMessageBox
from user_steps import open_and_wait, type_into_cell

from workbench.engine import Kernel, apply_kernel
from workbench.engine.imageio import load_image, save_image
from workbench.gui.viewer.display import to_display
from workbench.gui.viewer.zoom import format_zoom

BLUR = Kernel([[1, 2, 1], [2, 4, 2], [1, 2, 1]], divisor=16, name="Soft")


def _shown(view) -> np.ndarray:
    """The 8-bit RGB the view paints as its after image."""
    image = view.after_image().image
    buf = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), -1)
    return buf[:, : image.width() * 4].reshape(image.height(), image.width(), 4)[..., 2::-1]


def test_open_shows_the_image_and_names_the_window(qtbot, window, image_path, small_rgb):
    tab = open_and_wait(qtbot, window, image_path)
    assert window.windowTitle() == "small.png \u2014 Filter Workbench"
    np.testing.assert_array_equal(tab.document.pixels, small_rgb)
    np.testing.assert_array_equal(_shown(tab.view), small_rgb)
    assert window.status.size_label.text() == "52 \u00d7 36"
    assert window.status.depth_label.text() == "RGB 8-bit"
    assert window.recent.paths() == [str(image_path.resolve())]


def test_the_zoom_shown_is_the_fit_of_the_first_image(qtbot, window, tmp_path):
    path = tmp_path / "large.png"
    save_image(path, np.zeros((800, 1200, 3), np.uint8))
    window.resize(1500, 900)
    tab = open_and_wait(qtbot, window, path)
    assert 0.3 < tab.view.zoom < 1  # fitted to the window, not to a tab not laid out yet
    assert window.status.zoom_text() == format_zoom(tab.view.zoom)


def test_editing_a_cell_previews_then_apply_undo_redo(qtbot, window, image_path, small_rgb):
    tab = open_and_wait(qtbot, window, image_path)
    editor = window.editor
    editor.set_kernel(Kernel(np.zeros((3, 3)), name="Edited"))
    # Type into the grid as a user would: select the centre cell and type a weight.
    type_into_cell(qtbot, editor.table, 1, 1, "4")
    assert editor.model.grid()[1, 1] == 4
    expected = apply_kernel(small_rgb, editor.kernel())
    assert not np.array_equal(expected, small_rgb)
    qtbot.waitUntil(lambda: np.array_equal(_shown(tab.view), expected), timeout=60_000)
    assert not tab.document.modified  # a preview is not an edit

    window.actions.apply.trigger()
    qtbot.waitUntil(lambda: tab.document.modified, timeout=60_000)
    np.testing.assert_array_equal(tab.document.pixels, expected)
    assert window.windowTitle() == "small.png* \u2014 Filter Workbench"
    assert window.actions.undo.isEnabled()

    window.actions.undo.trigger()
    np.testing.assert_array_equal(tab.document.pixels, small_rgb)
    np.testing.assert_array_equal(_shown(tab.view), small_rgb)
    assert window.windowTitle() == "small.png \u2014 Filter Workbench"
    window.actions.redo.trigger()
    np.testing.assert_array_equal(tab.document.pixels, expected)
    np.testing.assert_array_equal(_shown(tab.view), expected)


def test_apply_library_kernel_then_save_and_reload(qtbot, window, image_path, small_rgb, tmp_path):
    tab = open_and_wait(qtbot, window, image_path)
    window.edits.apply(window.editor.settings().__class__(BLUR))
    qtbot.waitUntil(lambda: tab.document.modified, timeout=60_000)
    window.actions.repeat.trigger()  # the same filter again
    qtbot.waitUntil(lambda: tab.document.undo_steps() == 2, timeout=60_000)
    expected = apply_kernel(apply_kernel(small_rgb, BLUR), BLUR)
    np.testing.assert_array_equal(tab.document.pixels, expected)

    out = tmp_path / "out.png"
    window.save_document(tab, out)
    qtbot.waitUntil(lambda: not tab.document.modified, timeout=60_000)
    np.testing.assert_array_equal(load_image(out).pixels, expected)
    assert tab.document.path == out
    assert window.windowTitle() == "out.png \u2014 Filter Workbench"


def test_save_as_uses_the_dialog_and_a_failed_save_shows_one_message(
    qtbot, window, image_path, tmp_path, dialogs
):
    tab = open_and_wait(qtbot, window, image_path)
    window.edits.apply(window.editor.settings().__class__(BLUR))
    qtbot.waitUntil(lambda: tab.document.modified, timeout=60_000)
    dialogs.save_file = str(tmp_path / "missing-folder" / "x.png")
    window.actions.save_as.trigger()
    qtbot.waitUntil(lambda: "warning" in dialogs.kinds(), timeout=60_000)
    assert tab.document.modified  # nothing was saved
    assert not (tmp_path / "missing-folder").exists()
    dialogs.save_file = str(tmp_path / "good.png")
    window.actions.save_as.trigger()
    qtbot.waitUntil(lambda: not tab.document.modified, timeout=60_000)
    assert (tmp_path / "good.png").is_file()


def test_a_corrupt_file_gives_a_message_and_the_window_keeps_working(
    qtbot, window, tmp_path, image_path, dialogs
):
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage" * 10)
    window.open_files([str(bad)])
    qtbot.waitUntil(lambda: bool(dialogs.calls), timeout=60_000)
    assert len(dialogs.calls) == 1
    kind, _title, text = dialogs.calls[0]
    assert kind == "warning" and "broken.png" in text
    assert window.tabs.count() == 0
    open_and_wait(qtbot, window, image_path)  # still works
    assert window.tabs.count() == 1


def test_cancel_a_long_filter_leaves_the_image_alone(qtbot, window, tmp_path):
    big = np.random.default_rng(3).integers(0, 256, (700, 700, 3), dtype=np.uint8)
    path = tmp_path / "big.png"
    save_image(path, big)
    tab = open_and_wait(qtbot, window, path)
    window.editor.preview_box.setChecked(False)
    slow = Kernel(np.random.default_rng(4).random((63, 63)), name="Slow")
    window.edits.apply(window.editor.settings().__class__(slow))
    assert window.status.is_showing_progress()
    qtbot.mouseClick(window.status.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.runner.running_count() == 0, timeout=60_000)
    assert not window.status.is_showing_progress()
    assert not tab.document.modified
    np.testing.assert_array_equal(tab.document.pixels, big)


def test_quit_asks_only_with_unsaved_work(qtbot, window, image_path, dialogs):
    tab = open_and_wait(qtbot, window, image_path)
    assert window.close()  # nothing unsaved: no question
    assert "question" not in dialogs.kinds()
    window.show()
    window.runner = type(window.runner)(window)  # the closed window's runner was shut down
    window.preview._runner = window.runner
    tab.document.apply(tab.document.pixels.copy() // 2, "Darken")
    dialogs.answers = [QMessageBox.StandardButton.Cancel]
    assert not window.close()
    assert window.isVisible()
    assert dialogs.kinds().count("question") == 1
    dialogs.answers = [QMessageBox.StandardButton.Discard]
    assert window.close()
    assert dialogs.kinds().count("question") == 2


def test_dropping_an_image_and_a_kernel_file(qtbot, window, image_path, tmp_path):
    kernel_file = tmp_path / "edge.txt"
    kernel_file.write_text("0 -1 0\n-1 4 -1\n0 -1 0\n")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(image_path)), QUrl.fromLocalFile(str(kernel_file))])
    event = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(event)
    qtbot.waitUntil(lambda: window.tabs.count() == 1, timeout=60_000)
    np.testing.assert_array_equal(
        window.editor.kernel().weights, [[0, -1, 0], [-1, 4, -1], [0, -1, 0]]
    )


def test_tabs_keep_their_own_undo_history(qtbot, window, image_path, tmp_path, small_rgb):
    other_path = tmp_path / "other.png"
    save_image(other_path, small_rgb[::-1].copy())
    first = open_and_wait(qtbot, window, image_path)
    second = open_and_wait(qtbot, window, other_path)
    window.edits.apply(window.editor.settings().__class__(BLUR))
    qtbot.waitUntil(lambda: second.document.modified, timeout=60_000)
    window.tabs.select(first)
    assert not window.actions.undo.isEnabled()
    assert window.windowTitle() == "small.png \u2014 Filter Workbench"
    window.tabs.select(second)
    assert window.actions.undo.isEnabled()


def test_status_bar_shows_the_pixel_under_the_cursor(qtbot, window, image_path, small_rgb):
    tab = open_and_wait(qtbot, window, image_path)
    tab.view.set_zoom(8.0)
    point = tab.view.mapFromScene(QPointF(5.5, 3.5))
    # QTest.mouseMove cannot move the cursor on the offscreen platform: send the event.
    viewport = tab.view.viewport()
    move = QMouseEvent(
        QEvent.Type.MouseMove,
        QPointF(point),
        QPointF(viewport.mapToGlobal(point)),
        Qt.MouseButton.NoButton,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(viewport, move)
    r, g, b = small_rgb[3, 5]
    assert window.status.pixel_label.text() == f"x 5, y 3   R {r}  G {g}  B {b}"


def test_sixteen_bit_images_display_scaled(qtbot, window, tmp_path):
    pixels = np.array([[0, 257, 65535], [32896, 1000, 65280]], np.uint16)
    path = tmp_path / "deep.png"
    save_image(path, pixels)
    tab = open_and_wait(qtbot, window, path)
    assert window.status.depth_label.text() == "Gray 16-bit"
    np.testing.assert_array_equal(_shown(tab.view)[..., 0], [[0, 1, 255], [128, 4, 254]])


def test_display_conversion_matches_the_view(small_rgb):
    image = to_display(small_rgb).image
    assert image.pixelColor(QPoint(4, 2)).getRgb()[:3] == tuple(int(v) for v in small_rgb[2, 4])


def test_revert_returns_to_the_saved_image_and_can_be_undone(qtbot, window, image_path, small_rgb):
    tab = open_and_wait(qtbot, window, image_path)
    window.edits.apply(window.editor.settings().__class__(BLUR))
    qtbot.waitUntil(lambda: tab.document.modified, timeout=60_000)
    blurred = tab.document.pixels.copy()
    window.actions.revert.trigger()
    np.testing.assert_array_equal(tab.document.pixels, small_rgb)
    assert not tab.document.modified and not window.actions.revert.isEnabled()
    window.actions.undo.trigger()
    np.testing.assert_array_equal(tab.document.pixels, blurred)


def test_closing_a_changed_image_can_save_it_first(qtbot, window, image_path, small_rgb, dialogs):
    tab = open_and_wait(qtbot, window, image_path)
    window.edits.apply(window.editor.settings().__class__(BLUR))
    qtbot.waitUntil(lambda: tab.document.modified, timeout=60_000)
    dialogs.answers = [QMessageBox.StandardButton.Cancel]
    assert not window.close_tab(tab)
    assert window.tabs.count() == 1
    dialogs.answers = [QMessageBox.StandardButton.Save]
    window.close_tab(tab)
    qtbot.waitUntil(lambda: window.tabs.count() == 0, timeout=60_000)
    np.testing.assert_array_equal(load_image(image_path).pixels, apply_kernel(small_rgb, BLUR))


@pytest.mark.filterwarnings("ignore:Function.*QDragEnterEvent:DeprecationWarning")
def test_a_drag_of_files_is_accepted(window, image_path):
    from PySide6.QtGui import QDragEnterEvent

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(image_path))])
    event = QDragEnterEvent(
        QPoint(5, 5),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dragEnterEvent(event)
    assert event.isAccepted()


def test_several_files_open_in_the_order_given(qtbot, window, tmp_path, small_rgb):
    paths = []
    for n, size in enumerate((300, 20, 120)):  # the big one finishes last
        path = tmp_path / f"img{n}.png"
        save_image(path, np.resize(small_rgb, (size, size, 3)))
        paths.append(path)
    window.open_files([str(p) for p in paths])
    qtbot.waitUntil(lambda: window.tabs.count() == 3, timeout=60_000)
    assert [t.document.name for t in window.document_tabs()] == ["img0.png", "img1.png", "img2.png"]
    assert window.current_tab().document.name == "img2.png"


def test_the_zoom_shown_is_the_current_tabs(qtbot, window, image_path, tmp_path, small_rgb):
    other = tmp_path / "other.png"
    save_image(other, small_rgb)
    first = open_and_wait(qtbot, window, image_path)
    second = open_and_wait(qtbot, window, other)
    second.view.set_zoom(2.0)
    first.view.set_zoom(8.0)  # a hidden tab zooming must not change the label
    assert window.status.zoom_text() == "200 %"


def test_the_compare_key_works_with_the_focus_in_the_kernel_grid(qtbot, window, image_path):
    tab = open_and_wait(qtbot, window, image_path)
    window.activateWindow()
    window.editor.table.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.editor.table, timeout=60_000)
    qtbot.keyPress(window.editor.table, Qt.Key.Key_Backslash)
    assert tab.view.showing_original()
    qtbot.keyRelease(window.editor.table, Qt.Key.Key_Backslash)
    assert not tab.view.showing_original()
    # In a text field the key is just a character.
    window.editor.name_edit.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.editor.name_edit, timeout=60_000)
    qtbot.keyPress(window.editor.name_edit, Qt.Key.Key_Backslash)
    assert not tab.view.showing_original()


def test_applying_with_no_channel_ticked_changes_nothing(qtbot, window, image_path):
    tab = open_and_wait(qtbot, window, image_path)
    for letter in "RGB":
        window.editor.channel_boxes[letter].setChecked(False)
    window.edits.apply(window.editor.settings().__class__(BLUR, channels=""))
    assert not tab.document.can_undo()
    assert "No channel" in window.status.currentMessage()


def test_files_that_fail_to_open_together_share_one_message(
    qtbot, window, tmp_path, image_path, dialogs
):
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage" * 10)
    text = tmp_path / "notes.jpg"
    text.write_text("not a picture")
    window.open_files([str(bad), str(image_path), str(text)])
    qtbot.waitUntil(lambda: bool(dialogs.calls) and not window.jobs.is_busy(), timeout=60_000)
    assert window.tabs.count() == 1  # the good one opened
    assert len(dialogs.calls) == 1
    kind, title, message = dialogs.calls[0]
    assert kind == "warning" and title == "Cannot open 2 files"
    assert message.index("broken.png") < message.index("notes.jpg")  # in the order asked


def test_ctrl_y_redoes_as_in_gimp(qtbot, window, image_path, small_rgb):
    tab = open_and_wait(qtbot, window, image_path)
    window.edits.apply(window.editor.settings().__class__(BLUR))
    qtbot.waitUntil(lambda: tab.document.modified, timeout=60_000)
    blurred = tab.document.pixels.copy()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=60_000)
    qtbot.keyClick(tab.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    np.testing.assert_array_equal(tab.document.pixels, small_rgb)
    qtbot.keyClick(tab.view, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    np.testing.assert_array_equal(tab.document.pixels, blurred)


@pytest.fixture
def repaints(monkeypatch, window):
    """Counts of preview clears and of images handed to a viewer (a repaint each)."""
    from workbench.gui.viewer.image_view import ImageView

    counts = {"clear": 0, "set_image": 0}
    clear = window.preview.clear

    def counting_clear():
        counts["clear"] += 1
        clear()

    set_image = ImageView.set_image

    def counting_set_image(view, *args, **kwargs):
        counts["set_image"] += 1
        return set_image(view, *args, **kwargs)

    monkeypatch.setattr(window.preview, "clear", counting_clear)
    monkeypatch.setattr(ImageView, "set_image", counting_set_image)
    return counts


def test_one_apply_clears_the_preview_once_and_repaints_once(
    qtbot, window, image_path, small_rgb, repaints
):
    tab = open_and_wait(qtbot, window, image_path)
    expected = apply_kernel(small_rgb, BLUR)
    # The full preview is ready: Apply takes it as it is.
    with qtbot.waitSignal(window.preview.ready, timeout=60_000):
        window.editor.set_kernel(BLUR)
    repaints.update(clear=0, set_image=0)
    window.actions.apply.trigger()
    assert tab.document.modified
    assert repaints == {"clear": 1, "set_image": 1}
    np.testing.assert_array_equal(_shown(tab.view), expected)

    # Undo is one repaint too.
    repaints.update(clear=0, set_image=0)
    window.actions.undo.trigger()
    assert repaints == {"clear": 1, "set_image": 1}
    np.testing.assert_array_equal(_shown(tab.view), small_rgb)

    # Apply before the preview has started: filtered on the worker, still one of each.
    sharpen = Kernel([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], name="Sharpen")
    window.editor.set_kernel(sharpen)
    repaints.update(clear=0, set_image=0)
    window.actions.apply.trigger()
    qtbot.waitUntil(lambda: tab.document.modified, timeout=60_000)
    assert repaints == {"clear": 1, "set_image": 1}
    np.testing.assert_array_equal(_shown(tab.view), apply_kernel(small_rgb, sharpen))
