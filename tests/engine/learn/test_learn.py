"""fit_kernel with the exact solver: accuracy on clean and messy pairs, modes, sizes, errors.

Reference kernels are applied with scipy.ndimage.correlate (float64) or apply_kernel (for
8-bit, 16-bit and float pairs, which is how a user's kernel would be applied).
"""

import io
import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from photos import photo_like, to8
from PIL import Image
from scipy import ndimage

from workbench.engine import (
    Cancelled,
    FitReport,
    FitResult,
    Kernel,
    LearnError,
    apply_kernel,
    fit_kernel,
)


def gaussian(size, sigma):
    a = np.arange(size) - size // 2
    g = np.exp(-(a**2) / (2 * sigma**2))
    return np.outer(g, g) / np.outer(g, g).sum()


def correlate(img, weights, offset=0.0):
    """Float64 reference correlation of each channel, stored as float32 (a clean pair)."""
    x = img.astype(np.float64)
    if x.ndim == 2:
        return (ndimage.correlate(x, weights, mode="reflect") + offset).astype(np.float32)
    planes = [ndimage.correlate(x[..., c], weights, mode="reflect") for c in range(x.shape[2])]
    return (np.stack(planes, axis=-1) + offset).astype(np.float32)


@pytest.mark.parametrize("size", [1, 3, 5, 9, 15])
def test_noise_free_float_pair_gives_the_exact_kernel(size):
    rng = np.random.default_rng(size)
    weights = rng.standard_normal((size, size))
    weights /= weights.sum()
    before = photo_like(80 + 2 * size, 90 + 2 * size, seed=size)
    after = correlate(before, weights, offset=0.05)

    result = fit_kernel([(before, after)], size)

    assert isinstance(result, FitResult)
    assert result.kernel.shape == (size, size)
    assert np.max(np.abs(result.kernel.weights - weights)) < 1e-5
    # Offsets are on the 0..255 scale, whatever the pixel type.
    assert result.kernel.offset == pytest.approx(0.05 * 255, abs=1e-3)
    assert result.bias == result.kernel.offset
    assert result.kernel.divisor == 1.0
    assert result.report.r_squared > 0.99999


def test_asymmetric_kernel_comes_out_the_right_way_round():
    weights = np.zeros((5, 5))
    weights[0, 4] = 0.47  # top right
    weights[2, 2] = 0.31
    weights[4, 1] = 0.22  # bottom left
    before = to8(photo_like(96, 96, 3, seed=1))
    after = apply_kernel(before, weights)

    kernel = fit_kernel([(before, after)], 5).kernel

    assert np.max(np.abs(kernel.weights - weights)) < 2e-3
    diff = np.abs(apply_kernel(before, kernel).astype(int) - after)[8:-8, 8:-8]
    assert diff.max() <= 1 and np.mean(diff == 0) > 0.99  # rounding ties aside, identical


def test_8bit_gaussian_pair():
    weights = gaussian(5, 1.0)
    before = to8(photo_like(128, 128, 3, seed=2))
    after = apply_kernel(before, weights)

    result = fit_kernel([(before, after)], 5)

    assert np.max(np.abs(result.kernel.weights - weights)) < 2e-3
    assert abs(result.kernel.offset) < 0.2
    assert 0.2 < result.report.rmse < 0.4  # 8-bit rounding: 1/sqrt(12) of a level
    assert any("blur" in f for f in result.report.findings)
    assert any("separable" in f for f in result.report.findings)


def test_8bit_sharpen_with_clipping_needs_the_clipping_rule():
    weights = -1.5 * gaussian(5, 1.2)
    weights[2, 2] += 2.5  # unsharp mask, amount 1.5: sums to 1, clips on strong edges
    before = to8(photo_like(128, 128, 3, seed=3))
    after = apply_kernel(before, weights)
    assert np.mean((after == 0) | (after == 255)) > 0.02

    clean = fit_kernel([(before, after)], 5)
    naive = fit_kernel([(before, after)], 5, exclude_clipped=False)

    error = np.max(np.abs(clean.kernel.weights - weights))
    naive_error = np.max(np.abs(naive.kernel.weights - weights))
    assert error < 1e-2
    assert naive_error > 10 * error
    assert clean.report.excluded["clipped"] > 0


