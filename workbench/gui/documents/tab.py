"""One tab of the main window: an :class:`ImageDocument` shown in an :class:`ImageView`.

The tab is what the window and the live preview talk to: it offers the viewer's calls and
signals they need, so nobody reaches into its child view (``view`` is there for tests).
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
from PySide6.QtCore import QRect, Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from workbench.gui.model.document import ImageDocument
from workbench.gui.viewer.display import DisplayImage, to_display
from workbench.gui.viewer.image_view import ImageView

__all__ = ["DocumentTab"]

_DISPLAY_CACHE = 4  # 8-bit copies kept for quick undo/redo and the "before" image


class DocumentTab(QWidget):
    """A document, its viewer and a few cached screen copies of its states."""

    #: The pointer is over image pixel (x, y); (-1, -1) when it left the image.
    pixelHovered = Signal(int, int)
    #: An image pixel was clicked without dragging (the pixel inspector pins it).
    pixelClicked = Signal(int, int)
    #: The zoom factor changed (1.0 = 100 %).
    zoomChanged = Signal(float)
    #: The visible part of the image changed (pan, zoom, resize).
    viewportMoved = Signal()

    def __init__(
        self,
        document: ImageDocument,
        display: DisplayImage | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.document = document
        self.view = ImageView(self)
        self.view.setObjectName("imageView")
        self.view.pixelHovered.connect(self.pixelHovered)
        self.view.pixelClicked.connect(self.pixelClicked)
        self.view.zoomChanged.connect(self.zoomChanged)
        self.view.viewportMoved.connect(self.viewportMoved)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self._displays: OrderedDict[int, tuple[np.ndarray, DisplayImage]] = OrderedDict()
        #: The pixels the view shows as "before" (split and hold-to-compare).
        self.before_pixels = document.pixels
        if display is not None:
            self.remember(document.pixels, display)
        self.refresh()

    def remember(self, pixels: np.ndarray, display: DisplayImage) -> None:
        """Keep ``display`` as the screen copy of ``pixels`` (made by a worker)."""
        self._displays[id(pixels)] = (pixels, display)
        self._displays.move_to_end(id(pixels))
        while len(self._displays) > _DISPLAY_CACHE:
            self._displays.popitem(last=False)

    def display_of(self, pixels: np.ndarray) -> DisplayImage:
        """The screen copy of ``pixels``, made now if not cached (fast enough for undo)."""
        hit = self._displays.get(id(pixels))
        if hit is not None and hit[0] is pixels:
            self._displays.move_to_end(id(pixels))
            return hit[1]
        display = to_display(pixels)
        self.remember(pixels, display)
        return display

    def refresh(self) -> None:
        """Show the document's current pixels; "before" is the last saved version."""
        doc = self.document
        current = self.display_of(doc.pixels)
        self.before_pixels = doc.saved_pixels if doc.modified else doc.pixels
        self.view.set_image(current, self.display_of(self.before_pixels))

    def show_preview_before(self) -> None:
        """While a preview shows, "before" is the current image without the filter.

        What is on screen stays (the previous preview, or the image) until the new preview
        arrives: no flash of the unfiltered image between edits.
        """
        self.before_pixels = self.document.pixels
        self.view.set_before(self.display_of(self.document.pixels))

    def mark_preview(self, on: bool, note: str = "") -> None:
        """Say on the canvas that what it shows is a preview, not the image ("Preview")."""
        self.view.set_badge(("Preview" + (f": {note}" if note else "")) if on else "")

    def shows_preview_mark(self) -> bool:
        return bool(self.view.badge())

    # -- what the live preview shows ----------------------------------------------------
    def show_preview_patch(self, display: DisplayImage, x: int, y: int, scale: float) -> None:
        """Lay a quick preview of part of the image over the canvas at (x, y), scaled."""
        self.view.set_patch(display, x, y, scale)

    def show_preview(self, display: DisplayImage) -> None:
        """Show the filtered whole image (the full preview) as "after"."""
        self.view.set_after(display)

    def clear_preview_patch(self) -> None:
        self.view.clear_patch()

    def visible_image_rect(self) -> QRect:
        """The part of the image on screen, in image pixels."""
        return self.view.visible_image_rect()

    # -- zoom, split and compare --------------------------------------------------------
    def zoom(self) -> float:
        return self.view.zoom

    def set_zoom(self, zoom: float) -> None:
        self.view.set_zoom(zoom)

    def set_fit_enlarges(self, on: bool) -> None:
        """Whether Fit enlarges an image smaller than the view."""
        self.view.set_fit_enlarges(on)

    def zoom_in(self) -> None:
        self.view.zoom_in()

    def zoom_out(self) -> None:
        self.view.zoom_out()

    def fit(self) -> None:
        self.view.fit()

    def actual_size(self) -> None:
        self.view.actual_size()

    def set_split(self, on: bool) -> None:
        self.view.set_split(on)

    def shows_before_at(self, x: float) -> bool:
        """Whether image column ``x`` shows "before" (left of the split, or while comparing)."""
        return self.view.shows_before_at(x)

    def set_showing_original(self, on: bool) -> None:
        """Show "before" instead of the image while the compare key is held."""
        self.view.set_showing_original(on)
