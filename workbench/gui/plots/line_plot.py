"""A line plot with linear, labelled axes and a legend, drawn with QPainter.

Used for a kernel's frequency response (gain against cycles per pixel) and for histograms
(share of pixels against value). Each series is a few hundred points at most, so a redraw
is cheap enough to follow every edit of the kernel grid.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QFontMetricsF, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QWidget

from workbench.gui.plots.colour_scale import AXIS_COLOUR

__all__ = ["LinePlot", "Series", "draw_x_grid", "nice_ticks"]


@dataclass(frozen=True)
class Series:
    """One line: its legend label, x and y values, colour and whether it is dashed."""

    label: str
    x: np.ndarray
    y: np.ndarray
    colour: QColor
    dashed: bool = False


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """About ``count`` round numbers (1, 2, 2.5 or 5 times a power of ten) from lo to hi."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo]
    raw = (hi - lo) / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1.0, 2.0, 2.5, 5.0, 10.0) if m * power >= raw * (1 - 1e-9))
    first = math.ceil(lo / step - 1e-9) * step
    ticks = []
    t = first
    while t <= hi + step * 1e-9:
        ticks.append(0.0 if abs(t) < step * 1e-9 else t)
        t += step
    return ticks


def _tick_label(value: float, step: float) -> str:
    decimals = max(0, -math.floor(math.log10(step) + 1e-9)) if step > 0 else 0
    if step > 0 and abs(step * 10**decimals - round(step * 10**decimals)) > 1e-6:
        decimals += 1  # 2.5 steps
    return f"{value:.{decimals}f}".replace("-", "\u2212")


def draw_x_grid(
    p: QPainter,
    rect: QRectF,
    x0: float,
    x1: float,
    ticks: list[tuple[float, str]],
    grid: QColor,
    text: QColor,
) -> None:
    """Vertical grid lines at ``ticks`` (value, label) with their labels under ``rect``."""
    height = QFontMetricsF(p.font()).height()
    for value, label in ticks:
        x = rect.left() + (value - x0) / (x1 - x0) * rect.width()
        p.setPen(QPen(grid, 1))
        p.drawLine(QPointF(x, rect.top()), QPointF(x, rect.bottom()))
        p.setPen(text)
        p.drawText(
            QRectF(x - 40, rect.bottom() + 3, 80, height),
            Qt.AlignHCenter | Qt.AlignTop,
            label,
        )


