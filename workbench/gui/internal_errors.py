"""The app-wide guard: an error nobody handled becomes a dialog, a log entry, and no crash.

Every failure a user can cause is handled where it happens (one message each). What is
left is a bug: an exception escaping a slot, a Python thread or a Qt callback, or a critical
message from Qt itself. :class:`InternalErrorGuard` catches those through ``sys.excepthook``,
``threading.excepthook`` and Qt's message handler, writes the traceback to the log (and to
stderr), and shows one "internal error" dialog whose details can be copied into a bug
report. The window keeps working: the slot that failed is simply over.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import (
    QMessageLogContext,
    QObject,
    QStandardPaths,
    QtMsgType,
    Signal,
    Slot,
    qInstallMessageHandler,
)
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

__all__ = ["InternalErrorGuard", "default_log_path"]

log = logging.getLogger("workbench.gui")


def default_log_path() -> Path:
    """Where internal errors are logged: the app's data folder, ``internal-errors.log``."""
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppLocalDataLocation)
    return Path(folder or Path.home()) / "internal-errors.log"


class InternalErrorGuard(QObject):
    """Install with :meth:`install`; :attr:`dialog` is the dialog last shown (for tests).

    Parameters
    ----------
    parent : QWidget, optional
        The window the dialog sits on.
    log_path : Path, optional
        The log file; :func:`default_log_path` if not given.
    """

    _reported = Signal(str, str)  # summary, details: to the GUI thread from any thread

    def __init__(self, parent: QWidget | None = None, *, log_path: Path | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("internalErrorGuard")
        self._window = parent
        self._log_path = log_path if log_path is not None else default_log_path()
        self._previous: tuple | None = None
        self.dialog: QMessageBox | None = None
        self.count = 0
        self._reported.connect(self._show)

    # -- installing ---------------------------------------------------------------------
    def install(self) -> None:
        """Take over ``sys.excepthook``, ``threading.excepthook`` and Qt's messages."""
        self._previous = (sys.excepthook, threading.excepthook)
        sys.excepthook = self._excepthook
        threading.excepthook = self._thread_excepthook
        qInstallMessageHandler(self._qt_message)

    def uninstall(self) -> None:
        """Give the hooks back (tests, and the end of the app)."""
        if self._previous is not None:
            sys.excepthook, threading.excepthook = self._previous
            self._previous = None
            qInstallMessageHandler(None)

    # -- the hooks ----------------------------------------------------------------------
    def _excepthook(
        self, kind: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        if issubclass(kind, KeyboardInterrupt):  # Ctrl+C in the terminal: quit as usual
            QApplication.quit()
            return
        self.report(f"{kind.__name__}: {exc}", "".join(traceback.format_exception(kind, exc, tb)))

    def _thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return
        details = "".join(
            traceback.format_exception(args.exc_type, args.exc_value, args.exc_traceback)
        )
        name = args.thread.name if args.thread is not None else "a thread"
        self.report(f"{args.exc_type.__name__} in {name}: {args.exc_value}", details)

    def _qt_message(self, mode: QtMsgType, context: QMessageLogContext, message: str) -> None:
        where = f"{context.file}:{context.line}" if context.file else "Qt"
        if mode in (QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg):
            self.report(f"Qt: {message}", f"{where}: {message}")
        else:  # Qt's warnings and debug output: kept in the log, not shown
            log.debug("Qt (%s): %s", where, message)

    # -- reporting ----------------------------------------------------------------------
    def report(self, summary: str, details: str) -> None:
        """Log an internal error and show the dialog (from any thread)."""
        self.count += 1
        log.error("internal error: %s\n%s", summary, details)
        print(f"workbench: internal error: {summary}\n{details}", file=sys.stderr)
        try:
            self._log_path.parent.mkdir(parents=True, exist_ok=True)
            with open(self._log_path, "a", encoding="utf-8", errors="backslashreplace") as fh:
                fh.write(f"internal error: {summary}\n{details}\n")
        except OSError:
            pass
        self._reported.emit(summary, details)

    @Slot(str, str)
    def _show(self, summary: str, details: str) -> None:
        if self.dialog is not None and self.dialog.isVisible():  # a burst: one dialog
            self.dialog.setDetailedText(self.dialog.detailedText() + "\n" + details)
            return
        box = QMessageBox(self._window if self._window is not None else None)
        box.setObjectName("internalErrorDialog")
        box.setIcon(QMessageBox.Icon.Critical)
        box.setWindowTitle("Internal error")
        box.setText(f"Internal error: {_printable(summary)}")
        box.setInformativeText(
            "This is a bug in Filter Workbench, not something you did. The window keeps "
            f"working; nothing was saved or lost. The details below are also in "
            f"{self._log_path}."
        )
        box.setDetailedText(_printable(details))
        box.setStandardButtons(QMessageBox.StandardButton.Close)
        box.setModal(False)
        self.dialog = box
        box.show()


def _printable(text: str) -> str:
    return text.encode("utf-8", "backslashreplace").decode("utf-8")
