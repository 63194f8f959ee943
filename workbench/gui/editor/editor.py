"""The kernel editor dock: a grid of weights and the options that say how to apply them.

Every change (a cell, the size, divisor, offset, border, channels...) emits
:attr:`KernelEditor.settingsChanged` at once with a new immutable
:class:`~workbench.gui.model.filter_settings.FilterSettings`; the live preview coalesces bursts, so
typing is never held up by filtering.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QToolButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from workbench.engine import Kernel, KernelError
from workbench.engine.library import KernelFileError, format_kernel_text, parse_kernel_text
from workbench.gui.editor.grid import KernelGrid
from workbench.gui.editor.kernel_views import KernelViews
from workbench.gui.editor.model import KernelTableModel
from workbench.gui.editor.options import KernelOptions
from workbench.gui.model.filter_settings import FilterSettings

__all__ = ["KernelEditor"]

_EDITED = " (edited)"


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

        self.options = KernelOptions(self)
        # The form's widgets under short names: the editor reads and wires them all.
        o = self.options
        self.name_edit, self.rows_spin, self.cols_spin = o.name_edit, o.rows_spin, o.cols_spin
        self.slice_combo, self.border_combo = o.slice_combo, o.border_combo
        self.divisor_spin, self.offset_spin = o.divisor_spin, o.offset_spin
        self.normalise_box, self.alpha_box = o.normalise_box, o.alpha_box
        self.channel_boxes = o.channel_boxes
        self.linear_box, self.luminance_box = o.linear_box, o.luminance_box
        self.out_range_combo = o.out_range_combo
        self.sum_label = QLabel(self)
        self.sum_label.setObjectName("sumLabel")

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
        layout.addWidget(self.options)
        layout.addLayout(tools)
        # Under the grid: the inspector, frequency response and histogram (issue 15).
        self.views = KernelViews(self)
        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.setObjectName("editorSplitter")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.views)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 2)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.message_label)
        layout.addLayout(bottom)

        self._connect()
        self.set_kernel(identity(3))

    def _connect(self) -> None:
        self.settingsChanged.connect(self.views.set_settings)
        self.model.weightsEdited.connect(self._on_weights_edited)
        self.model.entryRefused.connect(self._on_entry_refused)
        # After the cell's editor has closed: taking the matrix rebuilds the whole grid.
        self.model.matrixEntered.connect(
            lambda text: QTimer.singleShot(0, lambda: self.paste_text(text))
        )
        # What the kernel does changes with these too: its old name would mislead.
        for changed in (
            self.divisor_spin.valueChanged,
            self.offset_spin.valueChanged,
            self.normalise_box.toggled,
            self.border_combo.currentIndexChanged,
            self.linear_box.toggled,
            self.luminance_box.toggled,
            self.out_range_combo.currentIndexChanged,
        ):
            changed.connect(lambda *_: self._mark_edited())
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
        self.linear_box.toggled.connect(self._on_option_changed)
        self.luminance_box.toggled.connect(self._on_option_changed)
        self.out_range_combo.currentIndexChanged.connect(self._on_option_changed)
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
        """Show ``kernel`` (its weights, divisor, offset, border and name).

        Raises
        ------
        KernelError
            For a kernel the editor cannot show (a colour kernel of more than 4 channels);
            checked before any widget changes, so the editor keeps the kernel it had.
        """
        _check_editable(kernel)
        self._updating = True
        try:
            self._meta = kernel
            self.model.set_weights(kernel.weights)
            kh, kw = kernel.shape
            self.rows_spin.setValue(kh)
            self.cols_spin.setValue(kw)
            self.options.show_slices(kernel)
            self.normalise_box.setChecked(False)
            self.divisor_spin.setValue(kernel.divisor)
            offset = kernel.offset
            self.offset_spin.setValue(offset if isinstance(offset, float) else 0.0)
            self.offset_spin.setEnabled(isinstance(offset, float))
            index = self.border_combo.findData(kernel.border)
            self.border_combo.setCurrentIndex(max(index, 0))
            self.linear_box.setChecked(kernel.space == "linear")
            self.luminance_box.setChecked(kernel.luminance)
            self.luminance_box.setEnabled(not kernel.is_color)  # a colour kernel mixes them
            self.out_range_combo.setCurrentIndex(
                max(self.out_range_combo.findData(kernel.out_range), 0)
            )
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
                space="linear" if self.linear_box.isChecked() else "perceptual",
                luminance=self.luminance_box.isChecked() and not self._meta.is_color,
                out_range=self.out_range_combo.currentData(),
            )
        except KernelError as exc:
            self._show_message(str(exc))
            return None
        return FilterSettings(kernel, self.options.channels(), self.alpha_box.isChecked())

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

    def _mark_edited(self) -> bool:
        """Name a changed kernel "<name> (edited)", unless the user typed a name of their own.

        Otherwise the undo step, the status bar and a library save would all call the edited
        kernel by the name of the one it started from ("Undo Sharpen" for a blur).
        """
        name = self.name_edit.text().strip()
        if self._updating or not name or name != self._meta.name or name.endswith(_EDITED):
            return False
        self.name_edit.setText(name + _EDITED)
        return True

    # -- slots ---------------------------------------------------------------------------
    @Slot()
    def _on_weights_edited(self) -> None:
        self._mark_edited()
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
        self._mark_edited()
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
        self._mark_edited()
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
        if self._mark_edited():
            self._changed()
        return True

    # -- look ----------------------------------------------------------------------------
    def _show_message(self, text: str, *, error: bool = True) -> None:
        self.message_label.setStyleSheet("color: #b3261e;" if error else "color: palette(text);")
        self.message_label.setText(text)
        self.message_label.show()
        self._message_timer.start()


def _unrounded(spin: QDoubleSpinBox, exact: float) -> float:
    """The spin box's value, or ``exact`` if the box only shows it rounded."""
    value = spin.value()
    return exact if round(exact, spin.decimals()) == value else value


def _check_editable(kernel: Kernel) -> None:
    if kernel.is_color:
        n_out, n_in = kernel.weights.shape[:2]
        if max(n_out, n_in) > 4:
            raise KernelError(
                f"{kernel.name or 'this kernel'} is a colour kernel of {n_out} outputs x "
                f"{n_in} inputs; images have at most 4 channels (RGBA), so the editor "
                f"cannot show it"
            )


def identity(size: int = 3) -> Kernel:
    """The do-nothing kernel of ``size x size`` taps."""
    weights = np.zeros((size, size))
    weights[size // 2, size // 2] = 1.0
    return Kernel(weights)  # unnamed: what the user makes of it is theirs to name
