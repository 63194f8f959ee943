"""``workbench learn``: the installed command on real before/after pairs."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from workbench.engine import apply_kernel
from workbench.engine.imageio import load_image, save_image
from workbench.engine.library import KernelLibrary, load_kernel

LIBRARY = KernelLibrary(user_dir=Path("/nonexistent-user-dir"))
RNG = np.random.default_rng(3)


def random_image(shape: tuple[int, ...]) -> np.ndarray:
    return RNG.integers(0, 256, shape, dtype=np.uint8)


def test_learn_recovers_a_kernel(files, run):
    before = random_image((48, 48))
    save_image(files / "before.png", before)
    save_image(files / "after.png", apply_kernel(before, LIBRARY.get("gaussian-3x3").kernel))
    before2 = random_image((40, 40))
    save_image(files / "b2.png", before2)
    save_image(files / "a2.png", apply_kernel(before2, LIBRARY.get("gaussian-3x3").kernel))
    result = run(
        "learn", "before.png", "after.png", "--pair", "b2.png", "a2.png",
        "-o", "learned.json", "--size", "3", "--residual", "residual.tif",
        cwd=files,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "RMSE" in result.stdout and "learned.json" in result.stdout
    kernel = load_kernel(files / "learned.json")
    np.testing.assert_allclose(
        kernel.effective_weights(), np.outer([1, 2, 1], [1, 2, 1]) / 16, atol=0.01
    )
    residual = load_image(files / "residual.tif").pixels
    assert residual.shape == before.shape and residual.dtype == np.float32
    assert np.abs(residual[4:-4, 4:-4] - 0.5).max() < 2 / 255  # only rounding is left
    # The saved kernel is what 'apply -k' takes: it makes the after image again.
    result = run("apply", "before.png", "-k", "learned.json", "-o", "again.png", cwd=files)
    assert result.returncode == 0, result.stderr
    again = load_image(files / "again.png").pixels.astype(int)
    after = load_image(files / "after.png").pixels.astype(int)
    assert np.abs(again - after)[1:-1, 1:-1].max() <= 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["photo.png", "missing.png", "-o", "k.json"], "missing.png: no such file"),
        (["photo.png", "photo.png", "-o", "k.png"], "save the kernel as one of"),
        (["photo.png", "photo.png", "-o", "k.json", "--size", "4"], "must be odd"),
        (["photo.png", "photo.png", "-o", "k.json", "--mode", "x"], "invalid choice"),
        (["photo.png", "photo.png", "-o", "nodir/k.json"], "does not exist"),
        (["photo.png", "gray.jpg", "-o", "k.json"], "pair 1: the before image is 32 x 24"),
    ],
)
def test_learn_bad_input(files, args, message, run, assert_one_line_error):
    result = run("learn", *args, cwd=files)
    assert_one_line_error(result, 2, message)
    assert not (files / "k.json").exists()


def test_learn_refuses_an_unwritable_folder_before_fitting(files, run, assert_one_line_error):
    result = run("learn", "photo.png", "photo.png", "-o", "/proc/k.json", cwd=files)
    assert_one_line_error(result, 1, "/proc/k.json: cannot write in '/proc'")
    assert result.stdout == ""  # no fit report: the fit never ran
    args = ["-o", "k.json", "--residual", "/proc/r.png"]
    result = run("learn", "photo.png", "photo.png", *args, cwd=files)
    assert_one_line_error(result, 1, "/proc/r.png: cannot write in '/proc'")
    assert result.stdout == ""
    assert not (files / "k.json").exists()


def test_learned_kernel_exports_to_photoshop_when_exact(files, run):
    # A learned kernel carries float64 noise (an identity is 1 +- 1e-12): .acf takes it as
    # the whole numbers it is, instead of refusing a -1e-12 offset.
    result = run("learn", "photo.png", "photo.png", "-o", "same.acf", "--size", "3", cwd=files)
    assert result.returncode == 0, result.stderr
    data = (files / "same.acf").read_bytes()
    words = struct.unpack(">27h", data)
    assert words[12] == 1 and sum(map(abs, words[:25])) == 1 and words[25:] == (1, 0)


def test_learning_an_unrelated_pair_is_refused(files, run, assert_one_line_error):
    save_image(files / "other.png", random_image((24, 32, 3)))
    result = run("learn", "photo.png", "other.png", "-o", "k.json", cwd=files)
    assert_one_line_error(result, 2, "does not look like a filtered copy")
    assert not (files / "k.json").exists()


def test_a_format_that_cannot_hold_the_learned_kernel_says_what_to_use(
    files, run, assert_one_line_error
):
    before = random_image((48, 48))
    save_image(files / "before.png", before)
    save_image(files / "after.png", apply_kernel(before, LIBRARY.get("gaussian-3x3").kernel))
    result = run("learn", "before.png", "after.png", "-o", "k.acf", "--size", "3", cwd=files)
    # Learned from 8-bit images, weights and offset are near 1/16, 2/16..., 0: not exact.
    assert_one_line_error(result, 2, "k.acf: Photoshop")
    assert "would be lost" in result.stderr or "without rounding" in result.stderr
    assert "-o KERNEL.json keeps a learned kernel exactly" in result.stderr
    assert "RMSE" in result.stdout  # the fit report was printed
    assert not (files / "k.acf").exists()
