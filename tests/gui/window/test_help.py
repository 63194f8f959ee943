"""Help: the shortcut list read from the window's own actions, and the offline manual."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QTableWidget, QTextBrowser


def _open_and_read(qtbot, action, read):
    """Trigger ``action`` (which runs a modal dialog), read the dialog, then close it."""
    seen = {}

    def inspect():
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(20, inspect)
            return
        seen["value"] = read(dialog)
        dialog.reject()

    QTimer.singleShot(0, inspect)
    action.trigger()
    qtbot.waitUntil(lambda: "value" in seen, timeout=60_000)
    return seen["value"]


def test_help_lists_every_shortcut_of_the_window(qtbot, window):
    menu_texts = [a.text() for a in window.menuBar().actions()]
    assert "&Help" in menu_texts

    def rows(dialog):
        table = dialog.findChild(QTableWidget, "shortcutsTable")
        return {table.item(r, 1).text(): table.item(r, 0).text() for r in range(table.rowCount())}

    shown = _open_and_read(qtbot, window.actions.shortcuts, rows)
    assert shown["Undo"] == "Ctrl+Z"
    assert shown["Redo"] == "Ctrl+Shift+Z / Ctrl+Y"
    assert shown["Apply Kernel"] == "Ctrl+F"
    assert shown["Learn from Examples"] == "Ctrl+L"
    assert shown["Manual"] == "F1"
    assert any("kernel editor" in keys for keys in shown.values())
    # Every action with a shortcut is listed, with the keys it really has.
    for action in window.findChildren(type(window.actions.undo)):
        if action.shortcuts() and action.objectName().startswith("action_"):
            name = action.text().replace("&", "").rstrip("\u2026")
            assert name in shown, name


def test_the_manual_opens_offline(qtbot, window):
    def text(dialog):
        return dialog.findChild(QTextBrowser, "manualBrowser").toPlainText()

    shown = _open_and_read(qtbot, window.actions.manual, text)
    assert "Undo in the editor" in shown
    assert "zoom box" in shown
    assert "Preview" in shown
    assert "missing" not in shown