def test_clipping_is_found_even_when_jpeg_moved_clipped_values_off_the_ends():
    # Clipped to 0 or 255, then saved as JPEG: the clipped values are now 3, 251...; only a
    # first fit (predicting beyond the range) can tell they were clipped.
    sharpen = np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], float)
    before = to8(photo_like(128, 128, seed=3))
    buffer = io.BytesIO()
    Image.fromarray(apply_kernel(before, sharpen)).save(buffer, "JPEG", quality=90)
    after = np.asarray(Image.open(buffer))
    result = fit_kernel([(before, after)], 3)
    assert np.max(np.abs(result.kernel.weights - sharpen)) < 0.15  # 0.64 without the rule
    assert result.report.excluded["clipped"] > 0.05 * before.size


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32])
def test_learned_kernel_reproduces_the_after_image_in_every_pixel_type(dtype):
    weights = np.array([[0.0, -0.25, 0.0], [-0.25, 1.5, 0.1], [0.0, -0.1, 0.0]])
    kernel = Kernel(weights, offset=12.0)
    base = photo_like(80, 80, 3, seed=4) * 0.8
    before = base if dtype == np.float32 else np.round(base * np.iinfo(dtype).max).astype(dtype)
    after = apply_kernel(before, kernel)

    learned = fit_kernel([(before, after)], 3).kernel

    assert np.max(np.abs(learned.weights - weights)) < 2e-3
    assert learned.offset == pytest.approx(12.0, abs=0.1)
    redo = apply_kernel(before, learned)
    inner = (slice(6, -6), slice(6, -6))
    diff = np.abs(redo[inner].astype(np.float64) - after[inner].astype(np.float64))
    limit = 1e-4 if dtype == np.float32 else 1  # integer images: at most one rounding step
    assert diff.max() <= limit


def test_16bit_pair_is_more_accurate_than_8bit():
    weights = gaussian(7, 1.5)
    base = photo_like(96, 96, seed=5)
    before16 = np.round(base * 65535).astype(np.uint16)
    before8 = to8(base)
    err16 = np.abs(
        fit_kernel([(before16, apply_kernel(before16, weights))], 7).kernel.weights - weights
    ).max()
    err8 = np.abs(
        fit_kernel([(before8, apply_kernel(before8, weights))], 7).kernel.weights - weights
    ).max()
    assert err16 < 1e-5
    assert err16 < err8 / 10


def test_several_pairs_of_different_sizes_fit_one_kernel():
    weights = gaussian(5, 0.8)
    weights[1, 3] += 0.2
    weights /= weights.sum()
    pairs = []
    for i, (h, w) in enumerate([(60, 90), (100, 70), (48, 48)]):
        before = to8(photo_like(h, w, 3, seed=10 + i))
        pairs.append((before, apply_kernel(before, weights)))

    result = fit_kernel(pairs, 5)

    assert np.max(np.abs(result.kernel.weights - weights)) < 3e-3
    assert result.report.pairs == 3
    assert result.report.residual.shape == pairs[0][1].shape


def test_mixed_bit_depths_in_a_pair():
    weights = gaussian(3, 0.7)
    before = np.round(photo_like(80, 80, seed=6) * 65535).astype(np.uint16)
    after = apply_kernel(before, weights)
    after8 = np.round(after / 257.0).astype(np.uint8)  # saved as 8-bit by the other program
    kernel = fit_kernel([(before, after8)], 3).kernel
    assert np.max(np.abs(kernel.weights - weights)) < 2e-3


def test_per_channel_mode_gives_a_diagonal_colour_kernel():
    kernels = [gaussian(3, 0.6), np.array([[0, 0, 0], [0, 1.0, 0], [0, 0, 0]]), gaussian(3, 1.2)]
    offsets = (3.0, -5.0, 10.0)
    truth = np.zeros((3, 3, 3, 3))
    for c in range(3):
        truth[c, c] = kernels[c]
    before = to8(photo_like(96, 96, 3, seed=7) * 0.9)
    after = apply_kernel(before, Kernel(truth, offset=offsets))

    result = fit_kernel([(before, after)], 3, mode="per-channel")

    k = result.kernel
    assert k.is_color and k.weights.shape == (3, 3, 3, 3)
    assert np.max(np.abs(k.weights - truth)) < 3e-3
    off_diagonal = k.weights[~np.eye(3, dtype=bool)]
    assert np.all(off_diagonal == 0.0)
    assert np.allclose(k.offset, offsets, atol=0.3)
    assert np.abs(apply_kernel(before, k).astype(int) - after)[5:-5, 5:-5].max() <= 1


