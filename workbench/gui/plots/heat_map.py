"""A kernel (or any small grid of numbers) as cells on the diverging scale, numbers in the cells."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QEvent, QLineF, QPointF, QRectF, QSize, QSizeF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QImage, QPainter, QPen
from PySide6.QtWidgets import QToolTip, QWidget

from workbench.gui.plots.colour_scale import (
    AXIS_COLOUR,
    colour_bar_width,
    decimals_for,
    diverging_rgb,
    format_number,
    paint_colour_bar,
)

__all__ = ["KernelHeatMap"]


class KernelHeatMap(QWidget):
    """A kernel as a grid of cells on the diverging scale, with the numbers when they fit.

    Takes ``kh x kw`` weights; ``channels x kh x kw`` for one kernel per channel, drawn side
    by side; or ``out x in x kh x kw`` for a colour kernel, drawn as one small grid per
    (output, input) channel pair with the channel names along the edges.
    The colour bar on the right gives the range; hovering a cell shows its exact value.
    """

    _CHANNELS = "RGBA"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("kernelHeatMap")
        self._weights: np.ndarray | None = None
        self._limit = 1.0
        self._per_channel = False
        self._marked: np.ndarray | None = None
        self._tooltip: Callable[[int, int, int, int, float], str] | None = None
        self._bar = True
        self.setMinimumSize(160, 120)
        self.setMouseTracking(True)

    def sizeHint(self) -> QSize:
        return QSize(320, 260)

    def weights(self) -> np.ndarray | None:
        return None if self._weights is None else self._weights.copy()

    def limit(self) -> float:
        return self._limit

    def set_marked(self, marked: np.ndarray | None) -> None:
        """Hatch the cells where ``marked`` (``kh x kw``, bool) is True, in every block; the
        pixel inspector marks the taps beyond the image edge."""
        self._marked = None if marked is None else np.asarray(marked, dtype=bool)
        self.update()

    def set_colour_bar(self, visible: bool) -> None:
        """Show the colour bar (the default), or give its room to the cells."""
        self._bar = bool(visible)
        self.update()

    def set_tooltip(self, text: Callable[[int, int, int, int, float], str] | None) -> None:
        """Hover text of a cell: ``text(out, inp, row, col, value)``; None for the default."""
        self._tooltip = text

    def set_weights(self, weights: np.ndarray | None) -> None:
        if weights is None:
            self._weights = None
            self.update()
            return
        w = np.array(weights, dtype=np.float64)
        self._per_channel = w.ndim == 3
        if w.ndim in (2, 3):
            w = w.reshape((1,) * (4 - w.ndim) + w.shape)
        if w.ndim != 4 or w.size == 0:
            raise ValueError(
                f"kernel weights must be kh x kw, channels x kh x kw or out x in x kh x kw, "
                f"not shape {w.shape}"
            )
        self._weights = w
        finite = np.abs(w[np.isfinite(w)])
        self._limit = float(finite.max()) if finite.size and finite.max() > 0 else 1.0
        self.update()

    def _channel_name(self, i: int, n: int) -> str:
        return self._CHANNELS[i] if n in (3, 4) else str(i + 1)

    def _layout(self) -> tuple[float, float, float, float]:
        """Grid origin x, y, the cell size and the gap between channel blocks."""
        fm = QFontMetricsF(self.font())
        n_out, n_in, kh, kw = self._weights.shape
        top_label = fm.height() + 4 if n_out * n_in > 1 else 0.0
        left_label = fm.height() + 4 if n_out > 1 else 0.0
        gap = 6.0 if n_out * n_in > 1 else 0.0
        bar = colour_bar_width(fm, self._limit) + 10 if self._bar else 0.0
        avail_w = self.width() - 8 - left_label - bar - gap * (n_in - 1)
        avail_h = self.height() - 8 - top_label - gap * (n_out - 1)
        cell = math.floor(min(avail_w / (n_in * kw), avail_h / (n_out * kh), 72.0))
        cell = max(cell, 2)
        grid_w = cell * n_in * kw + gap * (n_in - 1)
        grid_h = cell * n_out * kh + gap * (n_out - 1)
        x = 4 + left_label + max(0.0, (avail_w - grid_w) / 2)
        y = 4 + top_label + max(0.0, (avail_h - grid_h) / 2)
        return x, y, float(cell), gap

    def cell_rect(self, row: int, col: int, out: int = 0, inp: int = 0) -> QRectF:
        """The rectangle of one weight, in widget coordinates."""
        return self._rect(self._layout(), row, col, out, inp)

    def _rect(self, layout, row: int, col: int, out: int = 0, inp: int = 0) -> QRectF:
        x, y, cell, gap = layout
        _, _, kh, kw = self._weights.shape
        left = x + inp * (kw * cell + gap) + col * cell
        top = y + out * (kh * cell + gap) + row * cell
        return QRectF(left, top, cell, cell)

    def _cell_at(self, pos: QPointF) -> tuple[int, int, int, int] | None:
        if self._weights is None:
            return None
        x, y, cell, gap = self._layout()
        n_out, n_in, kh, kw = self._weights.shape
        bx, rx = divmod(pos.x() - x, kw * cell + gap)
        by, ry = divmod(pos.y() - y, kh * cell + gap)
        if not (0 <= bx < n_in and 0 <= by < n_out and rx < kw * cell and ry < kh * cell):
            return None
        return int(by), int(bx), int(ry // cell), int(rx // cell)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.ToolTip:
            hit = self._cell_at(QPointF(event.pos()))
            if hit is None:
                QToolTip.hideText()
            else:
                out, inp, row, col = hit
                value = self._weights[out, inp, row, col]
                if self._tooltip is not None:
                    QToolTip.showText(
                        event.globalPos(), self._tooltip(out, inp, row, col, value), self
                    )
                    return True
                where = f"row {row + 1}, column {col + 1}"
                n_out, n_in = self._weights.shape[:2]
                if self._per_channel:
                    where += f", {self._channel_name(inp, n_in)} channel"
                elif n_out * n_in > 1:
                    where += (
                        f", {self._channel_name(inp, n_in)} \u2192 {self._channel_name(out, n_out)}"
                    )
                QToolTip.showText(event.globalPos(), f"{value:.6g}  ({where})", self)
            return True
        return super().event(event)

    def _number_format(self, cell: float) -> tuple[QFont, int] | None:
        """The largest font, down to 6 pt, and the decimals (one fewer if that is what it
        takes and no weight then reads as 0) in which every number fits its cell; None if
        none fits."""
        finite = self._weights[np.isfinite(self._weights)]
        # Whole numbers (pixel values, integer kernels) read best without decimals.
        whole = finite.size and bool(np.all(finite == np.round(finite)))
        best = 0 if whole else decimals_for(self._limit)
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)
        font = QFont(self.font())
        start = font.pointSizeF() if font.pointSizeF() > 0 else 9.0
        for decimals in (best, best - 1) if best > 0 else (best,):
            if decimals < best and _hides_weights(finite, decimals):
                break  # a grid of "0.0" would say the weights are zero: colours only
            extremes = [format_number(v, decimals) for v in (lo, hi)]
            size = start
            while size >= 6.0:
                font.setPointSizeF(size)
                fm = QFontMetricsF(font)
                wide = max(fm.horizontalAdvance(t) for t in extremes)
                if wide <= cell - 4 and fm.height() <= cell - 2:
                    return font, decimals
                size -= 1.0
        return None

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), self.palette().window())
        if self._weights is None:
            p.setPen(self.palette().placeholderText().color())
            p.drawText(QRectF(self.rect()), Qt.AlignCenter, "No kernel yet")
            return
        n_out, n_in, kh, kw = self._weights.shape
        layout = self._layout()
        cell = layout[2]
        rgb = diverging_rgb(self._weights, self._limit)
        number_format = self._number_format(cell)
        font, decimals = number_format if number_format else (None, 0)
        grid_pen = QPen(QColor(0, 0, 0, 45), 1)
        # Light numbers on dark cells, dark on light: one pen change per pass, not per cell.
        dark = (rgb @ np.array([0.299, 0.587, 0.114])) < 140
        passes = ((QColor(255, 255, 255), True), (QColor(0, 0, 0), False))
        if font is not None:
            p.setFont(font)
        for out in range(n_out):
            for inp in range(n_in):
                block = QRectF(
                    self._rect(layout, 0, 0, out, inp).topLeft(), QSizeF(kw * cell, kh * cell)
                )
                # One image per block, scaled without smoothing: cells stay crisp, and a
                # 63 x 63 kernel is one call instead of thousands.
                cells = np.ascontiguousarray(rgb[out, inp])
                image = QImage(cells.data, kw, kh, 3 * kw, QImage.Format_RGB888)
                p.drawImage(block, image)
                if font is not None:
                    for colour, on_dark in passes:
                        p.setPen(colour)
                        for row, col in zip(*np.nonzero(dark[out, inp] == on_dark), strict=True):
                            value = self._weights[out, inp, row, col]
                            p.drawText(
                                self._rect(layout, int(row), int(col), out, inp),
                                Qt.AlignCenter,
                                format_number(value, decimals),
                            )
                if cell >= 8:
                    lines = [
                        QLineF(
                            block.left() + i * cell,
                            block.top(),
                            block.left() + i * cell,
                            block.bottom(),
                        )
                        for i in range(1, kw)
                    ] + [
                        QLineF(
                            block.left(),
                            block.top() + i * cell,
                            block.right(),
                            block.top() + i * cell,
                        )
                        for i in range(1, kh)
                    ]
                    p.setPen(grid_pen)
                    p.drawLines(lines)
                if self._marked is not None and self._marked.shape == (kh, kw):
                    p.save()
                    p.setPen(Qt.NoPen)
                    p.setBrush(QBrush(QColor(0, 0, 0, 90), Qt.BDiagPattern))
                    for row, col in zip(*np.nonzero(self._marked), strict=True):
                        p.drawRect(self._rect(layout, int(row), int(col), out, inp))
                    p.restore()
                p.setPen(QPen(AXIS_COLOUR, 1))
                p.setBrush(QBrush())
                p.drawRect(block)
        p.setFont(self.font())
        fm = QFontMetricsF(self.font())
        if n_out * n_in > 1:
            p.setPen(self.palette().text().color())
            for inp in range(n_in):
                r = self._rect(layout, 0, 0, 0, inp)
                p.drawText(
                    QRectF(r.left(), r.top() - fm.height() - 3, kw * cell, fm.height()),
                    Qt.AlignCenter,
                    self._channel_name(inp, n_in)
                    if self._per_channel
                    else f"from {self._channel_name(inp, n_in)}",
                )
            for out in range(n_out if n_out > 1 else 0):
                r = self._rect(layout, 0, 0, out, 0)
                p.save()
                p.translate(r.left() - 3, r.top() + kh * cell / 2)
                p.rotate(-90)
                p.drawText(
                    QRectF(-kh * cell / 2, -fm.height(), kh * cell, fm.height()),
                    Qt.AlignCenter,
                    f"to {self._channel_name(out, n_out)}",
                )
                p.restore()
        if not self._bar:
            return
        right = self._rect(layout, kh - 1, kw - 1, n_out - 1, n_in - 1).right()
        top = self._rect(layout, 0, 0, 0, 0).top()
        height = self._rect(layout, kh - 1, 0, n_out - 1, 0).bottom() - top
        bar_height = max(height, 4 * fm.height())
        bar_top = max(4.0, top + (height - bar_height) / 2)
        paint_colour_bar(
            p,
            QRectF(right + 10, bar_top, colour_bar_width(fm, self._limit), bar_height),
            self._limit,
        )


def _hides_weights(weights: np.ndarray, decimals: int) -> bool:
    """True if a weight that matters would read as zero with ``decimals`` places.

    Weights under 1 % of the largest are noise of a fit, and "0.0" is fair for them.
    """
    size = np.abs(weights)
    matters = size[size >= 0.01 * size.max(initial=0.0)]
    return bool(matters.size and matters.min() < 0.5 * 10.0**-decimals)
