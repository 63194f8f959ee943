"""Every strategy against a plain-loop reference and scipy, for every border, dtype and layout."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from reference import correlate_image, to_dtype

from workbench.engine import BORDER_MODES, Kernel, apply_kernel
from workbench.engine.border import pad, source_index
from workbench.engine.strategies import (
    STRATEGY_NAMES,
    choose_strategy,
    direct,
    estimated_costs,
    fft,
    im2col,
    separable,
    tiles,
)

try:
    from scipy import ndimage
except ImportError:  # the plain-loop reference still runs
    ndimage = None
needs_scipy = pytest.mark.skipif(ndimage is None, reason="scipy is not installed")

DTYPES = (np.uint8, np.uint16, np.float32)
LAYOUTS = ((9, 11), (9, 11, 3), (9, 11, 4))
RNG = np.random.default_rng(20261125)
WEIGHTS_3x5 = RNG.normal(size=(3, 5)).round(3)
CVAL = 0.25


@pytest.fixture(autouse=True)
def small_tiles(monkeypatch):
    """Tiles of a few pixels, so small test images still cross many tile seams."""
    monkeypatch.setattr(direct, "BAND_FLOATS", 40)
    monkeypatch.setattr(direct, "CHUNK_FLOATS", 7)  # not a multiple of the channels
    monkeypatch.setattr(separable, "BAND_FLOATS", 40)
    monkeypatch.setattr(fft, "TARGET_SIDE", 16)
    monkeypatch.setattr(im2col, "COLUMNS_FLOATS", 300)


def make_image(shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    if np.dtype(dtype).kind == "u":
        return rng.integers(0, np.iinfo(dtype).max + 1, size=shape).astype(dtype)
    return rng.random(shape, dtype=np.float32)


def cval_for(dtype) -> float:
    return CVAL * (np.iinfo(dtype).max if np.dtype(dtype).kind == "u" else 1.0)


@functools.cache
def expected(shape, dtype, mode):
    image = make_image(shape, dtype)
    return to_dtype(correlate_image(image, WEIGHTS_3x5, mode, cval_for(dtype)), dtype)


def assert_close(result, wanted, dtype):
    assert result.dtype == np.dtype(dtype)
    assert result.shape == wanted.shape
    if np.dtype(dtype).kind == "u":
        # float32 sums may fall on the other side of a .5 than float64 ones: at most 1 off.
        diff = np.abs(result.astype(np.int64) - wanted.astype(np.int64))
        assert diff.max() <= 1
        assert np.mean(diff == 0) > 0.95
    else:
        np.testing.assert_allclose(result, wanted, rtol=0, atol=2e-5 * np.abs(WEIGHTS_3x5).sum())


@pytest.mark.parametrize("shape", LAYOUTS, ids=lambda s: f"{s[2] if len(s) == 3 else 1}ch")
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("mode", BORDER_MODES)
@pytest.mark.parametrize("strategy", STRATEGY_NAMES)
def test_matches_plain_loop(strategy, mode, dtype, shape):
    image = make_image(shape, dtype)
    result = apply_kernel(
        image,
        WEIGHTS_3x5,
        border=mode,
        strategy=strategy,
        channels="RGBA",
        alpha_weighting=False,
        cval=cval_for(dtype),
    )
    assert_close(result, expected(shape, dtype, mode), dtype)


@needs_scipy
@pytest.mark.parametrize("shape", [(23, 17), (23, 17, 3), (17, 23, 4)], ids=["1ch", "3ch", "4ch"])
@pytest.mark.parametrize("mode", BORDER_MODES)
@pytest.mark.parametrize("strategy", STRATEGY_NAMES)
def test_matches_scipy(strategy, mode, shape):
    image = make_image(shape, np.float32, seed=3)
    weights = RNG.normal(size=(5, 7))
    scipy_weights = weights.reshape(weights.shape + (1,) * (image.ndim - 2))
    wanted = ndimage.correlate(image.astype(np.float64), scipy_weights, mode=mode, cval=0.5)
    result = apply_kernel(
        image,
        weights,
        border=mode,
        strategy=strategy,
        cval=0.5,
        channels="RGBA",
        alpha_weighting=False,
    )
    np.testing.assert_allclose(result, wanted, atol=2e-5 * np.abs(weights).sum())


@needs_scipy
@pytest.mark.parametrize("kshape", [(1, 15), (15, 1), (3, 7), (1, 1), (7, 3)])
@pytest.mark.parametrize("strategy", STRATEGY_NAMES)
def test_rectangular_kernels(strategy, kshape):
    image = make_image((12, 10), np.float32, seed=4)
    weights = RNG.normal(size=kshape)
    for mode in BORDER_MODES:
        wanted = ndimage.correlate(image.astype(np.float64), weights, mode=mode, cval=0.7)
        result = apply_kernel(image, weights, border=mode, strategy=strategy, cval=0.7)
        np.testing.assert_allclose(result, wanted, atol=2e-5 * np.abs(weights).sum(), err_msg=mode)


@functools.cache
def huge_kernel_expected(mode):
    image = make_image((5, 4), np.float32, seed=5)
    weights = np.random.default_rng(6).normal(size=(63, 63))
    return image, weights, correlate_image(image, weights, mode, 0.3)


@pytest.mark.parametrize("mode", BORDER_MODES)
@pytest.mark.parametrize("strategy", STRATEGY_NAMES)
def test_kernel_larger_than_image(strategy, mode):
    # The border pattern repeats many times over; scipy itself reads past its buffer for
    # "reflect" here (scipy 1.17), so the plain loop is the judge.
    image, weights, wanted = huge_kernel_expected(mode)
    result = apply_kernel(image, weights, border=mode, strategy=strategy, cval=0.3)
    np.testing.assert_allclose(result, wanted, atol=3e-5 * np.abs(weights).sum())


@pytest.mark.parametrize("mode", BORDER_MODES)
def test_source_index_matches_reference_fold(mode):
    from reference import fold

    for n in (1, 2, 3, 7):
        index = np.arange(-40, 40 + n)
        wanted = [fold(int(i), n, mode) for i in index]
        wanted = [-1 if v is None else v for v in wanted]
        assert source_index(index, n, mode).tolist() == wanted


def test_pad_matches_numpy_for_ordinary_widths():
    image = np.arange(20.0).reshape(4, 5)
    assert np.array_equal(
        pad(image, (2, 3), (1, 2), "reflect"), np.pad(image, ((2, 1), (3, 2)), "symmetric")
    )
    assert np.array_equal(
        pad(image, (2, 3), (1, 2), "mirror"), np.pad(image, ((2, 1), (3, 2)), "reflect")
    )
    assert np.array_equal(
        pad(image, (1, 1), (1, 1), "constant", 9.0),
        np.pad(image, 1, "constant", constant_values=9.0),
    )


def test_separable_rank():
    g = np.outer([1, 4, 6, 4, 1], [1, 2, 1])
    assert separable.rank_needed(g) == 1
    assert (
        separable.rank_needed(np.outer([1, 2, 3], [1, 0, 1]) + np.outer([0, 1, 0], [2, 1, 5])) == 2
    )
    dense = np.random.default_rng(1).normal(size=(7, 7))
    assert separable.rank_needed(dense) == 7
    assert separable.rank_needed(np.zeros((3, 3))) == 1


@needs_scipy
def test_separable_keeps_a_faint_second_term():
    # A blur plus a faint detail: dropping the 1e-4 term would still look right to the eye,
    # but the strategies must agree to float32 precision.
    gauss = np.exp(-0.5 * ((np.arange(7) - 3) / 1.5) ** 2)
    detail = np.random.default_rng(4).normal(size=(2, 7))
    weights = np.outer(gauss, gauss) / gauss.sum() ** 2 + 1e-4 * np.outer(*detail)
    assert separable.rank_needed(weights) == 2
    image = make_image((20, 24), np.float32, seed=9)
    wanted = ndimage.correlate(image.astype(np.float64), weights, mode="reflect")
    result = apply_kernel(image, weights, strategy="separable")
    np.testing.assert_allclose(result, wanted, atol=2e-6)


@pytest.mark.parametrize("kshape", [(3, 3), (5, 2), (1, 3), (1, 11), (4, 9)])
@pytest.mark.parametrize("planes", [1, 3])
def test_sum_of_taps_is_the_fused_sum(kshape, planes):
    # The one-plane way (a column of taps at a time, or one einsum for a long single row)
    # against the products written out tap by tap.
    kh, kw = kshape
    rng = np.random.default_rng(kh * 10 + kw)
    rows, width = 6, 8 * planes
    flat = rng.random((rows + kh - 1, width + (kw - 1) * planes), dtype=np.float32)
    grid = rng.uniform(-1, 1, kshape).astype(np.float32)
    wanted = np.zeros((rows, width), np.float64)
    for a in range(kh):
        for b in range(kw):
            wanted += grid[a, b] * flat[a : a + rows, b * planes : b * planes + width]
    out = np.full((rows, width), np.nan, np.float32)
    view = direct.shifted_views(flat, kh, kw, rows, planes)
    direct.sum_of_taps(view, grid, out, np.empty(rows * width, np.float32))
    np.testing.assert_allclose(out, wanted, rtol=1e-5, atol=1e-5)


def test_cost_model_picks_sensible_strategies():
    shape = (3000, 4000, 3)
    gauss = np.exp(-0.5 * ((np.arange(15) - 7) / 2.5) ** 2)
    assert choose_strategy(np.random.default_rng(2).random((3, 3)), shape) == "direct"
    assert choose_strategy(np.outer(gauss, gauss), shape) == "separable"
    assert choose_strategy(np.random.default_rng(2).random((31, 31)), shape) == "fft"
    assert set(estimated_costs(np.ones((3, 3)), shape)) == set(STRATEGY_NAMES)


def test_bands_hold_little_enough_work_to_notice_a_cancel():
    # A band near the cache budget, but never more multiply-adds than TILE_WORK, however
    # large the kernel: cancel is checked between bands.
    assert tiles.band_rows(1000, 9, 2, 384_000) == 384
    rows = tiles.band_rows(1_200, 63 * 63, 62, 10**12)
    assert rows > 1 and rows * 1_200 * 63 * 63 <= tiles.TILE_WORK
    assert tiles.band_rows(10**9, 10**6, 0, 10) == 1  # at least one row, however much


def test_fast_length():
    assert [fft.fast_length(n) for n in (1, 7, 11, 17, 97, 500, 513)] == [
        1,
        8,
        12,
        18,
        100,
        500,
        540,
    ]


@needs_scipy
@pytest.mark.parametrize("strategy", STRATEGY_NAMES)
def test_zero_and_sparse_kernels(strategy):
    image = make_image((10, 9, 3), np.float32, seed=8)
    assert not apply_kernel(image, np.zeros((3, 5)), strategy=strategy).any()
    cross = np.zeros((5, 5))
    cross[2, :] = 1
    cross[:, 2] = 2
    wanted = ndimage.correlate(image.astype(np.float64), cross[:, :, None], mode="mirror")
    result = apply_kernel(image, Kernel(cross, border="mirror"), strategy=strategy)
    np.testing.assert_allclose(result, wanted, atol=1e-4)