def test_color_mode_learns_channel_mixing():
    rng = np.random.default_rng(8)
    truth = rng.uniform(-0.1, 0.2, (3, 3, 3, 3))
    truth[0, 1] += gaussian(3, 0.8) * 0.5
    truth[2, 0] -= gaussian(3, 0.8) * 0.3
    before = photo_like(72, 72, 3, seed=8)
    before[..., 1] = np.roll(before[..., 1], 7, axis=1)  # decorrelate the channels a little
    after = apply_kernel(before, Kernel(truth, offset=(1.0, 2.0, 3.0)))

    result = fit_kernel([(before, after)], 3, mode="color")

    assert result.kernel.weights.shape == (3, 3, 3, 3)
    assert np.max(np.abs(result.kernel.weights - truth)) < 1e-4
    assert np.allclose(result.kernel.offset, (1.0, 2.0, 3.0), atol=1e-3)
    assert any("mixes colour" in f for f in result.report.findings)
    # British spelling, as the findings use it, is the same mode.
    assert fit_kernel([(before, after)], 3, mode="colour").report.mode == "color"


def test_shared_mode_on_gray_and_rgba():
    weights = gaussian(3, 0.9)
    gray = to8(photo_like(64, 64, seed=9))
    assert (
        np.max(
            np.abs(fit_kernel([(gray, apply_kernel(gray, weights))], 3).kernel.weights - weights)
        )
        < 3e-3
    )

    rgba = np.dstack([to8(photo_like(64, 64, 3, seed=9)), np.full((64, 64), 255, np.uint8)])
    rgba[20:30, 20:30, 3] = 0  # a transparent hole: left out, alpha weighting is not linear
    result = fit_kernel([(rgba, apply_kernel(rgba, weights))], 3)
    assert np.max(np.abs(result.kernel.weights - weights)) < 3e-3
    assert result.report.excluded["transparent"] > 0
    assert result.report.residual.shape == (64, 64, 3)


def test_auto_size_picks_the_true_size_and_prefers_smaller():
    before = to8(photo_like(128, 128, seed=11))
    weights = gaussian(5, 1.0)
    result = fit_kernel([(before, apply_kernel(before, weights))], "auto")
    assert result.report.size == 5
    # Sizes are compared in stages (up to 7, then 11, 15): 7 is no better than 5, so the
    # larger stages are not tried (they were all tried before, at several times the cost).
    assert set(result.report.size_errors) == {1, 3, 5, 7}
    assert result.report.size_errors[3] > 2 * result.report.size_errors[5]
    assert np.max(np.abs(result.kernel.weights - weights)) < 2e-3

    box = np.full((3, 3), 1 / 9)
    assert fit_kernel([(before, apply_kernel(before, box))], "auto").report.size == 3


def test_auto_size_goes_on_to_larger_stages_while_they_fit_better():
    before = to8(photo_like(160, 160, seed=11))
    for true_size, sigma in ((9, 1.6), (13, 2.4)):
        weights = gaussian(true_size, sigma)
        result = fit_kernel([(before, apply_kernel(before, weights))], "auto")
        errors = result.report.size_errors
        assert result.report.size == true_size, errors
        assert max(errors) > true_size  # the stage above it was tried and did no better
        assert np.max(np.abs(result.kernel.weights - weights)) < 2e-3


def test_border_margin_ignores_the_other_programs_edges():
    weights = gaussian(5, 1.0)
    before = photo_like(80, 80, seed=12)
    after = correlate(before, weights)
    after[:3] = 0.5  # a program that leaves edge rows alone, or fills them
    after[:, -2:] = before[:, -2:]
    result = fit_kernel([(before, after)], 5)
    assert np.max(np.abs(result.kernel.weights - weights)) < 1e-5
    assert result.report.excluded["border margin"] > 0
    # The residual shows the edge disagreement and nothing else.
    assert np.abs(result.report.residual[:3]).max() > 1
    assert np.abs(result.report.residual[10:-10, 10:-10]).max() < 1e-3


def test_large_pair_is_sampled_with_few_rows():
    weights = gaussian(5, 1.0)
    before = to8(photo_like(256, 256, seed=13))
    after = apply_kernel(before, weights)
    result = fit_kernel([(before, after)], 5, max_rows=5000)
    assert result.report.fitted_pixels <= 5500
    assert np.max(np.abs(result.kernel.weights - weights)) < 1e-2


