"""The main window: image tabs in the centre, kernel editor and filter library in docks.

All engine work (open, filter, save, previews) goes through one :class:`Runner`; this window
turns its results into tabs and messages (:class:`ImageEdits` makes filters undo steps), and
keeps the title and status bar in step.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, QTimer, Slot
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QApplication,
    QMainWindow,
    QMessageBox,
    QWidget,
)

from workbench.engine import Kernel, KernelError
from workbench.engine.library import KernelLibrary
from workbench.gui.documents.edits import ImageEdits
from workbench.gui.documents.jobs import ImageJobs
from workbench.gui.documents.preview import LivePreview
from workbench.gui.documents.recent_files import RecentFiles
from workbench.gui.documents.save_checks import ask_to_reencode, lossy_original, read_only_reason
from workbench.gui.documents.save_conversion import ask_to_convert, what_saving_changes
from workbench.gui.documents.tab import DocumentTab
from workbench.gui.documents.tabs import ImageTabs
from workbench.gui.editor.editor import KernelEditor
from workbench.gui.learn.launcher import LearnLauncher
from workbench.gui.library.kernel_files import read_kernel_file
from workbench.gui.library.panel import LibraryPanel
from workbench.gui.model.document import ImageDocument
from workbench.gui.viewer.compare_key import CompareKey
from workbench.gui.viewer.display import describe_pixel
from workbench.gui.window.actions import WindowActions
from workbench.gui.window.file_dialogs import KERNEL_EXTENSIONS, QUALITY_EXTENSIONS, FileDialogs
from workbench.gui.window.kernel_views_feed import KernelViewsFeed
from workbench.gui.window.layout import WindowLayout
from workbench.gui.window.status_bar import StatusBar
from workbench.gui.window.unsaved_prompts import ask_before_closing, ask_before_quitting
from workbench.gui.worker import Runner

__all__ = ["APP_TITLE", "MainWindow"]

APP_TITLE = "Filter Workbench"


class MainWindow(QMainWindow):
    """Filter Workbench's window. ``settings`` keeps layout, recent files and folders."""

    def __init__(
        self,
        settings: QSettings,
        *,
        library: KernelLibrary | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.settings = settings
        self.library = library if library is not None else KernelLibrary()
        self.runner = Runner(self)
        self.recent = RecentFiles(settings)

        self.tabs = ImageTabs(self)
        self.tabs.currentTabChanged.connect(self._on_tab_changed)
        self.tabs.closeRequested.connect(self.close_tab)
        self.setCentralWidget(self.tabs)
        self.dialogs = FileDialogs(settings, self)
        self._quit_when_saved = False  # Quit was asked while a save was running

        self.editor = KernelEditor(self)
        self.library_panel = LibraryPanel(self.library, self.runner, self)
        self.status = StatusBar(self)
        self.setStatusBar(self.status)
        self.jobs = ImageJobs(self.runner, self)
        self.actions = WindowActions(self)
        self.layout_keeper = WindowLayout(
            self, editor=self.editor, library=self.library_panel, view_menu=self.actions.view_menu
        )
        self.editor_dock = self.layout_keeper.editor_dock
        self.library_dock = self.layout_keeper.library_dock
        self.preview = LivePreview(self.runner, self)
        self.edits = ImageEdits(self.tabs, self.preview, self.jobs, self)
        self.kernel_views = KernelViewsFeed(self.editor.views, self.preview, self.runner, self)
        self.learn = LearnLauncher(
            self, self.library_panel, self.runner, open_in_editor=self.edit_kernel
        )

        self._connect()
        self._compare_key = CompareKey(self.current_tab, self)
        QApplication.instance().installEventFilter(self._compare_key)
        self.setAcceptDrops(True)
        self.layout_keeper.restore(settings)
        self.recent.fill_menu(self.actions.recent_menu, self.open_files)
        self._update_ui()

    def _connect(self) -> None:
        a = self.actions
        a.open.triggered.connect(self.open_dialog)
        a.save.triggered.connect(lambda: self.save_current())
        a.save_as.triggered.connect(lambda: self.save_current(ask=True))
        a.close_tab.triggered.connect(lambda: self.close_tab(self.current_tab()))
        a.quit.triggered.connect(self.close)
        a.undo.triggered.connect(self.edits.undo)
        a.redo.triggered.connect(self.edits.redo)
        a.revert.triggered.connect(self.edits.revert)
        a.zoom_in.triggered.connect(lambda: self._with_tab(lambda t: t.zoom_in()))
        a.zoom_out.triggered.connect(lambda: self._with_tab(lambda t: t.zoom_out()))
        a.fit.triggered.connect(lambda: self._with_tab(lambda t: t.fit()))
        a.actual_size.triggered.connect(lambda: self._with_tab(lambda t: t.actual_size()))
        a.split.toggled.connect(lambda on: self._with_tab(lambda t: t.set_split(on)))
        a.fit_enlarges.setChecked(self.settings.value("view/fit_enlarges", False) in (True, "true"))
        a.fit_enlarges.toggled.connect(self._set_fit_enlarges)
        self.status.zoomRequested.connect(lambda z: self._with_tab(lambda t: t.set_zoom(z)))
        self.status.fitRequested.connect(lambda: self._with_tab(lambda t: t.fit()))
        a.apply.triggered.connect(self._apply_editor_kernel)
        a.repeat.triggered.connect(self.edits.repeat)
        a.live_preview.toggled.connect(self.editor.preview_box.setChecked)
        a.open_kernel.triggered.connect(self.open_kernel_dialog)
        a.save_kernel.triggered.connect(self._save_editor_kernel)
        a.learn.triggered.connect(self.open_learn_dialog)

        self.editor.settingsChanged.connect(self.preview.set_settings)
        self.editor.applyRequested.connect(self._apply_editor_kernel)
        self.editor.previewToggled.connect(self.preview.set_enabled)
        self.editor.previewToggled.connect(a.live_preview.setChecked)
        self.editor.validityChanged.connect(lambda _: self._update_ui())
        # While a field is invalid the canvas still shows the last valid kernel: say so.
        self.editor.validityChanged.connect(
            lambda valid: self.preview.set_note("" if valid else "last valid kernel")
        )
        self.preview.shownChanged.connect(lambda _: self._update_ui())
        self.library_panel.applyRequested.connect(
            lambda kernel: self.edits.apply_kernel(kernel, self.editor.settings())
        )
        self.library_panel.editRequested.connect(self.edit_kernel)
        self.library_panel.saveRequested.connect(self._save_editor_kernel)
        self.library_panel.message.connect(lambda text: self.status.showMessage(text, 5000))
        self.preview.failed.connect(lambda text: self.status.showMessage(f"Preview: {text}"))

        self.jobs.progress.connect(self.status.show_progress)
        self.jobs.idle.connect(self.status.hide_progress)
        self.status.cancelRequested.connect(self.jobs.cancel)
        self.edits.message.connect(self.status.showMessage)
        self.jobs.opened.connect(self._on_opened)
        self.edits.imageChanged.connect(self._document_changed)
        self.jobs.saved.connect(self._on_saved)
        self.jobs.failed.connect(self._on_job_failed)
        self.jobs.cancelled.connect(self._on_job_cancelled)
        self.jobs.saved.connect(self._quit_if_asked)
        self.jobs.failed.connect(self._quit_if_asked)

    # -- documents -----------------------------------------------------------------------
    def current_tab(self) -> DocumentTab | None:
        return self.tabs.current()

    def document_tabs(self) -> list[DocumentTab]:
        return self.tabs.all()

    def _with_tab(self, action) -> None:
        tab = self.current_tab()
        if tab is not None:
            action(tab)

    def add_document(
        self, document: ImageDocument, display=None, *, order: int | None = None
    ) -> DocumentTab:
        tab = self.tabs.add(document, display, order=order)
        tab.pixelHovered.connect(self._on_pixel_hovered)
        self.kernel_views.watch(tab)
        # Hidden tabs fit themselves on resize too: only the current one's zoom is shown.
        tab.zoomChanged.connect(
            lambda zoom, t=tab: self.status.show_zoom(zoom) if t is self.current_tab() else None
        )
        tab.set_split(self.actions.split.isChecked())
        tab.set_fit_enlarges(self.actions.fit_enlarges.isChecked())
        if tab is self.current_tab():  # the first tab fits itself before it is connected
            self.status.show_zoom(tab.zoom())
        self._update_ui()
        return tab

    @Slot()
    def open_dialog(self) -> None:
        self.open_files(self.dialogs.images_to_open())

    def open_files(self, paths: list) -> None:
        """Open images in tabs (in the background) and kernel files in the editor."""
        for raw in paths:
            path = Path(raw)
            if path.suffix.lower() in KERNEL_EXTENSIONS:
                self.open_kernel_file(path)
            elif (existing := self.tabs.find(path)) is not None:
                self.tabs.select(existing)
            else:
                self.jobs.open(path)

    @Slot()
    def open_kernel_dialog(self) -> None:
        path = self.dialogs.kernel_to_open()
        if path is not None:
            self.open_kernel_file(path)

    def open_kernel_file(self, path: Path) -> None:
        """One kernel goes into the editor; a file of several goes into the library."""
        kernels, notes = read_kernel_file(self, path)
        if len(kernels) > 1:
            self.library_panel.import_files([path])
            return
        if kernels:
            self.edit_kernel(kernels[0])
        if notes:
            self.status.showMessage(" ".join(notes), 10000)

    def save_current(self, *, ask: bool = False) -> None:
        """Save (or Save As, with ``ask``) the current image.

        Save on a read-only file (the bundled sample, anything installed with the app) acts
        as Save As; Save over a JPEG or lossy WebP original asks first; JPEG and WebP ask
        for the quality.
        """
        tab = self.current_tab()
        if tab is None:
            return
        path = tab.document.path
        protected = read_only_reason(path) if path is not None else None
        if ask or path is None or protected:
            if protected:
                self.status.showMessage(
                    f"{protected[:1].upper()}{protected[1:]}: choose where to save your copy.",
                    10000,
                )
                path = Path.home() / path.name
            path = self.dialogs.image_to_save(path)
            if path is None:
                return
            if path.suffix.lower() == ".png" and self.dialogs.png_compression(ask=True) is None:
                return
        else:
            kind = lossy_original(tab.document, path)
            if kind is not None and not ask_to_reencode(self, path, kind):
                return
        if path.suffix.lower() in QUALITY_EXTENSIONS:
            if self.dialogs.quality(path.suffix, ask=True) is None:
                return
        self.save_document(tab, path)

    def save_document(
        self, tab: DocumentTab, path: Path, *, close_after: bool = False
    ) -> int | None:
        """Write ``tab``'s image to ``path`` in the background (atomic: all or nothing).

        A format that holds less than the image (16-bit into JPEG, transparency into BMP)
        gets a converted copy if the user agrees; None if they do not. PNG is written at
        the compression level last chosen.
        """
        path = Path(path)
        protected = read_only_reason(path)
        if protected:  # the one guard every save passes: never into the installation
            QMessageBox.warning(
                self, "Cannot save there", f"{protected[:1].upper()}{protected[1:]}."
            )
            return None
        changes = what_saving_changes(tab.document.pixels, path)
        if changes and not ask_to_convert(self, path, changes):
            return None
        level = self.dialogs.png_compression(ask=False)
        quality = self.dialogs.quality(path.suffix, ask=False)
        return self.jobs.save(
            tab,
            path,
            close_after=close_after,
            convert=bool(changes),
            png_compression=level,
            quality=quality,
        )

    def close_tab(self, tab: DocumentTab | None) -> bool:
        if tab is None:
            return False
        if tab.document.modified:
            answer = ask_before_closing(self, tab.document.name)
            path = tab.document.path
            if answer == "cancel" or (answer == "save" and path is None):
                return False
            if answer == "save" and read_only_reason(path):
                self.tabs.select(tab)
                self.save_current(ask=True)  # a copy elsewhere first; closing asks again
                return False
            if answer == "save":
                self.save_document(tab, tab.document.path, close_after=True)
                return False
        self._remove_tab(tab)
        return True

    def _remove_tab(self, tab: DocumentTab) -> None:
        if tab is self.current_tab():
            self.preview.set_tab(None)
        self.tabs.remove(tab)
        self._update_ui()

    # -- kernels -------------------------------------------------------------------------
    def edit_kernel(self, kernel: Kernel) -> None:
        try:
            self.editor.set_kernel(kernel)
        except KernelError as exc:  # one the editor cannot show: it keeps its kernel
            QMessageBox.warning(self, "Cannot edit the kernel", str(exc))
            return
        self.editor_dock.show()
        self.editor_dock.raise_()

    @Slot()
    def _apply_editor_kernel(self) -> None:
        if not self.editor.is_valid():  # never the last valid kernel in place of the one shown
            self.status.showMessage("Fix the field marked in the kernel editor first.", 5000)
            return
        self.edits.apply(self.editor.settings())

    def _save_editor_kernel(self) -> None:
        self.library_panel.save_kernel(self.editor.kernel())

    # -- the current image changed -------------------------------------------------------
    @Slot()
    def _document_changed(self) -> None:
        # ImageEdits has already cleared the preview and repainted the tab.
        tab = self.current_tab()
        if tab is not None:
            self.library_panel.set_image(tab.document.pixels)
        self.kernel_views.set_tab(tab)
        self._update_ui()

    # -- outcomes of background jobs -----------------------------------------------------
    @Slot(object, object, object, int)
    def _on_opened(self, path: Path, image_file, display, order: int) -> None:
        doc = ImageDocument(image_file.pixels, path=path, source=image_file)
        self.add_document(doc, display, order=order)
        self._remember_recent(path)

    @Slot(object, object, int, bool)
    def _on_saved(self, tab, path: Path, state_id: int, close_after: bool) -> None:
        if not self.tabs.contains(tab):
            return
        tab.document.mark_saved(path, state_id)
        self._remember_recent(path)
        if self.preview.is_showing(tab):
            self.status.showMessage(
                f"Saved {path}. The preview on screen is not part of the image and was not "
                "saved: Apply (Ctrl+F) to keep it.",
                10000,
            )
        else:
            self.status.showMessage(f"Saved {path}.", 5000)
        if close_after and not tab.document.modified:
            self._remove_tab(tab)
            return
        if tab is self.current_tab() and not self.preview.is_active():
            tab.refresh()
        self._update_ui()

    @Slot(str, str, str, object)
    def _on_job_failed(self, kind: str, title: str, message: str, paths: list) -> None:
        missing = [p for p in paths if kind == "open" and not Path(p).exists()]
        for path in missing:
            self.recent.remove(path)
        if missing:
            self.recent.fill_menu(self.actions.recent_menu, self.open_files)
        QMessageBox.warning(self, title, message)

    @Slot(str)
    def _on_job_cancelled(self, kind: str) -> None:
        if kind == "apply":
            self.status.showMessage("Cancelled.", 3000)

    def _remember_recent(self, path: Path) -> None:
        self.recent.add(path)
        self.recent.fill_menu(self.actions.recent_menu, self.open_files)

    # -- status and title ----------------------------------------------------------------
    @Slot(object)
    def _on_tab_changed(self, tab: DocumentTab | None) -> None:
        self.preview.set_tab(tab)
        self.kernel_views.set_tab(tab)
        self.library_panel.set_image(tab.document.pixels if tab is not None else None)
        if tab is not None:
            tab.set_split(self.actions.split.isChecked())
            self.status.show_zoom(tab.zoom())
        self._update_ui()

    @Slot(int, int)
    def _on_pixel_hovered(self, x: int, y: int) -> None:
        tab = self.current_tab()
        if tab is None or x < 0:
            self.status.show_pixel(-1, -1, "")
            return
        # The values of what is on screen at that spot: before, after, or the preview.
        shown = self.preview.result_for(tab, self.editor.settings())
        if tab.shows_before_at(x):
            pixels = tab.before_pixels
        else:
            pixels = shown.pixels if shown is not None else tab.document.pixels
        self.status.show_pixel(x, y, describe_pixel(pixels, x, y))

    def _update_ui(self) -> None:
        tab = self.current_tab()
        doc = tab.document if tab is not None else None
        self.actions.update_for(doc, has_last_filter=self.edits.last_filter is not None)
        # An invalid field in the editor (a divisor of 0, a cell that is no number): no Apply.
        self.actions.apply.setEnabled(doc is not None and self.editor.is_valid())
        if doc is None:
            self.setWindowTitle(APP_TITLE)
            self.status.show_image(0, 0, "")
            return
        star = "*" if doc.modified else ""
        self.setWindowTitle(f"{doc.name}{star} \u2014 {APP_TITLE}")
        marked = " \u2022 Preview" if self.preview.is_showing(tab) else ""
        self.tabs.set_title(tab, f"{doc.name}{star}{marked}")
        h, w = doc.pixels.shape[:2]
        self.status.show_image(w, h, doc.description)

    @Slot(bool)
    def _set_fit_enlarges(self, on: bool) -> None:
        self.settings.setValue("view/fit_enlarges", bool(on))
        for tab in self.document_tabs():
            tab.set_fit_enlarges(on)

    # -- learn dialog --------------------------------------------------------------
    @Slot()
    def open_learn_dialog(self) -> None:
        tab = self.current_tab()
        if tab is None:
            self.learn.open(None, "")
        else:
            doc = tab.document
            self.learn.open(
                doc.pixels, doc.name, saved_path=doc.path, unsaved_edits=doc.unsaved_edits()
            )

    # -- drag and drop, layout, quitting -------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            # Let the drag finish before any message box can appear.
            QTimer.singleShot(0, lambda: self.open_files(paths))

    @Slot()
    def _quit_if_asked(self, *args) -> None:
        if self._quit_when_saved and not self.jobs.is_busy("save"):
            self._quit_when_saved = False
            QTimer.singleShot(0, self.close)  # asks about anything still unsaved

    def unsaved_documents(self) -> list[ImageDocument]:
        return [t.document for t in self.document_tabs() if t.document.modified]

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.jobs.is_busy("save"):
            # Ctrl+S then Ctrl+Q: finish writing first (a save is not cancelled), then close,
            # rather than ask about changes that are being saved or cut the write short.
            self._quit_when_saved = True
            self.status.showMessage("Quitting once saving has finished\u2026")
            event.ignore()
            return
        unsaved = self.unsaved_documents()
        if unsaved and not ask_before_quitting(self, [d.name for d in unsaved]):
            event.ignore()
            return
        self.layout_keeper.save(self.settings)
        self.settings.sync()
        self.preview.set_tab(None)
        QApplication.instance().removeEventFilter(self._compare_key)
        self.runner.shutdown(2000)
        self.learn.close()
        event.accept()
