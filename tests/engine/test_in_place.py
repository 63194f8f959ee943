"""An image filtered over itself band by band: bit-identical to ``apply_kernel``, in less memory.

The reference is ``apply_kernel`` on the whole image. Bands are forced small (``band_rows``)
so that a small image has many; each test also checks that the image really was filtered
in place (the result *is* the input array), so a silent fall-back to the whole image
cannot pass for banding.
"""

from __future__ import annotations

import threading
import tracemalloc

import numpy as np
import pytest

from workbench.engine import (
    Cancelled,
    Kernel,
    KernelError,
    apply_kernel,
    apply_kernel_in_place,
    convolve,
)
from workbench.engine import in_place as in_place_module
from workbench.engine.strategies import tiles

RNG = np.random.default_rng(29)
MODES = ("reflect", "mirror", "nearest", "wrap", "constant")
STRATEGIES = ("auto", "direct", "separable", "fft", "im2col")


def pixels(shape: tuple[int, ...], dtype: str) -> np.ndarray:
    if dtype == "float32":
        return RNG.random(shape, dtype=np.float32)
    return RNG.integers(0, np.iinfo(dtype).max + 1, shape).astype(dtype)


def in_place(image: np.ndarray, kernel, **options) -> np.ndarray:
    """Filter a copy of ``image`` in place; fails if it was not filtered in place."""
    work = image.copy()
    result = apply_kernel_in_place(work, kernel, **options)
    assert result is work, "filtered whole, not in place"
    return result


def expected(image: np.ndarray, kernel, **options) -> np.ndarray:
    options.pop("band_rows", None)
    return apply_kernel(image, kernel, **options)


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("border", MODES)
def test_every_border_and_strategy_is_bit_identical_to_the_whole_image(border, strategy):
    # fft bands follow its tile grid, so it needs an image of several tiles.
    shape = (1300, 7, 3) if strategy == "fft" else (61, 17, 3)
    if strategy == "fft" and border == "wrap":
        pytest.skip("wrap with fft is planned as one band (a fall-back test covers it)")
    image = pixels(shape, "uint8")
    kernel = Kernel(RNG.normal(size=(7, 5)), border=border, offset=3)
    options = dict(strategy=strategy, band_rows=5, cval=20)
    assert np.array_equal(in_place(image, kernel, **options), expected(image, kernel, **options))


@pytest.mark.parametrize("dtype", ["uint8", "uint16", "float32"])
@pytest.mark.parametrize("channels", [1, 3, 4])
def test_every_dtype_and_channel_layout(dtype, channels, monkeypatch):
    # Alpha-weighted work is done in strips that bands must keep whole: small ones here.
    monkeypatch.setattr(convolve, "STRIP_PIXELS", 100)
    shape = (53, 19) if channels == 1 else (53, 19, channels)
    image = pixels(shape, dtype)  # random alpha: far from opaque
    kernel = Kernel(RNG.normal(size=(5, 7)), border="mirror", offset=-2)
    result = in_place(image, kernel, band_rows=4)
    assert np.array_equal(result, apply_kernel(image, kernel))


@pytest.mark.parametrize("border", ["reflect", "wrap", "constant"])
def test_alpha_weighting_in_many_strips_and_an_opaque_band(border, monkeypatch):
    # Small strips, so the alpha-weighted path cuts many; one transparent pixel makes the
    # whole image weighted while most bands alone are opaque. Weighting an opaque float
    # image by a box blur's alpha changes its colour in the last bit (the alpha it sees
    # is a sum of ninths): a band left unweighted would show.
    monkeypatch.setattr(convolve, "STRIP_PIXELS", 200)
    image = pixels((150, 20, 4), "float32")
    image[..., 3] = 1.0
    image[100, 3, 3] = 0.0
    kernel = Kernel(np.ones((3, 3)), divisor=9, border=border)
    result = in_place(image, kernel, band_rows=12, cval=0.5)
    assert np.array_equal(result, apply_kernel(image, kernel, cval=0.5))


def test_an_opaque_image_is_not_weighted_in_its_bands_either():
    image = pixels((60, 12, 4), "uint8")
    image[..., 3] = 255
    kernel = Kernel(RNG.normal(size=(3, 3)))
    assert np.array_equal(in_place(image, kernel, band_rows=3), apply_kernel(image, kernel))


