"""Small plots of our own, drawn with QPainter, for the learn dialog.

No plotting library: the dialog needs three simple, readable pictures, and drawing them
ourselves keeps them cheap to redraw while a solver reports a few times a second. The loss
curve lives here; the kernel heat map and the residual view, which share the diverging colour
scale, live in :mod:`workbench.gui.plots` (the kernel editor shows them too) and are
re-exported.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QFontMetricsF, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QWidget

from workbench.gui.plots.colour_scale import AXIS_COLOUR, ResidualView, residual_image
from workbench.gui.plots.heat_map import KernelHeatMap
from workbench.gui.plots.line_plot import draw_x_grid

__all__ = ["KernelHeatMap", "LossCurve", "ResidualView", "residual_image"]

_CURVE_COLOUR = QColor(31, 119, 180)


def _superscript(n: int) -> str:
    return str(n).translate(str.maketrans("-0123456789", "\u207b⁰¹²³⁴⁵⁶⁷⁸⁹"))


_TICK_STEPS = (1.0, 2.0, 2.5, 5.0, 10.0)
_AXIS_ENDS = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)


def _nice_ceiling(x: float, steps: tuple[float, ...] = _TICK_STEPS) -> float:
    """The smallest of ``steps`` times a power of ten that is at least ``x``."""
    if x <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(x))
    for m in steps:
        if m * power >= x * (1 - 1e-9):
            return m * power
    return 10 * power


class LossCurve(QWidget):
    """The training loss against the step, on a logarithmic loss axis.

    Points are appended as the solver reports them; the widget keeps them in growing arrays
    and, when there are more points than pixels, draws the minimum and maximum per pixel
    column, so a redraw costs the same after ten or ten thousand steps. Zero, negative and
    non-finite losses cannot sit on a log axis: they are kept but not drawn.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lossCurve")
        self._steps = np.empty(256, dtype=np.float64)
        self._losses = np.empty(256, dtype=np.float64)
        self._count = 0
        self.setMinimumSize(220, 150)

    def sizeHint(self) -> QSize:
        return QSize(360, 220)

    def count(self) -> int:
        return self._count

    def clear(self) -> None:
        self._count = 0
        self.update()

    def append(self, step: float, loss: float) -> None:
        """Add one point; the widget repaints at the next event-loop turn."""
        if self._count == self._steps.size:
            self._steps = np.resize(self._steps, 2 * self._count)
            self._losses = np.resize(self._losses, 2 * self._count)
        self._steps[self._count] = step
        self._losses[self._count] = loss
        self._count += 1
        self.update()

    def set_history(self, losses: list[float] | np.ndarray, steps=None) -> None:
        """Replace the points with a whole history (steps default to 1, 2, ...)."""
        losses = np.asarray(losses, dtype=np.float64).ravel()
        steps = (
            np.arange(1, losses.size + 1, dtype=np.float64)
            if steps is None
            else np.asarray(steps, dtype=np.float64).ravel()
        )
        if steps.size != losses.size:
            raise ValueError("steps and losses differ in length")
        self._steps = np.resize(steps, max(256, steps.size))
        self._losses = np.resize(losses, max(256, losses.size))
        self._count = losses.size
        self.update()

    def _visible(self) -> tuple[np.ndarray, np.ndarray]:
        steps = self._steps[: self._count]
        losses = self._losses[: self._count]
        keep = np.isfinite(losses) & (losses > 0) & np.isfinite(steps)
        return steps[keep], losses[keep]

    def _axes(self) -> tuple[QRectF, float, float, int, int] | None:
        """Plot rectangle, x range end, x start, and the decades at the bottom and top."""
        steps, losses = self._visible()
        if steps.size == 0:
            return None
        fm = QFontMetricsF(self.font())
        lo = math.floor(math.log10(losses.min()))
        hi = math.ceil(math.log10(losses.max()))
        if hi <= lo:
            hi = lo + 1
        label_w = max(fm.horizontalAdvance("10" + _superscript(e)) for e in (lo, hi))
        left = fm.height() + 6 + label_w + 6
        top = fm.height() + 6
        bottom = 2 * fm.height() + 8
        x0 = 0.0 if steps.min() >= 0 else float(steps.min())
        x1 = _nice_ceiling(max(float(steps.max()), 10.0), _AXIS_ENDS)
        right = fm.horizontalAdvance(f"{x1:g}") / 2 + 6  # room for the last tick's label
        rect = QRectF(left, top, self.width() - left - right, self.height() - top - bottom)
        return rect, x0, x1, lo, hi

    def map_to_widget(self, step: float, loss: float) -> QPointF | None:
        """Where (step, loss) is drawn, or None if nothing is plotted or ``loss <= 0``."""
        axes = self._axes()
        if axes is None or not (loss > 0 and math.isfinite(loss)):
            return None
        rect, x0, x1, lo, hi = axes
        fx = (step - x0) / (x1 - x0)
        fy = (math.log10(loss) - lo) / (hi - lo)
        return QPointF(rect.left() + fx * rect.width(), rect.bottom() - fy * rect.height())

    def last_point(self) -> QPointF | None:
        """Where the newest drawable point is, for tests and for the marker."""
        steps, losses = self._visible()
        if steps.size == 0:
            return None
        return self.map_to_widget(float(steps[-1]), float(losses[-1]))

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        p.fillRect(self.rect(), self.palette().base())
        fm = QFontMetricsF(self.font())
        axes = self._axes()
        if axes is None:
            p.setPen(self.palette().placeholderText().color())
            text = "No loss yet" if self._count == 0 else "Loss is zero: a perfect fit"
            p.drawText(QRectF(self.rect()), Qt.AlignCenter, text)
            return
        rect, x0, x1, lo, hi = axes
        steps, losses = self._visible()
        self._paint_grid(p, fm, rect, x0, x1, lo, hi)

        px = rect.left() + (steps - x0) / (x1 - x0) * rect.width()
        py = rect.bottom() - (np.log10(losses) - lo) / (hi - lo) * rect.height()
        if px.size > 2 * rect.width():
            px, py = _min_max_per_column(px, py)
        p.setClipRect(rect.adjusted(-3, -3, 3, 3))
        p.setPen(QPen(_CURVE_COLOUR, 1.6))
        p.drawPolyline(QPolygonF([QPointF(x, y) for x, y in zip(px, py, strict=True)]))
        last = self.last_point()
        p.setBrush(_CURVE_COLOUR)
        p.drawEllipse(last, 3.5, 3.5)
        p.setClipping(False)
        p.setPen(self.palette().text().color())
        p.drawText(
            QRectF(rect.left(), 2, rect.width(), fm.height()),
            Qt.AlignRight | Qt.AlignVCenter,
            f"step {steps[-1]:.0f}   loss {losses[-1]:.3g}",
        )

    def _paint_grid(self, p: QPainter, fm, rect: QRectF, x0, x1, lo, hi) -> None:
        text_colour = self.palette().text().color()
        grid = QColor(text_colour)
        grid.setAlpha(40)
        decades = hi - lo
        every = max(1, math.ceil(decades / max(rect.height() / (1.6 * fm.height()), 1)))
        for e in range(lo, hi + 1):
            y = rect.bottom() - (e - lo) / decades * rect.height()
            p.setPen(QPen(grid, 1))
            p.drawLine(QPointF(rect.left(), y), QPointF(rect.right(), y))
            if (e - lo) % every == 0:
                p.setPen(text_colour)
                p.drawText(
                    QRectF(0, y - fm.height() / 2, rect.left() - 5, fm.height()),
                    Qt.AlignRight | Qt.AlignVCenter,
                    "10" + _superscript(e),
                )
        x_step = _nice_ceiling((x1 - x0) / 5)
        ticks = []
        x = x0
        while x <= x1 + 1e-9:
            ticks.append((x, f"{x:g}"))
            x += x_step
        draw_x_grid(p, rect, x0, x1, ticks, grid, text_colour)
        p.setPen(QPen(AXIS_COLOUR, 1))
        p.setBrush(QBrush())
        p.drawRect(rect)
        p.setPen(text_colour)
        p.drawText(
            QRectF(rect.left(), rect.bottom() + fm.height() + 5, rect.width(), fm.height()),
            Qt.AlignHCenter | Qt.AlignTop,
            "step",
        )
        p.save()
        p.translate(2, rect.center().y())
        p.rotate(-90)
        p.drawText(
            QRectF(-rect.height() / 2, 0, rect.height(), fm.height()),
            Qt.AlignCenter,
            "loss (log scale)",
        )
        p.restore()


def _min_max_per_column(px: np.ndarray, py: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    column = np.floor(px).astype(np.int64)
    order = np.argsort(column, kind="stable")
    column, py = column[order], py[order]
    starts = np.concatenate(([0], np.flatnonzero(np.diff(column)) + 1))
    lows = np.minimum.reduceat(py, starts)
    highs = np.maximum.reduceat(py, starts)
    xs = column[starts].astype(np.float64) + 0.5
    return np.repeat(xs, 2), np.column_stack((highs, lows)).ravel()
