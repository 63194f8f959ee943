"""The learn dialog's options: kernel size (auto or odd), mode, solver, loss and space."""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QLabel, QSpinBox, QWidget

__all__ = ["KernelSizeBox", "LearnOptions"]


class KernelSizeBox(QSpinBox):
    """Odd kernel sizes 1..63, or "Auto" (the engine picks the size on held-out pixels)."""

    AUTO = -1

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setRange(self.AUTO, 63)
        self.setSingleStep(2)  # -1 ("Auto"), 1, 3, 5, ...: always odd
        self.setSpecialValueText("Auto")
        self.setValue(self.AUTO)
        self.setToolTip(
            "Kernel width and height (odd). Auto tries sizes and keeps the smallest that "
            "fits as well as a larger one."
        )

    def validate(self, text: str, pos: int):
        result = super().validate(text, pos)
        state = result[0] if isinstance(result, tuple) else result
        digits = text.strip()
        if state == QValidator.Acceptable and digits.isdigit() and int(digits) % 2 == 0:
            state = QValidator.Intermediate  # even sizes have no centre pixel
        return (state, text, pos) if isinstance(result, tuple) else state

    def kernel_size(self) -> int | str:
        return "auto" if self.value() == self.AUTO else self.value()

    def set_kernel_size(self, size: int | str) -> None:
        self.setValue(self.AUTO if size == "auto" else int(size) | 1)


def _combo(items: list[tuple[str, str, str]]) -> QComboBox:
    box = QComboBox()
    for text, value, tip in items:
        box.addItem(text, value)
        box.setItemData(box.count() - 1, tip, Qt.ToolTipRole)
    return box


def _select(box: QComboBox, value: str) -> None:
    index = box.findData(value)
    if index < 0:
        raise ValueError(f"unknown choice {value!r}")
    box.setCurrentIndex(index)


class LearnOptions(QGroupBox):
    """Size, mode, solver and loss; the loss is only open to choice with Adam, and says so."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Options", parent)
        self.size_box = KernelSizeBox()
        self.mode_box = _combo(
            [
                ("Shared (one kernel for all channels)", "shared", "Like library filters"),
                ("Per channel", "per-channel", "A separate kernel for R, G and B"),
                ("Colour mixing", "color", "Each output channel mixes all input channels"),
            ]
        )
        self.solver_box = _combo(
            [
                ("Exact (least squares)", "exact", "Solves directly; fast and precise"),
                ("Adam (gradient descent)", "adam", "Trains step by step with a live plot"),
            ]
        )
        self.loss_box = _combo(
            [
                ("L2 (squared error)", "l2", "The usual choice"),
                ("Huber (robust)", "huber", "Less swayed by outliers: JPEG noise, retouching"),
                ("L1 (most robust)", "l1", "Ignores large outliers; trains slower"),
            ]
        )
        self.space_box = _combo(
            [
                ("Auto (try both, keep the closer)", "auto", "Fits both ways; takes twice as long"),
                ("Stored values", "perceptual", "As Photoshop, ImageJ and OpenCV filter"),
                ("Linear light", "linear", "As GIMP filters (sRGB decoded, filtered, encoded)"),
            ]
        )
        self.space_box.setObjectName("learnSpaceBox")
        self.space_box.setToolTip("Which values the other program filtered")
        self.loss_hint = QLabel(wordWrap=True)
        self.loss_hint.setObjectName("lossHint")
        self.loss_hint.setStyleSheet("color: palette(placeholder-text);")
        self.solver_box.currentIndexChanged.connect(self._solver_changed)
        form = QFormLayout(self)
        form.addRow("Kernel size:", self.size_box)
        form.addRow("Mode:", self.mode_box)
        form.addRow("Solver:", self.solver_box)
        form.addRow("Loss:", self.loss_box)
        form.addRow("", self.loss_hint)
        form.addRow("Space:", self.space_box)
        self._solver_changed()

    def options(self) -> dict[str, object]:
        """The keyword arguments for ``fit_kernel``: size, mode, solver, loss, space."""
        return {
            "size": self.size_box.kernel_size(),
            "mode": self.mode_box.currentData(),
            "solver": self.solver_box.currentData(),
            "loss": self.loss_box.currentData(),
            "space": self.space_box.currentData(),
        }

    def set_options(
        self,
        *,
        size: int | str = "auto",
        mode="shared",
        solver="exact",
        loss="l2",
        space="auto",
    ) -> None:
        self.size_box.set_kernel_size(size)
        _select(self.mode_box, mode)
        _select(self.solver_box, solver)
        _select(self.loss_box, loss)
        _select(self.space_box, space)

    def setEnabled(self, enabled: bool) -> None:
        super().setEnabled(enabled)
        self._solver_changed()

    @Slot()
    def _solver_changed(self) -> None:
        adam = self.solver_box.currentData() == "adam"
        if not adam:
            _select(self.loss_box, "l2")
            self.loss_hint.setText("Huber and L1 need the Adam solver; Exact fits L2.")
        else:
            self.loss_hint.setText("Huber and L1 ignore outliers such as JPEG noise.")
        self.loss_box.setEnabled(adam)
