"""The main window's docks and the arrangement of window and docks kept in QSettings."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QDockWidget, QFrame, QMainWindow, QMenu, QScrollArea, QWidget

__all__ = ["WindowLayout"]

_GEOMETRY = "window/geometry"
_STATE = "window/state"
# First start: docks wide enough for their labels, the image gets the rest.
_FIRST_DOCK_WIDTHS = (290, 370)


class WindowLayout:
    """Puts ``library`` on the left and ``editor`` on the right of ``window`` as docks.

    ``editor_dock`` and ``library_dock`` are the docks; their show/hide actions go into
    ``view_menu``. :meth:`restore` brings back the last session's arrangement (or a first-start
    one) and :meth:`save` keeps the current one.
    """

    def __init__(
        self, window: QMainWindow, *, editor: QWidget, library: QWidget, view_menu: QMenu
    ) -> None:
        self._window = window
        # The editor (grid, options, kernel views) is taller than a small screen: it scrolls
        # rather than setting the window's minimum height.
        scroller = QScrollArea()
        scroller.setObjectName("kernelDockScroller")
        scroller.setWidget(editor)
        scroller.setWidgetResizable(True)
        scroller.setFrameShape(QFrame.Shape.NoFrame)
        self.editor_dock = self._dock(
            "Kernel editor", "kernelDock", scroller, Qt.DockWidgetArea.RightDockWidgetArea
        )
        self.library_dock = self._dock(
            "Filter library", "libraryDock", library, Qt.DockWidgetArea.LeftDockWidgetArea
        )
        view_menu.addAction(self.editor_dock.toggleViewAction())
        view_menu.addAction(self.library_dock.toggleViewAction())

    def _dock(self, title: str, name: str, widget: QWidget, area) -> QDockWidget:
        dock = QDockWidget(title, self._window)
        dock.setObjectName(name)  # restoreState() finds docks by name
        dock.setWidget(widget)
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
            window.resizeDocks(
                [self.library_dock, self.editor_dock],
                list(_FIRST_DOCK_WIDTHS),
                Qt.Orientation.Horizontal,
            )
        state = settings.value(_STATE)
        if state is not None:
            window.restoreState(state)

    def save(self, settings: QSettings) -> None:
        settings.setValue(_GEOMETRY, self._window.saveGeometry())
        settings.setValue(_STATE, self._window.saveState())
