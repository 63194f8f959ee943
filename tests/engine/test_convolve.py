"""apply_kernel: dtypes, offsets, channels, alpha, colour kernels, progress and cancel."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from reference import correlate_image, correlate_plane, to_dtype

from workbench.engine import Cancelled, Kernel, KernelError, apply_kernel
from workbench.engine.progress import Reporter
from workbench.engine.strategies import STRATEGY_NAMES, direct, fft, im2col, separable, tiles
from workbench.engine.strategies.tiles import thread_count

IDENTITY = np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]], float)
BOX = Kernel(np.ones((5, 5)), divisor=25)


@pytest.fixture
def small_tiles(monkeypatch):
    """Many tiles on a small image, so progress and cancel have steps to happen between."""
    monkeypatch.setattr(direct, "BAND_FLOATS", 64)
    monkeypatch.setattr(separable, "BAND_FLOATS", 64)
    monkeypatch.setattr(fft, "TARGET_SIDE", 16)
    monkeypatch.setattr(im2col, "COLUMNS_FLOATS", 500)


def noise(shape, dtype=np.uint8, seed=0):
    rng = np.random.default_rng(seed)
    if np.dtype(dtype).kind == "u":
        return rng.integers(0, np.iinfo(dtype).max + 1, size=shape).astype(dtype)
    return rng.random(shape).astype(dtype)


# -- values, dtypes, offsets ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("dtype", "added"), [(np.uint8, 10), (np.uint16, 2570), (np.float32, 10 / 255)]
)
def test_offset_is_on_the_8_bit_scale(dtype, added):
    image = noise((6, 7, 3), dtype)
    result = apply_kernel(image, Kernel(IDENTITY, offset=10))
    assert result.dtype == np.dtype(dtype)
    wanted = image.astype(np.float64) + added
    if np.dtype(dtype).kind == "u":
        wanted = np.clip(wanted, 0, np.iinfo(dtype).max)
    np.testing.assert_allclose(result, wanted, atol=1e-6)


def test_integer_results_are_rounded_half_up_and_clipped():
    # Ties (0.5, 1.5, 2.5, 3.5) go up, as in ImageJ, G'MIC and GIMP (was half to even).
    image = np.array([[1, 3, 5, 7, 200, 0]], np.uint8)
    assert apply_kernel(image, [[0.5]]).tolist() == [[1, 2, 3, 4, 100, 0]]
    assert apply_kernel(image, [[2.0]]).tolist() == [[2, 6, 10, 14, 255, 0]]
    assert apply_kernel(image, [[-1.0]]).tolist() == [[0, 0, 0, 0, 0, 0]]
    wide = np.array([[1000, 65000]], np.uint16)
    assert apply_kernel(wide, [[1.5]]).tolist() == [[1500, 65535]]


def test_float_images_are_not_clipped_and_keep_their_float_type():
    image = np.array([[0.2, 0.9]], np.float32)
    np.testing.assert_allclose(apply_kernel(image, [[2.0]]), [[0.4, 1.8]], rtol=1e-6)
    doubles = np.array([[0.25, -1.0]], np.float64)
    result = apply_kernel(doubles, [[-1.0]])
    assert result.dtype == np.float64
    np.testing.assert_allclose(result, [[-0.25, 1.0]])


def test_divisor_divides_the_sum():
    image = noise((9, 8), np.float32)
    kernel = Kernel([[1, 2, 1], [2, 4, 2], [1, 2, 1]], divisor=16)
    wanted = correlate_plane(image, kernel.weights / 16, "reflect")
    np.testing.assert_allclose(apply_kernel(image, kernel), wanted, atol=1e-6)


def test_result_is_new_and_input_untouched():
    image = noise((8, 8, 3), np.float32)
    before = image.copy()
    result = apply_kernel(image, IDENTITY)
    assert result is not image and not np.shares_memory(result, image)
    assert np.array_equal(image, before)
    np.testing.assert_array_equal(result, image)


def test_kernel_border_is_used_unless_overridden():
    image = noise((6, 9), np.float32, seed=2)
    weights = np.random.default_rng(3).normal(size=(3, 3))
    wrap = apply_kernel(image, Kernel(weights, border="wrap"))
    np.testing.assert_allclose(wrap, correlate_plane(image, weights, "wrap"), atol=1e-5)
    nearest = apply_kernel(image, Kernel(weights, border="wrap"), border="nearest")
    np.testing.assert_allclose(nearest, correlate_plane(image, weights, "nearest"), atol=1e-5)


@pytest.mark.parametrize(
    ("image", "message"),
    [
        (np.zeros((4, 4), np.int32), "dtype int32"),
        (np.zeros((4, 4), bool), "dtype bool"),
        (np.zeros((4, 4, 5), np.uint8), "5 channels"),
        (np.zeros((0, 4), np.uint8), "empty"),
        (np.zeros((2, 2, 2, 2), np.uint8), "H x W"),
    ],
)
def test_unusable_images_are_refused_with_a_reason(image, message):
    with pytest.raises(ValueError, match=message):
        apply_kernel(image, IDENTITY)


def test_unusable_options_are_refused_with_a_reason():
    image = noise((4, 4))
    with pytest.raises(ValueError, match="unknown strategy 'fast'"):
        apply_kernel(image, IDENTITY, strategy="fast")
    with pytest.raises(ValueError, match="unknown border mode 'edge'"):
        apply_kernel(image, IDENTITY, border="edge")
    with pytest.raises(ValueError, match="cval"):
        apply_kernel(image, IDENTITY, cval=float("nan"))
    with pytest.raises(ValueError, match=r"cval .* must be a number, got 'white'"):
        apply_kernel(image, IDENTITY, cval="white")
    # Callbacks are checked when the call starts, not when the first tile is done.
    with pytest.raises(ValueError, match="progress must be a function"):
        apply_kernel(image, IDENTITY, progress=0.5)
    with pytest.raises(ValueError, match=r"cancel must have an is_set\(\) method"):
        apply_kernel(image, IDENTITY, cancel=True)
    with pytest.raises(KernelError, match="even"):
        apply_kernel(image, np.ones((2, 2)))


# -- channels and alpha --------------------------------------------------------------------
def test_channel_mask_leaves_other_channels_bit_identical():
    image = noise((10, 12, 4), np.uint16, seed=4)
    result = apply_kernel(image, BOX, channels="G")
    for c in (0, 2, 3):
        assert np.array_equal(result[:, :, c], image[:, :, c])
    assert not np.array_equal(result[:, :, 1], image[:, :, 1])
    same = apply_kernel(image, BOX, channels=[False, True, False, False])
    assert np.array_equal(same, result)


def test_default_mask_filters_colour_and_keeps_alpha():
    image = noise((10, 12, 4), np.uint8, seed=5)
    image[:, :, 3] = 255
    result = apply_kernel(image, BOX)
    assert np.array_equal(result[:, :, 3], image[:, :, 3])
    # With opaque alpha, alpha weighting changes nothing: plain per-channel filtering.
    wanted = to_dtype(correlate_image(image[:, :, :3], BOX.weights / 25, "reflect"), np.uint8)
    assert np.abs(result[:, :, :3].astype(int) - wanted).max() <= 1


def test_alpha_can_be_filtered_too():
    image = noise((9, 9, 4), np.float32, seed=6)
    result = apply_kernel(image, BOX, channels="RGBA", alpha_weighting=False)
    wanted = correlate_image(image, BOX.weights / 25, "reflect")
    np.testing.assert_allclose(result, wanted, atol=1e-5)


def test_gray_letters_and_gray_alpha():
    gray = noise((7, 7), np.uint8)
    assert np.array_equal(apply_kernel(gray, BOX, channels="L"), apply_kernel(gray, BOX))
    assert np.array_equal(apply_kernel(gray, BOX, channels="A"), gray)
    gray_alpha = noise((7, 7, 2), np.uint8)
    result = apply_kernel(gray_alpha, BOX)
    assert np.array_equal(result[:, :, 1], gray_alpha[:, :, 1])


def test_bad_channel_masks_are_refused():
    with pytest.raises(ValueError, match="unknown channel letter"):
        apply_kernel(noise((4, 4, 3)), BOX, channels="RGX")
    with pytest.raises(ValueError, match="2 entries"):
        apply_kernel(noise((4, 4, 3)), BOX, channels=[True, False])


def red_square_on_transparent_black() -> np.ndarray:
    image = np.zeros((24, 24, 4), np.uint8)
    image[8:16, 8:16] = (255, 0, 0, 255)
    return image


@pytest.mark.parametrize("strategy", STRATEGY_NAMES)
def test_alpha_weighting_leaves_no_dark_fringe(strategy):
    image = red_square_on_transparent_black()
    result = apply_kernel(image, BOX, channels="RGBA", strategy=strategy)
    alpha = result[:, :, 3]
    edge = (alpha > 0) & (alpha < 255)
    assert edge.sum() > 20  # the blur did make a soft, semi-transparent edge
    assert np.all(result[edge][:, 0] >= 254)  # ... and its colour is still red
    assert np.all(result[edge][:, 1:3] == 0)
    # Without weighting, the transparent black bleeds in: the fringe this guards against.
    plain = apply_kernel(image, BOX, channels="RGBA", alpha_weighting=False)
    assert plain[edge][:, 0].min() < 200


def test_alpha_weighting_keeps_colour_of_fully_transparent_areas():
    image = red_square_on_transparent_black()
    image[0:3, 0:3, :3] = (10, 20, 30)  # colour under alpha 0, far from the square
    result = apply_kernel(image, BOX)
    assert np.array_equal(result[0, 0], image[0, 0])


def test_alpha_weighting_with_a_constant_border_adds_no_fringe_at_the_edge():
    image = np.zeros((8, 8, 4), np.uint8)
    image[...] = (0, 200, 0, 255)
    result = apply_kernel(image, BOX, border="constant", channels="RGBA")
    # The outside is transparent (cval 0): alpha fades, colour stays green.
    assert result[0, 0, 3] < 255
    assert tuple(result[0, 0, :3]) == (0, 200, 0)


@pytest.mark.parametrize("cval", [0.0, 100.0, 255.0])
@pytest.mark.parametrize("channels", ["RGB", "RGBA"])
def test_alpha_weighted_constant_border_is_the_image_padded_with_cval_pixels(cval, channels):
    # Outside the image every channel, alpha too, is cval: the same as filtering the image
    # padded with (cval, cval, cval, cval) pixels and cropping (an independent reference).
    image = noise((9, 11, 4), np.uint8, seed=12)
    weights = np.random.default_rng(13).random((5, 3))
    weights /= weights.sum()  # a blur: results stay inside the range, nothing clips
    padded = np.pad(image, ((2, 2), (1, 1), (0, 0)), constant_values=cval)
    wanted = apply_kernel(padded, weights, border="wrap", channels=channels)[2:-2, 1:-1]
    result = apply_kernel(image, weights, border="constant", cval=cval, channels=channels)
    assert np.abs(result.astype(int) - wanted).max() <= 1  # float32 sums, then rounding


# -- colour kernels ------------------------------------------------------------------------
def test_colour_kernel_mixes_channels_with_per_channel_offsets():
    image = noise((8, 9, 3), np.float32, seed=7)
    weights = np.random.default_rng(8).normal(size=(3, 3, 3, 5))
    kernel = Kernel(weights, divisor=2.0, offset=(0.0, 25.5, -51.0))
    result = apply_kernel(image, kernel, border="mirror")
    for o, off in enumerate((0.0, 0.1, -0.2)):
        wanted = sum(correlate_plane(image[:, :, i], weights[o, i] / 2, "mirror") for i in range(3))
        np.testing.assert_allclose(result[:, :, o], wanted + off, atol=5e-5)


def test_colour_kernel_can_swap_channels_exactly():
    swap = np.zeros((3, 3, 1, 1))
    swap[0, 2] = swap[1, 1] = swap[2, 0] = 1  # RGB -> BGR
    image = noise((5, 6, 4), np.uint8, seed=9)
    result = apply_kernel(image, Kernel(swap))
    assert np.array_equal(result[:, :, :3], image[:, :, 2::-1])
    assert np.array_equal(result[:, :, 3], image[:, :, 3])
    only_red = apply_kernel(image[:, :, :3], Kernel(swap), channels="R")
    assert np.array_equal(only_red[:, :, 0], image[:, :, 2])
    assert np.array_equal(only_red[:, :, 1:], image[:, :, 1:3])


def test_colour_kernel_must_fit_the_image():
    kernel = Kernel(np.ones((3, 3, 3, 3)))
    with pytest.raises(KernelError, match="1 colour channel"):
        apply_kernel(noise((5, 5)), kernel)
    with pytest.raises(KernelError, match="leave alpha out"):
        apply_kernel(noise((5, 5, 4)), kernel, channels="RGBA")


# -- progress and cancel -------------------------------------------------------------------
@pytest.mark.parametrize("strategy", STRATEGY_NAMES)
def test_progress_grows_to_one_from_the_calling_thread(small_tiles, strategy):
    seen, threads = [], set()

    def progress(fraction):
        seen.append(fraction)
        threads.add(threading.current_thread())

    apply_kernel(noise((40, 30, 4)), BOX, progress=progress, strategy=strategy)
    assert seen[-1] == 1.0
    assert seen == sorted(seen)
    assert all(0 <= f <= 1 for f in seen)
    assert threads == {threading.current_thread()}


def test_progress_is_throttled_but_always_ends_at_one():
    calls = []
    reporter = Reporter(calls.append, min_interval=1e9)  # at most the first call, then 1.0
    for _ in range(10):
        reporter.advance(0.1)
    assert calls[-1] == pytest.approx(1.0)
    assert len(calls) <= 2
    steps = Reporter(calls.append, start=0.5, span=0.25, min_interval=0.0)
    calls.clear()
    steps.advance(0.5)
    steps.advance(0.5)
    assert calls == [pytest.approx(0.625), pytest.approx(0.75)]  # mapped onto 0.5 .. 0.75


def test_cancel_set_before_the_call_raises():
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        apply_kernel(noise((30, 30, 3)), BOX, cancel=cancel)


@pytest.mark.parametrize("strategy", STRATEGY_NAMES)
def test_cancel_from_another_thread_stops_the_call(small_tiles, monkeypatch, strategy):
    fetch_tile = tiles.padded_tile
    cancel, started = threading.Event(), threading.Event()
    tiles_started = []

    def held_tile(*args, **kwargs):
        # Every tile waits until the other thread has cancelled: deterministic, no timing.
        tiles_started.append(threading.current_thread())
        started.set()
        cancel.wait(5)
        return fetch_tile(*args, **kwargs)

    def canceller():
        started.wait(5)
        cancel.set()

    monkeypatch.setattr(tiles, "padded_tile", held_tile)
    threads_before = threading.active_count()
    other = threading.Thread(target=canceller)
    other.start()
    with pytest.raises(Cancelled):
        apply_kernel(noise((60, 40, 3)), BOX, strategy=strategy, cancel=cancel)
    other.join()
    # Each tile thread finished the tile it had begun, and none started another.
    assert 1 <= len(tiles_started) <= thread_count()
    assert threading.active_count() == threads_before  # no tile thread left behind


def test_an_error_in_a_tile_thread_reaches_the_caller(small_tiles, monkeypatch):
    if thread_count() < 2:
        pytest.skip("one core: every tile runs in the calling thread")
    real_einsum = np.einsum
    failed = threading.Event()

    def einsum(*args, **kwargs):
        if threading.current_thread() is threading.main_thread():
            failed.wait(5)  # the caller's tiles wait until a tile thread has failed
        else:
            failed.set()
            raise MemoryError("no room")
        return real_einsum(*args, **kwargs)

    monkeypatch.setattr(direct.np, "einsum", einsum)
    threads_before = threading.active_count()
    with pytest.raises(MemoryError, match="no room"):
        apply_kernel(noise((40, 30), np.float32), BOX, strategy="direct")
    assert failed.is_set()  # the error came from a tile thread, not the caller's own tile
    assert threading.active_count() == threads_before


def test_tile_threads_start_no_tile_once_cancelled():
    cancel = threading.Event()
    reporter = Reporter(None, cancel)
    helpers, started_after_cancel = [], []

    def work(tile, scratch):
        if cancel.is_set():
            started_after_cancel.append(tile)
        if threading.current_thread() is threading.main_thread():
            # Hold the caller's tile until the tile thread has gone back for more and
            # stopped: deterministic, whatever order the threads run in.
            cancel.wait(5)
            helpers[0].join(5)
        else:
            helpers.append(threading.current_thread())
            cancel.set()

    with pytest.raises(Cancelled):
        tiles.run_tiles(list(range(50)), work, reporter, threads=2)
    assert started_after_cancel == []


def test_opaque_alpha_gives_the_same_result_with_or_without_weighting():
    image = noise((12, 10, 4), np.uint8, seed=11)
    image[:, :, 3] = 255
    weighted = apply_kernel(image, BOX, channels="RGBA")
    plain = apply_kernel(image, BOX, channels="RGBA", alpha_weighting=False)
    assert np.array_equal(weighted, plain)


def test_zero_kernel_on_transparent_image_gives_the_offset_not_nan():
    image = red_square_on_transparent_black().astype(np.float32) / 255
    result = apply_kernel(image, Kernel(np.zeros((3, 3)), offset=51))
    np.testing.assert_allclose(result[:, :, :3], 0.2, atol=1e-6)
    assert np.array_equal(result[:, :, 3], image[:, :, 3])


@pytest.mark.parametrize("strategy", STRATEGY_NAMES)
def test_views_and_unusual_layouts_give_the_same_result(strategy):
    base = noise((14, 16, 3), np.float32, seed=12)
    wanted = apply_kernel(np.ascontiguousarray(base[::-1, 1::2]), BOX, strategy=strategy)
    for image in (
        base[::-1, 1::2],  # negative and doubled strides
        np.asfortranarray(base[::-1, 1::2]),
        base[::-1, 1::2].astype(">f4"),  # big-endian, as some TIFF readers give
    ):
        result = apply_kernel(image, BOX, strategy=strategy)
        np.testing.assert_allclose(result, wanted, atol=1e-6)


@pytest.mark.parametrize("mode", ["reflect", "mirror", "nearest", "wrap", "constant"])
def test_strips_of_the_weighted_and_colour_paths_join_seamlessly(monkeypatch, mode):
    from workbench.engine import convolve

    image = noise((41, 9, 4), np.uint16, seed=13)
    colour = Kernel(np.random.default_rng(14).normal(size=(3, 3, 7, 5)), offset=(1, 2, 3))
    cases = [(BOX, "RGBA"), (Kernel(np.arange(35.0).reshape(7, 5) - 17), "RB"), (colour, "RGB")]
    whole = [apply_kernel(image, k, channels=ch, border=mode, cval=900) for k, ch in cases]
    monkeypatch.setattr(convolve, "STRIP_PIXELS", 30)  # strips of a few rows
    for (kernel, ch), wanted in zip(cases, whole, strict=True):
        result = apply_kernel(image, kernel, channels=ch, border=mode, cval=900)
        assert np.abs(result.astype(int) - wanted.astype(int)).max() <= 1


def test_big_endian_16_bit_images_keep_their_range():
    image = np.array([[1000, 60000]], ">u2")
    result = apply_kernel(image, Kernel([[1.0]], offset=1))
    assert result.dtype == image.dtype
    assert result.tolist() == [[1257, 60257]]


def test_kernel_carries_channels_cval_and_alpha_weighting():
    image = np.full((5, 5, 3), 100, np.uint8)
    box = np.full((3, 3), 1.0)
    green = apply_kernel(image, Kernel(box, divisor=9, channels="G", border="constant"))
    assert green[2, 2].tolist() == [100, 100, 100]  # inside: unchanged by a box
    assert green[0, 0].tolist() == [100, 44, 100]  # corner: 4 of 9 taps see black
    white = Kernel(box, divisor=9, border="constant", cval=255)
    assert apply_kernel(image, white)[0, 0].tolist() == [186] * 3  # (4*100 + 5*255) / 9
    wide = apply_kernel(image.astype(np.uint16) * 257, white)
    assert wide[0, 0].tolist() == [round((4 * 100 + 5 * 255) * 257 / 9)] * 3  # cval scaled
    # The call's own options still win over the kernel's.
    assert apply_kernel(image, white, cval=0.0)[0, 0].tolist() == [44] * 3
    only_green = Kernel(box, divisor=9, channels="G", border="constant")
    assert apply_kernel(image, only_green, channels="RGB")[0, 0].tolist() == [44] * 3
    rgba = np.dstack([image, np.full((5, 5), 255, np.uint8)])
    rgba[2, 2] = 0  # a transparent black pixel: weighting keeps it from darkening
    weighted = apply_kernel(rgba, Kernel(box, divisor=9, border="nearest"))
    plain = apply_kernel(rgba, Kernel(box, divisor=9, border="nearest", alpha_weighting=False))
    assert not np.array_equal(weighted, plain)