class LinePlot(QWidget):
    """Lines over linear x and y axes, with tick numbers, axis titles and a legend.

    ``set_series`` replaces the lines; the y range is the data's (from 0 unless the data go
    below it, or ``y_range`` given), rounded out to tick marks.
    """

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        x_label: str = "",
        y_label: str = "",
        placeholder: str = "Nothing to plot",
    ) -> None:
        super().__init__(parent)
        self._series: list[Series] = []
        self._x_label, self._y_label = x_label, y_label
        self._placeholder = placeholder
        self._x_range: tuple[float, float] | None = None
        self._y_range: tuple[float, float] | None = None
        self._markers: list[tuple[float, str]] = []
        self.setMinimumSize(160, 100)

    def sizeHint(self) -> QSize:
        return QSize(320, 200)

    # -- content -------------------------------------------------------------------------
    def set_series(
        self,
        series: list[Series],
        *,
        x_range: tuple[float, float] | None = None,
        y_range: tuple[float, float] | None = None,
    ) -> None:
        self._series = list(series)
        self._x_range, self._y_range = x_range, y_range
        self.update()

    def series(self) -> list[Series]:
        return list(self._series)

    def set_labels(self, x_label: str, y_label: str) -> None:
        self._x_label, self._y_label = x_label, y_label
        self.update()

    def labels(self) -> tuple[str, str]:
        return self._x_label, self._y_label

    def set_markers(self, markers: list[tuple[float, str]]) -> None:
        """Vertical lines at these x values, labelled (e.g. the ends of the value range)."""
        self._markers = list(markers)
        self.update()

    # -- geometry ------------------------------------------------------------------------
    def ranges(self) -> tuple[tuple[float, float], tuple[float, float]] | None:
        """The x and y ranges drawn, or None when there is nothing to draw."""
        finite = [s for s in self._series if s.x.size and np.isfinite(s.y).any()]
        if not finite:
            return None
        if self._x_range is not None:
            x0, x1 = self._x_range
        else:
            x0 = min(float(np.nanmin(s.x)) for s in finite)
            x1 = max(float(np.nanmax(s.x)) for s in finite)
        if self._y_range is not None:
            y0, y1 = self._y_range
        else:
            ys = np.concatenate([s.y[np.isfinite(s.y)] for s in finite])
            y0, y1 = min(0.0, float(ys.min())), max(0.0, float(ys.max()))
            ticks = nice_ticks(y0, y1 if y1 > y0 else y0 + 1.0)
            step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
            y0 = math.floor(y0 / step + 1e-9) * step
            y1 = math.ceil(y1 / step - 1e-9) * step
            if y1 <= y0:
                y1 = y0 + step
        if x1 <= x0:
            x1 = x0 + 1.0
        return (x0, x1), (y0, y1)

    def plot_rect(self) -> QRectF:
        fm = QFontMetricsF(self.font())
        ranges = self.ranges()
        label_w = fm.horizontalAdvance("\u2212000.0")
        if ranges is not None:
            (_, _), (y0, y1) = ranges
            ticks = nice_ticks(y0, y1)
            step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
            label_w = max(fm.horizontalAdvance(_tick_label(t, step)) for t in ticks)
        left = fm.height() + 6 + label_w + 6
        top = fm.height() + 6
        bottom = 2 * fm.height() + 8
        right = fm.horizontalAdvance("0.00") / 2 + 6
        return QRectF(left, top, self.width() - left - right, self.height() - top - bottom)

    def map_to_widget(self, x: float, y: float) -> QPointF | None:
        """Where the data point (x, y) is drawn (None when nothing is plotted)."""
        ranges = self.ranges()
        if ranges is None:
            return None
        (x0, x1), (y0, y1) = ranges
        rect = self.plot_rect()
        return QPointF(
            rect.left() + (x - x0) / (x1 - x0) * rect.width(),
            rect.bottom() - (y - y0) / (y1 - y0) * rect.height(),
        )

    # -- painting ------------------------------------------------------------------------
    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        p.fillRect(self.rect(), self.palette().base())
        ranges = self.ranges()
        if ranges is None:
            p.setPen(self.palette().placeholderText().color())
            p.drawText(QRectF(self.rect()), Qt.AlignCenter, self._placeholder)
            return
        (x0, x1), (y0, y1) = ranges
        rect = self.plot_rect()
        fm = QFontMetricsF(self.font())
        self._paint_axes(p, fm, rect, x0, x1, y0, y1)
        p.setClipRect(rect.adjusted(-1, -1, 1, 1))
        sx = rect.width() / (x1 - x0)
        sy = rect.height() / (y1 - y0)
        for s in self._series:
            pen = QPen(s.colour, 1.0)  # 1 px: wider antialiased lines stroke 50x slower
            if s.dashed:
                pen.setStyle(Qt.DashLine)
            p.setPen(pen)
            ok = np.isfinite(s.y)
            px = rect.left() + (s.x[ok] - x0) * sx
            py = rect.bottom() - (np.clip(s.y[ok], y0 - (y1 - y0), y1 + (y1 - y0)) - y0) * sy
            p.drawPolyline(QPolygonF([QPointF(a, b) for a, b in zip(px, py, strict=True)]))
        text = self.palette().text().color()
        for x, label in self._markers:
            mx = rect.left() + (x - x0) * sx
            p.setPen(QPen(AXIS_COLOUR, 1, Qt.DotLine))
            p.drawLine(QPointF(mx, rect.top()), QPointF(mx, rect.bottom()))
            if label:
                p.setPen(text)
                p.drawText(QPointF(mx + 3, rect.top() + fm.ascent() + 2), label)
        p.setClipping(False)
        self._paint_legend(p, fm, rect)

    def _paint_axes(self, p: QPainter, fm, rect: QRectF, x0, x1, y0, y1) -> None:
        text = self.palette().text().color()
        grid = QColor(text)
        grid.setAlpha(40)
        y_ticks = nice_ticks(y0, y1, max(2, int(rect.height() / (2.2 * fm.height()))))
        y_step = y_ticks[1] - y_ticks[0] if len(y_ticks) > 1 else 1.0
        for t in y_ticks:
            y = rect.bottom() - (t - y0) / (y1 - y0) * rect.height()
            p.setPen(QPen(grid, 1))
            p.drawLine(QPointF(rect.left(), y), QPointF(rect.right(), y))
            p.setPen(text)
            p.drawText(
                QRectF(0, y - fm.height() / 2, rect.left() - 5, fm.height()),
                Qt.AlignRight | Qt.AlignVCenter,
                _tick_label(t, y_step),
            )
        x_ticks = nice_ticks(x0, x1, max(2, int(rect.width() / (4.5 * fm.height()))))
        x_step = x_ticks[1] - x_ticks[0] if len(x_ticks) > 1 else 1.0
        draw_x_grid(p, rect, x0, x1, [(t, _tick_label(t, x_step)) for t in x_ticks], grid, text)
        p.setPen(QPen(AXIS_COLOUR, 1))
        p.setBrush(QBrush())
        p.drawRect(rect)
        p.setPen(text)
        p.drawText(
            QRectF(rect.left(), rect.bottom() + fm.height() + 5, rect.width(), fm.height()),
            Qt.AlignHCenter | Qt.AlignTop,
            self._x_label,
        )
        p.save()
        p.translate(2, rect.center().y())
        p.rotate(-90)
        p.drawText(
            QRectF(-rect.height() / 2, 0, rect.height(), fm.height()), Qt.AlignCenter, self._y_label
        )
        p.restore()

    def _paint_legend(self, p: QPainter, fm, rect: QRectF) -> None:
        labelled = [s for s in self._series if s.label]
        if not labelled:
            return
        x = rect.right()
        y = 1.0
        for s in reversed(labelled):
            w = fm.horizontalAdvance(s.label)
            x -= w
            p.setPen(self.palette().text().color())
            p.drawText(QRectF(x, y, w, fm.height()), Qt.AlignLeft | Qt.AlignVCenter, s.label)
            pen = QPen(s.colour, 2)
            if s.dashed:
                pen.setStyle(Qt.DashLine)
            p.setPen(pen)
            p.drawLine(QPointF(x - 18, y + fm.height() / 2), QPointF(x - 4, y + fm.height() / 2))
            x -= 18 + 10
