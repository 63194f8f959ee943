"""A kernel's frequency response: a colour map over (fx, fy), cuts as a line plot, and words.

The numbers come from :func:`workbench.engine.response.frequency_response` (a few small
matrix products, well under a millisecond for a 63 x 63 kernel), so the view follows every
edit of the grid on the GUI thread.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QImage, QPainter, QPen
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from workbench.engine import Kernel
from workbench.engine.response import FrequencyResponse, frequency_response
from workbench.gui.plots.colour_scale import (
    AXIS_COLOUR,
    colour_bar_width,
    diverging_rgb,
    paint_colour_bar,
)
from workbench.gui.plots.line_plot import LinePlot, Series

__all__ = ["FrequencyView", "ResponseMap", "WrappedLabel", "to_db"]

#: Gains below this are drawn at it in dB (-80 dB: a factor of 10 000).
DB_FLOOR = -80.0

_CUTS = (
    ("x", "cut_x", QColor(31, 119, 180), False),
    ("y", "cut_y", QColor(214, 39, 40), False),
    ("diagonal \u2198", "cut_diagonal", QColor(44, 160, 44), True),
    ("\u2197", "cut_antidiagonal", QColor(148, 103, 189), True),
)


def to_db(gain: np.ndarray | float) -> np.ndarray:
    """20 log10(gain), floored at :data:`DB_FLOOR` (a gain of 0 is -inf dB)."""
    g = np.asarray(gain, dtype=np.float64)
    with np.errstate(divide="ignore"):
        return np.maximum(20.0 * np.log10(g), DB_FLOOR)


class WrappedLabel(QLabel):
    """A word-wrapped label that keeps room for two lines and claims no height-for-width.

    A layout with a height-for-width item makes a resizable QScrollArea size its page to the
    preferred height, so a view in a short dock would scroll instead of fitting the dock.
    """

    def hasHeightForWidth(self) -> bool:
        return False

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        return QSize(hint.width(), max(hint.height(), 2 * self.fontMetrics().height()))


class ResponseMap(QWidget):
    """The gain over -0.5..0.5 cycles per pixel in x and y as colours, with a colour bar.

    Linear: white for 0 up to red at the largest gain. dB: white at 0 dB (unchanged), red
    for amplified, blue for attenuated frequencies. Hovering shows the frequency and gain.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("responseMap")
        self._response: FrequencyResponse | None = None
        self._db = False
        self._image: QImage | None = None
        self._limit = 1.0
        self.setMinimumSize(120, 100)
        self.setMouseTracking(True)

    def sizeHint(self) -> QSize:
        return QSize(240, 200)

    def set_response(self, response: FrequencyResponse | None, *, db: bool = False) -> None:
        self._response, self._db = response, bool(db)
        if response is None:
            self._image = None
        else:
            m = response.magnitude
            if self._db:
                values = to_db(m)
                self._limit = max(float(np.max(np.abs(values))), 1.0)
            else:
                values = m
                self._limit = float(m.max()) if m.max() > 0 else 1.0
            # Rows are fy from -0.5 (top) to +0.5 (bottom), as y grows downwards on images.
            rgb = np.ascontiguousarray(diverging_rgb(values, self._limit))
            h, w = values.shape
            self._image = QImage(rgb.data, w, h, 3 * w, QImage.Format_RGB888).copy()
        self.update()

    def limit(self) -> float:
        """The gain (or dB) at the end of the colour bar."""
        return self._limit

    def image(self) -> QImage | None:
        return self._image

    def _unit(self) -> str:
        return " dB" if self._db else ""

    def map_rect(self) -> QRectF:
        fm = QFontMetricsF(self.font())
        bar = colour_bar_width(fm, self._limit, unit=self._unit()) + 10
        left = fm.horizontalAdvance("\u22120.5") + fm.height() + 8
        bottom = 2 * fm.height() + 6
        side = max(min(self.width() - left - bar - 4, self.height() - bottom - 6), 10.0)
        return QRectF(left, 4, side, side)

    def frequency_at(self, pos: QPointF) -> tuple[float, float] | None:
        """(fx, fy) under a widget point, or None outside the map."""
        rect = self.map_rect()
        if self._response is None or not rect.contains(pos):
            return None
        fx = (pos.x() - rect.left()) / rect.width() - 0.5
        fy = (pos.y() - rect.top()) / rect.height() - 0.5
        return fx, fy

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.ToolTip:
            hit = self.frequency_at(QPointF(event.pos()))
            if hit is None:
                QToolTip.hideText()
            else:
                fx, fy = hit
                f = self._response.frequencies
                i = int(np.argmin(np.abs(f - fy)))
                j = int(np.argmin(np.abs(f - fx)))
                gain = float(self._response.magnitude[i, j])
                db = float(to_db(gain))
                QToolTip.showText(
                    event.globalPos(),
                    f"fx {f[j]:+.3f}, fy {f[i]:+.3f} cycles/pixel: gain {gain:.4g} ({db:.1f} dB)",
                    self,
                )
            return True
        return super().event(event)

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), self.palette().window())
        if self._image is None:
            p.setPen(self.palette().placeholderText().color())
            p.drawText(QRectF(self.rect()), Qt.AlignCenter, "No kernel")
            return
        fm = QFontMetricsF(self.font())
        rect = self.map_rect()
        p.setRenderHint(QPainter.SmoothPixmapTransform, True)
        p.drawImage(rect, self._image)
        p.setPen(QPen(AXIS_COLOUR, 1))
        p.drawRect(rect)
        text = self.palette().text().color()
        p.setPen(text)
        for value in (-0.5, 0.0, 0.5):
            label = f"{value:g}".replace("-", "\u2212")
            x = rect.left() + (value + 0.5) * rect.width()
            y = rect.top() + (value + 0.5) * rect.height()
            p.drawLine(QPointF(x, rect.bottom()), QPointF(x, rect.bottom() + 3))
            p.drawText(QRectF(x - 30, rect.bottom() + 3, 60, fm.height()), Qt.AlignCenter, label)
            p.drawLine(QPointF(rect.left() - 3, y), QPointF(rect.left(), y))
            p.drawText(
                QRectF(0, y - fm.height() / 2, rect.left() - 5, fm.height()),
                Qt.AlignRight | Qt.AlignVCenter,
                label,
            )
        title = "fx (cycles per pixel)"
        half = fm.horizontalAdvance(title) / 2 + 2
        p.drawText(
            QRectF(
                rect.center().x() - half, rect.bottom() + fm.height() + 3, 2 * half, fm.height()
            ),
            Qt.AlignCenter,
            title,
        )
        p.save()
        p.translate(2, rect.center().y())
        p.rotate(-90)
        p.drawText(QRectF(-rect.height() / 2, 0, rect.height(), fm.height()), Qt.AlignCenter, "fy")
        p.restore()
        bar = QRectF(
            rect.right() + 8,
            rect.top(),
            colour_bar_width(fm, self._limit, unit=self._unit()),
            rect.height(),
        )
        paint_colour_bar(p, bar, self._limit, positive_only=not self._db, unit=self._unit())