@pytest.mark.parametrize("border", ["nearest", "wrap"])
def test_colour_kernels(border, monkeypatch):
    monkeypatch.setattr(convolve, "STRIP_PIXELS", 300)
    image = pixels((90, 15, 4), "uint8")
    kernel = Kernel(RNG.normal(size=(3, 3, 5, 3)) / 5, border=border, offset=(1, 2, 3))
    assert np.array_equal(in_place(image, kernel, band_rows=7), apply_kernel(image, kernel))


@pytest.mark.parametrize("strategy", ["auto", "fft"])
@pytest.mark.parametrize(
    "options",
    [
        dict(space="linear"),  # the tile-by-tile linear-light path
        dict(space="linear", channels="RGBA"),  # linear light in float strips
        dict(luminance=True),
        dict(out_range="abs"),
        dict(channels="G"),
    ],
    ids=["linear", "linear-alpha", "luminance", "abs", "one-channel"],
)
@pytest.mark.parametrize("channels", [3, 4])
def test_colour_options_in_many_strips(options, strategy, channels, monkeypatch):
    # Float work is done in strips, each with fft tiles of its own: many strips here.
    monkeypatch.setattr(convolve, "STRIP_PIXELS", 5000)
    image = pixels((5000, 8, channels), "uint8")
    kernel = Kernel(RNG.normal(size=(9, 3)), border="reflect")
    options = dict(options, strategy=strategy)
    result = in_place(image, kernel, band_rows=50, **options)
    assert np.array_equal(result, apply_kernel(image, kernel, **options))


def test_repeats_are_the_whole_image_repeated():
    image = pixels((70, 11, 4), "float32")
    kernel = Kernel(RNG.normal(size=(5, 3)) / 4, border="wrap")
    reference, work = image, image.copy()
    for _ in range(3):  # each repeat decides about alpha on its own input, as the whole does
        reference = apply_kernel(reference, kernel, channels="RGBA")
        assert apply_kernel_in_place(work, kernel, band_rows=6, channels="RGBA") is work
    assert np.array_equal(work, reference)


@pytest.mark.parametrize("border", MODES)
def test_a_kernel_taller_than_a_band_or_the_whole_image(border):
    kernel = Kernel(RNG.normal(size=(63, 3)), border=border)
    for height in (200, 45):
        image = pixels((height, 9, 3), "uint16")
        result = in_place(image, kernel, band_rows=1, strategy="separable")
        assert np.array_equal(result, apply_kernel(image, kernel, strategy="separable"))


def test_default_bands_keep_the_halo_a_small_share_of_the_work(monkeypatch):
    monkeypatch.setattr(in_place_module, "BAND_PIXELS", 600)  # 100 rows of 6 pixels
    image = pixels((600, 6, 3), "uint8")
    box = Kernel(np.ones((3, 3)), divisor=9)  # a halo of 1 row: bands of 100
    assert np.array_equal(in_place(image, box), apply_kernel(image, box))
    # A halo of 31 rows wants bands of 620 (a tenth of the work filtered twice): this
    # image is one such band, so it is filtered whole rather than much of it twice.
    tall = Kernel(np.ones((63, 1)), divisor=63)
    work = image.copy()
    assert apply_kernel_in_place(work, tall) is not work
    assert np.array_equal(work, image)


@pytest.mark.parametrize(
    "options",
    [
        dict(out_range="stretch"),  # the whole result's range
        dict(out_range="float"),  # a new dtype
        dict(border="wrap", strategy="fft"),  # plan_bands plans one band
    ],
    ids=["stretch", "float", "wrap-fft"],
)
def test_what_no_band_can_do_is_filtered_whole_and_leaves_the_image(options, monkeypatch):
    monkeypatch.setattr(convolve, "STRIP_PIXELS", 1000)  # float work in many strips
    image = pixels((1300, 6, 3), "uint8")
    work = image.copy()
    kernel = Kernel(RNG.normal(size=(31, 3)))
    result = apply_kernel_in_place(work, kernel, band_rows=10, **options)
    assert result is not work
    assert np.array_equal(work, image)
    assert np.array_equal(result, apply_kernel(image, kernel, **options))


def test_the_kernels_own_out_range_counts_too():
    image = pixels((40, 6), "uint8")
    work = image.copy()
    kernel = Kernel([[1], [-2], [1]], out_range="stretch")
    result = apply_kernel_in_place(work, kernel, band_rows=4)
    assert result is not work and np.array_equal(work, image)
    assert np.array_equal(result, apply_kernel(image, kernel))


