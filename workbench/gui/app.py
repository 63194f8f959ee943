"""Start the desktop app: ``workbench [IMAGE ...]`` and ``python -m workbench.gui.app``."""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from workbench.gui.internal_errors import InternalErrorGuard
from workbench.paths import resources_dir

__all__ = [
    "APPLICATION",
    "ORGANIZATION",
    "create_application",
    "main",
    "make_settings",
    "missing_display",
]

ORGANIZATION = "Filter Workbench"
APPLICATION = "Filter Workbench"


def make_settings(path: str | Path | None = None) -> QSettings:
    """The settings store: the user's own by default, or an INI file at ``path`` (tests)."""
    if path is not None:
        return QSettings(str(path), QSettings.Format.IniFormat)
    return QSettings(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION
    )


def sample_image() -> Path:
    """The bundled sample image, opened when no file is given."""
    return resources_dir() / "sample.png"


def missing_display() -> str | None:
    """Why no window can open here, or None.

    Qt aborts the whole process (SIGABRT and a core dump) when it finds no display, so look
    first: on Linux and the BSDs a window needs DISPLAY (X11) or WAYLAND_DISPLAY, unless
    QT_QPA_PLATFORM names a platform of its own (offscreen, vnc, ...).
    """
    if os.environ.get("QT_QPA_PLATFORM") or sys.platform in ("win32", "darwin"):
        return None
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    return (
        "no display found: DISPLAY and WAYLAND_DISPLAY are not set, so no window can open "
        "(start it from a desktop session or 'ssh -X'; the command line works without one, "
        "see 'workbench --help')"
    )


def create_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication with names and icon set (reused if one exists already)."""
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName(APPLICATION)
    icon = resources_dir() / "icon.png"
    if icon.is_file():
        app.setWindowIcon(QIcon(str(icon)))
    return app


def main(paths: list[str] | None = None, *, settings: QSettings | None = None) -> int:
    """Open the main window on ``paths`` (or the sample image) and run until it closes.

    Returns 1, with one line on stderr, where there is no display to open it on.
    """
    problem = missing_display() if QApplication.instance() is None else None
    if problem:
        print(f"workbench: {problem}", file=sys.stderr)
        return 1
    app = create_application()
    from workbench.gui.window.main_window import MainWindow  # after QApplication exists

    window = MainWindow(settings if settings is not None else make_settings())
    # A bug in a slot or thread becomes a dialog and a log entry; the window keeps working.
    guard = InternalErrorGuard(window)
    guard.install()
    window.show()
    # Objects made at start-up live as long as the app: keep the garbage collector's full
    # passes from walking them again and again (fewer pauses while working).
    gc.freeze()
    files = [str(p) for p in paths] if paths else [str(sample_image())]
    # Open once the window is on screen, so a bad file's message has a parent to sit on.
    QTimer.singleShot(0, lambda: window.open_files(files))
    # What the first edit needs, once the window has been painted (a 0 ms timer would run
    # before the first paint); made on the first edit anyway if that comes sooner.
    QTimer.singleShot(300, window.preview.prepare)
    try:
        return app.exec()
    finally:
        guard.uninstall()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
