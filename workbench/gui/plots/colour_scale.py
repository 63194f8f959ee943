"""The diverging colour scale shared by the learn dialog's pictures, and the residual view.

Negative values are blue, zero is white and positive values are red, saturating at
``±limit``. :func:`diverging_rgb` maps arrays through it, :func:`paint_colour_bar` draws its
legend with the range written on it, and :class:`ResidualView` shows an image of errors.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QImage, QLinearGradient, QPainter, QPen
from PySide6.QtWidgets import QWidget

__all__ = [
    "AXIS_COLOUR",
    "LEFT_OUT_LEGEND",
    "LEFT_OUT_RGB",
    "ResidualView",
    "colour_bar_width",
    "decimals_for",
    "diverging_colour",
    "diverging_rgb",
    "format_number",
    "paint_colour_bar",
    "residual_image",
]

# ColorBrewer's RdBu stops, ordered so that positive is red; exactly white at zero.
_STOPS = np.array([-1.0, -0.5, 0.0, 0.5, 1.0])
_STOP_RGB = np.array(
    [[33, 102, 172], [146, 197, 222], [255, 255, 255], [244, 165, 130], [178, 24, 43]],
    dtype=np.float64,
)
# 511 entries so that index 255 is exactly zero (white) and the scale is symmetric.
_LUT = (
    np.stack(
        [np.interp(np.linspace(-1.0, 1.0, 511), _STOPS, _STOP_RGB[:, c]) for c in range(3)], axis=1
    )
    .round()
    .astype(np.uint8)
)
_NAN_RGB = np.array([128, 128, 128], dtype=np.uint8)
AXIS_COLOUR = QColor(90, 90, 90)
# The residual shown is decimated to this many pixels on its long side: the view is never
# larger than a screen, and mapping a 12-megapixel residual on the GUI thread would stall it.
_MAX_RESIDUAL_SIDE = 1600


def diverging_rgb(values: np.ndarray, limit: float) -> np.ndarray:
    """Map ``values`` to uint8 RGB (shape ``values.shape + (3,)``): -limit blue, 0 white,
    +limit red; values beyond ``±limit`` saturate, NaN is grey."""
    v = np.asarray(values, dtype=np.float32)
    limit = float(limit) if limit and math.isfinite(limit) and limit > 0 else 1.0
    t = np.nan_to_num(v, nan=0.0, posinf=limit, neginf=-limit)
    np.multiply(t, 255.0 / limit, out=t)
    np.clip(t, -255.0, 255.0, out=t)
    np.add(t, 255.0, out=t)
    rgb = _LUT[np.rint(t).astype(np.intp)]
    nan = np.isnan(v)
    if nan.any():
        rgb[nan] = _NAN_RGB
    return rgb


def diverging_colour(value: float, limit: float) -> QColor:
    """The colour of one value on the diverging scale."""
    r, g, b = diverging_rgb(np.array([value]), limit)[0]
    return QColor(int(r), int(g), int(b))


def decimals_for(limit: float) -> int:
    """Decimal places that show about three significant digits of numbers up to ``limit``."""
    if not math.isfinite(limit) or limit <= 0:
        return 2
    return int(min(max(2 - math.floor(math.log10(limit)), 0), 4))


def format_number(value: float, decimals: int) -> str:
    """``value`` with ``decimals`` places and a real minus sign; ``-0.00`` becomes ``0.00``."""
    if not math.isfinite(value):
        return "nan" if math.isnan(value) else ("+inf" if value > 0 else "\u2212inf")
    text = f"{value:.{decimals}f}"
    if text.lstrip("-").strip("0.") == "":
        text = text.lstrip("-")
    return text.replace("-", "\u2212")


def colour_bar_width(
    metrics: QFontMetricsF, limit: float, bar: float = 12.0, *, unit: str = ""
) -> float:
    """Width that :func:`paint_colour_bar` needs for ``limit``'s labels."""
    label = "+" + format_number(limit, decimals_for(limit)) + unit
    return bar + 4.0 + metrics.horizontalAdvance(label) + 2.0


