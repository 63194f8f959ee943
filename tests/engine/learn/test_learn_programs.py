"""Kernels learned from pairs made by other programs reproduce those programs elsewhere.

Each case filters a training image with Pillow, OpenCV or ImageMagick (the after image is
saved as PNG, or as JPEG quality 90), learns a kernel with size "auto", applies it with
apply_kernel to a *different* image, and compares with what the program makes of that image:
the interior must agree to at least 48 dB PSNR.

Pillow and OpenCV run in-process (they are test dependencies). ImageMagick is never run here:
its results are fixtures in tests/data/imagemagick/, made once by make_fixtures.py there
(COMMANDS.txt lists each command, VERSION.txt the version), with their before images.
"""

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFilter

from workbench.engine import apply_kernel, fit_kernel

cv2 = pytest.importorskip("cv2")


MAGICK = Path(__file__).resolve().parents[2] / "data" / "imagemagick"


def fixture(name: str) -> np.ndarray:
    return np.asarray(Image.open(MAGICK / name).convert("RGB"))


# The same images that make_fixtures.py filtered with ImageMagick.
TRAIN = fixture("train.png")
OTHER = fixture("other.png")


def psnr_interior(a, b, margin=12):
    d = a[margin:-margin, margin:-margin].astype(np.float64) - b[margin:-margin, margin:-margin]
    mse = np.mean(d * d)
    return np.inf if mse == 0 else 10 * np.log10(255.0**2 / mse)


def pillow(image_filter):
    return lambda a: np.asarray(Image.fromarray(a).filter(image_filter))


def jpeg90(a):
    buf = io.BytesIO()
    Image.fromarray(a).save(buf, "JPEG", quality=90)
    return np.asarray(Image.open(buf).convert("RGB"))


def magick(name, jpeg=False):
    """What ImageMagick made of TRAIN or OTHER with the command named ``name``."""
    images = {TRAIN.tobytes(): "train", OTHER.tobytes(): "other"}

    def run(a):
        suffix = "-q90.jpg" if jpeg else ".png"
        return fixture(f"{images[a.tobytes()]}-{name}{suffix}")

    return run


SHARPEN_CV = np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 1.0]]) / 2
ASYMMETRIC = ImageFilter.Kernel(
    (5, 5), [0] * 6 + [1, 0, 0, 0, 0, 0, 2, 1, 0, 0, 0, 0, 1] + [0] * 6, 5
)

PROGRAMS = {
    "pillow-kernel-3x3": pillow(ImageFilter.Kernel((3, 3), [1, 2, 1, 2, 4, 2, 1, 2, 1], 16)),
    "pillow-kernel-asymmetric": pillow(ASYMMETRIC),
    "pillow-sharpen": pillow(ImageFilter.SHARPEN),
    "pillow-gaussian-blur": pillow(ImageFilter.GaussianBlur(1)),
    "pillow-box-blur": pillow(ImageFilter.BoxBlur(2)),
    "opencv-filter2d": lambda a: cv2.filter2D(a, -1, SHARPEN_CV),
    "opencv-gaussian": lambda a: cv2.GaussianBlur(a, (5, 5), 1.2),
    "imagemagick-gaussian": magick("gaussian"),
    "imagemagick-convolve": magick("convolve"),
}

JPEG_AFTERS = {
    "pillow-gaussian-blur-jpeg": (PROGRAMS["pillow-gaussian-blur"], None),
    "pillow-sharpen-jpeg": (PROGRAMS["pillow-sharpen"], None),
    "opencv-filter2d-jpeg": (PROGRAMS["opencv-filter2d"], None),
    "opencv-gaussian-jpeg": (PROGRAMS["opencv-gaussian"], None),
    "imagemagick-gaussian-jpeg": (
        PROGRAMS["imagemagick-gaussian"],
        magick("gaussian", jpeg=True),
    ),
}


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_png_after_reproduces_the_program(name):
    program = PROGRAMS[name]
    result = fit_kernel([(TRAIN, program(TRAIN))], "auto")
    assert psnr_interior(apply_kernel(OTHER, result.kernel), program(OTHER)) >= 48.0


