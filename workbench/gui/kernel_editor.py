"""The kernel editor dock: a grid of weights and the options that say how to apply them.

Every change (a cell, the size, divisor, offset, border, channels...) emits
:attr:`KernelEditor.settingsChanged` at once with a new immutable
:class:`~workbench.gui.filter_settings.FilterSettings`; the live preview coalesces bursts, so
typing is never held up by filtering.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, QTimer, Signal, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QToolButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from workbench.engine import BORDER_MODES, Kernel, KernelError
from workbench.engine.library import KernelFileError, format_kernel_text, parse_kernel_text
from workbench.gui.filter_settings import FilterSettings
from workbench.gui.kernel_grid import KernelGrid
from workbench.gui.kernel_model import KernelTableModel
from workbench.gui.number_spin_box import NumberSpinBox
from workbench.gui.odd_spin_box import OddSpinBox

__all__ = ["KernelEditor"]

_BORDER_LABELS = {
    "reflect": "Reflect (dcba|abcd)",
    "mirror": "Mirror (dcb|abcd)",
    "nearest": "Extend edge (aaa|abcd)",
    "wrap": "Wrap around",
    "constant": "Black (constant 0)",
}


class KernelEditor(QWidget):
    """Grid, size, divisor, offset, normalise, border, channels, alpha weighting."""

    #: A new :class:`FilterSettings` after any edit.
    settingsChanged = Signal(object)
    #: The user asked to apply the kernel to the image.
    applyRequested = Signal()
    #: The live-preview box was ticked or unticked.
    previewToggled = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("kernelEditor")
        self._meta = Kernel([[1.0]], name="Identity", category="Basic")
        self._updating = False
        self._last_good: FilterSettings | None = None

        self.model = KernelTableModel(self)
        self.table = KernelGrid(self.model, self)

        self.name_edit = QLineEdit(self)
        self.name_edit.setObjectName("kernelName")
        self.name_edit.setPlaceholderText("Untitled kernel")
        self.rows_spin = OddSpinBox(self)
        self.rows_spin.setObjectName("rowsSpin")
        self.cols_spin = OddSpinBox(self)
        self.cols_spin.setObjectName("colsSpin")
        self.slice_combo = QComboBox(self)  # colour kernels: which output/input pair
        self.slice_combo.setObjectName("sliceCombo")
        self.slice_combo.setToolTip("A colour kernel mixes channels: pick the pair to edit")

        self.divisor_spin = NumberSpinBox(self)
        self.divisor_spin.setObjectName("divisorSpin")
        self.divisor_spin.setRange(-1e6, 1e6)
        self.divisor_spin.setToolTip("The weighted sum is divided by this (not 0)")
        self.offset_spin = NumberSpinBox(self)
        self.offset_spin.setObjectName("offsetSpin")
        self.offset_spin.setRange(-10000, 10000)
        self.offset_spin.setToolTip("Added after dividing, on the 0..255 scale")
        self.normalise_box = QCheckBox("Normalise", self)
        self.normalise_box.setObjectName("normaliseBox")
        self.normalise_box.setToolTip(
            "Divisor = sum of the weights, as GIMP does (sum 0: offset 128 so edges stay "
            "visible; negative sum: offset 255)"
        )
        self.sum_label = QLabel(self)
        self.sum_label.setObjectName("sumLabel")
        self.border_combo = QComboBox(self)
        self.border_combo.setObjectName("borderCombo")
        for mode in BORDER_MODES:
            self.border_combo.addItem(_BORDER_LABELS.get(mode, mode), mode)
        self.border_combo.setToolTip("How pixels beyond the image edge are made up")

        self.channel_boxes: dict[str, QCheckBox] = {}
        channels_row = QHBoxLayout()
        channels_row.setSpacing(8)
        for letter in "RGBA":
            box = QCheckBox(letter, self)
            box.setObjectName(f"channel{letter}")
            box.setChecked(letter != "A")
            self.channel_boxes[letter] = box
            channels_row.addWidget(box)
        self.channel_boxes["A"].setToolTip("Filter the alpha channel too")
        channels_row.addStretch(1)
        self.alpha_box = QCheckBox("Alpha weighting", self)
        self.alpha_box.setObjectName("alphaWeightingBox")
        self.alpha_box.setChecked(True)
        self.alpha_box.setToolTip("Weight colour by alpha so transparent pixels leave no fringe")

        size_row = QHBoxLayout()
        size_row.addWidget(self.rows_spin)
        size_row.addWidget(QLabel("\u00d7", self))
        size_row.addWidget(self.cols_spin)
        size_row.addStretch(1)
        divisor_row = QHBoxLayout()
        divisor_row.addWidget(self.divisor_spin, 1)
        divisor_row.addWidget(self.normalise_box)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Name", self.name_edit)
        form.addRow("Size (rows \u00d7 columns)", size_row)
        self._slice_label = QLabel("Channels", self)
        form.addRow(self._slice_label, self.slice_combo)
        form.addRow("Divisor", divisor_row)
        form.addRow("Offset", self.offset_spin)
        form.addRow("Border", self.border_combo)
        form.addRow("Filter channels", channels_row)
        form.addRow("", self.alpha_box)

        tools = QHBoxLayout()
        tools.setSpacing(2)
        self._tool_buttons = {}
        for key, text, tip in (
            ("rotate_left", "\u21ba", "Rotate 90\u00b0 counter-clockwise"),
            ("rotate_right", "\u21bb", "Rotate 90\u00b0 clockwise"),
            ("flip_h", "\u21c6", "Flip left-right"),
            ("flip_v", "\u21c5", "Flip top-bottom"),
            ("copy", "Copy", "Copy the weights as text (rows of numbers)"),
            ("paste", "Paste", "Paste rows of numbers or a G'MIC matrix like (0,1,0;1,-4,1;0,1,0)"),
            ("reset", "Reset", "Back to the identity kernel"),
        ):
            button = QToolButton(self)
            button.setText(text)
            button.setToolTip(tip)
            button.setObjectName(f"{key}Button")
            button.setAutoRaise(False)
            tools.addWidget(button)
            self._tool_buttons[key] = button
        tools.addStretch(1)
        tools.addWidget(self.sum_label)

        self.message_label = QLabel(self)
        self.message_label.setObjectName("editorMessage")
        self.message_label.setWordWrap(True)
        self.message_label.setStyleSheet("color: #b3261e;")
        self.message_label.hide()
        self._message_timer = QTimer(self, singleShot=True, interval=6000)
        self._message_timer.timeout.connect(self.message_label.hide)

        self.preview_box = QCheckBox("Live preview", self)
        self.preview_box.setObjectName("previewBox")
        self.preview_box.setChecked(True)
        self.apply_button = QPushButton("Apply", self)
        self.apply_button.setObjectName("applyButton")
        self.apply_button.setToolTip("Apply the kernel to the image (Ctrl+F)")
        self.apply_button.setDefault(True)
        bottom = QHBoxLayout()
        bottom.addWidget(self.preview_box)
        bottom.addStretch(1)
        bottom.addWidget(self.apply_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 8)
        layout.addLayout(form)
        layout.addLayout(tools)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message_label)
        layout.addLayout(bottom)

        self._connect()
        self.set_kernel(identity(3))

    def _connect(self) -> None:
        self.model.weightsEdited.connect(self._on_weights_edited)
        self.model.entryRefused.connect(self._on_entry_refused)
        self.rows_spin.valueChanged.connect(self._on_size_changed)
        self.cols_spin.valueChanged.connect(self._on_size_changed)
        self.slice_combo.currentIndexChanged.connect(self._on_slice_changed)
        self.divisor_spin.valueChanged.connect(self._on_option_changed)
        self.offset_spin.valueChanged.connect(self._on_option_changed)
        self.normalise_box.toggled.connect(self._on_normalise_toggled)
        self.border_combo.currentIndexChanged.connect(self._on_option_changed)
        self.name_edit.textEdited.connect(self._on_option_changed)
        for box in self.channel_boxes.values():
            box.toggled.connect(self._on_option_changed)
        self.alpha_box.toggled.connect(self._on_option_changed)
        b = self._tool_buttons
        b["rotate_left"].clicked.connect(lambda: self._transform(lambda k: k.rotated(1)))
        b["rotate_right"].clicked.connect(lambda: self._transform(lambda k: k.rotated(-1)))
        b["flip_h"].clicked.connect(lambda: self._transform(lambda k: k.flipped(horizontal=True)))
        b["flip_v"].clicked.connect(lambda: self._transform(lambda k: k.flipped(horizontal=False)))
        b["copy"].clicked.connect(self.copy_to_clipboard)
        b["paste"].clicked.connect(self.paste_from_clipboard)
        b["reset"].clicked.connect(lambda: self.set_kernel(identity(3)))
        self.apply_button.clicked.connect(self.applyRequested)
        self.preview_box.toggled.connect(self.previewToggled)
        self.table.copyRequested.connect(self.copy_to_clipboard)
        self.table.pasteRequested.connect(self.paste_from_clipboard)

    # -- public API ----------------------------------------------------------------------
    def kernel(self) -> Kernel:
        """The kernel as the editor shows it (the last valid one if an entry is refused)."""
        return self.settings().kernel

    def settings(self) -> FilterSettings:
        built = self._build()
        if built is not None:
            self._last_good = built
        return self._last_good

    def live_preview(self) -> bool:
        return self.preview_box.isChecked()

    def set_kernel(self, kernel: Kernel) -> None:
        """Show ``kernel`` (its weights, divisor, offset, border and name)."""
        self._updating = True
        try:
            self._meta = kernel
            self.model.set_weights(kernel.weights)
            kh, kw = kernel.shape
            self.rows_spin.setValue(kh)
            self.cols_spin.setValue(kw)
            self._fill_slice_combo(kernel)
            self.normalise_box.setChecked(False)
            self.divisor_spin.setValue(kernel.divisor)
            offset = kernel.offset
            self.offset_spin.setValue(offset if isinstance(offset, float) else 0.0)
            self.offset_spin.setEnabled(isinstance(offset, float))
            index = self.border_combo.findData(kernel.border)
            self.border_combo.setCurrentIndex(max(index, 0))
            self.name_edit.setText(kernel.name)
        finally:
            self._updating = False
        self.table.fit_cells()
        self._changed()

    # -- building the kernel from the widgets ---------------------------------------------
    def _build(self) -> FilterSettings | None:
        weights = self.model.weights()
        # The spin boxes show 4 decimals; values they merely rounded stay exact.
        divisor = _unrounded(self.divisor_spin, self._meta.divisor)
        # A colour kernel may carry one offset per channel: the spin box cannot show those.
        per_channel = not isinstance(self._meta.offset, float)
        offset = (
            self._meta.offset if per_channel else _unrounded(self.offset_spin, self._meta.offset)
        )
        if self.normalise_box.isChecked():
            exact = Kernel(weights).normalized()
            divisor = exact.divisor
            offset = offset if per_channel else exact.offset
        try:
            kernel = self._meta.replace(
                weights=weights,
                divisor=divisor,
                offset=offset,
                border=self.border_combo.currentData(),
                name=self.name_edit.text().strip(),
            )
        except KernelError as exc:
            self._show_message(str(exc))
            return None
        channels = "".join(c for c, box in self.channel_boxes.items() if box.isChecked())
        return FilterSettings(kernel, channels, self.alpha_box.isChecked())

    def _changed(self) -> None:
        if self._updating:
            return
        total = float(self.model.grid().sum())
        self.sum_label.setText(f"Sum {total:.6g}")
        built = self._build()
        if built is None:
            return
        self._last_good = built
        self.settingsChanged.emit(built)

    def _normalise(self) -> None:
        """Keep divisor and offset at GIMP's normalised values while the box is ticked."""
        if not self.normalise_box.isChecked():
            return
        probe = Kernel(self.model.weights()).normalized()
        self._updating = True
        try:
            self.divisor_spin.setValue(probe.divisor)
            self.offset_spin.setValue(probe.offset if isinstance(probe.offset, float) else 0.0)
        finally:
            self._updating = False

    # -- slots ---------------------------------------------------------------------------
    @Slot()
    def _on_weights_edited(self) -> None:
        self._normalise()
        self._changed()

    @Slot(int, int, str)
    def _on_entry_refused(self, row: int, col: int, reason: str) -> None:
        self._show_message(reason)

    @Slot()
    def _on_size_changed(self) -> None:
        if self._updating:
            return
        rows, cols = self.rows_spin.value(), self.cols_spin.value()
        if rows % 2 == 0 or cols % 2 == 0:
            return  # the spin box is about to make it odd, and comes back here
        kernel = Kernel(self.model.weights()).resized(rows, cols)
        self.model.set_weights(kernel.weights)
        self.table.fit_cells()
        self._normalise()
        self._changed()

    @Slot(int)
    def _on_slice_changed(self, index: int) -> None:
        data = self.slice_combo.itemData(index)
        if data is not None:
            self.model.set_slice(*data)

    @Slot()
    def _on_option_changed(self) -> None:
        if self.divisor_spin.value() == 0 and not self._updating:
            self.divisor_spin.setToolTip("The divisor cannot be 0: use 1 to keep the sum as is")
            QToolTip.showText(
                self.divisor_spin.mapToGlobal(QPoint(0, self.divisor_spin.height())),
                "The divisor cannot be 0: use 1 to keep the sum as is",
                self.divisor_spin,
            )
            return
        self._changed()

    @Slot(bool)
    def _on_normalise_toggled(self, on: bool) -> None:
        self.divisor_spin.setEnabled(not on)
        self.offset_spin.setEnabled(not on and isinstance(self._meta.offset, float))
        self._normalise()
        self._changed()

    def _transform(self, change) -> None:
        kernel = change(Kernel(self.model.weights()))
        self.model.set_weights(kernel.weights)
        self._updating = True
        kh, kw = kernel.shape
        self.rows_spin.setValue(kh)
        self.cols_spin.setValue(kw)
        self._updating = False
        self.table.fit_cells()
        self._changed()

    # -- clipboard -----------------------------------------------------------------------
    @Slot()
    def copy_to_clipboard(self) -> None:
        QGuiApplication.clipboard().setText(format_kernel_text(self.kernel()))
        self._show_message("Copied the weights as text.", error=False)

    @Slot()
    def paste_from_clipboard(self) -> None:
        self.paste_text(QGuiApplication.clipboard().text())

    def paste_text(self, text: str) -> bool:
        """Take weights from text (rows of numbers or a G'MIC matrix); False if refused."""
        try:
            pasted = parse_kernel_text(text)
        except (KernelFileError, KernelError, ValueError) as exc:
            self._show_message(f"Cannot paste: {exc}")
            return False
        kernel = self._meta.replace(
            weights=pasted.weights,
            divisor=pasted.divisor,
            offset=pasted.offset,
            border=self.border_combo.currentData(),
            name=self.name_edit.text().strip(),
        )
        self.set_kernel(kernel)
        return True

    # -- look ----------------------------------------------------------------------------
    def _fill_slice_combo(self, kernel: Kernel) -> None:
        self.slice_combo.clear()
        colour = kernel.is_color
        self.slice_combo.setVisible(colour)
        self._slice_label.setVisible(colour)
        if not colour:
            return
        names = "RGBA"
        n_out, n_in = kernel.weights.shape[:2]
        for o in range(n_out):
            for i in range(n_in):
                self.slice_combo.addItem(f"{names[o]} out from {names[i]} in", (o, i))

    def _show_message(self, text: str, *, error: bool = True) -> None:
        self.message_label.setStyleSheet("color: #b3261e;" if error else "color: palette(text);")
        self.message_label.setText(text)
        self.message_label.show()
        self._message_timer.start()


def _unrounded(spin: QDoubleSpinBox, exact: float) -> float:
    """The spin box's value, or ``exact`` if the box only shows it rounded."""
    value = spin.value()
    return exact if round(exact, spin.decimals()) == value else value


def identity(size: int = 3) -> Kernel:
    """The do-nothing kernel of ``size x size`` taps."""
    weights = np.zeros((size, size))
    weights[size // 2, size // 2] = 1.0
    return Kernel(weights, name=f"Identity {size}x{size}")
