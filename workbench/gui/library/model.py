"""The filter library as a tree model: categories, then kernels, searchable through a proxy."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtGui import QFont, QIcon, QStandardItem, QStandardItemModel

from workbench.engine import Kernel
from workbench.engine.library import LibraryEntry

__all__ = ["KEY_ROLE", "SEARCH_ROLE", "LibraryModel", "LibrarySearch"]

#: The library key of a kernel row (None on category rows).
KEY_ROLE = Qt.ItemDataRole.UserRole + 1
#: Text the search box matches: name, category, description and key.
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 2

_SELECTABLE = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


class LibraryModel(QStandardItemModel):
    """Two columns, Filter and Size; one top-level row per category, in the library's order."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setHorizontalHeaderLabels(["Filter", "Size"])

    def rebuild(
        self, entries: list[LibraryEntry], icon_for: Callable[[str, Kernel], QIcon | None]
    ) -> None:
        self.removeRows(0, self.rowCount())
        groups: dict[str, QStandardItem] = {}
        bold = QFont()
        bold.setBold(True)
        for entry in entries:
            category = entry.kernel.category or "Other"
            group = groups.get(category)
            if group is None:
                group = QStandardItem(category)
                group.setFont(bold)
                group.setFlags(Qt.ItemFlag.ItemIsEnabled)
                group.setData(category, SEARCH_ROLE)
                blank = QStandardItem("")
                blank.setFlags(Qt.ItemFlag.ItemIsEnabled)
                self.appendRow([group, blank])
                groups[category] = group
            group.appendRow(self._row(entry, icon_for(entry.key, entry.kernel)))

    @staticmethod
    def _row(entry: LibraryEntry, icon: QIcon | None) -> list[QStandardItem]:
        k = entry.kernel
        name = QStandardItem(k.name or entry.key)
        name.setData(entry.key, KEY_ROLE)
        name.setData(" ".join((k.name, k.category, k.description, entry.key)), SEARCH_ROLE)
        owner = "built-in (read-only)" if entry.builtin else f"yours: {entry.path}"
        name.setToolTip(f"<b>{k.name or entry.key}</b><br>{k.description}<br><i>{owner}</i>")
        name.setFlags(_SELECTABLE)
        if not entry.builtin:  # the user's own kernels stand out
            font = QFont()
            font.setItalic(True)
            name.setFont(font)
        if icon is not None:
            name.setIcon(icon)
        kh, kw = k.shape
        size = QStandardItem(f"{kh}\u00d7{kw}" + (" colour" if k.is_color else ""))
        size.setFlags(_SELECTABLE)
        size.setData(entry.key, KEY_ROLE)
        return [name, size]

    def set_icons(self, icon_for: Callable[[str], QIcon | None]) -> None:
        """Put the icons that ``icon_for(key)`` has on the kernel rows."""
        root = self.invisibleRootItem()
        for row in range(root.rowCount()):
            group = root.child(row, 0)
            for child in range(group.rowCount()):
                item = group.child(child, 0)
                icon = icon_for(item.data(KEY_ROLE))
                if icon is not None:
                    item.setIcon(icon)


class LibrarySearch(QSortFilterProxyModel):
    """Case-insensitive search that keeps a category while any of its kernels matches."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setRecursiveFilteringEnabled(True)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterRole(SEARCH_ROLE)
