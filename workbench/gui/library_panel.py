"""The filter library dock: built-in and user kernels by category, searchable, with previews.

The tree is a ``QStandardItemModel`` (categories, then kernels) behind a recursive
``QSortFilterProxyModel`` for the search box. Each kernel shows a small preview of its effect
on the current image, computed on the worker from a thumbnail-sized copy.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from PySide6.QtCore import QModelIndex, QSize, QSortFilterProxyModel, Qt, Signal, Slot
from PySide6.QtGui import QAction, QFont, QIcon, QPixmap, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
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
    export_kernel,
    import_kernels,
)
from workbench.gui.display import downsample, to_display
from workbench.gui.filter_settings import FilterSettings
from workbench.gui.kernel_save_dialog import KernelSaveDialog
from workbench.gui.worker import Runner

__all__ = ["KERNEL_FILE_FILTER", "LibraryPanel"]

KEY_ROLE = Qt.ItemDataRole.UserRole + 1
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 2
THUMBNAIL_CHANNEL = "thumbnails"
THUMBNAIL_SIDE = 64
KERNEL_FILE_FILTER = (
    "Kernel files (*.json *.txt *.csv *.kernel *.acf *.settings);;"
    "Filter Workbench (*.json);;ImageJ text (*.txt *.csv *.kernel);;"
    "Photoshop Custom filter (*.acf);;GIMP presets (*.settings);;All files (*)"
)
_EXPORT_FILTER = "Filter Workbench (*.json);;ImageJ text (*.txt);;Photoshop Custom filter (*.acf)"


def _thumbnails(progress, cancel, pixels, kernels):
    """Preview images (key -> QImage) of each kernel on a thumbnail-sized copy."""
    h, w = pixels.shape[:2]
    small = downsample(pixels, max(1, math.ceil(max(h, w) / THUMBNAIL_SIDE)))
    out = {}
    for n, (key, kernel) in enumerate(kernels):
        if cancel.is_set():
            break
        try:
            filtered = FilterSettings(kernel, "RGB").run(small, cancel=cancel)
        except (KernelError, ValueError):
            continue  # e.g. a colour kernel for another channel count: no preview
        out[key] = to_display(filtered).image.copy()  # detached from the numpy buffer
        progress((n + 1) / len(kernels))
    return out


class _SearchProxy(QSortFilterProxyModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setRecursiveFilteringEnabled(True)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterRole(SEARCH_ROLE)
        self.setSortCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)


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
        self._image: np.ndarray | None = None
        self._thumb_id: int | None = None
        self._icons: dict[tuple[str, int], QIcon] = {}

        self.model = QStandardItemModel(self)
        self.model.setHorizontalHeaderLabels(["Filter", "Size"])
        self.proxy = _SearchProxy(self)
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

        runner.finished.connect(self._on_thumbnails)
        self.reload()

    # -- contents ------------------------------------------------------------------------
    def reload(self, select: str | None = None) -> None:
        """Read the library folders again and rebuild the tree (keeping previews)."""
        current = select or self.selected_key()
        self.library.reload()
        self.model.removeRows(0, self.model.rowCount())
        groups: dict[str, QStandardItem] = {}
        bold = QFont()
        bold.setBold(True)
        for entry in self.library.entries:
            category = entry.kernel.category or "Other"
            group = groups.get(category)
            if group is None:
                group = QStandardItem(category)
                group.setFont(bold)
                group.setFlags(Qt.ItemFlag.ItemIsEnabled)
                group.setData(category, SEARCH_ROLE)
                size_item = QStandardItem("")
                size_item.setFlags(Qt.ItemFlag.ItemIsEnabled)
                self.model.appendRow([group, size_item])
                groups[category] = group
            group.appendRow(self._row(entry))
        self.proxy.sort(0)
        self.tree.expandAll()
        self._show_problem_count()
        if current:
            self.select(current)
        self._update_actions()
        self._request_thumbnails()

    def _row(self, entry: LibraryEntry) -> list[QStandardItem]:
        k = entry.kernel
        name = QStandardItem(k.name or entry.key)
        name.setData(entry.key, KEY_ROLE)
        name.setData(" ".join((k.name, k.category, k.description, entry.key)), SEARCH_ROLE)
        owner = "built-in (read-only)" if entry.builtin else f"yours: {entry.path}"
        tip = f"<b>{k.name or entry.key}</b><br>{k.description}<br><i>{owner}</i>"
        name.setToolTip(tip)
        name.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
        if not entry.builtin:
            font = QFont()
            font.setItalic(True)
            name.setFont(font)
        icon = self._icons.get((entry.key, hash(k)))
        if icon is not None:
            name.setIcon(icon)
        kh, kw = k.shape
        size = QStandardItem(f"{kh}\u00d7{kw}" + (" colour" if k.is_color else ""))
        size.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
        size.setData(entry.key, KEY_ROLE)
        return [name, size]

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
        self, kernel: Kernel, *, name: str | None = None, category: str | None = None
    ) -> str | None:
        """Save ``kernel`` in the user library, asking for name and category unless given."""
        description = kernel.description
        if name is None:
            dialog = KernelSaveDialog(kernel, self.library.categories(), self)
            if not dialog.exec():
                return None
            name, category, description = dialog.values()
        try:
            key = self.library.save(
                kernel.replace(
                    name=name, category=category or "My kernels", description=description
                )
            )
        except (LibraryError, KernelFileError, OSError) as exc:
            QMessageBox.warning(self, "Cannot save the kernel", str(exc))
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
        paths, _ = QFileDialog.getOpenFileNames(self, "Import kernels", "", KERNEL_FILE_FILTER)
        if paths:
            self.import_files([Path(p) for p in paths])

    def import_files(self, paths: list[Path]) -> list[str]:
        """Add every kernel in ``paths`` to the user library; one message for notes/errors."""
        keys, notes, errors = [], [], []
        for path in paths:
            try:
                kernels, file_notes = import_kernels(path)
                for kernel in kernels:
                    keys.append(self.library.save(kernel))
                notes += [f"{Path(path).name}: {n}" for n in file_notes]
            except (KernelFileError, KernelError, LibraryError, OSError) as exc:
                errors.append(str(exc))
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
        if path is None:
            path, _ = QFileDialog.getSaveFileName(
                self, "Export kernel", f"{entry.key}.json", _EXPORT_FILTER
            )
            if not path:
                return False
        try:
            notes = export_kernel(entry.kernel, Path(path))
        except (KernelFileError, KernelError, OSError) as exc:
            QMessageBox.warning(self, "Cannot export the kernel", str(exc))
            return False
        if notes:
            QMessageBox.information(self, "Kernel exported", "\n".join(notes))
        self.message.emit(f"Exported to {path}.")
        return True

    # -- previews ------------------------------------------------------------------------
    def set_image(self, pixels: np.ndarray | None) -> None:
        """Recompute the previews on ``pixels`` (the current image)."""
        self._image = pixels
        self._icons.clear()
        self._request_thumbnails()

    def _request_thumbnails(self) -> None:
        if self._image is None:
            return
        todo = [
            (e.key, e.kernel)
            for e in self.library.entries
            if (e.key, hash(e.kernel)) not in self._icons
        ]
        if not todo:
            return
        self._thumb_id = self._runner.submit(
            _thumbnails, channel=THUMBNAIL_CHANNEL, args=(self._image, todo)
        )
        self._thumb_kernels = {key: hash(kernel) for key, kernel in todo}

    @Slot(int, object)
    def _on_thumbnails(self, request_id: int, result: object) -> None:
        if request_id != self._thumb_id:
            return
        self._thumb_id = None
        for key, image in result.items():
            self._icons[(key, self._thumb_kernels[key])] = QIcon(QPixmap.fromImage(image))
        self._apply_icons(self.model.invisibleRootItem())

    def _apply_icons(self, parent: QStandardItem) -> None:
        for row in range(parent.rowCount()):
            item = parent.child(row, 0)
            key = item.data(KEY_ROLE)
            if key is None:
                self._apply_icons(item)
                continue
            try:
                kernel = self.library.get(key).kernel
            except LibraryError:
                continue
            icon = self._icons.get((key, hash(kernel)))
            if icon is not None:
                item.setIcon(icon)

    def thumbnails_pending(self) -> bool:
        return self._thumb_id is not None
