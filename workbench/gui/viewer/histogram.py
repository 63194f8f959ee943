"""The histogram view: luma or a channel, before (dashed) and after the filter (solid).

Below the plot, the share of values clipped at black and at white, before and after: a
kernel that throws half its result away shows at once. The histograms are computed on a
worker (:func:`workbench.gui.viewer.histogram_data.image_histogram`); this widget only draws.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from workbench.gui.plots.line_plot import LinePlot, Series
from workbench.gui.viewer.histogram_data import Histogram

__all__ = ["HistogramView"]

_COLOURS = {
    "Luma": QColor(60, 60, 60),
    "Gray": QColor(60, 60, 60),
    "R": QColor(214, 39, 40),
    "G": QColor(44, 160, 44),
    "B": QColor(31, 119, 180),
}
_ALL = "All channels"


def _percent(share: float) -> str:
    if share == 0:
        return "0 %"
    if share < 0.001:
        return "<0.1 %"
    return f"{100 * share:.1f} %"


class HistogramView(QWidget):
    """Histograms of the image before and after the filter, with the clipped shares."""

    #: The view became visible: whoever feeds it may compute what it shows now.
    shown = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("histogramView")
        self._before: Histogram | None = None
        self._after: Histogram | None = None
        self.channel_combo = QComboBox(self)
        self.channel_combo.setObjectName("histogramChannel")
        self.plot = LinePlot(
            self, x_label="value", y_label="share of pixels (%)", placeholder="No image"
        )
        self.plot.setObjectName("histogramPlot")
        # No word wrap: it would make the scroll area around the view scroll in a short dock.
        self.clip_label = QLabel(self)
        self.clip_label.setObjectName("histogramClipped")
        self.note_label = QLabel(self)
        top = QHBoxLayout()
        top.addWidget(self.note_label, 1)
        top.addWidget(self.channel_combo)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.clip_label)
        self.channel_combo.currentIndexChanged.connect(lambda _: self._show())
        self._show()

    def sizeHint(self) -> QSize:
        return QSize(320, 300)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.shown.emit()

    def set_histograms(self, before: Histogram | None, after: Histogram | None) -> None:
        """``before``: the image being filtered; ``after``: the filtered one (or None)."""
        self._before, self._after = before, after
        names = (before or after).names if (before or after) is not None else []
        choices = names + ([_ALL] if len(names) > 1 else [])
        if choices != [self.channel_combo.itemText(i) for i in range(self.channel_combo.count())]:
            current = self.channel_combo.currentText()
            self.channel_combo.blockSignals(True)
            self.channel_combo.clear()
            self.channel_combo.addItems(choices)
            if current in choices:
                self.channel_combo.setCurrentText(current)
            self.channel_combo.blockSignals(False)
        self._show()

    def histograms(self) -> tuple[Histogram | None, Histogram | None]:
        return self._before, self._after

    def set_channel(self, name: str) -> None:
        self.channel_combo.setCurrentText(name)

    def _show(self) -> None:
        before, after = self._before, self._after
        some = after or before
        if some is None:
            self.plot.set_series([])
            self.clip_label.setText("")
            self.note_label.setText("No image")
            return
        choice = self.channel_combo.currentText() or some.names[0]
        names = [n for n in some.names if n != "Luma"] if choice == _ALL else [choice]
        series = []
        for name in names:
            colour = _COLOURS.get(name, QColor(60, 60, 60))
            if before is not None and name in before.shares:
                label = f"{name} before" if after is not None else name
                dashed = after is not None
                y = 100 * before.shares[name]
                series.append(Series(label, before.centres, y, colour, dashed))
            if after is not None and name in after.shares:
                series.append(
                    Series(f"{name} after", after.centres, 100 * after.shares[name], colour)
                )
        # The y scale fits the values between the ends: the bins at black and white often
        # hold most pixels after an edge kernel, would flatten the rest, and their share is
        # printed below anyway.
        inner = [float(np.max(s.y[1:-1])) for s in series if s.y.size > 2]
        top = max(inner, default=0.0)
        y_range = (0.0, top * 1.1) if top > 0 else None
        self.plot.set_series(series, x_range=(0.0, some.range_max), y_range=y_range)
        self.note_label.setText(
            "Dashed: before the filter; solid: after."
            if after is not None and before is not None
            else "The image (no preview yet)."
        )
        self.clip_label.setText(self._clipped_text(names if choice != _ALL else some.names))

    def _clipped_text(self, names: list[str]) -> str:
        """Two lines: the share of ``names[0]``'s values at black, then at white."""
        name = names[0]
        lines = []
        for end in ("black", "white"):
            shares = []
            for label, h in (("before", self._before), ("after", self._after)):
                if h is not None and name in h.shares:
                    value = _percent(getattr(h, end)[name])
                    shares.append(f"{label} {value}" if self._after is not None else value)
            lines.append(f"{name} clipped at {end}: " + ", ".join(shares))
        return "\n".join(lines)

    def clipped_text(self) -> str:
        return self.clip_label.text()
