"""The learn dialog's plots, rendered offscreen and checked by their pixels."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QColor, QImage, QPainter

from workbench.gui.learn.plots import KernelHeatMap, LossCurve, ResidualView, residual_image
from workbench.gui.plots.colour_scale import diverging_rgb, format_number, paint_colour_bar


def pixel(image: QImage, point: QPointF) -> tuple[int, int, int]:
    c = image.pixelColor(int(point.x()), int(point.y()))
    return c.red(), c.green(), c.blue()


def is_red(rgb) -> bool:
    r, g, b = rgb
    return r > b + 20 and r > g + 20


def is_blue(rgb) -> bool:
    r, _g, b = rgb
    return b > r + 20


def is_white(rgb) -> bool:
    return min(rgb) >= 245


def grab(widget) -> QImage:
    return widget.grab().toImage()


# --- the colour scale -------------------------------------------------------------------


def test_diverging_scale_is_white_at_zero_red_positive_blue_negative():
    rgb = diverging_rgb(np.array([-2.0, -1.0, -0.3, 0.0, 0.3, 1.0, 2.0, np.nan]), 1.0)
    assert tuple(rgb[3]) == (255, 255, 255)
    assert is_red(rgb[5]) and is_blue(rgb[1])
    # beyond the limit saturates at the ends of the scale
    assert tuple(rgb[6]) == tuple(rgb[5]) and tuple(rgb[0]) == tuple(rgb[1])
    # small values are pale: closer to white than the saturated end
    assert rgb[4].astype(int).sum() > rgb[5].astype(int).sum()
    assert rgb[2].astype(int).sum() > rgb[1].astype(int).sum()
    assert tuple(rgb[7]) == (128, 128, 128)


def test_diverging_scale_survives_a_zero_or_bad_limit():
    for limit in (0.0, -1.0, float("nan"), float("inf")):
        rgb = diverging_rgb(np.zeros((2, 2)), limit)
        assert rgb.shape == (2, 2, 3) and (rgb == 255).all()


def test_numbers_use_a_real_minus_and_no_negative_zero():
    assert format_number(-1.5, 2) == "\u22121.50"
    assert format_number(-0.0001, 2) == "0.00"
    assert format_number(3, 0) == "3"


def test_colour_bar_runs_from_red_at_the_top_to_blue_at_the_bottom(qapp):
    image = QImage(80, 200, QImage.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    paint_colour_bar(painter, QRectF(0, 0, 80, 200), 2.5)
    painter.end()
    x = 6
    column = [pixel(image, QPointF(x, y)) for y in range(200)]
    coloured = [y for y, c in enumerate(column) if not is_white(c)]
    top, bottom = coloured[2], coloured[-3]
    assert is_red(column[top]) and is_blue(column[bottom])
    assert is_white(column[(top + bottom) // 2])


# --- the kernel heat map ----------------------------------------------------------------


SHARPEN = np.array([[0.0, -1.0, 0.0], [-1.0, 5.0, -1.0], [0.0, -1.0, 0.0]])


def corner(rect: QRectF) -> QPointF:
    """A point inside a cell but away from its number and its grid lines."""
    return QPointF(rect.left() + 3, rect.top() + 3)


def test_heat_map_colours_cells_by_sign(qtbot):
    heat = KernelHeatMap()
    qtbot.addWidget(heat)
    heat.resize(300, 240)
    heat.set_weights(SHARPEN)
    image = grab(heat)
    assert is_red(pixel(image, corner(heat.cell_rect(1, 1))))
    for row, col in ((0, 1), (1, 0), (1, 2), (2, 1)):
        assert is_blue(pixel(image, corner(heat.cell_rect(row, col))))
    for row, col in ((0, 0), (0, 2), (2, 0), (2, 2)):
        assert is_white(pixel(image, corner(heat.cell_rect(row, col))))
    assert heat.limit() == 5.0


def _distinct_colours(image: QImage, rect: QRectF) -> int:
    colours = set()
    for y in range(int(rect.top()) + 2, int(rect.bottom()) - 1):
        for x in range(int(rect.left()) + 2, int(rect.right()) - 1):
            colours.add(image.pixel(x, y))
    return len(colours)


def test_heat_map_writes_numbers_only_when_they_fit(qtbot):
    heat = KernelHeatMap()
    qtbot.addWidget(heat)
    heat.resize(300, 240)
    heat.set_weights(SHARPEN)
    big_cell = heat.cell_rect(1, 1)
    assert _distinct_colours(grab(heat), big_cell) > 2  # a cell colour plus text

    weights = np.random.default_rng(1).normal(size=(31, 31))
    heat.set_weights(weights)
    heat.resize(200, 150)
    small_cell = heat.cell_rect(15, 15)
    assert small_cell.width() < 8
    assert _distinct_colours(grab(heat), small_cell) <= 1


def test_heat_map_never_shows_small_weights_as_zero(qtbot):
    heat = KernelHeatMap()
    qtbot.addWidget(heat)
    learned = np.full((11, 11), -0.03)  # a learned unsharp mask: small negatives, big centre
    learned[5, 5] = 2.43
    heat.set_weights(learned)
    formats = [heat._number_format(cell) for cell in range(8, 60)]
    assert {f[1] for f in formats if f} == {2}  # two places or no numbers, never "0.0"
    assert formats[-1] is not None  # big cells do show the numbers

    coarse = np.array([[1.5, -2.4, 1.1], [0.6, 2.2, -1.7], [1.3, -0.9, 2.0]])
    heat.set_weights(coarse)
    formats = [heat._number_format(cell) for cell in range(8, 60)]
    assert 1 in {f[1] for f in formats if f}  # one place is still used where it reads right


def test_colour_kernel_shows_one_block_per_channel_pair(qtbot):
    weights = np.zeros((3, 3, 3, 3))
    weights[0, 2, 1, 1] = 1.0  # red out of blue
    weights[2, 0, 1, 1] = -1.0  # blue takes away red
    heat = KernelHeatMap()
    qtbot.addWidget(heat)
    heat.resize(420, 360)
    heat.set_weights(weights)
    image = grab(heat)
    red_from_blue = heat.cell_rect(1, 1, out=0, inp=2)
    blue_from_red = heat.cell_rect(1, 1, out=2, inp=0)
    assert red_from_blue.left() > heat.cell_rect(1, 1, out=0, inp=0).right()
    assert blue_from_red.top() > heat.cell_rect(1, 1, out=0, inp=0).bottom()
    assert is_red(pixel(image, corner(red_from_blue)))
    assert is_blue(pixel(image, corner(blue_from_red)))
    assert is_white(pixel(image, corner(heat.cell_rect(1, 1, out=1, inp=1))))


def test_per_channel_kernels_sit_side_by_side(qtbot):
    weights = np.zeros((3, 3, 3))
    weights[0, 1, 1] = 1.0
    weights[2, 1, 1] = -1.0
    heat = KernelHeatMap()
    qtbot.addWidget(heat)
    heat.resize(420, 200)
    heat.set_weights(weights)
    image = grab(heat)
    red, green, blue = (heat.cell_rect(1, 1, inp=c) for c in range(3))
    assert red.right() < green.left() < green.right() < blue.left()
    assert red.top() == blue.top()
    assert is_red(pixel(image, corner(red))) and is_blue(pixel(image, corner(blue)))
    assert is_white(pixel(image, corner(green)))


def test_heat_map_refuses_a_weights_array_of_the_wrong_shape(qtbot):
    heat = KernelHeatMap()
    qtbot.addWidget(heat)
    with pytest.raises(ValueError, match="kh x kw"):
        heat.set_weights(np.zeros((3,)))
    with pytest.raises(ValueError, match="kh x kw"):
        heat.set_weights(np.zeros((1, 3, 3, 3, 3)))
    heat.set_weights(np.zeros((3, 3)))  # all zero: still draws, white
    heat.resize(200, 160)
    assert is_white(pixel(grab(heat), corner(heat.cell_rect(1, 1))))


# --- the loss curve -------------------------------------------------------------------


def test_loss_curve_last_point_moves_as_points_arrive(qtbot):
    curve = LossCurve()
    qtbot.addWidget(curve)
    curve.resize(360, 220)
    assert curve.last_point() is None
    for step in range(1, 11):
        curve.append(step, 10.0 / step)
    first = curve.last_point()
    assert pixel(grab(curve), first)[2] > pixel(grab(curve), first)[0] + 60  # the marker
    curve.append(30, 0.01)
    second = curve.last_point()
    assert second == curve.map_to_widget(30, 0.01)
    # the axes grew to hold the new point: it is right of and below the old last point
    old = curve.map_to_widget(10, 1.0)
    assert second.x() > old.x() and second.y() > old.y()
    r, _g, b = pixel(grab(curve), second)
    assert b > r + 60


def test_loss_curve_is_logarithmic(qtbot):
    curve = LossCurve()
    qtbot.addWidget(curve)
    curve.resize(360, 220)
    curve.set_history([1.0, 0.1, 0.01, 0.001])
    ys = [curve.map_to_widget(i + 1, loss).y() for i, loss in enumerate([1.0, 0.1, 0.01, 0.001])]
    gaps = np.diff(ys)
    assert np.all(gaps > 0)
    assert np.allclose(gaps, gaps[0], rtol=1e-6)  # equal gaps per decade


def test_loss_curve_skips_zero_negative_and_nan_losses(qtbot):
    curve = LossCurve()
    qtbot.addWidget(curve)
    curve.resize(360, 220)
    curve.append(1, 0.0)
    curve.append(2, -1.0)
    assert curve.last_point() is None
    grab(curve)  # paints the "perfect fit" message rather than failing on log(0)
    curve.append(3, 0.5)
    curve.append(4, float("nan"))
    assert curve.count() == 4
    assert curve.last_point() == curve.map_to_widget(3, 0.5)
    assert curve.map_to_widget(4, 0.0) is None
    grab(curve)


def test_loss_curve_with_many_points_keeps_extremes_per_column(qtbot):
    from workbench.gui.learn.plots import _min_max_per_column

    rng = np.random.default_rng(0)
    px = np.sort(rng.uniform(0, 50, 5000))
    py = rng.uniform(0, 100, 5000)
    xs, ys = _min_max_per_column(px, py)
    for column in range(50):
        inside = py[np.floor(px) == column]
        if inside.size == 0:
            continue
        drawn = ys[xs == column + 0.5]
        assert drawn.max() == inside.max() and drawn.min() == inside.min()

    curve = LossCurve()
    qtbot.addWidget(curve)
    curve.resize(300, 200)
    curve.set_history(np.exp(-np.linspace(0, 10, 20000)) + 1e-6)
    assert curve.count() == 20000
    grab(curve)


# --- the residual -----------------------------------------------------------------------


def test_residual_image_amplifies_and_keeps_sign(qapp):
    residual = np.zeros((20, 40), np.float32)
    residual[:, :20] = 0.5
    residual[:, 20:] = -0.5
    image, limit = residual_image(residual)
    assert limit == pytest.approx(0.5)
    assert is_red(pixel(image, QPointF(5, 5))) and is_blue(pixel(image, QPointF(30, 5)))


def test_colour_residual_shows_the_channel_that_is_off_most(qapp):
    residual = np.zeros((4, 4, 3), np.float32)
    residual[..., 0] = 0.2
    residual[..., 2] = -3.0
    image, limit = residual_image(residual, limit=3.0)
    assert limit == 3.0
    assert is_blue(pixel(image, QPointF(1, 1)))


def test_large_residual_is_decimated_for_display(qapp):
    image, _ = residual_image(np.ones((3300, 100), np.float32))
    assert image.height() <= 1600 and image.width() >= 1


def test_residual_view_draws_the_image_and_states_its_range(qtbot):
    view = ResidualView()
    qtbot.addWidget(view)
    view.resize(320, 200)
    residual = np.zeros((50, 100), np.float32)
    residual[:, 50:] = 2.0
    view.set_residual(residual)
    assert view.limit() == pytest.approx(2.0)
    rect = view.image_rect()
    image = grab(view)
    assert is_white(pixel(image, QPointF(rect.left() + 5, rect.center().y())))
    assert is_red(pixel(image, QPointF(rect.right() - 5, rect.center().y())))
    view.set_residual(None)
    assert view.image() is None


def test_heat_map_still_rounds_away_noise(qtbot):
    heat = KernelHeatMap()
    qtbot.addWidget(heat)
    noisy = np.array([[1.53, -0.0004, 0.0], [0.0002, 2.46, -1.71], [0.61, -0.0003, 1.12]])
    heat.set_weights(noisy)  # the tiny weights are under 1 % of the largest: noise
    formats = [heat._number_format(cell) for cell in range(8, 60)]
    assert 1 in {f[1] for f in formats if f}
