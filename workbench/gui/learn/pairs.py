"""The learn dialog's example pairs: a before and an after image each, shown as thumbnails.

The Before slot filled from the current tab takes the file as saved when the tab has unsaved
edits, unless the user picks "current image with its edits"; the slot says which.

Files are read on the worker (a large photo takes a moment to decode), and a file that
cannot be read leaves its slot empty with the reason written in it. :func:`pairs_to_learn`
turns what the user picked into the engine's ``(before, after)`` arrays, or says in plain
words what is missing or does not match.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal, Slot
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from workbench.engine.imageio import IMAGE_EXTENSIONS, load_image
from workbench.engine.learn.pairs import LearnError, check_images
from workbench.gui.viewer.display import to_display

__all__ = ["ExampleImage", "PairList", "PairProblem", "pairs_to_learn", "thumbnail"]

THUMB_SIZE = QSize(136, 100)
#: The Before slot's two sources when the current tab has unsaved edits.
AS_SAVED, WITH_EDITS = "saved", "edited"


class PairProblem(ValueError):
    """The chosen pairs cannot be learned from; the message says which pair and why."""


@dataclass(frozen=True)
class ExampleImage:
    """One picked image: its pixels and the name shown to the user."""

    pixels: np.ndarray
    name: str
    path: Path | None = None

    def describe(self) -> str:
        h, w = self.pixels.shape[:2]
        return f"{w} \u00d7 {h} {_kind(self.pixels)}"


def _kind(pixels: np.ndarray) -> str:
    channels = 1 if pixels.ndim == 2 else pixels.shape[2]
    kind = {1: "gray", 3: "RGB", 4: "RGBA"}.get(channels, f"{channels}-channel")
    depth = {"uint8": "8-bit", "uint16": "16-bit", "float32": "float"}.get(pixels.dtype.name, "")
    return f"{kind} {depth}".strip()


def thumbnail(pixels: np.ndarray, size: QSize = THUMB_SIZE) -> QImage:
    """A small copy of ``pixels`` for display, made by striding (cheap on a 12-megapixel
    image) and converted with the viewer's own rules for 16-bit, float and alpha."""
    h, w = pixels.shape[:2]
    step = max(1, math.floor(min(h / size.height(), w / size.width())))
    small = np.ascontiguousarray(pixels[::step, ::step])
    return to_display(small).image.copy()  # copy: the QImage must outlive the buffer


def pairs_to_learn(
    pairs: list[tuple[ExampleImage | None, ExampleImage | None]],
) -> list[tuple[np.ndarray, np.ndarray]]:
    """The pairs the user filled in, as ``(before, after)`` arrays the engine can learn from.

    Rows with neither image are skipped. Raises :class:`PairProblem` naming the pair when an
    image is missing or the engine's check (:func:`~workbench.engine.learn.pairs.check_images`:
    sizes, colour modes) refuses the pairs, before any work starts.
    """
    rows: list[tuple[int, ExampleImage, ExampleImage]] = []
    for number, (before, after) in enumerate(pairs, start=1):
        if before is None and after is None:
            continue
        if before is None or after is None:
            side = "before" if before is None else "after"
            raise PairProblem(f"Pair {number}: choose the {side} image, or remove the pair.")
        rows.append((number, before, after))
    if not rows:
        raise PairProblem("Choose a before and an after image to learn from.")
    try:
        return check_images([(before.pixels, after.pixels) for _, before, after in rows])
    except LearnError as exc:
        raise PairProblem(_in_rows(exc, rows)) from None


def _in_rows(exc: LearnError, rows: list[tuple[int, ExampleImage, ExampleImage]]) -> str:
    """The engine's message as a sentence about the user's rows, naming the images."""
    message = str(exc)
    if exc.pair is None:
        return f"{message[:1].upper()}{message[1:]}."
    number, before, after = rows[exc.pair - 1]  # the engine counts the filled rows only
    rest = message.removeprefix(f"pair {exc.pair}")
    return (
        f"Pair {number}{rest}. (before: {before.name}, {before.describe()}; "
        f"after: {after.name}, {after.describe()})"
    )


def _load_example(
    progress, cancel, path: Path, name: str | None = None
) -> tuple[ExampleImage, QImage]:
    # Runs on the worker: decoding and the thumbnail stay off the GUI thread.
    image = load_image(path)
    example = ExampleImage(image.pixels, name or path.name, path)
    return example, thumbnail(image.pixels)