@pytest.mark.parametrize("name", list(JPEG_AFTERS))
def test_jpeg_q90_after_reproduces_the_program(name):
    program, program_jpeg = JPEG_AFTERS[name]
    after = program_jpeg(TRAIN) if program_jpeg else jpeg90(program(TRAIN))
    assert not np.array_equal(after, program(TRAIN))
    result = fit_kernel([(TRAIN, after)], "auto")
    assert psnr_interior(apply_kernel(OTHER, result.kernel), program(OTHER)) >= 48.0


def test_pillow_asymmetric_kernel_is_found_as_correlation():
    # Pillow's Kernel filter applies its first row of weights to the row *below* the pixel
    # (Filter.c) but keeps left and right: as a correlation, the list is flipped top-bottom.
    result = fit_kernel([(TRAIN, PROGRAMS["pillow-kernel-asymmetric"](TRAIN))], 3)
    pillow_grid = np.array([[1, 0, 0], [0, 2, 1], [0, 0, 1]]) / 5
    assert np.max(np.abs(result.kernel.weights - pillow_grid[::-1])) < 2e-3
    assert any("not symmetric" in f for f in result.report.findings)


def test_clipped_after_saved_as_jpeg_is_screened():
    # A strong sharpen clips; JPEG then moves the clipped values off 0 and 255, so only a
    # first fit can tell which pixels were clipped.
    program = pillow(ImageFilter.UnsharpMask(radius=2, percent=250, threshold=0))
    after = jpeg90(program(TRAIN))
    assert np.mean((program(TRAIN) == 0) | (program(TRAIN) == 255)) > 0.02

    screened = fit_kernel([(TRAIN, after)], 9)
    naive = fit_kernel([(TRAIN, after)], 9, exclude_clipped=False)

    truth = program(OTHER)
    good = psnr_interior(apply_kernel(OTHER, screened.kernel), truth)
    bad = psnr_interior(apply_kernel(OTHER, naive.kernel), truth)
    assert good >= 40.0
    assert good > bad + 6.0
    assert screened.report.excluded["clipped"] > 0


def test_shared_kernel_learns_from_luma_so_jpeg_colour_subsampling_does_not_matter():
    # Strong colour texture: JPEG (4:2:0, as Pillow saves quality 90) blurs the colour
    # channels, so fitting each channel learns that blur; luma is kept at full resolution.
    rng = np.random.default_rng(5)
    f = np.hypot(np.fft.fftfreq(160)[:, None], np.fft.fftfreq(160)[None, :])
    f[0, 0] = 1.0
    planes = [
        np.real(np.fft.ifft2(np.fft.fft2(rng.standard_normal((160, 160))) / f)) for _ in range(3)
    ]
    img = np.stack([(p - p.mean()) / p.std() for p in planes], axis=-1)
    colourful = np.round(np.clip(0.5 + 0.14 * img, 0.02, 0.98) * 255).astype(np.uint8)
    program = PROGRAMS["pillow-sharpen"]
    after = jpeg90(program(colourful))

    shared = fit_kernel([(colourful, after)], 3)
    per_channel = fit_kernel([(colourful, after)], 3, mode="per-channel")

    truth = program(OTHER)
    assert psnr_interior(apply_kernel(OTHER, shared.kernel), truth) >= 48.0
    assert psnr_interior(apply_kernel(OTHER, per_channel.kernel), truth) < 40.0
    assert shared.report.on_luma and not per_channel.report.on_luma


def test_jpeg_after_is_recognised_in_the_findings():
    program = PROGRAMS["opencv-gaussian"]
    png = fit_kernel([(TRAIN, program(TRAIN))], 5).report.findings
    jpeg = fit_kernel([(TRAIN, jpeg90(program(TRAIN)))], 5).report.findings
    assert not any("JPEG" in f for f in png)
    assert any("JPEG" in f for f in jpeg)
