"""A spin box for divisor and offset: up to 4 decimals, shown without trailing zeros."""

from __future__ import annotations

from PySide6.QtWidgets import QDoubleSpinBox, QWidget

__all__ = ["NumberSpinBox"]


class NumberSpinBox(QDoubleSpinBox):
    """Shows 16 as "16" and 0.0625 as "0.0625", not "16.0000"."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDecimals(4)

    def textFromValue(self, value: float) -> str:
        text = f"{value:.{self.decimals()}f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
