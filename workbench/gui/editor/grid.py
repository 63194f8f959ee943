"""The kernel editor's grid: a table of weights, sized to read well at any kernel size."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QKeySequence, QPainter, QPalette, QPen, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QToolTip,
    QWidget,
)

from workbench.gui.editor.model import KernelTableModel, format_weight

__all__ = ["KernelGrid"]


class _CellDelegate(QStyledItemDelegate):
    """Draws a selected cell with a frame, so its shade (the weight's sign and size) shows."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index) -> None:
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        plain = QStyleOptionViewItem(option)
        plain.state &= ~QStyle.StateFlag.State_Selected
        plain.state &= ~QStyle.StateFlag.State_HasFocus
        super().paint(painter, plain, index)
        if selected:
            painter.save()
            pen = QPen(option.palette.color(QPalette.ColorRole.Highlight), 3)
            pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
            painter.setPen(pen)
            painter.drawRect(option.rect.adjusted(1, 1, -2, -2))
            painter.restore()


class KernelGrid(QTableView):
    """Shows a :class:`KernelTableModel`; typing in a cell edits it, Ctrl+C/V copy and paste,
    Delete sets the selected cells to 0.

    Refused entries are explained in a tooltip at the cell.
    """

    copyRequested = Signal()
    pasteRequested = Signal()
    #: Delete or Backspace: the selected cells become 0, as in a spreadsheet.
    clearRequested = Signal()

    def __init__(self, model: KernelTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("kernelGrid")
        self.setModel(model)
        self.setItemDelegate(_CellDelegate(self))
        self.setSelectionMode(QAbstractItemView.SelectionMode.ContiguousSelection)
        self.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        for header in (self.horizontalHeader(), self.verticalHeader()):
            header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
            header.setHighlightSections(False)
        self.setMinimumHeight(150)
        # The cells carry their own colours; around them, the panel's colour, so the grid
        # reads as one block whatever its size.
        self.setStyleSheet("QTableView { background: palette(window); }")
        model.entryRefused.connect(self._on_entry_refused)
        model.modelReset.connect(self.fit_cells)
        for key, signal in (
            (QKeySequence.StandardKey.Copy, self.copyRequested),
            (QKeySequence.StandardKey.Paste, self.pasteRequested),
            (QKeySequence(Qt.Key.Key_Delete), self.clearRequested),
            (QKeySequence(Qt.Key.Key_Backspace), self.clearRequested),
        ):
            shortcut = QShortcut(key, self)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(signal)
        self.clearRequested.connect(
            lambda: model.clear_cells(self.selectionModel().selectedIndexes())
        )
        self.fit_cells()

    @Slot()
    def fit_cells(self) -> None:
        """Cells wide enough for their numbers, and large when the kernel is small."""
        grid = self.model().grid()
        # set(), not np.unique: numpy 2 imports numpy.ma for that (30 ms of start-up).
        labels = (format_weight(v) for v in set(grid.ravel().tolist()))
        needed = 16 + 8 * max((len(t) for t in labels), default=1)
        header = self.verticalHeader().width() + 4
        fill = (self.viewport().width() - header) // max(grid.shape[1], 1)
        width = int(max(needed, min(fill, 72), 36))
        self.horizontalHeader().setDefaultSectionSize(width)
        self.verticalHeader().setDefaultSectionSize(int(min(max(width * 0.62, 26), 40)))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.fit_cells()

    @Slot(int, int, str)
    def _on_entry_refused(self, row: int, col: int, reason: str) -> None:
        rect = self.visualRect(self.model().index(row, col))
        QToolTip.showText(self.viewport().mapToGlobal(rect.bottomLeft()), reason, self)
