"""Zoom as in GIMP: the ladder, the zoom box, Fit that may enlarge, the pixel grid, the
pixel readout after a keyboard zoom, and the preview badge."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from workbench.gui.viewer.display import to_display
from workbench.gui.viewer.image_view import ImageView
from workbench.gui.viewer.zoom import ZOOM_LADDER, format_zoom, parse_zoom, zoom_step
from workbench.gui.viewer.zoom_box import FIT_TEXT, ZoomBox

BACKGROUND = 58  # the view's grey around the image


@pytest.fixture
def view(qtbot):
    v = ImageView()
    qtbot.addWidget(v)
    v.resize(400, 300)
    v.show()
    qtbot.waitExposed(v)
    return v


def _grab(view):
    return view.viewport().grab().toImage()


def test_the_ladder_is_gimps_and_lands_on_100_200_50(qtbot, view):
    # GIMP 2.10, app/display/gimpdisplayshell-scale.c / libgimpwidgets/gimpzoommodel.c.
    assert ZOOM_LADDER[ZOOM_LADDER.index(1.0) - 3 : ZOOM_LADDER.index(1.0) + 5] == (
        1 / 3, 1 / 2, 2 / 3, 1.0, 3 / 2, 2.0, 3.0, 4.0,
    )  # fmt: skip
    view.set_image(to_display(np.zeros((600, 800, 3), np.uint8)))
    view.actual_size()
    seen = []
    for _ in range(4):
        qtbot.keyClick(view, Qt.Key.Key_Plus)
        seen.append(view.zoom)
    assert seen == [1.5, 2.0, 3.0, 4.0]
    view.actual_size()
    for _ in range(3):
        qtbot.keyClick(view, Qt.Key.Key_Minus)
    assert view.zoom == pytest.approx(1 / 3)
    # From an odd level (a fit) the next step lands on the ladder, at least 10 % away.
    assert zoom_step(0.37, 1) == 0.5
    assert zoom_step(1.01, 1) == 1.5
    assert zoom_step(1.05, -1) == pytest.approx(2 / 3)
    assert zoom_step(64.0, 1) == 64.0


def test_zoom_text_reads_and_writes_percent():
    assert parse_zoom("250") == 2.5
    assert parse_zoom(" 250 % ") == 2.5
    assert parse_zoom("4x") == 4.0
    assert parse_zoom("12,5%") == 0.125
    assert parse_zoom("big") is None and parse_zoom("0") is None
    assert parse_zoom("100000") == 64.0
    assert format_zoom(2 / 3) == "66.7 %" and format_zoom(16) == "1600 %"


def test_the_zoom_box_takes_a_typed_level_and_follows_the_view(qtbot, view):
    box = ZoomBox()
    qtbot.addWidget(box)
    box.show()
    view.set_image(to_display(np.zeros((600, 800, 3), np.uint8)))
    box.zoomRequested.connect(view.set_zoom)
    box.fitRequested.connect(view.fit)
    view.zoomChanged.connect(box.show_zoom)
    edit = box.lineEdit()
    edit.selectAll()
    qtbot.keyClicks(edit, "250")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert view.zoom == 2.5
    assert box.currentText() == "250 %"
    view.zoom_in()
    assert box.currentText() == "300 %"
    # Nonsense typed: nothing happens and the box shows the zoom again.
    edit.selectAll()
    qtbot.keyClicks(edit, "huge")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert view.zoom == 3.0 and box.currentText() == "300 %"


def test_the_zoom_box_levels_can_be_picked(qtbot, view):
    box = ZoomBox()
    qtbot.addWidget(box)
    box.show()
    view.set_image(to_display(np.zeros((600, 800, 3), np.uint8)))
    box.zoomRequested.connect(view.set_zoom)
    box.fitRequested.connect(view.fit)
    view.zoomChanged.connect(box.show_zoom)

    def pick(text):
        box.showPopup()
        popup = box.view()
        qtbot.waitUntil(popup.isVisible, timeout=60_000)
        index = box.model().index(box.findText(text), 0)
        popup.scrollTo(index)
        qtbot.mouseClick(
            popup.viewport(), Qt.MouseButton.LeftButton, pos=popup.visualRect(index).center()
        )
        qtbot.waitUntil(lambda: not popup.isVisible(), timeout=60_000)

    pick("800 %")
    assert view.zoom == 8.0 and not view.is_fitted()
    pick(FIT_TEXT)
    assert view.is_fitted() and view.zoom < 0.5
    assert box.currentText() == format_zoom(view.zoom)


def test_fit_enlarges_a_small_image_only_when_asked(view):
    view.set_image(to_display(np.zeros((10, 20, 3), np.uint8)))
    view.fit()
    assert view.zoom == 1.0
    view.set_fit_enlarges(True)
    area = view.viewport().rect().adjusted(4, 4, -4, -4)
    assert view.zoom == pytest.approx(min(area.width() / 20, area.height() / 10))
    rect = view.visible_image_rect()
    assert (rect.width(), rect.height()) == (20, 10)


def _grey_columns(view, zoom):
    """Columns inside the image (white) where the grab shows something else."""
    view.set_zoom(zoom)
    view.centerOn(20, 20)
    shot = _grab(view)
    y = shot.height() // 2 + 3
    return [x for x in range(shot.width()) if shot.pixelColor(x, y).red() not in (255, BACKGROUND)]


def test_a_pixel_grid_shows_from_800_percent(view):
    view.set_image(to_display(np.full((40, 40, 3), 255, np.uint8)))
    assert _grey_columns(view, 4.0) == []
    assert not view.shows_pixel_grid()
    lines = _grey_columns(view, 8.0)
    assert view.shows_pixel_grid()
    # One line per pixel boundary: eight screen pixels apart.
    assert len(lines) >= 40
    gaps = {b - a for a, b in itertools.pairwise(lines)}
    assert gaps == {8}
    view.set_pixel_grid(False)
    assert _grey_columns(view, 8.0) == []


def test_the_readout_follows_a_keyboard_zoom(qtbot, view):
    view.set_image(to_display(np.zeros((600, 800, 3), np.uint8)))
    view.actual_size()
    hovered = []
    view.pixelHovered.connect(lambda x, y: hovered.append((x, y)))
    at = QPoint(100, 80)
    qtbot.mouseMove(view.viewport(), at)
    qtbot.waitUntil(lambda: bool(hovered), timeout=60_000)
    before = hovered[-1]
    qtbot.keyClick(view, Qt.Key.Key_Plus)
    scene = view.mapToScene(at)
    expected = (math.floor(scene.x()), math.floor(scene.y()))
    assert expected != before
    assert hovered[-1] == expected


def test_the_preview_badge_is_painted_over_the_image(view):
    view.set_image(to_display(np.zeros((300, 400, 3), np.uint8)))
    view.actual_size()
    view.set_badge("Preview")
    shot = _grab(view)
    colour = shot.pixelColor(16, 16)
    assert colour.red() > 150 and colour.blue() < 60  # the amber badge
    view.set_badge("")
    assert _grab(view).pixelColor(16, 16).red() == 0