class ImageSlot(QFrame):
    """One side of a pair: a thumbnail, the file's name and size, and a Choose button.
    Image files can also be dropped on it."""

    choose_requested = Signal()
    file_dropped = Signal(str)

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.StyledPanel)
        self.setAcceptDrops(True)
        self.image: ExampleImage | None = None
        self._title = QLabel(f"<b>{title}</b>")
        self._thumb = QLabel(alignment=Qt.AlignCenter)
        self._thumb.setFixedSize(THUMB_SIZE)
        self._thumb.setStyleSheet("background: palette(base); border: 1px solid palette(mid);")
        self._caption = QLabel(wordWrap=True)
        self._caption.setObjectName("slotCaption")
        self._caption.setMinimumWidth(THUMB_SIZE.width())
        self._caption.setMaximumWidth(THUMB_SIZE.width() + 20)
        self._caption.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Minimum)
        # Shown only for the Before image taken from a tab with unsaved edits.
        self.source_combo = QComboBox()
        self.source_combo.setObjectName("beforeSource")
        self.source_combo.addItem("File as saved", AS_SAVED)
        self.source_combo.addItem("Current image with its edits", WITH_EDITS)
        self.source_combo.setToolTip(
            "Learn from the file as saved, or from the image in the tab with its unsaved edits"
        )
        self.source_combo.setMaximumWidth(THUMB_SIZE.width() + 20)
        self.source_combo.hide()
        self.choose_button = QPushButton("Choose\u2026")
        self.choose_button.setAutoDefault(False)  # Enter means Learn, not another file dialog
        self.choose_button.clicked.connect(self.choose_requested)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(4)
        layout.addWidget(self._title)
        layout.addWidget(self._thumb)
        layout.addWidget(self._caption)
        layout.addWidget(self.source_combo)
        layout.addWidget(self.choose_button)
        self.set_image(None)

    def set_image(self, image: ExampleImage | None, thumb: QImage | None = None) -> None:
        self.image = image
        if image is None:
            self._thumb.setPixmap(QPixmap())
            self._thumb.setText("No image")
            self._caption.setText("Choose a file or drop one here")
            return
        thumb = thumb if thumb is not None else thumbnail(image.pixels)
        pixmap = QPixmap.fromImage(thumb).scaled(
            THUMB_SIZE, Qt.KeepAspectRatio, Qt.SmoothTransformation
        )
        self._thumb.setPixmap(pixmap)
        self._caption.setText(
            f"{html.escape(self._fitted(image.name))}<br><small>{image.describe()}</small>"
        )
        self._caption.setToolTip(f"{image.path} \u2014 {image.name}" if image.path else image.name)

    def _fitted(self, name: str) -> str:
        """``name`` shortened in the middle to fit the caption's width, whole characters only
        (a label would break a long name without spaces anywhere, even mid-character)."""
        metrics = self._caption.fontMetrics()
        width = self._caption.maximumWidth() - 4
        if metrics.horizontalAdvance(name) <= width:
            return name
        # Keep the part in brackets ("(with 1 unsaved edit)") whole when there is one.
        stem, bracket, rest = name.partition(" (")
        tail = f" ({rest}" if bracket else ""
        if tail and metrics.horizontalAdvance(tail) < width * 2:
            return metrics.elidedText(stem, Qt.TextElideMode.ElideMiddle, width) + tail
        return metrics.elidedText(name, Qt.TextElideMode.ElideMiddle, width)

    def set_loading(self, name: str) -> None:
        self._caption.setText(f"Reading {name}\u2026")

    def set_error(self, message: str) -> None:
        self.image = None
        self._thumb.setPixmap(QPixmap())
        self._thumb.setText("Not loaded")
        self._caption.setText(f"<span style='color:#b00020'>{message}</span>")

    def caption(self) -> str:
        return self._caption.text()

    def caption_tooltip(self) -> str:
        return self._caption.toolTip()

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        urls = [u for u in event.mimeData().urls() if u.isLocalFile()]
        if urls:
            self.file_dropped.emit(urls[0].toLocalFile())
            event.acceptProposedAction()


