"""A spin box for kernel sizes: odd numbers from 1 to 63."""

from __future__ import annotations

from PySide6.QtWidgets import QSpinBox, QWidget

from workbench.engine.kernel import MAX_KERNEL_SIZE

__all__ = ["OddSpinBox"]


class OddSpinBox(QSpinBox):
    """Steps by two; a typed even size becomes the next odd one when editing ends."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setRange(1, MAX_KERNEL_SIZE)
        self.setSingleStep(2)
        self.setAccelerated(True)
        # Sizes take effect when editing ends, so typing "15" does not pass through 1.
        self.setKeyboardTracking(False)
        self.valueChanged.connect(self._make_odd)

    def _make_odd(self, value: int) -> None:
        if value % 2 == 0:
            self.setValue(min(MAX_KERNEL_SIZE, value + 1))
