"""Properties of apply_kernel that hold for any image and kernel (hypothesis)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from reference import correlate_image, to_dtype

from workbench.engine import BORDER_MODES, Kernel, apply_kernel
from workbench.engine.strategies import STRATEGY_NAMES

SETTINGS = settings(max_examples=25, deadline=None)

odd = st.integers(0, 3).map(lambda n: 2 * n + 1)
channels = st.sampled_from([(), (1,), (3,), (4,)])
modes = st.sampled_from(BORDER_MODES)
strategies = st.sampled_from(STRATEGY_NAMES)


@st.composite
def images(draw, dtype=None):
    dtype = draw(st.sampled_from([np.uint8, np.uint16, np.float32])) if dtype is None else dtype
    shape = (draw(st.integers(1, 12)), draw(st.integers(1, 12)), *draw(channels))
    if np.dtype(dtype).kind == "u":
        elements = st.integers(0, np.iinfo(dtype).max)
    else:
        elements = st.floats(0, 1, width=32)
    return draw(arrays(dtype, shape, elements=elements))


@st.composite
def kernels(draw):
    shape = (draw(odd), draw(odd))
    return draw(arrays(np.float64, shape, elements=st.floats(-4, 4, width=32)))


def plain(image, weights, **options):
    """apply_kernel on every channel as it is: no alpha weighting, alpha filtered too."""
    return apply_kernel(image, weights, channels="RGBA", alpha_weighting=False, **options)


@SETTINGS
@given(images(), odd, odd, modes, strategies)
def test_identity_kernel_returns_the_image(image, kh, kw, mode, strategy):
    weights = np.zeros((kh, kw))
    weights[kh // 2, kw // 2] = 1
    result = plain(image, weights, border=mode, strategy=strategy)
    if image.dtype == np.float32:
        np.testing.assert_allclose(result, image, atol=1e-6)
    else:
        assert np.array_equal(result, image)


@SETTINGS
@given(images(np.float32), odd, odd, st.data(), strategies)
def test_one_hot_kernel_shifts_the_image(image, kh, kw, data, strategy):
    dy = data.draw(st.integers(-(kh // 2), kh // 2))
    dx = data.draw(st.integers(-(kw // 2), kw // 2))
    weights = np.zeros((kh, kw))
    weights[kh // 2 + dy, kw // 2 + dx] = 1
    result = plain(image, weights, border="wrap", strategy=strategy)
    # Output (y, x) reads input (y + dy, x + dx): the image rolled back by (dy, dx).
    np.testing.assert_allclose(result, np.roll(image, (-dy, -dx), axis=(0, 1)), atol=1e-6)


@SETTINGS
@given(images(np.float32), kernels(), kernels(), modes, strategies, st.floats(-2, 2))
def test_linear_in_image_and_in_kernel(image, w1, w2, mode, strategy, a):
    w2 = np.resize(w2, w1.shape)
    other = image[::-1, ::-1].copy()
    scale = 1e-5 * (1 + np.abs(w1).sum() + np.abs(w2).sum()) * (1 + abs(a))

    def f(img, w):
        return plain(img, w, border=mode, strategy=strategy).astype(np.float64)

    combined = f((image * np.float32(a) + other).astype(np.float32), w1)
    np.testing.assert_allclose(combined, a * f(image, w1) + f(other, w1), atol=4 * scale)
    np.testing.assert_allclose(f(image, w1 + w2), f(image, w1) + f(image, w2), atol=4 * scale)


@SETTINGS
@given(images(np.float32), kernels(), modes, st.floats(-1, 2, width=32))
def test_all_strategies_agree(image, weights, mode, cval):
    results = [plain(image, weights, border=mode, strategy=s, cval=cval) for s in STRATEGY_NAMES]
    tolerance = 1e-5 * (1 + np.abs(weights).sum()) * (1 + abs(cval))
    for result in results[1:]:
        np.testing.assert_allclose(result, results[0], atol=tolerance)


@SETTINGS
@given(
    st.sampled_from([np.uint8, np.uint16]).flatmap(images),
    kernels(),
    modes,
    strategies,
    st.floats(-300, 300),
)
def test_integer_results_are_rounded_and_clipped(image, weights, mode, strategy, offset):
    result = plain(image, Kernel(weights, offset=offset), border=mode, strategy=strategy)
    assert result.dtype == image.dtype
    scale = 257 if image.dtype == np.uint16 else 1
    wanted = to_dtype(correlate_image(image, weights, mode) + offset * scale, image.dtype)
    # float32 sums may land on the other side of a .5 than float64 ones.
    assert np.abs(result.astype(int) - wanted.astype(int)).max(initial=0) <= 1


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_results_outside_the_range_clip_to_its_ends(dtype):
    top = np.iinfo(dtype).max
    image = np.array([[0, 1, top // 2, top]], dtype)
    assert apply_kernel(image, [[3.0]]).tolist() == [[0, 3, top, top]]
    assert apply_kernel(image, Kernel([[1.0]], offset=-255)).tolist() == [[0, 0, 0, 0]]
