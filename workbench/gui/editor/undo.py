"""The kernel editor's own undo history: every edit of the kernel is one step on a QUndoStack,
and the keys that step it while the focus is in the editor.

A step holds the editor's whole state before and after (the kernel is small: a 63x63 grid is
32 KB), so undo restores exactly what was on screen, refused entries included.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QKeyEvent, QKeySequence, QUndoCommand, QUndoStack

from workbench.engine import Kernel

__all__ = ["EditorState", "EditorStep", "UndoKeys"]


@dataclass(frozen=True, eq=False)
class EditorState:
    """What the kernel editor shows: the kernel it started from and every field's value."""

    meta: Kernel
    weights: np.ndarray
    invalid: dict = field(default_factory=dict)
    divisor: float = 1.0
    offset: float = 0.0
    normalise: bool = False
    border: str = "reflect"
    name: str = ""
    channels: str = "RGB"
    alpha: bool = True
    linear: bool = False
    luminance: bool = False
    out_range: str = "clip"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, EditorState):
            return NotImplemented
        return (
            self.meta == other.meta
            and self.weights.shape == other.weights.shape
            and np.array_equal(self.weights, other.weights)
            and self.invalid == other.invalid
            and (self.divisor, self.offset, self.normalise, self.border)
            == (other.divisor, other.offset, other.normalise, other.border)
            and (self.name, self.channels, self.alpha) == (other.name, other.channels, other.alpha)
            and (self.linear, self.luminance, self.out_range)
            == (other.linear, other.luminance, other.out_range)
        )

    __hash__ = None  # type: ignore[assignment]


class EditorStep(QUndoCommand):
    """One edit: ``restore`` puts ``before`` back on undo and ``after`` on redo.

    Steps with the same ``merge_key`` in a row (the digits typed into the divisor box, the
    letters of a name) merge into one, as a text editor's typing does.
    """

    def __init__(
        self,
        label: str,
        before: EditorState,
        after: EditorState,
        restore: Callable[[EditorState], None],
        merge_key: int = -1,
    ) -> None:
        super().__init__(label)
        self.before, self.after = before, after
        self._restore = restore
        self._merge_key = merge_key
        self._pushed = False

    def id(self) -> int:
        return self._merge_key

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, EditorStep) or other.id() != self.id():
            return False
        self.after = other.after
        self.setObsolete(self.after == self.before)
        return True

    def redo(self) -> None:
        if not self._pushed:  # the edit is on screen already when the step is pushed
            self._pushed = True
            return
        self._restore(self.after)

    def undo(self) -> None:
        self._restore(self.before)


class UndoKeys(QObject):
    """Event filter: Ctrl+Z, Ctrl+Shift+Z and Ctrl+Y on the watched widgets undo and redo
    ``stack`` instead of reaching the window's shortcuts (the image's undo).

    The shortcut-override event is accepted, so Qt delivers the key to the widget instead of
    the window's action, and the key press itself then steps the stack.
    """

    def __init__(self, stack: QUndoStack, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._stack = stack

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress) and isinstance(
            event, QKeyEvent
        ):
            step = undo_key(event)
            if step is not None:
                if kind == QEvent.Type.ShortcutOverride:
                    event.accept()  # ours, not the window's image undo
                elif step == "undo":
                    self._stack.undo()
                else:
                    self._stack.redo()
                return True
        return super().eventFilter(watched, event)


def undo_key(event: QKeyEvent) -> str | None:
    """ "undo" or "redo" for the keys that mean so (Ctrl+Z, Ctrl+Shift+Z, Ctrl+Y), else None."""
    if event.matches(QKeySequence.StandardKey.Undo):
        return "undo"
    if event.matches(QKeySequence.StandardKey.Redo):
        return "redo"
    combo = event.keyCombination().toCombined()
    for keys, step in (("Ctrl+Z", "undo"), ("Ctrl+Shift+Z", "redo"), ("Ctrl+Y", "redo")):
        if QKeySequence(keys)[0].toCombined() == combo:
            return step
    return None
