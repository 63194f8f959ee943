"""Help: the keyboard shortcuts (read from the window's own actions) and a short manual.

Both work offline: the manual is ``manual.md`` among the bundled resources, shown in a
:class:`QTextBrowser`.
"""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from workbench.paths import resources_dir

__all__ = ["ManualDialog", "ShortcutsDialog", "manual_text", "shortcut_rows"]

#: Keys that are not menu commands: where they work and what they do.
_OTHER_KEYS = (
    ("+  /  -", "Zoom in / out along GIMP's steps (on the image)"),
    ("0  /  1", "Fit in window / 100 % (on the image)"),
    ("Mouse wheel", "Zoom about the cursor"),
    ("Hold \\", "Show the image before the filter"),
    ("Ctrl+Z / Ctrl+Shift+Z in the kernel editor", "Undo / redo the kernel, not the image"),
    ("Ctrl+C / Ctrl+V in the kernel grid", "Copy / paste the kernel as text"),
    ("Delete in the kernel grid", "Set the selected weights to 0"),
)


def shortcut_rows(actions: list[QAction]) -> list[tuple[str, str]]:
    """(keys, what) for every action with a shortcut, then the keys that are not commands."""
    rows = []
    for action in actions:
        keys = [k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts()]
        if keys:
            what = action.text().replace("&&", "\0").replace("&", "").replace("\0", "&")
            rows.append((" / ".join(keys), what.rstrip("\u2026")))
    return rows + list(_OTHER_KEYS)


class ShortcutsDialog(QDialog):
    """A table of keys and what they do."""

    def __init__(self, actions: list[QAction], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard Shortcuts")
        self.setObjectName("shortcutsDialog")
        rows = shortcut_rows(actions)
        self.table = QTableWidget(len(rows), 2, self)
        self.table.setObjectName("shortcutsTable")
        self.table.setHorizontalHeaderLabels(["Keys", "Action"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        for r, (keys, what) in enumerate(rows):
            self.table.setItem(r, 0, QTableWidgetItem(keys))
            self.table.setItem(r, 1, QTableWidgetItem(what))
        self.table.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.ResizeToContents
        )
        self.table.horizontalHeader().setStretchLastSection(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(620, 520)


def manual_text() -> str:
    """The bundled manual (Markdown), or a line saying where it should have been."""
    path = resources_dir() / "manual.md"
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        return f"The manual is missing from this installation ({path}: {exc.strerror})."


class ManualDialog(QDialog):
    """The short manual, offline."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Filter Workbench Manual")
        self.setObjectName("manualDialog")
        self.browser = QTextBrowser(self)
        self.browser.setObjectName("manualBrowser")
        self.browser.setOpenExternalLinks(True)
        self.browser.setMarkdown(manual_text())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)
        self.resize(680, 640)
