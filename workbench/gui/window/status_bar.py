"""The main window's status bar: pixel under the cursor, the zoom box, size, depth, progress,
Cancel."""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton, QStatusBar, QWidget

from workbench.gui.viewer.zoom_box import ZoomBox

__all__ = ["StatusBar"]


class StatusBar(QStatusBar):
    """Shows where the cursor is and what the worker is doing."""

    #: The Cancel button was pressed.
    cancelRequested = Signal()
    #: A zoom level was typed or picked in the zoom box (1.0 = 100 %).
    zoomRequested = Signal(float)
    #: "Fit" was picked in the zoom box.
    fitRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statusBar")
        self.pixel_label = QLabel(self)
        self.pixel_label.setObjectName("pixelLabel")
        self.pixel_label.setMinimumWidth(240)
        self.zoom_box = ZoomBox(self)  # as GIMP's: type a level or pick one
        self.zoom_box.zoomRequested.connect(self.zoomRequested)
        self.zoom_box.fitRequested.connect(self.fitRequested)
        self.size_label = QLabel(self)
        self.size_label.setObjectName("sizeLabel")
        self.depth_label = QLabel(self)
        self.depth_label.setObjectName("depthLabel")
        self.task_label = QLabel(self)
        self.progress_bar = QProgressBar(self)
        self.progress_bar.setObjectName("progressBar")
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setFixedWidth(160)
        self.progress_bar.setTextVisible(False)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.clicked.connect(self.cancelRequested)
        self.addWidget(self.pixel_label)
        for widget in (
            self.task_label,
            self.progress_bar,
            self.cancel_button,
            self.size_label,
            self.depth_label,
            self.zoom_box,
        ):
            self.addPermanentWidget(widget)
        self.hide_progress()

    def show_pixel(self, x: int, y: int, values: str) -> None:
        self.pixel_label.setText(f"x {x}, y {y}   {values}" if x >= 0 else "")

    def show_zoom(self, zoom: float) -> None:
        self.zoom_box.show_zoom(zoom)

    def zoom_text(self) -> str:
        """The zoom as the box shows it, e.g. "66.7 %"."""
        return self.zoom_box.currentText()

    def show_image(self, width: int, height: int, description: str) -> None:
        self.size_label.setText(f"{width} \u00d7 {height}" if width else "")
        self.depth_label.setText(description)

    @Slot(str, object)
    def show_progress(self, task: str, fraction: float | None = None) -> None:
        """Show the progress bar for ``task``; ``None`` for a busy bar without a fraction."""
        self.task_label.setText(task)
        if fraction is None:
            self.progress_bar.setRange(0, 0)
        else:
            self.progress_bar.setRange(0, 1000)
            self.progress_bar.setValue(round(1000 * min(max(fraction, 0.0), 1.0)))
        for widget in (self.task_label, self.progress_bar, self.cancel_button):
            widget.show()

    @Slot()
    def hide_progress(self) -> None:
        for widget in (self.task_label, self.progress_bar, self.cancel_button):
            widget.hide()
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setValue(0)

    def is_showing_progress(self) -> bool:
        return self.progress_bar.isVisibleTo(self)
