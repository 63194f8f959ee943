"""The kernel editor dock: a grid of weights and the options that say how to apply them.

Every change (a cell, the size, divisor, offset, border, channels...) emits
:attr:`KernelEditor.settingsChanged` at once with a new immutable
:class:`~workbench.gui.model.filter_settings.FilterSettings`; the live preview coalesces bursts, so
typing is never held up by filtering.

Every change is also one step on the editor's own :attr:`KernelEditor.undo_stack`; with the
focus anywhere in the editor, Ctrl+Z and Ctrl+Shift+Z (Ctrl+Y) undo and redo the kernel, not the
image. A field that holds no valid value (a divisor of 0, a cell that is empty or not a
number) is marked where it is, and Apply stays disabled until it is fixed.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QGuiApplication, QUndoStack
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from workbench.engine import Kernel, KernelError
from workbench.engine.library import KernelFileError
from workbench.gui.editor.clipboard import copied_text, read_pasted
from workbench.gui.editor.grid import KernelGrid
from workbench.gui.editor.kernel_views import KernelViews
from workbench.gui.editor.model import KernelTableModel
from workbench.gui.editor.options import KernelOptions
from workbench.gui.editor.undo import EditorState, EditorStep, UndoKeys
from workbench.gui.model.filter_settings import FilterSettings

__all__ = ["KernelEditor"]

_EDITED = " (edited)"
_INVALID_STYLE = "background: #ffd6d6; color: #b3261e;"
# Steps that merge while the user keeps typing into the same field.
_MERGE_DIVISOR, _MERGE_OFFSET, _MERGE_NAME = 1, 2, 3


class KernelEditor(QWidget):
    """Grid, size, divisor, offset, normalise, border, channels, alpha weighting."""

    #: A new :class:`FilterSettings` after any edit.
    settingsChanged = Signal(object)
    #: The user asked to apply the kernel to the image.
    applyRequested = Signal()
    #: The live-preview box was ticked or unticked.
    previewToggled = Signal(bool)
    #: True when every field holds a valid value (Apply is enabled), False while one does not.
    validityChanged = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("kernelEditor")
        self._meta = Kernel([[1.0]], name="Identity", category="Basic")
        self._updating = False
        self._last_good: FilterSettings | None = None
        self._valid = True
        self._problem_shown = False
        #: The editor's own history: one step per edit of the kernel.
        self.undo_stack = QUndoStack(self)
        self._recorded: EditorState | None = None

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

        # Two rows, so the dock can be narrow: history and geometry, then clipboard and sum.
        tools = QHBoxLayout()
        tools.setSpacing(2)
        clipboard = QHBoxLayout()
        clipboard.setSpacing(2)
        self._tool_buttons = {}
        for key, text, tip in (
            ("undo", "\u21b6", "Undo the last kernel edit (Ctrl+Z in the editor)"),
            ("redo", "\u21b7", "Redo the kernel edit undone (Ctrl+Shift+Z in the editor)"),
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
            (clipboard if key in ("copy", "paste", "reset") else tools).addWidget(button)
            self._tool_buttons[key] = button
        tools.addStretch(1)
        clipboard.addStretch(1)
        clipboard.addWidget(self.sum_label)

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

        # The form, the grid and the views scroll in a small dock; what is wrong (the
        # message) and Apply stay in sight under them.
        body = QWidget(self)
        body_layout = QVBoxLayout(body)
        body_layout.setContentsMargins(0, 0, 0, 0)
        body_layout.addWidget(self.options)
        body_layout.addLayout(tools)
        body_layout.addLayout(clipboard)
        # Under the grid: the inspector, frequency response and histogram (issue 15).
        self.views = KernelViews(self)
        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.setObjectName("editorSplitter")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.views)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 2)
        body_layout.addWidget(self.splitter, 1)
        self.body_scroll = QScrollArea(self)
        self.body_scroll.setObjectName("editorScroll")
        self.body_scroll.setWidget(body)
        self.body_scroll.setWidgetResizable(True)
        self.body_scroll.setFrameShape(QFrame.Shape.NoFrame)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 8)
        layout.addWidget(self.body_scroll, 1)
        layout.addWidget(self.message_label)
        layout.addLayout(bottom)

        self._connect()
        self.set_kernel(identity(3))
        self.undo_stack.clear()
        self._recorded = self._state()
        # Ctrl+Z anywhere in the editor is the kernel's (an open cell editor keeps its own).
        self._undo_keys = UndoKeys(self.undo_stack, self)
        for widget in [self, *self.findChildren(QWidget)]:
            widget.installEventFilter(self._undo_keys)

    def _connect(self) -> None:
        self.undo_stack.canUndoChanged.connect(self._tool_buttons["undo"].setEnabled)
        self.undo_stack.canRedoChanged.connect(self._tool_buttons["redo"].setEnabled)
        self.undo_stack.undoTextChanged.connect(
            lambda text: self._tool_buttons["undo"].setToolTip(
                f"Undo {text} (Ctrl+Z in the editor)" if text else "Nothing to undo"
            )
        )
        self.undo_stack.redoTextChanged.connect(
            lambda text: self._tool_buttons["redo"].setToolTip(
                f"Redo {text} (Ctrl+Shift+Z in the editor)" if text else "Nothing to redo"
            )
        )
        self._tool_buttons["undo"].setEnabled(False)
        self._tool_buttons["redo"].setEnabled(False)
        self._tool_buttons["undo"].clicked.connect(self.undo_stack.undo)
        self._tool_buttons["redo"].clicked.connect(self.undo_stack.redo)
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
        self.divisor_spin.valueChanged.connect(
            lambda *_: self._changed("Change divisor", _MERGE_DIVISOR)
        )
        self.offset_spin.valueChanged.connect(
            lambda *_: self._changed("Change offset", _MERGE_OFFSET)
        )
        self.normalise_box.toggled.connect(self._on_normalise_toggled)
        self.border_combo.currentIndexChanged.connect(lambda *_: self._changed("Change border"))
        self.name_edit.textEdited.connect(lambda *_: self._changed("Rename", _MERGE_NAME))
        for box in self.channel_boxes.values():
            box.toggled.connect(lambda *_: self._changed("Change channels"))
        self.alpha_box.toggled.connect(lambda *_: self._changed("Alpha weighting"))
        self.linear_box.toggled.connect(lambda *_: self._changed("Linear light"))
        self.luminance_box.toggled.connect(lambda *_: self._changed("Luminance only"))
        self.out_range_combo.currentIndexChanged.connect(
            lambda *_: self._changed("Change out of range")
        )
        b = self._tool_buttons
        b["rotate_left"].clicked.connect(lambda: self._transform(lambda k: k.rotated(1), "Rotate"))
        b["rotate_right"].clicked.connect(
            lambda: self._transform(lambda k: k.rotated(-1), "Rotate")
        )
        b["flip_h"].clicked.connect(
            lambda: self._transform(lambda k: k.flipped(horizontal=True), "Flip")
        )
        b["flip_v"].clicked.connect(
            lambda: self._transform(lambda k: k.flipped(horizontal=False), "Flip")
        )
        b["copy"].clicked.connect(self.copy_to_clipboard)
        b["paste"].clicked.connect(self.paste_from_clipboard)
        b["reset"].clicked.connect(lambda: self.set_kernel(identity(3), label="Reset"))
        self.apply_button.clicked.connect(self._on_apply_clicked)
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

    def is_valid(self) -> bool:
        """Whether every field holds a valid value (else Apply is disabled)."""
        return self._valid

    def problems(self) -> list[str]:
        """What is invalid just now, in the user's words (empty when all is well)."""
        found = []
        if self.divisor_spin.value() == 0 and not self.normalise_box.isChecked():
            found.append("the divisor cannot be 0 (use 1 to keep the sum as it is)")
        for (_, row, col), (text, _) in sorted(self.model.invalid_cells().items(), key=str):
            what = "is empty" if not text.strip() else f"holds {text.strip()!r}, not a number"
            found.append(f"the cell in row {row + 1}, column {col + 1} {what}")
        return found

    def undo(self) -> None:
        """Undo the last edit of the kernel (not of the image)."""
        self.undo_stack.undo()

    def redo(self) -> None:
        self.undo_stack.redo()

    def set_kernel(self, kernel: Kernel, *, label: str | None = None) -> None:
        """Show ``kernel`` (its weights, divisor, offset, border, name and, when it says,
        the channels and alpha weighting it is applied with); one undo step.

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
            # A kernel that says which channels it filters (a GIMP preset) sets the boxes;
            # others leave the user's choice as it is.
            if kernel.channels is not None:
                for letter, box in self.channel_boxes.items():
                    box.setChecked(letter in kernel.channels)
            if kernel.channels is not None or not kernel.alpha_weighting:
                self.alpha_box.setChecked(kernel.alpha_weighting)
        finally:
            self._updating = False
        self.table.fit_cells()
        self._changed(label or f"Load {kernel.name or 'kernel'}")

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

    def _changed(self, label: str = "Edit kernel", merge: int = -1, *, record: bool = True) -> None:
        """After any edit: check the fields, record an undo step, send the new settings."""
        if self._updating:
            return
        total = float(self.model.grid().sum())
        self.sum_label.setText(f"Sum {total:.6g}")
        valid = self._update_validity()
        if record:
            self._record(label, merge)
        if not valid:
            return  # the preview keeps showing the last valid kernel
        built = self._build()
        if built is None:
            return
        self._last_good = built
        self.settingsChanged.emit(built)

    def _update_validity(self) -> bool:
        """Mark what is invalid where it is; Apply only while nothing is."""
        problems = self.problems()
        divisor_bad = any(p.startswith("the divisor") for p in problems)
        self.divisor_spin.setStyleSheet(
            f"QDoubleSpinBox {{ {_INVALID_STYLE} }}" if divisor_bad else ""
        )
        self.divisor_spin.setProperty("invalid", divisor_bad)
        self.divisor_spin.setToolTip(
            "The divisor cannot be 0: use 1 to keep the sum as it is"
            if divisor_bad
            else "The weighted sum is divided by this (not 0)"
        )
        valid = not problems
        self.apply_button.setEnabled(valid)
        self.apply_button.setToolTip(
            "Apply the kernel to the image (Ctrl+F)"
            if valid
            else "Fix the marked field first: " + "; ".join(problems)
        )
        if problems:
            text = "Cannot apply: " + "; ".join(problems) + "."
            self._show_message(text[:1].upper() + text[1:], sticky=True)
            self._problem_shown = True
        elif self._problem_shown:
            self._problem_shown = False
            self.message_label.hide()
        if valid != self._valid:
            self._valid = valid
            self.validityChanged.emit(valid)
        return valid

    # -- undo ----------------------------------------------------------------------------
    def _state(self) -> EditorState:
        return EditorState(
            meta=self._meta,
            weights=self.model.weights(),
            invalid=self.model.invalid_cells(),
            divisor=self.divisor_spin.value(),
            offset=self.offset_spin.value(),
            normalise=self.normalise_box.isChecked(),
            border=self.border_combo.currentData(),
            name=self.name_edit.text(),
            channels=self.options.channels(),
            alpha=self.alpha_box.isChecked(),
            linear=self.linear_box.isChecked(),
            luminance=self.luminance_box.isChecked(),
            out_range=self.out_range_combo.currentData(),
        )

    def _record(self, label: str, merge: int) -> None:
        if self._recorded is None:
            return  # still building the editor
        state = self._state()
        if state == self._recorded:
            return
        before, self._recorded = self._recorded, state
        self.undo_stack.push(EditorStep(label, before, state, self._restore, merge))

    def _restore(self, state: EditorState) -> None:
        """Put ``state`` back on screen (undo and redo)."""
        self._updating = True
        try:
            self._meta = state.meta
            self.model.set_weights(state.weights)
            if state.invalid:
                self.model.set_invalid_cells(state.invalid)
            kh, kw = self.model.grid().shape
            self.rows_spin.setValue(kh)
            self.cols_spin.setValue(kw)
            if state.meta.is_color or self.slice_combo.count():
                self.options.show_slices(state.meta.replace(weights=state.weights))
            self.normalise_box.setChecked(state.normalise)
            self.divisor_spin.setEnabled(not state.normalise)
            per_channel = not isinstance(state.meta.offset, float)
            self.offset_spin.setEnabled(not state.normalise and not per_channel)
            self.divisor_spin.setValue(state.divisor)
            self.offset_spin.setValue(state.offset)
            self.border_combo.setCurrentIndex(max(self.border_combo.findData(state.border), 0))
            self.name_edit.setText(state.name)
            for letter, box in self.channel_boxes.items():
                box.setChecked(letter in state.channels)
            self.alpha_box.setChecked(state.alpha)
            self.linear_box.setChecked(state.linear)
            self.luminance_box.setChecked(state.luminance)
            self.out_range_combo.setCurrentIndex(
                max(self.out_range_combo.findData(state.out_range), 0)
            )
        finally:
            self._updating = False
        self._recorded = state
        self.table.fit_cells()
        self._changed(record=False)

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
        self._changed("Edit weight")

    @Slot(int, int, str)
    def _on_entry_refused(self, row: int, col: int, reason: str) -> None:
        self._changed("Edit weight")
        if self._valid:  # refused and not kept (cannot happen today): still say why
            self._show_message(reason)

    @Slot()
    def _on_apply_clicked(self) -> None:
        if self._update_validity():
            self.applyRequested.emit()

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
        self._changed(f"Resize to {rows}\u00d7{cols}")

    @Slot(int)
    def _on_slice_changed(self, index: int) -> None:
        data = self.slice_combo.itemData(index)
        if data is not None:
            self.model.set_slice(*data)

    @Slot(bool)
    def _on_normalise_toggled(self, on: bool) -> None:
        self.divisor_spin.setEnabled(not on)
        self.offset_spin.setEnabled(not on and isinstance(self._meta.offset, float))
        self._normalise()
        self._changed("Normalise" if on else "No normalise")

    def _transform(self, change, label: str) -> None:
        kernel = change(Kernel(self.model.weights()))
        self.model.set_weights(kernel.weights)
        self._updating = True
        kh, kw = kernel.shape
        self.rows_spin.setValue(kh)
        self.cols_spin.setValue(kw)
        self._updating = False
        self.table.fit_cells()
        self._mark_edited()
        self._changed(label)

    # -- clipboard -----------------------------------------------------------------------
    @Slot()
    def copy_to_clipboard(self) -> None:
        """The weights as typed, then the divisor and offset: Paste reads it back the same."""
        try:
            text = copied_text(self.kernel())
        except KernelFileError as exc:
            self._show_message(f"Cannot copy: {exc}")
            return
        QGuiApplication.clipboard().setText(text)
        self._show_message("Copied the weights, divisor and offset as text.", error=False)

    @Slot()
    def paste_from_clipboard(self) -> None:
        self.paste_text(QGuiApplication.clipboard().text())

    def paste_text(self, text: str) -> bool:
        """Take weights from text (rows of numbers or a G'MIC matrix); False if refused."""
        try:
            pasted, note = read_pasted(text)
        except (KernelFileError, KernelError, ValueError) as exc:
            self._show_message(f"Cannot paste: {exc}")
            return False
        name = self.name_edit.text().strip()
        if name and name == self._meta.name and not name.endswith(_EDITED):
            name += _EDITED
        kernel = self._meta.replace(
            weights=pasted.weights,
            divisor=pasted.divisor,
            offset=pasted.offset,
            border=self.border_combo.currentData(),
            name=name,
        )
        self.set_kernel(kernel, label="Paste")
        if note:
            self._show_message(note, error=False)
        return True

    # -- look ----------------------------------------------------------------------------
    def _show_message(self, text: str, *, error: bool = True, sticky: bool = False) -> None:
        self.message_label.setStyleSheet("color: #b3261e;" if error else "color: palette(text);")
        self.message_label.setText(text)
        self.message_label.show()
        if sticky:
            self._message_timer.stop()  # stays while the problem does
        else:
            self._problem_shown = False
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
