"""inspect_pixel: the inspector's numbers are apply_kernel's, pixel for pixel."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.engine import BORDER_MODES, Kernel, apply_kernel
from workbench.engine.inspect import inspect_pixel

# numpy.pad's names for our border modes: an independent reference for the neighbourhood.
_NUMPY_PAD = {
    "reflect": "symmetric",
    "mirror": "reflect",
    "nearest": "edge",
    "wrap": "wrap",
    "constant": "constant",
}


def _image(rng, shape, dtype):
    if np.dtype(dtype).kind == "u":
        return rng.integers(0, np.iinfo(dtype).max + 1, size=shape).astype(dtype)
    return rng.random(shape).astype(dtype)


def _random_kernel(rng, border):
    kh, kw = (int(v) for v in rng.choice([1, 3, 5, 7, 9], size=2))
    if rng.random() < 0.5:
        weights = rng.integers(-4, 9, size=(kh, kw)).astype(float)
    else:
        weights = rng.normal(size=(kh, kw))
    divisor = float(rng.choice([1.0, 3.0, float(kh * kw), -2.0, 0.7]))
    offset = float(rng.choice([0.0, 128.0, -40.0, 12.5]))
    return Kernel(weights, divisor=divisor, offset=offset, border=border)


def _near_tie(value: float, scale: float) -> bool:
    """True if the engine's float32 sums could round ``value`` either way (x.5 give or take).

    ``scale`` is the sum of the products' sizes: float32 sums of it are good to a few units
    of 1e-6 times it (the fft strategy's error; 1e-5 leaves room).
    """
    return 0 < abs(abs(value - np.floor(value)) - 0.5) < 1e-5 * max(scale, 1.0)


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32])
@pytest.mark.parametrize("channels", [1, 3, 4])
def test_inspector_agrees_with_apply_kernel_at_random_pixels(dtype, channels):
    rng = np.random.default_rng([np.dtype(dtype).itemsize, channels])
    apart = 0  # pixels where the engine's float32 rounding went the other way
    for trial in range(12):
        border = BORDER_MODES[trial % len(BORDER_MODES)]
        shape = (int(rng.integers(1, 14)), int(rng.integers(1, 14)))
        image = _image(rng, shape if channels == 1 else (*shape, channels), dtype)
        if channels == 4 and trial % 2:
            image[..., 3] = np.iinfo(dtype).max if image.dtype.kind == "u" else 1.0
        kernel = _random_kernel(rng, border)
        cval = float(rng.choice([0.0, 0.25])) * (
            np.iinfo(dtype).max if image.dtype.kind == "u" else 1.0
        )
        result = apply_kernel(image, kernel, cval=cval)
        planes = result.reshape(*shape, -1)
        for _ in range(6):
            # Edges and corners often: that is where the border mode shows.
            y = int(rng.choice([0, shape[0] - 1, rng.integers(0, shape[0])]))
            x = int(rng.choice([0, shape[1] - 1, rng.integers(0, shape[1])]))
            c = int(rng.integers(0, channels))
            got = inspect_pixel(image, kernel, x, y, channel=c, cval=cval)
            want = float(planes[y, x, c])
            scale = float(np.abs(got.products).sum() / abs(kernel.divisor) + abs(got.offset))
            if image.dtype.kind == "u":
                if _near_tie(got.unclipped, scale):
                    # float32 noise may decide the rounding: one level either way.
                    apart += got.value != want
                    assert abs(got.value - want) <= 1, (trial, x, y, c, got.unclipped)
                else:
                    assert got.value == want, (trial, x, y, c, got.unclipped)
            else:
                assert got.value == pytest.approx(want, rel=1e-5, abs=1e-5 * max(scale, 1.0))
    assert apart <= 3


@pytest.mark.parametrize("border", BORDER_MODES)
def test_neighbourhood_is_the_border_padding_and_padded_taps_are_flagged(border):
    rng = np.random.default_rng(3)
    image = rng.integers(0, 256, size=(4, 6)).astype(np.uint8)
    kernel = Kernel(rng.normal(size=(7, 9)), border=border)
    pad = np.pad(image.astype(float), ((3, 3), (4, 4)), mode=_NUMPY_PAD[border])
    for y, x in [(0, 0), (3, 5), (1, 2), (0, 5)]:
        got = inspect_pixel(image, kernel, x, y, cval=0.0)
        np.testing.assert_array_equal(got.values, pad[y : y + 7, x : x + 9])
        ys, xs = np.mgrid[y - 3 : y + 4, x - 4 : x + 5]
        np.testing.assert_array_equal(got.padded, (ys < 0) | (ys >= 4) | (xs < 0) | (xs >= 6))
        np.testing.assert_allclose(got.products, got.weights * got.values)
        assert got.total == pytest.approx(float(np.sum(got.weights * got.values)))


def test_sixteen_bit_values_and_clipping_are_shown_in_16_bit_units():
    image = np.full((3, 3), 60000, np.uint16)
    got = inspect_pixel(image, Kernel([[0, 0, 0], [0, 2, 0], [0, 0, 0]], offset=10), 1, 1)
    assert got.values[1, 1] == 60000
    assert got.offset == pytest.approx(10 * 257)
    assert got.unclipped == pytest.approx(120000 + 2570)
    assert (got.value, got.rule) == (65535.0, "clipped at 65535")
    low = inspect_pixel(image, Kernel([[-1]]), 0, 0)
    assert (low.value, low.rule) == (0.0, "clipped at 0")


def test_channel_left_out_keeps_its_value_and_says_so():
    image = np.arange(3 * 3 * 3, dtype=np.uint8).reshape(3, 3, 3)
    got = inspect_pixel(image, Kernel(np.ones((3, 3)), divisor=9), 1, 1, channel=1, channels="R")
    assert not got.filtered and got.value == image[1, 1, 1]
    assert apply_kernel(image, Kernel(np.ones((3, 3)), divisor=9), channels="R")[1, 1, 1] == (
        got.value
    )


def test_alpha_weighting_divides_by_the_alpha_seen():
    image = np.zeros((1, 3, 4), np.uint8)
    image[0, 0] = (200, 0, 0, 255)
    image[0, 1] = (0, 0, 0, 0)  # transparent black must not darken the blur
    image[0, 2] = (100, 0, 0, 255)
    kernel = Kernel([[1, 1, 1]], divisor=3)
    got = inspect_pixel(image, kernel, 1, 0)
    assert got.alpha_seen == pytest.approx(2 / 3)
    assert got.value == 150 == apply_kernel(image, kernel)[0, 1, 0]


def test_colour_kernel_sums_over_input_channels():
    rng = np.random.default_rng(5)
    image = rng.integers(0, 256, size=(5, 5, 3)).astype(np.uint8)
    weights = rng.normal(size=(3, 3, 3, 3))
    kernel = Kernel(weights, offset=(0.0, 10.0, 20.0))
    result = apply_kernel(image, kernel)
    for c in range(3):
        got = inspect_pixel(image, kernel, 0, 4, channel=c)
        assert got.values.shape == (3, 3, 3)
        if not _near_tie(got.unclipped, 1000):
            assert got.value == result[4, 0, c]


def test_bad_pixel_or_channel_is_refused_with_a_message():
    image = np.zeros((4, 5), np.uint8)
    with pytest.raises(ValueError, match="outside the 5 x 4 image"):
        inspect_pixel(image, Kernel([[1]]), 5, 0)
    with pytest.raises(ValueError, match="channel 1 does not exist"):
        inspect_pixel(image, Kernel([[1]]), 0, 0, channel=1)


def test_a_63x63_kernel_sums_its_own_neighbourhood():
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, size=(300, 400, 3)).astype(np.uint8)
    kernel = Kernel(rng.normal(size=(63, 63)))
    got = inspect_pixel(image, kernel, 200, 150, channel=2)
    patch = image[150 - 31 : 150 + 32, 200 - 31 : 200 + 32, 2].astype(float)
    assert got.total == pytest.approx(float(np.sum(patch * kernel.weights)))


# -- working space, luminance and the out-of-range rule (issue 13's options) ------------------
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32])
@pytest.mark.parametrize("space", ["perceptual", "linear"])
@pytest.mark.parametrize("out_range", ["clip", "abs", "float"])
@pytest.mark.parametrize("luminance", [False, True])
def test_inspector_follows_space_luminance_and_out_range(dtype, space, out_range, luminance):
    rng = np.random.default_rng([np.dtype(dtype).itemsize, len(space), len(out_range), luminance])
    apart = 0
    for trial in range(6):
        border = BORDER_MODES[trial % len(BORDER_MODES)]
        channels = (1, 3, 4)[trial % 3]
        shape = (int(rng.integers(2, 12)), int(rng.integers(2, 12)))
        image = _image(rng, shape if channels == 1 else (*shape, channels), dtype)
        kernel = _random_kernel(rng, border).replace(
            space=space, luminance=luminance, out_range=out_range
        )
        result = apply_kernel(image, kernel)
        assert result.dtype == (np.float32 if out_range == "float" else image.dtype)
        planes = result.reshape(*shape, -1)
        for _ in range(5):
            y, x = int(rng.integers(0, shape[0])), int(rng.integers(0, shape[1]))
            c = int(rng.integers(0, channels))
            got = inspect_pixel(image, kernel, x, y, channel=c)
            want = float(planes[y, x, c])
            if result.dtype.kind == "u":
                if got.value != want:
                    apart += 1  # float32 noise at a rounding (or sRGB level) boundary
                    assert abs(got.value - want) <= 1, (trial, x, y, c, got.unclipped)
            else:
                scale = float(np.abs(got.products).sum() / abs(kernel.divisor)) + 1
                assert got.value == pytest.approx(want, rel=1e-4, abs=2e-5 * scale), (
                    trial,
                    x,
                    y,
                    c,
                    got.rule,
                )
    assert apart <= 2


def test_linear_space_shows_decoded_values():
    image = np.full((3, 3), 128, np.uint8)
    got = inspect_pixel(image, Kernel(np.ones((3, 3)), divisor=9, space="linear"), 1, 1)
    assert got.values[1, 1] == pytest.approx(((128 / 255 + 0.055) / 1.055) ** 2.4, rel=1e-6)
    assert got.stored[1, 1] == 128 and got.units == "linear light 0..1"
    assert got.value == 128 and "encoded to sRGB" in got.rule


def test_abs_and_stretch_say_what_they_do():
    image = np.zeros((3, 3), np.uint8)
    image[1, 1] = 100
    got = inspect_pixel(image, Kernel([[-1]], out_range="abs"), 1, 1)
    assert got.unclipped == -100 and got.value == 100 and got.rule.startswith("absolute value")
    stretched = inspect_pixel(image, Kernel([[1]], out_range="stretch"), 1, 1)
    assert np.isnan(stretched.value) and "min..max" in stretched.rule


def test_luminance_adds_the_luma_change_to_each_channel():
    rng = np.random.default_rng(9)
    image = rng.integers(0, 256, size=(5, 5, 3)).astype(np.uint8)
    kernel = Kernel(np.ones((3, 3)), divisor=9, luminance=True)
    got = inspect_pixel(image, kernel, 2, 2, channel=1)
    luma = image[1:4, 1:4].astype(float) @ np.array([0.2126, 0.7152, 0.0722])
    np.testing.assert_allclose(got.values, luma, rtol=1e-6)
    own_luma = float(image[2, 2].astype(float) @ np.array([0.2126, 0.7152, 0.0722]))
    assert got.luma_change == pytest.approx(luma.mean() - own_luma, rel=1e-6)
    assert got.value == apply_kernel(image, kernel)[2, 2, 1]