def paint_colour_bar(
    painter: QPainter,
    rect: QRectF,
    limit: float,
    bar: float = 12.0,
    *,
    positive_only: bool = False,
    unit: str = "",
) -> None:
    """Draw the diverging scale in ``rect``: a vertical bar, +limit at the top, 0 in the middle
    and -limit at the bottom, with those three numbers beside it.

    ``positive_only`` draws only the upper half, 0 (white) to +limit (red), for values that
    cannot be negative such as gains; ``unit`` follows each number (" dB").
    """
    metrics = QFontMetricsF(painter.font())
    half = metrics.height() / 2
    bar_rect = QRectF(rect.left(), rect.top() + half, bar, max(rect.height() - 2 * half, 1.0))
    gradient = QLinearGradient(bar_rect.topLeft(), bar_rect.bottomLeft())
    for stop, rgb in zip(_STOPS, _STOP_RGB, strict=True):
        if positive_only and stop < 0:
            continue
        where = 1.0 - stop if positive_only else (1.0 - stop) / 2.0
        gradient.setColorAt(where, QColor(*(int(c) for c in rgb)))
    painter.save()
    painter.setPen(QPen(AXIS_COLOUR, 1))
    painter.setBrush(gradient)
    painter.drawRect(bar_rect)
    decimals = decimals_for(limit)
    x = bar_rect.right() + 4
    if positive_only:
        marks = (
            (bar_rect.top(), limit),
            (bar_rect.center().y(), limit / 2),
            (bar_rect.bottom(), 0.0),
        )
    else:
        marks = (
            (bar_rect.top(), limit),
            (bar_rect.center().y(), 0.0),
            (bar_rect.bottom(), -limit),
        )
    for y, value in marks:
        text = format_number(value, decimals)
        if value > 0 and not positive_only:
            text = "+" + text
        text += unit
        painter.drawLine(QPointF(bar_rect.right(), y), QPointF(bar_rect.right() + 2, y))
        painter.drawText(
            QRectF(x, y - half, rect.right() - x + 1, 2 * half),
            Qt.AlignLeft | Qt.AlignVCenter,
            text,
        )
    painter.restore()


def _robust_limit(values: np.ndarray) -> float:
    finite = np.abs(values[np.isfinite(values)])
    if finite.size == 0:
        return 1.0
    # The 99.5th percentile rather than the maximum: a few outliers would otherwise wash
    # out the structure that says what the kernel failed to capture.
    limit = float(np.percentile(finite, 99.5))
    if limit <= 0:
        limit = float(finite.max())
    return limit if limit > 0 else 1.0


#: The colour of pixels the fit left out: neither an error nor a match.
LEFT_OUT_RGB = (128, 128, 128)
LEFT_OUT_LEGEND = "grey: left out of the fit (border margin, clipped or transparent)"


def residual_image(
    residual: np.ndarray, limit: float | None = None, left_out: np.ndarray | None = None
) -> tuple[QImage, float]:
    """Colour a residual (``after - reproduced``) on the diverging scale.

    A colour residual shows, per pixel, the channel that is off the most, with its sign.
    ``limit`` defaults to the 99.5th percentile of the absolute residual, so small errors are
    amplified to visible colours. Pixels marked in ``left_out`` (``H x W`` bool) are grey:
    the fit did not use them, so what they show is no error of the kernel. Returns the image
    and the limit used.
    """
    r = np.asarray(residual, dtype=np.float32)
    if r.ndim == 3:
        pick = np.abs(np.nan_to_num(r)).argmax(axis=2)[..., None]
        r = np.take_along_axis(r, pick, axis=2)[..., 0]
    if r.ndim != 2 or r.size == 0:
        raise ValueError(f"a residual must be H x W or H x W x C, not shape {r.shape}")
    if left_out is not None and left_out.shape == r.shape and left_out.any():
        r = r.copy()
        r[left_out] = np.nan  # grey, and kept out of the amplification
    step = max(1, math.ceil(max(r.shape) / _MAX_RESIDUAL_SIDE))
    r = r[::step, ::step]
    if limit is None:
        limit = _robust_limit(r)
    rgb = np.ascontiguousarray(diverging_rgb(r, limit))
    h, w = r.shape
    image = QImage(rgb.data, w, h, 3 * w, QImage.Format_RGB888).copy()
    return image, float(limit)


