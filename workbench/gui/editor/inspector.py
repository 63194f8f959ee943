"""The pixel inspector: the neighbourhood under the cursor, times the weights, summed.

It shows what the engine computes at one pixel (:func:`workbench.engine.inspect.inspect_pixel`,
one dot product, so it follows the mouse on the GUI thread even for a 63 x 63 kernel): the
neighbourhood with the taps beyond the image edge hatched, the weights, the products, their
sum, ``/ divisor + offset``, the rounding or clipping, and the value, beside the value the
filtered image (the finished preview) has there.

The window feeds it: :meth:`PixelInspector.set_image` with the image being filtered and the
filtered one, :meth:`hover` as the cursor moves over the image and :meth:`pin` on a click.
While pinned, the arrow keys move it and Escape lets it follow the cursor again.
"""

from __future__ import annotations

import html
import math

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QFontDatabase, QKeyEvent
from PySide6.QtWidgets import QComboBox, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from workbench.engine.inspect import PixelInspection, inspect_pixel
from workbench.gui.model.filter_settings import FilterSettings
from workbench.gui.plots.heat_map import KernelHeatMap

__all__ = ["LARGE_KERNEL", "PixelInspector", "format_value"]

#: Kernels with more taps than this along a side show no weights map (the grid above has
#: them) and their numbers only on hover.
LARGE_KERNEL = 9

_ARROWS = {
    Qt.Key.Key_Left: (-1, 0),
    Qt.Key.Key_Right: (1, 0),
    Qt.Key.Key_Up: (0, -1),
    Qt.Key.Key_Down: (0, 1),
}


def format_value(value: float, dtype: np.dtype) -> str:
    """A pixel value as the image stores it: whole numbers for 8/16-bit, 4 places for float."""
    if np.dtype(dtype).kind == "u" and float(value).is_integer():
        return f"{int(value)}"
    if np.dtype(dtype).kind == "u":
        return f"{value:.6g}"
    return f"{value:.4f}"


def _number(value: float) -> str:
    """A sum or product: up to 8 significant digits, real minus sign."""
    text = f"{value:.8g}"
    return text.replace("-", "\u2212")


def _channel_names(n: int) -> list[str]:
    return {1: ["Gray"], 2: ["Gray", "Alpha"], 3: list("RGB"), 4: list("RGBA")}[n]


