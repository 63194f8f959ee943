"""What the learn dialog shows once a kernel is learned, and what it lets the user keep.

The learned kernel as a shaded grid with its numbers, the fit report in plain words, the
residual (what the kernel could not reproduce), and the before, after and reproduced images
side by side, either whole or as a detail at actual pixels.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt, Signal, Slot
from PySide6.QtGui import QFontMetricsF, QImage, QPainter
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from workbench.engine import FitResult
from workbench.engine.learn.report import psnr_text
from workbench.engine.learn.simple import round_weights
from workbench.gui.editor.frequency_view import FrequencyView
from workbench.gui.learn.pairs import thumbnail
from workbench.gui.learn.plots import KernelHeatMap, ResidualView
from workbench.gui.plots.colour_scale import format_number
from workbench.gui.viewer.display import to_display

__all__ = ["LearnOutcome", "LearnResultView", "report_html"]

_COMPARE_SIZE = QSize(480, 360)  # thumbnails made at least this big, then fitted
# Below this many levels the residual is 8-bit rounding: keep that pale, not loud.
_MIN_RESIDUAL_LIMIT = 2.0
_DETAIL_SIDE = 96  # pixels of the image shown in the detail view, enlarged to fit
#: Before, after, reproduced and the residual are never narrower than this: large enough
#: to compare by eye (the comparison scrolls sideways in a small dialog instead).
MIN_COMPARE_WIDTH = 320
_MIN_COMPARE_HEIGHT = 270  # a 4:3 image 320 wide (240 high), with its caption


@dataclass(frozen=True)
class LearnOutcome:
    """A finished fit and the first pair's images, with the kernel applied to its before."""

    result: FitResult
    before: np.ndarray
    after: np.ndarray
    reproduced: np.ndarray


def _percent(fraction: float) -> str:
    return f"{100 * fraction:.1f} %"


def report_html(result: FitResult) -> str:
    """The fit report as a small HTML table plus the findings as a list."""
    report = result.report
    rows = [
        ("PSNR", psnr_text(report.psnr)),
        ("R\u00b2", f"{report.r_squared:.5f}"),
        ("RMSE", f"{report.rmse:.3g} levels (0..255 scale)"),
    ]
    total_excluded = sum(report.excluded.values())
    used = f"{_percent(report.used_fraction)}"
    if total_excluded:
        total = total_excluded / max(1e-12, 1.0 - report.used_fraction)
        parts = [
            f"{html.escape(reason)} {_percent(count / total)}"
            for reason, count in report.excluded.items()
            if count
        ]
        used += f"<br><small>left out: {', '.join(parts)}</small>"
    rows.append(("Pixels used", used))
    if len(report.size_errors) > 1:
        tried = ", ".join(
            f"<b>{k}</b>: {e:.3g}" if k == report.size else f"{k}: {e:.3g}"
            for k, e in sorted(report.size_errors.items())
        )
        rows.append(("Sizes tried", f"<small>held-out RMSE {tried}</small>"))
    size = f"{result.kernel.shape[0]} \u00d7 {result.kernel.shape[1]}"
    rows.append(("Kernel", f"{size}, {html.escape(report.mode)} mode"))
    rows.append(("Solver", f"{html.escape(report.solver)}, {report.seconds:.2f} s"))
    if report.space_note:
        rows.append(("Space", html.escape(report.space_note)))
    table = "".join(
        f"<tr><td style='padding-right:10px'><b>{name}</b></td><td>{value}</td></tr>"
        for name, value in rows
    )
    findings = "".join(f"<li>{html.escape(text)}</li>" for text in report.findings)
    out = f"<table cellspacing='2'>{table}</table>"
    if findings:
        out += "<p style='margin-bottom:0'><b>Findings</b></p>"
        out += f"<ul style='margin-top:2px'>{findings}</ul>"
    return out


def _detail(pixels: np.ndarray) -> np.ndarray:
    h, w = pixels.shape[:2]
    side = min(_DETAIL_SIDE, h, w)
    top, left = (h - side) // 2, (w - side) // 2
    return np.ascontiguousarray(pixels[top : top + side, left : left + side])


