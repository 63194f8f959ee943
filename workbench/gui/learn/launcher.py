"""Opens "Learn from examples..." for the main window.

The learn dialog is imported only when asked for, so the rest of the app starts (and keeps
working) even if that part cannot load; the user then gets one message saying why.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from workbench.engine import Kernel
from workbench.gui.library.panel import LibraryPanel
from workbench.gui.worker import Runner

__all__ = ["LearnLauncher"]


class LearnLauncher:
    """Keeps at most one learn dialog per window and connects its results to the window:
    a learned kernel opens in the editor, or goes into the library through ``library``."""

    def __init__(
        self,
        parent: QWidget,
        library: LibraryPanel,
        runner: Runner,
        *,
        open_in_editor: Callable[[Kernel], None],
    ) -> None:
        self._parent = parent
        self._library = library
        self._runner = runner
        self._open_in_editor = open_in_editor
        self.dialog = None
        self._opened = 0  # dialogs made so far: tells a late "destroyed" from the current one

    def open(
        self,
        image: np.ndarray | None,
        image_name: str,
        *,
        saved_path: Path | None = None,
        unsaved_edits: int = 0,
    ) -> None:
        """Show the dialog with ``image`` as the first "before" (or raise the open one).

        With ``unsaved_edits`` the dialog starts on the file at ``saved_path`` as saved and
        offers the edited image instead.
        """
        try:
            from workbench.gui.learn.dialog import LearnDialog
        except ImportError as exc:
            QMessageBox.warning(
                self._parent,
                "Learn from examples",
                f"Learning from examples is not available: {exc}",
            )
            return
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.raise_()
            self.dialog.activateWindow()
            return
        dialog = LearnDialog(
            self._parent,
            image=image,
            image_name=image_name,
            runner=self._runner,
            saved_path=saved_path,
            unsaved_edits=unsaved_edits,
        )
        # A closed dialog is deleted with its pairs and result (images can be large); the
        # next Ctrl+L builds a fresh one on the image current then.
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._opened += 1
        dialog.destroyed.connect(partial(self._forget_dialog, self._opened))
        dialog.open_in_editor.connect(self._open_in_editor)
        dialog.add_requested.connect(self._add_to_library)
        self.dialog = dialog
        dialog.show()

    def _add_to_library(self, kernel: Kernel) -> None:
        dialog = self.dialog  # the one that asked: only one is open at a time
        key = self._library.save_kernel(kernel, parent=dialog)
        if key is not None and dialog is not None:
            dialog.show_added(self._library.library.get(key).kernel)

    def _forget_dialog(self, number: int) -> None:
        # A dialog closed just before the next Ctrl+L is deleted after the new one exists.
        if number == self._opened:
            self.dialog = None

    def close(self) -> None:
        if self.dialog is not None:
            self.dialog.close()
