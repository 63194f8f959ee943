"""One file as ``workbench apply`` filters it: over its own pixels, band by band.

``filter_file`` loads the image, writes each step's result over the loaded pixels and
saves them: the same file as filtering the whole image, never the input file touched,
nothing left behind when stopped. Bands are forced small so that small files have many.
"""

from __future__ import annotations

import argparse
import threading
from pathlib import Path

import numpy as np
import pytest

from workbench.cli import main
from workbench.cli.one_file import filter_file
from workbench.engine import Cancelled, Kernel, apply_kernel, convolve, in_place
from workbench.engine.imageio import load_image, save_image
from workbench.engine.library import KernelLibrary

LIBRARY = KernelLibrary(user_dir=Path("/nonexistent-user-dir"))
RNG = np.random.default_rng(41)


def random_image(shape: tuple[int, ...], dtype: type = np.uint8) -> np.ndarray:
    return RNG.integers(0, np.iinfo(dtype).max + 1, shape, dtype=np.int64).astype(dtype)


@pytest.fixture
def bands(monkeypatch, tmp_path):
    """Small bands (and alpha and float strips of 10 rows), counted as they are filtered."""
    monkeypatch.setattr(in_place, "BAND_PIXELS", 5 * 40)
    monkeypatch.setattr(in_place, "HALO_SHARE", 1.0)  # bands as short as two halos
    monkeypatch.setattr(convolve, "STRIP_PIXELS", 400)
    monkeypatch.setenv("WORKBENCH_KERNELS", str(tmp_path / "user-kernels"))
    monkeypatch.chdir(tmp_path)
    filtered = []
    real = in_place.filter_band

    def counted(*args, **kwargs):
        filtered.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(in_place, "filter_band", counted)
    return filtered


def whole(image: np.ndarray, kernel: Kernel, repeat: int = 1, **options) -> np.ndarray:
    for _ in range(repeat):
        image = apply_kernel(image, kernel, **options)
    return image


@pytest.mark.parametrize(
    "flags, options",
    [
        ([], {}),
        (["--border", "wrap", "--strategy", "im2col"], dict(border="wrap", strategy="im2col")),
        (["--space", "linear"], dict(space="linear")),
        (["--luminance", "--border", "constant"], dict(luminance=True, border="constant")),
        (["--out-range", "abs"], dict(out_range="abs")),
    ],
    ids=["plain", "wrap-im2col", "linear", "luminance", "abs"],
)
@pytest.mark.parametrize("shape", [(120, 40, 3), (120, 40, 4)], ids=["RGB", "RGBA"])
def test_apply_in_bands_writes_what_the_whole_image_gives(bands, flags, options, shape):
    image = random_image(shape, np.uint16)  # random alpha: weighted
    save_image("in.png", image)
    before = Path("in.png").read_bytes()
    status = main(["apply", "in.png", "-k", "emboss", "-o", "out.png", "--repeat", "3", *flags])
    assert status == 0
    want = whole(image, LIBRARY.get("emboss").kernel, 3, **options)
    assert np.array_equal(load_image("out.png").pixels, want)
    assert len(bands) >= 3 * 2  # in bands, every repeat
    assert Path("in.png").read_bytes() == before  # the input file is never written


def test_a_range_stretched_over_the_whole_result_is_filtered_whole(bands):
    image = random_image((60, 40, 3))
    save_image("in.png", image)
    status = main(["apply", "in.png", "-k", "sharpen", "-o", "out.png", "--out-range", "stretch"])
    assert status == 0
    want = apply_kernel(image, LIBRARY.get("sharpen").kernel, out_range="stretch")
    assert np.array_equal(load_image("out.png").pixels, want)
    assert bands == []


def args(**given) -> argparse.Namespace:
    """What the parser gives ``apply`` by default, with ``given`` on top."""
    defaults = dict(
        repeat=1, border=None, space=None, luminance=None, out_range=None, strategy="auto",
        quality=95, png_compression=4,
    )  # fmt: skip
    return argparse.Namespace(**{**defaults, **given})


def test_a_stopped_file_leaves_no_output_and_its_input_untouched(bands, tmp_path):
    save_image("in.png", random_image((80, 40, 3)))
    before = Path("in.png").read_bytes()
    stop = threading.Event()
    seen: list[float] = []

    def stop_halfway(fraction: float) -> None:  # as a batch's stop comes: from outside
        seen.append(fraction)
        if fraction >= 0.5:
            stop.set()

    kernel = LIBRARY.get("gaussian-5x5").kernel
    with pytest.raises(Cancelled):
        filter_file(Path("in.png"), Path("out.png"), kernel, args(repeat=2), stop_halfway, stop)
    assert seen == sorted(seen) and 0.5 <= seen[-1] < 1.0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.png"]  # no temporary either
    assert Path("in.png").read_bytes() == before


def test_progress_of_every_repeat_grows_to_one(bands):
    save_image("in.png", random_image((80, 40)))
    seen: list[float] = []
    kernel = LIBRARY.get("sharpen").kernel
    filter_file(Path("in.png"), Path("out.png"), kernel, args(repeat=3), seen.append)
    assert seen == sorted(seen) and seen[-1] == 1.0
    assert len({f for f in seen if 0 < f < 1 / 3}) > 3  # inside the first repeat's bands