class FrequencyView(QWidget):
    """What a kernel does to fine and coarse detail: map, cuts, gain at 0 and words.

    Call :meth:`set_kernel` on every edit; the linear/dB choice applies to map and plot.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("frequencyView")
        self._kernel: Kernel | None = None
        self._response: FrequencyResponse | None = None

        self.scale_combo = QComboBox(self)
        self.scale_combo.setObjectName("responseScale")
        self.scale_combo.addItem("Linear gain", False)
        self.scale_combo.addItem("Decibels", True)
        self.scale_combo.setToolTip("Gain as a factor, or in dB (20 log10 gain)")
        self.gain_label = QLabel(self)
        self.gain_label.setObjectName("gainAtZero")
        self.words_label = WrappedLabel(self)
        self.words_label.setObjectName("responseWords")
        self.words_label.setWordWrap(True)
        font = self.words_label.font()
        font.setBold(True)
        self.words_label.setFont(font)
        self.map = ResponseMap(self)
        self.plot = LinePlot(self, x_label="cycles per pixel", y_label="gain")
        self.plot.setObjectName("responseCuts")

        top = QHBoxLayout()
        top.addWidget(self.gain_label, 1)
        top.addWidget(self.scale_combo)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.words_label)
        layout.addWidget(self.map, 1)
        layout.addWidget(self.plot, 1)
        self.scale_combo.currentIndexChanged.connect(lambda _: self._show())

    def sizeHint(self) -> QSize:
        return QSize(320, 460)

    def response(self) -> FrequencyResponse | None:
        return self._response

    def decibels(self) -> bool:
        return bool(self.scale_combo.currentData())

    def set_decibels(self, on: bool) -> None:
        self.scale_combo.setCurrentIndex(1 if on else 0)

    def set_kernel(self, kernel: Kernel | None) -> None:
        """Show ``kernel``'s response (None clears the view)."""
        if kernel is not None and self._kernel is not None and _same_weights(kernel, self._kernel):
            return
        self._kernel = kernel
        self._response = None if kernel is None else frequency_response(kernel)
        self._show()

    def _show(self) -> None:
        r = self._response
        db = self.decibels()
        self.map.set_response(r, db=db)
        if r is None:
            self.gain_label.setText("")
            self.words_label.setText("")
            self.plot.set_series([])
            return
        g0 = r.gain_at_zero
        if abs(g0 - 1) < 5e-4:
            effect = "keeps brightness"
        elif abs(g0) < 5e-4:
            effect = "flat areas become the offset"
        elif g0 < 0:
            effect = "inverts brightness"
        else:
            effect = f"{'brightens' if g0 > 1 else 'darkens'} by {abs(g0):.3g}x"
        self.gain_label.setText(f"Gain at 0: {g0:.4g} ({effect})")
        k = self._kernel
        notes = []
        if k is not None and k.is_color:
            notes.append("gray input")
        if k is not None and k.luminance:
            notes.append("on the luma only")
        if k is not None and k.space == "linear":
            notes.append("in linear light")
        self.words_label.setText(r.words + (f" ({', '.join(notes)})" if notes else ""))
        series = []
        for label, name, rgb, dashed in _CUTS:
            y = getattr(r, name)
            diagonal = name in ("cut_diagonal", "cut_antidiagonal")
            x = r.diagonal_frequencies if diagonal else r.cut_frequencies
            series.append(Series(label, x, to_db(y) if db else y, rgb, dashed))
        self.plot.set_labels("cycles per pixel", "gain (dB)" if db else "gain")
        y_range = None
        if db:  # whole tens of dB around the data, 0 dB (unchanged) always in view
            low = float(to_db(r.magnitude).min())
            high = float(to_db(max(float(r.magnitude.max()), 1e-12)))
            y_range = (min(math.floor(low / 10) * 10, -10.0), max(math.ceil(high / 10) * 10, 10.0))
        self.plot.set_series(series, x_range=(0.0, 0.5 * math.sqrt(2.0)), y_range=y_range)


def _same_weights(a: Kernel, b: Kernel) -> bool:
    return (
        a.weights.shape == b.weights.shape
        and bool(np.array_equal(a.weights, b.weights))
        and a.divisor == b.divisor
        and (a.space, a.luminance) == (b.space, b.luminance)  # they change the words
    )
