"""The main window's docks and the arrangement of window and docks kept in QSettings.

The image is what the window is for: however small the window, the docks together never
take more than half of its width (their contents scroll instead), and a saved arrangement
whose docks would starve the image is not brought back as it was.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSettings, Qt, QTimer
from PySide6.QtWidgets import QDockWidget, QFrame, QMainWindow, QMenu, QScrollArea, QWidget

__all__ = ["MIN_VIEW_SHARE", "WindowLayout"]

_GEOMETRY = "window/geometry"
_STATE = "window/state"
# First start: docks wide enough for their labels and the library's names, the image gets
# the rest.
_FIRST_DOCK_WIDTHS = (330, 350)
#: The image view keeps at least this share of the window's width.
MIN_VIEW_SHARE = 0.5
_MIN_DOCK_WIDTH = 150  # narrower than this a dock is no use: its content scrolls below it


class WindowLayout(QObject):
    """Puts ``library`` on the left and ``editor`` on the right of ``window`` as docks.

    ``editor_dock`` and ``library_dock`` are the docks; their show/hide actions go into
    ``view_menu``. :meth:`restore` brings back the last session's arrangement (or a first-start
    one) and :meth:`save` keeps the current one.
    """

    def __init__(
        self, window: QMainWindow, *, editor: QWidget, library: QWidget, view_menu: QMenu
    ) -> None:
        super().__init__(window)
        self._window = window
        # The editor scrolls its own form and grid, keeping its message and Apply in sight.
        self.editor_dock = self._dock(
            "Kernel editor",
            "kernelDock",
            editor,
            Qt.DockWidgetArea.RightDockWidgetArea,
            scroll=False,
        )
        self.library_dock = self._dock(
            "Filter library", "libraryDock", library, Qt.DockWidgetArea.LeftDockWidgetArea
        )
        view_menu.addAction(self.editor_dock.toggleViewAction())
        view_menu.addAction(self.library_dock.toggleViewAction())
        self._pending = False
        window.installEventFilter(self)

    def _dock(
        self, title: str, name: str, widget: QWidget, area, *, scroll: bool = True
    ) -> QDockWidget:
        dock = QDockWidget(title, self._window)
        dock.setObjectName(name)  # restoreState() finds docks by name
        content = widget
        if scroll:  # in a narrow dock the content scrolls rather than pushing the image aside
            content = QScrollArea(dock)
            content.setObjectName(f"{name}Scroll")
            content.setWidget(widget)
            content.setWidgetResizable(True)
            content.setFrameShape(QFrame.Shape.NoFrame)
            content.setMinimumWidth(_MIN_DOCK_WIDTH)
        dock.setWidget(content)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        self._window.addDockWidget(area, dock)
        return dock

    def restore(self, settings: QSettings) -> None:
        window = self._window
        geometry = settings.value(_GEOMETRY)
        if geometry is not None:
            window.restoreGeometry(geometry)
        else:
            screen = window.screen().availableGeometry()
            window.resize(min(1600, screen.width() - 40), min(1000, screen.height() - 60))
            self.reset_dock_widths()
            # Docks take their widths for good only once the window is laid out on screen.
            QTimer.singleShot(0, self.reset_dock_widths)
        state = settings.value(_STATE)
        if state is not None:
            window.restoreState(state)
        self._keep_view_space_soon()  # a saved layout that starves the image is not kept

    def save(self, settings: QSettings) -> None:
        settings.setValue(_GEOMETRY, self._window.saveGeometry())
        settings.setValue(_STATE, self._window.saveState())

    # -- the image keeps its space -------------------------------------------------------
    def view_share(self) -> float:
        """The share of the window's width the image view has."""
        central = self._window.centralWidget()
        width = max(self._window.width(), 1)
        return central.width() / width if central is not None else 1.0

    def _docked(self) -> list[QDockWidget]:
        return [
            d for d in (self.library_dock, self.editor_dock) if d.isVisible() and not d.isFloating()
        ]

    def reset_dock_widths(self) -> None:
        """The first-start widths: the library's names and the editor's form fit whole."""
        self._window.resizeDocks(
            [self.library_dock, self.editor_dock],
            list(_FIRST_DOCK_WIDTHS),
            Qt.Orientation.Horizontal,
        )

    def keep_view_space(self) -> None:
        """Narrow the docks (in proportion) when the image has less than half the width."""
        self._pending = False
        docks = self._docked()
        if not docks or self.view_share() >= MIN_VIEW_SHARE:
            return
        # Separators and frames take a few pixels per dock beyond the widths asked for.
        budget = int(self._window.width() * (1 - MIN_VIEW_SHARE)) - 20 * len(docks)
        widths = [d.width() for d in docks]
        total = max(sum(widths), 1)
        fitted = [max(_MIN_DOCK_WIDTH, budget * w // total) for w in widths]
        self._window.resizeDocks(docks, fitted, Qt.Orientation.Horizontal)

    def _keep_view_space_soon(self) -> None:
        if not self._pending:
            self._pending = True
            QTimer.singleShot(0, self.keep_view_space)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._window and event.type() in (QEvent.Type.Resize, QEvent.Type.Show):
            self._keep_view_space_soon()
        return False
