"""The kernel editor's own undo history: every edit of the kernel is one step on a QUndoStack.

A step holds the editor's whole state before and after (the kernel is small: a 63x63 grid is
32 KB), so undo restores exactly what was on screen, refused entries included.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtGui import QUndoCommand

from workbench.engine import Kernel

__all__ = ["EditorState", "EditorStep"]


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
