"""Learned weights within float noise of simple values are those values; rounding the rest
states its change; "exact match" instead of absurd PSNR; the pixels the fit left out."""

from __future__ import annotations

import numpy as np
from photos import photo_like, to8
from scipy import ndimage

from workbench.engine import Kernel, apply_kernel, fit_kernel
from workbench.engine.learn.report import psnr_text
from workbench.engine.learn.simple import round_weights, snap_to_simple

BINOMIAL = np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]], dtype=np.float64)


def _clean_pair(weights, offset=0.0):
    before = photo_like(80, 96, seed=3).astype(np.float32)
    after = ndimage.correlate(before.astype(np.float64), weights, mode="reflect") + offset
    return before, after.astype(np.float32)


def test_an_exact_pair_gives_the_exact_fractions():
    result = fit_kernel([_clean_pair(BINOMIAL / 16)], 3)
    weights = result.kernel.weights
    np.testing.assert_array_equal(weights * 16, BINOMIAL)  # exactly, not 1.0000000002
    assert result.kernel.offset == 0.0
    assert psnr_text(result.report.psnr) == "exact match"
    assert "exact match" in result.report.summary()
    assert "dB" not in result.kernel.description


def test_a_sharpen_with_an_offset_snaps_to_integers():
    sharpen = np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], dtype=np.float64)
    result = fit_kernel([_clean_pair(sharpen, offset=0.1)], 3)
    np.testing.assert_array_equal(result.kernel.weights, sharpen)


def test_noisy_weights_are_left_alone_and_round_says_how_far():
    rng = np.random.default_rng(0)
    weights = BINOMIAL / 16 + rng.normal(0, 2e-3, (3, 3))
    snapped, _ = snap_to_simple(weights, 0.0)
    np.testing.assert_array_equal(snapped, weights)  # not float noise: kept as learned
    rounded = round_weights(weights, 0.01)
    assert rounded is not None and rounded.denominator == 16
    np.testing.assert_array_equal(rounded.weights * 16, BINOMIAL)
    assert rounded.max_change == np.max(np.abs(rounded.weights - weights)) < 0.01
    assert round_weights(weights, 1e-9) is None or round_weights(weights, 1e-9).denominator > 64


def test_an_8bit_pair_reports_a_real_psnr():
    before = to8(photo_like(80, 96, seed=4))
    after = apply_kernel(before, Kernel(BINOMIAL, divisor=16))
    result = fit_kernel([(before, after)], 3)
    assert psnr_text(result.report.psnr).endswith(" dB")


def test_the_report_maps_the_pixels_left_out():
    before = photo_like(60, 70, seed=5).astype(np.float32)
    after = apply_kernel(before, Kernel(BINOMIAL, divisor=16))
    after[20:30, 30:40] = 1.0  # clipped white in the after image
    result = fit_kernel([(before, after)], 3, margin=4)
    left_out = result.report.left_out
    assert left_out.shape == (60, 70) and left_out.dtype == bool
    assert left_out[:4].all() and left_out[:, -4:].all()  # the margin
    assert left_out[20:30, 30:40].all()  # the clipped block
    assert not left_out[10:18, 10:25].any()  # used
    assert result.report.residual.shape[:2] == left_out.shape
