"""Seeing a kernel through the real widgets: inspector, frequency response, histogram."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QHelpEvent, QMouseEvent
from PySide6.QtWidgets import QApplication, QToolTip
from user_steps import type_into_cell

from workbench.engine import Kernel, apply_kernel
from workbench.engine.response import frequency_response
from workbench.gui.editor.frequency_view import to_db
from workbench.gui.model.document import ImageDocument
from workbench.gui.plots.colour_scale import diverging_rgb
from workbench.gui.viewer.histogram_data import image_histogram

SHARPEN = Kernel([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], name="Sharpen")


@pytest.fixture
def photo():
    rng = np.random.default_rng(4)
    return rng.integers(0, 256, (30, 40, 3), dtype=np.uint8)


def _hover(view, x: float, y: float) -> None:
    """Move the mouse over image point (x, y) of ``view`` (offscreen: send the event)."""
    point = view.mapFromScene(QPointF(x, y))
    viewport = view.viewport()
    move = QMouseEvent(
        QEvent.Type.MouseMove,
        QPointF(point),
        QPointF(viewport.mapToGlobal(point)),
        Qt.MouseButton.NoButton,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(viewport, move)


def _click(qtbot, view, x: float, y: float) -> None:
    point = view.mapFromScene(QPointF(x, y))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)


def _open(qtbot, window, pixels):
    tab = window.add_document(ImageDocument(pixels))
    tab.view.set_zoom(8.0)
    tab.view.centerOn(QPointF(pixels.shape[1] / 2, pixels.shape[0] / 2))
    inspector = window.editor.views.inspector
    window.editor.views.setCurrentWidget(inspector.parentWidget().parentWidget())
    qtbot.waitUntil(inspector.isVisible, timeout=60_000)
    return tab, inspector


def _cell_tooltip(heat, row: int, col: int) -> str:
    centre = heat.cell_rect(row, col).center().toPoint()
    QApplication.sendEvent(heat, QHelpEvent(QEvent.Type.ToolTip, centre, heat.mapToGlobal(centre)))
    return QToolTip.text()


# -- the inspector ---------------------------------------------------------------------------
def test_hovering_a_pixel_shows_the_engines_numbers_and_the_previews_value(qtbot, window, photo):
    tab, inspector = _open(qtbot, window, photo)
    window.editor.set_kernel(SHARPEN)
    _hover(tab.view, 12.5, 7.5)
    assert inspector.position() == (12, 7)
    got = inspector.inspection()
    patch = photo[6:9, 11:14, 0].astype(float)
    np.testing.assert_array_equal(got.values, patch)
    assert got.total == pytest.approx(float((patch * SHARPEN.weights).sum()))
    expected = apply_kernel(photo, SHARPEN)
    assert got.value == expected[7, 12, 0]
    text = inspector.steps_text()
    assert f"\u03a3 products {got.total:.8g}".replace("-", "\u2212") in text
    # Once the live preview has finished, the filtered image's value sits beside it.
    qtbot.waitUntil(lambda: inspector.filtered_value() is not None, timeout=60_000)
    assert inspector.filtered_value() == expected[7, 12, 0]
    assert f"preview {expected[7, 12, 0]} \u2713" in inspector.steps_text()
    # The channel picker shows another channel's numbers.
    inspector.set_channel(2)
    np.testing.assert_array_equal(inspector.inspection().values, photo[6:9, 11:14, 2])
    assert inspector.filtered_value() == expected[7, 12, 2]


def test_after_apply_the_inspector_shows_what_apply_did(qtbot, window, photo):
    tab, inspector = _open(qtbot, window, photo)
    window.editor.set_kernel(SHARPEN)
    window.edits.apply(window.editor.settings())
    qtbot.waitUntil(lambda: tab.document.can_undo(), timeout=60_000)
    _hover(tab.view, 12.5, 7.5)
    got = inspector.inspection()
    # Worked out from the image Apply filtered, beside the value Apply wrote.
    np.testing.assert_array_equal(got.values, photo[6:9, 11:14, 0])
    assert inspector.filtered_value() == tab.document.pixels[7, 12, 0] == got.value
    assert f"applied {got.value:.0f} \u2713" in inspector.steps_text()
    # Another kernel in the editor is about the image as it is now.
    type_into_cell(qtbot, window.editor.table, 0, 0, "1")
    np.testing.assert_array_equal(inspector.inspection().values, tab.document.pixels[6:9, 11:14, 0])
    assert "applied" not in inspector.steps_text()


def test_the_inspector_follows_grid_edits(qtbot, window, photo):
    tab, inspector = _open(qtbot, window, photo)
    window.editor.set_kernel(Kernel(np.zeros((3, 3))))
    _hover(tab.view, 3.5, 4.5)
    assert inspector.inspection().total == 0
    type_into_cell(qtbot, window.editor.table, 1, 2, "2")  # weight right of centre
    got = inspector.inspection()
    assert got.weights[1, 2] == 2
    assert got.total == 2 * photo[4, 4, 0]
    assert got.value == min(2 * int(photo[4, 4, 0]), 255)


def test_edge_pixels_show_the_border_modes_padding(qtbot, window, photo):
    tab, inspector = _open(qtbot, window, photo)
    window.editor.set_kernel(Kernel(np.ones((3, 3)), divisor=9, border="nearest"))
    tab.view.centerOn(QPointF(0, 0))
    _hover(tab.view, 0.5, 0.5)
    got = inspector.inspection()
    assert (got.x, got.y) == (0, 0)
    assert got.padded.sum() == 5
    assert got.values[0, 0] == photo[0, 0, 0]  # nearest repeats the corner
    assert "5 taps beyond the edge (nearest)" in inspector.where_label.text()
    assert "beyond the edge, a copy of x 0, y 0" in _cell_tooltip(inspector.values_map, 0, 0)


def test_a_click_pins_the_inspector_and_arrow_keys_move_it(qtbot, window, photo):
    tab, inspector = _open(qtbot, window, photo)
    window.editor.set_kernel(SHARPEN)
    _click(qtbot, tab.view, 10.5, 5.5)
    assert inspector.is_pinned() and inspector.position() == (10, 5)
    _hover(tab.view, 20.5, 15.5)  # the cursor moves on: the pin stays
    assert inspector.position() == (10, 5)
    qtbot.keyClick(inspector, Qt.Key.Key_Right)
    qtbot.keyClick(inspector, Qt.Key.Key_Down)
    assert inspector.position() == (11, 6)
    assert inspector.inspection().value == apply_kernel(photo, SHARPEN)[6, 11, 0]
    qtbot.keyClick(inspector, Qt.Key.Key_Escape)
    assert not inspector.is_pinned()
    _hover(tab.view, 20.5, 15.5)
    assert inspector.position() == (20, 15)


def test_a_drag_pans_and_does_not_pin(qtbot, window, photo):
    tab, inspector = _open(qtbot, window, photo)
    view = tab.view
    start = view.mapFromScene(QPointF(10.5, 5.5))
    qtbot.mousePress(view.viewport(), Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, pos=start + QPoint(30, 0))
    assert not inspector.is_pinned()


def test_large_kernels_show_maps_with_numbers_on_hover(qtbot, window, photo):
    tab, inspector = _open(qtbot, window, photo)
    rng = np.random.default_rng(2)
    kernel = Kernel(rng.integers(-3, 4, size=(15, 15)).astype(float), divisor=7)
    window.editor.set_kernel(kernel)
    _hover(tab.view, 20.5, 15.5)
    assert not inspector.weights_map.isVisible()
    got = inspector.inspection()
    assert got.products.shape == (15, 15)
    w, v = kernel.weights[0, 14], photo[15 - 7, 20 + 7, 0]
    tip = _cell_tooltip(inspector.products_map, 0, 14)
    assert f"x 27, y 8: weight {w:.6g} \u00d7 {v} = {w * v:.8g}".replace("-", "\u2212") in (
        tip.replace("-", "\u2212")
    )
    assert got.value == apply_kernel(photo, kernel)[15, 20, 0]


# -- the frequency response -----------------------------------------------------------------
def test_the_response_view_updates_as_a_grid_cell_changes(qtbot, window):
    views = window.editor.views
    freq = views.frequency
    window.editor.set_kernel(Kernel(np.ones((3, 3)), divisor=9, name="Box"))
    assert freq.words_label.text() == "low-pass (blur)"
    assert freq.gain_label.text().startswith("Gain at 0: 1 (keeps brightness)")
    type_into_cell(qtbot, window.editor.table, 1, 1, "-8")
    kernel = window.editor.kernel()
    assert kernel.weights[1, 1] == -8
    expected = frequency_response(kernel)
    np.testing.assert_allclose(freq.response().magnitude, expected.magnitude)
    assert freq.words_label.text() == expected.words
    assert "high-pass" in expected.words
    # The map's pixels are the gains on the colour scale: the centre is the gain at 0.
    image = freq.map.image()
    n = expected.magnitude.shape[0]
    centre = image.pixelColor(n // 2, n // 2)
    want = diverging_rgb(np.array([abs(expected.gain_at_zero)]), freq.map.limit())[0]
    assert (centre.red(), centre.green(), centre.blue()) == tuple(int(c) for c in want)
    x_cut = freq.plot.series()[0]
    np.testing.assert_allclose(x_cut.y, expected.cut_x)
    assert freq.plot.labels() == ("cycles per pixel", "gain")


def test_decibels_switch_the_plot_and_the_scale(qtbot, window):
    freq = window.editor.views.frequency
    window.editor.set_kernel(Kernel(np.ones((1, 5)), divisor=5))
    freq.set_decibels(True)
    assert freq.plot.labels() == ("cycles per pixel", "gain (dB)")
    x_cut = freq.plot.series()[0]
    np.testing.assert_allclose(x_cut.y, to_db(freq.response().cut_x))
    assert x_cut.y.min() < -40  # near the box's zeros at 0.2 and 0.4 cycles per pixel
    freq.set_decibels(False)
    np.testing.assert_allclose(freq.plot.series()[0].y, freq.response().cut_x)


# -- the histogram --------------------------------------------------------------------------
def test_histogram_shows_before_and_after_with_the_clipped_share(qtbot, window, photo):
    views = window.editor.views
    tab = window.add_document(ImageDocument(photo))
    views.setCurrentWidget(views.histogram.parentWidget().parentWidget())
    edges = Kernel([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]], name="Edges")
    window.editor.set_kernel(edges)
    qtbot.waitUntil(lambda: views.histogram.histograms()[1] is not None, timeout=60_000)
    before, after = views.histogram.histograms()
    filtered = apply_kernel(photo, edges)
    np.testing.assert_allclose(before.shares["R"], image_histogram(photo).shares["R"])
    np.testing.assert_allclose(
        after.shares["R"], np.bincount(filtered[..., 0].ravel(), minlength=256) / 1200
    )
    views.histogram.set_channel("R")

    def share(image, value):
        return 100 * np.count_nonzero(image[..., 0] == value) / image[..., 0].size

    text = views.histogram.clipped_text()
    assert text == (
        f"R clipped at black: before {share(photo, 0):.1f} %, after {share(filtered, 0):.1f} %\n"
        f"R clipped at white: before {share(photo, 255):.1f} %, after {share(filtered, 255):.1f} %"
    )
    black = share(filtered, 0) / 100
    assert black > 0.2  # an edge kernel without offset throws much of its result away
    assert tab is window.current_tab()


# -- linear light, luminance only, out of range (the editor's colour options) ---------------
def test_the_inspector_follows_linear_light_luminance_and_out_range(qtbot, window, photo):
    tab, inspector = _open(qtbot, window, photo)
    editor = window.editor
    edges = Kernel([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]], name="Edges")
    editor.set_kernel(edges)
    _hover(tab.view, 12.5, 7.5)
    editor.linear_box.setChecked(True)
    got = inspector.inspection()
    assert got.units == "linear light 0..1"
    decoded = ((photo[6:9, 11:14, 0] / 255 + 0.055) / 1.055) ** 2.4
    small = photo[6:9, 11:14, 0] / 255 <= 0.04045
    decoded[small] = photo[6:9, 11:14, 0][small] / 255 / 12.92
    np.testing.assert_allclose(got.values, decoded, rtol=1e-6)
    assert "in linear light 0..1" in inspector.steps_text()
    assert got.value == apply_kernel(photo, editor.kernel())[7, 12, 0]

    assert window.editor.views.frequency.words_label.text().endswith("(in linear light)")
    editor.luminance_box.setChecked(True)
    got = inspector.inspection()
    assert got.units == "linear light 0..1 luma" and got.luma_change is not None
    assert "\u2212 own luma" in inspector.steps_text()
    assert got.value == apply_kernel(photo, editor.kernel())[7, 12, 0]

    editor.linear_box.setChecked(False)
    editor.luminance_box.setChecked(False)
    editor.out_range_combo.setCurrentIndex(editor.out_range_combo.findData("abs"))
    got = inspector.inspection()
    kernel = editor.kernel()
    assert kernel.out_range == "abs"
    assert got.value == apply_kernel(photo, kernel)[7, 12, 0]
    if got.unclipped < 0:
        assert got.rule.startswith("absolute value")

    editor.out_range_combo.setCurrentIndex(editor.out_range_combo.findData("stretch"))
    assert "min..max" in inspector.inspection().rule
    assert "\u2014" in inspector.steps_text()  # one pixel cannot know the image's range

    editor.out_range_combo.setCurrentIndex(editor.out_range_combo.findData("float"))
    got = inspector.inspection()
    expected = apply_kernel(photo, editor.kernel())
    assert expected.dtype == np.float32
    assert got.value == pytest.approx(float(expected[7, 12, 0]), abs=1e-6)
    qtbot.waitUntil(lambda: inspector.filtered_value() is not None, timeout=60_000)
    assert inspector.filtered_value() == pytest.approx(got.value, abs=1e-6)
