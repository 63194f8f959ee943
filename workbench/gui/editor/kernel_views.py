"""Seeing a kernel: the pixel inspector, the frequency response and the histogram, as tabs.

Shown in the kernel editor under the grid. The editor passes every edit to
:meth:`KernelViews.set_settings`; the window feeds the image side (the pixel under the
cursor, the image and its preview, the histograms) through the tabs' own methods.
"""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QScrollArea, QTabWidget, QWidget

from workbench.gui.editor.frequency_view import FrequencyView
from workbench.gui.editor.inspector import PixelInspector
from workbench.gui.model.filter_settings import FilterSettings
from workbench.gui.viewer.histogram import HistogramView

__all__ = ["KernelViews"]


class KernelViews(QTabWidget):
    """Tabs: Inspector | Frequency response | Histogram."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("kernelViews")
        self.inspector = PixelInspector(self)
        self.frequency = FrequencyView(self)
        self.histogram = HistogramView(self)
        # Each page scrolls when the dock is short, so the views never make the window's
        # minimum height grow past a small screen.
        for page, title in (
            (self.inspector, "Inspector"),
            (self.frequency, "Frequency response"),
            (self.histogram, "Histogram"),
        ):
            scroll = QScrollArea(self)
            scroll.setFrameShape(QFrame.Shape.NoFrame)
            scroll.setWidgetResizable(True)
            scroll.setWidget(page)
            scroll.setMinimumHeight(24)
            self.addTab(scroll, title)
        self.setTabToolTip(0, "The neighbourhood under the cursor, times the weights, summed")
        self.setTabToolTip(1, "What the kernel does to coarse and fine detail")
        self.setTabToolTip(2, "The image's values before and after the filter, and what clips")

    def set_settings(self, settings: FilterSettings) -> None:
        self.inspector.set_settings(settings)
        self.frequency.set_kernel(settings.kernel)
