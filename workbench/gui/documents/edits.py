"""Changes to the current image: filters applied as undo steps, Repeat, Undo, Redo, Revert.

A filter whose full live preview is already on screen is taken as it is; any other runs on the
worker through :class:`~workbench.gui.documents.jobs.ImageJobs`, and its result becomes an undo step
only if the image has not changed in the meantime.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal, Slot

from workbench.engine import Kernel
from workbench.gui.documents.jobs import ImageJobs
from workbench.gui.documents.preview import LivePreview
from workbench.gui.documents.status_bar import StatusBar
from workbench.gui.documents.tabs import ImageTabs
from workbench.gui.model.filter_settings import FilterSettings

__all__ = ["ImageEdits"]


class ImageEdits(QObject):
    """Edits the image of the current tab of ``tabs``."""

    #: The current image changed (a filter applied, undone, redone or reverted).
    imageChanged = Signal()

    def __init__(
        self,
        tabs: ImageTabs,
        preview: LivePreview,
        jobs: ImageJobs,
        status: StatusBar,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._tabs = tabs
        self._preview = preview
        self._jobs = jobs
        self._status = status
        #: The last filter applied to any image, for Repeat on an image not filtered yet.
        self.last_filter: FilterSettings | None = None
        jobs.applied.connect(self._on_applied)

    def apply(self, settings: FilterSettings) -> None:
        """Filter the current image with ``settings`` as one undo step."""
        tab = self._tabs.current()
        if tab is None:
            return
        if not settings.filters_anything(tab.document.pixels):
            self._status.showMessage("No channel to filter: tick R, G, B (or A) first.", 6000)
            return
        ready = self._preview.result_for(tab, settings)
        if ready is not None:  # the full preview is exactly this: no need to filter again
            self._applied(tab, tab.document.state_id, settings, ready.pixels, ready.display)
            return
        self._preview.clear()
        self._jobs.apply(tab, settings)

    def apply_kernel(self, kernel: Kernel, like: FilterSettings) -> None:
        """Apply ``kernel`` with the channels and alpha weighting of ``like``."""
        self.apply(FilterSettings(kernel, like.channels, like.alpha_weighting))

    @Slot()
    def repeat(self) -> None:
        tab = self._tabs.current()
        last = tab.document.last_filter if tab is not None else None
        last = last or self.last_filter
        if last is not None:
            self.apply(last)

    @Slot(object, int, object, object, object)
    def _on_applied(self, tab, state_id: int, settings, pixels, display) -> None:
        if self._tabs.contains(tab):
            self._applied(tab, state_id, settings, pixels, display)

    def _applied(self, tab, state_id, settings, pixels, display) -> None:
        doc = tab.document
        if doc.state_id != state_id:
            self._status.showMessage("The image changed while filtering: result dropped.", 5000)
            return
        doc.apply(pixels, settings.label)
        doc.last_filter = settings
        self.last_filter = settings
        tab.remember(doc.pixels, display)  # the document keeps a read-only view
        self._preview.clear()
        self._status.showMessage(f"Applied {settings.label}.", 4000)
        self.imageChanged.emit()

    @Slot()
    def undo(self) -> None:
        self._step(lambda doc: doc.undo())

    @Slot()
    def redo(self) -> None:
        self._step(lambda doc: doc.redo())

    @Slot()
    def revert(self) -> None:
        self._step(lambda doc: doc.revert())

    def _step(self, change) -> None:
        tab = self._tabs.current()
        if tab is not None and change(tab.document):
            self.imageChanged.emit()