class PairRow(QFrame):
    """A numbered pair: before slot, an arrow, after slot, and a remove button."""

    remove_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.before = ImageSlot("Before")
        self.after = ImageSlot("After")
        self.number = QLabel()
        self.remove_button = QToolButton(text="\u2715")
        self.remove_button.setToolTip("Remove this pair")
        self.remove_button.clicked.connect(self.remove_requested)
        arrow = QLabel("\u2192", alignment=Qt.AlignCenter)
        arrow.setStyleSheet("font-size: 18pt; color: palette(mid);")
        side = QVBoxLayout()
        side.addWidget(self.number)
        side.addStretch(1)
        side.addWidget(self.remove_button)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(side)
        layout.addWidget(self.before)
        layout.addWidget(arrow)
        layout.addWidget(self.after)
        layout.addStretch(1)

    def slot(self, side: str) -> ImageSlot:
        return self.before if side == "before" else self.after


class PairList(QWidget):
    """The editable list of example pairs, reading chosen files on the ``runner``."""

    changed = Signal()
    problem = Signal(str)

    def __init__(self, runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("learnPairs")
        self._runner = runner
        self._rows: list[PairRow] = []
        # request id -> (row, side, tab source it fills or None)
        self._loads: dict[int, tuple[PairRow, str, str | None]] = {}
        self._folder = ""
        # The current tab's Before image by source (AS_SAVED, WITH_EDITS), while offered.
        self._tab_images: dict[str, ExampleImage | None] | None = None
        self._tab_file: tuple[Path, str] | None = None
        self._rows_box = QVBoxLayout()
        self._rows_box.setSpacing(8)
        inner = QWidget()
        inner_layout = QVBoxLayout(inner)
        inner_layout.setContentsMargins(0, 0, 0, 0)
        inner_layout.addLayout(self._rows_box)
        tip = QLabel(
            "Drop image files on a slot, or use Choose. Several pairs made with the same "
            "filter fit one kernel together and make it more reliable. Pairs with "
            "clipped highlights or JPEG noise are fine: such pixels are left out or averaged.",
            wordWrap=True,
        )
        tip.setStyleSheet("color: palette(placeholder-text); margin-top: 6px;")
        inner_layout.addWidget(tip)
        inner_layout.addStretch(1)
        scroll = QScrollArea(widgetResizable=True, frameShape=QFrame.NoFrame)
        scroll.setWidget(inner)
        scroll.setMinimumHeight(250)
        self.add_button = QPushButton("Add pair")
        self.add_button.setAutoDefault(False)
        self.add_button.setToolTip("Several pairs made with the same filter fit one kernel")
        self.add_button.clicked.connect(self.add_pair)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)
        layout.addWidget(self.add_button, 0, Qt.AlignLeft)
        runner.finished.connect(self._on_loaded)
        runner.failed.connect(self._on_load_failed)
        runner.cancelled.connect(self._on_load_cancelled)
        self.add_pair()

    # -- the pairs ----------------------------------------------------------------------
    def count(self) -> int:
        return len(self._rows)

    def row(self, index: int) -> PairRow:
        return self._rows[index]

    def pairs(self) -> list[tuple[ExampleImage | None, ExampleImage | None]]:
        return [(r.before.image, r.after.image) for r in self._rows]

    def is_loading(self) -> bool:
        return bool(self._loads)

    def folder(self) -> str:
        """The folder of the last file chosen (where file dialogs start)."""
        return self._folder

    def cancel_loads(self) -> None:
        for request_id in list(self._loads):
            self._runner.cancel(request_id)

    @Slot()
    def add_pair(self) -> PairRow:
        row = PairRow()
        for side in ("before", "after"):
            slot = row.slot(side)
            slot.choose_requested.connect(lambda r=row, s=side: self.choose_file(r, s))
            slot.file_dropped.connect(lambda path, r=row, s=side: self.load_file(r, s, path))
        row.remove_requested.connect(lambda r=row: self.remove_pair(r))
        self._rows.append(row)
        self._rows_box.addWidget(row)
        self._renumber()
        self.changed.emit()
        return row

    def remove_pair(self, row: PairRow) -> None:
        if len(self._rows) == 1:  # keep one row to fill in; removing it clears it
            row.before.set_image(None)
            row.after.set_image(None)
        else:
            self._rows.remove(row)
            row.setParent(None)
            row.deleteLater()
        for rid, (r, *_) in list(self._loads.items()):
            if r is row:
                self._runner.cancel(rid)
        self._renumber()
        self.changed.emit()

    def set_image(self, index: int, side: str, image: ExampleImage | None) -> None:
        self._rows[index].slot(side).set_image(image)
        self._renumber()
        self.changed.emit()

    def offer_tab_image(
        self, pixels: np.ndarray, name: str, *, saved_path: Path | None, edits: int
    ) -> None:
        """Fill the first Before slot from the current tab.

        With unsaved edits and a file on disk, the slot takes the file as saved (read on the
        worker) and offers "current image with its edits"; its caption says which it holds,
        e.g. "chelsea.png (with 1 unsaved edit)".
        """
        slot = self._rows[0].before
        if edits <= 0 or saved_path is None:
            self.set_image(0, "before", ExampleImage(pixels, name, saved_path))
            return
        plural = "s" if edits != 1 else ""
        self._tab_images = {
            WITH_EDITS: ExampleImage(pixels, f"{name} (with {edits} unsaved edit{plural})"),
            AS_SAVED: None,  # read from the file below
        }
        self._tab_file = (Path(saved_path), f"{name} (as saved)")
        slot.source_combo.show()
        slot.source_combo.currentIndexChanged.connect(self._switch_tab_source)
        self._switch_tab_source()

    def before_source(self) -> str | None:
        """Which image of the tab the first Before slot holds: AS_SAVED, WITH_EDITS or None."""
        if self._tab_images is None:
            return None
        return self._rows[0].before.source_combo.currentData()

    @Slot()
    def _switch_tab_source(self) -> None:
        if self._tab_images is None:
            return
        slot = self._rows[0].before
        source = slot.source_combo.currentData()
        image = self._tab_images.get(source)
        if image is not None:
            for rid, (r, side) in list(self._loads.items()):
                if r is self._rows[0] and side == "before":
                    self._runner.cancel(rid)
            self.set_image(0, "before", image)
        else:
            path, label = self._tab_file
            self.load_file(0, "before", path, name=label, remember=AS_SAVED)

    def _renumber(self) -> None:
        for number, row in enumerate(self._rows, start=1):
            row.number.setText(f"<b>{number}</b>")
            filled = row.before.image is not None or row.after.image is not None
            row.remove_button.setEnabled(len(self._rows) > 1 or filled)

    # -- reading files ------------------------------------------------------------------
    def choose_file(self, row: PairRow, side: str) -> None:
        patterns = " ".join(f"*{ext}" for ext in IMAGE_EXTENSIONS)
        path, _ = QFileDialog.getOpenFileName(
            self,
            f"Choose the {side} image",
            self._folder,
            f"Images ({patterns});;All files (*)",
        )
        if path:
            self.load_file(row, side, path)

    def load_file(
        self,
        row: PairRow | int,
        side: str,
        path: str | Path,
        *,
        name: str | None = None,
        remember: str | None = None,
    ) -> int:
        """Read ``path`` into a slot on the worker; returns the request id.

        ``name`` is the caption (the file's name by default); ``remember`` keeps the image
        read as that source of the current tab's Before image.
        """
        if isinstance(row, int):
            row = self._rows[row]
        path = Path(path)
        if remember is None:
            self._folder = str(path.parent)
            if row is self._rows[0] and side == "before" and self._tab_images is not None:
                row.before.source_combo.hide()  # a file of the user's own: no tab source
                self._tab_images = None
        channel = f"learn-load:{id(row)}:{side}"  # a new choice replaces a pending one
        rid = self._runner.submit(_load_example, channel=channel, args=(path, name))
        row.slot(side).set_loading(name or path.name)  # after submit: ends a superseded load
        self._loads[rid] = (row, side, remember)
        return rid

    @Slot(int, object)
    def _on_loaded(self, request_id: int, result: object) -> None:
        target = self._loads.pop(request_id, None)
        if target is None or target[0] not in self._rows:
            return
        example, thumb = result
        if target[2] is not None and self._tab_images is not None:
            self._tab_images[target[2]] = example
        target[0].slot(target[1]).set_image(example, thumb)
        self._renumber()
        self.changed.emit()

    @Slot(int, str)
    def _on_load_failed(self, request_id: int, message: str) -> None:
        target = self._loads.pop(request_id, None)
        if target is None or target[0] not in self._rows:
            return
        target[0].slot(target[1]).set_error(message)
        self.changed.emit()
        self.problem.emit(message)

    @Slot(int)
    def _on_load_cancelled(self, request_id: int) -> None:
        target = self._loads.pop(request_id, None)
        if target is not None and target[0] in self._rows:
            slot = target[0].slot(target[1])
            slot.set_image(slot.image)
