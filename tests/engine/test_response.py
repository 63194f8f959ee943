"""frequency_response: numpy's FFT at the same frequencies, theory's zeros, the right words."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.engine import Kernel, KernelLibrary
from workbench.engine.response import frequency_response


@pytest.mark.parametrize("seed", range(6))
def test_response_is_the_fft_of_the_zero_padded_kernel(seed):
    rng = np.random.default_rng(seed)
    kh, kw = (int(v) for v in rng.choice([1, 3, 5, 9, 15], size=2))
    kernel = Kernel(rng.normal(size=(kh, kw)), divisor=float(rng.choice([1.0, 7.0, -3.0])))
    n = 64  # the grid's 65 points are the FFT's frequencies k / 64, from -0.5 to 0.5
    r = frequency_response(kernel, points=n + 1)
    fft = np.abs(np.fft.fftshift(np.fft.fft2(kernel.weights, s=(n, n)))) / abs(kernel.divisor)
    np.testing.assert_allclose(r.frequencies[:-1], np.fft.fftshift(np.fft.fftfreq(n)), atol=1e-12)
    np.testing.assert_allclose(r.magnitude[:-1, :-1], fft, rtol=1e-9, atol=1e-9)
    # +0.5 is -0.5 again (the response repeats with period 1).
    np.testing.assert_allclose(r.magnitude[-1], r.magnitude[0], atol=1e-9)
    np.testing.assert_allclose(r.cut_x, r.magnitude[n // 2, n // 2 :])
    np.testing.assert_allclose(r.cut_y, r.magnitude[n // 2 :, n // 2])
    np.testing.assert_allclose(r.cut_diagonal, r.magnitude.diagonal()[n // 2 :], atol=1e-9)
    assert r.gain_at_zero == pytest.approx(kernel.weights.sum() / kernel.divisor)


def test_phase_follows_correlation_an_off_centre_tap_shifts_the_image():
    weights = np.zeros((3, 3))
    weights[1, 2] = 1.0  # out[x] = in[x + 1]: the image moves one pixel left
    r = frequency_response(Kernel(weights), points=65)
    f = r.frequencies
    np.testing.assert_allclose(r.complex_response[32], np.exp(2j * np.pi * f), atol=1e-12)
    assert r.shift == (-1.0, 0.0)
    assert "shifts the image by (-1, +0) px" in r.words
    assert "shifts" not in frequency_response(Kernel([[1, 2, 1]], divisor=4)).words


@pytest.mark.parametrize(("width", "height"), [(5, 5), (9, 1), (3, 3)])
def test_box_blur_first_zero_is_at_one_over_its_width(width, height):
    # sin(pi N f) / (N sin(pi f)) first vanishes at f = 1/N; a grid of step 1/(90 N) holds
    # that frequency exactly.
    steps = 90 * width
    r = frequency_response(Kernel(np.ones((height, width)), divisor=width * height), steps + 1)
    zero = steps // width  # index of 1/N in the cut (0..0.5 in steps of 1/steps)
    assert r.cut_frequencies[zero] == pytest.approx(1 / width)
    assert r.cut_x[zero] < 1e-12
    assert np.all(r.cut_x[:zero] > 1e-6)
    theory = np.abs(
        np.sin(np.pi * width * r.cut_frequencies[1:])
        / (width * np.sin(np.pi * r.cut_frequencies[1:]))
    )
    np.testing.assert_allclose(r.cut_x[1:], theory, atol=1e-12)


def test_words_are_right_for_every_built_in_kernel(tmp_path):
    kernels = [e.kernel for e in KernelLibrary(user_dir=tmp_path).entries if e.builtin]
    assert len(kernels) >= 30
    seen = set()
    for kernel in kernels:
        words = frequency_response(kernel).words
        seen.add(kernel.category)
        category = kernel.category
        if category == "Blur":
            assert words.startswith("low-pass (blur)"), (kernel.name, words)
            assert ("directional" in words) == ("Motion" in kernel.name), (kernel.name, words)
        elif category == "Edges":
            assert words.startswith("high-pass (edges)"), (kernel.name, words)
            one_way = any(s in kernel.name for s in (" X", " Y", "lines"))
            assert ("directional" in words) == one_way, (kernel.name, words)
        elif category == "Sharpen":
            assert words.startswith("sharpen (gain up to"), (kernel.name, words)
            assert "directional" not in words
        elif category == "Emboss":
            assert "directional" in words, (kernel.name, words)
            assert "low-pass" not in words and "shifts" not in words
        elif category == "Basic":
            assert words == "all-pass (keeps every detail)", (kernel.name, words)
        assert "shifts" not in words, (kernel.name, words)
    assert {"Blur", "Edges", "Sharpen", "Emboss", "Basic"} <= seen


def test_words_for_band_pass_inversion_and_an_empty_kernel():
    y, x = np.mgrid[-7:8, -7:8]
    r2 = x**2 + y**2
    # Difference of Gaussians: nothing at 0, nothing at the finest detail, a ring between.
    dog = np.exp(-r2 / (2 * 1.0**2)) / (2 * np.pi) - np.exp(-r2 / (2 * 2.0**2)) / (8 * np.pi)
    dog -= dog.mean()
    assert frequency_response(Kernel(dog)).words.startswith("band-pass")
    assert "inverts brightness" in frequency_response(Kernel([[-1]])).words
    assert frequency_response(Kernel(np.zeros((3, 3)))).words.startswith("blanks")


def test_bad_grid_size_is_refused():
    with pytest.raises(ValueError, match="points must be odd"):
        frequency_response(Kernel([[1]]), points=64)
