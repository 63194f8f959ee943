"""``workbench apply --space --luminance --out-range`` and ``learn --space``, as run by a user."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np

from workbench.engine import Kernel, apply_kernel
from workbench.engine.imageio import load_image
from workbench.engine.library import load_kernel, save_kernel

GEGL = Path(__file__).resolve().parents[1] / "data" / "gegl-linear"
SOBEL = Kernel([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], name="sobel")


def test_apply_with_the_three_options_matches_the_engine(files, run):
    src = load_image(files / "photo.png").pixels
    save_kernel(SOBEL, files / "sobel.json")
    cases = [
        (["--space", "linear"], {"space": "linear"}),
        (["--luminance"], {"luminance": True}),
        (["--out-range", "abs"], {"out_range": "abs"}),
        (["--out-range", "stretch", "--space", "linear"],
         {"out_range": "stretch", "space": "linear"}),
    ]  # fmt: skip
    for flags, options in cases:
        result = run("apply", "photo.png", "-k", "sobel.json", "-o", "out.png", *flags, cwd=files)
        assert result.returncode == 0, result.stderr
        want = apply_kernel(src, SOBEL, **options)
        np.testing.assert_array_equal(load_image(files / "out.png").pixels, want, str(flags))
    assert not np.array_equal(want, apply_kernel(src, SOBEL))


def test_float_result_is_a_float_tiff_and_other_formats_are_refused(files, run):
    save_kernel(SOBEL, files / "sobel.json")
    args = ["apply", "photo.png", "-k", "sobel.json", "--out-range", "float"]
    result = run(*args, "-o", "edges.tif", cwd=files)
    assert result.returncode == 0, result.stderr
    got = load_image(files / "edges.tif")
    assert got.pixels.dtype == np.float32 and got.bit_depth == 32
    want = apply_kernel(load_image(files / "photo.png").pixels, SOBEL, out_range="float")
    np.testing.assert_array_equal(got.pixels, want)
    assert got.pixels.min() < 0 and got.pixels.max() > 1
    result = run(*args, "-o", "edges.png", cwd=files)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and ".tif" in result.stderr
    assert "Traceback" not in result.stderr and not (files / "edges.png").exists()


def test_a_kernel_file_in_linear_light_needs_no_flag(files, run):
    save_kernel(SOBEL.replace(space="linear", out_range="abs"), files / "k.json")
    result = run("apply", "photo.png", "-k", "k.json", "-o", "out.png", cwd=files)
    assert result.returncode == 0, result.stderr
    src = load_image(files / "photo.png").pixels
    want = apply_kernel(src, SOBEL, space="linear", out_range="abs")
    np.testing.assert_array_equal(load_image(files / "out.png").pixels, want)
    result = run("apply", "photo.png", "-k", "k.json", "-o", "p.png", "--space", "perceptual",
                 cwd=files)  # fmt: skip
    want = apply_kernel(src, SOBEL, out_range="abs")
    np.testing.assert_array_equal(load_image(files / "p.png").pixels, want)


def test_bad_space_is_one_line(files, run):
    result = run("apply", "photo.png", "-k", "sharpen", "-o", "o.png", "--space", "gamma",
                 cwd=files)  # fmt: skip
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "--space" in result.stderr


def test_learn_a_gegl_pair_records_linear_light_and_apply_reproduces_gegl(files, run):
    for name in ("train.png", "train-gaussian.png", "other.png", "other-gaussian.png"):
        shutil.copy(GEGL / name, files / name)
    result = run("learn", "train.png", "train-gaussian.png", "-o", "learned.json", cwd=files)
    assert result.returncode == 0, result.stderr
    assert "Made in linear light, as GIMP does" in result.stdout
    assert json.loads((files / "learned.json").read_text())["space"] == "linear"
    result = run("apply", "other.png", "-k", "learned.json", "-o", "out.png", "--border",
                 "nearest", cwd=files)  # fmt: skip
    assert result.returncode == 0, result.stderr
    out = load_image(files / "out.png").pixels.astype(float)
    gegl = load_image(files / "other-gaussian.png").pixels
    error = (out - gegl)[8:-8, 8:-8]
    assert 20 * np.log10(255 / np.sqrt(np.mean(error**2))) >= 55
    result = run("learn", "train.png", "train-gaussian.png", "-o", "stored.json", "--size", "5",
                 "--space", "perceptual", cwd=files)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "space" not in json.loads((files / "stored.json").read_text())
    assert load_kernel(files / "stored.json").space == "perceptual"
