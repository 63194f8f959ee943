"""File dialogs that remember their folders (open, save, kernel files) in QSettings, and the
PNG compression level asked for when an image is saved as PNG."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFileDialog, QInputDialog, QWidget

from workbench.engine.imageio import IMAGE_EXTENSIONS, PNG_COMPRESSION
from workbench.engine.kernel_files import IMPORT_EXTENSIONS
from workbench.gui.library.kernel_files import KERNEL_FILE_FILTER

__all__ = [
    "DEFAULT_QUALITY",
    "IMAGE_FILTER",
    "KERNEL_EXTENSIONS",
    "QUALITY_EXTENSIONS",
    "SAVE_FILTERS",
    "FileDialogs",
]

IMAGE_FILTER = "Images (" + " ".join(f"*{e}" for e in IMAGE_EXTENSIONS) + ");;All files (*)"
#: The save dialog's file types -> their extensions (the first is added to a bare name).
SAVE_FILTERS = {
    "PNG image (*.png)": (".png",),
    "JPEG image (*.jpg *.jpeg)": (".jpg", ".jpeg"),
    "TIFF image (*.tif *.tiff)": (".tif", ".tiff"),
    "WebP image (*.webp)": (".webp",),
    "BMP image (*.bmp)": (".bmp",),
}
#: JPEG and WebP quality offered the first time (photo editors' usual high setting).
DEFAULT_QUALITY = 90
#: Extensions saved with a quality setting.
QUALITY_EXTENSIONS = (".jpg", ".jpeg", ".webp")
#: Dropped or opened files with these endings are kernels, not images.
KERNEL_EXTENSIONS = IMPORT_EXTENSIONS


class FileDialogs:
    """Asks for files, starting where the user last was for that kind of file."""

    def __init__(self, settings: QSettings, parent: QWidget) -> None:
        self._settings = settings
        self._parent = parent

    def _folder(self, key: str, fallback: Path | None = None) -> str:
        value = self._settings.value(f"folders/{key}", "")
        if value and Path(str(value)).is_dir():
            return str(value)
        return str(fallback if fallback is not None else Path.home())

    def _remember(self, key: str, path: str) -> None:
        self._settings.setValue(f"folders/{key}", str(Path(path).parent))

    def images_to_open(self) -> list[str]:
        paths, _ = QFileDialog.getOpenFileNames(
            self._parent, "Open images", self._folder("open"), IMAGE_FILTER
        )
        if paths:
            self._remember("open", paths[0])
        return list(paths)

    def image_to_save(self, current: Path | None) -> Path | None:
        """Where to save; a name typed without a known extension gets the chosen type's."""
        folder = self._folder("save", current.parent if current else None)
        suggestion = str(Path(folder) / (current.name if current else "untitled.png"))
        now = current.suffix.lower() if current else ".png"
        first = next((f for f, ext in SAVE_FILTERS.items() if now in ext), "")
        chosen, kind = QFileDialog.getSaveFileName(
            self._parent, "Save image as", suggestion, ";;".join(SAVE_FILTERS), first
        )
        if not chosen:
            return None
        path = Path(chosen)
        if path.suffix.lower() not in IMAGE_EXTENSIONS:
            extensions = SAVE_FILTERS.get(kind) or (now if now in IMAGE_EXTENSIONS else ".png",)
            path = path.with_name(path.name + extensions[0])
        self._remember("save", str(path))
        return path

    def png_compression(self, *, ask: bool) -> int | None:
        """The PNG compression level: asked for (as GIMP's PNG export does) or remembered.

        None when the user cancels. The level chosen is kept for the next saves.
        """
        remembered = self._settings.value("save/png_compression", PNG_COMPRESSION)
        try:
            level = min(max(int(remembered), 0), 9)
        except (TypeError, ValueError):
            level = PNG_COMPRESSION
        if not ask:
            return level
        level, ok = QInputDialog.getInt(
            self._parent,
            "PNG compression",
            "Compression level, 0 (none, fastest) to 9 (smallest, slowest).\n"
            f"Every level keeps every pixel; {PNG_COMPRESSION} is within a few percent of "
            "9's size, many times faster.",
            level,
            0,
            9,
        )
        if not ok:
            return None
        self._settings.setValue("save/png_compression", int(level))
        return int(level)

    def quality(self, extension: str, *, ask: bool) -> int | None:
        """JPEG or WebP quality (1..100): asked for, or the one chosen last for that format.

        None when the user cancels. WebP at 100 is lossless.
        """
        kind = "WebP" if extension.lower() == ".webp" else "JPEG"
        key = f"save/{kind.lower()}_quality"
        try:
            quality = min(max(int(self._settings.value(key, DEFAULT_QUALITY)), 1), 100)
        except (TypeError, ValueError):
            quality = DEFAULT_QUALITY
        if not ask:
            return quality
        extra = " (100 is lossless)" if kind == "WebP" else ""
        quality, ok = QInputDialog.getInt(
            self._parent,
            f"{kind} quality",
            f"Quality, 1 (smallest file) to 100 (best){extra}.\n"
            "Every save in this format loses some detail; 90 and above is hard to tell "
            "from the original.",
            quality,
            1,
            100,
        )
        if not ok:
            return None
        self._settings.setValue(key, int(quality))
        return int(quality)

    def kernel_to_open(self) -> Path | None:
        path, _ = QFileDialog.getOpenFileName(
            self._parent, "Open kernel file", self._folder("kernels"), KERNEL_FILE_FILTER
        )
        if not path:
            return None
        self._remember("kernels", path)
        return Path(path)
