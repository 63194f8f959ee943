"""Opening, filtering and saving images on the worker, with progress and Cancel.

:class:`ImageJobs` submits the three long jobs the window starts and reports, by signal, how
far they are (and the full live preview, once it is slow enough to be worth showing) and each
outcome. The window shows the progress in its status bar, sends its Cancel here, and decides
what an outcome means for its tabs.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from workbench.engine.imageio import PNG_COMPRESSION, load_image, save_image
from workbench.gui.documents.preview import FULL_CHANNEL, filter_whole
from workbench.gui.documents.save_conversion import convert_for_format
from workbench.gui.model.filter_settings import FilterSettings
from workbench.gui.viewer.display import to_display
from workbench.gui.worker import Runner

__all__ = ["ImageJobs"]

#: A full preview shows progress only once it has run this long.
_QUIET_SECONDS = 0.3

_TITLES = {
    "open": "Cannot open the image",
    "save": "Cannot save the image",
    "apply": "Cannot apply the filter",
}


def _load(progress, cancel, path):
    image_file = load_image(path)
    return image_file, to_display(image_file.pixels)


def _save(progress, cancel, path, pixels, like, convert, png_compression, quality):
    if convert:  # the user agreed to a copy the format can hold
        pixels = convert_for_format(pixels, path)
    save_image(path, pixels, like=like, png_compression=png_compression, quality=quality)
    return path


@dataclass(frozen=True)
class _Job:
    kind: str  # "open", "apply" or "save"
    label: str  # for the status bar
    path: Path | None = None
    tab: Any = None
    state_id: int = -1
    settings: FilterSettings | None = None
    close_after: bool = False


class ImageJobs(QObject):
    """The window's long-running image work."""

    #: path, ImageFile, DisplayImage, request id (increasing: the order opens were asked for)
    opened = Signal(object, object, object, int)
    #: tab, state id filtered, settings, pixels, DisplayImage
    applied = Signal(object, int, object, object, object)
    #: tab, path, state id written, close the tab afterwards
    saved = Signal(object, object, int, bool)
    #: kind ("open", "save", "apply"), dialog title, message, the paths concerned (a list).
    #: Files opened together that fail come in one signal once all of them have finished,
    #: so the user gets one message naming them all, not a stack of boxes.
    failed = Signal(str, str, str, object)
    #: kind of the job the user cancelled
    cancelled = Signal(str)
    #: what is running (for the status bar) and the fraction done, None while unknown
    progress = Signal(str, object)
    #: nothing is running any more: hide the progress
    idle = Signal()

    def __init__(self, runner: Runner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._jobs: dict[int, _Job] = {}
        self._preview_started: dict[int, float] = {}
        self._open_failures: list[tuple[int, Path, str]] = []  # request id, path, message
        runner.started.connect(self._on_started)
        runner.progress.connect(self._on_progress)
        runner.finished.connect(self._on_finished)
        runner.failed.connect(self._on_failed)
        runner.cancelled.connect(self._on_cancelled)

    # -- starting ------------------------------------------------------------------------
    def open(self, path: Path) -> int:
        # Opens never replace each other: one channel per file.
        rid = self._runner.submit(_load, channel=f"open:{path}", args=(path,))
        self._jobs[rid] = _Job("open", f"Opening {path.name}", path=path)
        return rid

    def apply(self, tab, settings: FilterSettings) -> int:
        doc = tab.document
        rid = self._runner.submit(filter_whole, channel="apply", args=(doc.pixels, settings))
        label = f"Applying {settings.label}"
        self._jobs[rid] = _Job("apply", label, tab=tab, state_id=doc.state_id, settings=settings)
        self.progress.emit(label, 0.0)
        return rid

    def save(
        self,
        tab,
        path: Path,
        *,
        close_after: bool = False,
        convert: bool = False,
        png_compression: int = PNG_COMPRESSION,
        quality: int = 95,
    ) -> int:
        """Write the tab's image; ``convert`` to what the format holds (8-bit, no alpha);
        ``quality`` for JPEG and WebP."""
        doc = tab.document
        args = (Path(path), doc.pixels, doc.source, convert, png_compression, int(quality))
        rid = self._runner.submit(_save, channel=f"save:{path}", args=args)
        self._jobs[rid] = _Job(
            "save",
            f"Saving {Path(path).name}",
            path=Path(path),
            tab=tab,
            state_id=doc.state_id,
            close_after=close_after,
        )
        return rid

    @Slot()
    def cancel(self) -> None:
        """Cancel opening and filtering (a save always finishes: it is all or nothing)."""
        for rid, job in list(self._jobs.items()):
            if job.kind in ("apply", "open"):
                self._runner.cancel(rid)
        self._runner.cancel(channel=FULL_CHANNEL)

    def is_busy(self, kind: str | None = None) -> bool:
        return any(kind is None or job.kind == kind for job in self._jobs.values())

    # -- outcomes ------------------------------------------------------------------------
    def _idle_check(self) -> None:
        if not self._runner.is_busy(FULL_CHANNEL):
            self._preview_started.clear()
            if not self._jobs:
                self.idle.emit()

    @Slot(int)
    def _on_started(self, rid: int) -> None:
        job = self._jobs.get(rid)
        if job is not None:
            self.progress.emit(job.label, None if job.kind != "apply" else 0.0)

    @Slot(int, float)
    def _on_progress(self, rid: int, fraction: float) -> None:
        job = self._jobs.get(rid)
        if job is not None:
            self.progress.emit(job.label, fraction)
        elif rid == self._runner.current(FULL_CHANNEL):
            # A quick preview would only flash the bar: show it for slow ones.
            started = self._preview_started.setdefault(rid, time.monotonic())
            if time.monotonic() - started > _QUIET_SECONDS:
                self.progress.emit("Preview", fraction)

    @Slot(int, object)
    def _on_finished(self, rid: int, result: object) -> None:
        job = self._jobs.pop(rid, None)
        self._idle_check()
        if job is None:
            return
        if job.kind == "open":
            image_file, display = result
            self.opened.emit(job.path, image_file, display, rid)
            self._report_open_failures()
        elif job.kind == "apply":
            pixels, display = result
            self.applied.emit(job.tab, job.state_id, job.settings, pixels, display)
        else:
            self.saved.emit(job.tab, result, job.state_id, job.close_after)

    @Slot(int, str)
    def _on_failed(self, rid: int, message: str) -> None:
        job = self._jobs.pop(rid, None)
        self._idle_check()
        if job is None:
            return
        if job.kind == "open":
            self._open_failures.append((rid, job.path, message))
        else:
            self.failed.emit(job.kind, _TITLES[job.kind], message, [job.path] if job.path else [])
        self._report_open_failures()

    @Slot(int)
    def _on_cancelled(self, rid: int) -> None:
        job = self._jobs.pop(rid, None)
        self._idle_check()
        if job is not None:
            self.cancelled.emit(job.kind)
        self._report_open_failures()

    def _report_open_failures(self) -> None:
        if not self._open_failures or self.is_busy("open"):
            return
        # In the order the files were asked for, not the order they failed in.
        failures = sorted(self._open_failures)
        self._open_failures = []
        paths = [path for _, path, _ in failures]
        messages = [message for _, _, message in failures]
        if len(failures) == 1:
            self.failed.emit("open", _TITLES["open"], messages[0], paths)
        else:
            listing = "\n".join(messages)
            self.failed.emit("open", f"Cannot open {len(failures)} files", listing, paths)
