"""Streamed TIFFs: band by band, bit-identical to filtering the whole image in memory.

The reference is the plain path: ``load_image`` reads the whole file and ``apply_kernel``
filters it. Bands are forced tiny so that a small image has many of them.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
import tifffile

from workbench.engine import Cancelled, Kernel, apply_kernel, convolve
from workbench.engine.bands import filter_band, plan_bands
from workbench.engine.imageio import ImageReadError, load_image
from workbench.engine.tiff_stream import TiffBands, is_streamed, stream_apply

RNG = np.random.default_rng(17)
MODES = ("reflect", "mirror", "nearest", "wrap", "constant")


def pixels(shape: tuple[int, ...], dtype: str) -> np.ndarray:
    if dtype == "float32":
        return RNG.random(shape, dtype=np.float32)
    top = np.iinfo(dtype).max
    return RNG.integers(0, top + 1, shape).astype(dtype)


def write_tiff(path, image: np.ndarray, layout: str = "strip", **extra) -> None:
    """``image`` (engine layout) as a striped, tiled or planar TIFF."""
    channels = 1 if image.ndim == 2 else image.shape[2]
    options = dict(
        photometric="minisblack" if channels <= 2 else "rgb",
        compression="zlib",
        metadata=None,
        **extra,
    )
    if channels in (2, 4):
        options["extrasamples"] = ["unassalpha"]
    data = image
    if layout == "tile":
        options["tile"] = (16, 16)
    else:
        options["rowsperstrip"] = 5
    if channels > 1:
        options["planarconfig"] = "contig"
        if layout == "planar":
            data = np.moveaxis(image, -1, 0)
            options["planarconfig"] = "separate"
    tifffile.imwrite(path, data, **options)


def in_memory(path, kernel: Kernel, repeat: int = 1, **options) -> np.ndarray:
    result = load_image(path).pixels
    for _ in range(repeat):
        result = apply_kernel(result, kernel, **options)
    return result


@pytest.mark.parametrize("border", MODES)
@pytest.mark.parametrize("dtype", ["uint8", "uint16", "float32"])
@pytest.mark.parametrize("channels", [1, 3, 4])
def test_streamed_result_is_bit_identical_to_the_whole_image(tmp_path, border, dtype, channels):
    shape = (37, 29) if channels == 1 else (37, 29, channels)
    image = pixels(shape, dtype)
    layout = ("strip", "tile", "planar")[(len(border) + channels) % 3]
    write_tiff(tmp_path / "in.tif", image, layout)
    kernel = Kernel(RNG.normal(size=(7, 5)), border=border, offset=3)
    stream_apply(tmp_path / "in.tif", tmp_path / "out.tif", kernel, band_rows=2, cval=0.25)
    expected = in_memory(tmp_path / "in.tif", kernel, cval=0.25)
    assert np.array_equal(tifffile.imread(tmp_path / "out.tif"), expected)
    # What the app and the CLI load back is the same.
    assert np.array_equal(load_image(tmp_path / "out.tif").pixels, expected)


@pytest.mark.parametrize("border", MODES)
def test_a_63_by_63_kernel_reaching_past_several_bands_and_the_image(tmp_path, border):
    image = pixels((45, 20, 3), "uint16")
    write_tiff(tmp_path / "in.tif", image, "tile")
    kernel = Kernel(RNG.normal(size=(63, 63)), border=border)
    stream_apply(tmp_path / "in.tif", tmp_path / "out.tif", kernel, band_rows=3)
    expected = in_memory(tmp_path / "in.tif", kernel)
    assert np.array_equal(tifffile.imread(tmp_path / "out.tif"), expected)


@pytest.mark.parametrize("border", ["reflect", "wrap"])
def test_repeats_take_a_halo_of_every_repeat(tmp_path, border):
    image = pixels((40, 17, 3), "float32")
    write_tiff(tmp_path / "in.tif", image)
    kernel = Kernel(RNG.normal(size=(5, 3)) / 4, border=border)
    stream_apply(tmp_path / "in.tif", tmp_path / "out.tif", kernel, repeat=3, band_rows=4)
    expected = in_memory(tmp_path / "in.tif", kernel, repeat=3)
    assert np.array_equal(tifffile.imread(tmp_path / "out.tif"), expected)


@pytest.mark.parametrize("border", ["reflect", "nearest", "constant"])
def test_fft_bands_follow_the_fft_tile_grid(tmp_path, border):
    # Tall enough for several FFT tiles: fft's round-off depends on where its tiles fall.
    image = pixels((1300, 6), "float32")
    write_tiff(tmp_path / "in.tif", image)
    kernel = Kernel(RNG.normal(size=(31, 3)), border=border)
    plan = plan_bands(image.shape, image.dtype, kernel, strategy="fft")
    assert not plan.whole and plan.step > 1
    stream_apply(tmp_path / "in.tif", tmp_path / "out.tif", kernel, strategy="fft", band_rows=1)
    expected = in_memory(tmp_path / "in.tif", kernel, strategy="fft")
    assert np.array_equal(tifffile.imread(tmp_path / "out.tif"), expected)


def test_an_opaque_band_of_a_partly_transparent_image_is_weighted_like_the_rest(
    tmp_path, monkeypatch
):
    # Small strips, so that the alpha-weighted path has many; one transparent pixel makes
    # the whole image weighted, while most bands alone are opaque.
    monkeypatch.setattr(convolve, "STRIP_PIXELS", 200)
    image = pixels((120, 20, 4), "float32")
    image[..., 3] = 1.0
    image[7, 3, 3] = 0.0
    write_tiff(tmp_path / "in.tif", image)
    kernel = Kernel(RNG.normal(size=(5, 5)), border="mirror")
    stream_apply(tmp_path / "in.tif", tmp_path / "out.tif", kernel, band_rows=10)
    expected = in_memory(tmp_path / "in.tif", kernel)
    assert np.array_equal(tifffile.imread(tmp_path / "out.tif"), expected)


def test_options_that_need_the_whole_image_are_refused():
    with pytest.raises(ValueError, match="whole image"):
        plan_bands((10, 10), np.uint8, Kernel([[1]]), out_range="stretch")


def test_bands_of_an_array_match_the_whole_for_every_mode():
    image = pixels((50, 11, 3), "uint8")
    for border in MODES:
        kernel = Kernel(RNG.normal(size=(9, 3)), border=border)
        plan = plan_bands(image.shape, image.dtype, kernel)
        out = np.empty_like(image)
        for band in plan.bands(1):
            rows = image[plan.rows_of(band)]
            out[band.y0 : band.y1] = filter_band(rows, band, plan, kernel)
        assert np.array_equal(out, apply_kernel(image, kernel)), border


@pytest.mark.parametrize(
    "options",
    [dict(space="linear", channels="G"), dict(luminance=True), dict(out_range="abs")],
    ids=["linear-one-channel", "luminance", "abs"],
)
def test_bands_keep_the_strips_of_float_work_whole(options, monkeypatch):
    # Linear light on some channels, luminance and abs filter float32 strips, each with
    # fft tiles cut from its own first row: bands must hold the whole image's strips.
    monkeypatch.setattr(convolve, "STRIP_PIXELS", 5000)
    image = pixels((5000, 8, 3), "uint8")
    kernel = Kernel(RNG.normal(size=(9, 3)))
    plan = plan_bands(image.shape, image.dtype, kernel, strategy="fft", **options)
    out = np.empty_like(image)
    for band in plan.bands(1):
        rows = image[plan.rows_of(band)]
        out[band.y0 : band.y1] = filter_band(rows, band, plan, kernel, strategy="fft", **options)
    assert np.array_equal(out, apply_kernel(image, kernel, strategy="fft", **options))


def test_progress_grows_to_one_and_cancel_leaves_nothing(tmp_path, monkeypatch):
    write_tiff(tmp_path / "in.tif", pixels((40, 10, 3), "uint8"))
    seen: list[float] = []
    stream_apply(tmp_path / "in.tif", tmp_path / "a.tif", [[1]], band_rows=2, progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == 1.0
    stop = threading.Event()
    real_read = TiffBands.read
    reads = []

    def read_then_cancel(self, rows):
        reads.append(rows)
        if len(reads) == 8:  # 8 bands of 20
            stop.set()
        return real_read(self, rows)

    monkeypatch.setattr(TiffBands, "read", read_then_cancel)
    with pytest.raises(Cancelled):
        stream_apply(tmp_path / "in.tif", tmp_path / "b.tif", [[1]], band_rows=2, cancel=stop)
    assert len(reads) == 8
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.tif", "in.tif"]


def test_damaged_data_is_one_error_and_no_output(tmp_path):
    write_tiff(tmp_path / "in.tif", pixels((40, 10), "uint8"))
    data = bytearray((tmp_path / "in.tif").read_bytes())
    with tifffile.TiffFile(tmp_path / "in.tif") as tif:
        offset = tif.pages[0].dataoffsets[5]
    data[offset : offset + 8] = b"\xff" * 8
    (tmp_path / "in.tif").write_bytes(bytes(data))
    with pytest.raises(ImageReadError, match=r"in\.tif: damaged"):
        stream_apply(tmp_path / "in.tif", tmp_path / "out.tif", [[1]], band_rows=2)
    assert not (tmp_path / "out.tif").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["in.tif"]


def test_kinds_that_cannot_be_streamed_say_so(tmp_path):
    tifffile.imwrite(tmp_path / "rot.tif", pixels((8, 8), "uint8"), extratags=[(274, 3, 1, 6)])
    with pytest.raises(ImageReadError, match="rotated"):
        TiffBands(tmp_path / "rot.tif")


def test_only_tiffs_too_large_to_read_whole_are_streamed(tmp_path, monkeypatch):
    from workbench.engine import tiff_stream

    write_tiff(tmp_path / "small.tif", pixels((20, 20, 3), "uint8"))
    (tmp_path / "not.tif").write_bytes(b"nonsense")
    assert not is_streamed(tmp_path / "small.tif")
    monkeypatch.setattr(tiff_stream, "STREAM_BYTES", 20 * 20 * 3)
    assert not is_streamed(tmp_path / "small.tif")
    monkeypatch.setattr(tiff_stream, "STREAM_BYTES", 20 * 20 * 3 - 1)
    assert is_streamed(tmp_path / "small.tif")
    assert not is_streamed(tmp_path / "not.tif")


def test_the_decompression_guard_says_tiff_is_streamed(tmp_path, monkeypatch):
    from workbench.engine import imageio

    write_tiff(tmp_path / "big.tif", pixels((20, 20, 3), "uint8"))
    imageio.save_image(tmp_path / "big.png", pixels((20, 20, 3), "uint8"))
    monkeypatch.setattr(imageio, "MAX_PIXELS", 399)
    with pytest.raises(ImageReadError, match=r"too large to read whole.*streams TIFF files"):
        load_image(tmp_path / "big.tif")
    with pytest.raises(ImageReadError, match="streams images this large if they are TIFF"):
        load_image(tmp_path / "big.png")


def test_the_kernels_own_channels_alpha_weighting_and_cval_are_planned_for(tmp_path, monkeypatch):
    # Without alpha weighting the image takes the one-pass path, whose fft tiles the bands
    # must follow; planned as if weighted, they would follow the strips instead.
    monkeypatch.setattr(convolve, "STRIP_PIXELS", 200)
    image = pixels((1100, 8, 4), "float32")  # float: fft's round-off is not rounded away
    write_tiff(tmp_path / "in.tif", image)
    kernel = Kernel(RNG.normal(size=(31, 3)), channels="RB", alpha_weighting=False)
    options = {"strategy": "fft", "band_rows": 10}
    stream_apply(tmp_path / "in.tif", tmp_path / "out.tif", kernel, **options)
    expected = in_memory(tmp_path / "in.tif", kernel, strategy="fft")
    assert np.array_equal(tifffile.imread(tmp_path / "out.tif"), expected)
    # A constant border at the kernel's own cval (full white: opaque outside the image).
    kernel = Kernel(RNG.normal(size=(5, 3)), border="constant", cval=255)
    image[..., 3] = 1.0
    image[1000, 3, 3] = 0.0
    write_tiff(tmp_path / "in.tif", image)
    stream_apply(tmp_path / "in.tif", tmp_path / "out.tif", kernel, band_rows=10)
    expected = in_memory(tmp_path / "in.tif", kernel)
    assert np.array_equal(tifffile.imread(tmp_path / "out.tif"), expected)
