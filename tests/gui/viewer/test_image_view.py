"""The image viewer: zoom about the cursor, fit, 100 %, split divider, hold to compare."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QImage, QWheelEvent
from PySide6.QtWidgets import QApplication

from workbench.gui.viewer.display import to_display
from workbench.gui.viewer.image_view import COMPARE_KEY, ImageView


@pytest.fixture
def view(qtbot):
    v = ImageView()
    qtbot.addWidget(v)
    v.resize(400, 300)
    v.show()
    qtbot.waitExposed(v)
    return v


def _grab(view) -> QImage:
    return view.viewport().grab().toImage()


def test_fit_shows_the_whole_image_and_100_percent_is_one_to_one(view):
    image = np.zeros((600, 800, 3), np.uint8)
    view.set_image(to_display(image))
    view.fit()
    assert view.zoom < 0.5
    rect = view.visible_image_rect()
    assert (rect.width(), rect.height()) == (800, 600)
    view.actual_size()
    assert view.zoom == 1.0
    assert not view.is_fitted()


def test_wheel_zoom_keeps_the_point_under_the_cursor(qtbot, view):
    image = np.zeros((500, 700, 3), np.uint8)
    view.set_image(to_display(image))
    view.set_zoom(1.0)
    cursor = QPointF(120, 90)
    before = view.mapToScene(cursor.toPoint())
    event = QWheelEvent(
        cursor,
        QPointF(view.viewport().mapToGlobal(cursor.toPoint())),
        QPoint(0, 0),
        QPoint(0, 240),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(view.viewport(), event)
    assert view.zoom == pytest.approx(2.0)
    after = view.mapToScene(cursor.toPoint())
    assert abs(after.x() - before.x()) <= 1 and abs(after.y() - before.y()) <= 1


def test_pixels_stay_crisp_when_zoomed_in(qtbot, view):
    image = np.zeros((4, 4, 3), np.uint8)
    image[::2, ::2] = 255
    image[1::2, 1::2] = 255
    view.set_image(to_display(image))
    view.set_pixel_grid(False)  # the grid's lines are tested on their own
    view.set_zoom(16.0)
    shot = _grab(view)
    colours = {
        shot.pixelColor(x, y).red()
        for x in range(0, shot.width(), 3)
        for y in range(0, shot.height(), 3)
    }
    # Only black, white and the background: no blended greys from smoothing.
    assert colours <= {0, 255, 58}


def test_split_shows_before_left_of_the_divider_and_the_key_shows_it_all(qtbot, view):
    before = np.zeros((100, 100, 3), np.uint8)
    after = np.full((100, 100, 3), 255, np.uint8)
    view.set_image(to_display(after), to_display(before))
    view.set_zoom(2.0)
    view.centerOn(50, 50)

    def colour_at(x_image: float) -> int:
        point = view.mapFromScene(QPointF(x_image, 50))
        return _grab(view).pixelColor(point).red()

    assert colour_at(25) == 255 and colour_at(75) == 255
    view.set_split(True)
    view.set_divider(0.5)
    assert colour_at(25) == 0 and colour_at(75) == 255
    view.set_split(False)
    qtbot.keyPress(view, COMPARE_KEY)
    assert view.showing_original()
    assert colour_at(75) == 0
    qtbot.keyRelease(view, COMPARE_KEY)
    assert colour_at(75) == 255


def test_dragging_the_divider_moves_it(qtbot, view):
    image = np.zeros((100, 200, 3), np.uint8)
    view.set_image(to_display(image), to_display(image))
    view.set_zoom(1.0)
    view.set_split(True)
    start = view.mapFromScene(QPointF(100, 50))
    end = view.mapFromScene(QPointF(150, 50))
    qtbot.mousePress(view.viewport(), Qt.MouseButton.LeftButton, pos=start)
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QMouseEvent

    move = QMouseEvent(
        QEvent.Type.MouseMove,
        QPointF(end),
        QPointF(end),
        Qt.MouseButton.LeftButton,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(view.viewport(), move)
    qtbot.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, pos=end)
    assert view.divider() == pytest.approx(0.75, abs=0.01)


def test_a_patch_is_laid_over_the_image(qtbot, view):
    base = np.zeros((60, 60, 3), np.uint8)
    patch = np.full((10, 20, 3), 200, np.uint8)
    view.set_image(to_display(base))
    view.set_zoom(4.0)
    view.centerOn(20, 20)
    view.set_patch(to_display(patch), 10, 15)
    shot = _grab(view)
    assert shot.pixelColor(view.mapFromScene(QPointF(15, 20))).red() == 200
    assert shot.pixelColor(view.mapFromScene(QPointF(5, 20))).red() == 0
    view.clear_patch()
    assert _grab(view).pixelColor(view.mapFromScene(QPointF(15, 20))).red() == 0


def test_plain_keys_zoom(qtbot, view):
    view.set_image(to_display(np.zeros((600, 800, 3), np.uint8)))
    qtbot.keyClick(view, Qt.Key.Key_1)
    assert view.zoom == 1.0
    qtbot.keyClick(view, Qt.Key.Key_Plus)
    assert view.zoom == pytest.approx(1.5)  # GIMP's ladder
    qtbot.keyClick(view, Qt.Key.Key_Minus)
    qtbot.keyClick(view, Qt.Key.Key_Minus)
    assert view.zoom == pytest.approx(2 / 3)
    qtbot.keyClick(view, Qt.Key.Key_0)
    assert view.is_fitted()