class ResidualView(QWidget):
    """The residual image on the diverging scale, fitted to the widget, with a colour bar.

    Values are amplified so that the 99.5th percentile of the error is full colour; the bar
    states the range in the image's own units, so "±1.5" means an error of 1.5 levels.
    """

    def __init__(self, parent: QWidget | None = None, *, caption: str = "") -> None:
        super().__init__(parent)
        self.setObjectName("residualView")
        self._image: QImage | None = None
        self._limit = 1.0
        self._caption = caption
        self._base_caption = caption
        self._any_left_out = False
        self.setMinimumSize(160, 120)

    def sizeHint(self) -> QSize:
        return QSize(320, 240)

    def set_residual(
        self,
        residual: np.ndarray | None,
        *,
        limit: float | None = None,
        left_out: np.ndarray | None = None,
    ) -> None:
        """Show ``residual``; pixels in ``left_out`` grey, and the caption says what grey is."""
        if residual is None:
            self._image = None
            self._any_left_out = False
        else:
            self._image, self._limit = residual_image(residual, limit, left_out)
            self._any_left_out = left_out is not None and bool(left_out.any())
        self._caption = (
            f"{self._base_caption} \u2014 {LEFT_OUT_LEGEND}"
            if self._any_left_out and self._base_caption
            else self._base_caption
        )
        self.setToolTip(self._caption)
        self.update()

    def legend(self) -> str:
        """The caption under the image, with what grey means when some pixels are grey."""
        return self._caption

    def image(self) -> QImage | None:
        return self._image

    def limit(self) -> float:
        return self._limit

    def image_rect(self) -> QRectF:
        """Where the residual is drawn, keeping its aspect ratio."""
        fm = QFontMetricsF(self.font())
        bar = colour_bar_width(fm, self._limit) + 8
        caption = fm.height() + 4 if self._caption else 0.0
        avail = QRectF(2, 2, self.width() - bar - 6, self.height() - 4 - caption)
        if self._image is None or avail.width() <= 0 or avail.height() <= 0:
            return QRectF()
        scale = min(avail.width() / self._image.width(), avail.height() / self._image.height())
        w, h = self._image.width() * scale, self._image.height() * scale
        return QRectF(
            avail.left() + (avail.width() - w) / 2, avail.top() + (avail.height() - h) / 2, w, h
        )

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        fm = QFontMetricsF(self.font())
        if self._caption:
            p.setPen(self.palette().text().color())
            line = QRectF(0, self.height() - fm.height() - 2, self.width(), fm.height())
            text = fm.elidedText(self._caption, Qt.TextElideMode.ElideRight, line.width())
            if self._any_left_out and text != self._caption:
                # Too narrow for the whole legend: a grey swatch and the short form.
                text = f"{self._base_caption}; \u25a0 grey = left out"
            p.drawText(line, Qt.AlignCenter, text)
        if self._image is None:
            p.setPen(self.palette().placeholderText().color())
            p.drawText(QRectF(self.rect()), Qt.AlignCenter, "No residual yet")
            return
        target = self.image_rect()
        # Smooth when shrinking (averages the error), crisp when enlarging (shows pixels).
        p.setRenderHint(QPainter.SmoothPixmapTransform, target.width() < self._image.width())
        p.drawImage(target, self._image)
        p.setPen(QPen(AXIS_COLOUR, 1))
        p.drawRect(target)
        bar_height = max(target.height(), 4 * fm.height())
        bar_rect = QRectF(
            target.right() + 8,
            max(0.0, target.center().y() - bar_height / 2),
            colour_bar_width(fm, self._limit),
            bar_height,
        )
        paint_colour_bar(p, bar_rect, self._limit)
