"""Steps a user takes, for the GUI tests (imported as ``user_steps``)."""

from __future__ import annotations


def open_and_wait(qtbot, window, path, count: int | None = None):
    """Open ``path`` in ``window`` and wait for its tab."""
    expected = window.tabs.count() + 1 if count is None else count
    window.open_files([str(path)])
    qtbot.waitUntil(lambda: window.tabs.count() == expected, timeout=60_000)
    return window.current_tab()


def type_into_cell(qtbot, table, row: int, col: int, text: str) -> None:
    """Type ``text`` into a table cell the way a user does: start typing, press Enter."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QLineEdit

    table.setCurrentIndex(table.model().index(row, col))
    qtbot.keyClick(table, text[0])  # any key starts editing (AnyKeyPressed)
    editor = table.findChild(QLineEdit)
    assert editor is not None, "typing did not open the cell editor"
    qtbot.keyClicks(editor, text[1:])
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    # The delegate commits on a queued call: let it run.
    qtbot.waitUntil(lambda: table.state() != table.State.EditingState, timeout=60_000)
