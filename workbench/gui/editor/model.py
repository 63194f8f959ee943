"""The kernel grid as a Qt table model: one cell per weight, shaded by value.

The model owns a float64 copy of the weights (``kh x kw``, or ``out x in x kh x kw`` for a
colour kernel, of which one ``(out, in)`` slice is shown). Typed entries are checked here, so
a bad one never reaches the engine: its text stays in its cell, marked invalid, until the user
fixes it (the editor disables Apply meanwhile).
"""

from __future__ import annotations

import math
import re

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QFont

from workbench.engine.kernel import MAX_ABS_WEIGHT

__all__ = ["KernelTableModel", "parse_weight", "shade"]

_Index = QModelIndex | QPersistentModelIndex

# Diverging scale (ColorBrewer RdBu ends): blue for negative, white for zero, red positive.
_NEGATIVE = (33, 102, 172)
_POSITIVE = (178, 24, 43)
_INVALID_BACKGROUND = QColor(255, 214, 214)
_INVALID_TEXT = QColor(179, 38, 30)
_FRACTION = re.compile(r"^\s*([-+]?[\d.eE+-]+)\s*/\s*([-+]?[\d.eE+-]+)\s*$")


def parse_weight(text: str) -> float:
    """A typed weight: a number, or a fraction such as ``1/16``.

    Raises ``ValueError`` with a message for the cell's tooltip.
    """
    cleaned = str(text).strip().replace("\u2212", "-").replace(",", ".")
    if not cleaned:
        raise ValueError("Type a number, e.g. 2, -0.5 or 1/16")
    match = _FRACTION.match(cleaned)
    try:
        if match:
            numerator, denominator = float(match.group(1)), float(match.group(2))
            if denominator == 0:
                raise ValueError(f"{text!r}: division by zero")
            value = numerator / denominator
        else:
            value = float(cleaned)
    except ValueError as exc:
        if "division" in str(exc):
            raise
        raise ValueError(f"{text!r} is not a number: type e.g. 2, -0.5 or 1/16") from None
    if not math.isfinite(value):
        raise ValueError(f"{text!r}: weights must be finite numbers")
    if abs(value) > MAX_ABS_WEIGHT:
        raise ValueError(f"{text!r} is too large: weights must be below {MAX_ABS_WEIGHT:g}")
    return value


def looks_like_matrix(text: str) -> bool:
    """True for text that holds several numbers (rows, a G'MIC matrix), not one weight."""
    stripped = text.strip()
    return (
        bool(re.search(r"[;\n\t()\[\]]", stripped))
        or len(stripped.split()) > 1
        or (stripped.count(",") > 1)
    )


def shade(value: float, scale: float) -> QColor:
    """The cell colour of ``value`` on a diverging scale whose ends are at +-``scale``."""
    if scale <= 0 or value == 0:
        return QColor(255, 255, 255)
    t = min(abs(value) / scale, 1.0) ** 0.75  # lift small weights so they stay visible
    end = _POSITIVE if value > 0 else _NEGATIVE
    r, g, b = (round(255 + (e - 255) * t) for e in end)
    return QColor(r, g, b)


def format_weight(value: float) -> str:
    """A weight as the cell shows it: short, exact for integers."""
    if value == int(value) and abs(value) < 1e9:
        return str(int(value))
    text = f"{value:.4g}"
    return text.replace("e-0", "e-").replace("e+0", "e")