def test_a_read_only_array_or_an_image_of_one_band_is_filtered_whole():
    image = pixels((40, 6), "uint8")
    image.flags.writeable = False
    kernel = Kernel([[1, 2, 1]], divisor=4)
    result = apply_kernel_in_place(image, kernel, band_rows=4)
    assert result is not image and np.array_equal(result, apply_kernel(image, kernel))
    small = pixels((4, 6), "uint8")
    assert apply_kernel_in_place(small, kernel, band_rows=4) is not small


@pytest.mark.parametrize(
    "options, error",
    [
        (dict(strategy="fastest"), ValueError),
        (dict(border="torus"), ValueError),
        (dict(cval="white"), ValueError),
        (dict(channels="XYZ"), ValueError),
        (dict(progress=3), ValueError),
        (dict(cancel=object()), ValueError),
    ],
)
def test_bad_options_are_refused_as_apply_kernel_refuses_them(options, error):
    image = pixels((40, 6, 3), "uint8")
    work = image.copy()
    with pytest.raises(error) as refused:
        apply_kernel_in_place(work, Kernel([[1, 2, 1]]), band_rows=4, **options)
    with pytest.raises(error) as whole:
        apply_kernel(image, Kernel([[1, 2, 1]]), **options)
    assert str(refused.value) == str(whole.value)
    assert np.array_equal(work, image)


def test_a_colour_kernel_that_does_not_fit_writes_nothing():
    image = pixels((40, 6), "uint8")
    work = image.copy()
    with pytest.raises(KernelError, match="colour kernel"):
        apply_kernel_in_place(work, Kernel(np.ones((3, 3, 3, 3))), band_rows=4)
    assert np.array_equal(work, image)


def test_progress_grows_to_one_and_cancel_stops_between_bands():
    image = pixels((200, 30, 3), "uint8")
    seen: list[float] = []
    apply_kernel_in_place(image.copy(), Kernel(np.ones((3, 3))), band_rows=10, progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(set(seen)) > 10
    stop = threading.Event()

    def stop_at_a_third(fraction: float) -> None:
        if fraction > 0.3:
            stop.set()

    with pytest.raises(Cancelled):
        apply_kernel_in_place(
            image.copy(), Kernel(np.ones((3, 3))), band_rows=10, progress=stop_at_a_third,
            cancel=stop,
        )  # fmt: skip


def traced_peak(call, times: int = 3) -> int:
    """Peak bytes numpy (and Python) allocated during ``call()``, above what was held before.

    The least of ``times`` calls: tracemalloc counts every thread of the process, and
    threads left by earlier tests (a thread pool winding down, a cluster's) can allocate
    while one call runs (seen: 250 KB once in a few runs of the suite).
    """
    peaks = []
    tracemalloc.start()
    try:
        for _ in range(times):
            before = tracemalloc.get_traced_memory()[0]
            tracemalloc.reset_peak()
            call()
            peaks.append(tracemalloc.get_traced_memory()[1] - before)
    finally:
        tracemalloc.stop()
    return min(peaks)


def test_memory_held_besides_the_image_is_one_band_not_a_second_image(monkeypatch):
    # numpy reports its allocations to tracemalloc: a count of bytes, not a timing. On one
    # thread, so that the peak does not depend on whether two threads' tile buffers
    # happen to be alive at once (on two, a loaded machine measured 2.7 % for 1.5 %).
    monkeypatch.setattr(tiles, "thread_count", lambda: 1)
    image = pixels((1500, 2000, 3), "uint8")
    kernel = Kernel(np.outer([1, 4, 6, 4, 1], [1, 4, 6, 4, 1]), divisor=256)  # gaussian-5x5
    whole = traced_peak(lambda: apply_kernel(image, kernel))
    # One band (100 rows, and 2 of halo on each side) filtered alone: its result and the
    # strategy's tile buffers (a few MB per thread whatever the image's size).
    one_band = traced_peak(lambda: apply_kernel(image[:104], kernel))
    peak = traced_peak(lambda: apply_kernel_in_place(image, kernel, band_rows=100))
    assert whole > image.nbytes  # the whole result is counted: the test measures it
    assert whole - peak > 0.9 * image.nbytes, "a second image is held"
    assert peak - one_band < 0.02 * image.nbytes, f"{(peak - one_band) / image.nbytes:.1%}"
