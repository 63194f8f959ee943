"""The zoom box: an editable list of zoom levels, as in GIMP's status bar.

Pick a level or "Fit", or type one ("250", "250 %", "4x") and press Enter. The box shows the
view's zoom as it changes (with its own signals blocked, so showing never zooms).
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt, Signal, Slot
from PySide6.QtWidgets import QComboBox, QWidget

from workbench.gui.viewer.zoom import format_zoom, parse_zoom

__all__ = ["FIT_TEXT", "ZoomBox"]

FIT_TEXT = "Fit"
_LEVELS = (1 / 8, 1 / 4, 1 / 3, 1 / 2, 2 / 3, 1.0, 3 / 2, 2.0, 3.0, 4.0, 8.0, 16.0, 32.0)


class ZoomBox(QComboBox):
    """Editable zoom levels; emits :attr:`zoomRequested` or :attr:`fitRequested`."""

    #: The user picked or typed a zoom factor (1.0 = 100 %).
    zoomRequested = Signal(float)
    #: The user picked "Fit".
    fitRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("zoomBox")
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setToolTip("Zoom: pick a level or type one (e.g. 250 or 4x) and press Enter")
        self.addItem(FIT_TEXT, None)
        for level in _LEVELS:
            self.addItem(format_zoom(level), level)
        self.setMinimumContentsLength(6)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self._zoom = 1.0
        self.activated.connect(self._on_activated)
        self.lineEdit().returnPressed.connect(self._on_typed)
        self.lineEdit().editingFinished.connect(self._show_current)
        self.show_zoom(1.0)

    @Slot(float)
    def show_zoom(self, zoom: float) -> None:
        """Show ``zoom`` (the view's) without asking for a change."""
        self._zoom = zoom
        with QSignalBlocker(self):
            self.setCurrentIndex(-1)
            self.setEditText(format_zoom(zoom))

    @Slot(int)
    def _on_activated(self, index: int) -> None:
        level = self.itemData(index)
        if level is None and self.itemText(index) == FIT_TEXT:
            self.fitRequested.emit()
        elif level is not None:
            self.zoomRequested.emit(float(level))
        self._show_current()

    @Slot()
    def _on_typed(self) -> None:
        text = self.currentText()
        if text.strip().lower() == FIT_TEXT.lower():
            self.fitRequested.emit()
        else:
            zoom = parse_zoom(text)
            if zoom is not None:
                self.zoomRequested.emit(zoom)
        self._show_current()

    @Slot()
    def _show_current(self) -> None:
        self.show_zoom(self._zoom)
