"""Small previews of each library filter's effect on the current image, made on the worker."""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QIcon, QPixmap

from workbench.engine import Kernel, KernelError
from workbench.gui.model.filter_settings import FilterSettings
from workbench.gui.viewer.display import downsample, to_display
from workbench.gui.worker import Runner

__all__ = ["THUMBNAIL_CHANNEL", "FilterThumbnails"]

THUMBNAIL_CHANNEL = "thumbnails"
THUMBNAIL_SIDE = 64
#: Every preview has this width / height, whatever the image: the list's rows keep their
#: height when another image (portrait, square...) becomes the current one.
THUMBNAIL_ASPECT = 1.5


def _centre_crop(pixels: np.ndarray, aspect: float) -> np.ndarray:
    """The largest centred part of ``pixels`` with width / height = ``aspect`` (a view)."""
    h, w = pixels.shape[:2]
    if w > h * aspect:
        keep = max(1, round(h * aspect))
        left = (w - keep) // 2
        return pixels[:, left : left + keep]
    keep = max(1, round(w / aspect))
    top = (h - keep) // 2
    return pixels[top : top + keep]


def _thumbnails(progress, cancel, pixels, kernels):
    """Preview images (key -> QImage) of each kernel on a thumbnail-sized copy."""
    pixels = _centre_crop(pixels, THUMBNAIL_ASPECT)
    h, w = pixels.shape[:2]
    factor = max(1, math.ceil(max(h, w) / THUMBNAIL_SIDE))
    # Skip rows and columns first, then average what is left: a 12-megapixel image becomes
    # a thumbnail in milliseconds, and an average of 16 samples still hides aliasing.
    step = max(1, factor // 4)
    small = downsample(pixels[::step, ::step], max(1, factor // step))
    out = {}
    for n, (key, kernel) in enumerate(kernels):
        if cancel.is_set():
            break
        try:
            filtered = FilterSettings(kernel, "RGB").run(small, cancel=cancel)
        except (KernelError, ValueError):
            continue  # e.g. a colour kernel for another channel count: no preview
        out[key] = to_display(filtered).image.copy()  # detached from the numpy buffer
        progress((n + 1) / len(kernels))
    return out


class FilterThumbnails(QObject):
    """Keeps one icon per (library key, kernel); computes missing ones in the background."""

    #: New icons are available (ask :meth:`icon` for them).
    updated = Signal()

    def __init__(self, runner: Runner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._image: np.ndarray | None = None
        self._icons: dict[tuple[str, int], QIcon] = {}
        self._request: int | None = None
        self._pending: dict[str, int] = {}
        runner.finished.connect(self._on_finished)

    def set_image(self, pixels: np.ndarray | None) -> None:
        """Previews are of ``pixels`` from now on; the old ones are dropped."""
        self._image = pixels
        self._icons.clear()

    def icon(self, key: str, kernel: Kernel) -> QIcon | None:
        return self._icons.get((key, hash(kernel)))

    def request(self, entries: list[tuple[str, Kernel]]) -> None:
        """Compute the previews still missing for ``entries`` (replacing a stale request)."""
        if self._image is None:
            return
        todo = [(key, k) for key, k in entries if (key, hash(k)) not in self._icons]
        if not todo:
            return
        self._pending = {key: hash(k) for key, k in todo}
        self._request = self._runner.submit(
            _thumbnails, channel=THUMBNAIL_CHANNEL, args=(self._image, todo)
        )

    def is_busy(self) -> bool:
        return self._request is not None

    @Slot(int, object)
    def _on_finished(self, request_id: int, result: object) -> None:
        if request_id != self._request:
            return
        self._request = None
        for key, image in result.items():
            self._icons[(key, self._pending[key])] = QIcon(QPixmap.fromImage(image))
        self.updated.emit()
