"""The centre of the window: one tab per open image, or a hint when none is open."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QLabel, QStackedWidget, QTabWidget, QWidget

from workbench.gui.documents.tab import DocumentTab
from workbench.gui.model.document import ImageDocument
from workbench.gui.viewer.display import DisplayImage

__all__ = ["ImageTabs"]


class ImageTabs(QStackedWidget):
    """Tabs of :class:`DocumentTab`; each keeps its own document and undo history."""

    #: The current tab changed (a DocumentTab, or None when the last one closed).
    currentTabChanged = Signal(object)
    #: The user clicked a tab's close button.
    closeRequested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("imageTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.setTabsClosable(True)
        self.tabs.setMovable(True)
        self.tabs.currentChanged.connect(self._on_current_changed)
        self.tabs.tabCloseRequested.connect(lambda i: self.closeRequested.emit(self.tabs.widget(i)))
        hint = QLabel("Open an image (Ctrl+O) or drop image and kernel files here.", self)
        hint.setObjectName("emptyHint")
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        hint.setWordWrap(True)  # its one line must not set the window's narrowest width
        hint.setStyleSheet("color: palette(mid); font-size: 15px;")
        self.addWidget(hint)
        self.addWidget(self.tabs)

    def add(
        self,
        document: ImageDocument,
        display: DisplayImage | None = None,
        *,
        order: int | None = None,
    ) -> DocumentTab:
        """A new tab; ``order`` (when files open in the background and finish in any order)
        puts the tabs in the order they were asked for, the last one asked for in front."""
        tab = DocumentTab(document, display, self)
        tab.setProperty("openOrder", order)
        index = self.tabs.count()
        if order is not None:
            for i, other in enumerate(self.all()):
                other_order = other.property("openOrder")
                if other_order is not None and other_order > order:
                    index = i
                    break
        self.tabs.insertTab(index, tab, _literal(document.name))
        self.setCurrentWidget(self.tabs)
        if order is None or index == self.tabs.count() - 1:
            self.tabs.setCurrentIndex(index)
        return tab

    def remove(self, tab: DocumentTab) -> None:
        self.tabs.removeTab(self.tabs.indexOf(tab))
        tab.deleteLater()
        if self.tabs.count() == 0:
            self.setCurrentIndex(0)

    def current(self) -> DocumentTab | None:
        tab = self.tabs.currentWidget()
        return tab if isinstance(tab, DocumentTab) else None

    def all(self) -> list[DocumentTab]:
        return [self.tabs.widget(i) for i in range(self.tabs.count())]

    def count(self) -> int:  # the number of images, not of stacked pages
        return self.tabs.count()

    def contains(self, tab: DocumentTab) -> bool:
        return self.tabs.indexOf(tab) >= 0

    def select(self, tab: DocumentTab) -> None:
        self.tabs.setCurrentWidget(tab)

    def find(self, path: Path) -> DocumentTab | None:
        """The tab showing the file at ``path``, if it is open."""
        target = Path(path).resolve()
        for tab in self.all():
            if tab.document.path is not None and tab.document.path.resolve() == target:
                return tab
        return None

    def set_title(self, tab: DocumentTab, text: str) -> None:
        self.tabs.setTabText(self.tabs.indexOf(tab), _literal(text))
        self.tabs.setTabToolTip(self.tabs.indexOf(tab), str(tab.document.path or text))

    @Slot(int)
    def _on_current_changed(self, index: int) -> None:
        self.currentTabChanged.emit(self.current())


def _literal(text: str) -> str:
    """``text`` for a tab, where a lone "&" would underline the next letter instead."""
    return text.replace("&", "&&")
