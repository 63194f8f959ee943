"""Before a save: files the app must never write, and originals a save would re-encode.

* The bundled sample image and every file installed with the app are read-only: Save on them
  acts as Save As, and no save writes into the installation (a damaged sample would show in
  every later start and every library thumbnail).
* Save over a file opened from a lossy format (JPEG, lossy WebP) encodes it again and loses a
  little more each time: the user is asked first, as Photoshop does (GIMP sends users to
  Export for the same reason).
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtWidgets import QMessageBox, QWidget

import workbench
from workbench.paths import builtin_kernels_dir, resources_dir

__all__ = ["ask_to_reencode", "lossy_original", "read_only_reason", "webp_is_lossy"]


def _installed_folders() -> list[Path]:
    return [
        resources_dir().resolve(),
        builtin_kernels_dir().resolve(),
        Path(workbench.__file__).resolve().parent,
    ]


def read_only_reason(path: Path) -> str | None:
    """Why the app must not write ``path`` (in the user's words), or None if it may."""
    target = Path(path).resolve()
    if target == (resources_dir() / "sample.png").resolve():
        return f"{target.name} is the bundled sample image and is read-only"
    for folder in _installed_folders():
        if target.is_relative_to(folder):
            return f"{target.name} is installed with Filter Workbench and is read-only"
    if target.exists() and not os.access(target, os.W_OK):
        return f"{target.name} is read-only (no permission to write it)"
    if not target.exists() and target.parent.is_dir() and not os.access(target.parent, os.W_OK):
        return f"the folder {target.parent} is read-only (no permission to write in it)"
    return None


def webp_is_lossy(path: Path) -> bool:
    """Whether the WebP file at ``path`` holds lossy data (a "VP8 " chunk, not "VP8L")."""
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError:
        return False
    if head[:4] != b"RIFF" or head[8:12] != b"WEBP":
        return False
    return b"VP8 " in head[12:] and b"VP8L" not in head[12:16]


def lossy_original(document, path: Path) -> str | None:
    """The lossy format a Save to ``path`` would encode ``document`` into again, or None.

    Only a save over the file the image came from counts: choosing JPEG in Save As is the
    user's own choice of a new file.
    """
    if document.path is None or Path(path).resolve() != Path(document.path).resolve():
        return None
    kind = getattr(document.source, "format", "") or ""
    if kind.upper() == "JPEG":
        return "JPEG"
    if kind.upper() == "WEBP" and webp_is_lossy(Path(path)):
        return "lossy WebP"
    return None


def ask_to_reencode(parent: QWidget, path: Path, kind: str) -> bool:
    """Ask before saving over a lossy original; True to go ahead."""
    answer = QMessageBox.question(
        parent,
        f"Save over a {kind} file?",
        f"{Path(path).name} was opened from {kind}. Saving over it encodes the image as "
        f"{kind} again, which loses a little more detail each time.\n\n"
        "Save over it anyway? (Save As PNG or TIFF keeps every pixel.)",
        QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel,
    )
    return answer == QMessageBox.StandardButton.Save
