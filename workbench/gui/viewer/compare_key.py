"""Hold backslash anywhere in the window to see the image before the filter.

The image view handles the key itself when it has the focus; this filter makes the key work
while the focus is elsewhere (the kernel grid, the library), except where backslash is text:
line edits, spin boxes and a cell being edited.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
)

from workbench.gui.viewer.image_view import COMPARE_KEY

__all__ = ["CompareKey"]

_KEY_EVENTS = (QEvent.Type.KeyPress, QEvent.Type.KeyRelease)
_TEXT_INPUTS = (QLineEdit, QAbstractSpinBox, QPlainTextEdit, QTextEdit)


class Comparable(Protocol):
    """What shows an image that the compare key can switch to "before" (a document tab)."""

    def set_showing_original(self, on: bool) -> None: ...


class CompareKey(QObject):
    """Application event filter: the compare key shows "before" in the current image."""

    def __init__(self, current_view: Callable[[], Comparable | None], parent: QObject) -> None:
        super().__init__(parent)
        self._current_view = current_view
        self._window = parent

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() not in _KEY_EVENTS or event.key() != COMPARE_KEY:
            return False
        if event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier or event.isAutoRepeat():
            return False
        focus = QApplication.focusWidget()
        if focus is None or focus.window() is not self._window or _types_text(focus):
            return False
        view = self._current_view()
        if view is None:
            return False
        view.set_showing_original(event.type() == QEvent.Type.KeyPress)
        return True


def _types_text(widget) -> bool:
    if isinstance(widget, _TEXT_INPUTS):
        return True
    return (
        isinstance(widget, QAbstractItemView)
        and widget.state() == QAbstractItemView.State.EditingState
    )
