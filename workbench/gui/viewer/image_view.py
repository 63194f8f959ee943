"""The image viewer: zoom about the cursor, pan, crisp pixels, before/after comparison.

The view paints up to three images, all 8-bit :class:`~workbench.gui.viewer.display.DisplayImage`s
made off the GUI thread:

* the *after* image (the document, or the full filtered preview once it is ready),
* a *patch* laid over it (the quick preview of the visible region, or of a small proxy of the
  whole image scaled up), until the full preview replaces it,
* the *before* image, shown left of a draggable divider in split mode, or everywhere while
  the compare key (backslash, as in Lightroom) is held.

Zoom steps follow GIMP's ladder (:mod:`workbench.gui.viewer.zoom`); from 800 % up a grid is
drawn between pixels; over a preview (not yet applied) a "Preview" badge says so.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPen,
    QResizeEvent,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QGraphicsScene,
    QGraphicsView,
    QWidget,
)

from workbench.gui.viewer.canvas import ImageCanvas
from workbench.gui.viewer.display import DisplayImage
from workbench.gui.viewer.zoom import MAX_ZOOM, MIN_ZOOM, PIXEL_GRID_ZOOM, zoom_step

__all__ = ["COMPARE_KEY", "ImageView"]

#: Hold this key to see the "before" image over the whole view.
COMPARE_KEY = Qt.Key.Key_Backslash

_DIVIDER_GRAB = 6  # pixels of the screen either side of the divider that grab it


class ImageView(QGraphicsView):
    """Shows one image with zoom, pan, a before/after split and hold-to-compare."""

    #: Image coordinates of the pixel under the cursor; (-1, -1) when off the image.
    pixelHovered = Signal(int, int)
    #: A pixel was clicked (pressed and released without dragging), in image coordinates.
    pixelClicked = Signal(int, int)
    #: The zoom factor (1.0 = 100 %) after it changed.
    zoomChanged = Signal(float)
    #: The visible part of the image changed (pan, zoom, resize): preview may follow.
    viewportMoved = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("imageView")
        self._scene = QGraphicsScene(self)
        self._canvas = ImageCanvas()
        self._scene.addItem(self._canvas)
        self.setScene(self._scene)
        self.setBackgroundBrush(QColor(58, 58, 60))
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.viewport().setMouseTracking(True)
        # Files dropped on the image go to the window, which knows what to do with them.
        self.setAcceptDrops(False)
        self.viewport().setAcceptDrops(False)
        self._zoom = 1.0
        self._fit_mode = True
        self._split = False
        self._divider = 0.5  # fraction of the image width
        self._dragging_divider = False
        self._holding_original = False
        self._fit_enlarges = False
        self._pixel_grid = True
        self._badge = ""
        self._mouse: QPointF | None = None  # the cursor in the viewport, while over it
        self._press_at: QPointF | None = None  # where a left press began, to tell a click
        self.horizontalScrollBar().valueChanged.connect(self.viewportMoved)
        self.verticalScrollBar().valueChanged.connect(self.viewportMoved)

    # -- content -------------------------------------------------------------------------
    def set_image(self, after: DisplayImage, before: DisplayImage | None = None) -> None:
        """Show ``after``; ``before`` is what split and hold-to-compare reveal."""
        old = self._canvas.after
        resized = old is None or (old.width, old.height) != (after.width, after.height)
        self._canvas.prepareGeometryChange()
        self._canvas.after = after
        self._canvas.before = before
        self._canvas.patch = None
        self._canvas.transparent = after.image.hasAlphaChannel()
        self._scene.setSceneRect(self._canvas.boundingRect())
        self._update_before_width()
        if resized and self._fit_mode:
            self.fit()
        self._canvas.update()

    def set_before(self, before: DisplayImage | None) -> None:
        """Replace the before image only: what is on screen as "after" (a preview) stays."""
        self._canvas.before = before
        self._canvas.update()

    def set_after(self, after: DisplayImage) -> None:
        """Replace the after image (same size), dropping any patch."""
        self._canvas.after = after
        self._canvas.patch = None
        self._canvas.update()

    def set_patch(self, patch: DisplayImage, x: float, y: float, scale: float = 1.0) -> None:
        """Lay ``patch`` over the after image with its top left at (x, y), scaled up."""
        self._canvas.patch = patch
        self._canvas.patch_rect = QRectF(x, y, patch.width * scale, patch.height * scale)
        self._canvas.update()

    def clear_patch(self) -> None:
        if self._canvas.patch is not None:
            self._canvas.patch = None
            self._canvas.update()

    def has_patch(self) -> bool:
        return self._canvas.patch is not None

    def after_image(self) -> DisplayImage | None:
        return self._canvas.after

    def image_size(self) -> tuple[int, int]:
        after = self._canvas.after
        return (after.width, after.height) if after is not None else (0, 0)

    # -- zoom and pan --------------------------------------------------------------------
    @property
    def zoom(self) -> float:
        return self._zoom

    def set_zoom(self, zoom: float, anchor: QPointF | None = None) -> None:
        """Zoom to ``zoom`` keeping the image point under ``anchor`` (view coords) still."""
        zoom = min(max(zoom, MIN_ZOOM), MAX_ZOOM)
        if anchor is None:
            anchor = QPointF(self.viewport().rect().center())
        scene_point = self.mapToScene(anchor.toPoint())
        self._fit_mode = False
        self._apply_zoom(zoom)
        moved = self.mapFromScene(scene_point) - anchor.toPoint()
        self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() + moved.x())
        self.verticalScrollBar().setValue(self.verticalScrollBar().value() + moved.y())
        self._report_hovered()

    def zoom_in(self) -> None:
        """One step up GIMP's ladder (100 % -> 150 % -> 200 % ...)."""
        self.set_zoom(zoom_step(self._zoom, 1))

    def zoom_out(self) -> None:
        self.set_zoom(zoom_step(self._zoom, -1))

    def actual_size(self) -> None:
        self.set_zoom(1.0)

    def fit(self) -> None:
        """Show the whole image; stays fitted on resize.

        A small image stays at 100 % unless :meth:`set_fit_enlarges` asked to fill the view.
        """
        w, h = self.image_size()
        self._fit_mode = True
        if w == 0 or h == 0:
            return
        area = self.viewport().rect().adjusted(4, 4, -4, -4)
        zoom = min(area.width() / w, area.height() / h)
        if not self._fit_enlarges:
            zoom = min(zoom, 1.0)
        zoom = min(zoom, MAX_ZOOM)
        self._apply_zoom(max(zoom, MIN_ZOOM))
        self.centerOn(self._canvas.boundingRect().center())
        self._report_hovered()

    def is_fitted(self) -> bool:
        return self._fit_mode

    def set_fit_enlarges(self, on: bool) -> None:
        """Whether Fit enlarges an image smaller than the view (off: small ones stay 100 %)."""
        self._fit_enlarges = bool(on)
        if self._fit_mode:
            self.fit()

    def fit_enlarges(self) -> bool:
        return self._fit_enlarges

    def set_pixel_grid(self, on: bool) -> None:
        """Whether a grid between pixels shows from 800 % up (on by default)."""
        self._pixel_grid = bool(on)
        self.viewport().update()

    def shows_pixel_grid(self) -> bool:
        """Whether the pixel grid is on screen just now."""
        return self._pixel_grid and self._zoom >= PIXEL_GRID_ZOOM - 1e-9

    def _apply_zoom(self, zoom: float) -> None:
        self._zoom = zoom
        self.setTransform(QTransform.fromScale(zoom, zoom))
        self.zoomChanged.emit(zoom)
        self.viewportMoved.emit()

    def set_badge(self, text: str) -> None:
        """A label in the view's top left corner (``"Preview"`` while one shows); "" for none."""
        if text != self._badge:
            self._badge = text
            self.viewport().update()

    def badge(self) -> str:
        return self._badge

    def _report_hovered(self) -> None:
        """The pixel under the cursor, again: zooming by key moves the image under it."""
        if self._mouse is None:
            return
        scene = self.mapToScene(self._mouse.toPoint())
        w, h = self.image_size()
        x, y = math.floor(scene.x()), math.floor(scene.y())
        if 0 <= x < w and 0 <= y < h:
            self.pixelHovered.emit(x, y)
        else:
            self.pixelHovered.emit(-1, -1)

    def visible_image_rect(self) -> QRect:
        """The part of the image on screen, in image pixels."""
        w, h = self.image_size()
        seen = self.mapToScene(self.viewport().rect()).boundingRect()
        x0 = max(0, math.floor(seen.left()))
        y0 = max(0, math.floor(seen.top()))
        x1 = min(w, math.ceil(seen.right()))
        y1 = min(h, math.ceil(seen.bottom()))
        return QRect(x0, y0, max(0, x1 - x0), max(0, y1 - y0))

    # -- before / after ------------------------------------------------------------------
    def set_split(self, on: bool) -> None:
        self._split = bool(on)
        self._update_before_width()

    def is_split(self) -> bool:
        return self._split

    def set_divider(self, fraction: float) -> None:
        self._divider = min(max(fraction, 0.0), 1.0)
        self._update_before_width()

    def divider(self) -> float:
        return self._divider

    def set_showing_original(self, on: bool) -> None:
        self._holding_original = bool(on)
        self._update_before_width()

    def showing_original(self) -> bool:
        return self._holding_original

    def shows_before_at(self, x: float) -> bool:
        """Whether the image column ``x`` shows the "before" image just now."""
        return x < self._canvas.before_width

    def _update_before_width(self) -> None:
        w, _ = self.image_size()
        if self._holding_original:
            width = float(w)
        elif self._split:
            width = self._divider * w
        else:
            width = 0.0
        self._canvas.before_width = width
        self._canvas.update()
        self.viewport().update()

    def _divider_view_x(self) -> float:
        w, _ = self.image_size()
        return self.mapFromScene(QPointF(self._divider * w, 0)).x()

    # -- events --------------------------------------------------------------------------
    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120.0
        if steps == 0:
            return
        self._mouse = QPointF(event.position())
        if abs(steps) >= 1:  # a mouse wheel's notches: along GIMP's ladder
            zoom = zoom_step(self._zoom, round(steps))
        else:  # a touchpad's small deltas: smoothly
            zoom = self._zoom * 2 ** (steps / 2)
        self.set_zoom(zoom, event.position())
        event.accept()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        left = event.button() == Qt.MouseButton.LeftButton
        self._press_at = event.position() if left else None
        if (
            self._split
            and event.button() == Qt.MouseButton.LeftButton
            and abs(event.position().x() - self._divider_view_x()) <= _DIVIDER_GRAB
        ):
            self._dragging_divider = True
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        self._mouse = QPointF(pos)
        if self._dragging_divider:
            w, _ = self.image_size()
            if w:
                self.set_divider(self.mapToScene(pos.toPoint()).x() / w)
            event.accept()
        else:
            near = self._split and abs(pos.x() - self._divider_view_x()) <= _DIVIDER_GRAB
            if near:
                self.viewport().setCursor(Qt.CursorShape.SplitHCursor)
            elif not event.buttons():
                self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            super().mouseMoveEvent(event)
        scene = self.mapToScene(pos.toPoint())
        w, h = self.image_size()
        x, y = math.floor(scene.x()), math.floor(scene.y())
        if 0 <= x < w and 0 <= y < h:
            self.pixelHovered.emit(x, y)
        else:
            self.pixelHovered.emit(-1, -1)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        press, self._press_at = self._press_at, None
        if (
            press is not None
            and not self._dragging_divider
            and event.button() == Qt.MouseButton.LeftButton
            and (event.position() - press).manhattanLength() < 4
        ):
            scene = self.mapToScene(event.position().toPoint())
            w, h = self.image_size()
            x, y = math.floor(scene.x()), math.floor(scene.y())
            if 0 <= x < w and 0 <= y < h:
                self.pixelClicked.emit(x, y)
        if self._dragging_divider:
            self._dragging_divider = False
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def leaveEvent(self, event) -> None:
        self._mouse = None
        self.pixelHovered.emit(-1, -1)
        super().leaveEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == COMPARE_KEY:
            if not event.isAutoRepeat():
                self.set_showing_original(True)
            event.accept()
            return
        # Plain keys as in GIMP and most viewers (the window has the Ctrl+ shortcuts).
        zoom_keys = {
            Qt.Key.Key_Plus: self.zoom_in,
            Qt.Key.Key_Equal: self.zoom_in,
            Qt.Key.Key_Minus: self.zoom_out,
            Qt.Key.Key_0: self.fit,
            Qt.Key.Key_1: self.actual_size,
        }
        plain = not (
            event.modifiers()
            & ~Qt.KeyboardModifier.KeypadModifier
            & ~Qt.KeyboardModifier.ShiftModifier
        )
        if plain and event.key() in zoom_keys:
            zoom_keys[event.key()]()
            event.accept()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.key() == COMPARE_KEY:
            if not event.isAutoRepeat():
                self.set_showing_original(False)
            event.accept()
            return
        super().keyReleaseEvent(event)

    def focusOutEvent(self, event) -> None:
        # A key released while another widget had focus must not leave "before" stuck on.
        if self._holding_original:
            self.set_showing_original(False)
        super().focusOutEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._fit_mode:
            self.fit()
        self.viewportMoved.emit()

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:
        w, h = self.image_size()
        if w and self.shows_pixel_grid():
            self._draw_pixel_grid(painter, rect)
        if self._badge and w:
            painter.save()
            painter.resetTransform()
            self._draw_label(painter, self._badge, 10, 10, right_aligned=False, accent=True)
            painter.restore()
        if not self._split or self._holding_original or w == 0:
            return
        x = self._divider * w
        pen = QPen(QColor(255, 255, 255, 230), 2)
        pen.setCosmetic(True)
        painter.setPen(pen)
        painter.drawLine(QPointF(x, 0), QPointF(x, h))
        # A small handle in the middle of the visible part, so the divider is easy to find.
        seen = (
            self.mapToScene(self.viewport().rect()).boundingRect().intersected(QRectF(0, 0, w, h))
        )
        centre = self.mapFromScene(QPointF(x, seen.center().y()))
        painter.save()
        painter.resetTransform()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setBrush(QColor(255, 255, 255, 230))
        painter.setPen(QPen(QColor(40, 40, 40), 1))
        painter.drawEllipse(QPointF(centre), 7, 7)
        painter.setPen(QPen(QColor(40, 40, 40), 1.5))
        cx, cy = centre.x(), centre.y()
        painter.drawLine(QPointF(cx - 3, cy - 3), QPointF(cx - 3, cy + 3))
        painter.drawLine(QPointF(cx + 3, cy - 3), QPointF(cx + 3, cy + 3))
        top = self.mapFromScene(QPointF(x, seen.top())).y() + 8
        self._draw_label(painter, "Before", cx - 8, top, right_aligned=True)
        self._draw_label(painter, "After", cx + 8, top, right_aligned=False)
        painter.restore()

    def _draw_pixel_grid(self, painter: QPainter, rect: QRectF) -> None:
        """Thin lines between pixels over the exposed part of the image (as GIMP's grid)."""
        w, h = self.image_size()
        seen = rect.intersected(QRectF(0, 0, w, h))
        if seen.isEmpty():
            return
        x0, x1 = math.floor(seen.left()), math.ceil(seen.right())
        y0, y1 = math.floor(seen.top()), math.ceil(seen.bottom())
        pen = QPen(QColor(128, 128, 128, 140), 1)
        pen.setCosmetic(True)
        painter.save()
        painter.setPen(pen)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        for x in range(x0, x1 + 1):
            painter.drawLine(QPointF(x, y0), QPointF(x, y1))
        for y in range(y0, y1 + 1):
            painter.drawLine(QPointF(x0, y), QPointF(x1, y))
        painter.restore()

    def _draw_label(
        self,
        painter: QPainter,
        text: str,
        x: float,
        y: float,
        *,
        right_aligned: bool,
        accent: bool = False,
    ) -> None:
        metrics = painter.fontMetrics()
        width, height = metrics.horizontalAdvance(text) + 12, metrics.height() + 4
        box = QRectF(x - width if right_aligned else x, y, width, height)
        painter.setPen(Qt.PenStyle.NoPen)
        # The preview badge in a colour of its own: it must not read as part of the image.
        painter.setBrush(QColor(196, 120, 0, 230) if accent else QColor(0, 0, 0, 150))
        painter.drawRoundedRect(box, 4, 4)
        painter.setPen(QColor(255, 255, 255))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