def test_report_summary_and_fields():
    before = to8(photo_like(64, 64, 3, seed=14))
    result = fit_kernel([(before, apply_kernel(before, gaussian(3, 0.8)))], 3)
    report = result.report
    assert isinstance(report, FitReport)
    assert report.mode == "shared" and report.solver == "exact" and report.size == 3
    assert report.loss_history == []
    assert 0 < report.used_fraction < 1
    assert report.residual.dtype == np.float32
    assert report.psnr > 50
    text = report.summary()
    assert "3x3" in text and "PSNR" in text and "border margin" in text
    assert result.kernel.name == "Learned 3x3"
    assert result.kernel.category == "Learned"
    assert "R-squared" in result.kernel.description


def test_edge_filter_finding_and_flat_offset():
    lap = np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], float)
    before = to8(photo_like(80, 80, seed=15))
    after = apply_kernel(before, Kernel(lap, offset=128))
    result = fit_kernel([(before, after)], 3)
    assert np.max(np.abs(result.kernel.weights - lap)) < 1e-2
    assert any("edge" in f for f in result.report.findings)
    assert any("offset" in f for f in result.report.findings)


def test_non_linear_filter_is_reported_as_a_poor_fit():
    before = to8(photo_like(96, 96, seed=16))
    after = ndimage.median_filter(before, size=5)
    after = np.where(after > 128, 255 - (255 - after) // 3, after // 2).astype(np.uint8)
    result = fit_kernel([(before, after)], 5)
    assert result.report.r_squared < 0.98
    assert any("not linear" in f for f in result.report.findings)


def test_progress_and_cancel():
    before = to8(photo_like(64, 64, seed=17))
    after = apply_kernel(before, gaussian(3, 1.0))
    seen = []
    fit_kernel([(before, after)], 3, progress=seen.append)
    assert seen and seen[-1] == 1.0
    assert all(0 <= v <= 1 for v in seen)
    stop = threading.Event()
    stop.set()
    with pytest.raises(Cancelled):
        fit_kernel([(before, after)], 3, cancel=stop)


# -- bad input ---------------------------------------------------------------------------


def _pair(h=48, w=48, channels=None, seed=0):
    before = to8(photo_like(h, w, channels, seed=seed))
    return before, apply_kernel(before, gaussian(3, 1.0))


@pytest.mark.parametrize(
    ("pairs", "message"),
    [
        ([], "at least one"),
        ("photo.png", "list of \\(before, after\\)"),
        ([(np.zeros((8, 8)),)], "two images"),
        ([(np.zeros((40, 50), np.uint8), np.zeros((50, 40), np.uint8))], "same size"),
        ([(np.zeros((40, 40, 3), np.uint8), np.zeros((40, 40), np.uint8))], "colour mode"),
        ([(np.zeros((40, 40), np.int32), np.zeros((40, 40), np.int32))], "uint8, uint16"),
        ([(np.zeros((40, 40, 2), np.uint8),) * 2], "shape"),
        ([(np.zeros((40, 40), np.uint8), "after.png")], "pixel type"),
    ],
)
def test_unusable_pairs_raise_a_clear_error(pairs, message):
    with pytest.raises(LearnError, match=message):
        fit_kernel(pairs, 3)


def test_pairs_in_different_colour_modes():
    with pytest.raises(LearnError, match="pair 2 is gray but pair 1 is RGB"):
        fit_kernel([_pair(channels=3), _pair()], 3)


def test_unrelated_pictures_are_refused():
    before = to8(photo_like(96, 96, seed=20))
    other = to8(photo_like(96, 96, seed=21))
    with pytest.raises(LearnError, match="not look like a filtered copy"):
        fit_kernel([(before, apply_kernel(other, gaussian(3, 1.0)))], 3)
    with pytest.raises(LearnError, match="pair 2"):
        fit_kernel([_pair(96, 96, seed=20), (before, other)], 3)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"size": 4}, "odd"),
        ({"size": 0}, "odd"),
        ({"size": 65}, "odd"),
        ({"size": "big"}, "odd number or 'auto'"),
        ({"size": 3.0}, "odd number or 'auto'"),
        ({"size": 3, "mode": "rgb"}, "unknown mode"),
        ({"size": 3, "solver": "sgd"}, "unknown solver"),
        ({"size": 3, "loss": "l3"}, "unknown loss"),
        ({"size": 3, "loss": "huber"}, "use solver 'adam'"),
        ({"size": 3, "steps": 10}, "unknown option"),
        ({"size": 3, "margin": -1}, "margin"),
        ({"size": 41}, "usable pixels"),
    ],
)
def test_bad_options_raise_a_clear_error(kwargs, message):
    with pytest.raises(LearnError, match=message):
        fit_kernel([_pair()], **kwargs)


