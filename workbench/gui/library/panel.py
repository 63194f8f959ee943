"""The filter library dock: built-in and user kernels by category, searchable, with previews.

The tree is a ``QStandardItemModel`` (categories, then kernels) behind a recursive
``QSortFilterProxyModel`` for the search box. Each kernel shows a small preview of its effect
on the current image, computed on the worker from a thumbnail-sized copy.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QModelIndex, QSize, Qt, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from workbench.engine import Kernel, KernelError
from workbench.engine.library import (
    KernelFileError,
    KernelLibrary,
    LibraryEntry,
    LibraryError,
)
from workbench.gui.library.kernel_files import (
    ask_export_path,
    ask_files_to_import,
    export_with_notes,
    import_into_library,
)
from workbench.gui.library.model import KEY_ROLE, LibraryModel, LibrarySearch
from workbench.gui.library.save_dialog import DEFAULT_CATEGORY, KernelSaveDialog
from workbench.gui.library.thumbnails import FilterThumbnails
from workbench.gui.worker import Runner

__all__ = ["LibraryPanel"]


class LibraryPanel(QWidget):
    """Browse, search and manage kernels; apply or edit them."""

    applyRequested = Signal(object)  # Kernel
    editRequested = Signal(object)  # Kernel
    #: The user wants the editor's kernel saved; the window answers with save_kernel().
    saveRequested = Signal()
    #: A short message for the status bar.
    message = Signal(str)

    def __init__(
        self, library: KernelLibrary, runner: Runner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("libraryPanel")
        self.library = library
        self._runner = runner
        self.thumbnails = FilterThumbnails(runner, self)
        self.thumbnails.updated.connect(self._apply_icons)

        self.model = LibraryModel(self)
        self.proxy = LibrarySearch(self)
        self.proxy.setSourceModel(self.model)

        self.search = QLineEdit(self)
        self.search.setObjectName("librarySearch")
        self.search.setPlaceholderText("Search filters\u2026")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._on_search)

        self.tree = QTreeView(self)
        self.tree.setObjectName("libraryTree")
        self.tree.setModel(self.proxy)
        self.tree.setIconSize(QSize(40, 40))
        self.tree.setUniformRowHeights(False)
        self.tree.setAlternatingRowColors(False)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.header().setStretchLastSection(False)
        self.tree.header().setSectionResizeMode(0, self.tree.header().ResizeMode.Stretch)
        self.tree.header().setSectionResizeMode(1, self.tree.header().ResizeMode.ResizeToContents)
        self.tree.doubleClicked.connect(self._on_double_clicked)
        self.tree.customContextMenuRequested.connect(self._on_context_menu)
        self.tree.selectionModel().currentChanged.connect(self._update_actions)

        self.problems_label = QLabel(self)
        self.problems_label.setObjectName("libraryProblems")
        self.problems_label.setWordWrap(True)
        self.problems_label.setTextFormat(Qt.TextFormat.RichText)
        self.problems_label.linkActivated.connect(self.show_problems)
        self.problems_label.hide()

        self.actions_by_name: dict[str, QAction] = {}
        for name, text, tip, slot in (
            ("apply", "Apply", "Apply the selected filter to the image", self.apply_selected),
            ("edit", "Edit", "Open the selected filter in the kernel editor", self.edit_selected),
            (
                "save",
                "Save\u2026",
                "Save the editor's kernel in your library",
                self.saveRequested.emit,
            ),
            (
                "duplicate",
                "Duplicate",
                "Make an editable copy in your library",
                self.duplicate_selected,
            ),
            ("rename", "Rename\u2026", "Rename one of your kernels", self.rename_selected),
            ("delete", "Delete", "Delete one of your kernels", self.delete_selected),
            (
                "import",
                "Import\u2026",
                "Add kernels from files (JSON, ImageJ, Photoshop .acf, GIMP presets)",
                self.import_dialog,
            ),
            ("export", "Export\u2026", "Write the selected filter to a file", self.export_selected),
        ):
            action = QAction(text, self)
            action.setToolTip(tip)
            action.setObjectName(f"library_{name}")
            action.triggered.connect(slot)
            self.actions_by_name[name] = action
        # The keys of a file manager's list, while the list has focus.
        for name, keys in (
            ("apply", ["Return", "Enter"]),
            ("rename", ["F2"]),
            ("delete", ["Delete"]),
        ):
            action = self.actions_by_name[name]
            action.setShortcuts([QKeySequence(k) for k in keys])
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            self.tree.addAction(action)

        buttons = QHBoxLayout()
        buttons.setSpacing(2)
        for name in ("apply", "edit", "save", "import"):
            button = QToolButton(self)
            button.setDefaultAction(self.actions_by_name[name])
            buttons.addWidget(button)
        more = QToolButton(self)
        more.setText("More")
        more.setObjectName("libraryMore")
        more.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(more)
        for name in ("duplicate", "rename", "delete", "export"):
            menu.addAction(self.actions_by_name[name])
        more.setMenu(menu)
        buttons.addWidget(more)
        buttons.addStretch(1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.search)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.problems_label)
        layout.addLayout(buttons)

        self.reload()

    # -- contents ------------------------------------------------------------------------
    def reload(self, select: str | None = None) -> None:
        """Read the library folders again and rebuild the tree (keeping previews)."""
        current = select or self.selected_key()
        self.library.reload()
        self.model.rebuild(self.library.entries, self.thumbnails.icon)
        self.tree.expandAll()
        self._show_problem_count()
        if current:
            self.select(current)
        self._update_actions()
        self.thumbnails.request([(e.key, e.kernel) for e in self.library.entries])

    def _show_problem_count(self) -> None:
        n = len(self.library.problems)
        if n:
            files = "file" if n == 1 else "files"
            self.problems_label.setText(
                f"\u26a0 {n} kernel {files} could not be read. <a href='#'>Details</a>"
            )
        self.problems_label.setVisible(bool(n))

    @Slot()
    def show_problems(self) -> None:
        lines = [f"{path}: {why}" for path, why in self.library.problems]
        QMessageBox.warning(self, "Kernel files skipped", "\n\n".join(lines) or "None.")

    # -- selection -----------------------------------------------------------------------
    def selected_key(self) -> str | None:
        index = self.tree.currentIndex()
        return index.data(KEY_ROLE) if index.isValid() else None

    def selected_entry(self) -> LibraryEntry | None:
        key = self.selected_key()
        if key is None:
            return None
        try:
            return self.library.get(key)
        except LibraryError:
            return None

    def select(self, key: str) -> bool:
        for row in range(self.proxy.rowCount()):
            group = self.proxy.index(row, 0)
            for child in range(self.proxy.rowCount(group)):
                index = self.proxy.index(child, 0, group)
                if index.data(KEY_ROLE) == key:
                    self.tree.setCurrentIndex(index)
                    self.tree.scrollTo(index)
                    return True
        return False

    def visible_keys(self) -> list[str]:
        """Keys of the kernels the search leaves visible, in display order."""
        keys = []
        for row in range(self.proxy.rowCount()):
            group = self.proxy.index(row, 0)
            keys += [
                self.proxy.index(c, 0, group).data(KEY_ROLE)
                for c in range(self.proxy.rowCount(group))
            ]
        return keys

    @Slot(str)
    def _on_search(self, text: str) -> None:
        self.proxy.setFilterFixedString(text.strip())
        self.tree.expandAll()

    @Slot()
    def _update_actions(self, *args) -> None:
        entry = self.selected_entry()
        for name in ("apply", "edit", "duplicate", "export"):
            self.actions_by_name[name].setEnabled(entry is not None)
        for name in ("rename", "delete"):
            self.actions_by_name[name].setEnabled(entry is not None and not entry.builtin)

    @Slot(QModelIndex)
    def _on_double_clicked(self, index: QModelIndex) -> None:
        if index.data(KEY_ROLE):
            self.apply_selected()

    @Slot()
    def _on_context_menu(self, pos) -> None:
        if self.selected_entry() is None:
            return
        menu = QMenu(self)
        for name in ("apply", "edit", "duplicate", "rename", "delete", "export"):
            menu.addAction(self.actions_by_name[name])
        menu.exec(self.tree.viewport().mapToGlobal(pos))

    # -- actions -------------------------------------------------------------------------
    @Slot()
    def apply_selected(self) -> None:
        entry = self.selected_entry()
        if entry is not None:
            self.applyRequested.emit(entry.kernel)

    @Slot()
    def edit_selected(self) -> None:
        entry = self.selected_entry()
        if entry is not None:
            self.editRequested.emit(entry.kernel)

    def save_kernel(
        self,
        kernel: Kernel,
        *,
        name: str | None = None,
        category: str | None = None,
        parent: QWidget | None = None,
    ) -> str | None:
        """Save ``kernel`` in the user library, asking for name and category unless given.

        The one place anything is written into the library (the editor's kernel, a learned
        one): one dialog, one message if it fails. ``parent`` is the window the user is in.
        The key saved under, or None if the user cancelled or the save failed.
        """
        parent = parent or self
        description = kernel.description
        if name is None:
            answer = KernelSaveDialog.ask(kernel, self.library.categories(), parent)
            if answer is None:
                return None
            name, category, description = answer
        try:
            key = self.library.save(
                kernel.replace(
                    name=name, category=category or DEFAULT_CATEGORY, description=description
                )
            )
        except (LibraryError, KernelFileError, OSError) as exc:
            QMessageBox.warning(parent, "Cannot save the kernel", str(exc))
            return None
        self.reload(select=key)
        self.message.emit(f"Saved \u201c{name}\u201d in your library.")
        return key

    @Slot()
    def duplicate_selected(self) -> str | None:
        entry = self.selected_entry()
        if entry is None:
            return None
        return self._library_call(lambda: self.library.duplicate(entry.key), "duplicate")

    @Slot()
    def rename_selected(self, new_name: str | None = None) -> str | None:
        entry = self.selected_entry()
        if entry is None or entry.builtin:
            return None
        if not new_name:
            new_name, ok = QInputDialog.getText(
                self, "Rename kernel", "New name:", text=entry.kernel.name
            )
            if not ok or not new_name.strip():
                return None
        return self._library_call(
            lambda: self.library.rename(entry.key, new_name.strip()), "rename"
        )

    @Slot()
    def delete_selected(self, *, confirm: bool = True) -> bool:
        entry = self.selected_entry()
        if entry is None or entry.builtin:
            return False
        if confirm:
            answer = QMessageBox.question(
                self,
                "Delete kernel",
                f"Delete \u201c{entry.kernel.name or entry.key}\u201d from your library?\n"
                f"The file {entry.path} is removed.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return False
        return (
            self._library_call(lambda: self.library.delete(entry.key) or "", "delete") is not None
        )

    def _library_call(self, call, verb: str) -> str | None:
        try:
            key = call()
        except (LibraryError, KernelFileError, OSError) as exc:
            QMessageBox.warning(self, f"Cannot {verb} the kernel", str(exc))
            return None
        self.reload(select=key or None)
        return key

    @Slot()
    def import_dialog(self) -> None:
        paths = ask_files_to_import(self)
        if paths:
            self.import_files(paths)

    def import_files(self, paths: list[Path]) -> list[str]:
        """Add every kernel in ``paths`` to the user library; one message for notes/errors."""
        keys, notes, errors = import_into_library(self.library, paths)
        self.reload(select=keys[-1] if keys else None)
        if errors:
            QMessageBox.warning(self, "Some kernels were not imported", "\n\n".join(errors + notes))
        elif notes:
            QMessageBox.information(self, "Kernels imported", "\n\n".join(notes))
        if keys:
            self.message.emit(f"Imported {len(keys)} kernel(s).")
        return keys

    @Slot()
    def export_selected(self, path: str | None = None) -> bool:
        entry = self.selected_entry()
        if entry is None:
            return False
        target = Path(path) if path else ask_export_path(self, f"{entry.key}.json")
        if target is None:
            return False
        try:
            notes = export_with_notes(entry.kernel, target)
        except (KernelFileError, KernelError, OSError) as exc:
            QMessageBox.warning(self, "Cannot export the kernel", str(exc))
            return False
        if notes:
            QMessageBox.information(self, "Kernel exported", "\n".join(notes))
        self.message.emit(f"Exported to {target}.")
        return True

    # -- previews ------------------------------------------------------------------------
    def set_image(self, pixels: np.ndarray | None) -> None:
        """Recompute the previews on ``pixels`` (the current image)."""
        self.thumbnails.set_image(pixels)
        self.thumbnails.request([(e.key, e.kernel) for e in self.library.entries])

    @Slot()
    def _apply_icons(self) -> None:
        def icon_for(key: str):
            return (
                self.thumbnails.icon(key, self.library.get(key).kernel)
                if key in self.library
                else None
            )

        self.model.set_icons(icon_for)