class ImagePane(QWidget):
    """An image fitted to the widget with its aspect kept, and a caption under it."""

    def __init__(self, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image: QImage | None = None
        self._smooth = True
        self._caption = caption
        self.setMinimumSize(MIN_COMPARE_WIDTH, _MIN_COMPARE_HEIGHT)

    def set_image(self, image: QImage | None, *, smooth: bool = True) -> None:
        self._image = image
        self._smooth = smooth
        self.update()

    def image(self) -> QImage | None:
        return self._image

    def image_rect(self) -> QRectF:
        """Where the image is drawn (its aspect kept), above the caption."""
        fm = QFontMetricsF(self.font())
        area = QRectF(0, 0, self.width(), self.height() - fm.height() - 4)
        if self._image is None or area.height() <= 4:
            return QRectF()
        scale = min(area.width() / self._image.width(), area.height() / self._image.height())
        w, h = self._image.width() * scale, self._image.height() * scale
        return QRectF((area.width() - w) / 2, (area.height() - h) / 2, w, h)

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        fm = QFontMetricsF(self.font())
        target = self.image_rect()
        if not target.isEmpty():
            # Smooth when shrinking, crisp pixels when a detail is enlarged.
            p.setRenderHint(QPainter.SmoothPixmapTransform, self._smooth)
            p.drawImage(target, self._image)
            p.setPen(self.palette().mid().color())
            p.drawRect(target)
        p.setPen(self.palette().text().color())
        p.drawText(
            QRectF(0, self.height() - fm.height() - 2, self.width(), fm.height()),
            Qt.AlignCenter,
            self._caption,
        )


class LearnResultView(QWidget):
    """The result of one fit; the buttons only ask, the dialog does the work."""

    open_requested = Signal()
    add_requested = Signal()
    export_requested = Signal()
    #: Round the weights to simple values (n/d), stating the change.
    round_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("learnResult")
        self.outcome: LearnOutcome | None = None
        self._residual_limit = 1.0

        self.title = QLabel(wordWrap=True)  # a long title wraps, not widens the dialog
        self.title.setStyleSheet("font-weight: bold;")
        self.stale_banner = QLabel(
            "Out of date: the pairs changed since this kernel was learned. "
            "Press Learn to learn from them."
        )
        self.stale_banner.setObjectName("staleBanner")
        self.stale_banner.setWordWrap(True)
        self.stale_banner.setStyleSheet(
            "background: #fff3cd; color: #664d03; border: 1px solid #e0c060; padding: 4px;"
        )
        self.stale_banner.hide()
        self._stale = False
        self.heat_map = KernelHeatMap()
        self.report = QLabel(wordWrap=True, textFormat=Qt.RichText)
        self.report.setObjectName("learnReport")
        self.report.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        self.report.setTextInteractionFlags(Qt.TextSelectableByMouse)
        # In a scroll area the text wraps to the width there is, and a long report scrolls
        # instead of running past the box's edge when the dialog is small.
        report_scroll = QScrollArea()
        report_scroll.setWidget(self.report)
        report_scroll.setWidgetResizable(True)
        report_scroll.setFrameShape(QFrame.Shape.NoFrame)
        report_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        report_scroll.setMinimumWidth(280)
        # On the box's own colour, as a label without a scroll area would be.
        report_scroll.viewport().setAutoFillBackground(False)
        self.report.setAutoFillBackground(False)

        self.compare_mode = QComboBox()
        self.compare_mode.addItems(["Whole image", "Detail at the centre (actual pixels)"])
        self.compare_mode.currentIndexChanged.connect(self._show_comparison)
        self._compare = {name: ImagePane(name) for name in ("Before", "After", "Reproduced")}
        self.residual = ResidualView(caption="Residual (amplified)")
        self.residual.setMinimumSize(MIN_COMPARE_WIDTH + 90, _MIN_COMPARE_HEIGHT)  # + its bar
        self.residual.setWhatsThis(
            "after \u2212 reproduced, amplified: red where the after image is brighter than "
            "the kernel makes it, blue where darker. Structure here is what one linear "
            "kernel could not capture. Grey pixels were left out of the fit (border margin, "
            "clipped, transparent): they are not errors."
        )

        self.open_button = QPushButton("Open in editor")
        self.open_button.setToolTip("Put the learned kernel in the kernel editor to try or tweak")
        self.add_button = QPushButton("Add to library\u2026")
        self.add_button.setObjectName("addToLibrary")
        self.export_button = QPushButton("Export\u2026")
        self.export_button.setToolTip(
            "Save as a kernel file (JSON, ImageJ text, Photoshop .acf, GIMP preset)"
        )
        self.round_button = QPushButton("Round\u2026")
        self.round_button.setObjectName("roundButton")
        self.round_button.setToolTip(
            "Round the weights to simple fractions (n/d, smallest d within 1 % of the largest "
            "weight) and show what that changes"
        )
        self.round_button.clicked.connect(self.round_requested)
        for button in (self.open_button, self.add_button, self.export_button, self.round_button):
            button.setAutoDefault(False)  # Enter in the dialog means Learn
        self.open_button.clicked.connect(self.open_requested)
        self.add_button.clicked.connect(self.add_requested)
        self.export_button.clicked.connect(self.export_requested)

        kernel_box = QGroupBox("Learned kernel")
        kernel_layout = QVBoxLayout(kernel_box)
        kernel_layout.addWidget(self.title)
        # The weights, and what they do to fine and coarse detail (as in the kernel editor).
        self.frequency = FrequencyView()
        self.kernel_tabs = QTabWidget()
        self.kernel_tabs.addTab(self.heat_map, "Weights")
        frequency_scroll = QScrollArea()
        frequency_scroll.setWidget(self.frequency)
        frequency_scroll.setWidgetResizable(True)
        frequency_scroll.setFrameShape(QFrame.Shape.NoFrame)
        frequency_scroll.setMinimumHeight(40)  # scrolls rather than grow the dialog
        self.kernel_tabs.addTab(frequency_scroll, "Frequency response")
        kernel_layout.addWidget(self.kernel_tabs, 1)
        report_box = QGroupBox("Fit report")
        report_layout = QVBoxLayout(report_box)
        report_layout.addWidget(report_scroll, 1)

        compare_box = QGroupBox("First pair: before, after, reproduced with the kernel, residual")
        strip = QWidget()
        panes = QHBoxLayout(strip)
        panes.setContentsMargins(0, 0, 0, 0)
        for pane in self._compare.values():
            panes.addWidget(pane, 1)
        panes.addWidget(self.residual, 1)
        # In a narrow dialog the images keep their size and the strip scrolls sideways.
        compare_scroll = QScrollArea()
        compare_scroll.setObjectName("compareScroll")
        compare_scroll.setWidget(strip)
        compare_scroll.setWidgetResizable(True)
        compare_scroll.setFrameShape(QFrame.Shape.NoFrame)
        compare_scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # Room for the panes and the sideways scroll bar under them.
        compare_scroll.setMinimumHeight(_MIN_COMPARE_HEIGHT + 30)
        compare_layout = QVBoxLayout(compare_box)
        compare_layout.addWidget(self.compare_mode, 0, Qt.AlignLeft)
        compare_layout.addWidget(compare_scroll, 1)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (self.round_button, self.open_button, self.export_button, self.add_button):
            buttons.addWidget(button)

        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.stale_banner, 0, 0, 1, 2)
        grid.addWidget(kernel_box, 1, 0)
        grid.addWidget(report_box, 1, 1)
        grid.addWidget(compare_box, 2, 0, 1, 2)
        grid.addLayout(buttons, 3, 0, 1, 2)
        grid.setRowStretch(1, 5)
        grid.setRowStretch(2, 4)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        self.show_outcome(None)

    def set_stale(self, stale: bool) -> None:
        """Mark the result shown as learned from pairs that have changed since (or not)."""
        self._stale = bool(stale) and self.outcome is not None
        self.stale_banner.setVisible(self._stale)

    def is_stale(self) -> bool:
        return self._stale

    def show_outcome(self, outcome: LearnOutcome | None) -> None:
        self.outcome = outcome
        self.set_stale(False)
        for button in (self.open_button, self.add_button, self.export_button):
            button.setEnabled(outcome is not None)
        denominator = None
        if outcome is not None:
            simple = round_weights(outcome.result.kernel.weights, 0.0)
            denominator = None if simple is None else simple.denominator
        self.round_button.setEnabled(outcome is not None and denominator is None)
        if outcome is None:
            self.title.setText("No kernel learned yet")
            self.heat_map.set_weights(None)
            self.frequency.set_kernel(None)
            self.report.setText("Choose a pair and press Learn.")
            self.residual.set_residual(None)
            for pane in self._compare.values():
                pane.set_image(None)
            return
        kernel = outcome.result.kernel
        offsets = kernel.offset if isinstance(kernel.offset, tuple) else (kernel.offset,)
        offset_text = ", ".join(format_number(o, 2) for o in offsets)
        exact = ""
        if denominator == 1:
            exact = " \u2014 whole numbers"
        elif denominator is not None and denominator <= 65536:
            exact = f" \u2014 exactly n/{denominator}"
        self.title.setText(
            f"{html.escape(kernel.name)}: sum {format_number(kernel.total, 3)}, "
            f"offset {offset_text}{exact}"
        )
        self.heat_map.set_weights(kernel.weights)
        self.frequency.set_kernel(kernel)
        self.report.setText(report_html(outcome.result))
        # The scale follows the fit's own error, so the picture shows where it is worse than
        # usual; pixels left out of the fit (clipped, border) simply saturate.
        self._residual_limit = max(4.0 * outcome.result.report.rmse, _MIN_RESIDUAL_LIMIT)
        self._show_comparison()

    def residual_limit(self) -> float:
        return self._residual_limit

    @Slot()
    def _show_comparison(self) -> None:
        if self.outcome is None:
            return
        detail = self.compare_mode.currentIndex() == 1
        images = {
            "Before": self.outcome.before,
            "After": self.outcome.after,
            "Reproduced": self.outcome.reproduced,
        }
        for name, pixels in images.items():
            if detail:
                image = to_display(_detail(pixels)).image.copy()
            else:
                image = thumbnail(pixels, _COMPARE_SIZE)
            self._compare[name].set_image(image, smooth=not detail)
        residual = self.outcome.result.report.residual
        left_out = self.outcome.result.report.left_out
        if detail:
            residual = _detail(residual)
            left_out = None if left_out is None else _detail(left_out)
        self.residual.set_residual(residual, limit=self._residual_limit, left_out=left_out)

    def comparison_image(self, name: str) -> QImage | None:
        return self._compare[name].image()
