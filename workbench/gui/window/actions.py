"""The main window's commands as ``QAction``s, with their shortcuts, menus and toolbar."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QMessageBox, QStyle, QToolBar

__all__ = ["WindowActions"]

_Key = QKeySequence.StandardKey


class WindowActions:
    """Creates every action of the main window; the window connects them to its slots.

    Attributes are the actions by name (``open``, ``save``, ``undo``, ``apply`` ...) and
    ``recent_menu``, the Open Recent submenu the window fills.
    """

    def __init__(self, window: QMainWindow) -> None:
        style = window.style()

        def make(name, text, shortcut=None, tip="", icon=None, checkable=False) -> QAction:
            action = QAction(text, window)
            action.setObjectName(f"action_{name}")
            if shortcut is not None:
                shortcuts = shortcut if isinstance(shortcut, list) else [shortcut]
                action.setShortcuts([QKeySequence(s) for s in shortcuts])
            if tip:
                action.setStatusTip(tip)
                action.setToolTip(tip)
            if icon is not None:
                action.setIcon(style.standardIcon(icon))
            action.setCheckable(checkable)
            setattr(self, name, action)
            return action

        sp = QStyle.StandardPixmap
        make("open", "&Open\u2026", _Key.Open, "Open one or more images", sp.SP_DialogOpenButton)
        make("save", "&Save", _Key.Save, "Save the image", sp.SP_DialogSaveButton)
        make("save_as", "Save &As\u2026", "Ctrl+Shift+S", "Save the image under a new name")
        make("close_tab", "&Close Image", _Key.Close, "Close the current image")
        make("quit", "&Quit", "Ctrl+Q", "Quit Filter Workbench")
        self.quit.setMenuRole(QAction.MenuRole.QuitRole)
        make("undo", "&Undo", "Ctrl+Z", "Undo the last step", sp.SP_ArrowBack)
        redo_keys = ["Ctrl+Shift+Z", "Ctrl+Y"]
        make("redo", "&Redo", redo_keys, "Redo the step undone", sp.SP_ArrowForward)
        make("revert", "Re&vert", None, "Back to the image as last saved", sp.SP_BrowserReload)
        make("zoom_in", "Zoom &In", ["Ctrl++", "Ctrl+="], "Zoom in")
        make("zoom_out", "Zoom &Out", "Ctrl+-", "Zoom out")
        make("fit", "&Fit in Window", "Ctrl+0", "Show the whole image")
        make("actual_size", "&100 %", "Ctrl+1", "One image pixel per screen pixel")
        make(
            "fit_enlarges",
            "Fit &Enlarges Small Images",
            None,
            "Fit in Window also enlarges an image smaller than the window",
            checkable=True,
        )
        make(
            "split",
            "&Before/After Split",
            "Ctrl+\\",
            "Compare before and after with a draggable divider (hold \\ to see before)",
            checkable=True,
        )
        make("apply", "&Apply Kernel", "Ctrl+F", "Apply the editor's kernel to the image")
        make("repeat", "&Repeat Last Filter", "Ctrl+Shift+F", "Apply the last filter again")
        make(
            "live_preview",
            "&Live Preview",
            None,
            "Show each kernel edit on the image",
            checkable=True,
        )
        self.live_preview.setChecked(True)
        make(
            "open_kernel",
            "Open &Kernel File\u2026",
            "Ctrl+Shift+O",
            "Load a kernel file (JSON, ImageJ, Photoshop .acf, GIMP) into the editor",
        )
        make(
            "save_kernel",
            "&Save Kernel to Library\u2026",
            None,
            "Keep the editor's kernel in your library",
        )
        make(
            "learn",
            "&Learn from Examples\u2026",
            "Ctrl+L",
            "Find the kernel that turns a before image into an after image",
        )
        make("manual", "&Manual", "F1", "A short manual of the app (offline)")
        make("shortcuts", "&Keyboard Shortcuts", None, "Every key and what it does")
        self.manual.triggered.connect(lambda: _show_manual(window))
        self.shortcuts.triggered.connect(lambda: _show_shortcuts(window, self))
        make("about", "&About Filter Workbench", None)
        self.about.setMenuRole(QAction.MenuRole.AboutRole)
        self.about.triggered.connect(lambda: _show_about(window))

        bar = window.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(self.open)
        self.recent_menu = QMenu("Open &Recent", window)
        self.recent_menu.setObjectName("recentMenu")
        file_menu.addMenu(self.recent_menu)
        file_menu.addSeparator()
        for action in (self.save, self.save_as, self.close_tab):
            file_menu.addAction(action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit)

        edit_menu = bar.addMenu("&Edit")
        for action in (self.undo, self.redo, self.revert):
            edit_menu.addAction(action)

        self.view_menu = bar.addMenu("&View")
        for action in (self.zoom_in, self.zoom_out, self.fit, self.actual_size):
            self.view_menu.addAction(action)
        self.view_menu.addAction(self.fit_enlarges)
        self.view_menu.addSeparator()
        self.view_menu.addAction(self.split)
        self.view_menu.addSeparator()

        filter_menu = bar.addMenu("Fi&lters")
        for action in (self.apply, self.repeat, self.live_preview):
            filter_menu.addAction(action)
        filter_menu.addSeparator()
        for action in (self.open_kernel, self.save_kernel):
            filter_menu.addAction(action)
        filter_menu.addSeparator()
        filter_menu.addAction(self.learn)

        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.manual)
        help_menu.addAction(self.shortcuts)
        help_menu.addSeparator()
        help_menu.addAction(self.about)

        toolbar = QToolBar("Main toolbar", window)
        toolbar.setObjectName("mainToolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        for action in (self.open, self.save, None, self.undo, self.redo, None):
            toolbar.addAction(action) if action else toolbar.addSeparator()
        for action in (self.zoom_out, self.zoom_in, self.fit, self.actual_size, self.split):
            toolbar.addAction(action)
        toolbar.addSeparator()
        for action in (self.apply, self.learn):
            toolbar.addAction(action)
        self.zoom_in.setIconText("Zoom +")
        self.zoom_out.setIconText("Zoom \u2212")
        self.fit.setIconText("Fit")
        self.split.setIconText("Split")
        self.apply.setIconText("Apply")
        self.learn.setIconText("Learn\u2026")
        # The toolbar says only "Undo"/"Redo", so its buttons never move as the step's name
        # changes; the name is in the tooltip and the Edit menu.
        self.undo.setIconText("Undo")
        self.redo.setIconText("Redo")
        window.addToolBar(Qt.ToolBarArea.TopToolBarArea, toolbar)
        self.toolbar = toolbar

    def update_for(self, document, *, has_last_filter: bool) -> None:
        """Enable what makes sense for ``document`` (the current image, or None)."""
        has = document is not None
        for name in ("save", "save_as", "close_tab", "zoom_in", "zoom_out", "fit", "apply"):
            getattr(self, name).setEnabled(has)
        self.actual_size.setEnabled(has)
        self.repeat.setEnabled(has and has_last_filter)
        can_undo = has and document.can_undo()
        can_redo = has and document.can_redo()
        self.undo.setEnabled(can_undo)
        self.redo.setEnabled(can_redo)
        # A "&" in a kernel's name is text, not the menu shortcut: doubled.
        undo, redo = (document.undo_label(), document.redo_label()) if has else ("", "")
        self.undo.setText(f"&Undo {undo.replace('&', '&&')}" if can_undo else "&Undo")
        self.redo.setText(f"&Redo {redo.replace('&', '&&')}" if can_redo else "&Redo")
        self.undo.setToolTip(f"Undo {undo} (Ctrl+Z)" if can_undo else "Nothing to undo")
        self.redo.setToolTip(f"Redo {redo} (Ctrl+Shift+Z)" if can_redo else "Nothing to redo")
        self.revert.setEnabled(has and document.modified)


def _show_manual(window: QMainWindow) -> None:
    from workbench.gui.window.help import ManualDialog

    ManualDialog(window).exec()


def _show_shortcuts(window: QMainWindow, actions: WindowActions) -> None:
    from workbench.gui.window.help import ShortcutsDialog

    mine = [a for a in vars(actions).values() if isinstance(a, QAction)]
    ShortcutsDialog(mine, window).exec()


def _show_about(window: QMainWindow) -> None:
    QMessageBox.about(
        window,
        "About Filter Workbench",
        "<b>Filter Workbench</b><p>Apply, design and learn convolution filters.</p>"
        "<p>Hold \\ to see the image before the filter; Ctrl+\\ splits the view.</p>",
    )
