"""The window gives the image the space and its toolbar never moves: the view keeps half the
width of a small window, starving dock widths are not restored, library names fit, and the
Undo/Redo buttons keep their width."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QApplication, QToolButton
from user_steps import open_and_wait

from workbench.engine import Kernel
from workbench.gui.window.layout import MIN_VIEW_SHARE


def _settle(qtbot, window):
    qtbot.wait(30)
    QApplication.processEvents()


def test_at_800x600_the_image_keeps_half_the_width(qtbot, window, image_path):
    open_and_wait(qtbot, window, image_path)
    window.resize(800, 600)
    _settle(qtbot, window)
    assert window.width() == 800
    assert window.centralWidget().width() >= 0.5 * window.width()
    assert window.editor_dock.isVisible() and window.library_dock.isVisible()


def test_dock_widths_that_starve_the_view_are_not_restored(qtbot, settings, kernel_library):
    from workbench.gui.window.main_window import MainWindow

    first = MainWindow(settings, library=kernel_library)
    qtbot.addWidget(first)
    first.show()
    first.resize(1200, 800)
    _settle(qtbot, first)
    # The user drags both docks wide (the view almost gone), then quits.
    first.resizeDocks(
        [first.library_dock, first.editor_dock], [560, 560], Qt.Orientation.Horizontal
    )
    QApplication.processEvents()
    assert first.centralWidget().width() < 0.5 * first.width()
    first.close()

    second = MainWindow(settings, library=kernel_library)
    qtbot.addWidget(second)
    second.show()
    _settle(qtbot, second)
    assert second.layout_keeper.view_share() >= MIN_VIEW_SHARE
    second.close()


def test_library_names_fit_at_the_default_width(qtbot, settings, kernel_library, image_path):
    from workbench.gui.window.main_window import MainWindow

    window = MainWindow(settings, library=kernel_library)
    qtbot.addWidget(window)
    window.show()
    window.resize(1400, 900)  # a laptop screen, first start (no saved layout)
    _settle(qtbot, window)
    window.layout_keeper.reset_dock_widths()
    _settle(qtbot, window)
    assert window.layout_keeper.view_share() >= MIN_VIEW_SHARE
    tree = window.library_panel.findChild(QAbstractItemView, "libraryTree")
    tree.expandAll()
    # With an image open every name has its thumbnail: tall rows, and a scroll bar.
    open_and_wait(qtbot, window, image_path)
    first = tree.model().index(0, 0, tree.model().index(0, 0))
    qtbot.waitUntil(lambda: tree.visualRect(first).height() >= 20, timeout=60_000)
    # A taller window may have no scroll bar; count with one all the same.
    bar = 0 if tree.verticalScrollBar().isVisible() else tree.verticalScrollBar().sizeHint().width()
    model, metrics = tree.model(), tree.fontMetrics()
    checked = 0
    for r in range(model.rowCount()):
        group = model.index(r, 0)
        for c in range(model.rowCount(group)):
            index = model.index(c, 0, group)
            name = str(index.data())
            rect = tree.visualRect(index)  # the icon, then the name
            assert rect.right() <= tree.viewport().width(), name
            text_width = rect.width() - tree.iconSize().width() - 8 - bar
            assert metrics.horizontalAdvance(name) <= text_width, name  # not elided
            checked += 1
    assert checked >= 30  # every built-in kernel was looked at
    window.close()


def test_undo_and_redo_buttons_keep_their_width(qtbot, window, image_path):
    tab = open_and_wait(qtbot, window, image_path)
    toolbar = window.actions.toolbar
    undo_button = toolbar.widgetForAction(window.actions.undo)
    redo_button = toolbar.widgetForAction(window.actions.redo)
    assert isinstance(undo_button, QToolButton)
    widths = (undo_button.width(), redo_button.width())
    long_name = "Unsharp mask with a rather long descriptive name 9x9"
    window.edits.apply(window.editor.settings().__class__(Kernel([[1]], name=long_name)))
    qtbot.waitUntil(lambda: tab.document.can_undo(), timeout=60_000)
    QApplication.processEvents()
    assert (undo_button.width(), redo_button.width()) == widths
    assert undo_button.text() == "Undo"
    assert long_name in window.actions.undo.toolTip()
    assert long_name in window.actions.undo.text()  # the Edit menu names the step
    window.actions.undo.trigger()
    QApplication.processEvents()
    assert (undo_button.width(), redo_button.width()) == widths
    assert redo_button.text() == "Redo"
    assert long_name in window.actions.redo.toolTip()
    assert long_name in window.actions.redo.text()


def test_a_short_editor_dock_keeps_its_message_and_apply_in_sight(qtbot, window, image_path):
    open_and_wait(qtbot, window, image_path)
    window.resize(800, 600)
    _settle(qtbot, window)
    editor = window.editor
    editor.divisor_spin.setValue(0)
    _settle(qtbot, window)
    # The form and grid scroll; what is wrong and the (disabled) Apply stay on screen.
    assert not editor.message_label.visibleRegion().isEmpty()
    assert not editor.apply_button.visibleRegion().isEmpty()
    assert not editor.apply_button.isEnabled()
