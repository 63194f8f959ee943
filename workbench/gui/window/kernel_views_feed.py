"""Feeds the editor's kernel views from the current tab: its pixels, cursor and preview.

The inspector follows the pixel under the cursor (the tab's ``pixelHovered``) and pins on a
click (``pixelClicked``), then takes the keyboard focus so the arrow keys move it. It is
given the document's pixels and, once the live preview has finished, the filtered pixels,
so it shows the value the image has beside the one it computes; after Apply, it is given
the image before and after, for as long as the editor holds the filter that was applied.

The histograms are computed on the worker, only while the histogram tab is visible: the
image and the preview's result each time one is ready, or before and after the last Apply.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Slot

from workbench.gui.documents.preview import LivePreview, PreviewResult
from workbench.gui.documents.tab import DocumentTab
from workbench.gui.editor.kernel_views import KernelViews
from workbench.gui.viewer.histogram_data import image_histogram
from workbench.gui.worker import Runner

__all__ = ["HISTOGRAM_CHANNEL", "KernelViewsFeed"]

HISTOGRAM_CHANNEL = "histogram"


def _histograms(progress, cancel, before: np.ndarray, after: np.ndarray | None):
    first = image_histogram(before)
    if cancel.is_set():
        return None
    return first, (None if after is None else image_histogram(after))


class KernelViewsFeed(QObject):
    """Connects one window's tabs and live preview to its :class:`KernelViews`."""

    def __init__(
        self, views: KernelViews, preview: LivePreview, runner: Runner, parent=None
    ) -> None:
        super().__init__(parent)
        self._views = views
        self._preview = preview
        self._runner = runner
        self._tab: DocumentTab | None = None
        self._filtered: np.ndarray | None = None
        self._request: int | None = None
        self._shown_key: tuple | None = None
        preview.ready.connect(self._on_preview_ready)
        preview.activeChanged.connect(self._on_preview_active)
        runner.finished.connect(self._on_finished)
        views.histogram.shown.connect(self._update_histograms)

    def watch(self, tab: DocumentTab) -> None:
        """Follow ``tab``'s cursor while it is the current tab."""
        tab.pixelHovered.connect(lambda x, y, t=tab: self._on_hovered(t, x, y))
        tab.pixelClicked.connect(lambda x, y, t=tab: self._on_clicked(t, x, y))

    def set_tab(self, tab: DocumentTab | None) -> None:
        """The current tab changed, or its document did (Apply, undo...)."""
        self._tab = tab
        self._filtered = None
        inspector = self._views.inspector
        inspector.set_image(tab.document.pixels if tab is not None else None)
        inspector.set_applied(*(self._applied() or (None, None, None)))
        self._update_histograms()

    def _applied(self):
        """(before, after, settings) if the document's last step applied a filter."""
        doc = self._tab.document if self._tab is not None else None
        last = doc.last_filter if doc is not None else None
        before = doc.previous_pixels if doc is not None else None
        if last is None or before is None or doc.undo_label() != last.label:
            return None
        return before, doc.pixels, last

    # -- slots ---------------------------------------------------------------------------
    def _on_hovered(self, tab: DocumentTab, x: int, y: int) -> None:
        if tab is self._tab:
            self._views.inspector.hover(x, y)

    def _on_clicked(self, tab: DocumentTab, x: int, y: int) -> None:
        if tab is not self._tab:
            return
        inspector = self._views.inspector
        inspector.pin(x, y)
        if inspector.isVisible():
            inspector.setFocus()

    @Slot(object)
    def _on_preview_ready(self, result: PreviewResult) -> None:
        tab = self._tab
        if tab is None or result.state_id != tab.document.state_id:
            return
        self._filtered = result.pixels
        self._views.inspector.set_image(tab.document.pixels, result.pixels)
        self._update_histograms()

    @Slot(bool)
    def _on_preview_active(self, active: bool) -> None:
        if not active and self._filtered is not None:
            self._filtered = None
            self._views.inspector.set_filtered(None)
            self._update_histograms()

    def _update_histograms(self) -> None:
        tab = self._tab
        view = self._views.histogram
        if tab is None:
            self._shown_key = None
            view.set_histograms(None, None)
            return
        if not view.isVisible():
            return
        before, after = tab.document.pixels, self._filtered
        applied = self._applied()
        if after is None and applied is not None:
            before, after = applied[0], applied[1]  # what the last Apply did
        key = self._shown_key
        if key is not None and key[0] is before and key[1] is after:
            return
        self._shown_key = (before, after)
        self._request = self._runner.submit(
            _histograms, channel=HISTOGRAM_CHANNEL, args=(before, after)
        )

    @Slot(int, object)
    def _on_finished(self, request_id: int, result: object) -> None:
        if request_id != self._request or result is None:
            return
        self._request = None
        before, after = result
        self._views.histogram.set_histograms(before, after)
