"""The learn result says exactly what it learned: simple values shown as such, "exact match"
instead of absurd PSNR, Round with its stated cost, left-out pixels marked as left out, and
images large enough to compare."""

from __future__ import annotations

import numpy as np
import pytest
from learn_steps import textured
from PySide6.QtWidgets import QApplication

from workbench.engine import Kernel, apply_kernel, fit_kernel
from workbench.gui.learn.result import MIN_COMPARE_WIDTH, LearnOutcome, LearnResultView
from workbench.gui.learn.rounding import plan_rounding, rounded_outcome
from workbench.gui.plots.colour_scale import LEFT_OUT_RGB

BLUR = Kernel([[1, 2, 1], [2, 4, 2], [1, 2, 1]], divisor=16)


def _outcome(before, after) -> LearnOutcome:
    result = fit_kernel([(before, after)], 3, margin=5)
    return LearnOutcome(result, before, after, apply_kernel(before, result.kernel))


@pytest.fixture
def view(qtbot):
    v = LearnResultView()
    qtbot.addWidget(v)
    v.resize(900, 640)
    v.show()
    qtbot.waitExposed(v)
    return v


def test_an_exact_fit_reads_exact_match_and_n_over_16(view):
    before = textured(60, 72).astype(np.float32) / 255
    view.show_outcome(_outcome(before, apply_kernel(before, BLUR)))
    report = view.report.text()
    assert "exact match" in report and "dB" not in report
    assert "exactly n/16" in view.title.text()
    assert not view.round_button.isEnabled()  # nothing to round


def test_round_states_its_cost_and_the_result_shows_the_rounded_kernel(view):
    before = textured(60, 72)
    after = apply_kernel(before, BLUR)  # 8-bit: the learned weights are near n/16, not on it
    outcome = _outcome(before, after)
    view.show_outcome(outcome)
    assert " dB" in view.report.text()
    assert view.round_button.isEnabled()
    plan = plan_rounding(outcome)
    assert plan is not None and plan.denominator == 16
    rounded = rounded_outcome(lambda f: None, None, outcome, plan)
    np.testing.assert_array_equal(rounded.result.kernel.weights * 16, BLUR.weights)
    np.testing.assert_array_equal(rounded.reproduced, after)  # the very filter that made it
    note = rounded.result.report.findings[-1]
    assert "1/16" in note and "largest change" in note and "PSNR" in note
    view.show_outcome(rounded)
    assert "exactly n/16" in view.title.text()
    assert "exact match" in view.report.text()


def test_pixels_left_out_are_grey_and_the_legend_says_so(view):
    before = textured(60, 72)
    after = apply_kernel(before, BLUR)
    outcome = _outcome(before, after)
    assert outcome.result.report.left_out[:5].all()
    view.show_outcome(outcome)
    image = view.residual.image()
    corner = image.pixelColor(1, 1)
    assert (corner.red(), corner.green(), corner.blue()) == LEFT_OUT_RGB
    assert "left out of the fit" in view.residual.legend()
    assert "clipped" in view.residual.legend()
    inside = image.pixelColor(image.width() // 2, image.height() // 2)
    assert (inside.red(), inside.green(), inside.blue()) != LEFT_OUT_RGB


def test_the_images_to_compare_are_at_least_320_wide(qtbot, view):
    before = textured(60, 80)  # a 4:3 photo
    view.show_outcome(_outcome(before, apply_kernel(before, BLUR)))
    view.resize(700, 600)  # a small dialog: the strip scrolls instead of shrinking
    qtbot.waitUntil(lambda: view.width() == 700, timeout=60_000)
    QApplication.processEvents()  # the layout's pending request
    for name in ("Before", "After", "Reproduced"):
        assert view._compare[name].image_rect().width() >= MIN_COMPARE_WIDTH
    assert view.residual.image_rect().width() >= MIN_COMPARE_WIDTH


def test_a_long_kernel_title_wraps_instead_of_widening_the_dialog(qtbot, view):
    before = textured(60, 80)
    sharpen = Kernel([[0, -1, 0], [-1, 5, -1], [0, -1, 0]])
    view.show_outcome(_outcome(before, apply_kernel(before, sharpen)))
    assert "whole numbers" in view.title.text()  # the longest kind of title
    # Wider than its box, the view would be cut at the dialog's edge (the fit report's
    # right half out of sight) in a dialog of 900 pixels: the title asks for far less
    # width than its text on one line.
    one_line = view.title.fontMetrics().horizontalAdvance(view.title.text())
    assert view.title.minimumSizeHint().width() < one_line / 2
