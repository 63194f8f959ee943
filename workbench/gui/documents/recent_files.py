"""The Open Recent list, kept in QSettings."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMenu

__all__ = ["RecentFiles"]

MAX_RECENT = 10
_KEY = "recentFiles"


class RecentFiles:
    """Most recently opened or saved images first; at most :data:`MAX_RECENT`."""

    def __init__(self, settings: QSettings) -> None:
        self._settings = settings

    def paths(self) -> list[str]:
        value = self._settings.value(_KEY, [])
        if isinstance(value, str):  # INI files give back a one-item list as a string
            value = [value]
        return [str(v) for v in (value or [])]

    def add(self, path) -> None:
        text = str(Path(path).resolve())
        paths = [text] + [p for p in self.paths() if p != text]
        self._settings.setValue(_KEY, paths[:MAX_RECENT])

    def remove(self, path) -> None:
        text = str(Path(path).resolve())
        self._settings.setValue(_KEY, [p for p in self.paths() if p != text])

    def fill_menu(self, menu: QMenu, open_files: Callable[[list[str]], None]) -> None:
        menu.clear()
        paths = self.paths()
        names = [Path(p).name for p in paths]
        for n, path in enumerate(paths, start=1):
            shown = Path(path).name
            if names.count(shown) > 1:  # same name in two folders: say which folder
                shown = f"{shown} \u2014 {Path(path).parent.name or Path(path).parent}"
            shown = shown.replace("&", "&&")  # a literal "&", not a menu shortcut
            label = f"&{n % 10} {shown}" if n <= 10 else shown
            action = menu.addAction(label)
            action.setToolTip(path)
            action.setStatusTip(path)
            action.triggered.connect(lambda checked=False, p=path: open_files([p]))
        if paths:
            menu.addSeparator()
            clear = menu.addAction("Clear List")
            clear.triggered.connect(
                lambda: (self._settings.setValue(_KEY, []), self.fill_menu(menu, open_files))
            )
        menu.setEnabled(bool(paths))
