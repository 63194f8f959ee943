"""Live preview: each kernel edit shows on the canvas at once, then exactly.

Two steps, both on the worker so typing is never held up:

1. *quick*: the visible region filtered exactly (cropped with a margin of real pixels so its
   edges are right), or, when most of a large image is on screen, a display-sized proxy of
   the whole image; laid over the canvas as a patch.
2. *full*: the whole image, replacing the canvas; kept so Apply can use it without filtering
   again.

Edits arriving together are coalesced (last one wins) and each new edit supersedes the steps
still running for the old one, so no queue of outdated previews builds up.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

from workbench.engine.progress import Cancelled
from workbench.gui.documents.tab import DocumentTab
from workbench.gui.model.filter_settings import FilterSettings
from workbench.gui.viewer.display import DisplayImage, downsample, to_display
from workbench.gui.worker import Runner

__all__ = ["FULL_CHANNEL", "QUICK_CHANNEL", "LivePreview", "PreviewResult", "filter_whole"]

QUICK_CHANNEL = "preview"
FULL_CHANNEL = "preview-full"

#: The quick step filters at most about this many pixels (a large screen's worth).
QUICK_BUDGET = 2_500_000


@dataclass(frozen=True)
class PreviewResult:
    """The filtered full image for one document state and one set of settings."""

    state_id: int
    settings: FilterSettings
    pixels: np.ndarray
    display: DisplayImage

    def _replace_settings(self, settings: FilterSettings) -> PreviewResult:
        return PreviewResult(self.state_id, settings, self.pixels, self.display)


def _quick(progress, cancel, pixels, settings, rect, factor, proxy_cache):
    """Filter the visible ``rect`` (x, y, w, h) exactly, or a proxy shrunk by ``factor``."""
    if factor > 1:
        proxy = proxy_cache.get(factor)
        if proxy is None:
            proxy = downsample(pixels, factor)
            proxy_cache.clear()  # only the latest zoom level's proxy is worth its memory
            proxy_cache[factor] = proxy
        out = settings.run(proxy, cancel=cancel)
        return to_display(out), 0, 0, float(factor)
    x, y, w, h = rect
    kh, kw = settings.kernel.shape
    my, mx = kh // 2, kw // 2
    H, W = pixels.shape[:2]
    x0, y0 = max(0, x - mx), max(0, y - my)
    x1, y1 = min(W, x + w + mx), min(H, y + h + my)
    out = settings.run(pixels[y0:y1, x0:x1], cancel=cancel)
    out = out[y - y0 : y - y0 + h, x - x0 : x - x0 + w]
    return to_display(out), x, y, 1.0


def filter_whole(progress, cancel, pixels, settings):
    """The whole image filtered with ``settings`` and its screen copy (runs on the worker):
    the full preview and an Apply are the same work."""
    out = settings.run(pixels, progress, cancel)
    if cancel.is_set():  # the screen copy of a large image takes a while: skip it
        raise Cancelled("cancelled")
    return out, to_display(out)


class LivePreview(QObject):
    """Keeps the current tab's canvas showing the editor's kernel applied to the image."""

    #: The full preview finished (a :class:`PreviewResult`).
    ready = Signal(object)
    #: Whether a preview is on screen (or on its way): the kernel views follow it.
    activeChanged = Signal(bool)
    #: Filtering for the preview failed; the message is for the user.
    failed = Signal(str)
    #: A preview came on the canvas (True) or went (False): the tab is marked while it shows.
    shownChanged = Signal(bool)

    def __init__(self, runner: Runner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._tab: DocumentTab | None = None
        self._settings: FilterSettings | None = None
        self._enabled = True
        self._armed = False  # an edit is waiting to be seen; cleared by Apply
        self._shown = False  # a preview (not the image) is on the canvas, badge and all
        self._note = ""  # said on the badge, e.g. that the editor's kernel is not valid
        self._quick_id: int | None = None
        self._full_id: int | None = None
        self._result: PreviewResult | None = None
        self._proxies: dict[int, dict[int, np.ndarray]] = {}
        # Coalesce edits that arrive in one burst (a paste, a spin box held down): the last
        # one starts the preview once the burst has been quiet for 10 ms. Made by
        # prepare(), on first use at the latest: importing superqt (all its widgets come
        # with its utils) is 0.2 s that the first window need not wait for.
        self._debouncer = None
        runner.finished.connect(self._on_finished)
        runner.failed.connect(self._on_failed)

    def prepare(self) -> None:
        """Make the edit debouncer now (the app calls this once its window is shown)."""
        self._edits()

    def _edits(self):
        if self._debouncer is None:
            from superqt.utils import QSignalDebouncer

            self._debouncer = QSignalDebouncer(parent=self)
            self._debouncer.setTimeout(10)
            self._debouncer.triggered.connect(self._start)
        return self._debouncer

    # -- inputs --------------------------------------------------------------------------
    def set_tab(self, tab: DocumentTab | None) -> None:
        if tab is self._tab:
            return
        self._stop()
        if self._tab is not None:
            self._tab.viewportMoved.disconnect(self._on_viewport_moved)
            self._tab.refresh()
            self._show_mark(False)
        self._tab = tab
        if tab is not None:
            tab.viewportMoved.connect(self._on_viewport_moved)
        if self._armed:
            self._edits().throttle()

    def set_settings(self, settings: FilterSettings) -> None:
        """A new edit: preview it (a new name alone changes no pixels)."""
        same = settings.same_filter(self._settings)
        self._settings = settings
        if same:
            if self._result is not None:
                self._result = self._result._replace_settings(settings)
            return
        self._armed = True
        self._edits().throttle()

    def set_enabled(self, on: bool) -> None:
        self._enabled = bool(on)
        if on:
            self._armed = True
            self._edits().throttle()
        else:
            self.clear()

    def clear(self) -> None:
        """Stop previewing and show the document as it is (after Apply)."""
        self._armed = False
        self._stop()
        if self._tab is not None:
            self._tab.refresh()
        self._show_mark(False)
        self.activeChanged.emit(False)

    def recompute(self) -> None:
        """The image changed under the preview (Undo, Redo, Revert): show the document as
        it is now, then preview the editor's kernel on it again if live preview is on."""
        self.clear()
        if self._enabled and self._settings is not None:
            self._armed = True
            self._edits().throttle()

    def is_showing(self, tab: DocumentTab | None) -> bool:
        """Whether ``tab``'s canvas shows a preview (marked "Preview") rather than the image."""
        return self._shown and tab is not None and tab is self._tab

    def set_note(self, note: str) -> None:
        """A few words on the Preview badge ("" for none): what the preview is of."""
        self._note = note
        if self._shown and self._tab is not None:
            self._tab.mark_preview(True, note)

    def _show_mark(self, on: bool) -> None:
        if self._tab is not None:
            self._tab.mark_preview(on, self._note)
        changed = on != self._shown
        self._shown = on
        if changed:
            self.shownChanged.emit(on)

    def freeze(self) -> None:
        """Stop the preview's work and keep what it shows (an Apply will replace it)."""
        self._armed = False
        self._stop()

    def tab(self) -> DocumentTab | None:
        """The tab being previewed on (the current one)."""
        return self._tab

    def result_for(self, tab: DocumentTab, settings: FilterSettings) -> PreviewResult | None:
        """The finished full preview of ``settings`` on ``tab``'s current image, if any."""
        r = self._result
        if (
            r is not None
            and tab is self._tab
            and r.state_id == tab.document.state_id
            and r.settings.same_filter(settings)
        ):
            return r
        return None

    def is_active(self) -> bool:
        return self._armed and self._enabled and self._tab is not None

    def is_busy(self) -> bool:
        return self._quick_id is not None or self._full_id is not None

    # -- work ----------------------------------------------------------------------------
    def _stop(self) -> None:
        if self._debouncer is not None:
            self._debouncer.cancel()
        for rid in (self._quick_id, self._full_id):
            if rid is not None:
                self._runner.cancel(rid)
        self._quick_id = self._full_id = None
        self._result = None

    @Slot()
    def _start(self) -> None:
        tab, settings = self._tab, self._settings
        if not self.is_active() or settings is None:
            return
        if _is_identity(settings):
            self.clear()
            return
        self._stop()
        self._armed = True
        tab.show_preview_before()
        self._show_mark(True)
        self.activeChanged.emit(True)
        self._submit_quick()

    def _submit_quick(self) -> None:
        tab, settings = self._tab, self._settings
        doc = tab.document
        pixels = doc.pixels
        rect = tab.visible_image_rect()
        if rect.isEmpty():
            self._submit_full()
            return
        area = rect.width() * rect.height()
        factor = 1
        if area > QUICK_BUDGET:
            h, w = pixels.shape[:2]
            factor = max(2, math.ceil(math.sqrt(h * w / QUICK_BUDGET)))
        # One proxy per document state; dropped when the document changes.
        cache = self._proxies.setdefault(doc.state_id, {})
        for key in [k for k in self._proxies if k != doc.state_id]:
            del self._proxies[key]
        self._quick_id = self._runner.submit(
            _quick,
            channel=QUICK_CHANNEL,
            args=(
                pixels,
                settings,
                (rect.x(), rect.y(), rect.width(), rect.height()),
                factor,
                cache,
            ),
        )

    def _submit_full(self) -> None:
        doc = self._tab.document
        self._full_id = self._runner.submit(
            filter_whole, channel=FULL_CHANNEL, args=(doc.pixels, self._settings)
        )
        self._full_key = (doc.state_id, self._settings)

    @Slot()
    def _on_viewport_moved(self) -> None:
        # Panned or zoomed before the full preview arrived: show the new region quickly.
        if self.is_active() and self._full_id is not None and self._quick_id is None:
            self._runner.cancel(self._full_id)
            self._full_id = None
            self._edits().throttle()

    @Slot(int, object)
    def _on_finished(self, request_id: int, result: object) -> None:
        if request_id == self._quick_id:
            self._quick_id = None
            display, x, y, scale = result
            if self._tab is not None:
                self._tab.show_preview_patch(display, x, y, scale)
            self._submit_full()
        elif request_id == self._full_id:
            self._full_id = None
            pixels, display = result
            state_id, settings = self._full_key
            if self._tab is None or self._tab.document.state_id != state_id:
                return
            self._result = PreviewResult(state_id, settings, pixels, display)
            self._tab.show_preview(display)
            self.ready.emit(self._result)

    @Slot(int, str)
    def _on_failed(self, request_id: int, message: str) -> None:
        if request_id in (self._quick_id, self._full_id):
            self._quick_id = self._full_id = None
            if self._tab is not None:
                self._tab.clear_preview_patch()
            self.failed.emit(message)


def _is_identity(settings: FilterSettings) -> bool:
    k = settings.kernel
    if k.is_color or k.divisor != 1 or k.offset != 0:
        return False
    w = k.weights
    kh, kw = k.shape
    return bool(w[kh // 2, kw // 2] == 1 and np.count_nonzero(w) == 1)
