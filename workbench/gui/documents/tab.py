"""One tab of the main window: an :class:`ImageDocument` shown in an :class:`ImageView`."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from workbench.gui.model.document import ImageDocument
from workbench.gui.viewer.display import DisplayImage, to_display
from workbench.gui.viewer.image_view import ImageView

__all__ = ["DocumentTab"]

_DISPLAY_CACHE = 4  # 8-bit copies kept for quick undo/redo and the "before" image


class DocumentTab(QWidget):
    """A document, its viewer and a few cached screen copies of its states."""

    #: The image pixel under the cursor, (-1, -1) off the image (for the pixel inspector).
    pixelHovered = Signal(int, int)
    #: An image pixel was clicked without dragging.
    pixelClicked = Signal(int, int)

    def __init__(
        self,
        document: ImageDocument,
        display: DisplayImage | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.document = document
        self.view = ImageView(self)
        self.view.pixelHovered.connect(self.pixelHovered)
        self.view.pixelClicked.connect(self.pixelClicked)
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
        """While a preview shows, "before" is the current image without the filter."""
        current = self.display_of(self.document.pixels)
        self.before_pixels = self.document.pixels
        self.view.set_image(current, current)
