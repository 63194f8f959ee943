"""An open image and its undo history, independent of any widget.

:class:`ImageDocument` holds the pixels being worked on, what they came from (the loaded
:class:`~workbench.engine.imageio.ImageFile`, kept so a save can carry its ICC profile and
DPI), and a bounded undo history. Arrays are never changed in place: every step stores a new
array, so the history can hand out references instead of copies.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["DEFAULT_HISTORY_BYTES", "ImageDocument"]

#: Memory the undo history of one image may use before the oldest steps are dropped.
DEFAULT_HISTORY_BYTES = 1 << 30


@dataclass(frozen=True)
class _State:
    pixels: np.ndarray
    label: str  # the step that led to this state, shown as "Undo <label>"
    serial: int  # identifies the state, so "saved" survives undo and redo


class ImageDocument:
    """One open image: current pixels, where they came from, undo and redo.

    Parameters
    ----------
    pixels : ndarray
        The image as loaded (gray, RGB or RGBA; uint8, uint16 or float32).
    path : Path, optional
        Where it was loaded from or last saved to; ``None`` for an unsaved image.
    source : ImageFile, optional
        The loaded file's metadata, passed as ``like=`` when saving.
    history_bytes : int
        Memory budget for the undo and redo steps; the oldest are dropped beyond it, but
        one undo step is always kept.
    """

    def __init__(
        self,
        pixels: np.ndarray,
        *,
        path: Path | None = None,
        source: Any = None,
        history_bytes: int = DEFAULT_HISTORY_BYTES,
    ) -> None:
        self._serial = 0
        self._state = _State(self._frozen(pixels), "Open", 0)
        self._undo: list[_State] = []
        self._redo: list[_State] = []
        # The state last saved (or opened): what Revert returns to; kept even when the
        # history trims it, so Revert always works.
        self._saved = self._state
        self.path = Path(path) if path is not None else None
        self.source = source
        self.history_bytes = int(history_bytes)
        self.last_filter: Any = None  # what "Repeat last filter" re-applies

    @staticmethod
    def _frozen(pixels: np.ndarray) -> np.ndarray:
        arr = np.asarray(pixels)
        if arr.flags.writeable:
            arr = arr.view()
            arr.flags.writeable = False  # shared with the history and workers: never edited
        return arr

    # -- what the document shows ---------------------------------------------------------
    @property
    def pixels(self) -> np.ndarray:
        """The current image (read-only)."""
        return self._state.pixels

    @property
    def saved_pixels(self) -> np.ndarray:
        """The pixels as last saved or opened: what Revert returns to."""
        return self._saved.pixels

    @property
    def name(self) -> str:
        return self.path.name if self.path is not None else "Untitled"

    @property
    def bit_depth(self) -> int:
        if self.pixels.dtype.kind == "f":
            return 32  # also when a filter kept its results as float (out of range "float")
        depth = getattr(self.source, "bit_depth", None)
        if depth:
            return int(depth)
        return {np.uint8: 8, np.uint16: 16}.get(self.pixels.dtype.type, 32)

    @property
    def description(self) -> str:
        """Colour kind and depth, e.g. "RGB 8-bit", "Gray 16-bit" or "RGB 32-bit float"."""
        pixels = self.pixels
        channels = 1 if pixels.ndim == 2 else pixels.shape[2]
        kind = {1: "Gray", 2: "Gray + alpha", 3: "RGB", 4: "RGBA"}.get(channels, "Image")
        number = " float" if pixels.dtype.kind == "f" else ""
        return f"{kind} {self.bit_depth}-bit{number}"

    @property
    def modified(self) -> bool:
        return self._state.serial != self._saved.serial

    @property
    def state_id(self) -> int:
        """Changes whenever the pixels change (including by undo and redo)."""
        return self._state.serial

    # -- editing -------------------------------------------------------------------------
    def apply(self, pixels: np.ndarray, label: str) -> None:
        """Make ``pixels`` the current image as one undoable step called ``label``."""
        self._undo.append(self._state)
        self._redo.clear()
        self._serial += 1
        self._state = _State(self._frozen(pixels), label, self._serial)
        self._trim()

    def revert(self) -> bool:
        """Go back to the last saved (or opened) pixels, as an undoable step."""
        if not self.modified:
            return False
        self._undo.append(self._state)
        self._redo.clear()
        self._state = _State(self._saved.pixels, "Revert", self._saved.serial)
        self._trim()
        return True

    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def previous_pixels(self) -> np.ndarray | None:
        """The pixels before the last step (what Undo returns to), or None."""
        return self._undo[-1].pixels if self._undo else None

    def can_redo(self) -> bool:
        return bool(self._redo)

    def undo_label(self) -> str:
        return self._state.label if self._undo else ""

    def redo_label(self) -> str:
        return self._redo[-1].label if self._redo else ""

    def undo(self) -> bool:
        if not self._undo:
            return False
        self._redo.append(self._state)
        self._state = self._undo.pop()
        return True

    def redo(self) -> bool:
        if not self._redo:
            return False
        self._undo.append(self._state)
        self._state = self._redo.pop()
        return True

    def mark_saved(self, path: Path, state_id: int | None = None) -> None:
        """Record that the pixels of state ``state_id`` (default: current) are in ``path``.

        A save runs in the background; if the image changed meanwhile, the state that was
        written is still found in the history.
        """
        self.path = Path(path)
        if state_id is None or state_id == self._state.serial:
            self._saved = self._state
            return
        for state in (*self._undo, *self._redo):
            if state.serial == state_id:
                self._saved = state
                return

    def history_size(self) -> int:
        """Bytes held by undo and redo steps beyond the current image."""
        seen = {id(self._state.pixels)}
        total = 0
        for state in (*self._undo, *self._redo):
            if id(state.pixels) not in seen:
                seen.add(id(state.pixels))
                total += state.pixels.nbytes
        return total

    def undo_steps(self) -> int:
        return len(self._undo)

    def unsaved_edits(self) -> int:
        """How many steps the current image is from the one last saved (0 when saved)."""
        if not self.modified:
            return 0
        for count, state in enumerate(reversed(self._undo), start=1):
            if state.serial == self._saved.serial:
                return count
        return max(1, len(self._undo))  # undone past the save, or that step was trimmed

    def _trim(self) -> None:
        while len(self._undo) > 1 and self.history_size() > self.history_bytes:
            self._undo.pop(0)
        while self._redo and self.history_size() > self.history_bytes:
            self._redo.pop(0)
