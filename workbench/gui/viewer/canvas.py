"""What the image view paints: the after image, a preview patch over it, and "before".

All three are 8-bit :class:`~workbench.gui.viewer.display.DisplayImage` s in image pixel
coordinates; only the exposed part is drawn, without smoothing from 100 % up so pixels stay
crisp, and over a checkerboard where the image is transparent.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF
from PySide6.QtGui import QBrush, QColor, QPainter, QPixmap
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem

from workbench.gui.viewer.display import DisplayImage

__all__ = ["ImageCanvas"]


def _checkerboard() -> QBrush:
    tile = QPixmap(16, 16)
    tile.fill(QColor(200, 200, 200))
    p = QPainter(tile)
    p.fillRect(0, 0, 8, 8, QColor(150, 150, 150))
    p.fillRect(8, 8, 8, 8, QColor(150, 150, 150))
    p.end()
    return QBrush(tile)


class ImageCanvas(QGraphicsItem):
    """Paints the after image, the preview patch and the before image, in image pixels."""

    def __init__(self) -> None:
        super().__init__()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption, True)
        self.after: DisplayImage | None = None
        self.before: DisplayImage | None = None
        self.patch: DisplayImage | None = None
        self.patch_rect = QRectF()
        self.before_width = 0.0  # how much of the image (from the left) shows "before"
        self.transparent = False
        self._checker = _checkerboard()

    def boundingRect(self) -> QRectF:
        if self.after is None:
            return QRectF()
        return QRectF(0, 0, self.after.width, self.after.height)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        if self.after is None:
            return
        bounds = self.boundingRect()
        exposed = option.exposedRect.intersected(bounds)
        if exposed.isEmpty():
            return
        area = exposed.toAlignedRect().intersected(bounds.toRect())
        # Pixels stay crisp from 100 % up; smoothing only helps when shrinking a photo.
        shrinking = painter.worldTransform().m11() < 0.999
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, shrinking)
        if self.transparent:
            painter.fillRect(QRectF(area), self._checker)
        target = QRectF(area)
        painter.drawImage(target, self.after.image, target)
        if self.patch is not None:
            painter.drawImage(self.patch_rect, self.patch.image)
        if self.before is not None and self.before_width > 0:
            left = QRectF(area).intersected(QRectF(0, 0, self.before_width, bounds.height()))
            if not left.isEmpty():
                if self.transparent:
                    painter.fillRect(left, self._checker)
                painter.drawImage(left, self.before.image, left)
