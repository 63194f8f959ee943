"""``apply_kernel_dask``: chunk by chunk, bit-identical to ``apply_kernel`` on the whole array.

Most tests compute with dask's synchronous scheduler; one runs on a real
``distributed.LocalCluster`` of two worker processes.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from workbench.engine import Kernel, apply_kernel, convolve

da = pytest.importorskip("dask.array")

RNG = np.random.default_rng(1717)
MODES = ("reflect", "mirror", "nearest", "wrap", "constant")


def pixels(shape: tuple[int, ...], dtype: str) -> np.ndarray:
    if dtype == "float32":
        return RNG.random(shape, dtype=np.float32)
    return RNG.integers(0, np.iinfo(dtype).max + 1, shape).astype(dtype)


def chunked(image: np.ndarray, rows: int):
    return da.from_array(image, chunks=(rows, 8, *image.shape[2:]))


@pytest.fixture(autouse=True)
def small_strips(monkeypatch):
    # The alpha-weighted path works in strips of a million pixels; small ones give the
    # small test images many, so chunks of them are tested too.
    monkeypatch.setattr(convolve, "STRIP_PIXELS", 150)


@pytest.mark.parametrize("border", MODES)
@pytest.mark.parametrize("dtype", ["uint8", "uint16", "float32"])
@pytest.mark.parametrize("channels", [1, 3, 4])
def test_chunks_give_the_whole_image_result_bit_for_bit(border, dtype, channels):
    from workbench.engine import apply_kernel_dask

    shape = (61, 19) if channels == 1 else (61, 19, channels)
    image = pixels(shape, dtype)
    kernel = Kernel(RNG.normal(size=(9, 5)), border=border, offset=2)
    result = apply_kernel_dask(chunked(image, 6), kernel, cval=0.5)
    assert len(result.chunks[0]) > 1, "the test must cut the image"
    computed = result.compute(scheduler="sync")
    assert computed.dtype == image.dtype
    assert np.array_equal(computed, apply_kernel(image, kernel, cval=0.5))


@pytest.mark.parametrize("border", MODES)
def test_a_63_by_63_kernel_wider_than_the_chunks(border):
    from workbench.engine import apply_kernel_dask

    image = pixels((70, 12, 3), "uint8")
    kernel = Kernel(RNG.normal(size=(63, 63)), border=border)
    result = apply_kernel_dask(chunked(image, 4), kernel).compute(scheduler="sync")
    assert np.array_equal(result, apply_kernel(image, kernel))


def test_fft_chunks_follow_its_tile_grid():
    from workbench.engine import apply_kernel_dask

    image = pixels((1200, 5), "float32")
    kernel = Kernel(RNG.normal(size=(21, 3)))
    result = apply_kernel_dask(chunked(image, 100), kernel, strategy="fft")
    assert len(result.chunks[0]) > 1
    expected = apply_kernel(image, kernel, strategy="fft")
    assert np.array_equal(result.compute(scheduler="sync"), expected)


def test_a_partly_transparent_image_is_weighted_in_every_chunk():
    from workbench.engine import apply_kernel_dask

    image = pixels((90, 15, 4), "float32")
    image[..., 3] = 1.0
    image[80, 2, 3] = 0.25  # one pixel: the whole image is weighted, most chunks are opaque
    kernel = Kernel(RNG.normal(size=(3, 3)), border="nearest")
    result = apply_kernel_dask(chunked(image, 10), kernel).compute(scheduler="sync")
    assert np.array_equal(result, apply_kernel(image, kernel))


def test_numpy_input_options_and_refusals():
    from workbench.engine import apply_kernel_dask

    image = pixels((20, 10, 3), "uint16")
    kernel = Kernel([[0, 1, 0], [1, 4, 1], [0, 1, 0]], divisor=8)
    result = apply_kernel_dask(image, kernel, border="wrap", channels="G")
    assert isinstance(result, da.Array)
    expected = apply_kernel(image, kernel, border="wrap", channels="G")
    assert np.array_equal(result.compute(scheduler="sync"), expected)
    with pytest.raises(ValueError, match="border"):
        apply_kernel_dask(image, kernel, border="sideways")
    with pytest.raises(ValueError, match="dask's own progress"):
        apply_kernel_dask(image, kernel, progress=print)


def test_the_docstring_has_sections_and_its_example_runs():
    import doctest

    from workbench.engine import dask_apply

    doc = dask_apply.apply_kernel_dask.__doc__
    for section in ("Parameters", "Returns", "Raises", "Examples"):
        assert f"\n    {section}\n    {'-' * len(section)}\n" in doc
    finder = doctest.DocTestFinder(recurse=False)
    runner = doctest.DocTestRunner()
    for test in finder.find(dask_apply.apply_kernel_dask, globs=dict(vars(dask_apply))):
        runner.run(test)
    assert runner.summarize(verbose=False) == (0, 4)


def test_importing_the_engine_does_not_import_dask():
    code = "import sys, workbench.engine; print('dask' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr


def test_a_chunked_array_on_a_local_cluster_of_two_processes(dask_cluster):
    from distributed import Client

    from workbench.engine import apply_kernel_dask

    convolve.STRIP_PIXELS = 1_000_000  # the workers have their own, unpatched engine
    image = pixels((300, 40, 3), "uint8")
    kernel = Kernel(RNG.normal(size=(7, 7)), border="wrap")
    with Client(dask_cluster) as client:
        result = apply_kernel_dask(chunked(image, 25), kernel)
        assert len(result.chunks[0]) > 2
        computed = client.compute(result).result(timeout=120)
        workers = client.run(lambda: 1)
    assert len(workers) == 2
    assert np.array_equal(computed, apply_kernel(image, kernel))


@pytest.mark.parametrize("border", ["wrap", "nearest"])
def test_a_tiff_streamed_through_the_cluster_matches_the_whole_image(
    dask_cluster, tmp_path, border
):
    import tifffile
    from distributed import Client

    from workbench.engine.dask_apply import stream_apply_dask
    from workbench.engine.imageio import load_image

    convolve.STRIP_PIXELS = 1_000_000  # the workers have their own, unpatched engine
    image = pixels((120, 30, 4), "uint16")
    image[..., 3] = 65535
    image[100, 4, 3] = 7  # one transparent pixel: weighted everywhere, most bands opaque
    tifffile.imwrite(
        tmp_path / "in.tif", image, photometric="rgb", extrasamples=["unassalpha"], rowsperstrip=9
    )
    kernel = Kernel(RNG.normal(size=(5, 7)), border=border)
    seen: list[float] = []
    with Client(dask_cluster) as client:
        stream_apply_dask(
            tmp_path / "in.tif", tmp_path / "out.tif", kernel, client, repeat=2, band_rows=10,
            progress=seen.append,
        )  # fmt: skip
    expected = apply_kernel(apply_kernel(load_image(tmp_path / "in.tif").pixels, kernel), kernel)
    assert np.array_equal(tifffile.imread(tmp_path / "out.tif"), expected)
    assert seen == sorted(seen) and seen[-1] == 1.0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.tif", "out.tif"]
