"""image_histogram: shares per bin and at the range's ends, against numpy counts."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.gui.viewer.histogram_data import LUMA_WEIGHTS, image_histogram


def test_eight_bit_rgb_has_one_bin_per_level_and_luma():
    rng = np.random.default_rng(1)
    image = rng.integers(0, 256, size=(20, 30, 3)).astype(np.uint8)
    image[0, :5] = 0
    image[1, :7] = 255
    h = image_histogram(image)
    assert h.names == ["Luma", "R", "G", "B"]
    for c, name in enumerate("RGB"):
        counts = np.bincount(image[..., c].ravel(), minlength=256) / 600
        np.testing.assert_allclose(h.shares[name], counts)
        assert h.black[name] == np.count_nonzero(image[..., c] == 0) / 600
        assert h.white[name] == np.count_nonzero(image[..., c] == 255) / 600
    luma = np.rint(image.astype(np.float64) @ np.array(LUMA_WEIGHTS))
    assert h.black["Luma"] == pytest.approx(np.count_nonzero(luma == 0) / 600)
    np.testing.assert_array_equal(h.centres, np.arange(256))


def test_sixteen_bit_bins_hold_256_levels_and_ends_are_exact():
    image = np.array([[0, 1, 255, 256], [65280, 65534, 65535, 65535]], np.uint16)
    h = image_histogram(image)
    assert h.names == ["Gray"]
    assert h.shares["Gray"][0] == 3 / 8 and h.shares["Gray"][1] == 1 / 8
    assert h.shares["Gray"][255] == 4 / 8
    assert h.black["Gray"] == 1 / 8 and h.white["Gray"] == 2 / 8  # 65534 is not white


def test_float_values_beyond_the_range_count_as_clipped():
    image = np.array([[-0.5, 0.0, 0.5, 1.0, 1.5, 0.25]], np.float32)
    h = image_histogram(image)
    assert h.black["Gray"] == 2 / 6 and h.white["Gray"] == 2 / 6
    assert h.shares["Gray"].sum() == pytest.approx(1.0)
    assert h.shares["Gray"][64] == 1 / 6  # 0.25 falls in bin 64 of 256


def test_alpha_is_left_out():
    image = np.zeros((2, 2, 4), np.uint8)
    image[..., 3] = 255
    h = image_histogram(image)
    assert h.names == ["Luma", "R", "G", "B"] and h.black["R"] == 1.0
