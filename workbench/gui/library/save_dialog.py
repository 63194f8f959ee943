"""Asks for the name, category and description of a kernel going into the library.

Asked by the library dock, the one writer to the user library, for the editor's kernel and
for a kernel the learn dialog hands over.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from workbench.engine import Kernel

__all__ = ["DEFAULT_CATEGORY", "KernelSaveDialog"]

#: Where a kernel without a category goes.
DEFAULT_CATEGORY = "My kernels"


class KernelSaveDialog(QDialog):
    """Name (required), category (pick or type) and an optional description."""

    def __init__(self, kernel: Kernel, categories: list[str], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Save kernel to library")
        self.setObjectName("kernelSaveDialog")
        self.name_edit = QLineEdit(kernel.name, self)
        self.name_edit.setObjectName("saveName")
        self.name_edit.setPlaceholderText("e.g. Soft sharpen")
        self.category_combo = QComboBox(self)
        self.category_combo.setObjectName("saveCategory")
        self.category_combo.setEditable(True)
        names = sorted(set(categories) | {DEFAULT_CATEGORY})
        self.category_combo.addItems(names)
        self.category_combo.setCurrentText(kernel.category or DEFAULT_CATEGORY)
        self.description_edit = QPlainTextEdit(kernel.description, self)
        self.description_edit.setFixedHeight(70)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self._save = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.name_edit.textChanged.connect(lambda text: self._save.setEnabled(bool(text.strip())))
        self._save.setEnabled(bool(kernel.name.strip()))
        form = QFormLayout(self)
        form.addRow("Name", self.name_edit)
        form.addRow("Category", self.category_combo)
        form.addRow("Description", self.description_edit)
        form.addRow(buttons)
        self.resize(380, self.sizeHint().height())

    @classmethod
    def ask(
        cls, kernel: Kernel, categories: list[str], parent: QWidget | None = None
    ) -> tuple[str, str, str] | None:
        """The chosen (name, category, description), or None if the user cancelled."""
        dialog = cls(kernel, categories, parent)
        return dialog.values() if dialog.exec() else None

    def values(self) -> tuple[str, str, str]:
        """(name, category, description) as typed."""
        return (
            self.name_edit.text().strip(),
            self.category_combo.currentText().strip() or DEFAULT_CATEGORY,
            self.description_edit.toPlainText().strip(),
        )