def test_bad_callbacks_are_refused_before_the_fit():
    with pytest.raises(ValueError, match="progress must be a function"):
        fit_kernel([_pair()], 3, progress="bar")
    with pytest.raises(ValueError, match=r"cancel must have an is_set\(\) method"):
        fit_kernel([_pair()], 3, cancel=False)


def test_too_many_unknowns():
    with pytest.raises(LearnError, match=r"6,076 unknowns.*shared or per-channel"):
        fit_kernel([_pair(channels=3)], 45, mode="color")


def test_all_clipped_after_image():
    before = to8(photo_like(48, 48, seed=22))
    with pytest.raises(LearnError, match="clipped"):
        fit_kernel([(before, np.full_like(before, 255))], 3)


def test_flat_after_image_is_a_constant_kernel():
    before = to8(photo_like(48, 48, seed=23))
    result = fit_kernel([(before, np.full_like(before, 100))], 3)
    assert np.allclose(result.kernel.weights, 0, atol=1e-9)
    assert result.kernel.offset == pytest.approx(100)
    assert any("does not depend" in f for f in result.report.findings)


def test_auto_size_on_a_small_image_tries_only_sizes_that_fit():
    before = to8(photo_like(24, 24, seed=24))
    result = fit_kernel([(before, apply_kernel(before, gaussian(3, 0.8)))], "auto")
    assert result.report.size == 3
    assert max(result.report.size_errors) < 15


def test_colour_fit_of_a_plain_blur_says_simpler_modes_would_do():
    before = to8(photo_like(96, 96, 3, seed=25))
    result = fit_kernel([(before, apply_kernel(before, gaussian(3, 0.8)))], 3, mode="color")
    assert any("shared mode would do" in f for f in result.report.findings)
    assert not any(f.startswith("mixes colour") for f in result.report.findings)


@settings(max_examples=12, deadline=None)
@given(
    size=st.sampled_from([1, 3, 5, 7]),
    offset=st.floats(-0.2, 0.2),
    seed=st.integers(0, 10_000),
)
def test_any_kernel_is_recovered_from_a_clean_pair(size, offset, seed):
    rng = np.random.default_rng(seed)
    weights = rng.uniform(-1, 1, (size, size))
    before = photo_like(48, 56, seed=seed)
    after = correlate(before, weights, offset)
    result = fit_kernel(((before, after),), size, seed=seed)  # a tuple of pairs works too
    assert np.max(np.abs(result.kernel.weights - weights)) < 1e-5
    assert result.kernel.offset == pytest.approx(offset * 255, abs=1e-3)


def test_float64_images_are_taken_as_float():
    before = photo_like(48, 48, seed=26).astype(np.float64)
    after = correlate(before, gaussian(3, 0.7)).astype(np.float64)
    kernel = fit_kernel([(before, after)], 3).kernel
    assert np.max(np.abs(kernel.weights - gaussian(3, 0.7))) < 1e-5


@pytest.mark.parametrize(
    ("weights", "offset", "phrase"),
    [
        (np.array([[0, 0, 0], [0, 0, 1.0], [0, 0, 0]]), 0, "shift by 1 px across and 0 px down"),
        (np.array([[-2, -1, 0], [-1, 1, 1], [0, 1, 2.0]]), 128, "such as an emboss"),
        (np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0.0]]), 0, "a sharpen"),
        (gaussian(3, 0.8) * 1.3, 0, "brightens"),
        (np.pad([[1.0]], 1), 0, "close to the identity"),
    ],
)
def test_findings_name_the_kind_of_filter(weights, offset, phrase):
    before = to8(photo_like(80, 80, seed=27))
    after = apply_kernel(before, Kernel(weights, offset=offset))
    found = fit_kernel([(before, after)], 3).report.findings
    assert any(phrase in f for f in found), found
