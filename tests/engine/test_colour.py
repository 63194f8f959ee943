"""Linear light, luminance only and results outside the range, against formulas written here."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from workbench.engine import Kernel, KernelError, apply_kernel
from workbench.engine.colour import decode, encode_to_integer

IDENTITY = [[0, 0, 0], [0, 1, 0], [0, 0, 0]]
BLUR = Kernel([[1, 2, 1], [2, 4, 2], [1, 2, 1]], divisor=16)
SHARPEN = Kernel([[0, -1, 0], [-1, 5, -1], [0, -1, 0]])
SOBEL = Kernel([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])


# IEC 61966-2-1, written out independently of the engine's module.
def to_linear(v):
    v = np.asarray(v, np.float64)
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)


def to_srgb(x):
    x = np.asarray(x, np.float64)
    return np.where(x <= 0.0031308, 12.92 * x, 1.055 * np.abs(x) ** (1 / 2.4) - 0.055)


def luma709(rgb):
    return 0.2126 * rgb[..., 0] + 0.7152 * rgb[..., 1] + 0.0722 * rgb[..., 2]


def photo(shape=(40, 50, 3), seed=0, noise=30.0) -> np.ndarray:
    """Smooth gradients plus noise: every level, edges and flat areas."""
    rng = np.random.default_rng(seed)
    h, w = shape[:2]
    y, x = np.mgrid[0:h, 0:w]
    base = np.stack([x / w, y / h, (x + y) / (w + h)], axis=2)[
        :, :, : (shape[2] if len(shape) > 2 else 1)
    ]
    base = base * 255 + rng.normal(0, noise, base.shape)
    base[h // 3 : h // 2, :] = 250  # a bright band: edges between bright and dark
    out = np.clip(np.rint(base), 0, 255).astype(np.uint8)
    return out if len(shape) > 2 else out[:, :, 0]


def test_decoding_matches_the_standard_for_every_level():
    for dtype in (np.uint8, np.uint16):
        top = np.iinfo(dtype).max
        levels = np.arange(top + 1).astype(dtype)
        np.testing.assert_allclose(decode(levels), to_linear(levels / top), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize(
    "shape, view",
    [((700, 500, 3), None), ((700, 501, 4), np.s_[:, :, :3]), ((300_001,), None), ((9, 7), None)],
)
def test_decoding_large_and_strided_arrays_chunk_by_chunk(shape, view):
    # Over CHUNK_VALUES (262,144) the values are looked up in chunks of rows; odd row
    # lengths, a strided channel view and a 1-D array each take another path.
    values = np.random.default_rng(2).integers(0, 256, shape, dtype=np.uint8)
    values = values if view is None else values[view]
    expected = to_linear(values / 255.0)
    np.testing.assert_allclose(decode(values), expected, rtol=1e-6, atol=1e-9)
    out = np.zeros((*values.shape, 2), np.float32)[..., 0]  # a strided result too
    decode(values, out=out)
    np.testing.assert_allclose(out, expected, rtol=1e-6, atol=1e-9)


#: How far beyond half a level an 8-bit result may be from the formula (the 16-bit ones are
#: the nearest level): the 8-bit table's bins are 2**-13 of their value wide, and the
#: encoded value changes by at most 112 levels per unit of relative change (near white).
EIGHT_BIT_SLACK = 112 * 2.0**-13 / 2 * 1.1  # 0.0075


def assert_nearest_8bit_level(out: np.ndarray, formula: np.ndarray) -> None:
    """``out`` is the nearest level of ``formula`` (0..255) but next to half-way points."""
    expected = np.clip(np.floor(formula + 0.5), 0, 255)
    assert np.max(np.abs(out - expected)) <= 1
    # Only values that close to a half-way point between two levels may differ (a little
    # more than EIGHT_BIT_SLACK for the float32 rounding of sums).
    missed = out != expected
    assert np.mean(missed) < 0.003
    assert np.all(np.abs(formula[missed] % 1 - 0.5) <= EIGHT_BIT_SLACK + 1e-3)


def test_encoding_is_the_nearest_level_of_the_formula():
    rng = np.random.default_rng(1)
    values = rng.uniform(-0.2, 1.2, 1_000_000).astype(np.float32)
    for dtype, slack in ((np.uint8, EIGHT_BIT_SLACK), (np.uint16, 1e-2)):
        top = np.iinfo(dtype).max
        exact = np.clip(to_srgb(values.astype(np.float64)) * top, 0, top)
        got = encode_to_integer(values.copy(), dtype)
        assert got.dtype == dtype
        # Nearest level, so within half a level (plus float32 rounding of the input; for
        # 8 bits plus the width of a table bin).
        assert np.max(np.abs(got - exact)) <= 0.5 + slack
        if dtype == np.uint8:
            # Only values that close to a half-way point can miss the nearest level.
            missed = got != np.floor(exact + 0.5)
            assert missed.mean() < 0.002
            assert np.all(np.abs(exact[missed] % 1 - 0.5) <= EIGHT_BIT_SLACK)


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_encoding_is_exact_next_to_every_level_threshold(dtype):
    # The thresholds are where the formula is half-way between two levels; float32 steps
    # either side of each, the level must be the one on that side: a few steps away for
    # 16 bits, and for 8 bits once the formula is EIGHT_BIT_SLACK of a level away.
    top = np.iinfo(dtype).max
    half = to_linear((np.arange(1, top + 1) - 0.5) / top).astype(np.float32)
    if dtype == np.uint16:
        half = half[::97]  # a sample of the 65535 thresholds
        steps = np.array([-3, -2, -1, 1, 2, 3], np.int32)
    else:
        steps = np.arange(-4000, 4001, 7, dtype=np.int32)
    near = (half.view(np.int32)[:, None] + steps).view(np.float32).ravel()
    formula = to_srgb(near.astype(np.float64)) * top
    got = encode_to_integer(near, dtype)
    clear = np.abs(formula % 1 - 0.5) > (EIGHT_BIT_SLACK if dtype == np.uint8 else 0)
    assert clear.mean() > 0.3  # many of the values tried are clear of the half-way point
    np.testing.assert_array_equal(got[clear], np.floor(formula[clear] + 0.5))
    assert np.max(np.abs(got - formula)) <= 0.5 + EIGHT_BIT_SLACK
    # Outside 0..1, -0.0 and infinities are clipped, as the docstring says.
    extremes = np.array([-1e30, -1.0, -0.0, 0.0, 1.0, 1.5, 1e30, np.inf, -np.inf], np.float32)
    got = encode_to_integer(extremes, dtype)
    np.testing.assert_array_equal(got, [0, 0, 0, 0, top, top, top, top, 0])


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
@pytest.mark.parametrize("channels", [1, 3, 4])
def test_identity_in_linear_light_returns_every_value(dtype, channels):
    top = np.iinfo(dtype).max
    levels = np.arange(top + 1).astype(dtype).reshape(256, -1)
    if channels == 1:
        image = levels
    else:
        image = np.stack([np.roll(levels, i, axis=1) for i in range(channels)], axis=2)
        if channels == 4:
            image[:, :, 3] = top  # opaque, so alpha weighting has nothing to do
            image[::7, ::5, 3] = top // 3  # ... except here
    for weights in (IDENTITY, [[1]]):
        out = apply_kernel(image, Kernel(weights, space="linear", border="nearest"))
        np.testing.assert_array_equal(out, image)


def test_linear_blur_is_decode_correlate_encode():
    image = photo()
    out = apply_kernel(image, BLUR.replace(space="linear", border="nearest"))
    linear = to_linear(image / 255.0)
    w = BLUR.effective_weights()
    filtered = np.stack(
        [ndimage.correlate(linear[:, :, c], w, mode="nearest") for c in range(3)], axis=2
    )
    assert_nearest_8bit_level(out, to_srgb(filtered) * 255)
    # and it is not what the perceptual blur gives: linear light keeps bright edges brighter
    perceptual = apply_kernel(image, BLUR.replace(border="nearest"))
    assert np.max(np.abs(out.astype(int) - perceptual)) >= 10
    assert out.mean() > perceptual.mean()


@pytest.mark.parametrize("strategy", ["direct", "separable", "fft", "im2col"])
@pytest.mark.parametrize(
    ("width", "channels", "border"),
    [
        (1000, 3, "reflect"),
        (999, 3, "constant"),
        (778, 1, "wrap"),
        (777, 1, "nearest"),
        (501, 4, "mirror"),
    ],
)
def test_linear_light_on_images_of_many_tiles(strategy, width, channels, border):
    # Tall enough for bands inside the image (decoded two bytes at a time, straight into
    # the tile) besides the first and last; odd row lengths take the plain look-up.
    rng = np.random.default_rng(width)
    image = rng.integers(0, 256, (150, width, channels), dtype=np.uint8)
    image = (image.astype(np.int32) + np.arange(width)[None, :, None] // 4) % 256
    image = image.astype(np.uint8)
    if channels == 4:
        image[:, :, 3] = 255  # opaque: alpha weighting changes nothing, so not modelled here
    kernel = BLUR.replace(space="linear", border=border)
    out = apply_kernel(image, kernel, strategy=strategy)
    linear = to_linear(image / 255.0)
    # scipy's names: our reflect is its reflect, our mirror its mirror.
    mode = border
    filtered = np.stack(
        [
            ndimage.correlate(linear[:, :, c], BLUR.effective_weights(), mode=mode)
            for c in range(channels)
        ],
        axis=2,
    )
    formula = to_srgb(filtered) * 255
    if channels == 4:
        formula[:, :, 3] = 255  # alpha is not encoded: a blur of opaque is opaque
    assert_nearest_8bit_level(out, formula)


def test_linear_light_on_16_bit_float_and_rgba_general_path():
    image8 = photo()
    image16 = image8.astype(np.uint16) * 257
    out16 = apply_kernel(image16, BLUR, space="linear")
    expected = apply_kernel(image8, BLUR, space="linear").astype(np.float64) * 257
    assert np.max(np.abs(out16 - expected)) <= 257  # same to one 8-bit level
    imagef = (image8 / 255.0).astype(np.float32)
    outf = apply_kernel(imagef, BLUR, space="linear")
    assert outf.dtype == np.float32
    assert np.max(np.abs(outf * 255 - apply_kernel(image8, BLUR, space="linear"))) <= 0.51
    # RGBA with real transparency: colour decoded and alpha-weighted, alpha itself kept.
    rgba = np.dstack([image8, np.full(image8.shape[:2], 255, np.uint8)])
    rgba[5:15, 5:15, 3] = 0
    out = apply_kernel(rgba, BLUR, space="linear")
    np.testing.assert_array_equal(out[:, :, 3], rgba[:, :, 3])
    far = (slice(25, 38), slice(25, 48))  # away from the transparent square
    np.testing.assert_array_equal(
        out[far][:, :, :3], apply_kernel(image8, BLUR, space="linear")[far]
    )


def test_luminance_keeps_colour_differences_and_filters_the_luma():
    image = photo(seed=3, noise=8)
    out = apply_kernel(image, SHARPEN, luminance=True, border="nearest")
    before, after = image.astype(np.float64), out.astype(np.float64)
    y_in, y_out = luma709(before), luma709(after)
    # Cb and Cr (Rec. 709: (B - Y) / 1.8556, (R - Y) / 1.5748), where nothing clipped.
    unclipped = np.all((out > 0) & (out < 255), axis=2)
    assert unclipped.mean() > 0.5
    for c, scale in ((2, 1.8556), (0, 1.5748)):
        chroma_in = (before[:, :, c] - y_in) / scale
        chroma_out = (after[:, :, c] - y_out) / scale
        assert np.max(np.abs(chroma_out - chroma_in)[unclipped]) <= 1
    y_filtered = ndimage.correlate(y_in, SHARPEN.effective_weights(), mode="nearest")
    assert np.max(np.abs(y_out - y_filtered)[unclipped]) <= 1
    # The plain filter does change the colour differences.
    plain = apply_kernel(image, SHARPEN, border="nearest").astype(np.float64)
    assert np.max(np.abs((plain[:, :, 2] - luma709(plain)) - (before[:, :, 2] - y_in))) > 20


def test_luminance_in_linear_light_works_on_linear_luminance():
    image = photo(seed=4, noise=8)
    out = apply_kernel(image, SHARPEN, luminance=True, space="linear", border="nearest")
    lin_in, lin_out = to_linear(image / 255.0), to_linear(out / 255.0)
    unclipped = np.all((out > 0) & (out < 255), axis=2)
    assert unclipped.mean() > 0.5
    y_filtered = ndimage.correlate(luma709(lin_in), SHARPEN.effective_weights(), mode="nearest")
    # to the rounding of 8-bit levels, which are 0.009 apart in linear light near white
    assert np.max(np.abs(luma709(lin_out) - y_filtered)[unclipped]) < 0.006
    for c in (0, 2):  # linear chroma (R - Y, B - Y) kept
        diff = (lin_out[:, :, c] - luma709(lin_out)) - (lin_in[:, :, c] - luma709(lin_in))
        assert np.max(np.abs(diff)[unclipped]) < 0.01


def test_luminance_on_gray_is_the_plain_filter_and_works_with_alpha():
    gray = photo((30, 30))
    np.testing.assert_array_equal(
        apply_kernel(gray, SHARPEN, luminance=True), apply_kernel(gray, SHARPEN)
    )
    rgba = np.dstack([photo((30, 30, 3), seed=5, noise=8), np.full((30, 30), 255, np.uint8)])
    rgba[:, :10, 3] = 60
    out = apply_kernel(rgba, SHARPEN, luminance=True)
    np.testing.assert_array_equal(out[:, :, 3], rgba[:, :, 3])
    before, after = rgba[:, :, :3].astype(float), out[:, :, :3].astype(float)
    unclipped = np.all((out[:, :, :3] > 0) & (out[:, :, :3] < 255), axis=2)
    for c in (0, 2):
        chroma = (after[:, :, c] - luma709(after)) - (before[:, :, c] - luma709(before))
        assert np.max(np.abs(chroma)[unclipped]) <= 1.5
    # alpha weighting: the luma is filtered premultiplied, as the plain filter does on gray
    ya = np.dstack([luma709(before), rgba[:, :, 3]]).astype(np.float32) / 255
    y_alone = apply_kernel(ya, SHARPEN)[:, :, 0] * 255
    assert np.max(np.abs(luma709(after) - y_alone)[unclipped]) <= 1
    with pytest.raises(KernelError, match="luminance"):
        Kernel(np.zeros((3, 3, 3, 3)), luminance=True)


def test_out_range_abs_stretch_and_float_follow_their_formulas():
    gray = photo((40, 40))
    raw = ndimage.correlate(gray.astype(np.float64), SOBEL.effective_weights(), mode="reflect")
    clipped = apply_kernel(gray, SOBEL)
    np.testing.assert_array_equal(clipped, np.clip(np.rint(raw), 0, 255))
    np.testing.assert_array_equal(
        apply_kernel(gray, SOBEL, out_range="abs"), np.clip(np.rint(np.abs(raw)), 0, 255)
    )
    inner = raw[1:-1, 1:-1]
    stretched = (raw - inner.min()) / (inner.max() - inner.min()) * 255
    out = apply_kernel(gray, SOBEL.replace(out_range="stretch"))
    assert np.max(np.abs(out - np.clip(np.rint(stretched), 0, 255))) <= 1
    assert out[1:-1, 1:-1].min() == 0 and out[1:-1, 1:-1].max() == 255
    f = apply_kernel(gray, SOBEL, out_range="float")
    assert f.dtype == np.float32 and f.shape == gray.shape
    np.testing.assert_allclose(f, raw / 255, atol=1e-5)
    assert f.min() < -0.5 and f.max() > 1.0  # negatives and above white kept


def test_stretch_uses_only_the_filtered_channels_and_float_keeps_alpha_scale():
    rgba = np.dstack([photo(seed=6), np.full((40, 50), 200, np.uint8)])
    out = apply_kernel(rgba, SOBEL, out_range="stretch", channels="G")
    np.testing.assert_array_equal(out[:, :, [0, 2, 3]], rgba[:, :, [0, 2, 3]])
    assert out[1:-1, 1:-1, 1].min() == 0 and out[1:-1, 1:-1, 1].max() == 255
    f = apply_kernel(rgba, BLUR, out_range="float")
    np.testing.assert_allclose(f[:, :, 3], 200 / 255, atol=1e-6)


def test_options_are_checked_and_default_to_the_kernel():
    with pytest.raises(KernelError, match="space"):
        Kernel(IDENTITY, space="log")
    with pytest.raises(KernelError, match="out_range"):
        Kernel(IDENTITY, out_range="wrap")
    with pytest.raises(ValueError, match="space"):
        apply_kernel(np.zeros((5, 5), np.uint8), IDENTITY, space="gamma")
    k = Kernel(IDENTITY, space="linear", luminance=True, out_range="abs")
    assert (k.space, k.luminance, k.out_range) == ("linear", True, "abs")
    assert k.replace(name="x").space == "linear"
    assert k != k.replace(space="perceptual")
    assert "space=linear" in repr(k)
    image = photo()
    np.testing.assert_array_equal(
        apply_kernel(image, BLUR.replace(space="linear")), apply_kernel(image, BLUR, space="linear")
    )
    np.testing.assert_array_equal(
        apply_kernel(image, BLUR.replace(space="linear"), space="perceptual"),
        apply_kernel(image, BLUR),
    )


@pytest.mark.parametrize(
    "options",
    [
        {"luminance": True},
        {"luminance": True, "space": "linear"},
        {"out_range": "abs", "space": "linear"},
        {"out_range": "float"},
        {"space": "linear", "channels": "RG"},
    ],
)
@pytest.mark.parametrize("border", ["reflect", "nearest", "wrap"])
def test_strips_give_the_same_result_as_one_piece(monkeypatch, options, border):
    import workbench.engine.convolve as convolve

    rgba = np.dstack([photo(seed=7), np.full((40, 50), 255, np.uint8)])
    rgba[10:20, 10:30, 3] = 90
    kernel = Kernel(np.arange(15).reshape(3, 5) - 7.0, divisor=9, border=border)
    whole = apply_kernel(rgba, kernel, **options)
    monkeypatch.setattr(convolve, "STRIP_PIXELS", 120)  # strips of 2-3 rows
    np.testing.assert_array_equal(apply_kernel(rgba, kernel, **options), whole)
    np.testing.assert_array_equal(
        apply_kernel(rgba[:, :, :3], kernel, **options),
        apply_kernel_whole(rgba[:, :, :3], kernel, options, monkeypatch),
    )


def apply_kernel_whole(image, kernel, options, monkeypatch):
    import workbench.engine.convolve as convolve

    monkeypatch.setattr(convolve, "STRIP_PIXELS", 10**9)
    try:
        return apply_kernel(image, kernel, **options)
    finally:
        monkeypatch.setattr(convolve, "STRIP_PIXELS", 120)
