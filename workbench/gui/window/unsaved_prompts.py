"""The two questions asked before unsaved work could be lost."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

__all__ = ["ask_before_closing", "ask_before_quitting"]

_Button = QMessageBox.StandardButton


def ask_before_closing(parent: QWidget, name: str) -> str:
    """Closing one image with changes: "save", "discard" or "cancel"."""
    answer = QMessageBox.question(
        parent,
        "Unsaved changes",
        f"{name} has unsaved changes. Save them before closing?",
        _Button.Save | _Button.Discard | _Button.Cancel,
        _Button.Save,
    )
    return {_Button.Save: "save", _Button.Discard: "discard"}.get(answer, "cancel")


def ask_before_quitting(parent: QWidget, names: list[str]) -> bool:
    """Quitting with changes in ``names``: True to quit and lose them."""
    listing = "\n".join(f"\u2022 {n}" for n in names)
    answer = QMessageBox.question(
        parent,
        "Quit with unsaved changes?",
        f"These images have unsaved changes:\n{listing}\n\nQuit and lose them?",
        _Button.Discard | _Button.Cancel,
        _Button.Cancel,
    )
    return answer == _Button.Discard
