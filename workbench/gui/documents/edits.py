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
from workbench.gui.documents.tabs import ImageTabs
from workbench.gui.model.filter_settings import FilterSettings

__all__ = ["ImageEdits"]


class ImageEdits(QObject):
    """Edits the image of the current tab of ``tabs``."""

    #: A tab's image changed (a filter applied, undone, redone or reverted) and is on screen.
    imageChanged = Signal()
    #: A short note for the status bar and how long to show it (milliseconds).
    message = Signal(str, int)

    def __init__(
        self,
        tabs: ImageTabs,
        preview: LivePreview,
        jobs: ImageJobs,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._tabs = tabs
        self._preview = preview
        self._jobs = jobs
        #: The last filter applied to any image, for Repeat on an image not filtered yet.
        self.last_filter: FilterSettings | None = None
        jobs.applied.connect(self._on_applied)
        jobs.cancelled.connect(self._on_cancelled)
        jobs.failed.connect(self._on_failed)

    def apply(self, settings: FilterSettings) -> None:
        """Filter the current image with ``settings`` as one undo step."""
        tab = self._tabs.current()
        if tab is None:
            return
        if not settings.filters_anything(tab.document.pixels):
            self.message.emit("No channel to filter: tick R, G, B (or A) first.", 6000)
            return
        ready = self._preview.result_for(tab, settings)
        if ready is not None:  # the full preview is exactly this: no need to filter again
            self._applied(tab, tab.document.state_id, settings, ready.pixels, ready.display)
            return
        # The preview's own work would only compete with the Apply; what it shows stays on
        # screen (no flash of the unfiltered image) until the result replaces it.
        self._preview.freeze()
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

    @Slot(str)
    def _on_cancelled(self, kind: str) -> None:
        if kind == "apply":
            self._unfreeze()

    @Slot(str, str, str, object)
    def _on_failed(self, kind: str, title: str, message: str, paths: object) -> None:
        if kind == "apply":
            self._unfreeze()

    def _unfreeze(self) -> None:
        # The frozen preview must not pass for the result of an Apply that did not happen
        # (unless a new edit has started a new preview since).
        if self._preview.tab() is not None and not self._preview.is_active():
            self._preview.clear()

    def _applied(self, tab, state_id, settings, pixels, display) -> None:
        doc = tab.document
        if doc.state_id != state_id:
            self.message.emit("The image changed while filtering: result dropped.", 5000)
            return
        doc.apply(pixels, settings.label)
        doc.last_filter = settings
        self.last_filter = settings
        tab.remember(doc.pixels, display)  # the document keeps a read-only view
        self.message.emit(f"Applied {settings.label}.", 4000)
        self._show_new_state(tab)

    def _show_new_state(self, tab, *, preview_again: bool = False) -> None:
        """The one place an Apply (or Undo, Redo, Revert) ends: the preview is cleared once
        and the tab repainted once, then the window hears of it.

        After Undo, Redo and Revert (``preview_again``) the live preview, if on, shows the
        editor's kernel on the image as it is now; after Apply it would filter twice.
        """
        if tab is self._preview.tab():
            if preview_again:
                self._preview.recompute()  # repaints the tab, then previews again
            else:
                self._preview.clear()  # stops previewing and repaints the tab
        else:  # filtered in the background while another tab was in front
            tab.refresh()
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
            self._show_new_state(tab, preview_again=True)