class KernelTableModel(QAbstractTableModel):
    """Weights of a kernel as an editable table."""

    #: A typed entry was refused: row, column and the reason (for a tooltip).
    entryRefused = Signal(int, int, str)
    #: The user changed a weight (not emitted by :meth:`set_weights`).
    weightsEdited = Signal()
    #: A whole matrix was pasted or typed into one cell (the text, for the editor to take).
    matrixEntered = Signal(str)
    #: Cells holding a refused entry appeared or went away.
    validityChanged = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._weights = np.zeros((3, 3))
        self._weights[1, 1] = 1.0
        self._slice: tuple[int, int] | None = None
        self._scale = (1.0, 1.0)  # largest positive, largest negative magnitude
        # Refused entries, kept where they were typed: (slice, row, col) -> (text, reason).
        self._invalid: dict[tuple, tuple[str, str]] = {}
        self._font = QFont()
        self._font.setStyleHint(QFont.StyleHint.Monospace)
        self._font.setFamilies(["DejaVu Sans Mono", "Menlo", "Consolas", "monospace"])

    # -- the data --------------------------------------------------------------------------
    def weights(self) -> np.ndarray:
        """A copy of all weights (2-D, or 4-D for a colour kernel)."""
        return self._weights.copy()

    def set_weights(self, weights: np.ndarray) -> None:
        arr = np.array(weights, dtype=np.float64)
        # A resized or rotated colour kernel keeps showing the channel pair being edited.
        keep = (
            self._slice is not None and arr.ndim == 4 and arr.shape[:2] == self._weights.shape[:2]
        )
        had_invalid = bool(self._invalid)
        self.beginResetModel()
        self._slice = self._slice if keep else ((0, 0) if arr.ndim == 4 else None)
        self._weights = arr
        self._invalid = {}
        self._rescale()
        self.endResetModel()
        if had_invalid:
            self.validityChanged.emit()

    # -- refused entries -------------------------------------------------------------------
    def invalid_cells(self) -> dict[tuple, tuple[str, str]]:
        """Cells holding a refused entry: (slice, row, col) -> (the text typed, why refused)."""
        return dict(self._invalid)

    def set_invalid_cells(self, cells: dict[tuple, tuple[str, str]]) -> None:
        """Put back refused entries (the editor's undo restores them)."""
        self._invalid = dict(cells)
        self.dataChanged.emit(
            self.index(0, 0), self.index(self.rowCount() - 1, self.columnCount() - 1)
        )
        self.validityChanged.emit()

    def _invalid_at(self, index: _Index) -> tuple[str, str] | None:
        return self._invalid.get((self._slice, index.row(), index.column()))

    def set_slice(self, out_channel: int, in_channel: int) -> None:
        """For a colour kernel, which output/input channel pair the grid shows."""
        if self._weights.ndim != 4:
            return
        self.beginResetModel()
        self._slice = (out_channel, in_channel)
        self._rescale()
        self.endResetModel()

    def grid(self) -> np.ndarray:
        """The 2-D weights on show (a view)."""
        if self._slice is None:
            return self._weights
        return self._weights[self._slice]

    def _rescale(self) -> None:
        grid = self.grid()
        # Each sign on its own scale: a sharpening kernel's big centre must not wash out
        # the negative ring around it.
        self._scale = (float(max(grid.max(), 0.0)), float(max(-grid.min(), 0.0)))

    def _scale_for(self, value: float) -> float:
        return self._scale[0] if value >= 0 else self._scale[1]

    # -- Qt model ------------------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self.grid().shape[0]

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self.grid().shape[1]

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEditable

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        value = float(self.grid()[index.row(), index.column()])
        invalid = self._invalid_at(index)
        if invalid is not None:
            return self._invalid_data(invalid, role)
        if role == Qt.ItemDataRole.DisplayRole:
            return format_weight(value)
        if role == Qt.ItemDataRole.EditRole:
            return format_weight(value) if value == int(value) else repr(value)
        if role == Qt.ItemDataRole.BackgroundRole:
            return shade(value, self._scale_for(value))
        if role == Qt.ItemDataRole.ForegroundRole:
            scale = self._scale_for(value)
            strong = scale > 0 and abs(value) / scale > 0.55
            return QColor(255, 255, 255) if strong else QColor(20, 20, 20)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.FontRole:
            return self._font
        if role == Qt.ItemDataRole.ToolTipRole:
            kh, kw = self.grid().shape
            dy, dx = index.row() - kh // 2, index.column() - kw // 2
            return f"weight {value:.6g} at offset ({dx:+d}, {dy:+d}) from the centre"
        return None

    def _invalid_data(self, invalid: tuple[str, str], role: int):
        text, reason = invalid
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return text if text.strip() or role == Qt.ItemDataRole.EditRole else "?"
        if role == Qt.ItemDataRole.BackgroundRole:
            return _INVALID_BACKGROUND
        if role == Qt.ItemDataRole.ForegroundRole:
            return _INVALID_TEXT
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.FontRole:
            return self._font
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"Not a weight: {reason}"
        return None

    def setData(self, index: _Index, value, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or role != Qt.ItemDataRole.EditRole:
            return False
        try:
            number = parse_weight(value) if isinstance(value, str) else float(value)
            if not math.isfinite(number) or abs(number) > MAX_ABS_WEIGHT:
                raise ValueError(f"{value!r}: weights must be finite and below {MAX_ABS_WEIGHT:g}")
        except (TypeError, ValueError) as exc:
            if isinstance(value, str) and looks_like_matrix(value):
                self.matrixEntered.emit(value)
            else:
                key = (self._slice, index.row(), index.column())
                self._invalid[key] = (str(value), str(exc))
                self.dataChanged.emit(index, index)
                self.validityChanged.emit()
                self.entryRefused.emit(index.row(), index.column(), str(exc))
            return False
        grid = self.grid()
        was_invalid = self._invalid.pop((self._slice, index.row(), index.column()), None)
        if was_invalid is not None:
            self.validityChanged.emit()
        if grid[index.row(), index.column()] == number:
            if was_invalid is not None:
                self.dataChanged.emit(index, index)
                self.weightsEdited.emit()
            return True
        grid[index.row(), index.column()] = number
        old_scale = self._scale
        self._rescale()
        if self._scale != old_scale:  # every cell's shade moves with the scale
            self.dataChanged.emit(
                self.index(0, 0), self.index(self.rowCount() - 1, self.columnCount() - 1)
            )
        else:
            self.dataChanged.emit(index, index)
        self.weightsEdited.emit()
        return True

    def clear_cells(self, indexes: list[_Index]) -> None:
        """Set the weights at ``indexes`` to 0 as one edit (Delete in the grid)."""
        cells = [(i.row(), i.column()) for i in indexes if i.isValid()]
        grid = self.grid()
        cleared = [self._invalid.pop((self._slice, r, c), None) for r, c in cells]
        if any(x is not None for x in cleared):
            self.validityChanged.emit()
        elif not cells or all(grid[r, c] == 0 for r, c in cells):
            return
        for r, c in cells:
            grid[r, c] = 0.0
        self._rescale()
        self.dataChanged.emit(
            self.index(0, 0), self.index(self.rowCount() - 1, self.columnCount() - 1)
        )
        self.weightsEdited.emit()

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ):
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        kh, kw = self.grid().shape
        centre = kw // 2 if orientation == Qt.Orientation.Horizontal else kh // 2
        return f"{section - centre:+d}" if section != centre else "0"