class PixelInspector(QWidget):
    """The inspector panel of the kernel editor; see the module docstring."""

    #: The inspected pixel changed: (x, y), or (-1, -1) when none.
    pixelChanged = Signal(int, int)
    #: Pinned (True) or following the cursor (False).
    pinnedChanged = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pixelInspector")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._pixels: np.ndarray | None = None
        self._filtered: np.ndarray | None = None
        self._settings: FilterSettings | None = None
        self._xy: tuple[int, int] | None = None
        self._pinned = False
        self._inspection: PixelInspection | None = None
        self._rows: list[tuple[str, str]] = []
        self._source = "preview"
        # The last Apply: (image it was applied to, result, settings), shown while the
        # editor holds the same filter.
        self._applied: tuple[np.ndarray, np.ndarray, FilterSettings] | None = None

        self.where_label = QLabel(self)
        self.where_label.setObjectName("inspectorPixel")
        self.mode_label = QLabel(self)
        self.mode_label.setObjectName("inspectorMode")
        self.mode_label.setStyleSheet("color: palette(mid);")
        self.channel_combo = QComboBox(self)
        self.channel_combo.setObjectName("inspectorChannel")
        self.channel_combo.setToolTip("The channel whose numbers are shown")
        self.channel_combo.addItem("Gray")

        self.values_map = self._heat_map("inspectorNeighbourhood")
        self.weights_map = self._heat_map("inspectorWeights")
        self.products_map = self._heat_map("inspectorProducts")
        self.values_map.set_tooltip(self._value_tip)
        self.products_map.set_tooltip(self._product_tip)
        self.weights_map.set_tooltip(self._weight_tip)
        self.values_caption = QLabel("Neighbourhood", self)
        self.weights_caption = QLabel("\u00d7 weights", self)
        self.products_caption = QLabel("= products", self)

        self.steps_label = QLabel(self)
        self.steps_label.setObjectName("inspectorSteps")
        self.steps_label.setTextFormat(Qt.TextFormat.RichText)
        self.steps_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.steps_label.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.steps_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)

        header = QHBoxLayout()
        header.addWidget(self.where_label, 1)
        header.addWidget(self.mode_label)
        header.addWidget(self.channel_combo)
        # The blog's picture: neighbourhood x weights = products, then the arithmetic.
        maps = QGridLayout()
        maps.setSpacing(4)
        for column, (caption, heat) in enumerate(
            (
                (self.values_caption, self.values_map),
                (self.weights_caption, self.weights_map),
                (self.products_caption, self.products_map),
            )
        ):
            maps.addWidget(caption, 0, column)
            maps.addWidget(heat, 1, column)
            maps.setColumnStretch(column, 1)
        maps.addWidget(self.steps_label, 2, 0, 1, 3)
        maps.setRowStretch(3, 1)  # spare height goes below, not into the maps
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(header)
        layout.addLayout(maps, 1)
        self.channel_combo.currentIndexChanged.connect(lambda _: self._update())
        self._update()

    def _heat_map(self, name: str) -> KernelHeatMap:
        heat = KernelHeatMap(self)
        heat.setObjectName(name)
        heat.setMinimumSize(90, 70)
        heat.set_colour_bar(False)
        heat.setMaximumHeight(170)
        return heat

    def sizeHint(self) -> QSize:
        return QSize(340, 360)

    # -- inputs --------------------------------------------------------------------------
    def set_settings(self, settings: FilterSettings | None) -> None:
        """The kernel and options being edited (every edit)."""
        self._settings = settings
        self._update()

    def set_image(self, pixels: np.ndarray | None, filtered: np.ndarray | None = None) -> None:
        """The image being filtered, and the filtered image when there is one."""
        old_n = None if self._pixels is None else _channels(self._pixels)
        self._pixels = pixels
        self._filtered = filtered if _same_shape(filtered, pixels) else None
        if pixels is None:
            self._xy = None
            self._pinned = False
        else:
            n = _channels(pixels)
            if n != old_n:
                self.channel_combo.blockSignals(True)
                self.channel_combo.clear()
                self.channel_combo.addItems(_channel_names(n))
                self.channel_combo.blockSignals(False)
            if self._xy is not None:
                h, w = pixels.shape[:2]
                x, y = self._xy
                self._xy = (min(x, w - 1), min(y, h - 1))
        self._update()

    def set_applied(
        self,
        before: np.ndarray | None,
        after: np.ndarray | None,
        settings: FilterSettings | None,
    ) -> None:
        """The document's last step applied ``settings`` to ``before``, giving ``after``.

        While the editor holds that filter, the inspector works out the pixel from
        ``before`` and shows ``after``'s value beside it; None forgets it.
        """
        ok = before is not None and settings is not None and _same_shape(before, after)
        self._applied = (before, after, settings) if ok else None
        self._update()

    def settings(self) -> FilterSettings | None:
        return self._settings

    def _sources(self) -> tuple[np.ndarray | None, np.ndarray | None, str]:
        """The image the kernel is applied to, the filtered one, and what that one is."""
        applied = self._applied
        if (
            applied is not None
            and self._settings is not None
            and applied[1] is self._pixels
            and applied[2].same_filter(self._settings)
        ):
            return applied[0], applied[1], "applied"
        return self._pixels, self._filtered, "preview"

    def set_filtered(self, filtered: np.ndarray | None) -> None:
        """The filtered image (a finished preview), or None when there is none."""
        self._filtered = filtered if _same_shape(filtered, self._pixels) else None
        self._update()

    def hover(self, x: int, y: int) -> None:
        """The cursor is over image pixel (x, y); (-1, -1) when it left the image."""
        if self._pinned or x < 0 or y < 0:
            return  # off the image: keep showing the last pixel
        self._move_to(x, y)

    def pin(self, x: int, y: int) -> None:
        """Stay on (x, y) whatever the cursor does; arrow keys move it."""
        self._pinned = True
        self._move_to(x, y)
        self.pinnedChanged.emit(True)

    def unpin(self) -> None:
        if self._pinned:
            self._pinned = False
            self._update()
            self.pinnedChanged.emit(False)

    def set_channel(self, index: int) -> None:
        self.channel_combo.setCurrentIndex(index)

    # -- what it shows -------------------------------------------------------------------
    def is_pinned(self) -> bool:
        return self._pinned

    def position(self) -> tuple[int, int] | None:
        return self._xy

    def inspection(self) -> PixelInspection | None:
        """The numbers on show (None when there is no image, kernel or pixel)."""
        return self._inspection

    def filtered_value(self) -> float | None:
        """The filtered image's value at the pixel and channel on show, if there is one."""
        filtered = self._sources()[1]
        if filtered is None or self._inspection is None:
            return None
        i = self._inspection
        planes = filtered.reshape(*filtered.shape[:2], -1)
        return float(planes[i.y, i.x, i.channel])

    def steps_text(self) -> str:
        """The arithmetic as plain text, one step a line (what the steps label shows)."""
        return "\n".join(f"{a} {b}" for a, b in self._rows)

    # -- work ----------------------------------------------------------------------------
    def _move_to(self, x: int, y: int) -> None:
        if self._pixels is None:
            return
        h, w = self._pixels.shape[:2]
        xy = (min(max(int(x), 0), w - 1), min(max(int(y), 0), h - 1))
        if xy != self._xy:
            self._xy = xy
            self._update()
            self.pixelChanged.emit(*xy)
        else:
            self._update_mode()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        step = _ARROWS.get(event.key())
        if step is not None and self._xy is not None:
            if not self._pinned:
                self.pin(*self._xy)
            x, y = self._xy
            self._move_to(x + step[0], y + step[1])
            event.accept()
            return
        if event.key() == Qt.Key.Key_Escape and self._pinned:
            self.unpin()
            event.accept()
            return
        super().keyPressEvent(event)

    def _update_mode(self) -> None:
        if self._pixels is None:
            text, tip = "", "Open an image to inspect its pixels"
        elif self._pinned:
            text, tip = "pinned", "Pinned: the arrow keys move it, Esc lets it follow the cursor"
        else:
            text, tip = "follows the cursor", "Click a pixel of the image to pin the inspector"
        self.mode_label.setText(text)
        self.mode_label.setToolTip(tip)
        self.where_label.setToolTip(tip)

    def _update(self) -> None:
        self._update_mode()
        self._inspection = None
        settings, xy = self._settings, self._xy
        pixels, _, self._source = self._sources()
        if settings is None or pixels is None or xy is None:
            self.where_label.setText("No pixel" if pixels is None else "Point at the image")
            for heat in (self.values_map, self.weights_map, self.products_map):
                heat.set_weights(None)
                heat.set_marked(None)
            self._rows = []
            self.steps_label.setText("")
            return
        channel = max(self.channel_combo.currentIndex(), 0)
        try:
            inspection = inspect_pixel(
                pixels,
                settings.kernel,
                xy[0],
                xy[1],
                channel=channel,
                channels=_letters_for(settings, pixels),
                alpha_weighting=settings.alpha_weighting,
            )
        except ValueError as exc:  # a colour kernel that does not fit this image
            self.where_label.setText(f"Pixel ({xy[0]}, {xy[1]})")
            self._rows = [("cannot inspect:", str(exc))]
            self.steps_label.setText(html.escape(str(exc)))
            return
        self._inspection = inspection
        kh, kw = settings.kernel.shape
        large = max(kh, kw) > LARGE_KERNEL
        self.weights_map.setVisible(not large)
        self.weights_caption.setVisible(not large)
        # Small kernels: the numbers in the cells say it all, the room goes to them. Large
        # ones: colours with a scale, the numbers on hover.
        for heat in (self.values_map, self.products_map):
            heat.set_colour_bar(large)
        self.values_map.set_weights(inspection.values)
        self.values_map.set_marked(inspection.padded)
        self.weights_map.set_weights(inspection.weights)
        self.products_map.set_weights(inspection.products)
        self.products_map.set_marked(inspection.padded)
        border = settings.kernel.border
        edge = f", {int(inspection.padded.sum())} taps beyond the edge ({border})"
        self.where_label.setText(
            f"Pixel ({xy[0]}, {xy[1]}){edge if inspection.padded.any() else ''}"
        )
        self.steps_label.setText(self._steps_html(inspection))

    def _steps_html(self, i: PixelInspection) -> str:
        rows: list[tuple[str, str]] = []
        if not i.filtered:
            rows.append(("channel", "not filtered"))
            rows.append(("value", format_value(i.value, i.dtype)))
        else:
            if i.units:
                rows.append(("in", i.units))
            rows.append(("\u03a3 products", _number(i.total)))
            rows.append((f"\u00f7 {_number(i.divisor)}", _number(i.total / i.divisor)))
            if i.alpha_seen is not None:
                rows.append((f"\u00f7 alpha {i.alpha_seen:.4g}", "(alpha weighting)"))
            if i.luma_change is None:
                rows.append((f"+ {_number(i.offset)}", _number(i.unclipped)))
            else:
                filtered_luma = i.luma_own + i.luma_change
                rows.append((f"+ {_number(i.offset)}", f"{_number(filtered_luma)} (luma)"))
                rows.append(("\u2212 own luma", _number(i.luma_change)))
                rows.append(("+ own value", _number(i.unclipped)))
            shown = "\u2014" if math.isnan(i.value) else format_value(i.value, i.result_dtype)
            rows.append((i.rule, shown))
        filtered = self.filtered_value()
        if filtered is None:
            rows.append(("image", "no preview yet"))
        else:
            exact = i.result_dtype.kind == "u"
            same = "\u2713" if filtered == i.value or not exact else "\u2260"
            if math.isnan(i.value):
                same = ""
            rows.append((self._source, f"{format_value(filtered, i.result_dtype)} {same}"))
        self._rows = rows
        # Two steps a line, left to right then down: the arithmetic reads as one formula
        # and keeps the panel short enough for the dock.
        cells = [
            f"<td>{html.escape(a)}</td><td align='right'>&nbsp;{html.escape(b)}</td>"
            for a, b in rows
        ]
        gap = "<td>&nbsp;&nbsp;&nbsp;</td>"
        body = "".join(
            "<tr>" + gap.join(cells[k : k + 2]) + "</tr>" for k in range(0, len(cells), 2)
        )
        return f"<table cellspacing='0' cellpadding='0'>{body}</table>"

    # -- hover texts ---------------------------------------------------------------------
    def _tap(self, row: int, col: int) -> str:
        i = self._inspection
        if i is None:
            return ""
        x = i.x + col - len(i.cols) // 2
        y = i.y + row - len(i.rows) // 2
        if not i.padded[row, col]:
            return f"x {x}, y {y}"
        if i.rows[row] < 0 or i.cols[col] < 0:
            return f"x {x}, y {y}: beyond the edge, the constant border value"
        return f"x {x}, y {y}: beyond the edge, a copy of x {i.cols[col]}, y {i.rows[row]}"

    def _prefix(self, out: int, inp: int) -> str:
        i = self._inspection
        if i is None or i.values.ndim == 2:
            return ""
        return f"from {_channel_names(i.values.shape[0])[inp]}, "

    def _value_tip(self, out: int, inp: int, row: int, col: int, value: float) -> str:
        dtype = self._inspection.dtype if self._inspection is not None else np.dtype("f4")
        return f"{self._prefix(out, inp)}{self._tap(row, col)}: {format_value(value, dtype)}"

    def _weight_tip(self, out: int, inp: int, row: int, col: int, value: float) -> str:
        return f"{self._prefix(out, inp)}row {row + 1}, column {col + 1}: weight {value:.6g}"

    def _product_tip(self, out: int, inp: int, row: int, col: int, value: float) -> str:
        i = self._inspection
        if i is None:
            return ""
        index = (inp, row, col) if i.values.ndim == 3 else (row, col)
        weight, pixel = i.weights[index], i.values[index]
        alpha = "" if i.alpha is None else f" \u00d7 alpha {i.alpha[row, col]:.3g}"
        return (
            f"{self._prefix(out, inp)}{self._tap(row, col)}: weight {weight:.6g} \u00d7 "
            f"{format_value(pixel, i.dtype)}{alpha} = {_number(value)}"
        )


def _channels(pixels: np.ndarray) -> int:
    return 1 if pixels.ndim == 2 else pixels.shape[2]


def _same_shape(a: np.ndarray | None, b: np.ndarray | None) -> bool:
    return a is not None and b is not None and a.shape == b.shape


def _letters_for(settings: FilterSettings, pixels: np.ndarray) -> str:
    """The channel letters as :meth:`FilterSettings.run` passes them for this image."""
    if _channels(pixels) in (1, 3):
        return settings.channels.replace("A", "")
    return settings.channels
